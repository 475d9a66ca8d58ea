"""Word frequency by lemma in what was said (``coding words``), and its bar chart.

Tokens are counted by the lemma of their form, leaving out stop words (spaCy's ``STOP_WORDS`` of
the source's language, by form or lemma) and tokens without a letter or digit. Only what was said
counts: the turns (a source without turns: its whole text), interviewer turns left out unless
asked, filtered by ``where`` and ``code`` as a search is (:mod:`coding.search.engine`). The kept
text is found a turn at a time (token ranges, :meth:`Corpus.said`), so a whole study is counted
without looking up a turn per token.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

import numpy as np

from ..errors import CodingError
from ..ordering import natural_key
from ..store import Store
from .engine import Filters, _names, attribute_values, check_attribute, coded_mask, load_corpus


@dataclass
class WordFrequency:
    """Word frequency by lemma: ``records`` (word, count, share, sources, forms, and a count per
    value with ``by``), ``columns``, ``groups`` (value -> words counted) and ``total``."""

    records: list[dict]
    columns: list[str]
    by: str | None
    groups: dict[str, int]
    total: int
    top: int

    def as_json(self) -> dict:
        return {"by": self.by, "top": self.top, "total_words": self.total, "groups": self.groups,
                "words": self.records}


def words(store: Store, *, where: dict[str, str] | None = None, by: str | None = None, top: int = 50,
          code: str | None = None, source: str | Iterable[str] | None = None,
          include_interviewer: bool = False,
          leave_out: dict[int, list[tuple[int, int]]] | None = None) -> WordFrequency:
    """The most frequent lemmas (stop words and tokens without a letter or digit left out), in
    the text that passes the filters; with ``by`` the ``top`` of every value of that attribute,
    each counted per value. ``leave_out``: source id -> character ranges (in order, not
    overlapping) whose tokens are not counted (an anonymized text's placeholders, "[navn 3]")."""
    if top < 1:
        raise CodingError(f"--top must be 1 or more, not {top}")
    corpus = load_corpus(store, _names(source))
    filters = Filters(dict(where or {}), code, include_interviewer)
    filters.check(corpus)
    if by is not None:
        check_attribute(corpus, by, "--by")
    forms = store.search_form_table()
    size = max([f[0] for f in forms] + [int(corpus.form.max()) if len(corpus.form) else 0]) + 1
    counted = np.zeros(size, dtype=bool)
    lemma_of = np.zeros(size, dtype=np.int64)
    lemma_ids: dict[str, int] = {}
    lemma_names: list[str] = []
    form_text = [""] * size
    for form_id, _language, form, lemma, word, stop in forms:
        counted[form_id] = bool(word) and not stop
        number = lemma_ids.get(lemma)
        if number is None:
            number = lemma_ids[lemma] = len(lemma_names)
            lemma_names.append(lemma)
        lemma_of[form_id] = number
        form_text[form_id] = form
    # the ranges of tokens the filters keep (turn by turn), marked by +1 at a range's first token
    # and -1 at its stop; with ``by`` the same with the value's number, so a running sum gives it
    first, stop, turn, range_sid = corpus.said()
    keep = Filters(filters.where, None, filters.include_interviewer).range_mask(corpus, turn, range_sid)
    keep &= stop > first
    first, stop, turn, range_sid = first[keep], stop[keep], turn[keep], range_sid[keep]
    n = len(corpus.form)
    overlapping = bool(len(first) > 1 and np.any(first[1:] < stop[:-1]))
    edges = np.zeros(n + 1, dtype=np.int32)

    def mark(values) -> None:
        if overlapping:         # (np.add.at adds at a repeated index as often as it is there)
            np.add.at(edges, first, values)
            np.add.at(edges, stop, -values)
        else:                   # firsts all differ, and so do stops
            edges[first] += values
            edges[stop] -= values
    mark(1)
    inside = np.cumsum(edges, dtype=np.int32)[:n] > 0
    tokens = np.flatnonzero(counted[corpus.form] & inside) if n else np.zeros(0, dtype=np.int64)
    if code is not None:
        tokens = tokens[coded_mask(corpus, code, tokens, tokens)]
    if leave_out:
        tokens = tokens[~_inside(corpus, tokens, leave_out)]
    lemma = lemma_of[corpus.form[tokens]]
    if by is not None:
        range_value, labels = attribute_values(corpus, by, turn, range_sid)
        if overlapping:     # turns that overlap each other: the value of each token's own turn
            token_turn = corpus.turn_at(tokens)
            value, labels = attribute_values(corpus, by, token_turn, corpus.sid_at(tokens))
        else:
            edges[:] = 0
            mark((range_value + 1).astype(np.int32))
            value = np.cumsum(edges, dtype=np.int32)[tokens] - 1
    n_lemmas = max(len(lemma_names), 1)
    total_counts = np.bincount(lemma, minlength=n_lemmas)
    if by is not None:
        group_counts = np.bincount(value * n_lemmas + lemma, minlength=len(labels) * n_lemmas).reshape(len(labels), n_lemmas)
        present = [g for g in range(len(labels)) if group_counts[g].sum()]
        order = sorted(present, key=lambda g: (g == 0, natural_key(labels[g])))     # (none) last; Case 2 before 10
        chosen: list[int] = []
        for g in order:
            ranked = np.lexsort((np.arange(n_lemmas), -group_counts[g]))[:top]
            chosen.extend(int(x) for x in ranked if group_counts[g][x] > 0)
        chosen = list(dict.fromkeys(chosen))
        chosen.sort(key=lambda x: (-int(total_counts[x]), lemma_names[x]))
        groups = {labels[g]: int(group_counts[g].sum()) for g in order}
    else:
        ranked = np.lexsort((np.arange(n_lemmas), -total_counts))[:top]
        chosen = [int(x) for x in ranked if total_counts[x] > 0]
        chosen.sort(key=lambda x: (-int(total_counts[x]), lemma_names[x]))
        order, groups, group_counts, labels = [], {}, None, []
    total = int(total_counts.sum())
    # the sources each chosen lemma occurs in, and its most frequent forms
    chosen_set = np.zeros(n_lemmas, dtype=bool)
    chosen_set[chosen] = True
    picked = chosen_set[lemma]
    sources: dict[int, int] = {}
    form_counts: dict[int, dict[int, int]] = {}
    if picked.any():
        rank = np.full(n_lemmas, -1, dtype=np.int64)
        rank[chosen] = np.arange(len(chosen))
        seen = np.zeros((len(chosen), len(corpus.sids)), dtype=bool)
        seen[rank[lemma[picked]], corpus.table_at(tokens[picked])] = True
        sources = dict(zip(chosen, seen.sum(axis=1).tolist()))
        per_form = np.bincount(corpus.form[tokens[picked]], minlength=size)
        for f in np.flatnonzero(per_form).tolist():
            form_counts.setdefault(int(lemma_of[f]), {})[f] = int(per_form[f])
    records = []
    for x in chosen:
        ranked_forms = sorted(form_counts.get(x, {}).items(), key=lambda fc: (-fc[1], form_text[fc[0]]))
        record = {"word": lemma_names[x], "count": int(total_counts[x]),
                  "share": round(100.0 * int(total_counts[x]) / total, 2) if total else 0.0,
                  "sources": int(sources.get(x, 0)),
                  "forms": ", ".join(dict.fromkeys(form_text[f] for f, _ in ranked_forms[:5]))}
        for g in order:
            record[labels[g]] = int(group_counts[g][x])
        records.append(record)
    columns = ["word", "count", "share", "sources", "forms", *[labels[g] for g in order]]
    return WordFrequency(records, columns, by, groups, total, top)



def _inside(corpus, tokens: np.ndarray, ranges: dict[int, list[tuple[int, int]]]) -> np.ndarray:
    """Per token: whether it overlaps one of its source's ``ranges``. Positions are made one number
    (source id above, character offset below), so one sorted search covers every source."""
    spans = sorted((sid, start, end) for sid, pairs in ranges.items() for start, end in pairs if end > start)
    if not spans or not len(tokens):
        return np.zeros(len(tokens), dtype=bool)
    lo = np.array([(sid << 32) | start for sid, start, _end in spans], dtype=np.int64)
    hi = np.array([(sid << 32) | end for sid, _start, end in spans], dtype=np.int64)
    sids = corpus.sid_at(tokens).astype(np.int64) << 32
    starts = sids | corpus.start[tokens].astype(np.int64)
    ends = sids | corpus.end[tokens].astype(np.int64)
    # the last range that begins before the token ends; the ranges do not overlap, so no earlier
    # one reaches further
    last = np.searchsorted(lo, ends, "left") - 1
    return (last >= 0) & (hi[np.maximum(last, 0)] > starts)

def words_chart(frequency: WordFrequency, path, *, title: str | None = None) -> None:
    """A horizontal bar chart of the words (with ``by``: one panel per value, its own top words)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels: list[tuple[str, list[tuple[str, int]]]] = []
    if frequency.by is None:
        panels.append((title or "Word frequency", [(r["word"], r["count"]) for r in frequency.records]))
    else:
        for value in frequency.groups:
            ranked = sorted(((r["word"], r[value]) for r in frequency.records if r[value]),
                            key=lambda wc: (-wc[1], wc[0]))[:frequency.top]
            panels.append((f"{frequency.by}: {value}", ranked))
    if not panels or not any(p[1] for p in panels):
        panels = [(title or "Word frequency", [])]
    rows = max(len(p[1]) for p in panels) or 1
    columns = min(len(panels), 3)
    lines = (len(panels) + columns - 1) // columns
    fig, axes = plt.subplots(lines, columns, figsize=(4.2 * columns + 0.8, (0.26 * rows + 1.0) * lines),
                             squeeze=False)
    for ax, (name, bars) in zip(axes.ravel(), panels):
        labels = [w for w, _ in bars][::-1]
        values = [c for _, c in bars][::-1]
        ax.barh(range(len(values)), values, color="#4C72B0")
        ax.set_yticks(range(len(values)))
        ax.set_yticklabels(labels, fontsize=8)
        ax.set_title(name, fontsize=10)
        ax.tick_params(axis="x", labelsize=8)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        if not bars:
            ax.text(0.5, 0.5, "(no words)", ha="center", va="center", transform=ax.transAxes)
    for ax in axes.ravel()[len(panels):]:
        ax.axis("off")
    fig.tight_layout()
    fig.savefig(path, dpi=150)
    plt.close(fig)
