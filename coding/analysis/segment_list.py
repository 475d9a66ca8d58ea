"""Coded segments listed as a table (``coding segments``, ``Project.segments``): one row per segment with
its text, the turns, speakers and participants it overlaps, and their attributes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

import numpy as np

from ..ordering import in_parts, natural_ranks
from ..records import join_values
from ..store import Store
from .segments import Context, Segments, _build, build, check_filters, code_filter, present, source_filter

if TYPE_CHECKING:
    import pandas as pd


def _mode(rollup: bool, level: int | None) -> str:
    """What a segment counts for (see :func:`.segments.build`): its code and every ancestor
    (``rollup``), its ancestor at ``level``, or its own code."""
    return "outline" if rollup else ("level" if level is not None else "own")


def segments_frame(store: Store, *, code: str | None = None, coder: str | None = None,
                   origin: str | None = None, source: str | None = None, where: dict[str, str] | None = None,
                   include_interviewer: bool = False, level: int | None = None, rollup: bool = False,
                   language: str | None = None) -> pd.DataFrame:
    """One row per segment; see :meth:`coding.Project.segments`."""
    ctx = Context.load(store)
    mode = _mode(rollup, level)
    segs = build(ctx, code=code, coder=coder, origin=origin, source=source, where=where,
                 include_interviewer=include_interviewer, mode=mode, level=level)
    return describe(ctx, segs, language=language)


def count_segments(store: Store, *, code: str | None = None, coder: str | None = None,
                   origin: str | None = None, source: str | None = None, where: dict[str, str] | None = None,
                   include_interviewer: bool = False, level: int | None = None, rollup: bool = False) -> int:
    """How many rows :func:`segments_frame` gives with the same filters, without making them."""
    ctx = Context.load(store)
    mode = _mode(rollup, level)
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
                    language: str | None = None, batches: bool = False) -> tuple[list[str], Iterator]:
    """The columns and rows of :func:`segments_frame`, the rows made one at a time as they are read
    (to write a long list without holding it); with ``batches`` they come as batches of columns
    (see :func:`segment_batches`) instead of dicts."""
    ctx = Context.load(store)
    mode = _mode(rollup, level)
    segs = build(ctx, code=code, coder=coder, origin=origin, source=source, where=where,
                 include_interviewer=include_interviewer, mode=mode, level=level)
    return (segment_batches if batches else segment_rows)(ctx, segs, language=language)


PART_CODINGS = 10_000  # codings of the sources whose segments are made together in a streamed list
PART_SOURCES = 500     # and at most this many sources (one SQL list of ids)


def segment_parts(store: Store, *, code: str | None = None, coder: str | None = None,
                  origin: str | None = None, source: str | None = None, where: dict[str, str] | None = None,
                  include_interviewer: bool = False, level: int | None = None, rollup: bool = False,
                  language: str | None = None) -> tuple[list[str], Iterator[tuple[int, list[list]]]]:
    """The columns and rows of :func:`segments_frame`, made a few sources at a time in memory that
    does not grow with the number of codings: batches of columns (see :func:`segment_batches`), each
    with a key, the place of its code in the list's order. Written in the order of the keys (the
    batches of one key in the order they come) they are the list
    (:func:`coding.export.tables.iter_keyed_columns`).

    Segments never cross sources, and what makes one (the merging of a code's codings by one coder,
    the turns it overlaps, its attributes) lies in its own source, so the segments of a few sources
    are the list's segments of those sources. Sources come in the list's order, so one code's rows
    come in the list's order too. Bad filters are refused here, before any row is made."""
    ctx = Context.without_tables(store)
    mode = _mode(rollup, level)
    where = check_filters(ctx, level=level, where=where)
    code_filter(ctx, code)
    only = source_filter(ctx, source)
    columns, lang, attr_names = _columns(ctx, language)
    lister = _Lister(ctx, lang, attr_names)
    sources = [only] if only is not None else lister.sources_in_order(ctx)
    counts = store.kept_coding_counts()
    sized = [(sid, counts.get(sid, PART_CODINGS // 4)) for sid in sources]  # not known (no kept row yet): a guess
    if only is None:
        sized = [(sid, count) for sid, count in sized if count]  # a source without codings has no segments
    groups = in_parts(sized, PART_CODINGS, PART_SOURCES)  # sources whose segments are made together

    def parts() -> Iterator[tuple[int, list[list]]]:
        kept = store.kept_turns()  # where each source's turns are in the kept turn table
        try:
            for ids in groups:
                part = ctx.for_sources(ids, kept)
                segs = _build(part, code=code, coder=coder, origin=origin, source=source, where=where,
                              include_interviewer=include_interviewer, mode=mode, level=level, root=False,
                              by_coder=True)
                yield from lister.parts(part, segs)
        finally:
            if kept is not None:
                kept.close()
    return columns, parts()


def segment_rows(ctx: Context, segs: Segments, *, language: str | None = None) -> tuple[list[str], Iterator[dict]]:
    """The columns, and the rows in the list's order (code as in the codebook, source, start, coder)
    made one at a time."""
    columns, batches = segment_batches(ctx, segs, language=language)
    return columns, (dict(zip(columns, row)) for batch in batches for row in zip(*batch))


def segment_batches(ctx: Context, segs: Segments, *,
                    language: str | None = None) -> tuple[list[str], Iterator[list[list]]]:
    """The rows of :func:`segment_rows` as batches of columns (lists of str or int, in column
    order), a few thousand rows each: what a CSV or JSON writer takes a column at a time."""
    columns, lang, attr_names = _columns(ctx, language)
    return columns, _rows(ctx, segs, lang, attr_names)


def _columns(ctx: Context, language: str | None) -> tuple[list[str], str, list[str]]:
    """The list's columns, the language of its labels and the project's attribute names."""
    attr_names = ctx.attribute_names()
    columns = ["source", "code", "code_path", "label", "coder", "start", "end", "text", "codings", "words",
               "turn", "timestamp", "speaker", "participant", *attr_names]
    lang = ctx.language(language)  # a bad language is refused here, before anything is written
    return columns, lang, attr_names


CHUNK = 4096  # rows made together: numpy picks their values, then they are written and let go


def _lookup(values: list) -> np.ndarray:
    """``values`` as an object array with "" for None and one more "" at the end, so that index -1
    (no turn, no participant) gives ""."""
    out = np.empty(len(values) + 1, dtype=object)
    same: dict = {}  # one string per distinct value (turn numbers repeat in every source)
    out[:-1] = [same.setdefault(v, "" if v is None else str(v)) for v in values]
    out[-1] = ""
    return out


def _rows(ctx: Context, segs: Segments, lang: str, attr_names: list[str]) -> Iterator[list[list]]:
    for _, batch in _Lister(ctx, lang, attr_names).parts(ctx, segs):
        yield batch


class _Lister:
    """What makes rows out of segments and does not depend on which sources they are from: the
    codes' and sources' places in the list's order, their names, the participants' names."""

    def __init__(self, ctx: Context, lang: str, attr_names: list[str]):
        self.lang, self.attr_names, self.tree = lang, attr_names, ctx.tree
        rank = {node["code"]: i for i, node in enumerate(self.tree.ordered())}
        self.code_rank = np.zeros(max(self.tree.by_id, default=0) + 1, dtype=np.int64)
        for cid, node in self.tree.by_id.items():
            self.code_rank[cid] = rank.get(node["code"], 0)
        self.code_values: dict[int, tuple] = {}
        # sources in the natural order of their names ("Interview 2" before "Interview 10")
        self.source_rank = natural_ranks({sid: source["name"] for sid, source in ctx.sources.items()})
        self.source_names = _lookup([ctx.sources.get(s, {}).get("name") for s in range(len(self.source_rank))])
        self.top = max(ctx.participants, default=-1) + 1
        self.participant_names = _lookup([ctx.participants.get(p) for p in range(self.top)])

    def sources_in_order(self, ctx: Context) -> list[int]:
        """The project's sources in the list's order."""
        return sorted(ctx.sources, key=lambda s: int(self.source_rank[s]))

    def parts(self, ctx: Context, segs: Segments) -> Iterator[tuple[int, list[list]]]:
        """The rows of ``segs`` in the list's order (code as in the codebook, source, start, coder)
        as batches of columns, each with the place of its code in the codebook's order (a batch
        holds one code's rows)."""
        live = segs.live()
        if len(live) == 0:
            return
        pairs = segs.pairs
        # pieces grouped by segment (pairs are sorted by segment); every piece belongs to a live segment
        bounds = np.searchsorted(pairs["seg"], np.append(live, np.iinfo(np.int64).max))
        first = bounds[:-1]
        several = np.flatnonzero(np.diff(bounds) > 1)  # segments over more than one turn: values joined
        words = np.add.reduceat(segs.words(), first)
        turns = ctx.turns
        speakers, timestamps = ctx.turn_labels()
        piece_columns = [(_lookup(turns["idx"].tolist()), pairs["turn"]), (_lookup(timestamps), pairs["turn"]),
                         (_lookup(speakers), pairs["turn"]),
                         (self.participant_names, np.where(pairs["pid"] < self.top, pairs["pid"], -1))]
        for name in self.attr_names:
            value, labels = ctx.value_codes(name, segs)
            # 0 is "(none)": an empty cell; the indexes as int32, held for the whole list
            piece_columns.append((_lookup(["", *labels[1:]]), value.astype(np.int32)))
        coder_names = [*segs.coders, ""]  # index -1: merged across coders
        coder_rank = np.argsort(np.argsort(np.array(coder_names, dtype=object), kind="stable"), kind="stable")
        sid, code, coder = segs.sid[live], segs.code[live], segs.coder[live]
        # the order is decided before any row is made, so rows can be written as they are made
        order = np.lexsort((coder_rank[coder], segs.start[live], self.source_rank[sid], self.code_rank[code]))
        for cid in present(code).tolist():
            if cid not in self.code_values:
                node = self.tree.by_id[cid]
                self.code_values[cid] = (node["code"], node["path"], self.tree.label(cid, self.lang))
        code_values = self.code_values
        coder_values = _lookup(segs.coders)
        start, end, codings = segs.start[live], segs.end[live], segs.codings[live]
        ranks = self.code_rank[code[order]]
        groups = np.append(np.flatnonzero(np.diff(ranks)) + 1, len(order))
        low = 0
        for high in groups.tolist():
            for at in range(low, high, CHUNK):
                pick = order[at:min(at + CHUNK, high)]
                sids, starts, ends = sid[pick].tolist(), start[pick].tolist(), end[pick].tolist()
                texts = ctx.texts(sids)
                code_cells = [code_values[c] for c in code[pick].tolist()]
                out = [self.source_names[sid[pick]].tolist(), [c[0] for c in code_cells],
                       [c[1] for c in code_cells], [c[2] for c in code_cells], coder_values[coder[pick]].tolist(),
                       starts, ends, [texts[s][a:b] for s, a, b in zip(sids, starts, ends)],
                       codings[pick].tolist(), words[pick].tolist()]
                for lookup, index in piece_columns:
                    out.append(lookup[index[first[pick]]].tolist())
                joined = np.flatnonzero(np.isin(pick, several))
                for row in joined.tolist():  # a segment over several turns: each value once, in order
                    a, b = bounds[pick[row]], bounds[pick[row] + 1]
                    for column, (lookup, index) in enumerate(piece_columns, start=10):
                        out[column][row] = join_values(lookup[index[a:b]].tolist())
                yield int(ranks[low]), out
            low = high
