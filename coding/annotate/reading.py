"""A source cut into pages for reading (the workspace, issue 26).

A page holds whole turns up to about :data:`PAGE_CHARS` characters; a turn longer than that is cut
into blocks at a line break or a space, so a transcript of millions of characters opens as fast as
a short one. Text between turns that is not blank (a title line) is a block without a speaker.
Offsets are the project's: code points into the stored text, end exclusive.
"""

from __future__ import annotations

import bisect
from typing import Any

from .codings import find_source
from ..store import Store

PAGE_CHARS = 20_000


def _cut(text: str, start: int, end: int, limit: int) -> list[tuple[int, int]]:
    """[start, end) in pieces of at most ``limit`` characters, cut after a line break or a space."""
    out = []
    while end - start > limit:
        window = text[start + limit // 2:start + limit]
        at = window.rfind("\n")
        if at < 0:
            at = window.rfind(" ")
        cut = start + limit // 2 + at + 1 if at >= 0 else start + limit
        out.append((start, cut))
        start = cut
    out.append((start, end))
    return out


def blocks(store: Store, source_id: int, text: str, digest: str) -> list[dict]:
    """Every block of a source in text order: turn number (None between turns), start, end, and
    whether it begins its turn. Kept in ``store.memo`` per source and text digest."""
    rows = store.tuples('SELECT idx, start, "end" FROM turns WHERE source_id = ? ORDER BY start, idx', (source_id,))
    key = f"reading:{source_id}:{digest}:{len(rows)}"
    kept = store.memo.get(key)
    if kept is not None:
        return kept
    out: list[dict] = []
    at = 0

    def gap(start: int, end: int) -> None:
        # the text before a turn on its own line ("Sara: ") is the turn's label, not a block
        if end < len(text):
            end = start + text[start:end].rfind("\n") + 1
        if text[start:end].strip():
            for s, e in _cut(text, start, end, PAGE_CHARS):
                out.append({"turn": None, "start": s, "end": e, "first": True})

    for idx, start, end in rows:
        if start > at:
            gap(at, start)
        for k, (s, e) in enumerate(_cut(text, start, end, PAGE_CHARS)):
            out.append({"turn": idx, "start": s, "end": e, "first": k == 0})
        at = max(at, end)
    if at < len(text):
        gap(at, len(text))
    store.memo[key] = out
    return out


def pages(items: list[dict]) -> list[int]:
    """Index of the first block of each page."""
    firsts, held = [0] if items else [], 0
    for k, b in enumerate(items):
        if held and held + (b["end"] - b["start"]) > PAGE_CHARS:
            firsts.append(k)
            held = 0
        held += b["end"] - b["start"]
    return firsts


def source_page(store: Store, name: str, page: int = 1, *, coder: str | None = None, origin: str | None = None,
                at: int | None = None) -> dict[str, Any]:
    row = find_source(store, name)
    text = row["text"]
    items = blocks(store, row["id"], text, row["text_sha256"])
    firsts = pages(items)
    count = max(1, len(firsts))
    if at is not None and items:
        k = max(0, bisect.bisect_right([b["start"] for b in items], int(at)) - 1)
        page = bisect.bisect_right(firsts, k)
    page = min(max(1, int(page)), count)
    lo = firsts[page - 1] if firsts else 0
    hi = firsts[page] if page < len(firsts) else len(items)
    shown = items[lo:hi]
    turns = {}
    if shown:
        numbers = [b["turn"] for b in shown if b["turn"] is not None]
        if numbers:
            for t in store.turns_between(row["id"], min(numbers), max(numbers)):
                turns[t["idx"]] = t
    out_blocks = []
    for b in shown:
        t = turns.get(b["turn"]) if b["turn"] is not None else None
        out_blocks.append({"turn": b["turn"], "start": b["start"], "end": b["end"], "first": b["first"],
                           "speaker": t["speaker"] if t is not None else None,
                           "participant": t["participant"] if t is not None else None,
                           "role": t["role"] if t is not None else None,
                           "timestamp": t["timestamp"] if t is not None else None,
                           "text": text[b["start"]:b["end"]]})
    start = shown[0]["start"] if shown else 0
    end = shown[-1]["end"] if shown else 0
    codings = [{"id": c["id"], "start": c["start"], "end": c["end"], "code": c["code"], "coder": c["coder"],
                "origin": c["origin"], "rule": c["rule"], "matched": c["matched"], "memo": c["memo"]}
               for c in store.codings_between(row["id"], start, end)
               if (coder is None or c["coder"] == coder) and (origin is None or c["origin"] == origin)]
    return {"source": row["name"], "format": row["format"], "language": row["language"],
            "characters": len(text), "attributes": store.source_attributes(row["id"]), "page": page,
            "pages": count, "start": start, "end": end, "blocks": out_blocks, "codings": codings}
