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
"""

from __future__ import annotations

import hashlib
import itertools
import re
from bisect import bisect_left
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError
from ..ordering import natural_key
from ..store import Store
from .segments import NONE_VALUE, Context, build, present

SENTENCE_BREAK = re.compile(r"[.!?…]+[\"'»”’)]*\s+|\n\s*")
SENTENCE_END = re.compile(r"[.!?…]+[\"'»”’)]*(?=\s|$)")
ATTRIBUTION = ("role", "municipality", "kommune")
QUOTE_FORMATS = ("text", "md", "docx")
HEADINGS = {"da": ("Citater", "citat", "citater", "tur", "(ingen citater)"),
            "en": ("Quotes", "quote", "quotes", "turn", "(no quotes)")}


def expand(text: str, lo: int, hi: int, start: int, end: int) -> tuple[int, int]:
    """Widen ``[start, end)`` to sentence boundaries inside ``[lo, hi)``."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
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
        self.by_source: dict[int, list] = {}
        for row in store.codings(code_ids=sorted(code_ids), coder=coder, origin=origin):
            self.by_source.setdefault(row["source_id"], []).append(
                (row["start"], row["end"], row["origin"], row["coder"], row["rule"] or "", row["matched"] or "",
                 row["code_id"]))
        self.longest = {sid: max(e - s for s, e, *_ in rows) for sid, rows in self.by_source.items()}
        for rows in self.by_source.values():
            rows.sort()
        self.starts = {sid: [r[0] for r in rows] for sid, rows in self.by_source.items()}
        # reviews of automatic codings, where the project keeps them: (source, start, end, code) -> decision
        self.decisions: dict[tuple, str] = {}
        reviews = getattr(store, "reviews", None)
        if callable(reviews):
            try:
                for r in reviews():
                    keys = r.keys()
                    source_id = r["source_id"] if "source_id" in keys else None
                    if source_id is None or r["code_id"] not in code_ids:
                        continue
                    decision = str(r["decision"]).lower()
                    self.decisions[(source_id, r["start"], r["end"], r["code_id"])] = \
                        "accepted" if decision.startswith("accept") else (
                            "rejected" if decision.startswith("reject") else decision)
            except Exception:  # noqa: BLE001 - an older or newer reviews table: rank without it
                self.decisions = {}

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
        for s, e, origin, coder, rule, matched, code_id in rows[lo:hi]:
            if e <= start or s >= end:
                continue
            decision = self.decisions.get((sid, s, e, code_id))
            if decision == "rejected":
                rejected += 1
                continue
            kept += 1
            if decision == "accepted":      # accepted in review: the reviewer's coding, the rules kept
                accepted += 1
            elif origin in HUMAN_ORIGINS:
                human.append(coder)
                continue
            for part in rule.split(";"):
                part = part.strip()
                if part:
                    rules[part] = RULE_WEIGHTS.get(part.split(" ", 1)[0], 0.6)
            words.update(w.strip().lower() for w in matched.split(",") if w.strip())
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


def quotes(store: Store, *, code: str, by: str = "role", limit: int | None = None, coder: str | None = None,
           origin: str | None = None, source: str | None = None, where: dict[str, str] | None = None,
           include_interviewer: bool = False, min_chars: int = 60, max_chars: int = 400,
           language: str | None = None) -> pd.DataFrame:
    """See :meth:`coding.Project.quotes`."""
    frame = _candidates(store, code=code, by=by, coder=coder, origin=origin, source=source, where=where,
                        include_interviewer=include_interviewer, min_chars=min_chars, max_chars=max_chars,
                        language=language)
    return _rank(frame, limit)


def quotes_for_themes(store: Store, codes: list[str], *, by: str = "role", limit: int | None = 1,
                      **options) -> dict[str, pd.DataFrame]:
    """Quotes for several themes at once, as :func:`quotes` gives them, except that a sentence serves
    one theme only. Passages of different themes that overlap belong to the theme whose rules hold
    them most strongly (relevance, then score, then the theme listed first); each theme then takes
    its best passages among its own. A theme left with fewer than ``limit`` in a group takes its
    next candidates that overlap nothing already quoted."""
    ranked = {code: _rank(_candidates(store, code=code, by=by, **options), None) for code in codes}
    # every candidate: (source, start, end, strength, theme order, theme, position in its ranking)
    candidates = []
    for order, (code, frame) in enumerate(ranked.items()):
        for position, row in enumerate(frame.itertuples(index=False)):
            candidates.append((row.source, row.start, row.end, (row.relevance, row.score, -order), code, position,
                               row.group))
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
    used: dict[str, list[tuple[int, int]]] = {}
    chosen: dict[str, list[int]] = {code: [] for code in codes}
    taken: dict[str, set[int]] = {code: set() for code in codes}  # chosen[code] as a set, to look up
    counts: dict[tuple[str, str], int] = {}

    def take(code: str, position: int, group: str, source: str, start: int, end: int) -> bool:
        if limit is not None and counts.get((code, group), 0) >= limit:
            return False
        spans = used.setdefault(source, [])
        if any(start < e and end > b for b, e in spans):
            return False
        spans.append((start, end))
        chosen[code].append(position)
        taken[code].add(position)
        counts[(code, group)] = counts.get((code, group), 0) + 1
        return True

    for second_pass in (False, True):
        for code, frame in ranked.items():
            for position, row in enumerate(frame.itertuples(index=False)):
                if position in taken[code] or (not second_pass and not owner_of[(code, position)]):
                    continue
                take(code, position, row.group, row.source, row.start, row.end)
    out = {}
    for code, frame in ranked.items():
        picked = frame.iloc[sorted(chosen[code])].reset_index(drop=True)
        picked.attrs.update(frame.attrs)
        out[code] = picked
    return out


def _candidates(store: Store, *, code: str, by: str = "role", coder: str | None = None,
                origin: str | None = None, source: str | None = None, where: dict[str, str] | None = None,
                include_interviewer: bool = False, min_chars: int = 60, max_chars: int = 400,
                language: str | None = None) -> pd.DataFrame:
    ctx = Context.load(store)
    ctx.check_dimension(by, "--by", allow_code=False)
    node = ctx.tree.get(code)
    segs = build(ctx, code=code, coder=coder, origin=origin, source=source, where=where,
                 include_interviewer=include_interviewer, mode="level", level=node["depth"])
    pairs = segs.pairs
    group_value, group_labels = ctx.value_codes(by, segs)
    known = set(ctx.attribute_names())
    place = next((a for a in ATTRIBUTION[1:] if a in known), None)
    attribution_names = [a for a in ("role", place) if a in known]
    attribution_values = {a: ctx.value_codes(a, segs) for a in attribution_names}
    turns = ctx.turns
    speakers, timestamps = ctx.turn_labels()
    texts = ctx.texts(present(pairs["sid"]).tolist())
    evidence = Evidence(store, ctx.subtree(node["id"]), coder, origin)
    piece_start, piece_end = segs.spans()
    # widen every piece, then join overlapping pieces of the same turn
    pieces: dict[tuple, list] = {}
    for i in range(len(pairs["seg"])):
        sid, turn = int(pairs["sid"][i]), int(pairs["turn"][i])
        text = texts[sid]
        if turn >= 0:
            lo, hi = int(turns["start"][turn]), int(turns["end"][turn])
        else:
            lo, hi = _paragraph(text, int(piece_start[i]), int(piece_end[i]))
        s, e = int(piece_start[i]), int(piece_end[i])
        ws, we = expand(text, lo, hi, s, e)
        if we - ws > 2 * max_chars:
            ws, we = expand(text, s, e, s, e)  # the coded words alone
        pieces.setdefault((sid, turn, int(pairs["pid"][i]), int(group_value[i])), []).append(
            (ws, we, i))
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
        for ws, we, i in merged:
            text = " ".join(texts[sid][ws:we].split())
            if not text:
                continue
            weighed = evidence.weigh(sid, ws, we)
            if weighed is None:     # rejected in review
                continue
            relevance, reviewed, because = weighed
            value, complete = score(text, min_chars, max_chars)
            attribution = ", ".join(labels[v[i]] for v, labels in attribution_values.values()
                                    if labels[v[i]] != NONE_VALUE)
            rows.append({
                "group": group_labels[gv], "text": text, "attribution": attribution,
                "source": ctx.sources[sid]["name"],
                "turn": int(turns["idx"][turn]) if turn >= 0 else None,
                "timestamp": timestamps[turn] if turn >= 0 else None,
                "speaker": speakers[turn] if turn >= 0 else None,
                "participant": ctx.participants.get(pid, "") if pid >= 0 else "",
                "start": ws, "end": we, "score": round(relevance + value, 3), "complete": complete,
                "relevance": relevance, "reviewed": reviewed, "evidence": because,
            })
    frame = pd.DataFrame(rows, columns=COLUMNS)
    lang = ctx.language(language)
    frame.attrs.update({"code": node["path"], "label": ctx.tree.label(node["id"], lang), "by": by,
                        "language": lang})
    return frame


def _rank(frame: pd.DataFrame, limit: int | None) -> pd.DataFrame:
    """Reviewed first, then spread over people and interviews, then score; ``limit`` per group."""
    attrs = dict(frame.attrs)
    if len(frame):
        frame = frame.copy()
        frame["_none"] = frame["group"] == NONE_VALUE
        groups = {g: i for i, g in enumerate(sorted(set(frame["group"]), key=natural_key))}
        frame["_group"] = frame["group"].map(groups)   # "Case 2" before "Case 10"
        frame["_unreviewed"] = frame["reviewed"] == ""
        # equal scores: interviews in an order of their names' digests (not alphabetical, which
        # would always favour the same interview), passages of one interview in text order
        frame["_tie"] = [hashlib.sha1(name.encode()).hexdigest() for name in frame["source"]]
        frame = frame.sort_values(["_none", "_group", "_unreviewed", "score", "_tie", "start"],
                                  ascending=[True, True, True, False, True, True], kind="stable")
        # each person's and each interview's best quote before anyone's second
        by_person = frame.groupby(["group", "_unreviewed", "participant"], sort=False).cumcount()
        by_source = frame.groupby(["group", "_unreviewed", "source"], sort=False).cumcount()
        frame["_nth"] = np.maximum(by_person.to_numpy(), by_source.to_numpy())
        frame = frame.sort_values(["_none", "_group", "_unreviewed", "_nth"], kind="stable")
        frame = frame.drop(columns=["_none", "_group", "_unreviewed", "_tie", "_nth"])
        if limit is not None:
            frame = frame.groupby("group", sort=False).head(limit)
        frame = frame.reset_index(drop=True)
    frame.attrs.update(attrs)
    return frame


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


def _groups(frame: pd.DataFrame):
    for group, part in frame.groupby("group", sort=False):
        yield group, [row for _, row in part.iterrows()]


def _heading(frame: pd.DataFrame) -> tuple[str, tuple]:
    words = HEADINGS.get(frame.attrs.get("language", "en"), HEADINGS["en"])
    return f"{words[0]}: {frame.attrs.get('label', '')} ({frame.attrs.get('code', '')})", words


def explanation(row) -> str:
    """Why a quote ranks where it does: its score, relevance and the evidence behind it."""
    return (f"score {row['score']:.2f} = relevance {row['relevance']:.2f} + readability "
            f"{row['score'] - row['relevance']:.2f}; {row['evidence'] or 'no rule evidence'}")


def render_quotes(frame: pd.DataFrame, fmt: str, explain: bool = False) -> str:
    """The quotes as plain text or Markdown, one section per group (``explain``: why each was chosen)."""
    title, words = _heading(frame)
    lines: list[str] = []
    if fmt == "md":
        lines += [f"# {title}", ""]
        for group, rows in _groups(frame):
            lines += [f"## {group} ({len(rows)})", ""]
            for row in rows:
                lines += [f"> {row['text']}", ">", f"> — {row['attribution'] or '?'} ({_where(row, words)})", ""]
                if explain:
                    lines += [f"*{explanation(row)}*", ""]
    else:
        lines += [title, "=" * len(title), ""]
        for group, rows in _groups(frame):
            lines += [f"{group} ({len(rows)} {words[1] if len(rows) == 1 else words[2]})", ""]
            for row in rows:
                lines += [f"  “{row['text']}”", f"      — {row['attribution'] or '?'} ({_where(row, words)})"]
                if explain:
                    lines += [f"      [{explanation(row)}]"]
                lines += [""]
    if frame.empty:
        lines.append(words[4])
    return "\n".join(lines).rstrip("\n") + "\n"
