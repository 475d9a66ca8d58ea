"""spaCy token patterns as the fast matcher reads them: the literal word a pattern needs (its anchor),
and patterns of fixed length on string attributes and flags turned into array tests."""

from __future__ import annotations

import hashlib

import numpy as np

from ..safe_regex import search as regex_search

FLAGS = ("LIKE_NUM", "LIKE_URL", "LIKE_EMAIL", "IS_ALPHA", "IS_ASCII", "IS_DIGIT", "IS_LOWER", "IS_UPPER",
         "IS_TITLE", "IS_PUNCT", "IS_SPACE", "IS_STOP", "IS_BRACKET", "IS_QUOTE", "IS_CURRENCY",
         "IS_LEFT_PUNCT", "IS_RIGHT_PUNCT")
# flags that do not depend on letter case: read once per lower-case form instead of per token
FORM_FLAGS = {"LIKE_NUM": "like_num", "IS_ALPHA": "is_alpha", "IS_ASCII": "is_ascii", "IS_DIGIT": "is_digit",
              "IS_PUNCT": "is_punct", "IS_SPACE": "is_space", "IS_STOP": "is_stop", "IS_BRACKET": "is_bracket",
              "IS_QUOTE": "is_quote", "IS_CURRENCY": "is_currency", "IS_LEFT_PUNCT": "is_left_punct",
              "IS_RIGHT_PUNCT": "is_right_punct"}
STRING_ATTRS = {"ORTH": "ORTH", "TEXT": "ORTH", "LOWER": "LOWER", "NORM": "NORM", "LEMMA": "LEMMA"}


def pattern_anchor(pattern: list[dict]) -> str | None:
    """A literal word every match of a spaCy token pattern holds (lower-cased), or None."""
    for token in pattern:
        if token.get("OP") not in (None, "1"):
            continue
        for key in ("LEMMA", "LOWER", "ORTH", "TEXT", "NORM"):
            if isinstance(token.get(key), str) and token[key].strip():
                return token[key].lower()
    return None


def array_pattern(pattern: list[dict], strings) -> list[list[tuple]] | None:
    """A spaCy token pattern as tests per token, [(attribute, 'in'|'not_in'|'flag', value)], when
    it is a fixed sequence of tokens tested on string attributes or flags only; else None."""
    tests = []
    for token in pattern:
        if token.get("OP") not in (None, "1"):
            return None
        checks = []
        for key, value in token.items():
            if key == "OP":
                continue
            attr = STRING_ATTRS.get(key)
            if attr is not None:
                if isinstance(value, str):
                    checks.append((attr, "in", np.array([strings.add(value)], dtype=np.uint64)))
                elif isinstance(value, dict) and value and set(value) <= {"IN", "NOT_IN"} \
                        and all(isinstance(v, list) and all(isinstance(x, str) for x in v) for v in value.values()):
                    checks.extend((attr, op.lower(), np.array([strings.add(x) for x in v], dtype=np.uint64))
                                  for op, v in value.items())
                else:
                    return None
            elif key in FLAGS and isinstance(value, bool):
                checks.append((key, "flag", value))
            else:
                return None
        tests.append(checks)
    return tests


REGEX_ATTRS = {"ORTH": "text", "TEXT": "text", "LOWER": "lower_", "NORM": "norm_", "LEMMA": "lemma_"}


def guarded_pattern(pattern: list[dict], where: str) -> list[dict]:
    """A spaCy token pattern whose ``REGEX`` tests run through ``safe_regex.search`` (with a time
    limit) as custom token attributes, instead of spaCy's own ``re`` without one."""
    from spacy.tokens import Token

    out = []
    for token in pattern:
        token = dict(token)
        for key in list(token):
            value = token[key]
            attr = REGEX_ATTRS.get(str(key).upper())
            if attr is None or not isinstance(value, dict) or set(value) != {"REGEX"}:
                continue
            expression = str(value["REGEX"])
            name = "coding_rx_" + hashlib.sha1(f"{where}\0{attr}\0{expression}".encode()).hexdigest()[:16]
            if not Token.has_extension(name):
                Token.set_extension(name, getter=lambda t, a=attr, x=expression: regex_search(x, getattr(t, a), where))
            del token[key]
            token.setdefault("_", {})[name] = True
        out.append(token)
    return out
