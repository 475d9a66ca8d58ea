"""spaCy's tokenizer, run once per distinct white-space-separated span of text.

The auto-coder reads three columns of every token -- its lower-case form (a hash, spaCy's
``LOWER``), where it starts (``IDX``) and how long it is (``LENGTH``) -- and nothing else of a
spaCy Doc. spaCy's Tokenizer (``tokenizer.pyx``, ``_tokenize_affixes``) cuts a text at white space
first and tokenises each span on its own: a run of non-space characters is a span; a run of white
space is one too, less its first character when that is a plain space (the space then belongs to
the token before it), except at the very start of the text. A span's tokens do not depend on the
spans around it, which is what spaCy's own cache relies on; that cache keeps at most 10,000 spans,
and every text still becomes a Doc, a struct per token, read back with ``Doc.to_array``.

:class:`SpanTokens` keeps the three columns of each distinct span's tokens (got from spaCy's
tokenizer on that span alone) and puts a text's columns together from its spans with numpy: the
spans are found by a hash of their characters (:class:`_SpanHashes`), computed for all spans of a
text at once. The result is what ``tokenizer(text).to_array([LOWER, IDX, LENGTH])`` gives, in
less time (docs/benchmarks.md).

One step of spaCy's tokenizer looks across spans: special cases with punctuation ("f.eks.",
emoticons) are found again over the whole Doc by a PhraseMatcher on the tokens the affix rules
made, and overlapping matches are filtered, longest first. A match across a space changes nothing
by itself (the rule is looked up by the matched text, which then holds the space), but it can hide
a shorter match inside a span. That needs a pair of tokens, one each side of the boundary, that
follow each other in some special case's tokens. Where a span's last token and the next span's
first token could be such a pair -- judged from the tokens either way, before and after special
cases -- the whole text is tokenised by spaCy instead. So is a text that would add spans beyond
``limit`` (the memory a worker may spend on remembered spans).
"""

from __future__ import annotations

import numpy as np

from .slot_table import SlotTable

SPACE_TABLE_SIZE = 0x3001          # U+3000 (ideographic space) is the highest white-space character
MEMO_LIMIT = 300_000               # spans remembered: about 500 bytes each (tokens, text, slot), 150 MB
HASHED_LENGTH = 64                 # spans up to this long are found by their hash, longer ones by text
SLOT_BITS = 20                     # the hash table: at most 2**20 slots (16 MB)
LENGTH_BITS = 7                    # a slot's value: span id << LENGTH_BITS | length

# str.isspace of every code point up to U+3000, and one more slot (False) for every code point above
_SPACE_LOOKUP = np.array([chr(c).isspace() for c in range(SPACE_TABLE_SIZE)] + [False], dtype=bool)


def token_columns(doc) -> np.ndarray:
    """A Doc's lower-form hash, start and length per token: an (n, 3) uint64 array."""
    from spacy.attrs import IDX, LENGTH, LOWER

    return doc.to_array([LOWER, IDX, LENGTH]).reshape(len(doc), 3)


_CUTS: dict[int, tuple] = {}   # id(tokenizer) -> (tokenizer, what the cuts were made from, the cuts)
_CUTS_KEPT = 8


def _cut_by(tokenizer) -> tuple:
    """What a tokenizer's cuts depend on: its special cases (a copy, compared by value) and affix rules."""
    return (dict(tokenizer.rules or {}), tokenizer.prefix_search, tokenizer.suffix_search,
            tokenizer.infix_finditer, tokenizer.token_match, tokenizer.url_match)


def _special_case_cuts(tokenizer) -> tuple:
    """(pairs, last_cut, first_cut, lefts, rights) of a tokenizer's special cases, each cut by the
    affix rules alone (see :class:`_CrossSpanRisk`). Made once per tokenizer in a process and
    shared (not to be changed): cutting its thousand or so special cases with a new bare tokenizer
    costs more than the tokenising of a short text, and a process makes a SpanTokens for the same
    blank pipeline for every import and auto-coding it runs. Made again when the special cases
    or affix rules change."""
    made_from = _cut_by(tokenizer)
    kept = _CUTS.get(id(tokenizer))
    if kept is not None and kept[0] is tokenizer and kept[1] == made_from:
        return kept[2]
    rules = made_from[0]
    from spacy.attrs import ORTH
    from spacy.tokenizer import Tokenizer

    bare = Tokenizer(tokenizer.vocab, rules={}, prefix_search=tokenizer.prefix_search,
                     suffix_search=tokenizer.suffix_search, infix_finditer=tokenizer.infix_finditer,
                     token_match=tokenizer.token_match, url_match=tokenizer.url_match)
    pairs: set[tuple[str, str]] = set()
    last_cut: dict[str, set[str]] = {}      # a special case's last token -> its cut's last
    first_cut: dict[str, set[str]] = {}
    for string, substrings in rules.items():
        cut = [t.text for t in bare(string)]
        pairs.update(zip(cut, cut[1:]))
        made = [sub.get(ORTH, sub.get("ORTH")) for sub in substrings]
        if made and cut:
            last_cut.setdefault(made[-1], set()).add(cut[-1])
            first_cut.setdefault(made[0], set()).add(cut[0])
    cuts = (pairs, last_cut, first_cut, {x for x, _ in pairs}, {y for _, y in pairs})
    if len(_CUTS) >= _CUTS_KEPT:
        del _CUTS[next(iter(_CUTS))]
    _CUTS[id(tokenizer)] = (tokenizer, made_from, cuts)
    return cuts


class _CrossSpanRisk:
    """Which span edges could take part in a special-case match across a space.

    Every special case is cut by the affix rules alone (what spaCy's matcher looks for); a match
    across the boundary of spans A and B needs A's last and B's first such token to follow each
    other in one of these cuts (a pair). A span's edge token as the tokenizer leaves it is the one
    the affix rules made, or, where a special case inside the span was applied, the edge token of
    that case's tokens: then the cut's edge token is looked up as well. Edge tokens that are in no
    pair either way get key 0; the others a key each, and ``matrix[end key, start key]`` says whether
    a pair joins them."""

    def __init__(self, tokenizer):
        # the special cases' cuts (read only here), worked out once per tokenizer
        self.pairs, self.last_cut, self.first_cut, self.lefts, self.rights = _special_case_cuts(tokenizer)
        self.end_keys: dict[str, int] = {}
        self.start_keys: dict[str, int] = {}
        self._ends: list[set[str]] = [set()]
        self._starts: list[set[str]] = [set()]
        self.matrix = np.zeros((1, 1), dtype=bool)

    def end_key(self, token: str) -> int:
        """The key of a span's last token."""
        key = self.end_keys.get(token)
        return self._key(token, end=True) if key is None else key

    def start_key(self, token: str) -> int:
        """The key of a span's first token."""
        key = self.start_keys.get(token)
        return self._key(token, end=False) if key is None else key

    def _key(self, token: str, end: bool) -> int:
        keys, cut, side = ((self.end_keys, self.last_cut, self.lefts) if end
                           else (self.start_keys, self.first_cut, self.rights))
        tokens = ({token} | cut.get(token, set())) & side
        keys[token] = self._grow(tokens, self._ends if end else self._starts, end)
        return keys[token]

    def _grow(self, tokens: set[str], keyed: list[set[str]], end: bool) -> int:
        if not tokens:
            return 0
        keyed.append(tokens)
        if end:
            row = [any((x, y) in self.pairs for x in tokens for y in others) for others in self._starts]
            self.matrix = np.vstack([self.matrix, np.array(row, dtype=bool)])
        else:
            column = [any((x, y) in self.pairs for x in others for y in tokens) for others in self._ends]
            self.matrix = np.hstack([self.matrix, np.array(column, dtype=bool)[:, None]])
        return len(keyed) - 1


class _SpanHashes:
    """Hashes of a text's spans, and a table from hash to span id addressed by the hash's low bits.

    A span's hash is the sum of v(c) * B**j over its characters c at offsets j from the span's
    start, modulo 2**64, with v a random 64-bit value per code point and B a random odd number, both
    drawn anew in each process; with prefix sums over the text every span's hash takes a few array
    operations. A slot table (:mod:`coding.autocode.slot_table`) holds each span's hash with its id and length;
    a span is found there when hash and length agree. For two different spans of at most
    HASHED_LENGTH characters that is a chance of the order of 2**-63 (their difference is a sum of
    differences of random odd values times powers of B), the order spaCy accepts for its own 64-bit
    string hashes. Longer spans, whose characters could be arranged so that the powers of any B
    cancel modulo 2**64, and spans the table could not place, are looked up by their text instead."""

    def __init__(self) -> None:
        rng = np.random.default_rng()
        # a value per code point up to U+3000; the last slot stands for every code point above,
        # whose values are mixed from the code point instead. White space has the value 0 and
        # every other character an odd one, so the values tell the spans apart as well.
        self.values = rng.integers(0, 2**64 - 1, size=SPACE_TABLE_SIZE + 1, dtype=np.uint64, endpoint=True)
        self.values |= np.uint64(1)
        self.values[_SPACE_LOOKUP] = 0
        self.seed = np.uint64(int(rng.integers(0, 2**63)))
        base = int(rng.integers(0, 2**62)) * 2 + 1
        self._base = base
        self._inverse = pow(base, -1, 2**64)
        self.powers = np.zeros(0, dtype=np.uint64)
        self.inverses = np.zeros(0, dtype=np.uint64)
        self.slots = SlotTable(max_bits=SLOT_BITS)

    def _powers_up_to(self, n: int) -> None:
        if len(self.powers) >= n:
            return
        size = max(n, 2 * len(self.powers), 65_536)
        self.powers = np.ones(size, dtype=np.uint64)            # B**j and B**-j modulo 2**64
        self.powers[1:] = np.cumprod(np.full(size - 1, self._base, dtype=np.uint64))
        self.inverses = np.ones(size, dtype=np.uint64)
        self.inverses[1:] = np.cumprod(np.full(size - 1, self._inverse, dtype=np.uint64))

    def char_values(self, code: np.ndarray) -> np.ndarray:
        """The value of each character of a text given as its code points (0: white space)."""
        values = np.take(self.values, code, mode="clip")
        if len(code) and int(code.max()) >= SPACE_TABLE_SIZE:
            high = np.flatnonzero(code >= SPACE_TABLE_SIZE)
            values[high] = _mix(code[high].astype(np.uint64) ^ self.seed) | np.uint64(1)
        return values

    def hashes(self, values: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
        """The hash of each span [start, end) of a text given as its characters' values (which
        are overwritten)."""
        n = len(values)
        self._powers_up_to(n + 1)
        with np.errstate(over="ignore"):
            np.multiply(values, self.powers[:n], out=values)
            prefix = np.empty(n + 1, dtype=np.uint64)
            prefix[0] = 0
            np.cumsum(values, out=prefix[1:])
            return (prefix[ends] - prefix[starts]) * self.inverses[starts]

    def find(self, hashes: np.ndarray, lengths: np.ndarray) -> np.ndarray:
        """The span id of each hash and length (-1 where the table does not have it)."""
        value = self.slots.get(hashes)
        found = (value >= 0) & ((value & ((1 << LENGTH_BITS) - 1)) == lengths)
        return np.where(found, value >> LENGTH_BITS, -1)

    def remember(self, hashes: np.ndarray, lengths: np.ndarray, ids: np.ndarray) -> None:
        """Put these spans in the table where their slots are free (and they are short enough)."""
        short = lengths <= HASHED_LENGTH
        self.slots.put(hashes[short], (ids[short] << LENGTH_BITS) | lengths[short])


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: 64 well-mixed bits from each value."""
    with np.errstate(over="ignore"):
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return x ^ (x >> np.uint64(31))


class SpanTokens:
    """The token columns of texts for one spaCy tokenizer, remembered per span."""

    def __init__(self, nlp, limit: int = MEMO_LIMIT):
        self.tokenizer = nlp.tokenizer
        self.limit = limit
        self.ids: dict[str, int] = {}
        # per span id, grown by doubling: first row in ``columns``, number of tokens, and whether its
        # last token may begin (first token may end) a special case across the space
        self.ptr = np.zeros(1024, dtype=np.int64)
        self.count = np.zeros(1024, dtype=np.int64)
        self.end_key = np.zeros(1024, dtype=np.int64)
        self.start_key = np.zeros(1024, dtype=np.int64)
        self.columns = np.zeros((4096, 3), dtype=np.uint64)   # lower hash, start in the span, length
        self.rows = 0
        self.fallbacks = 0                                     # texts handed to spaCy whole
        self.hashed = 0                                        # span ids below this were offered to the hash table
        self.risk = _CrossSpanRisk(self.tokenizer)
        self.hashes = _SpanHashes()

    def __call__(self, text: str) -> np.ndarray:
        """``tokenizer(text)`` as an (n, 3) uint64 array: lower-form hash, start, length."""
        if not text:
            return np.zeros((0, 3), dtype=np.uint64)
        code = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
        values = self.hashes.char_values(code)
        space = values == 0
        change = np.flatnonzero(space[1:] != space[:-1]) + 1
        starts = np.concatenate(([0], change))
        ends = np.append(change, len(text))
        first = int(space[0])           # runs of words and of white space alternate
        word_start, word_end = starts[first::2], ends[first::2]
        space_start, space_end = starts[1 - first::2], ends[1 - first::2]

        hashes = self.hashes.hashes(values, word_start, word_end)
        lengths = word_end - word_start
        word_ids = self.hashes.find(hashes, lengths)
        missed = np.flatnonzero(word_ids < 0)
        if len(missed):
            found = self._ids([text[s:e] for s, e in zip(word_start[missed].tolist(), word_end[missed].tolist())])
            if found is None:
                return self._whole(text)
            word_ids[missed] = found
            # into the hash table once: a span missed because another holds its slot stays out
            new = found >= self.hashed
            self.hashes.remember(hashes[missed[new]], lengths[missed[new]], found[new])
            self.hashed = len(self.ids)
        span_id, span_start = word_ids, word_start
        # a run of white space is a token, less its first character when that is a plain space
        # after a word; most runs are that one space and no token
        space_start = space_start + ((space_start > 0) & (code.take(space_start, mode="clip") == 32))
        kept = np.flatnonzero(space_start < space_end)
        if len(kept):
            run_start, run_end = space_start[kept], space_end[kept]
            space_ids = self._ids([text[s:e] for s, e in zip(run_start.tolist(), run_end.tolist())])
            if space_ids is None:
                return self._whole(text)
            at = np.searchsorted(word_start, run_start)         # in among the words, by position
            span_id, span_start = np.insert(word_ids, at, space_ids), np.insert(word_start, at, run_start)
        count = self.count[span_id]
        matrix = self.risk.matrix       # [end key, start key] looked up flat: one plain gather
        pair = self.end_key[span_id[:-1]] * matrix.shape[1] + self.start_key[span_id[1:]]
        if matrix.ravel().take(pair).any() or not count.all():
            return self._whole(text)
        rows = np.repeat(self.ptr[span_id] - (np.cumsum(count) - count), count) + np.arange(int(count.sum()))
        out = np.take(self.columns, rows, axis=0)
        out[:, 1] += np.repeat(span_start, count).astype(np.uint64)
        return out

    def _ids(self, spans: list[str]) -> np.ndarray | None:
        """The ids of these spans, tokenising the ones not seen before; None when they would
        take the memo past its limit."""
        try:
            return np.fromiter(map(self.ids.__getitem__, spans), dtype=np.int64, count=len(spans))
        except KeyError:
            new = [span for span in dict.fromkeys(spans) if span not in self.ids]
            if len(self.ids) + len(new) > self.limit:
                return None
            self._learn(new)
            return np.fromiter(map(self.ids.__getitem__, spans), dtype=np.int64, count=len(spans))

    def _whole(self, text: str) -> np.ndarray:
        self.fallbacks += 1
        return token_columns(self.tokenizer(text))

    def _learn(self, spans: list[str]) -> None:
        """Tokenise new spans and remember their columns. Spans of white space, or all of them
        when a line break could join a special case, one at a time; the others in one call of the
        tokenizer, one per line (a Doc per span cost 40 us or more: most of the time on text
        with many words not seen before)."""
        words = [span for span in spans if not span.isspace()]
        alone = [span for span in spans if span.isspace()]
        if len(words) > 1 and self.risk.end_key("\n") == 0 and self.risk.start_key("\n") == 0:
            if not self._add_lines(words):
                alone += words
        else:
            alone += words
        for span in alone:
            self._append([span], token_columns(self.tokenizer(span)), np.array([0], dtype=np.int64))

    def _add_lines(self, words: list[str]) -> bool:
        """Tokenise white-space-free spans joined by line breaks; False (nothing remembered) unless
        every token lies inside one span and every line break is a token of its own."""
        length = np.fromiter(map(len, words), dtype=np.int64, count=len(words))
        start = np.cumsum(length + 1) - length - 1
        table = token_columns(self.tokenizer("\n".join(words)))
        idx, size = table[:, 1].astype(np.int64), table[:, 2].astype(np.int64)
        span = np.searchsorted(start, idx, side="right") - 1
        inside = idx + size <= start[span] + length[span]
        breaks = ~inside & (idx == start[span] + length[span]) & (size == 1)
        if not (inside | breaks).all() or breaks.sum() != len(words) - 1:
            return False
        table = table[inside]
        table[:, 1] -= start[span[inside]].astype(np.uint64)
        first = np.searchsorted(span[inside], np.arange(len(words)))
        self._append(words, table, first)
        return True

    def _append(self, spans: list[str], table: np.ndarray, first: np.ndarray) -> None:
        """Remember spans whose tokens are ``table[first[i]:first[i + 1]]`` (starts within the span)."""
        new = len(self.ids)
        rows = len(table)
        needed = new + len(spans) + 1
        if needed > len(self.count):
            size = max(2 * len(self.count), needed)
            self.ptr = np.resize(self.ptr, size + 1)
            self.count = np.resize(self.count, size)
            self.end_key = np.resize(self.end_key, size)
            self.start_key = np.resize(self.start_key, size)
        if self.rows + rows > len(self.columns):
            grown = np.zeros((max(2 * len(self.columns), self.rows + rows), 3), dtype=np.uint64)
            grown[:self.rows] = self.columns[:self.rows]
            self.columns = grown
        self.columns[self.rows:self.rows + rows] = table
        ends = np.append(first[1:], rows)
        ids = np.arange(new, new + len(spans))
        self.ptr[ids] = self.rows + first
        self.count[ids] = ends - first
        self.rows += rows
        starts, lengths = table[:, 1].tolist(), table[:, 2].tolist()
        for i, (span, lo, hi) in enumerate(zip(spans, first.tolist(), ends.tolist())):
            if hi > lo:
                last = starts[hi - 1]
                self.end_key[new + i] = self.risk.end_key(span[last:last + lengths[hi - 1]])
                self.start_key[new + i] = self.risk.start_key(span[:lengths[lo]])
            else:
                self.end_key[new + i] = self.start_key[new + i] = 0
            self.ids[span] = new + i
