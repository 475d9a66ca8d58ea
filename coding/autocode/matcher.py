"""Where a codebook's rules fire in tokenised text: every rule over a batch of docs at once.

``rules.LanguageRules`` compiles a codebook's rules for one language and analyses a word form
(its kind, lemma and the rule words it can stand for); ``FormTable`` keeps that analysis for every
distinct form seen, once. This module does the per-token work: for a task's spaCy docs (a few
hundred thousand characters) it finds every term, phrase, near rule, ``unless`` veto and spaCy
pattern with numpy operations over all tokens together, so the cost per token is a few array
operations in C rather than a loop in Python. Python runs once per coding.

The semantics are those written in the docstring of :mod:`coding.autocode`; in detail:

* A unit is a sentence (``unit="sentence"``: a new one after final punctuation, with closing quotes
  or brackets, and at a line break) or a turn; a unit never crosses a turn or a doc.
* A phrase is found from its anchor word (``LanguageRules.phrase_trigger``) outwards, first to the
  left, then to the right; before each word it may skip filler words and spaces, at most
  ``PHRASE_GAP`` in all, and a token that holds the wanted word is always taken rather than skipped.
* ``near`` pairs a span of the first side with a span of the second within N tokens (start to
  start) in the same unit; the first three pairs are shown as the matched words.
* ``unless`` removes the code's spans that touch a vetoed span of the same unit: a word or phrase, or
  a near pair of ``unless`` (from its first to its last token; within 0 pairs two words of one token,
  the parts of a compound).
* The rules of a coding are listed in the order their trigger words first occur in the unit (term:
  the word; phrase: its anchor; near: the earliest of its first side), spaCy patterns last.
"""

from __future__ import annotations

import collections
from dataclasses import dataclass
from typing import Any

import numpy as np

from .forms import BREAK, CLOSER, FINAL, SPACE, FormTable
from .patterns import FORM_FLAGS, array_pattern, guarded_pattern, pattern_anchor

PHRASE_GAP = 2              # filler words a phrase may skip in all ("tror ikke på" is "tro på")


def _csr(keys: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Row order and row pointers grouping ``keys`` (ints below ``size``), stable."""
    order = np.argsort(keys, kind="stable")
    return order, np.searchsorted(keys[order], np.arange(size + 1))


def _expand(lo: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For rows with ``counts[i]`` entries starting at ``lo[i]``: (row of each entry, entry)."""
    total = int(counts.sum())
    rows = np.repeat(np.arange(len(counts)), counts)
    if not total:
        return rows, rows
    firsts = np.cumsum(counts) - counts
    return rows, np.arange(total) - np.repeat(firsts - lo, counts)


@dataclass
class Codings:
    """What :meth:`BatchMatcher.code` found in one owner's chunks of a batch, one coding per unit and
    code, as columns: where the unit is (in the offsets of the chunk's part; a turn's, for every
    piece of it), the code (an index into the rules' codes), its rules and its words."""

    start: np.ndarray
    end: np.ndarray
    code: np.ndarray
    rules: list[list[str]]
    words: list[list[str]]

    def rows(self, slugs: list[str]) -> list[tuple]:
        """(start, end, code slug, rules, words) per coding."""
        return list(zip(self.start.tolist(), self.end.tolist(), [slugs[c] for c in self.code.tolist()],
                        self.rules, self.words))


class TokenBatch:
    """The arrays of one batch of tokenised chunks: tokens, units, and which rule words each token
    holds. ``tables`` are the chunks' token columns (lower-form hash, start, length: see
    ``span_tokens``); ``docs`` their spaCy Docs, when the spaCy patterns need them."""

    def __init__(self, forms: FormTable, tables: list[np.ndarray], chunks: list, unit: str,
                 docs: list | None = None):
        sizes = np.array([len(a) for a in tables], dtype=np.int64)
        self.docs, self.chunks, self.forms = docs, chunks, forms
        self.doc_start = np.cumsum(sizes) - sizes
        n = self.n = int(sizes.sum())
        table = np.concatenate(tables) if n else np.zeros((0, 3), dtype=np.uint64)
        self.lowers = table[:, 0]
        self.idx = table[:, 1].astype(np.int64)
        self.length = table[:, 2].astype(np.int64)
        self.doc_of = np.repeat(np.arange(len(tables)), sizes)
        self.form = form = forms.ids(self.lowers)
        self.kinds = kinds = forms.kind[form]
        ni = self.ni = forms.ni

        # (token, item) pairs of every token that holds a located rule word (FormTable.locate_only),
        # in token order
        counts = forms.count[form]
        tokens = np.flatnonzero(counts)
        rows, entry = _expand(forms.ptr[form[tokens]], counts[tokens])
        self.pair_tok = tokens[rows]
        self.pair_item = forms.items[entry]
        # the same pairs grouped by item (positions ascending within an item)
        small = np.int16 if ni < 2**15 else np.int64          # a stable sort of int16 is a radix sort
        by_item = np.argsort(self.pair_item.astype(small), kind="stable")
        self.item_ptr = np.searchsorted(self.pair_item[by_item], np.arange(ni + 1))
        self.item_tok = self.pair_tok[by_item]
        self.item_keys = self.pair_item[by_item] * max(n, 1) + self.item_tok

        # units: a new one at each piece (turn) and each doc, and in sentence mode after final
        # punctuation (with closing quotes/brackets) and at line breaks
        # the piece of each token (pieces numbered through the batch): where each piece starts among
        # the tokens (a search per piece, not per token), then a running count
        width = max((len(chunk.text) for chunk in chunks), default=0) + 1
        token_key = self.doc_of * width + self.idx
        piece_key = np.concatenate([d * width + chunk.piece_starts for d, chunk in enumerate(chunks)]
                                   or [np.zeros(0, dtype=np.int64)])
        begins = np.bincount(np.searchsorted(token_key, piece_key), minlength=n + 1)
        self.piece = piece = np.cumsum(begins[:n]) - 1
        every_piece = np.concatenate([np.asarray(chunk.pieces, dtype=np.int64).reshape(-1, 5) for chunk in chunks]
                                     or [np.zeros((0, 5), dtype=np.int64)])
        self.piece_unit = every_piece[:, 1:3]                   # its unit's start, end
        self.piece_source_start = every_piece[:, 3]
        self.piece_chunk_start = every_piece[:, 4]
        start = np.zeros(n, dtype=bool)
        start[self.doc_start[sizes > 0]] = True
        start[1:] |= piece[1:] != piece[:-1]
        if unit == "sentence":
            same_doc = np.ones(n, dtype=bool)      # the token before is in the same doc
            same_doc[self.doc_start[sizes > 0]] = False
            final = kinds == FINAL
            closer = kinds == CLOSER
            ended = final.copy()
            ended[1:] |= closer[1:] & final[:-1] & same_doc[1:]
            ended[2:] |= closer[2:] & closer[1:-1] & final[:-2] & same_doc[2:] & same_doc[1:-1]
            start[1:] |= (ended[:-1] & ~final[1:] & ~closer[1:]) | (kinds[:-1] == BREAK)
        self.unit_of = np.cumsum(start) - 1
        self.unit_starts = np.flatnonzero(start)
        self.unit_ends = np.append(self.unit_starts[1:], n)

    def holds(self, tokens: np.ndarray, items: np.ndarray) -> np.ndarray:
        """Whether each token holds the item beside it. Most do not (a phrase's next word is rarely
        there): the forms' key filter says so for nearly all of them, and only the rest are looked
        up in the sorted keys."""
        forms = self.forms
        wanted = self.form[tokens] * self.ni + items
        found = forms.key_filter.take(forms.filter_slots(wanted))
        maybe = np.flatnonzero(found)
        if len(maybe):
            keys = forms.keys
            at = np.minimum(np.searchsorted(keys, wanted[maybe]), len(keys) - 1)
            found[maybe] = keys[at] == wanted[maybe]
        return found

    def first_in_unit(self, items: np.ndarray, units: np.ndarray) -> np.ndarray:
        """The first token of each unit that holds the item beside it (-1 where none does)."""
        n = max(self.n, 1)
        keys = self.item_keys
        lo = items * n + self.unit_starts[units]
        if not len(keys):
            return np.full(len(items), -1, dtype=np.int64)
        at = np.minimum(np.searchsorted(keys, lo), len(keys) - 1)
        found = keys[at]
        ok = (found >= lo) & (found < items * n + self.unit_ends[units])
        return np.where(ok, found - items * n, -1)


class RefList:
    """A fixed list of (owner, ref) pairs -- refs (:class:`coding.autocode.rules.Ref`) to a term's
    item or a phrase -- whose spans in a batch are found together."""

    def __init__(self, pairs: list[tuple[int, Any]]):
        self.owner = np.array([o for o, _ in pairs], dtype=np.int64)
        self.is_term = np.array([ref.kind == "term" for _, ref in pairs], dtype=bool)
        self.ref = np.array([ref.index for _, ref in pairs], dtype=np.int64)

    def spans(self, b: "TokenBatch", matches) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(owner, start, end) of every span, in list order, positions ascending within a ref."""
        phrase, starts, ends, _ = matches
        terms = len(b.item_tok)
        lo = np.empty(len(self.ref), dtype=np.int64)
        counts = np.empty(len(self.ref), dtype=np.int64)
        t, p = self.is_term, ~self.is_term
        lo[t] = b.item_ptr[self.ref[t]]
        counts[t] = b.item_ptr[self.ref[t] + 1] - lo[t]
        match_lo = np.searchsorted(phrase, self.ref[p])
        lo[p] = match_lo + terms
        counts[p] = np.searchsorted(phrase, self.ref[p] + 1) - match_lo
        rows, at = _expand(lo, counts)
        span_start = np.concatenate([b.item_tok, starts])
        span_end = np.concatenate([b.item_tok + 1, ends])
        return self.owner[rows], span_start[at], span_end[at]


class BatchMatcher:
    """One language's compiled rules as arrays, applied to a batch of docs at a time."""

    def __init__(self, rules, array_patterns: bool = True):
        """``array_patterns=False`` sends every spaCy pattern to spaCy's Matcher (the tests use it
        as the reference for the patterns tested with arrays)."""
        self.rules = rules
        self.forms = FormTable(rules)
        ni = self.ni = max(len(rules.items), 1)
        self.descs: list[str] = []
        desc_ids: dict[str, int] = {}

        def desc(text: str) -> int:
            found = desc_ids.get(text)
            if found is None:
                found = desc_ids[text] = len(self.descs)
                self.descs.append(text)
            return found

        # the rules each trigger word starts, in the order LanguageRules.item_rules lists them
        terms, phrase_rules = [], []
        near_triggers: dict[tuple[int, int], list[tuple[int, int]]] = collections.defaultdict(list)
        self.ranks = 1
        for item, entries in rules.item_rules.items():
            self.ranks = max(self.ranks, len(entries) + 1)
            for rank, trigger in enumerate(entries):
                if trigger.kind == "term":
                    terms.append((item, trigger.code, desc(f"term {trigger.text}"), rank))
                elif trigger.kind == "phrase":
                    phrase_rules.append((trigger.rule, trigger.code, desc(f"phrase {trigger.text}"), rank))
                else:
                    near_triggers[(trigger.code, trigger.rule)].append((item, rank))
        self.term = np.array(terms, dtype=np.int64).reshape(-1, 4)
        self.term_order, self.term_ptr = _csr(self.term[:, 0], ni)

        phrases = rules.phrases
        p_count = len(phrases)
        width = max((len(p) for p in phrases), default=1)
        self.ph_words = np.full((max(p_count, 1), width), -1, dtype=np.int64)
        for p, words in enumerate(phrases):
            self.ph_words[p, :len(words)] = words
        self.ph_len = np.array([len(p) for p in phrases] or [0], dtype=np.int64)
        self.ph_anchor = np.array(rules.phrase_trigger or [0], dtype=np.int64)
        self.ph_anchor_item = self.ph_words[np.arange(len(self.ph_anchor)), self.ph_anchor]
        self.anchored_order, self.anchored_ptr = _csr(self.ph_anchor_item[:p_count], ni)
        self.phrase = np.array(phrase_rules, dtype=np.int64).reshape(-1, 4)
        self.phrase_order, self.phrase_ptr = _csr(self.phrase[:, 0], max(p_count, 1))

        # near rules, every code's in order, with their trigger words (item, rank); each gets a
        # description of its own, even if two read alike: each shows up to three pairs of its own
        self.near = [(c, rule, near_triggers.get((c, number), []))
                     for c, code in enumerate(rules.codes) for number, rule in enumerate(code.near)]
        near_desc = []
        for _, rule, _ in self.near:
            self.descs.append(rule.description)
            near_desc.append(len(self.descs) - 1)
        self.near_code = np.array([c for c, _, _ in self.near], dtype=np.int64)
        self.near_desc = np.array(near_desc, dtype=np.int64)
        self.near_within = np.array([rule.within for _, rule, _ in self.near], dtype=np.int64)
        self.near_sides = [RefList([(r, ref) for r, (_, rule, _) in enumerate(self.near)
                                    for ref in (rule.first if side == 0 else rule.second)])
                           for side in (0, 1)]
        triggers = [(r, item, rank) for r, (_, _, words) in enumerate(self.near) for item, rank in words]
        table = np.array(triggers, dtype=np.int64).reshape(-1, 3)
        self.near_trigger_item, self.near_trigger_rank = table[:, 1], table[:, 2]
        self.near_trigger_ptr = np.searchsorted(table[:, 0], np.arange(len(self.near) + 1))
        self.unless = RefList([(c, ref) for c, code in enumerate(rules.codes) for ref in code.unless])
        # near pairs that veto: (code, within) per rule, both sides as RefLists owned by the rule
        unless_near = [(c, rule) for c, code in enumerate(rules.codes) for rule in code.unless_near]
        self.unless_near_code = np.array([c for c, _ in unless_near], dtype=np.int64)
        self.unless_near_within = np.array([rule.within for _, rule in unless_near], dtype=np.int64)
        self.unless_near_sides = [RefList([(r, ref) for r, (_, rule) in enumerate(unless_near)
                                           for ref in (rule.first if side == 0 else rule.second)])
                                  for side in (0, 1)]
        self.unless_codes = sorted({c for c, code in enumerate(rules.codes) if code.unless or code.unless_near})
        # spaCy patterns: those of fixed length on string attributes and flags are tested with
        # arrays; the others go to a spaCy Matcher of their own
        self.is_pattern_anchor = np.zeros(ni, dtype=bool)          # per item
        self.is_pattern_anchor[sorted(rules.pattern_anchors)] = True
        self.array_patterns: list[tuple[int, int, list, bool]] = []  # (code, description, tests, anchored)
        self.fallback = None
        self.fallback_descs: dict[int, tuple[int, int]] = {}
        self.fallback_everywhere = False
        strings = rules.nlp.vocab.strings
        for c, code in enumerate(rules.codes):
            for number, pattern in enumerate(code.pattern_list, start=1):
                d = desc(f"pattern {number}")
                tests = array_pattern(pattern, strings) if array_patterns else None
                if tests is not None:
                    self.array_patterns.append((c, d, tests, pattern_anchor(pattern) is not None))
                    continue
                from spacy.matcher import Matcher

                if self.fallback is None:
                    self.fallback = Matcher(rules.nlp.vocab)
                key = f"{code.slug}#{number}"
                self.fallback.add(key, [guarded_pattern(pattern, f"code '{code.slug}', {rules.lang} pattern {number}")])
                self.fallback_descs[strings[key]] = (c, d)
                self.fallback_everywhere |= pattern_anchor(pattern) is None
        self.patterns_everywhere = self.fallback_everywhere or not all(p[3] for p in self.array_patterns)
        used = {attr for _, _, tests, _ in self.array_patterns for test in tests for attr, _, _ in test}
        self.forms.want_flags(sorted(used & set(FORM_FLAGS)))
        self.pattern_attrs = sorted(used - set(FORM_FLAGS) - {"LOWER", "LEMMA"})
        # the items whose positions a batch lists (TokenBatch.pair_*): the words that start or make up a
        # rule's span on their own, and the anchors of phrases and patterns
        located = np.zeros(ni, dtype=bool)
        located[self.term[:, 0]] = True
        located[self.ph_anchor_item[:p_count]] = True
        for refs in (*self.near_sides, self.unless, *self.unless_near_sides):
            located[refs.ref[refs.is_term]] = True
        located[self.near_trigger_item] = True
        located |= self.is_pattern_anchor
        self.forms.locate_only(located)
        # the spaCy patterns read a Doc: attributes other than the lower form, lemma and flags of a
        # form, or spaCy's Matcher
        self.needs_docs = bool(self.pattern_attrs) or self.fallback is not None

    # -- spans of the rule words
    def _phrase_matches(self, b: TokenBatch) -> tuple[np.ndarray, ...]:
        """Every phrase occurrence: (phrase, start, end, anchor token), grouped by phrase, anchors
        ascending within a phrase."""
        counts = self.anchored_ptr[b.pair_item + 1] - self.anchored_ptr[b.pair_item]
        rows, at = _expand(self.anchored_ptr[b.pair_item], counts)
        phrase = self.anchored_order[at]
        anchor = b.pair_tok[rows]
        unit = b.unit_of[anchor]
        words, width = self.ph_words.ravel(), self.ph_words.shape[1]
        # most candidates fail their first step (the word beside the anchor): that step is tested
        # for all at once, and only the candidates that pass it are walked
        if len(phrase) and b.n:
            step = np.where(self.ph_anchor[phrase] > 0, -1, 1)
            q = anchor + step
            inside = (q >= 0) & (q < b.n)
            q = np.clip(q, 0, b.n - 1)
            inside &= b.unit_of[q] == unit
            beside = words.take(phrase * width + self.ph_anchor[phrase] + step)
            passed = np.flatnonzero(inside & (b.forms.skip[b.form[q]] | b.holds(q, beside)))
            phrase, anchor, unit = phrase[passed], anchor[passed], unit[passed]
        gaps = np.zeros(len(phrase), dtype=np.int64)
        alive = np.ones(len(phrase), dtype=bool)
        ends = []
        for step in (-1, 1):                   # left of the anchor first, then right
            cur = anchor.copy()
            word = self.ph_anchor[phrase] + step
            active = alive & (word >= 0) & (word < self.ph_len[phrase])
            wanted = phrase * width + word      # the word looked for next, in ph_words flattened
            while True:
                rows_ = np.flatnonzero(active)
                if not len(rows_):
                    break
                q = cur[rows_] + step
                inside = (q >= 0) & (q < b.n)
                q = np.clip(q, 0, max(b.n - 1, 0))
                inside &= b.unit_of[q] == unit[rows_]
                hit = inside & b.holds(q, words.take(wanted[rows_]))
                skip = inside & ~hit & b.forms.skip[b.form[q]] & (gaps[rows_] < PHRASE_GAP)
                moved = rows_[hit | skip]
                cur[moved] = q[hit | skip]
                gaps[rows_[skip]] += 1
                word[rows_[hit]] += step
                wanted[rows_[hit]] += step
                dead = rows_[~hit & ~skip]
                alive[dead] = False
                active[dead] = False
                done = rows_[hit]
                active[done] = (word[done] >= 0) & (word[done] < self.ph_len[phrase[done]])
            ends.append(cur)
        keep = np.flatnonzero(alive)
        order = keep[np.lexsort((anchor[keep], phrase[keep]))]
        return phrase[order], ends[0][order], ends[1][order] + 1, anchor[order]

    # -- events: (unit, code, rule description, order, sub-order, span, second span)
    def _events(self, b: TokenBatch) -> dict[str, np.ndarray]:
        parts: dict[str, list] = collections.defaultdict(list)
        n = max(b.n, 1)
        rank_span = self.ranks

        def add(unit, code, desc, key, sub, s, e, s2=None, e2=None):
            parts["unit"].append(unit)
            parts["code"].append(code)
            parts["desc"].append(desc)
            parts["key"].append(key)
            parts["sub"].append(sub)
            parts["s"].append(s)
            parts["e"].append(e)
            parts["s2"].append(np.full(len(s), -1, dtype=np.int64) if s2 is None else s2)
            parts["e2"].append(np.full(len(s), -1, dtype=np.int64) if e2 is None else e2)

        def order_key(item, unit, rank):
            first = b.first_in_unit(item, unit)
            return (first * self.ni + item) * rank_span + rank

        # terms: every token holding a term word
        counts = self.term_ptr[b.pair_item + 1] - self.term_ptr[b.pair_item]
        rows, at = _expand(self.term_ptr[b.pair_item], counts)
        if len(rows):
            term = self.term[self.term_order[at]]
            tok = b.pair_tok[rows]
            unit = b.unit_of[tok]
            add(unit, term[:, 1], term[:, 2], order_key(term[:, 0], unit, term[:, 3]), tok, tok, tok + 1)

        # phrases
        matches = b.matches = self._phrase_matches(b)
        phrase, starts, ends, anchor = matches
        counts = self.phrase_ptr[phrase + 1] - self.phrase_ptr[phrase]
        rows, at = _expand(self.phrase_ptr[phrase], counts)
        if len(rows):
            rule = self.phrase[self.phrase_order[at]]
            unit = b.unit_of[anchor[rows]]
            add(unit, rule[:, 1], rule[:, 2], order_key(self.ph_anchor_item[rule[:, 0]], unit, rule[:, 3]),
                starts[rows], starts[rows], ends[rows])

        # near: pairs of spans within N tokens in one unit, all rules joined at once
        if self.near:
            ra, sa, ea = self.near_sides[0].spans(b, matches)
            rb, sb, eb = self.near_sides[1].spans(b, matches)
            if len(ra) and len(rb):
                key_b = rb * n + sb
                order_b = np.argsort(key_b, kind="stable")
                sorted_b = key_b[order_b]
                within = self.near_within[ra]
                lo = np.searchsorted(sorted_b, ra * n + sa - within, side="left")
                hi = np.searchsorted(sorted_b, ra * n + sa + within, side="right")
                rows, at = _expand(lo, hi - lo)
                j = order_b[at]
                ok = (b.unit_of[sa[rows]] == b.unit_of[sb[j]]) & ~((sa[rows] == sb[j]) & (ea[rows] == eb[j]))
                rows, j = rows[ok], j[ok]
                if len(rows):
                    r = ra[rows]
                    unit = b.unit_of[sa[rows]]
                    # order: the earliest trigger word of the rule's first side in the unit
                    lo = self.near_trigger_ptr[r]
                    counts = self.near_trigger_ptr[r + 1] - lo
                    event, at = _expand(lo, counts)
                    item = self.near_trigger_item[at]
                    first = b.first_in_unit(item, unit[event])
                    big = np.iinfo(np.int64).max
                    candidate = np.where(first >= 0, (first * self.ni + item) * rank_span + self.near_trigger_rank[at], big)
                    key = np.full(len(rows), big, dtype=np.int64)
                    np.minimum.at(key, event, candidate)
                    add(unit, self.near_code[r], self.near_desc[r], key, rows * len(rb) + j,
                        sa[rows], ea[rows], sb[j], eb[j])

        # spaCy patterns
        if self.array_patterns or self.fallback is not None:
            self._pattern_events(b, add)

        if not parts:
            return {}
        return {name: np.concatenate(values).astype(np.int64) for name, values in parts.items()}

    def _pattern_events(self, b: TokenBatch, add) -> None:
        """Matches of the codebook's spaCy patterns. A pattern with a literal word (its anchor)
        counts only in units holding one of the anchor words, as the Matcher is run there only."""
        from spacy.attrs import IDS, LEMMA

        units_with_anchor = np.unique(b.unit_of[b.pair_tok[self.is_pattern_anchor[b.pair_item]]])
        if not len(units_with_anchor) and not self.patterns_everywhere:
            return
        found = []          # (start, end, code, description, anchored) in the order of the patterns
        if self.array_patterns:
            # an anchored pattern is tested at the tokens of the units holding an anchor word only
            sizes = b.unit_ends[units_with_anchor] - b.unit_starts[units_with_anchor]
            _, inside = _expand(b.unit_starts[units_with_anchor], sizes)
            table = None
            if self.pattern_attrs:
                ids = [IDS[a] for a in self.pattern_attrs]
                table = np.concatenate([doc.to_array(ids).reshape(len(doc), -1) for doc in b.docs])

            def column(attr: str, at: np.ndarray) -> np.ndarray:
                if attr == "LOWER":
                    return b.lowers[at]
                if attr == "LEMMA":
                    return b.forms.lemma[b.form[at]]
                if attr in b.forms.flags:
                    return b.forms.flags[attr][b.form[at]]
                return table[at, self.pattern_attrs.index(attr)]

            for c, d, tests, anchored in self.array_patterns:
                size = len(tests)
                if size > b.n:
                    continue
                starts = inside[inside <= b.n - size] if anchored else np.arange(b.n - size + 1)
                ok = np.ones(len(starts), dtype=bool)
                for k, test in enumerate(tests):
                    at = starts + k
                    for attr, op, value in test:
                        values = column(attr, at)
                        if op == "flag":
                            ok &= (values != 0) == value
                        elif op == "in":
                            ok &= np.isin(values, value)
                        else:
                            ok &= ~np.isin(values, value)
                starts = starts[ok]
                starts = starts[b.doc_of[starts] == b.doc_of[starts + size - 1]]
                found.extend((s, s + size, c, d, anchored) for s in starts.tolist())
        if self.fallback is not None:
            for doc_number, doc in enumerate(b.docs):
                s0 = int(b.doc_start[doc_number])
                doc.from_array([LEMMA], b.forms.lemma[b.form[s0:s0 + len(doc)]])
                if self.fallback_everywhere:
                    spans = [(0, len(doc))]
                else:
                    in_doc = units_with_anchor[b.doc_of[b.unit_starts[units_with_anchor]] == doc_number]
                    spans = zip((b.unit_starts[in_doc] - s0).tolist(), (b.unit_ends[in_doc] - s0).tolist())
                for u0, u1 in spans:
                    for key, start, end in self.fallback(doc[u0:u1]):
                        found.append((s0 + u0 + start, s0 + u0 + end, *self.fallback_descs[key],
                                      not self.fallback_everywhere))
        if not found:
            return
        table = np.array(found, dtype=np.int64).reshape(-1, 5)
        unit = b.unit_of[table[:, 0]]
        has_anchor = np.zeros(len(b.unit_starts), dtype=bool)
        has_anchor[units_with_anchor] = True
        ok = (b.unit_of[table[:, 1] - 1] == unit) & ((table[:, 4] == 0) | has_anchor[unit])
        table, unit = table[ok], unit[ok]
        if len(table):
            last = np.iinfo(np.int64).max // 2 + np.arange(len(table))
            add(unit, table[:, 2], table[:, 3], last, table[:, 0], table[:, 0], table[:, 1])

    # -- the whole batch
    def code(self, tables: list[np.ndarray], chunks: list, unit: str, wanted: set[str] | None,
             found: list[list], docs: list | None = None) -> int:
        """Append to ``found[chunk.owner]`` the :class:`Codings` of every unit and code that fired in a
        batch of tokenised chunks (their token columns, and their Docs when ``needs_docs``); return
        the number of tokens. A turn cut into pieces (longer than a chunk) gives one coding per piece."""
        b = TokenBatch(self.forms, tables, chunks, unit, docs)
        if not b.n:
            return 0
        ev = self._events(b)
        if not ev:
            return b.n
        rules = self.rules
        keep = np.ones(len(ev["unit"]), dtype=bool)
        if wanted is not None:
            wanted_codes = np.array([code.slug in wanted for code in rules.codes] or [False])
            keep &= wanted_codes[ev["code"]]
        if self.unless_codes:
            keep &= ~self._vetoed(b, ev)
        sel = np.flatnonzero(keep)
        if not len(sel):
            return b.n
        order = sel[np.lexsort((ev["sub"][sel], ev["key"][sel], ev["code"][sel], ev["unit"][sel]))]
        self._collect(b, {name: ev[name][order] for name in ev}, unit, found)
        return b.n

    def _vetoed(self, b: TokenBatch, ev: dict[str, np.ndarray]) -> np.ndarray:
        """Events whose span (or either span of a near pair) touches an ``unless`` span of their
        code: every vetoed token is a key code * n + token, and a span is vetoed when keys fall
        inside its range."""
        codes, starts, ends = self.unless.spans(b, b.matches)
        if len(self.unless_near_code):
            more = self._unless_pairs(b)
            codes, starts, ends = (np.concatenate([a, m]) for a, m in zip((codes, starts, ends), more))
        if not len(codes):
            return np.zeros(len(ev["unit"]), dtype=bool)
        n = max(b.n, 1)
        rows, token = _expand(starts, ends - starts)
        blocked = np.unique(codes[rows] * n + token)

        def touched(s, e):
            base = ev["code"] * n
            return np.searchsorted(blocked, base + e) > np.searchsorted(blocked, base + s)

        vetoed = touched(ev["s"], ev["e"])
        second = ev["s2"] >= 0
        vetoed[second] |= touched(ev["s2"], ev["e2"])[second]
        return vetoed

    def _unless_pairs(self, b: TokenBatch) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(code, start, end) of every ``unless`` near pair in one unit: the span from its first
        to its last token. Unlike ``near`` rules, both sides may be the same token."""
        ra, sa, ea = self.unless_near_sides[0].spans(b, b.matches)
        rb, sb, eb = self.unless_near_sides[1].spans(b, b.matches)
        empty = np.zeros(0, dtype=np.int64)
        if not len(ra) or not len(rb):
            return empty, empty, empty
        n = max(b.n, 1)
        key_b = rb * n + sb
        order_b = np.argsort(key_b, kind="stable")
        sorted_b = key_b[order_b]
        within = self.unless_near_within[ra]
        lo = np.searchsorted(sorted_b, ra * n + sa - within, side="left")
        hi = np.searchsorted(sorted_b, ra * n + sa + within, side="right")
        rows, at = _expand(lo, hi - lo)
        j = order_b[at]
        ok = b.unit_of[sa[rows]] == b.unit_of[sb[j]]
        rows, j = rows[ok], j[ok]
        return (self.unless_near_code[ra[rows]], np.minimum(sa[rows], sb[j]), np.maximum(ea[rows], eb[j]))

    def _collect(self, b: TokenBatch, ev: dict[str, np.ndarray], unit: str, found: list[list]) -> None:
        """Turn the sorted events into codings: per unit and code, its rules (in event order) and
        the words of its spans (in text order; a near rule shows its first three pairs)."""
        units, codes, keys = ev["unit"], ev["code"], ev["key"]
        total = len(units)
        new_group = np.ones(total, dtype=bool)
        new_group[1:] = (units[1:] != units[:-1]) | (codes[1:] != codes[:-1])
        new_rule = new_group.copy()
        new_rule[1:] |= keys[1:] != keys[:-1]
        group = np.cumsum(new_group) - 1
        rule_start = np.flatnonzero(new_rule)
        rank = np.arange(total) - rule_start[np.cumsum(new_rule) - 1]    # event number within its rule
        near = ev["s2"] >= 0
        shown = ~near | (rank < 3)

        # the spans shown, one row each, sorted and without repeats per coding
        g = np.concatenate([group[shown], group[shown & near]])
        s = np.concatenate([ev["s"][shown], ev["s2"][shown & near]])
        e = np.concatenate([ev["e"][shown], ev["e2"][shown & near]])
        order = np.lexsort((e, s, g))
        g, s, e = g[order], s[order], e[order]
        first = np.ones(len(g), dtype=bool)
        first[1:] = (g[1:] != g[:-1]) | (s[1:] != s[:-1]) | (e[1:] != e[:-1])
        g, s, e = g[first], s[first], e[first]
        char_start = b.idx[s].tolist()
        char_end = (b.idx[e - 1] + b.length[e - 1]).tolist()
        span_ptr = np.searchsorted(g, np.arange(group[-1] + 2)).tolist()

        # where each coding's unit is: the turn, or the sentence without surrounding white space
        group_rows = np.flatnonzero(new_group)
        group_unit = units[group_rows]
        s0 = b.unit_starts[group_unit]
        s1 = b.unit_ends[group_unit]
        if unit == "sentence":
            solid = np.flatnonzero((b.kinds != SPACE) & (b.kinds != BREAK))
            at = np.searchsorted(solid, s0)
            first_solid = solid[np.minimum(at, max(len(solid) - 1, 0))] if len(solid) else s0
            s0 = np.where((at < len(solid)) & (first_solid < s1), first_solid, s1 - 1)
            at = np.searchsorted(solid, s1) - 1
            last_solid = solid[np.maximum(at, 0)] if len(solid) else s1 - 1
            s1 = np.where((at >= 0) & (last_solid >= s0), last_solid, s0) + 1
        piece = b.piece[s0]
        if unit == "sentence":
            offset = b.piece_source_start[piece] - b.piece_chunk_start[piece]
            unit_start = b.idx[s0] + offset
            unit_end = b.idx[s1 - 1] + b.length[s1 - 1] + offset
        else:
            unit_start, unit_end = b.piece_unit[piece, 0], b.piece_unit[piece, 1]
        doc = b.doc_of[s0]

        # the rules and words of each coding, in lists made whole (one Python step per coding, not ten)
        descs = self.descs
        rule_names = [descs[d] for d in ev["desc"][rule_start].tolist()]
        rule_ptr = np.searchsorted(group[rule_start], np.arange(len(group_rows) + 1)).tolist()
        texts = [chunk.text for chunk in b.chunks]
        span_words = [texts[d][a:z] for d, a, z in zip(b.doc_of[s].tolist(), char_start, char_end)]
        names = [rule_names[a:z] for a, z in zip(rule_ptr[:-1], rule_ptr[1:])]
        words = [span_words[a:z] for a, z in zip(span_ptr[:-1], span_ptr[1:])]
        names = [x if len(x) == 1 else list(dict.fromkeys(x)) for x in names]
        words = [x if len(x) == 1 else list(dict.fromkeys(x)) for x in words]

        # one block per owner: units follow the tokens, so an owner's codings are consecutive
        owner = np.array([chunk.owner for chunk in b.chunks], dtype=np.int64)[doc]
        cuts = np.flatnonzero(owner[1:] != owner[:-1]) + 1
        bounds = [0, *cuts.tolist(), len(owner)]
        group_code = codes[group_rows]
        for a, z in zip(bounds[:-1], bounds[1:]):
            found[int(owner[a])].append(Codings(unit_start[a:z], unit_end[a:z], group_code[a:z], names[a:z],
                                                words[a:z]))
