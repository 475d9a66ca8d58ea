"""Every distinct word form the matcher has seen, analysed once, as arrays indexed by form id."""

from __future__ import annotations

import numpy as np

from .patterns import FORM_FLAGS
from .slot_table import SlotTable

WORD, SPACE, BREAK, FINAL, CLOSER = 0, 1, 2, 3, 4       # kinds of token
SLOT_BITS = 20              # FormTable's slot table: at most 2**20 slots (16 MB)
FILTER_LOAD = 16            # FormTable.key_filter: entries per (form, item) key held, at least
FILTER_MAX_BITS = 24        # ... up to 2**24 entries (16 MB); past a million keys more of them pass it
FILTER_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)      # 2**64 / golden ratio, odd


class FormTable:
    """Every distinct lower-case word form a matcher has seen, analysed once
    (``LanguageRules.analyse``), as arrays indexed by form id that grow as new forms come in."""

    def __init__(self, rules):
        self.rules = rules
        self.ni = max(len(rules.items), 1)
        self.strings = rules.nlp.vocab.strings
        self.sorted_hashes = np.zeros(0, dtype=np.uint64)   # lower-form hashes, sorted
        self.sorted_ids = np.zeros(0, dtype=np.int64)       # the form id of each
        self.kind = np.zeros(0, dtype=np.int8)
        self.skip = np.zeros(0, dtype=bool)                 # a phrase may skip it (filler, space)
        self.lemma = np.zeros(0, dtype=np.uint64)           # hash of the lemma
        # the rule words (items) a form holds that a batch looks up by position (see ``located``)
        self.count = np.zeros(0, dtype=np.int64)            # how many
        self.ptr = np.zeros(0, dtype=np.int64)              # where they start in ``items``
        self.items = np.zeros(0, dtype=np.int64)
        self.keys = np.zeros(0, dtype=np.int64)             # form * ni + item, sorted: every item held
        # in front of the keys: a filter a key is surely not held when its byte is False (a Bloom
        # filter with one hash)
        self.filter_bits = 12
        self.key_filter = np.zeros(1 << self.filter_bits, dtype=bool)
        self.located = np.ones(self.ni, dtype=bool)         # per item: listed in count/ptr/items
        self.flag_names: list[str] = []                     # FORM_FLAGS asked for by patterns
        self.flags: dict[str, np.ndarray] = {}
        # in front of the sorted hashes: a slot table (a lookup is two gathers and a compare instead
        # of a binary search; a form whose slot another form holds goes the sorted way)
        self.slots = SlotTable(max_bits=SLOT_BITS)

    def filter_slots(self, keys: np.ndarray) -> np.ndarray:
        """Where each (form, item) key falls in ``key_filter``: the top bits of a multiplicative hash."""
        with np.errstate(over="ignore"):
            return ((keys.astype(np.uint64) * FILTER_MULTIPLIER) >> np.uint64(64 - self.filter_bits)).astype(np.intp)

    def _filter(self, new_keys: np.ndarray) -> None:
        """Mark new keys in the filter: 16 bits (bytes here) or more per key, so that about one key
        in sixteen that is not held passes it. Grown (and filled anew) as the keys grow."""
        bits = self.filter_bits
        while bits < FILTER_MAX_BITS and len(self.keys) * FILTER_LOAD > (1 << bits):
            bits += 1
        if bits != self.filter_bits:
            self.filter_bits = bits
            self.key_filter = np.zeros(1 << bits, dtype=bool)
            new_keys = self.keys
        self.key_filter[self.filter_slots(new_keys)] = True

    def locate_only(self, located: np.ndarray) -> None:
        """List in ``count``/``ptr``/``items`` only the items marked here: the ones a batch needs
        the positions of (terms, phrase anchors, ...). A word found only inside phrases, never as
        their anchor ("og", "er"), is tested where a phrase reaches it (``keys``), and listing it
        at every token would double the batch's (token, item) pairs."""
        if len(self.kind):
            raise ValueError("locate_only must be set before any form is added")
        self.located = np.asarray(located, dtype=bool)

    def want_flags(self, names) -> None:
        """Keep these FORM_FLAGS for every form (for the spaCy patterns tested with arrays)."""
        vocab = self.rules.nlp.vocab
        for name in names:
            if name not in self.flags:
                self.flag_names.append(name)
                self.flags[name] = np.array([getattr(vocab[self.strings[h]], FORM_FLAGS[name])
                                             for h in self._hashes_by_id()], dtype=bool)

    def _hashes_by_id(self) -> list[int]:
        by_id = np.empty(len(self.sorted_ids), dtype=np.uint64)
        by_id[self.sorted_ids] = self.sorted_hashes
        return by_id.tolist()

    def ids(self, hashes: np.ndarray) -> np.ndarray:
        """The form ids of lower-form hashes, analysing the forms not seen before."""
        if not len(hashes):
            return np.zeros(0, dtype=np.int64)
        found = self.slots.get(hashes)
        missed = found < 0
        if missed.any():
            found[missed] = self._sorted_ids(hashes[missed])
        return found

    def _sorted_ids(self, hashes: np.ndarray) -> np.ndarray:
        """:meth:`ids` by binary search in the sorted hashes."""
        at = np.minimum(np.searchsorted(self.sorted_hashes, hashes), max(len(self.sorted_hashes) - 1, 0))
        known = self.sorted_hashes[at] == hashes if len(self.sorted_hashes) else np.zeros(len(hashes), dtype=bool)
        if not known.all():
            self._add(np.unique(hashes[~known]))
            at = np.searchsorted(self.sorted_hashes, hashes)
        return self.sorted_ids[at]

    def _add(self, new: np.ndarray) -> None:
        rules, strings = self.rules, self.strings
        first = len(self.kind)
        entries = [rules.analyse(strings[h]) for h in new.tolist()]
        held = np.array([len(e[1]) for e in entries], dtype=np.int64)
        every = np.array([i for e in entries for i in e[1]], dtype=np.int64)
        ids = np.arange(first, first + len(entries), dtype=np.int64)
        owner = np.repeat(ids, held)
        keep = self.located[every]
        items = every[keep]
        count = np.bincount(owner[keep] - first, minlength=len(entries)).astype(np.int64)
        kind = np.array([e[0] for e in entries], dtype=np.int8)
        self.kind = np.concatenate([self.kind, kind])
        self.skip = np.concatenate([self.skip, np.isin(new, np.array(sorted(rules.fillers), dtype=np.uint64))
                                    | (kind == SPACE)])
        self.lemma = np.concatenate([self.lemma, np.array([strings.add(e[2]) for e in entries], dtype=np.uint64)])
        self.ptr = np.concatenate([self.ptr, len(self.items) + np.cumsum(count) - count])
        self.count = np.concatenate([self.count, count])
        self.items = np.concatenate([self.items, items])
        new_keys = owner * self.ni + every
        self.keys = np.concatenate([self.keys, new_keys])   # new ids are larger
        self._filter(new_keys)
        vocab = rules.nlp.vocab
        for name in self.flag_names:
            attr = FORM_FLAGS[name]
            self.flags[name] = np.concatenate([self.flags[name], np.array(
                [getattr(vocab[strings[h]], attr) for h in new.tolist()], dtype=bool)])
        where = np.searchsorted(self.sorted_hashes, new)
        self.sorted_hashes = np.insert(self.sorted_hashes, where, new)
        self.sorted_ids = np.insert(self.sorted_ids, where, ids)
        self.slots.put(new, ids)
