"""The search index kept in the project: each source's tokens, and every distinct word form once.

What was said in a source (its turns, overlapping ones merged; the whole text when it has none)
is tokenised as the auto-coder tokenises it: joined into chunks (``autocode.build_chunks``) and cut
by spaCy's blank pipeline for the source's language through :class:`coding.span_tokens.SpanTokens`.
Speaker labels and headings outside the turns are not indexed. White space is left out; words and
punctuation are kept in order, so that a phrase is a run of neighbouring tokens. Each token is
stored as its start, end and form id (three uint32 columns in one blob per source, tagged with the
text digest it was made from: a source's turns change only with its text). Each distinct lower-case form of a language is analysed once by
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
LEXICON_MODULE = "coding.autocode.lemmas"  # the lemma tables and LEMMA_FIXES


def compound_settings() -> tuple[dict[str, bool], int]:
    """Which languages compound and the shortest part, as the auto-coder's default settings."""
    from ..codebook import DEFAULT_SETTINGS

    return dict(DEFAULT_SETTINGS["compounds"]), int(DEFAULT_SETTINGS["min_part_length"])


def module_file(dotted: str) -> str | None:
    """The source file of a module, found without importing it or its packages (``find_spec`` of
    ``coding.autocode.lemmas`` would import ``coding.autocode``, and spaCy with it)."""
    import importlib.util
    import os

    top, *rest = dotted.split(".")
    spec = importlib.util.find_spec(top)        # a top-level name: nothing is imported
    if spec is None or not spec.origin:
        return None
    if not rest:
        return spec.origin
    base = list(spec.submodule_search_locations or [os.path.dirname(spec.origin)])[0]
    path = os.path.join(base, *rest)
    return path + ".py" if os.path.isfile(path + ".py") else os.path.join(path, "__init__.py")


def index_version() -> str:
    """Changes when anything the stored analysis depends on may have changed: the layout, the
    compound settings, the module that holds the lemma tables and their fixes, and the installed
    spaCy and spacy-lookups-data (their ``about.py``). Worked out from files, without importing
    spaCy (a search does not need it) or reading package metadata (slow)."""
    digest = hashlib.blake2b(digest_size=8)
    digest.update(json.dumps([INDEX_FORMAT, compound_settings()], sort_keys=True).encode())
    for module in (LEXICON_MODULE, "spacy.about", "spacy_lookups_data.about"):
        try:
            with open(module_file(module) or "", "rb") as handle:
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
        # the forms known so far by spaCy's hash of their text (the LOWER column of a token):
        # sorted hashes and their form ids (0: white space), so a text's known forms are found by
        # one search and only new forms cost Python work
        from spacy.strings import hash_string

        known = sorted((hash_string(form), form_id) for form, form_id in self.ids.items())
        self.known_hashes = np.array([h for h, _ in known], dtype=np.uint64)
        self.known_ids = np.array([i for _, i in known], dtype=np.int64)

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

    def tokenise(self, text: str, spans: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Starts, ends and form ids of the tokens of ``text[start:end]`` for each of ``spans``
        (sorted, not overlapping), white space left out; new forms are analysed and stored. The
        spans are joined into chunks and tokenised as the auto-coder does (``build_chunks``)."""
        from ..autocode.engine import build_chunks

        units = np.column_stack([np.arange(len(spans)), spans]) if len(spans) else np.zeros((0, 3), dtype=np.int64)
        hashes, starts, ends = [], [], []
        for chunk in build_chunks(text, units):
            columns = self.tokens(chunk.text)
            at = columns[:, 1].astype(np.int64)
            piece = np.searchsorted(chunk.piece_starts, at, "right") - 1      # the piece each token is in
            shift = chunk.pieces[:, 3] - chunk.pieces[:, 4]                    # chunk position -> source position
            hashes.append(columns[:, 0])
            starts.append(at + shift[piece])
            ends.append(at + columns[:, 2].astype(np.int64) + shift[piece])
        if not hashes:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, empty
        hashes_all, starts_all, ends_all = np.concatenate(hashes), np.concatenate(starts), np.concatenate(ends)
        form_ids = self._form_ids(hashes_all, text, starts_all, ends_all)
        keep = form_ids > 0
        return starts_all[keep], ends_all[keep], form_ids[keep]

    def _form_ids(self, hashes: np.ndarray, text: str, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
        """The form id of each token (0: white space); forms not seen before are analysed and stored."""
        at = np.minimum(np.searchsorted(self.known_hashes, hashes), max(len(self.known_hashes) - 1, 0))
        found = (self.known_hashes[at] == hashes) if len(self.known_hashes) else np.zeros(len(hashes), dtype=bool)
        if not found.all():
            missing = np.flatnonzero(~found)
            distinct, first = np.unique(hashes[missing], return_index=True)
            strings = self.nlp.vocab.strings
            new_hashes, new_ids, new_forms = [], [], []
            for h, i in zip(distinct.tolist(), missing[first].tolist()):
                try:
                    form = strings[h]
                except KeyError:        # (a lower form spaCy did not keep: read it from the text)
                    form = text[int(starts[i]):int(ends[i])].lower()
                new_hashes.append(h)
                if not form.strip():
                    new_ids.append(0)
                elif form in self.ids:
                    new_ids.append(self.ids[form])
                else:
                    new_ids.append(-1)
                    new_forms.append((len(new_ids) - 1, form))
            if new_forms:
                analysed = [self.analyse(form) for _, form in new_forms]
                ids = self.store.add_search_forms(self.language, [a[0] for a in analysed], [a[1] for a in analysed])
                for (k, form), form_id in zip(new_forms, ids):
                    new_ids[k] = form_id
                    self.ids[form] = form_id
            merged_hashes = np.concatenate([self.known_hashes, np.array(new_hashes, dtype=np.uint64)])
            merged_ids = np.concatenate([self.known_ids, np.array(new_ids, dtype=np.int64)])
            order = np.argsort(merged_hashes, kind="stable")
            self.known_hashes, self.known_ids = merged_hashes[order], merged_ids[order]
            at = np.searchsorted(self.known_hashes, hashes)
        return self.known_ids[at]


def said_spans(turns: dict[str, np.ndarray], source_id: int, length: int) -> np.ndarray:
    """What was said in a source as sorted (start, end) spans: its turns, overlapping ones merged;
    the whole text when it has no turns."""
    lo, hi = np.searchsorted(turns["source_id"], [source_id, source_id + 1])
    if hi == lo:
        return np.array([[0, length]], dtype=np.int64)
    spans: list[list[int]] = []
    for start, end in zip(turns["start"][lo:hi].tolist(), turns["end"][lo:hi].tolist()):
        if spans and start <= spans[-1][1]:
            spans[-1][1] = max(spans[-1][1], end)
        else:
            spans.append([start, end])
    return np.array(spans, dtype=np.int64)


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
    turns = {k: np.asarray(v, dtype=np.int64) for k, v in store.turn_columns().items()}
    for n, sid in enumerate(sorted(stale), start=1):
        language, digest, _ = state[sid]
        analyser = analysers.get(language)
        if analyser is None:
            analyser = analysers[language] = FormAnalyser(store, language)
        text = texts[sid]
        starts, ends, forms = analyser.tokenise(text, said_spans(turns, sid, len(text)))
        store.put_search_tokens(sid, digest, len(starts), pack(starts, ends, forms))
        if progress is not None and n % 50 == 0:
            progress(f"search index: {n}/{len(stale)} sources")
    return len(stale)


def index_is_current(store: Store) -> bool:
    """Whether every source is indexed from its current text by this version (no writing)."""
    if store.get_meta(store.SEARCH_INDEX_KEY) != index_version():
        return False
    return all(digest == indexed for _, digest, indexed in store.search_index_sources().values())
