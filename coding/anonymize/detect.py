"""Finding personal data in a text: shaped identifiers, the people and places the project knows,
and names and places in the spoken text.

>>> from coding.anonymize.detect import Detector
>>> [f.kind for f in Detector().find("Ring til Bente på 22 33 44 55.", "da")]
['name', 'phone']
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field

from .names import name_spans, ordinary, places
from .patterns import pattern_spans

_GENITIVE = r"(?:s|'s|’s|'|’)?"
# changes whenever the detector would find other things in the same text: stored findings of an
# older version are not reused (see Detector.fingerprint)
DETECTOR_VERSION = "3"
# when two findings overlap, the longer wins; at equal length the earlier kind in this list
PRIORITY = ("person", "case", "cpr", "email", "url", "bank", "case_number", "birthdate", "phone",
            "address", "postcode", "municipality", "place", "name", "name_candidate", "manual")


def key_of(text: str) -> str:
    """How a finding is looked up in the key: white space made single, letter case ignored."""
    return " ".join(str(text).split()).casefold()


@dataclass(frozen=True)
class Finding:
    start: int
    end: int
    kind: str
    text: str   # as written in the text
    key: str    # key_of the finding's name (a name without its genitive "s")


@dataclass
class Context:
    """What the project knows: its people and cases with their pseudonyms, and words never touched.

    ``persons``: a name as written (a manifest name column, a speaker label, a participant id) ->
    the pseudonym ("Sagsbehandler 1"); ``cases``: a case or hidden attribute value, a file name ->
    its pseudonym ("Case 2"); ``never``: casefolded words that are never names (theme words, roles).
    """
    persons: dict[str, str] = field(default_factory=dict)
    cases: dict[str, str] = field(default_factory=dict)
    never: frozenset[str] = frozenset()


def _alternation(names, *, capitalised: bool) -> str | None:
    variants = set()
    for name in names:
        variants.add(name)
        if capitalised and name[:1].islower():
            variants.add(name[:1].upper() + name[1:])
    if not variants:
        return None
    return "|".join(re.escape(n) for n in sorted(variants, key=len, reverse=True))


class Detector:
    """Finds what to anonymize in a text; the same detector for the scan and for every export."""

    def __init__(self, context: Context | None = None):
        self.context = context or Context()
        known = [n for n in self.context.persons if key_of(n) not in self.context.never]
        persons = _alternation([n for n in known if ordinary(n)], capitalised=True)
        anycase = _alternation([n for n in known if not ordinary(n)], capitalised=False)
        cases = _alternation(list(self.context.cases), capitalised=False)
        self._persons = re.compile(rf"(?<![\w])(?P<name>{persons}){_GENITIVE}(?![\w])") if persons else None
        self._persons_anycase = (re.compile(rf"(?<![\w])(?P<name>{anycase}){_GENITIVE}(?![\w])", re.IGNORECASE)
                                 if anycase else None)
        self._cases = (re.compile(rf"(?<![\w])(?P<name>{cases}){_GENITIVE}(?![\w])", re.IGNORECASE)
                       if cases else None)
        self._person_keys = {key_of(n): n for n in self.context.persons}
        self._places = set(places())

    def find(self, text: str, language: str = "da") -> list[Finding]:
        """Every finding in ``text``, without overlaps, in text order."""
        candidates: list[Finding] = []
        for pattern in (self._persons, self._persons_anycase):
            if pattern is not None:
                for m in pattern.finditer(text):
                    candidates.append(Finding(m.start(), m.end(), "person", m.group(), key_of(m.group("name"))))
        if self._cases is not None:
            for m in self._cases.finditer(text):
                candidates.append(Finding(m.start(), m.end(), "case", m.group(), key_of(m.group("name"))))
        for start, end, kind in pattern_spans(text, language, self._places):
            candidates.append(Finding(start, end, kind, text[start:end], key_of(text[start:end])))
        known = [c for c in candidates if c.kind == "person"]
        for start, end, kind, key in name_spans(text, language, self.context.never):
            # a name that runs on from a known person ("Mette" + "Mette Lund") is that person
            person = next((k for k in known if k.start == start and k.end <= end), None)
            if person is not None:
                kind = "person"
                self._person_keys.setdefault(key_of(key), self._person_keys.get(person.key, person.text))
            candidates.append(Finding(start, end, kind, text[start:end], key_of(key)))
        return resolve(candidates)

    def person_name(self, key: str) -> str | None:
        """The known name a person finding's key stands for (the manifest's spelling); for a name
        that runs on from a known one ("mette lund"), the longest known name it begins with."""
        if key in self._person_keys:
            return self._person_keys[key]
        for known in sorted(self._person_keys, key=len, reverse=True):
            if key.startswith(known + " "):
                return self._person_keys[known]
        return None

    def fingerprint(self) -> str:
        """What the findings depend on besides the text: the detector's version and what it knows."""
        data = [DETECTOR_VERSION, sorted(self.context.persons), sorted(self.context.cases), sorted(self.context.never)]
        return hashlib.sha256(json.dumps(data, ensure_ascii=False).encode("utf-8")).hexdigest()


def resolve(candidates: list[Finding]) -> list[Finding]:
    """Non-overlapping findings: the longer one first, then by :data:`PRIORITY`."""
    rank = {kind: i for i, kind in enumerate(PRIORITY)}
    ordered = sorted(candidates, key=lambda f: (-(f.end - f.start), rank.get(f.kind, len(rank)), f.start))
    taken: list[Finding] = []
    occupied: list[tuple[int, int]] = []
    for f in ordered:
        if f.end <= f.start or any(f.start < e and s < f.end for s, e in occupied):
            continue
        taken.append(f)
        occupied.append((f.start, f.end))
    return sorted(taken, key=lambda f: f.start)
