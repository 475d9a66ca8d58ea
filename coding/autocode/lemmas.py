"""The lemma lookup tables of spacy-lookups-data, held without a Python object per entry.

The Danish table has over half a million forms. As a dict of strings it would be built in every
process that auto-codes (each worker), for the few thousand forms a run looks up. A :class:`LemmaTable`
keeps the forms and lemmas as two joined strings with integer offsets and finds a form by its
64-bit hash (spaCy's ``hash_string``) in a table of slots: words are told apart by that hash, as
spaCy's own vocabulary tells them apart (two words of a language sharing one is a chance of about
one in 10^13 per lookup). A copy of these arrays is kept in the user's cache folder, named by the package file's size
and time, and is used in place instead of parsing the table again. LEMMA_FIXES (gaps
and slips of the tables for words evaluation interviews use a lot) take precedence over the table.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import marshal
import os
from importlib import resources
from pathlib import Path
from typing import Iterable

import numpy as np
from spacy.strings import hash_string

CACHE_FORMAT = 2   # in the cached copy's name; a copy of another layout is never read
MEMO_SIZE = 200_000  # lookups answered from memory (a compound's parts are looked up over and over)
_UNSEEN = object()

# Gaps and slips of the spacy-lookups-data tables for words that evaluation interviews use a lot:
# definite/plural adjectives left as their own lemma ("syge"), nouns read as verbs ("lederne" ->
# "led", "rådgiver" -> "rådgive") and plurals missing from the table ("kolleger").
LEMMA_FIXES: dict[str, dict[str, str]] = {
    "da": {
        "syge": "syg", "gode": "god", "sparret": "sparre", "lederne": "leder", "ledernes": "leder",
        "rådgiver": "rådgiver", "rådgiveren": "rådgiver", "rådgivere": "rådgiver", "rådgiverne": "rådgiver",
        "timerne": "time", "kolleger": "kollega", "kollegerne": "kollega", "kollegers": "kollega",
        "kollegernes": "kollega", "kollegaerne": "kollega", "borger": "borger", "sagsbehandler": "sagsbehandler",
        "mindset": "mindset", "målepunkter": "målepunkt", "målepunkterne": "målepunkt",
    },
    "en": {
        "staffing": "staffing", "backing": "backing", "sparring": "sparring", "caseworkers": "caseworker",
        "co-located": "co-located", "data": "data",
    },
}

_TABLES: dict[str, "LemmaTable"] = {}


class LemmaTable:
    """form -> lemma of one language, plus whether a word is some form's lemma (:meth:`is_lemma`).

    Held as the arrays of :func:`table_arrays`, used in place (``memoryview``): loading a copy
    makes no Python object per entry. A form is found by open addressing: its hash's low bits name
    a slot, the slots after it are tried until the form or an empty slot turns up."""

    def __init__(self, arrays: tuple, fixes: dict[str, str] | None = None):
        if not isinstance(arrays, tuple) or len(arrays) != 10:
            raise ValueError("not the arrays of a lemma table")
        (self._forms, starts, ends, self._lemmas, lemma_starts, lemma_ends, hashes, slots,
         lemma_hashes, lemma_slots) = arrays
        self._starts, self._ends = memoryview(starts).cast("I"), memoryview(ends).cast("I")
        self._lemma_starts, self._lemma_ends = memoryview(lemma_starts).cast("I"), memoryview(lemma_ends).cast("I")
        self._hashes, self._slots = memoryview(hashes).cast("Q"), memoryview(slots).cast("i")
        self._lemma_hashes, self._lemma_slots = memoryview(lemma_hashes).cast("Q"), memoryview(lemma_slots).cast("i")
        n = len(self._hashes)
        if not (len(self._starts) == len(self._ends) == len(self._lemma_starts) == len(self._lemma_ends) == n) \
                or len(self._slots) & (len(self._slots) - 1) or len(self._lemma_slots) & (len(self._lemma_slots) - 1) \
                or (n and (self._ends[n - 1] > len(self._forms) or self._lemma_ends[n - 1] > len(self._lemmas))):
            raise ValueError("the arrays of the lemma table do not fit together")
        self._fixes = dict(fixes or {})
        self._fixed_lemmas = set(self._fixes.values())
        self._memo: dict[str, str | None] = {}     # answers given, while there are fewer than MEMO_SIZE
        self._lemma_memo: dict[str, bool] = {}

    @classmethod
    def from_dict(cls, table: dict[str, str], fixes: dict[str, str] | None = None) -> "LemmaTable":
        return cls(table_arrays(table), fixes)

    @staticmethod
    def _position(word: str, hashes, slots) -> int:
        """Where ``word`` is among the words whose ``hashes`` these are; -1: nowhere."""
        h = hash_string(word)
        mask = len(slots) - 1
        slot = h & mask
        while True:
            i = slots[slot]
            if i < 0 or hashes[i] == h:
                return i
            slot = (slot + 1) & mask

    def get(self, form: str, default: str | None = None) -> str | None:
        found = self._memo.get(form, _UNSEEN)
        if found is _UNSEEN:
            found = self._fixes.get(form)
            if found is None:
                i = self._position(form, self._hashes, self._slots)
                found = None if i < 0 else self._lemmas[self._lemma_starts[i]:self._lemma_ends[i]]
            if len(self._memo) >= MEMO_SIZE:
                self._memo.clear()
            self._memo[form] = found
        return default if found is None else found

    def __getitem__(self, form: str) -> str:
        found = self.get(form)
        if found is None:
            raise KeyError(form)
        return found

    def __contains__(self, form: str) -> bool:
        return self.get(form) is not None

    def is_lemma(self, word: str) -> bool:
        """Whether ``word`` is the lemma of some form (fixes included)."""
        found = self._lemma_memo.get(word)
        if found is None:
            found = word in self._fixed_lemmas or self._position(word, self._lemma_hashes, self._lemma_slots) >= 0
            if len(self._lemma_memo) >= MEMO_SIZE:
                self._lemma_memo.clear()
            self._lemma_memo[word] = found
        return found

    def __len__(self) -> int:
        return len(self._hashes) + sum(1 for form in self._fixes
                                       if self._position(form, self._hashes, self._slots) < 0)

    def items(self) -> Iterable[tuple[str, str]]:
        """Every (form, lemma), the fixes applied (slow: for tests and inspection)."""
        for i in range(len(self._hashes)):
            form = self._forms[self._starts[i]:self._ends[i]]
            if form not in self._fixes:
                yield form, self._lemmas[self._lemma_starts[i]:self._lemma_ends[i]]
        yield from self._fixes.items()


def _slots_for(hashes: np.ndarray) -> bytes:
    """Open-addressing slots (int32 positions, -1 empty) for these hashes, at most a quarter full;
    placed a round at a time: in round k every item not yet placed tries the slot k after its own,
    so the slots between an item's own and its place are all taken, as a lookup expects."""
    size = 1 << max(4, int(len(hashes) * 4 - 1).bit_length())
    mask = np.uint64(size - 1)
    slots = np.full(size, -1, dtype="<i4")
    home = (hashes & mask).astype(np.int64)
    pending = np.arange(len(hashes))
    step = 0
    while len(pending):
        want = (home[pending] + step) & (size - 1)
        free = np.flatnonzero(slots[want] < 0)
        taken, first = np.unique(want[free], return_index=True)
        slots[taken] = pending[free[first]]
        placed = np.zeros(len(pending), dtype=bool)
        placed[free[first]] = True
        pending = pending[~placed]
        step += 1
    return slots.tobytes()


def table_arrays(table: dict[str, str]) -> tuple:
    """The arrays of a :class:`LemmaTable`: forms and lemmas joined by newlines (str), where each
    starts and ends (uint32 bytes), the forms' hashes and slots, the distinct lemmas' hashes and
    slots (uint64 and int32 bytes)."""
    forms = [form for form in table if "\n" not in form and "\n" not in table[form]]
    lemmas = [table[form] for form in forms]

    def bounds(words: list[str]) -> tuple[bytes, bytes]:
        lengths = np.array([len(w) for w in words], dtype=np.int64)
        ends = np.cumsum(lengths + 1) - 1
        return (ends - lengths).astype("<u4").tobytes(), ends.astype("<u4").tobytes()

    form_hashes = np.array([hash_string(f) for f in forms], dtype="<u8")
    lemma_hashes = np.array(sorted({hash_string(v) for v in lemmas}), dtype="<u8")
    return ("\n".join(forms), *bounds(forms), "\n".join(lemmas), *bounds(lemmas),
            form_hashes.tobytes(), _slots_for(form_hashes), lemma_hashes.tobytes(), _slots_for(lemma_hashes))


def lemma_table(lang: str) -> LemmaTable:
    """The form -> lemma table of spacy-lookups-data for ``lang`` (empty if there is none), with
    LEMMA_FIXES applied; loaded once per process."""
    table = _TABLES.get(lang)
    if table is None:
        fixes = LEMMA_FIXES.get(lang, {})
        try:
            data = resources.files("spacy_lookups_data").joinpath("data", f"{lang}_lemma_lookup.json.gz")
            if data.is_file():
                table = _read_lemma_file(data, fixes)
        except ModuleNotFoundError:
            pass
        if table is None:       # no table for this language: the fixes alone
            table = LemmaTable(table_arrays({}), fixes)
        _TABLES[lang] = table
    return table


def cache_dir() -> Path | None:
    """Where derived data may be kept between runs: $CODING_CACHE_DIR, else the user's cache
    folder ($XDG_CACHE_HOME or ~/.cache) / coding-toolkit. Only for data that can be made again
    from installed packages; None when no folder can be used."""
    chosen = os.environ.get("CODING_CACHE_DIR")
    if chosen is not None:
        return Path(chosen) if chosen else None
    base = os.environ.get("XDG_CACHE_HOME") or (os.path.join(os.path.expanduser("~"), ".cache"))
    return Path(base) / "coding-toolkit" if base and not base.startswith("~") else None


def _read_lemma_file(data, fixes: dict[str, str]) -> LemmaTable:
    """The gzipped JSON table of spacy-lookups-data, from the cached copy when there is a sound
    one; otherwise parsed and the copy written. A copy is named after the file's content (a
    hash of it, cheap next to parsing), so environments with the same release share
    one; when one is written, all but the KEEP_COPIES newest of the language (and copies in older
    layouts) are removed."""
    folder = cache_dir()
    lang = data.name.split("_")[0]
    raw = data.read_bytes()
    cached = None
    if folder:
        cached = folder / f"lemma{CACHE_FORMAT}-{lang}-{hashlib.blake2b(raw, digest_size=12).hexdigest()}.marshal"
    if cached is not None:
        try:
            return LemmaTable(marshal.loads(cached.read_bytes()), fixes)   # a damaged copy fails here
        except (OSError, EOFError, ValueError, TypeError):
            pass
    arrays = table_arrays(json.loads(gzip.decompress(raw)))
    if cached is not None:
        try:
            cached.parent.mkdir(parents=True, exist_ok=True)
            partial = cached.with_suffix(f".{os.getpid()}.tmp")
            partial.write_bytes(marshal.dumps(arrays))
            os.replace(partial, cached)
            _prune_copies(folder, lang, cached)
        except OSError:
            pass
    return LemmaTable(arrays, fixes)


KEEP_COPIES = 3  # cached copies per language (other releases of the package, in other environments)


def _prune_copies(folder: Path, lang: str, kept: Path) -> None:
    """Remove copies in older layouts and all but the KEEP_COPIES newest copies of ``lang``."""
    current = []
    for copy in [*folder.glob(f"lemma-{lang}-*.marshal"), *folder.glob(f"lemma*-{lang}-*.marshal")]:
        if copy == kept:
            continue
        if copy.name.startswith(f"lemma{CACHE_FORMAT}-") and copy.name.count("-") == 2:
            current.append(copy)
        else:
            copy.unlink(missing_ok=True)
    current.sort(key=lambda c: c.stat().st_mtime, reverse=True)
    for copy in current[KEEP_COPIES - 1:]:
        copy.unlink(missing_ok=True)
