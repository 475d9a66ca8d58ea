"""Regular expressions from a codebook, checked and run so that none can hang auto-coding.

A codebook's spaCy patterns may test a token with ``{"REGEX": "..."}``. Python's ``re`` backtracks,
and a pattern such as ``^(a+)+$`` takes time exponential in the length of the text it fails on. Two
guards:

* ``regex_problem`` refuses, when the codebook is read, patterns that can backtrack without bound:
  a repeated group that holds a repetition itself (``(a+)+``, ``(\\w*)*``, ``(x+y?)*``) and a
  repeated alternation whose branches can start alike (``(a|ab)*``).
* ``search`` runs a pattern with the ``regex`` package and a time limit, so a pattern that slips
  past the check stops with ``RegexTimeout`` (naming the code and the rule) instead of hanging.
"""

from __future__ import annotations

import re
from functools import lru_cache

import regex

from .errors import CodingError

try:  # Python 3.11+
    from re import _constants as _sre_constants  # type: ignore[attr-defined]
    from re import _parser as _sre_parse  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - older Pythons
    import sre_constants as _sre_constants  # type: ignore[no-redef]
    import sre_parse as _sre_parse  # type: ignore[no-redef]

TIMEOUT_SECONDS = 0.5       # the most one token may take; a word is a few dozen characters

_REPEATS = {_sre_constants.MAX_REPEAT, _sre_constants.MIN_REPEAT}
_POSSESSIVE = getattr(_sre_constants, "POSSESSIVE_REPEAT", None)


class RegexTimeout(CodingError):
    """A codebook's regular expression ran past its time limit on a token."""


def _is_repeat(op) -> bool:
    return op in _REPEATS


def _holds_repeat(items) -> bool:
    """Whether a parsed subpattern contains a repetition of more than one."""
    for op, av in items:
        if _is_repeat(op):
            low, high, sub = av
            if high > 1:
                return True
            if _holds_repeat(sub):
                return True
        elif op == _sre_constants.SUBPATTERN:
            if _holds_repeat(av[-1]):
                return True
        elif op == _sre_constants.BRANCH:
            if any(_holds_repeat(branch) for branch in av[1]):
                return True
    return False


def _first_literals(items) -> set | None:
    """The literal characters a subpattern can start with, or None when it can start with anything."""
    for op, av in items:
        if op == _sre_constants.LITERAL:
            return {av}
        if op in (_sre_constants.AT,):
            continue
        if op == _sre_constants.SUBPATTERN:
            return _first_literals(av[-1])
        return None
    return set()


def _overlapping_branches(items) -> bool:
    """Whether a parsed subpattern holds an alternation two of whose branches can begin alike, or
    one of which can be empty (the parser factors a common prefix out: "(a|ab)" is "a(|b)")."""
    for op, av in items:
        if op == _sre_constants.SUBPATTERN and _overlapping_branches(av[-1]):
            return True
        if op == _sre_constants.BRANCH:
            seen: set = set()
            for branch in av[1]:
                first = _first_literals(branch)
                if not branch or first is None or first & seen:
                    return True
                seen |= first
            if any(_overlapping_branches(branch) for branch in av[1]):
                return True
    return False


def _walk(items) -> str | None:
    for op, av in items:
        if _is_repeat(op):
            low, high, sub = av
            if high > 1 and _holds_repeat(sub):
                return "a repeated group holds a repetition itself (as in (a+)+)"
            if high > 1 and _overlapping_branches(sub):
                return "a repeated alternation has branches that can match alike (as in (a|ab)*)"
            found = _walk(sub)
        elif op == _sre_constants.SUBPATTERN:
            found = _walk(av[-1])
        elif op == _sre_constants.BRANCH:
            found = next((f for f in (_walk(b) for b in av[1]) if f), None)
        else:
            found = None
        if found:
            return found
    return None


@lru_cache(maxsize=1024)
def regex_problem(pattern: str) -> str | None:
    """Why a regular expression cannot be used in a codebook (None when it can)."""
    try:
        parsed = _sre_parse.parse(pattern)
    except re.error as exc:
        return f"is not a valid regular expression ({exc})"
    problem = _walk(list(parsed))
    if problem:
        return f"can backtrack without bound: {problem}; write it without nested repetition"
    return None


@lru_cache(maxsize=1024)
def _compiled(pattern: str):
    return regex.compile(pattern)


def search(pattern: str, text: str, where: str = "") -> bool:
    """``regex.search`` with a time limit; ``RegexTimeout`` names ``where`` (the code and the rule)."""
    try:
        return _compiled(pattern).search(text, timeout=TIMEOUT_SECONDS) is not None
    except TimeoutError as exc:
        raise RegexTimeout(f"{where + ': ' if where else ''}the regular expression {pattern!r} took longer "
                           f"than {TIMEOUT_SECONDS} s on the word {text[:40]!r}; simplify it") from exc
