"""spaCy's languages as the codebook sees them: which exist, and a cached blank pipeline for each."""

from __future__ import annotations

import re
from typing import Any

_BLANK: dict[str, Any] = {}


def blank_nlp(lang: str):
    """A cached blank spaCy pipeline (tokenizer only) for ``lang``."""
    nlp = _BLANK.get(lang)
    if nlp is None:
        import spacy

        nlp = _BLANK[lang] = spacy.blank(lang)
    return nlp


_LANGUAGES: dict[str, bool] = {}


def known_language(lang: Any) -> bool:
    """Whether spaCy has a language class (and so a tokenizer) for ``lang``."""
    if not isinstance(lang, str) or not re.fullmatch(r"[a-z]{2,3}", lang):
        return False
    if lang not in _LANGUAGES:
        import spacy.util

        try:
            spacy.util.get_lang_class(lang)
            _LANGUAGES[lang] = True
        except Exception:  # spaCy raises ImportError/KeyError-like errors for unknown codes
            _LANGUAGES[lang] = False
    return _LANGUAGES[lang]
