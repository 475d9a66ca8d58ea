"""Quotes for a theme, grouped by role or municipality and attributed, ready for a report.

Each segment of the code (its sub-codes included) is cut at the edges of the respondent turns it
spans; each piece is widened to whole sentences inside its turn, overlapping pieces of one turn are
joined (two coders, a code and its sub-code), so are neighbouring ones while the passage stays within
``max_chars``. A widened passage longer than ``2 * max_chars`` is not used; the coded words are
quoted as they are.

The quotes are ranked by how surely they are about the theme, then how well they read:

* Reviewed first: a passage coded by a person (by hand, a Word comment, a spreadsheet, an import)
  or an automatic coding accepted in review comes before the auto-coder's proposals. A passage
  whose only codings were rejected in review is never quoted.
* ``relevance``: the evidence of the theme's own rules (the code and its sub-codes, no other code)
  in the passage: a phrase, near rule or pattern weighs more than a single word, several different
  rules and words more than one; a passage held by one single-word term alone is marked weak and
  loses a point; a person's coding adds two.
* ``score`` = relevance + readability (1 inside the length window ``min_chars``..``max_chars``,
  less outside it, + 0.5 for whole sentences), rounded.
* Spread: within a group each participant's and each interview's best quote comes before anyone's
  or any interview's second, so that a short list has as many voices and interviews as possible.
  Equal scores are ordered by a digest of the interview's name, not the name itself, so that no
  interview is always first.

``quotes_for_themes`` picks quotes for several themes at once (a report's table), giving each
sentence to one theme only: the theme whose rules hold it most strongly.

Finding a theme's passages (its pieces widened to sentences, the evidence that weighs them) does
not depend on the grouping or the length window: :class:`Passages` does it once, and a
:class:`PassageCache` shares it between the lists of one theme (the pipeline's report quotes and its
case model).

The quotes are made as plain rows (:class:`QuoteList`) without pandas, which a command that prints
them does not need; :meth:`QuoteList.frame` gives the DataFrame of :meth:`coding.Project.quotes`.
Speakers and timestamps are read for the quotes given only, not for every candidate.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from bisect import bisect_left, bisect_right
from typing import TYPE_CHECKING

from ..ordering import natural_key
from ..store import Store
from .segments import NONE_VALUE, Context, build, present

if TYPE_CHECKING:
    import pandas as pd

# A sentence break: ``[.!?…]+[closing quotes]*\s+`` or ``\n\s*``, written to begin with one class of
# characters (punctuation or a line break) so that ``re`` can skip ahead to it: the same matches.
SENTENCE_BREAK = re.compile(r"[.!?…\n](?:(?<=\n)\s*|[.!?…]*[\"'»”’)]*\s+)")
SENTENCE_END = re.compile(r"[.!?…]+[\"'»”’)]*(?=\s|$)")
ATTRIBUTION = ("role", "municipality", "kommune")
QUOTE_FORMATS = ("text", "md", "docx")
HEADINGS = {"da": ("Citater", "citat", "citater", "tur", "(ingen citater)"),
            "en": ("Quotes", "quote", "quotes", "turn", "(no quotes)")}


def expand(text: str, lo: int, hi: int, start: int, end: int,
           breaks: list[int] | None = None) -> tuple[int, int]:
    """Widen ``[start, end)`` to sentence boundaries inside ``[lo, hi)``. ``breaks``: the
    :func:`sentence_breaks` from ``lo`` to anywhere past ``end`` (or to ``hi``), for a caller that
    widens many passages of one turn: the same result, without reading the turn up to each passage."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if breaks is not None and lo <= start < hi:
        # the last break that ends at or before the start: the breaks that end there are the same
        # however far past the start the turn is read (one that reaches further ends after it)
        k = bisect_right(breaks, start)
        new_start = breaks[k - 1] if k else lo
    else:
        new_start = lo
        for m in SENTENCE_BREAK.finditer(text, lo, start + 1):
            if m.end() <= start:
                new_start = m.end()
    new_end = hi
    if end > start and text[end - 1] in ".!?…":
        new_end = end
    else:
        m = SENTENCE_END.search(text, end, hi)
        if m is not None:
            new_end = m.end()
    while new_end > new_start and text[new_end - 1].isspace():
        new_end -= 1
    while new_start < new_end and text[new_start].isspace():
        new_start += 1
    return new_start, new_end


def sentence_breaks(text: str, lo: int, until: int) -> list[int]:
    """Where a sentence starts after each sentence break from ``lo`` up to ``until``, in order (for
    :func:`expand`)."""
    return [m.end() for m in SENTENCE_BREAK.finditer(text, lo, until)]


def score(text: str, min_chars: int, max_chars: int) -> tuple[float, bool]:
    """Readability of a quote: 1 inside the length window (less outside it), +0.5 if it is whole
    sentences (starts with a capital letter or digit and ends with . ! ? or …)."""
    n = len(text)
    window = 1.0 if min_chars <= n <= max_chars else (n / min_chars if n < min_chars else max_chars / n)
    stripped = text.lstrip("\"'«“‘(–- ")
    complete = bool(stripped) and (stripped[0].isupper() or stripped[0].isdigit()) \
        and text.rstrip("\"'»”’) ")[-1:] in (".", "!", "?", "…")
    return round(window + (0.5 if complete else 0.0), 3), complete


HUMAN_ORIGINS = ("manual", "word-comment", "spreadsheet", "refi")
RULE_WEIGHTS = {"phrase": 1.0, "near": 1.0, "pattern": 0.8, "term": 0.6}
EVIDENCE_CAP = 3.0          # several rules count, up to this much
HUMAN_BONUS = 2.0
WEAK_PENALTY = 1.0
COLUMNS = ["group", "text", "attribution", "source", "turn", "timestamp", "speaker", "participant", "start",
           "end", "score", "complete", "relevance", "reviewed", "evidence"]


class Evidence:
    """The codings of one theme (code and sub-codes) by source, to weigh a passage by."""

    def __init__(self, store: Store, code_ids: set[int], coder: str | None, origin: str | None):
        raw: dict[int, list] = {}
        for sid, start, end, origin_, coder_, rule, matched, code_id in store.coding_evidence(
                code_ids=sorted(code_ids), coder=coder, origin=origin):
            raw.setdefault(sid, []).append((start, end, origin_, coder_, rule or "", matched or "", code_id))
        # each coding as (start, end, origin, coder, rules, words, code id): its rule text split into
        # (rule, weight) and its matched words, once per distinct text
        parsed: dict[tuple[str, str], tuple[tuple, tuple]] = {}
        self.by_source: dict[int, list] = {}
        for sid, rows in raw.items():
            rows.sort()
            out = self.by_source[sid] = []
            for start, end, origin_, coder_, rule, matched, code_id in rows:
                parts = parsed.get((rule, matched))
                if parts is None:
                    parts = parsed[(rule, matched)] = _parse_evidence(rule, matched)
                out.append((start, end, origin_, coder_, parts[0], parts[1], code_id))
        self.longest = {sid: max(e - s for s, e, *_ in rows) for sid, rows in self.by_source.items()}
        self.starts = {sid: [r[0] for r in rows] for sid, rows in self.by_source.items()}
        # reviews of automatic codings: (source, start, end, code) -> decision
        self.decisions: dict[tuple, str] = {}
        for source_id, start, end, code_id, decision in store.review_decisions(code_ids):
            decision = str(decision).lower()
            self.decisions[(source_id, start, end, code_id)] = \
                "accepted" if decision.startswith("accept") else (
                    "rejected" if decision.startswith("reject") else decision)

    def weigh(self, sid: int, start: int, end: int) -> tuple[float, str, str] | None:
        """(relevance, reviewed, evidence text) of the passage ``[start, end)``; None when every coding
        in it was rejected in review."""
        rows = self.by_source.get(sid, [])
        starts = self.starts.get(sid, [])
        lo = bisect_left(starts, start - self.longest.get(sid, 0))
        hi = bisect_left(starts, end)
        rules: dict[str, float] = {}
        words: set[str] = set()
        human: list[str] = []
        accepted = rejected = kept = 0
        decisions = self.decisions
        for s, e, origin, coder, parts, matched, code_id in rows[lo:hi]:
            if e <= start or s >= end:
                continue
            decision = decisions.get((sid, s, e, code_id)) if decisions else None
            if decision == "rejected":
                rejected += 1
                continue
            kept += 1
            if decision == "accepted":      # accepted in review: the reviewer's coding, the rules kept
                accepted += 1
            elif origin in HUMAN_ORIGINS:
                human.append(coder)
                continue
            for part, weight in parts:
                rules[part] = weight
            words.update(matched)
        if not kept and rejected:
            return None
        relevance = min(EVIDENCE_CAP, sum(rules.values())) + 0.25 * min(2, max(0, len(words) - 1))
        weak = not human and not accepted and len(rules) == 1 and next(iter(rules)).startswith("term ") \
            and len(words) <= 1
        if weak:
            relevance -= WEAK_PENALTY
        if human or accepted:
            relevance += HUMAN_BONUS
        reviewed = "accepted" if accepted else ("hand" if human else "")
        parts = list(rules)
        if human:
            parts.append("coded by " + ", ".join(dict.fromkeys(human)))
        if accepted:
            parts.append("accepted in review")
        if weak:
            parts.append("weak: one word only")
        return round(relevance, 3), reviewed, "; ".join(parts)


def _parse_evidence(rule: str, matched: str) -> tuple[tuple, tuple]:
    """A coding's rule text as ((rule, weight), ...) in order, its matched words lower-cased."""
    parts = []
    for part in rule.split(";"):
        part = part.strip()
        if part:
            parts.append((part, RULE_WEIGHTS.get(part.split(" ", 1)[0], 0.6)))
    return tuple(parts), tuple(w.strip().lower() for w in matched.split(",") if w.strip())


class QuoteList:
    """Quotes as :func:`quotes` ranks them, without pandas: ``rows`` (dicts keyed by
    :data:`COLUMNS`, best first) and ``attrs`` (code, label, by, language)."""

    columns = COLUMNS

    def __init__(self, store: Store, ranked: list[dict], picked: list[int], attrs: dict):
        self._store = store
        self._ranked = ranked   # every candidate in rank order (the frame's column types come from all)
        self._picked = picked   # the positions in it of the quotes given
        self.rows = [ranked[k] for k in picked]
        _label(store, self.rows)
        self.attrs = dict(attrs)

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self):
        return iter(self.rows)

    @property
    def empty(self) -> bool:
        return not self.rows

    def frame(self) -> "pd.DataFrame":
        """The quotes as the DataFrame of :meth:`coding.Project.quotes`."""
        import pandas as pd

        _label(self._store, [r for r in self._ranked if "_turn" in r])  # while the store is open
        frame = pd.DataFrame(self._ranked, columns=COLUMNS)
        if len(self._picked) != len(self._ranked):
            frame = frame.iloc[self._picked].reset_index(drop=True)
        frame.attrs.update(self.attrs)
        return frame


def quotes(store: Store, *, code: str, by: str = "role", limit: int | None = None, coder: str | None = None,
           origin: str | None = None, source: str | None = None, where: dict[str, str] | None = None,
           include_interviewer: bool = False, min_chars: int = 60, max_chars: int = 400,
           language: str | None = None) -> pd.DataFrame:
    """See :meth:`coding.Project.quotes`."""
    return quote_list(store, code=code, by=by, limit=limit, coder=coder, origin=origin, source=source, where=where,
                      include_interviewer=include_interviewer, min_chars=min_chars, max_chars=max_chars,
                      language=language).frame()


def quote_list(store: Store, *, code: str, by: str = "role", limit: int | None = None, **options) -> QuoteList:
    """:func:`quotes` as a :class:`QuoteList` (no pandas); ``options`` are those of :func:`quotes`."""
    rows, attrs = _candidates(store, code=code, by=by, **options)
    ranked, picked = _rank(rows, limit)
    return QuoteList(store, ranked, picked, attrs)


def quotes_for_themes(store: Store, codes: list[str], *, by: str = "role", limit: int | None = 1,
                      **options) -> dict[str, pd.DataFrame]:
    """Quotes for several themes at once, as :func:`quotes` gives them, except that a sentence serves
    one theme only. Passages of different themes that overlap belong to the theme whose rules hold
    them most strongly (relevance, then score, then the theme listed first); each theme then takes
    its best passages among its own. A theme left with fewer than ``limit`` in a group takes its
    next candidates that overlap nothing already quoted."""
    return {code: chosen.frame() for code, chosen in quote_lists(store, codes, by=by, limit=limit,
                                                                  **options).items()}


def quote_lists(store: Store, codes: list[str], *, by: str = "role", limit: int | None = 1,
                **options) -> dict[str, QuoteList]:
    """:func:`quotes_for_themes` as a :class:`QuoteList` per theme (no pandas)."""
    return QuoteChoice(store, codes, by=by, limit=limit, **options).lists()


class QuoteChoice:
    """:func:`quote_lists` in steps: making it reads the themes' passages from the project;
    :meth:`choose` (or :meth:`picked`) ranks them and picks the quotes without reading anything, so
    a forked process may do it; :meth:`lists` makes the quote lists, reading the speakers and
    timestamps of the quotes. ``passages``: a :class:`PassageCache` shared with other lists."""

    def __init__(self, store: Store, codes: list[str], *, by: str = "role", limit: int | None = 1,
                 coder: str | None = None, origin: str | None = None, source: str | None = None,
                 where: dict[str, str] | None = None, include_interviewer: bool = False, min_chars: int = 60,
                 max_chars: int = 400, language: str | None = None, passages: PassageCache | None = None):
        ctx = self.ctx = Context.load(store)
        self.store, self.by, self.limit, self.min_chars, self.max_chars = store, by, limit, min_chars, max_chars
        filters = self._filters = dict(coder=coder, origin=origin, source=source, where=where,
                                       include_interviewer=include_interviewer)
        # without a cache each theme's passages are found by choose() and let go after their rows
        self.found: dict[str, Passages | None] = {}
        for code in codes:
            ctx.check_dimension(by, "--by", allow_code=False)
            self.found[code] = passages.get(ctx, code=code, **filters) if passages is not None else None
        self.language = ctx.language(language)

    def choose(self) -> dict[str, tuple[list[dict], list[int], dict]]:
        """Per theme: every candidate ranked, the positions of the quotes picked among them, the
        list's attrs."""
        ctx, by, limit, lang = self.ctx, self.by, self.limit, self.language
        ranked: dict[str, list[dict]] = {}
        attrs: dict[str, dict] = {}
        for code, found in self.found.items():
            if found is None:
                found = Passages(ctx, code=code, **self._filters)
            node = found.node
            attrs[code] = _list_attrs(ctx, node, by, lang)
            ranked[code] = _rank(found.rows(by, self.min_chars, self.max_chars), None)[0]
        codes = list(self.found)
        # every candidate: (source, start, end, strength, theme order, theme, position in its ranking)
        candidates = []
        for order, (code, rows) in enumerate(ranked.items()):
            for position, row in enumerate(rows):
                candidates.append((row["source"], row["start"], row["end"], (row["relevance"], row["score"], -order),
                                   code, position, row["group"]))
        owner_of: dict[tuple[str, int], bool] = {}
        by_source: dict[str, list] = {}
        for cand in candidates:
            by_source.setdefault(cand[0], []).append(cand)
        for items in by_source.values():
            items.sort(key=lambda c: c[1])
            reach = list(itertools.accumulate((c[2] for c in items), max))  # furthest end up to each item
            for i, cand in enumerate(items):
                owns = True
                # only items that start before the candidate ends can overlap it: later ones by start, earlier
                # ones while something up to them still reaches past the candidate's start
                j = i + 1
                while owns and j < len(items) and items[j][1] < cand[2]:
                    other = items[j]
                    if other[4] != cand[4] and other[2] > cand[1] and other[3] > cand[3]:
                        owns = False
                    j += 1
                j = i - 1
                while owns and j >= 0 and reach[j] > cand[1]:
                    other = items[j]
                    if other[4] != cand[4] and other[1] < cand[2] and other[2] > cand[1] and other[3] > cand[3]:
                        owns = False
                    j -= 1
                owner_of[(cand[4], cand[5])] = owns
        # the spans quoted so far in each source, sorted: they never overlap, so their ends are sorted too
        # and the one span that could overlap a new one is the last that starts before it ends
        used: dict[str, tuple[list[int], list[int]]] = {}
        chosen: dict[str, list[int]] = {code: [] for code in codes}
        taken: dict[str, set[int]] = {code: set() for code in codes}  # chosen[code] as a set, to look up
        counts: dict[tuple[str, str], int] = {}

        def take(code: str, position: int, group: str, source: str, start: int, end: int) -> bool:
            if limit is not None and counts.get((code, group), 0) >= limit:
                return False
            span_starts, span_ends = used.setdefault(source, ([], []))
            before = bisect_left(span_starts, end)  # the spans that start before this one ends
            if before and span_ends[before - 1] > start:
                return False
            span_starts.insert(before, start)
            span_ends.insert(before, end)
            chosen[code].append(position)
            taken[code].add(position)
            counts[(code, group)] = counts.get((code, group), 0) + 1
            return True

        for second_pass in (False, True):
            for code, rows in ranked.items():
                for position, row in enumerate(rows):
                    if position in taken[code] or (not second_pass and not owner_of[(code, position)]):
                        continue
                    take(code, position, row["group"], row["source"], row["start"], row["end"])
        return {code: (rows, sorted(chosen[code]), attrs[code]) for code, rows in ranked.items()}

    def picked(self) -> dict[str, tuple[list[dict], list[int], dict]]:
        """:meth:`choose` with the quotes picked only (what a report shows: little to hand over)."""
        return {code: ([rows[k] for k in picked], list(range(len(picked))), attrs)
                for code, (rows, picked, attrs) in self.choose().items()}

    def lists(self, chosen: dict | None = None) -> dict[str, QuoteList]:
        """The quote lists of :meth:`choose` (or of what it or :meth:`picked` gave)."""
        chosen = self.choose() if chosen is None else chosen
        return {code: QuoteList(self.store, rows, picked, attrs) for code, (rows, picked, attrs) in chosen.items()}


class Passages:
    """One theme's coded pieces widened to whole sentences, with the evidence that weighs them: what
    finding quote candidates costs that depends neither on the grouping (``by``) nor on the length
    window, so that several lists of one theme (a report's quotes and its case model) find it once.
    :meth:`rows` joins and weighs the pieces for one grouping and window."""

    def __init__(self, ctx: Context, *, code: str, coder: str | None = None, origin: str | None = None,
                 source: str | None = None, where: dict[str, str] | None = None,
                 include_interviewer: bool = False):
        import numpy as np

        self.ctx = ctx
        node = self.node = ctx.tree.get(code)
        segs = self.segs = build(ctx, code=code, coder=coder, origin=origin, source=source, where=where,
                                 include_interviewer=include_interviewer, mode="level", level=node["depth"])
        pairs = segs.pairs
        known = set(ctx.attribute_names())
        place = next((a for a in ATTRIBUTION[1:] if a in known), None)
        self._attribution_values = [(values.tolist(), labels) for values, labels in
                                    (ctx.value_codes(a, segs) for a in ("role", place) if a in known)]
        turns = ctx.turns
        texts = self.texts = ctx.texts(present(pairs["sid"]).tolist())
        self.evidence = Evidence(ctx.store, ctx.subtree(node["id"]), coder, origin)
        piece_start, piece_end = segs.spans()
        # plain lists: reading numpy arrays one element at a time is slow
        sids, turn_of = self.sids, self.turn_of = pairs["sid"].tolist(), pairs["turn"].tolist()
        self.pids = pairs["pid"].tolist()
        starts, ends = self.starts, self.ends = piece_start.tolist(), piece_end.tolist()
        if len(turns["start"]):
            safe = np.maximum(pairs["turn"], 0)
            turn_lo, turn_hi = turns["start"][safe].tolist(), turns["end"][safe].tolist()
            self.turn_idx = turns["idx"][safe].tolist()
        else:
            turn_lo = turn_hi = self.turn_idx = [0] * len(sids)
        # the turn (or paragraph) of every piece, and how far into it its sentence breaks are needed
        bounds = []
        reach: dict[tuple[int, int, int], int] = {}
        for i in range(len(sids)):
            sid, turn = sids[i], turn_of[i]
            lo, hi = (turn_lo[i], turn_hi[i]) if turn >= 0 else _paragraph(texts[sid], starts[i], ends[i])
            bounds.append((lo, hi))
            if reach.get((sid, lo, hi), -1) < ends[i]:
                reach[(sid, lo, hi)] = ends[i]
        breaks = {(sid, lo, hi): sentence_breaks(texts[sid], lo, min(e + 1, hi))
                  for (sid, lo, hi), e in reach.items()}
        # every piece widened to whole sentences of its turn (two coders often code the same words)
        widened: dict[tuple, tuple[int, int]] = {}
        self.sentences = []
        for i in range(len(sids)):
            sid, s, e = sids[i], starts[i], ends[i]
            lo, hi = bounds[i]
            span = widened.get((sid, lo, hi, s, e))
            if span is None:
                span = widened[(sid, lo, hi, s, e)] = expand(texts[sid], lo, hi, s, e, breaks[(sid, lo, hi)])
            self.sentences.append(span)
        # per passage (source, start, end): its text on one line and its weight (None: rejected in review)
        self._passages: dict[tuple[int, int, int], tuple[str, tuple | None]] = {}
        self._attribution: dict[int, str] = {}

    def rows(self, by: str, min_chars: int, max_chars: int) -> list[dict]:
        """Every passage that could be quoted in groups of ``by``, unranked, as rows (speaker and
        timestamp left for :func:`_label`)."""
        ctx, texts = self.ctx, self.texts
        group_value, group_labels = ctx.value_codes(by, self.segs)
        groups = group_value.tolist()
        sids, turn_of, pids, starts, ends = self.sids, self.turn_of, self.pids, self.starts, self.ends
        turn_idx, sentences = self.turn_idx, self.sentences
        known, evidence, attributions = self._passages, self.evidence, self._attribution
        # a widened passage too long to read: the coded words alone
        too_long = 2 * max_chars
        pieces: dict[tuple, list] = {}
        for i in range(len(sids)):
            span = sentences[i]
            if span[1] - span[0] > too_long:
                span = expand(texts[sids[i]], starts[i], ends[i], starts[i], ends[i])
            pieces.setdefault((sids[i], turn_of[i], pids[i], groups[i]), []).append((*span, i))
        # join overlapping pieces of the same turn
        rows = []
        for (sid, turn, pid, gv), spans in pieces.items():
            spans.sort()
            merged: list[list] = []
            text = texts[sid]
            for ws, we, i in spans:
                if merged and (ws < merged[-1][1] or (  # overlapping, or next to each other and still readable
                        not text[merged[-1][1]:ws].strip() and max(we, merged[-1][1]) - merged[-1][0] <= max_chars)):
                    merged[-1][1] = max(merged[-1][1], we)
                else:
                    merged.append([ws, we, i])
            name = ctx.sources[sid]["name"]
            participant = ctx.participants.get(pid, "") if pid >= 0 else ""
            for ws, we, i in merged:
                found = known.get((sid, ws, we))
                if found is None:
                    quote = " ".join(text[ws:we].split())
                    found = known[(sid, ws, we)] = (quote, evidence.weigh(sid, ws, we) if quote else None)
                quote, weighed = found
                if weighed is None:     # no text, or rejected in review
                    continue
                relevance, reviewed, because = weighed
                value, complete = score(quote, min_chars, max_chars)
                attribution = attributions.get(i)
                if attribution is None:
                    attribution = attributions[i] = ", ".join(
                        labels[v[i]] for v, labels in self._attribution_values if labels[v[i]] != NONE_VALUE)
                rows.append({
                    "group": group_labels[gv], "text": quote, "attribution": attribution, "source": name,
                    "turn": turn_idx[i] if turn >= 0 else None, "timestamp": None, "speaker": None,
                    "participant": participant, "start": ws, "end": we, "score": round(relevance + value, 3),
                    "complete": complete, "relevance": relevance, "reviewed": reviewed, "evidence": because,
                    "_turn": (sid, turn_idx[i]) if turn >= 0 else None,
                })
        return rows


class PassageCache:
    """Each theme's :class:`Passages` for the lists made with this cache (pass the same one to
    :func:`quote_lists` for a report's quotes and to the case model): found once per theme and
    filters, for the project as it is (a change to the project starts afresh)."""

    def __init__(self):
        self._ctx: Context | None = None
        self._passages: dict[tuple, Passages] = {}

    def get(self, ctx: Context, *, code: str, coder: str | None, origin: str | None, source: str | None,
            where: dict[str, str] | None, include_interviewer: bool) -> Passages:
        if ctx is not self._ctx:
            self._ctx, self._passages = ctx, {}
        key = (code, coder, origin, source, tuple(sorted((where or {}).items())), include_interviewer)
        found = self._passages.get(key)
        if found is None:
            found = self._passages[key] = Passages(ctx, code=code, coder=coder, origin=origin, source=source,
                                                   where=where, include_interviewer=include_interviewer)
        return found


def _candidates(store: Store, *, code: str, by: str = "role", coder: str | None = None,
                origin: str | None = None, source: str | None = None, where: dict[str, str] | None = None,
                include_interviewer: bool = False, min_chars: int = 60, max_chars: int = 400,
                language: str | None = None, passages: PassageCache | None = None) -> tuple[list[dict], dict]:
    """Every passage of the theme that could be quoted, unranked, as rows (speaker and timestamp
    left for :func:`_label`), and the attrs of the list. ``passages``: where the theme's passages
    are found once for several lists."""
    ctx = Context.load(store)
    ctx.check_dimension(by, "--by", allow_code=False)
    filters = dict(code=code, coder=coder, origin=origin, source=source, where=where,
                   include_interviewer=include_interviewer)
    found = passages.get(ctx, **filters) if passages is not None else Passages(ctx, **filters)
    rows = found.rows(by, min_chars, max_chars)
    node = found.node
    lang = ctx.language(language)
    return rows, _list_attrs(ctx, node, by, lang)


def _list_attrs(ctx: Context, node: dict, by: str, lang: str) -> dict:
    """The attrs of a theme's quote list: its code's path, its label, the grouping, the language."""
    return {"code": node["path"], "label": ctx.tree.label(node["id"], lang), "by": by, "language": lang}


def _rank(rows: list[dict], limit: int | None) -> tuple[list[dict], list[int]]:
    """Reviewed first, then spread over people and interviews, then score: the rows in that order,
    and the positions in it of the first ``limit`` of each group (all without ``limit``)."""
    if not rows:
        return rows, []
    groups = {g: i for i, g in enumerate(sorted({r["group"] for r in rows}, key=natural_key))}  # Case 2 < Case 10
    # equal scores: interviews in an order of their names' digests (not alphabetical, which would
    # always favour the same interview), passages of one interview in text order
    tie = {name: hashlib.sha1(name.encode()).hexdigest() for name in {r["source"] for r in rows}}
    rows = sorted(rows, key=lambda r: (r["group"] == NONE_VALUE, groups[r["group"]], r["reviewed"] == "",
                                       -r["score"], tie[r["source"]], r["start"]))
    # each person's and each interview's best quote before anyone's second
    by_person: dict[tuple, int] = {}
    by_source: dict[tuple, int] = {}
    nth = []
    for r in rows:
        person = (r["group"], r["reviewed"] == "", r["participant"])
        source = (r["group"], r["reviewed"] == "", r["source"])
        a, b = by_person.get(person, 0), by_source.get(source, 0)
        by_person[person], by_source[source] = a + 1, b + 1
        nth.append(max(a, b))
    order = sorted(range(len(rows)), key=lambda k: (rows[k]["group"] == NONE_VALUE, groups[rows[k]["group"]],
                                                    rows[k]["reviewed"] == "", nth[k]))
    rows = [rows[k] for k in order]
    if limit is None:
        return rows, list(range(len(rows)))
    seen: dict[str, int] = {}
    picked = []
    for k, r in enumerate(rows):
        n = seen.get(r["group"], 0)
        if n < limit:
            picked.append(k)
        seen[r["group"]] = n + 1
    return rows, picked


def _label(store: Store, rows: list[dict]) -> None:
    """Speaker and timestamp of the rows' turns, read for these rows only."""
    wanted = [r["_turn"] for r in rows if r.get("_turn") is not None]
    labels = store.turn_labels_of(wanted) if wanted else {}
    for r in rows:
        at = r.pop("_turn", None)
        if at is not None:
            r["speaker"], r["timestamp"] = labels.get(at, (None, None))


def _paragraph(text: str, start: int, end: int) -> tuple[int, int]:
    lo = text.rfind("\n\n", 0, start)
    hi = text.find("\n\n", end)
    return (0 if lo < 0 else lo + 2), (len(text) if hi < 0 else hi)


def _where(row, words: tuple = HEADINGS["en"]) -> str:
    parts = [row["source"]]
    if row["turn"] is not None and row["turn"] == row["turn"]:
        parts.append(f"{words[3]} {int(row['turn'])}")
    if isinstance(row["timestamp"], str) and row["timestamp"]:
        parts.append(row["timestamp"])
    return ", ".join(parts)


def _table(quotes) -> tuple[list, dict]:
    """Rows and attrs of a :class:`QuoteList` or of the DataFrame :func:`quotes` gives."""
    if isinstance(quotes, QuoteList):
        return quotes.rows, quotes.attrs
    return quotes.to_dict("records"), dict(quotes.attrs)


def _groups(rows: list) -> list[tuple[str, list]]:
    """The rows by group, the groups in the order they first come."""
    out: dict[str, list] = {}
    for row in rows:
        out.setdefault(row["group"], []).append(row)
    return list(out.items())


def _heading(attrs: dict) -> tuple[str, tuple]:
    words = HEADINGS.get(attrs.get("language", "en"), HEADINGS["en"])
    return f"{words[0]}: {attrs.get('label', '')} ({attrs.get('code', '')})", words


def explanation(row) -> str:
    """Why a quote ranks where it does: its score, relevance and the evidence behind it."""
    return (f"score {row['score']:.2f} = relevance {row['relevance']:.2f} + readability "
            f"{row['score'] - row['relevance']:.2f}; {row['evidence'] or 'no rule evidence'}")


def render_quotes(quotes, fmt: str, explain: bool = False) -> str:
    """The quotes (a :class:`QuoteList` or the DataFrame of :func:`quotes`) as plain text or Markdown,
    one section per group (``explain``: why each was chosen)."""
    rows, attrs = _table(quotes)
    title, words = _heading(attrs)
    lines: list[str] = []
    if fmt == "md":
        lines += [f"# {title}", ""]
        for group, part in _groups(rows):
            lines += [f"## {group} ({len(part)})", ""]
            for row in part:
                lines += [f"> {row['text']}", ">", f"> — {row['attribution'] or '?'} ({_where(row, words)})", ""]
                if explain:
                    lines += [f"*{explanation(row)}*", ""]
    else:
        lines += [title, "=" * len(title), ""]
        for group, part in _groups(rows):
            lines += [f"{group} ({len(part)} {words[1] if len(part) == 1 else words[2]})", ""]
            for row in part:
                lines += [f"  “{row['text']}”", f"      — {row['attribution'] or '?'} ({_where(row, words)})"]
                if explain:
                    lines += [f"      [{explanation(row)}]"]
                lines += [""]
    if not rows:
        lines.append(words[4])
    return "\n".join(lines).rstrip("\n") + "\n"
