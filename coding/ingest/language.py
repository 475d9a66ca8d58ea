"""Tell Danish from English by counting frequent function words."""

from __future__ import annotations

import re

DANISH = set("og det er at en jeg ikke på med de som har vi der til den for så af men vil kan også "
              "hvad var skal være meget nogle blive bliver borgerne borgeren altså jo lige nok når sig "
              "hvor eller hun han dem deres vores os fordi mere godt rigtig".split())
ENGLISH = set("the and is that it of to in we they have was be are this not with for you on but "
              "what there can also would will our their very some when because more well really".split())

_WORD = re.compile(r"[a-zæøåéü]+")


def detect_language(text: str) -> str:
    """Return 'da' or 'en' (Danish when the evidence is even: the users are Danish)."""
    da = en = 0
    for word in _WORD.findall(text[:200_000].lower()):
        if word in DANISH:
            da += 1
        if word in ENGLISH:
            en += 1
    if any(ch in text for ch in "æøåÆØÅ"):
        da += 5
    return "en" if en > da else "da"
