"""Which codes occur together: counts, Jaccard index and a network.

Units (also in the README):

* ``turn``: two codes co-occur when segments of both overlap the same respondent turn (interviewer
  turns left out unless asked; text outside every turn counts as one unit per source).
* ``segment``: two codes co-occur when their segments overlap (share at least one character);
  segments that overlap in a chain form one unit, whoever coded them.

``count`` is the number of units holding both codes, ``n_a``/``n_b`` the units holding each, and
``jaccard`` = count / (n_a + n_b - count), the share of the units with either code that have both.
Codes are the coded codes themselves, or with ``level`` their ancestor at that depth.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import CodingError
from ..store import Store
from .segments import Context, build, dense, distinct

UNITS = ("turn", "segment")


def cooccurrence(store: Store, *, unit: str = "turn", level: int | None = None, code: str | None = None,
                 coder: str | None = None, origin: str | None = None, source: str | None = None,
                 where: dict[str, str] | None = None, include_interviewer: bool = False,
                 language: str | None = None) -> pd.DataFrame:
    """See :meth:`coding.Project.cooccurrence`."""
    if unit not in UNITS:
        raise CodingError(f"--unit must be one of {', '.join(UNITS)}, not '{unit}'")
    ctx = Context.load(store)
    segs = build(ctx, code=code, coder=coder, origin=origin, source=source, where=where,
                 include_interviewer=include_interviewer, mode="level" if level else "own", level=level)
    pairs = segs.pairs
    if unit == "turn":
        n_turns = len(ctx.turns["start"])
        units = np.where(pairs["turn"] >= 0, pairs["turn"], n_turns + pairs["sid"])
        codes = segs.code[pairs["seg"]]
    else:
        live = segs.live()
        order = np.lexsort((segs.start[live], segs.sid[live]))
        live = live[order]
        sid, start, end = segs.sid[live], segs.start[live], segs.end[live]
        if len(live):
            span = np.int64(max(int(end.max()), int(start.max())) + 1)
            reach = np.maximum.accumulate(sid * span + end) - sid * span
            new = np.empty(len(live), dtype=bool)
            new[0] = True
            new[1:] = (sid[1:] != sid[:-1]) | (start[1:] >= reach[:-1])
            units = np.cumsum(new) - 1
        else:
            units = np.zeros(0, dtype=np.int64)
        codes = segs.code[live]
    tree = ctx.tree
    order_ids = [node["id"] for node in tree.ordered()]
    rank_of = np.full(max(order_ids, default=0) + 1, -1, dtype=np.int64)
    rank_of[order_ids] = np.arange(len(order_ids))
    ranks = rank_of[codes] if len(codes) else np.zeros(0, dtype=np.int64)
    present = dense(ranks)[0]  # codebook ranks of the codes that occur, in codebook order
    k = len(present)
    local = np.searchsorted(present, ranks)
    keys = distinct(units.astype(np.int64) * max(k, 1) + local)  # one row per (unit, code), codes ascending
    unit_of, code_of = keys // max(k, 1), keys % max(k, 1)
    frequency = np.bincount(code_of, minlength=k)
    together = pair_counts(unit_of, code_of, k)
    lang = ctx.language(language)
    ids = [order_ids[r] for r in present.tolist()]
    rows = []
    for a, b in zip(*np.nonzero(together)):
        n, n_a, n_b = int(together[a, b]), int(frequency[a]), int(frequency[b])
        rows.append({"code_a": tree.by_id[ids[a]]["path"], "code_b": tree.by_id[ids[b]]["path"],
                     "label_a": tree.label(ids[a], lang), "label_b": tree.label(ids[b], lang), "count": n,
                     "n_a": n_a, "n_b": n_b, "jaccard": round(n / (n_a + n_b - n), 3), "_order": (a, b)})
    rows.sort(key=lambda r: (-r["count"], -r["jaccard"], r.pop("_order")))
    result = pd.DataFrame(rows, columns=["code_a", "code_b", "label_a", "label_b", "count", "n_a", "n_b",
                                         "jaccard"])
    result.attrs.update({
        "unit": unit, "language": lang,
        "frequency": {tree.by_id[c]["path"]: int(f) for c, f in zip(ids, frequency.tolist())},
        "labels": {tree.by_id[c]["path"]: tree.label(c, lang) for c in ids},
    })
    return result


def pair_counts(unit: np.ndarray, code: np.ndarray, k: int, *, batch: int = 4_000_000) -> np.ndarray:
    """``k x k`` upper-triangular counts of units holding both codes.

    ``unit``/``code`` are distinct pairs sorted by unit then code. Every pair of codes within a unit
    is generated in numpy, in batches of about ``batch`` pairs to bound memory."""
    counts = np.zeros(k * k, dtype=np.int64)
    n = len(unit)
    if n:
        first = np.flatnonzero(np.concatenate([[True], unit[1:] != unit[:-1]]))
        sizes = np.diff(np.append(first, n))
        group_end = np.repeat(first + sizes, sizes)
        partners = group_end - np.arange(n) - 1  # codes after this one in its unit
        done = np.cumsum(partners)
        lo = 0
        while lo < n:
            hi = max(lo + 1, int(np.searchsorted(done, (done[lo - 1] if lo else 0) + batch, "right")))
            c = partners[lo:hi]
            left = np.repeat(np.arange(lo, hi), c)
            right = left + 1 + np.arange(len(left)) - np.repeat(np.cumsum(c) - c, c)
            counts += np.bincount(code[left] * k + code[right], minlength=k * k)
            lo = hi
    return counts.reshape(k, k)


def graph(frame: pd.DataFrame, *, min_count: int = 1):
    """The co-occurrence network: a node per code (``label``, ``frequency``), an edge per pair
    with ``count`` >= ``min_count`` (``weight`` = count, ``jaccard``)."""
    import networkx as nx

    g = nx.Graph(unit=frame.attrs.get("unit", ""))
    for path, n in frame.attrs.get("frequency", {}).items():
        g.add_node(path, label=frame.attrs["labels"].get(path, path), frequency=int(n))
    for row in frame.itertuples(index=False):
        if row.count >= min_count:
            g.add_edge(row.code_a, row.code_b, weight=int(row.count), jaccard=float(row.jaccard))
    return g
