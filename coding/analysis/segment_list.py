"""Coded segments listed as a table (``coding segments``, ``Project.segments``): one row per segment with
its text, the turns, speakers and participants it overlaps, and their attributes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

import numpy as np

from ..ordering import natural_key
from ..records import join_values
from ..store import Store
from .segments import Context, Segments, build

if TYPE_CHECKING:
    import pandas as pd


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
    import pandas as pd  # here, so that a streamed list never loads pandas

    columns, rows = segment_rows(ctx, segs, language=language)
    return pd.DataFrame(list(rows), columns=columns)


def segment_records(store: Store, *, code: str | None = None, coder: str | None = None,
                    origin: str | None = None, source: str | None = None, where: dict[str, str] | None = None,
                    include_interviewer: bool = False, level: int | None = None, rollup: bool = False,
                    language: str | None = None) -> tuple[list[str], Iterator[dict]]:
    """The columns and rows of :func:`segments_frame`, the rows made one at a time as they are read
    (to write a long list without holding it)."""
    ctx = Context.load(store)
    mode = "outline" if rollup else ("level" if level is not None else "own")
    segs = build(ctx, code=code, coder=coder, origin=origin, source=source, where=where,
                 include_interviewer=include_interviewer, mode=mode, level=level)
    return segment_rows(ctx, segs, language=language)


def segment_rows(ctx: Context, segs: Segments, *, language: str | None = None) -> tuple[list[str], Iterator[dict]]:
    """The columns, and the rows in the list's order (code as in the codebook, source, start, coder)
    made one at a time."""
    attr_names = ctx.attribute_names()
    columns = ["source", "code", "code_path", "label", "coder", "start", "end", "text", "codings", "words",
               "turn", "timestamp", "speaker", "participant", *attr_names]
    lang = ctx.language(language)  # a bad language is refused here, before anything is written
    return columns, _rows(ctx, segs, lang, attr_names)


def _rows(ctx: Context, segs: Segments, lang: str, attr_names: list[str]) -> Iterator[dict]:
    live = segs.live()
    pairs = segs.pairs
    turns = ctx.turns
    speakers, timestamps = ctx.turn_labels()
    words = segs.words()
    texts = ctx.texts(segs.sid[live].tolist()) if len(live) else {}
    tree = ctx.tree
    attr_values = {name: ctx.value_codes(name, segs) for name in attr_names}
    # pieces grouped by segment (pairs are sorted by segment)
    bounds = np.searchsorted(pairs["seg"], np.append(live, np.iinfo(np.int64).max))
    rank = {node["code"]: i for i, node in enumerate(tree.ordered())}
    # sources in the natural order of their names ("Interview 2" before "Interview 10")
    by_name = sorted(ctx.sources, key=lambda s: natural_key(ctx.sources[s]["name"]))
    source_rank = {sid: i for i, sid in enumerate(by_name)}
    live = live.tolist()
    sids, codes, starts = segs.sid.tolist(), segs.code.tolist(), segs.start.tolist()
    coder_index = segs.coder.tolist()

    def coder_name(seg: int) -> str:
        return segs.coders[coder_index[seg]] if coder_index[seg] >= 0 else ""

    # the order is decided before any row is made, so rows can be written as they are made
    order = sorted(range(len(live)), key=lambda i: (rank.get(tree.by_id[codes[live[i]]]["code"], 0),
                                                    source_rank[sids[live[i]]], starts[live[i]],
                                                    coder_name(live[i])))
    for i in order:
        seg = live[i]
        a, b = bounds[i], bounds[i + 1]
        turn_rows = [t for t in pairs["turn"][a:b].tolist() if t >= 0]
        pids = [p for p in pairs["pid"][a:b].tolist()]
        sid = int(segs.sid[seg])
        cid = int(segs.code[seg])
        node = tree.by_id[cid]
        record = {
            "source": ctx.sources[sid]["name"], "code": node["code"], "code_path": node["path"],
            "label": tree.label(cid, lang), "coder": coder_name(seg),
            "start": int(segs.start[seg]), "end": int(segs.end[seg]),
            "text": texts[sid][segs.start[seg]:segs.end[seg]], "codings": int(segs.codings[seg]),
            "words": int(words[a:b].sum()),
            "turn": join_values(turns["idx"][t] for t in turn_rows),
            "timestamp": join_values(timestamps[t] for t in turn_rows),
            "speaker": join_values(speakers[t] for t in turn_rows),
            "participant": join_values(ctx.participants.get(p) for p in pids if p >= 0),
        }
        for name in attr_names:
            value, labels = attr_values[name]
            record[name] = join_values(labels[v] for v in value[a:b].tolist() if v > 0)
        yield record

