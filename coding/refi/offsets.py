"""Selection offsets in REFI-QDA files and the characters they mean.

REFI says positions count characters, but tools disagree on what a character is: NVivo counts UTF-16
code units (an emoji is two), ATLAS.ti, MAXQDA, QualCoder and this toolkit count Unicode code points.
Positions also refer to the text exactly as the tool stored it, with ``\\r\\n`` line ends, while the
store keeps ``\\n`` only. :class:`OffsetMap` converts both ways of counting into offsets in the stored
text; :func:`choose_units` decides, per source, which way the file counted.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

_CRLF = re.compile("\r\n")
_ASTRAL = re.compile("[\U00010000-\U0010FFFF]")
UTF16 = "utf16"
CODEPOINTS = "codepoints"
UNIT_NAMES = {UTF16: "UTF-16 units", CODEPOINTS: "characters (code points)"}


class OffsetMap:
    """Offsets into ``raw`` (the text as in the file, BOM removed) -> offsets into the stored text."""

    def __init__(self, raw: str):
        self.raw = raw
        self.astral_cp = [m.start() for m in _ASTRAL.finditer(raw)]
        # UTF-16 index at which each astral character starts
        self.astral_u16 = [cp + n for n, cp in enumerate(self.astral_cp)]
        self.crlf = [m.start() for m in _CRLF.finditer(raw)]
        self.text = raw.replace("\r\n", "\n").replace("\r", "\n")
        self.length = {CODEPOINTS: len(raw), UTF16: len(raw) + len(self.astral_cp)}

    def to_codepoint(self, position: int, units: str) -> int | None:
        """The code point offset in ``raw``; None when out of bounds or inside a surrogate pair."""
        if position < 0 or position > self.length[units]:
            return None
        if units == CODEPOINTS:
            return position
        # an astral character starting at UTF-16 index a occupies [a, a + 2); a + 1 splits it
        before = bisect.bisect_right(self.astral_u16, position - 2)
        if before < len(self.astral_u16) and self.astral_u16[before] == position - 1:
            return None
        return position - before

    def to_stored(self, codepoint: int) -> int:
        """A code point offset in ``raw`` -> the offset in the stored (``\\n`` only) text."""
        return codepoint - bisect.bisect_left(self.crlf, codepoint)

    def span(self, start: int, end: int, units: str) -> tuple[int, int] | None:
        a, b = self.to_codepoint(start, units), self.to_codepoint(end, units)
        if a is None or b is None or b < a:
            return None
        return self.to_stored(a), self.to_stored(b)


@dataclass
class Choice:
    units: str
    ambiguous: bool  # both ways of counting give the same text for every selection
    reason: str


def choose_units(offsets: OffsetMap, selections: list[tuple[int, int, str]], hint: str) -> Choice:
    """Which way the file counted, judged on its selections ``(start, end, name)``.

    Each way scores a point for a selection that fits the text (in bounds, not splitting an emoji),
    and a point each for starting and ending at a word boundary without blank space inside the edges;
    a selection whose name is the text it covers scores ten. The other way must win clearly (by a tenth
    of the selections, at least 2) to overrule ``hint`` (UTF-16 for NVivo, code points otherwise)."""
    if not offsets.astral_cp:
        return Choice(hint, True, "the text has no characters outside the Basic Multilingual Plane")
    scores = {}
    for units in (UTF16, CODEPOINTS):
        score = 0
        for start, end, name in selections:
            a, b = offsets.to_codepoint(start, units), offsets.to_codepoint(end, units)
            if a is None or b is None or b < a:
                continue
            score += 1 + _edge_score(offsets.raw, a, b)
            if name and _same_text(offsets.raw[a:b], name):
                score += 10
        scores[units] = score
    if scores[UTF16] == scores[CODEPOINTS]:
        return Choice(hint, True, "both ways of counting fit the selections equally well")
    other = CODEPOINTS if hint == UTF16 else UTF16
    margin = max(2, len(selections) // 10)
    if scores[other] > scores[hint] + margin:
        return Choice(other, False, f"the selections fit {UNIT_NAMES[other]} clearly better "
                                    f"(score {scores[other]} against {scores[hint]})")
    return Choice(hint, False, f"the selections fit {UNIT_NAMES[hint]} as well or better "
                               f"(score {scores[hint]} against {scores[other]})")


def _edge_score(raw: str, a: int, b: int) -> int:
    if b <= a:
        return 0
    score = 0
    if not raw[a].isspace() and (a == 0 or not (raw[a - 1].isalnum() and raw[a].isalnum())):
        score += 1
    if not raw[b - 1].isspace() and (b == len(raw) or not (raw[b - 1].isalnum() and raw[b].isalnum())):
        score += 1
    return score


def _same_text(covered: str, name: str) -> bool:
    def squash(value: str) -> str:
        return " ".join(value.split())
    covered, name = squash(covered), squash(name)
    return bool(name) and (covered == name or (len(name) >= 20 and covered.startswith(name.rstrip(".… "))))
