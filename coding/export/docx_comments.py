"""A transcript with its codings as Word comments, for review in Word and import back.

The document holds the source's plain text, one paragraph per line, speaker labels in bold, so that
importing it gives the same text. Each coding becomes a comment on exactly its text (whitespace at
the edges left out), author = coder, comment text = the code's label (or its id where a label would
not lead back to the one code); codings of one coder on the same text share a comment
(``Ledelse; Samarbejde``). Memos on a range become comments with the memo's text.
"""

from __future__ import annotations

import bisect
import re
from collections import defaultdict
from pathlib import Path

from ..errors import NotFound
from ..importing.manual import CodeNames, trim
from ..records import CodeTree
from ..store import Store
from .docx_util import save_document

XML_UNSAFE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _initials(name: str) -> str:
    parts = [p for p in re.split(r"[\s._-]+", name) if p]
    return "".join(p[0] for p in parts[:3]).upper() or "?"


def export_docx(store: Store, source_name: str, path: str | Path, coder: str | None = None) -> dict[str, int]:
    """Write ``path``; return counts of comments, codings and memos written and codings skipped."""
    import docx

    source = store.source_by_name(source_name)
    if source is None:
        raise NotFound(f"no source named '{source_name}' in the project")
    text = XML_UNSAFE.sub(" ", source["text"])
    tree = CodeTree.load(store)
    names = CodeNames(tree)
    language = source["language"] or "da"
    order = {n["id"]: i for i, n in enumerate(tree.ordered())}

    # comments to write: (start, end, author) -> list of texts
    groups: dict[tuple[int, int, str], list[str]] = defaultdict(list)
    codings = skipped = 0
    seen: set[tuple[int, int, str, int]] = set()
    rows = sorted(store.codings(source_id=source["id"], coder=coder),
                  key=lambda r: (r["start"], r["end"], r["coder"], order.get(r["code_id"], 0)))
    for row in rows:
        start, end = trim(text, row["start"], row["end"])
        if end <= start:
            skipped += 1
            continue
        key = (start, end, row["coder"], row["code_id"])
        if key in seen:
            continue
        seen.add(key)
        groups[(start, end, row["coder"])].append(names.label(row["code_id"], language))
        codings += 1
    memos = 0
    for memo in store.memos(source["id"]):
        if memo["start"] is None or memo["end"] is None or (coder is not None and memo["author"] != coder):
            continue
        start, end = trim(text, memo["start"], memo["end"])
        if end <= start or not memo["text"].strip():
            continue
        groups[(start, end, memo["author"] or "unknown")].append(memo["text"].strip())
        memos += 1

    # paragraphs and the points where runs must be cut
    paragraphs: list[tuple[int, int]] = []
    position = 0
    for line in text.split("\n"):
        paragraphs.append((position, position + len(line)))
        position += len(line) + 1
    cuts: dict[int, set[int]] = defaultdict(set)
    starts = [p[0] for p in paragraphs]

    def paragraph_of(offset: int) -> int:
        return bisect.bisect_right(starts, offset) - 1

    for start, end, _ in groups:
        cuts[paragraph_of(start)].add(start)
        cuts[paragraph_of(end - 1)].add(end)
    bold: dict[int, tuple[int, int]] = {}
    for turn in store.turns(source["id"]):
        index = paragraph_of(turn["start"])
        p_start, p_end = paragraphs[index]
        label_end = p_start + len(text[p_start:turn["start"]].rstrip())
        if p_start < label_end <= p_end and index not in bold:
            bold[index] = (p_start, label_end)
            cuts[index].add(label_end)

    document = docx.Document()
    document.core_properties.language = language
    title = store.source_attributes(source["id"]).get("title")
    if title:
        document.core_properties.title = title
    run_at_start: dict[int, object] = {}
    run_at_end: dict[int, object] = {}
    for index, (p_start, p_end) in enumerate(paragraphs):
        paragraph = document.add_paragraph()
        points = sorted({p_start, p_end} | {c for c in cuts.get(index, ()) if p_start < c < p_end})
        for a, b in zip(points, points[1:]):
            run = paragraph.add_run(text[a:b])
            if index in bold and b <= bold[index][1]:
                run.bold = True
            run_at_start[a] = run
            run_at_end[b] = run
    comments = 0
    for (start, end, author), texts in sorted(groups.items()):
        document.add_comment([run_at_start[start], run_at_end[end]], text="; ".join(texts),
                             author=author, initials=_initials(author))
        comments += 1
    save_document(document, path, language)
    return {"comments": comments, "codings": codings, "memos": memos, "skipped": skipped}
