"""The code x attribute matrix evaluators put in every report.

What is counted (also in the README):

* ``segments``: segments (see :mod:`coding.analysis.segments`); a parent code counts its
  descendants' segments merged, so text coded with two sub-codes counts once for the parent.
* ``participants``: distinct participants with at least one segment (segments outside every turn
  have no participant and are not counted).
* ``sources``: distinct sources with at least one segment.
* ``words``: words of the coded text, overlaps counted once (codings of different coders and of
  sub-codes are merged first); a segment spanning two speakers gives each the words of its part.

A segment spanning the turns of two participants counts once in each of their columns.

``Total`` is the row's value with the column dimension taken away, counted the same way, so it is
*not* the sum of the row: a segment spanning a Leder's and a Sagsbehandler's turns is one segment
in the Total; a participant seen in two sources is one participant; with codes as columns the
Total is the value of all codes together, as if they were sub-codes of one parent (text coded with
two codes is one segment, a person who spoke about two themes is one person). Only ``words`` with
attribute columns adds up, because a segment's words are split between speakers.

``normalize``: ``row`` divides each cell by the row's Total, ``col`` by the column's value over all
rows together (for code rows: all codes together), ``total`` by the value of everything together;
normalised values are percentages with one decimal.

:func:`matrix_table` gives the matrix without pandas (:class:`MatrixTable`: what a command prints);
:func:`matrix` the DataFrame made from it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

import numpy as np

from ..errors import CodingError
from ..ordering import natural_key
from ..store import Store
from .segments import NONE_VALUE, ROOT, Context, build, distinct, present

if TYPE_CHECKING:
    import pandas as pd

COUNTS = ("segments", "participants", "sources", "words")
NORMALIZE = ("none", "row", "col", "total")


def _sort_key(value: str) -> tuple:
    return (value == NONE_VALUE, natural_key(value))


class MatrixTable:
    """The matrix of :func:`matrix` without pandas: ``index`` (the row ids), ``name`` (the row
    dimension), ``labels`` (the column labels), ``data`` (rows x labels) and ``totals`` (numpy
    arrays), ``attrs``; :meth:`frame` is the DataFrame, ``columns``/``values`` its columns and
    :meth:`to_numpy`, the Total column last."""

    def __init__(self, name: str, index: list[str], labels: list[str], data: np.ndarray, totals: np.ndarray,
                 attrs: dict):
        self.name, self.index, self.labels, self.data, self.totals = name, index, labels, data, totals
        self.attrs = attrs
        if "Total" in labels:   # a column value named Total: the frame's column of that name is replaced
            frame = self.frame()
            self.columns, self.values = list(frame.columns), frame.to_numpy()
        else:
            self.columns = [*labels, "Total"]
            self.values = np.concatenate([data, np.asarray(totals)[:, None]], axis=1)

    def frame(self) -> "pd.DataFrame":
        import pandas as pd

        frame = pd.DataFrame(self.data, index=pd.Index(self.index, name=self.name), columns=self.labels)
        frame["Total"] = self.totals
        frame.attrs.update(self.attrs)
        return frame


def matrix(store: Store, **options) -> "pd.DataFrame":
    """See :meth:`coding.Project.matrix`; ``options`` are those of :func:`matrix_table`."""
    return matrix_table(store, **options).frame()


def matrix_table(store: Store, *, rows: str = "code", cols: Sequence[str] | str = ("role",),
                 count: str = "segments", level: int | None = None, code: str | None = None,
                 coder: str | None = None, origin: str | None = None, source: str | None = None,
                 where: dict[str, str] | None = None, normalize: str = "none", include_interviewer: bool = False,
                 language: str | None = None, empty_codes: bool = False) -> MatrixTable:
    """The matrix of :meth:`coding.Project.matrix` as a :class:`MatrixTable` (no pandas)."""
    cols = [cols] if isinstance(cols, str) else list(cols)
    if count not in COUNTS:
        raise CodingError(f"--count must be one of {', '.join(COUNTS)}, not '{count}'")
    if normalize not in NORMALIZE:
        raise CodingError(f"--normalize must be one of {', '.join(NORMALIZE)}, not '{normalize}'")
    if not cols:
        raise CodingError("the matrix needs at least one column dimension (--cols)")
    ctx = Context.load(store)
    ctx.check_dimension(rows, "--rows")
    for name in cols:
        ctx.check_dimension(name, "--cols")
    dims = [rows, *cols]
    for name in set(dims):
        if dims.count(name) > 1:
            raise CodingError(f"'{name}' is given twice in --rows/--cols")
    code_in_rows, code_in_cols = rows == "code", "code" in cols
    has_code = code_in_rows or code_in_cols
    need_root = not has_code or code_in_cols or normalize in ("col", "total")
    segs = build(ctx, code=code, coder=coder, origin=origin, source=source, where=where,
                 include_interviewer=include_interviewer, mode="outline" if has_code else "only-root",
                 level=level, root=need_root, by_coder=count != "words" or "coder" in dims)
    top = ctx.tree.get(code)["id"] if code else None
    shown_codes = ctx.displayed_codes(mode="outline", level=level, top=top) if has_code else []
    if has_code and not empty_codes:
        # (a project with no codings at all keeps the codebook's outline, all zero)
        reached = reached_codes(ctx.tree, store.coded_code_ids())
        if reached:
            shown_codes = [c for c in shown_codes if c in reached]
    is_root = segs.code[segs.pairs["seg"]] == ROOT
    cell_mask = ~is_root if has_code else is_root

    # each dimension as an index per attributed piece (-1: not in this dimension, e.g. the root)
    index: dict[str, np.ndarray] = {}
    values: dict[str, list[str]] = {}
    for name in dims:
        if name == "code":
            position = np.full(max(max(shown_codes, default=0), int(segs.code.max(initial=0))) + 1, -1,
                               dtype=np.int64)
            position[shown_codes] = np.arange(len(shown_codes))
            index[name] = position[segs.code[segs.pairs["seg"]]]
            values[name] = [ctx.tree.by_id[c]["path"] for c in shown_codes]
            continue
        raw, labels = ctx.value_codes(name, segs)
        used = present(raw)  # values present among the attributed pieces
        ordered = sorted((labels[u] for u in used.tolist()), key=_sort_key)
        remap = np.full(len(labels), -1, dtype=np.int64)
        where_label = {label: i for i, label in enumerate(labels)}
        for pos, label in enumerate(ordered):
            remap[where_label[label]] = pos
        index[name] = remap[raw]
        values[name] = ordered

    if count == "words":
        unit = None
        weights = segs.words()
    else:
        unit = {"segments": segs.pairs["seg"], "participants": segs.pairs["pid"],
                "sources": segs.pairs["sid"]}[count]
        weights = None

    def measure(mask: np.ndarray, names: list[str]) -> np.ndarray:
        sizes = [len(values[n]) for n in names]
        total = int(np.prod(sizes)) if names else 1
        group = np.zeros(len(mask), dtype=np.int64)
        valid = mask.copy()
        for n, size in zip(names, sizes):
            group = group * size + index[n]
            valid &= index[n] >= 0
        if weights is not None:
            out = np.bincount(group[valid], weights=weights[valid], minlength=total)
            return np.rint(out).astype(np.int64).reshape(sizes)
        u = unit[valid]
        g = group[valid][u >= 0]
        u = u[u >= 0]
        if _ascending(u):
            # every unit once (segments that each lie in one turn, in segment order): nothing to
            # count twice, and no sort of a few million (group, unit) pairs
            return np.bincount(g, minlength=total).astype(np.int64).reshape(sizes)
        span = int(u.max(initial=0)) + 1
        pairs = distinct(g * span + u)
        return np.bincount(pairs // span, minlength=total).astype(np.int64).reshape(sizes)

    cells = measure(cell_mask, dims)
    n_rows = len(values[rows])
    flat = cells.reshape(n_rows, int(np.prod([len(values[c]) for c in cols])))
    # column combinations: every value combination that occurs (all shown codes for code columns)
    col_sizes = [len(values[c]) for c in cols]
    if cols == ["code"]:
        combos = list(range(len(values["code"])))
    else:
        occurs = np.zeros(int(np.prod(col_sizes)), dtype=bool)
        group = np.zeros(len(cell_mask), dtype=np.int64)
        valid = cell_mask.copy()
        for n, size in zip(cols, col_sizes):
            group = group * size + index[n]
            valid &= index[n] >= 0
        occurs[group[valid]] = True
        combos = np.flatnonzero(occurs).tolist()
    col_keys = [tuple(values[c][i] for c, i in zip(cols, np.unravel_index(k, col_sizes))) for k in combos]
    flat = flat[:, combos] if combos else np.zeros((n_rows, 0), dtype=np.int64)

    row_mask = is_root if code_in_cols else cell_mask
    row_total = measure(row_mask, [rows]).astype(np.int64)
    row_ids = values[rows]
    if rows != "code":  # attribute rows: only values that occur
        keep = [i for i in range(n_rows) if flat[i].any() or row_total[i]]
        flat, row_total, row_ids = flat[keep], row_total[keep], [row_ids[i] for i in keep]

    if normalize == "none":
        data = flat
        totals = row_total
    else:
        grand = int(measure(is_root, []).reshape(-1)[0]) if need_root else 0
        if normalize == "row":
            den = np.repeat(row_total[:, None], flat.shape[1], axis=1)
            tot_den = row_total
        elif normalize == "col":
            col_mask = is_root if code_in_rows else cell_mask
            col_den = measure(col_mask, cols).reshape(-1)[combos] if combos else np.zeros(0)
            den = np.repeat(np.asarray(col_den)[None, :], flat.shape[0], axis=0)
            tot_den = np.full(len(row_total), grand)
        else:
            den = np.full(flat.shape, grand)
            tot_den = np.full(len(row_total), grand)
        data = _percent(flat, den)
        totals = _percent(row_total, tot_den)

    labels = [" / ".join(k) for k in col_keys]
    lang = ctx.language(language)
    by_path = {n["path"]: n for n in ctx.tree.by_id.values()}
    return MatrixTable(rows, list(row_ids), labels, data, totals, {
        "rows": rows, "cols": cols, "count": count, "normalize": normalize, "level": level,
        "language": lang, "col_keys": col_keys,
        "row_labels": {r: (ctx.tree.label(by_path[r]["id"], lang) if rows == "code" else r) for r in row_ids},
        "row_depth": {r: (by_path[r]["depth"] if rows == "code" else 1) for r in row_ids},
        "col_labels": {lab: " / ".join(ctx.tree.label(by_path[v]["id"], lang) if c == "code" else v
                                       for c, v in zip(cols, key)) for lab, key in zip(labels, col_keys)},
    })


def reached_codes(tree, coded: set[int]) -> set[int]:
    """Codes that have codings themselves or below them (a parent counts its subtree)."""
    out: set[int] = set()
    for code_id in coded:
        node = tree.by_id.get(code_id)
        while node is not None and node["id"] not in out:
            out.add(node["id"])
            node = tree.by_id.get(node["parent_id"])
    return out


def _ascending(values: np.ndarray) -> bool:
    """Whether the values strictly increase (so no value comes twice)."""
    return len(values) < 2 or bool(np.all(values[1:] > values[:-1]))


def _percent(part: np.ndarray, whole: np.ndarray) -> np.ndarray:
    part = np.asarray(part, dtype=float)
    whole = np.asarray(whole, dtype=float)
    out = np.zeros_like(part)
    np.divide(part * 100.0, whole, out=out, where=whole > 0)
    return np.round(out, 1)


def _value(v):
    return v.item() if hasattr(v, "item") else v


TOTAL_WORDS = {"da": "I alt", "en": "Total"}


def _shape(matrix) -> tuple[str, list, list, object]:
    """Row dimension, row ids, columns and values (rows x columns) of a MatrixTable or a DataFrame."""
    if isinstance(matrix, MatrixTable):
        return matrix.name, matrix.index, matrix.columns, matrix.values
    return matrix.index.name, list(matrix.index), list(matrix.columns), matrix.to_numpy()


def matrix_rows(frame, *, for_people: bool = False) -> tuple[list[dict], list[str]]:
    """The wide table (a :class:`MatrixTable` or the DataFrame of :func:`matrix`) as records: first
    column named after the row dimension, then the columns.

    ``for_people`` (tables, CSV, Markdown, Excel): code rows get a ``label`` column in the table's
    language beside their id, and the total column is named in that language ("I alt" in Danish,
    as in the report and the Word tables)."""
    first, index, frame_columns, table = _shape(frame)
    language = frame.attrs.get("language") or "en"
    total = TOTAL_WORDS.get(language, "Total") if for_people else "Total"
    names = {c: (total if c == "Total" else str(c)) for c in frame_columns}
    labels = frame.attrs.get("row_labels", {}) if for_people and first == "code" else None
    columns = [first, *(["label"] if labels is not None else []), *names.values()]
    records = []
    for row_id, values in zip(index, table):
        record = {first: row_id}
        if labels is not None:
            record["label"] = labels.get(row_id, row_id)
        record.update({names[c]: _value(v) for c, v in zip(frame_columns, values)})
        records.append(record)
    return records, columns


def matrix_records(frame) -> list[dict]:
    """The long form for JSON (of a :class:`MatrixTable` or the DataFrame of :func:`matrix`): one
    ``{row, col..., count}`` per cell (the Total column left out)."""
    first, index, frame_columns, table = _shape(frame)
    cols = frame.attrs.get("cols") or ["col"]
    keys = frame.attrs.get("col_keys") or [(c,) for c in frame_columns if c != "Total"]
    shown = [(j, c) for j, c in enumerate(frame_columns) if c != "Total"]
    out = []
    for i, row_id in enumerate(index):
        for (j, label), key in zip(shown, keys):
            record = {first: row_id}
            record.update(dict(zip(cols, key)))
            record["count"] = _value(table[i][j])
            out.append(record)
    return out
