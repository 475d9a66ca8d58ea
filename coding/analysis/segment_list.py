"""Coded segments listed as a table (``coding segments``, ``Project.segments``): one row per segment with
its text, the turns, speakers and participants it overlaps, and their attributes."""

from __future__ import annotations

from typing import Iterable

import numpy as np
import pandas as pd

from ..store import Store
from .segments import Context, Segments, build


def segments_frame(store: Store, *, code: str | None = None, coder: str | None = None,
                   origin: str | None = None, source: str | None = None, where: dict[str, str] | None = None,
                   include_interviewer: bool = False, level: int | None = None, rollup: bool = False,
                   language: str | None = None) -> pd.DataFrame:
    """One row per segment; see :meth:`coding.Project.segments`."""
    ctx = Context.load(store)
    mode = "outline" if rollup else ("level" if level is not None else "own")
    segs = build(ctx, code=code, coder=coder, origin=origin, source=source, where=where,
                 include_interviewer=include_interviewer, mode=mode, level=level)
    return describe(ctx, segs, language=language)


def count_segments(store: Store, *, code: str | None = None, coder: str | None = None,
                   origin: str | None = None, source: str | None = None, where: dict[str, str] | None = None,
                   include_interviewer: bool = False, level: int | None = None, rollup: bool = False) -> int:
    """How many rows :func:`segments_frame` gives with the same filters, without making them."""
    ctx = Context.load(store)
    mode = "outline" if rollup else ("level" if level is not None else "own")
    segs = build(ctx, code=code, coder=coder, origin=origin, source=source, where=where,
                 include_interviewer=include_interviewer, mode=mode, level=level)
    return len(segs.live())


def describe(ctx: Context, segs: Segments, *, language: str | None = None) -> pd.DataFrame:
    """The segments that still have attributed pieces, as a DataFrame (one row each)."""
    lang = ctx.language(language)
    live = segs.live()
    pairs = segs.pairs
    turns = ctx.turns
    speakers, timestamps = ctx.turn_labels()
    words = segs.words()
    texts = ctx.texts(segs.sid[live].tolist()) if len(live) else {}
    tree = ctx.tree
    attr_names = ctx.attribute_names()
    attr_values = {name: ctx.value_codes(name, segs) for name in attr_names}
    # pieces grouped by segment (pairs are sorted by segment)
    bounds = np.searchsorted(pairs["seg"], np.append(live, np.iinfo(np.int64).max))
    rows = []
    for i, seg in enumerate(live.tolist()):
        a, b = bounds[i], bounds[i + 1]
        turn_rows = [t for t in pairs["turn"][a:b].tolist() if t >= 0]
        pids = [p for p in pairs["pid"][a:b].tolist()]
        sid = int(segs.sid[seg])
        cid = int(segs.code[seg])
        node = tree.by_id[cid]
        record = {
            "source": ctx.sources[sid]["name"], "code": node["code"], "code_path": node["path"],
            "label": tree.label(cid, lang), "coder": segs.coders[segs.coder[seg]] if segs.coder[seg] >= 0 else "",
            "start": int(segs.start[seg]), "end": int(segs.end[seg]),
            "text": texts[sid][segs.start[seg]:segs.end[seg]], "codings": int(segs.codings[seg]),
            "words": int(words[a:b].sum()),
            "turn": _join(turns["idx"][t] for t in turn_rows),
            "timestamp": _join(timestamps[t] for t in turn_rows),
            "speaker": _join(speakers[t] for t in turn_rows),
            "participant": _join(ctx.participants.get(p) for p in pids if p >= 0),
        }
        for name in attr_names:
            value, labels = attr_values[name]
            record[name] = _join(labels[v] for v in value[a:b].tolist() if v > 0)
        rows.append(record)
    columns = ["source", "code", "code_path", "label", "coder", "start", "end", "text", "codings", "words",
               "turn", "timestamp", "speaker", "participant", *attr_names]
    rank = {node["code"]: i for i, node in enumerate(tree.ordered())}
    rows.sort(key=lambda r: (rank.get(r["code"], 0), r["source"], r["start"], r["coder"]))
    return pd.DataFrame(rows, columns=columns)


def _join(values: Iterable) -> str:
    values = list(values)
    if len(values) == 1:  # most spans lie in one turn: no joining, no duplicates to drop
        value = values[0]
        return "" if value is None or value == "" else str(value)
    return "; ".join(dict.fromkeys(str(v) for v in values if v not in (None, "")))
