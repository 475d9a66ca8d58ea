"""The kept copy of the codings that every analysis reads: one packed row per source.

Reading every coding out of SQLite (even from a covering index, as comma-joined integers) is the
slow part of a matrix; the same codings as fixed-size records in one blob per source are read at
the speed of a file. A source's row is made from its codings in ``(start, end, code,
coder, origin)`` order, the order of the ``codings_analysis`` index:

* ``coders`` and ``origins``: JSON lists of names; a record's coder and origin are indexes into them.
* ``data``: the records (:data:`RECORD`, 16 bytes each, little-endian).

The store (:meth:`coding.store.Store.coding_table`) makes a row when it finds none and triggers on
``codings`` and ``sources`` drop a source's row whenever its codings change in any way, so a row is
never out of date. Here: turning columns into rows and rows back into columns (numpy only)."""

from __future__ import annotations

import functools
import json
from typing import Any, Iterable

import numpy as np

RECORD = np.dtype([("start", "<u4"), ("end", "<u4"), ("code_id", "<i4"), ("coder", "<u2"), ("origin", "<u2")])
NAMES_MAX = int(np.iinfo(np.uint16).max)  # coders (or origins) a row can name


def fits(columns: dict[str, Any]) -> bool:
    """Whether these columns can be kept as records (positions below 2**32, code ids below 2**31,
    at most 65,535 coders and origins); if not, they are read from the codings every time."""
    if len(columns["coders"]) > NAMES_MAX or len(columns["origins"]) > NAMES_MAX:
        return False
    if not len(columns["start"]):
        return True
    return (int(columns["start"].min()) >= 0 and int(columns["end"].min()) >= 0
            and int(max(columns["start"].max(), columns["end"].max())) < 2**32
            and int(columns["code_id"].min()) >= 0 and int(columns["code_id"].max()) < 2**31)


def to_rows(columns: dict[str, Any], source_ids: Iterable[int]) -> list[tuple[int, str, str, bytes]]:
    """One ``(source_id, coders, origins, data)`` row for each of ``source_ids`` (a source without
    codings gets an empty row: it is known to have none). ``columns`` are in source order."""
    coders, origins = json.dumps(columns["coders"]), json.dumps(columns["origins"])
    wanted = np.asarray(sorted(source_ids), dtype=np.int64)
    bounds = np.searchsorted(columns["source_id"], np.append(wanted, np.iinfo(np.int64).max))
    records = np.empty(len(columns["start"]), dtype=RECORD)
    for name in RECORD.names:
        records[name] = columns[name]
    return [(int(sid), coders, origins, records[bounds[i]:bounds[i + 1]].tobytes())
            for i, sid in enumerate(wanted.tolist())]


def source_row(source_id: int, start: np.ndarray, end: np.ndarray, code_id: np.ndarray, coder: str,
               origin: str) -> tuple[int, str, str, bytes] | None:
    """The row of a source whose codings are all of one coder and origin (auto-coding's, made from
    what it stores), or None if they do not fit in records."""
    columns = {"start": start, "end": end, "code_id": code_id, "coders": [coder], "origins": [origin]}
    if not fits(columns):
        return None
    order = np.lexsort((code_id, end, start))
    records = np.zeros(len(order), dtype=RECORD)
    for name in ("start", "end", "code_id"):
        records[name] = columns[name][order]
    return source_id, _one_name(coder), _one_name(origin), records.tobytes()


@functools.lru_cache(maxsize=64)
def _one_name(name: str) -> str:
    return json.dumps([name])


def from_rows(rows: list[tuple[int, str, str, bytes]]) -> tuple[dict[str, Any], list[int]]:
    """The columns of these rows (in source order) and the sources whose rows are damaged (left
    out: a blob that is no whole number of records, names that are no JSON list, or an index past
    the names)."""
    bad: list[int] = []
    sids: list[int] = []
    counts: list[int] = []
    blobs: list[bytes] = []
    keys: list[tuple[str, str]] = []
    parsed: dict[str, list[str] | None] = {}
    for sid, coders, origins, data in rows:
        for text in (coders, origins):
            if text not in parsed:
                parsed[text] = _names(text)
        if len(data) % RECORD.itemsize or parsed[coders] is None or parsed[origins] is None:
            bad.append(sid)
            continue
        sids.append(sid)
        counts.append(len(data) // RECORD.itemsize)
        blobs.append(data)
        keys.append((coders, origins))
    records = np.frombuffer(b"".join(blobs), dtype=RECORD)
    count = np.asarray(counts, dtype=np.int64)
    out: dict[str, Any] = {"source_id": np.repeat(np.asarray(sids, dtype=np.int64), count)}
    for name in ("start", "end", "code_id"):
        out[name] = records[name].astype(np.int64)
    valid = np.ones(len(records), dtype=bool)
    for field, position in (("coder", 0), ("origin", 1)):
        lists = {key[position]: parsed[key[position]] for key in keys}
        names = sorted({n for own in lists.values() for n in own})  # type: ignore[union-attr]
        rank = {n: i for i, n in enumerate(names)}
        offset, lookup = {}, []
        for text, own in lists.items():
            offset[text] = len(lookup)
            lookup.extend(rank[n] for n in own)  # type: ignore[union-attr]
        if len(lists) < 2:  # the usual case: every source names the same coders (origins)
            size, first = len(lookup), 0
        else:
            size = np.repeat(np.asarray([len(lists[k[position]]) for k in keys], dtype=np.int64), count)
            first = np.repeat(np.asarray([offset[k[position]] for k in keys], dtype=np.int64), count)
        local = records[field].astype(np.int64)
        valid &= local < size
        out[field] = np.asarray(lookup + [0], dtype=np.int64)[np.minimum(first + local, len(lookup))]
        out[field + "s"] = names
    if not valid.all():
        broken = set(np.unique(out["source_id"][~valid]).tolist())
        fine, more = from_rows([row for row in rows if row[0] not in broken and row[0] not in bad])
        return fine, sorted({*bad, *broken, *more})
    return out, bad


def _names(text: str) -> list[str] | None:
    try:
        value = json.loads(text)
    except ValueError:
        return None
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    return None


def combine(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """Columns of several sets of sources (no source in two) as one, in source order, with one list
    of coders and of origins."""
    parts = [p for p in parts if len(p["start"])]
    if len(parts) < 2:
        return parts[0] if parts else empty()
    out: dict[str, Any] = {}
    for field in ("coder", "origin"):
        names = sorted({n for p in parts for n in p[field + "s"]})
        rank = {n: i for i, n in enumerate(names)}
        out[field] = np.concatenate([np.asarray([rank[n] for n in p[field + "s"]], dtype=np.int64)[p[field]]
                                     for p in parts])
        out[field + "s"] = names
    for name in ("source_id", "start", "end", "code_id"):
        out[name] = np.concatenate([p[name] for p in parts])
    sid = out["source_id"]
    if len(sid) > 1 and not np.all(sid[1:] >= sid[:-1]):
        order = np.argsort(sid, kind="stable")  # each part is in source order already
        for name in ("source_id", "start", "end", "code_id", "coder", "origin"):
            out[name] = out[name][order]
    return out


def select(table: dict[str, Any], *, code_ids: Iterable[int] | None = None, coder: str | None = None,
           origin: str | None = None, source_id: int | None = None) -> dict[str, Any]:
    """The codings of ``table`` (see :meth:`coding.store.Store.coding_table`) that pass the filters,
    as the analysis takes them, in source and start order: ``position`` (source_id * 2**32 + start),
    ``source_id``, ``start``, ``end``, ``code_id``, ``coder`` (an index into ``coders``, the names
    of the coders of these codings in name order)."""
    keep = np.ones(len(table["start"]), dtype=bool)
    if source_id is not None:
        keep &= table["source_id"] == source_id
    if code_ids is not None:
        keep &= np.isin(table["code_id"], np.fromiter(code_ids, dtype=np.int64))
    for field, wanted in (("coder", coder), ("origin", origin)):
        if wanted is not None:
            names = table[field + "s"]
            keep &= table[field] == (names.index(wanted) if wanted in names else -1)
    columns = {name: table[name] for name in ("source_id", "start", "end", "code_id", "coder")}
    if not keep.all():
        columns = {name: values[keep] for name, values in columns.items()}
    present = np.bincount(columns["coder"], minlength=len(table["coders"])) > 0
    columns["coders"] = [name for name, used in zip(table["coders"], present.tolist()) if used]
    if len(columns["coders"]) < len(table["coders"]):
        columns["coder"] = (np.cumsum(present) - 1)[columns["coder"]]
    columns["position"] = columns["source_id"] * 4294967296 + columns["start"]
    return columns


def empty() -> dict[str, Any]:
    none = np.zeros(0, dtype=np.int64)
    return {"source_id": none, "start": none, "end": none, "code_id": none, "coder": none, "origin": none,
            "coders": [], "origins": []}
