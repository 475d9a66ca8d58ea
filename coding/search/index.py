"""The search index kept in the project: each source's tokens, and every distinct word form once.

A source's text is tokenised by the auto-coder's tokenizer (spaCy's blank pipeline for its
language, through :class:`coding.span_tokens.SpanTokens`); white space is left out, words and
punctuation are kept in order, so that a phrase is a run of neighbouring tokens. Each token is
stored as its start, end and form id (three uint32 columns in one blob per source, tagged with the
text digest it was made from). Each distinct lower-case form of a language is analysed once by
the auto-coder's :class:`coding.autocode.Lexicon`: its lemma, whether it is a word (has a
letter or digit) and a stop word (spaCy's ``STOP_WORDS`` of the language, by form or lemma), and,
in languages whose words compound (Danish), the heads and modifiers the auto-coder finds in it.
A search then asks the store which form ids stand for a word and scans the token columns with
numpy, without spaCy or the lemma tables.

The index is brought up to date after every import (:func:`update_index`) and before every
search, so older projects and sources added by other means are indexed on first use.
"""

from __future__ import annotations

import hashlib
import json
from typing import Callable

import numpy as np

from ..store import Store

INDEX_FORMAT = 1            # the layout of the token blobs and form rows
HEAD_LEMMA, HEAD_FORM, MODIFIER = 1, 2, 3   # kinds of search_parts rows
LEXICON_MODULE = "coding.lemmas"          # the lemma tables and LEMMA_FIXES


def compound_settings() -> tuple[dict[str, bool], int]:
    """Which languages compound and the shortest part, as the auto-coder's default settings."""
    from ..codebook import DEFAULT_SETTINGS

    return dict(DEFAULT_SETTINGS["compounds"]), int(DEFAULT_SETTINGS["min_part_length"])


def index_version() -> str:
    """Changes when anything the stored analysis depends on may have changed: the layout, the
    compound settings, the module that holds the lemma tables and their fixes, and the installed
    spaCy and spacy-lookups-data (their ``about.py``). Worked out from files, without importing
    spaCy (a search does not need it) or reading package metadata (slow)."""
    import importlib.util
    import os

    digest = hashlib.blake2b(digest_size=8)
    digest.update(json.dumps([INDEX_FORMAT, compound_settings()], sort_keys=True).encode())
    for module, file in ((LEXICON_MODULE, None), ("spacy", "about.py"), ("spacy_lookups_data", "about.py")):
        spec = importlib.util.find_spec(module)
        path = spec.origin if spec is not None and spec.origin else None
        if path and file:
            path = os.path.join(os.path.dirname(path), file)
        try:
            with open(path or "", "rb") as handle:
                digest.update(handle.read())
        except OSError:
            digest.update(b"-")
    return f"{INDEX_FORMAT}-{digest.hexdigest()}"


def pack(starts: np.ndarray, ends: np.ndarray, forms: np.ndarray) -> bytes:
    return np.concatenate([starts, ends, forms]).astype("<u4").tobytes()


def unpack(data: bytes) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(starts, ends, form ids) of a source's tokens."""
    table = np.frombuffer(data, dtype="<u4").reshape(3, -1)
    return table[0], table[1], table[2]


class FormAnalyser:
    """A language's tokenizer and lexicon, and the ids of the forms the project has already."""

    def __init__(self, store: Store, language: str):
        from ..autocode.lexicon import Lexicon
        from ..codebook import blank_nlp, known_language
        from ..autocode.span_tokens import SpanTokens

        self.store = store
        self.language = language
        self.nlp = blank_nlp(language if known_language(language) else "xx")
        self.tokens = SpanTokens(self.nlp)
        compounds, min_part = compound_settings()
        self.lexicon = Lexicon(language, bool(compounds.get(language)), min_part)
        self.stop_words = {w.lower() for w in getattr(self.nlp.Defaults, "stop_words", set())}
        self.ids = store.search_form_ids(language)

    def analyse(self, form: str) -> tuple[tuple[str, str, bool, bool], list[tuple[str, int]]]:
        """((form, lemma, word, stop), compound parts) of a lower-case form."""
        lex = self.lexicon
        lemma = lex.lemma(form)
        word = any(ch.isalnum() for ch in form)
        stop = form in self.stop_words or lemma in self.stop_words
        parts: list[tuple[str, int]] = []
        if word and lex.compounds and len(form) >= lex.min_part + 3:
            heads, modifiers = lex.parts(form)
            for head, head_lemma in heads:
                parts.append((head_lemma, HEAD_LEMMA))
                parts.append((head, HEAD_FORM))
            parts.extend((modifier, MODIFIER) for modifier in modifiers)
        return (form, lemma, word, stop), sorted(set(parts))

    def tokenise(self, text: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Starts, ends and form ids of the text's tokens (white space left out); new forms are
        analysed and stored."""
        columns = self.tokens(text)
        hashes = columns[:, 0]
        starts = columns[:, 1].astype(np.int64)
        ends = starts + columns[:, 2].astype(np.int64)
        distinct, inverse = np.unique(hashes, return_inverse=True)
        strings = self.nlp.vocab.strings
        first = np.zeros(len(distinct), dtype=np.int64)
        first[inverse[::-1]] = np.arange(len(hashes))[::-1]     # where each form first occurs
        forms = []
        for h, at in zip(distinct.tolist(), first.tolist()):
            try:
                forms.append(strings[h])
            except KeyError:            # (a lower form spaCy did not keep: read it from the text)
                forms.append(text[starts[at]:ends[at]].lower())
        blank = np.array([not f.strip() for f in forms], dtype=bool)
        new = [f for f, b in zip(forms, blank) if not b and f not in self.ids]
        if new:
            analysed = [self.analyse(f) for f in new]
            ids = self.store.add_search_forms(self.language, [a[0] for a in analysed], [a[1] for a in analysed])
            self.ids.update(zip(new, ids))
        form_ids = np.array([0 if b else self.ids[f] for f, b in zip(forms, blank)], dtype=np.int64)
        keep = ~blank[inverse]
        return starts[keep], ends[keep], form_ids[inverse][keep]


def update_index(store: Store, progress: Callable[[str], None] | None = None) -> int:
    """Index the sources that have no tokens or tokens of another text; returns how many.

    The caller holds the transaction (an import's, or one of its own)."""
    version = index_version()
    if store.get_meta(store.SEARCH_INDEX_KEY) != version:
        store.clear_search_index()
        store.set_meta(store.SEARCH_INDEX_KEY, version)
    state = store.search_index_sources()
    stale = [sid for sid, (_, digest, indexed) in state.items() if digest != indexed]
    if not stale:
        return 0
    analysers: dict[str, FormAnalyser] = {}
    texts = store.texts_of(stale)
    for n, sid in enumerate(sorted(stale), start=1):
        language, digest, _ = state[sid]
        analyser = analysers.get(language)
        if analyser is None:
            analyser = analysers[language] = FormAnalyser(store, language)
        starts, ends, forms = analyser.tokenise(texts[sid])
        store.put_search_tokens(sid, digest, len(starts), pack(starts, ends, forms))
        if progress is not None and n % 50 == 0:
            progress(f"search index: {n}/{len(stale)} sources")
    return len(stale)


def index_is_current(store: Store) -> bool:
    """Whether every source is indexed from its current text by this version (no writing)."""
    if store.get_meta(store.SEARCH_INDEX_KEY) != index_version():
        return False
    return all(digest == indexed for _, digest, indexed in store.search_index_sources().values())
