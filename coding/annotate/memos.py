"""Memos: the analyst's notes on the project, a source, a code or a coding, each with author and time.

Memos also come from Word comments that name no code (kept on the commented text) and from REFI
notes; they all live in one table and are listed, shown, edited and deleted the same way. A memo on
a coding keeps the coding's source and span: if the coding goes (auto-coding replaces its own),
the memo stays on that text.
"""

from __future__ import annotations

from ..errors import CodingError, NotFound
from ..records import CodeTree
from ..store import Store

TARGETS = ("project", "source", "span", "code", "coding")


def _target(row) -> tuple[str, str]:
    """What a memo is on, as a kind and a short description."""
    if row["coding_id"] is not None and row["coding_present"] is not None:
        return "coding", (f"coding {row['coding_id']} ({row['coding_code']} by {row['coding_coder']} in "
                          f"{row['source']} {row['start']}-{row['end']})")
    if row["code_id"] is not None:
        return "code", f"code {row['code']}"
    if row["source_id"] is not None and row["start"] is not None:
        gone = f", coding {row['coding_id']} removed" if row["coding_id"] is not None else ""
        return "span", f"{row['source']} {row['start']}-{row['end']}{gone}"
    if row["source_id"] is not None:
        return "source", f"source {row['source']}"
    return "project", "project"


def memo_record(store: Store, row, with_quote: bool = True) -> dict:
    kind, on = _target(row)
    record = {"id": row["id"], "on": kind, "target": on, "source": row["source"] or "",
              "code": row["code"] or row["coding_code"] or "", "coding": row["coding_id"] if kind == "coding" else None,
              "start": row["start"], "end": row["end"], "author": row["author"] or "", "origin": row["origin"],
              "created_at": row["created_at"], "updated_at": row["updated_at"] or "", "text": row["text"],
              "guid": row["guid"]}
    if with_quote:
        record["quote"] = ""
        if row["source_id"] is not None and row["start"] is not None and row["end"] is not None:
            record["quote"] = store.source_text(row["source_id"])[row["start"]:row["end"]]
    return record


def add_memo(store: Store, text: str, *, source: str | None = None, code: str | None = None,
             coding: int | None = None, author: str | None = None, start: int | None = None,
             end: int | None = None) -> dict:
    """Add a memo on the project (no target), a source (optionally a span of it), a code or a coding."""
    if not text or not text.strip():
        raise CodingError("a memo needs some text")
    given = [name for name, value in (("--source", source), ("--code", code), ("--coding", coding))
             if value is not None]
    if len(given) > 1:
        raise CodingError(f"a memo is on one thing: give only one of {', '.join(given)}")
    if (start is None) != (end is None):
        raise CodingError("give both start and end for a memo on a span")
    fields: dict = {}
    if source is not None:
        row = store.source_by_name(source)
        if row is None:
            raise NotFound(f"no source named '{source}' in the project")
        fields["source_id"] = row["id"]
        if start is not None:
            length = store.source_length(row["id"])
            if not 0 <= start < end <= length:
                raise CodingError(f"{start}-{end} is not a span of {source} (0 to {length}, start before end)")
            fields.update(start=start, end=end)
    elif start is not None:
        raise CodingError("a span (start, end) needs a source")
    if code is not None:
        fields["code_id"] = CodeTree.load(store).get(code)["id"]
    if coding is not None:
        row = store.coding_by_id(int(coding))
        if row is None:
            raise NotFound(f"no coding with id {coding} in the project (see 'coding codings --format json')")
        fields.update(coding_id=row["id"], source_id=row["source_id"], start=row["start"], end=row["end"])
    memo_id = store.insert_memo(text=text.strip(), author=author, origin="manual", **fields)
    return memo_record(store, store.memo_by_id(memo_id))


def get_memo(store: Store, memo_id: int) -> dict:
    row = store.memo_by_id(int(memo_id))
    if row is None:
        raise NotFound(f"no memo with id {memo_id} in the project (see 'coding memo list')")
    return memo_record(store, row)


def list_memos(store: Store, *, source: str | None = None, code: str | None = None,
               author: str | None = None, on: str | None = None) -> list[dict]:
    """Every memo (oldest first) with what it is on; filters by source, code, author, kind of target."""
    source_id = None
    slug = None
    if source is not None:
        row = store.source_by_name(source)
        if row is None:
            raise NotFound(f"no source named '{source}' in the project")
        source_id = row["id"]
    if code is not None:
        slug = CodeTree.load(store).get(code)["code"]
    if on is not None and on not in TARGETS:
        raise CodingError(f"'{on}' is not a kind of memo ({', '.join(TARGETS)})")
    records = [memo_record(store, row) for row in store.all_memos(source_id=source_id, author=author)]
    if slug is not None:
        records = [r for r in records if r["on"] in ("code", "coding") and r["code"] == slug]
    if on is not None:
        records = [r for r in records if r["on"] == on]
    return records


def edit_memo(store: Store, memo_id: int, text: str) -> dict:
    get_memo(store, memo_id)
    if not text or not text.strip():
        raise CodingError("a memo needs some text (to remove it: coding memo delete ID)")
    store.update_memo_text(int(memo_id), text.strip())
    return get_memo(store, memo_id)


def delete_memo(store: Store, memo_id: int) -> dict:
    record = get_memo(store, memo_id)
    store.delete_memo(int(memo_id))
    return record
