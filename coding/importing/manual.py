"""Coding by hand: Word comments and spreadsheet rows become codings.

* A Word comment whose text names codes (code id, path or any label; case and spacing ignored;
  several separated by ``;`` or on separate lines) codes the commented text, coder = the comment's
  author, origin ``word-comment``. Text of a comment that names no code is reported with its
  paragraph and kept as a memo on the commented range. Re-reading a file replaces, per author
  found in it, that author's Word-comment codings and memos of the source: unchanged codings keep
  their identity, new ones are added, vanished ones removed.
* A spreadsheet (``.xlsx`` or ``.csv``) with columns ``source``, ``code``, ``coder`` and either
  ``start`` + ``end`` or ``turn`` adds codings of origin ``spreadsheet``; every bad row is reported
  with its row number and nothing of the file is imported.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..ingest.model import Transcript
from ..ingest.word_comments import WordComment, read_word_comments
from ..records import CodeTree
from ..store import Store
from .sources import ImportReport, sha256, store_transcript

ORIGIN_WORD = "word-comment"
ORIGIN_SPREADSHEET = "spreadsheet"
UNKNOWN_AUTHOR = "unknown"
CODE_SEPARATORS = re.compile(r"[;\n]")


def name_key(name: Any) -> str:
    """How code names are compared: case and all spacing ignored."""
    return "".join(str(name).split()).casefold()


def _short(text: str, width: int = 70) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


class CodeNames:
    """Finds a code by id, path or any of its labels."""

    def __init__(self, tree: CodeTree):
        self.tree = tree
        self.by_key: dict[str, set[int]] = {}
        self.by_id_key: dict[str, int] = {}
        for node in tree.by_id.values():
            self.by_id_key[name_key(node["code"])] = node["id"]
            names = [node["code"], node["path"]]
            for value in node["labels"].values():
                names.extend(value if isinstance(value, (list, tuple)) else [value])
            for name in names:
                if name not in (None, ""):
                    self.by_key.setdefault(name_key(name), set()).add(node["id"])

    def find(self, name: str) -> tuple[dict | None, str | None]:
        """The code named, or None and why not."""
        exact = self.tree.by_code.get(name.strip())
        if exact is not None:
            return exact, None
        key = name_key(name)
        if key in self.by_id_key:
            return self.tree.by_id[self.by_id_key[key]], None
        ids = self.by_key.get(key, set())
        if len(ids) == 1:
            return self.tree.by_id[next(iter(ids))], None
        if ids:
            which = ", ".join(sorted(self.tree.by_id[i]["code"] for i in ids))
            return None, f"'{name.strip()}' names several codes ({which}); use the code id"
        return None, f"no code '{name.strip()}' in the project's codebook"

    def label(self, code_id: int, language: str) -> str:
        """A label that leads back to exactly this code (the code id when the label would not)."""
        node = self.tree.by_id[code_id]
        labels = node["labels"]
        for candidate in (labels.get(language), labels.get("da"), labels.get("en")):
            if isinstance(candidate, str) and candidate.strip():
                found, _ = self.find(candidate)
                if found is not None and found["id"] == code_id and ";" not in candidate:
                    return candidate.strip()
        return node["code"]


def trim(text: str, start: int, end: int) -> tuple[int, int]:
    """``[start, end)`` without the white space at either end."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


# --------------------------------------------------------------------------- Word comments


@dataclass
class _CoderComments:
    codings: dict[tuple[int, int, int], str] = field(default_factory=dict)  # (start, end, code_id) -> comment
    memos: list[tuple[int | None, int | None, str]] = field(default_factory=list)


def import_docx(store: Store, path: Path, raw: bytes, transcript: Transcript, replace: bool,
                report: ImportReport) -> None:
    """Import a Word transcript and its comments.

    A commented copy of a transcript already in the project under another name (same text) does not
    become a second source: its comments are read onto the source that has that text."""
    comments = read_word_comments(path, raw, transcript, document=transcript.document)  # opened once
    transcript.document = None
    if comments and store.source_by_name(transcript.name) is None:
        twin = store.source_by_text_sha256(sha256(transcript.text))
        if twin is not None and twin["text"] == transcript.text:
            report.notes.append(f"{transcript.name}: same text as {twin['name']}; its Word comments are "
                                f"read onto {twin['name']} (no new source)")
            apply_word_comments(store, int(twin["id"]), comments, path, report)
            return
    source_id = store_transcript(store, path, raw, transcript, replace, report)
    if comments:
        apply_word_comments(store, source_id, comments, path, report)


def apply_word_comments(store: Store, source_id: int, comments: list[WordComment], file: Path | str,
                        report: ImportReport) -> dict[str, dict[str, int]]:
    """Turn comments into codings and memos of one source; return counts per coder."""
    source = store.source_by_id(source_id)
    text = source["text"]
    names = CodeNames(CodeTree.load(store))
    by_coder: dict[str, _CoderComments] = {}
    for comment in comments:
        coder = comment.author or comment.initials or UNKNOWN_AUTHOR
        bucket = by_coder.setdefault(coder, _CoderComments())
        where = f"{Path(file).name}, {comment.place}"
        if not comment.text.strip():
            report.warnings.append(f"{where}: empty comment by {coder} ignored")
            continue
        start, end = (trim(text, comment.start, comment.end) if comment.start is not None
                      and comment.end is not None else (None, None))
        if start is None or end is None or end <= start:
            report.warnings.append(f"{where}: comment by {coder} marks no text; kept as a memo on the "
                                   f"source: '{_short(comment.text)}'")
            bucket.memos.append((None, None, comment.text))
            continue
        codes, leftovers, problems = [], [], []
        for part in CODE_SEPARATORS.split(comment.text):
            if not part.strip():
                continue
            node, problem = names.find(part)
            if node is None:
                leftovers.append(part.strip())
                problems.append(problem)
            else:
                codes.append(node)
        for node in codes:
            bucket.codings.setdefault((start, end, node["id"]), comment.text)
        if leftovers:
            memo = comment.text if not codes else "; ".join(leftovers)
            bucket.memos.append((start, end, memo))
            what = "names no code" if not codes else "has text that names no code"
            report.warnings.append(f"{where}: comment by {coder} {what}: '{_short(memo)}' "
                                   f"({'; '.join(problems)}); kept as a memo on '{_short(text[start:end], 50)}'")
    counts: dict[str, dict[str, int]] = {}
    for coder, bucket in by_coder.items():
        have: dict[tuple[int, int, int], int] = {}
        removed = 0
        for row in store.coder_codings(source_id, coder, ORIGIN_WORD):
            key = (row["start"], row["end"], row["code_id"])
            if key in bucket.codings and key not in have:
                have[key] = row["id"]
                continue
            store.delete_coding(row["id"])  # gone from the file, or a duplicate
            removed += key not in bucket.codings
        new = [key for key in bucket.codings if key not in have]
        store.insert_codings([{"source_id": source_id, "start": s, "end": e, "code_id": code_id,
                               "coder": coder, "origin": ORIGIN_WORD, "rule": bucket.codings[(s, e, code_id)]}
                              for s, e, code_id in new])
        store.delete_memos(source_id=source_id, origin=ORIGIN_WORD, author=coder)
        for start, end, memo in bucket.memos:
            store.insert_memo(text=memo, source_id=source_id, start=start, end=end, author=coder,
                              origin=ORIGIN_WORD)
        counts[coder] = {"codings": len(bucket.codings), "new": len(new), "removed": removed,
                         "memos": len(bucket.memos)}
        report.notes.append(f"word comments {source['name']}: {coder}: {len(bucket.codings)} codings "
                            f"({len(new)} new, {removed} removed), {len(bucket.memos)} memos")
    return counts


# --------------------------------------------------------------------------- spreadsheets

SHEET_REQUIRED = ("source", "code", "coder")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_sheet(path: Path) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """Header (lower-cased) and data rows with their spreadsheet row numbers (header = row 1)."""
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        import openpyxl

        try:
            book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises several types for broken files
            raise InputError(path, f"not a readable Excel file ({exc.__class__.__name__}: {exc})") from None
        try:
            sheet = book["codings"] if "codings" in book.sheetnames else book.worksheets[0]
            rows = [[_cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        finally:
            book.close()
    elif suffix in (".csv", ".tsv", ".txt"):
        from ..ingest.text_reader import decode  # UTF-8 (BOM or not), UTF-16 with a BOM, or cp1252

        content, _ = decode(path, path.read_bytes())
        first = content.split("\n", 1)[0]
        delimiter = "\t" if suffix == ".tsv" else max((",", ";", "\t"), key=first.count)
        rows = [[c.strip() for c in row] for row in csv.reader(io.StringIO(content), delimiter=delimiter)]
    else:
        raise InputError(path, f"unknown spreadsheet type '{path.suffix or '(none)'}' (known: .xlsx, .csv)")
    if not rows or not any(rows[0]):
        raise InputError(path, "the sheet has no header row", "row 1")
    header = [h.strip().casefold() for h in rows[0]]
    data = []
    for number, row in enumerate(rows[1:], start=2):
        if any(row):
            data.append((number, {h: (row[i] if i < len(row) else "") for i, h in enumerate(header) if h}))
    return header, data


def _integer(value: str, column: str) -> int:
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"{column} '{value}' is not a whole number") from None
    if not number.is_integer():
        raise ValueError(f"{column} '{value}' is not a whole number")
    return int(number)


def _turn_spans(value: str, turns: list) -> list[tuple[int, int]]:
    """``3``, ``3; 4``, ``3-5``: the turns named, consecutive ones joined into one span."""
    by_index = {t["idx"]: t for t in turns}
    wanted: list[int] = []
    for part in re.split(r"[;,]", value):
        part = part.strip()
        if not part:
            continue
        low, sep, high = part.partition("-")
        try:
            first = _integer(low.strip(), "turn")
            last = _integer(high.strip(), "turn") if sep else first
        except ValueError:
            raise ValueError(f"turn '{value}' is not a turn number (like 3, 3-5 or 3; 4)") from None
        for index in range(first, last + 1):
            if index not in by_index:
                raise ValueError(f"turn {index} is not in the source (turns 1-{len(turns)})")
            wanted.append(index)
    if not wanted:
        raise ValueError("the turn cell is empty")
    spans: list[tuple[int, int]] = []
    run_start = previous = None
    for index in sorted(set(wanted)):
        if previous is not None and index == previous + 1:
            previous = index
            continue
        if run_start is not None:
            spans.append((by_index[run_start]["start"], by_index[previous]["end"]))
        run_start = previous = index
    spans.append((by_index[run_start]["start"], by_index[previous]["end"]))
    return spans


def import_codings_sheet(store: Store, path: str | Path) -> dict[str, int]:
    """Add the codings of a spreadsheet; raise InputError naming every bad row (nothing added then).

    Rows equal to a coding already in the project (same source, range, code and coder) are skipped."""
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "no such file")
    header, rows = read_sheet(path)
    missing = [c for c in SHEET_REQUIRED if c not in header]
    has_range = "start" in header and "end" in header
    if not has_range and "turn" not in header:
        missing.append("start and end, or turn")
    if missing:
        raise InputError(path, f"missing column(s): {', '.join(missing)} (columns found: "
                               f"{', '.join(h for h in header if h) or 'none'})", "row 1")
    names = CodeNames(CodeTree.load(store))
    sources: dict[str, Any] = {}
    anonymized = None   # an anonymized coding sheet names interviews by pseudonym ("Interview 2")
    shown: set[str] = set()
    turns: dict[int, list] = {}
    errors: list[tuple[int, str]] = []
    wanted: dict[tuple[int, int, int, int, str], dict] = {}
    skipped = 0
    memos: list[tuple] = []
    for number, row in rows:
        try:
            source_name = row.get("source", "")
            if not source_name:
                raise ValueError("the source cell is empty")
            if source_name not in sources:
                sources[source_name] = store.source_by_name(source_name) or store.source_by_name(Path(source_name).name)
                if sources[source_name] is None:
                    from ..anonymize.copy import AnonymizedSheet
                    anonymized = anonymized or AnonymizedSheet(store)
                    sources[source_name] = anonymized.source(source_name)
                    if sources[source_name] is not None:
                        shown.add(source_name)
            source = sources[source_name]
            if source is None:
                raise ValueError(f"no source '{source_name}' in the project")
            cell = row.get("code", "")
            parts = [p.strip() for p in CODE_SEPARATORS.split(cell) if p.strip()]
            if not parts and not row.get("memo"):
                skipped += 1     # a unit nobody coded (a coding sheet's empty code cell)
                continue
            nodes, problems = [], []
            for part in parts:
                node, problem = names.find(part)
                if node is None:
                    problems.append(problem)
                else:
                    nodes.append(node)
            if problems:
                raise ValueError("; ".join(problems))
            coder = row.get("coder", "")
            if not coder and nodes:
                raise ValueError("the coder cell is empty")
            text = source["text"]
            start_cell, end_cell = row.get("start", ""), row.get("end", "")
            if has_range and (start_cell or end_cell):
                if not (start_cell and end_cell):
                    raise ValueError("give both start and end (or leave both empty and give turn)")
                start, end = _integer(start_cell, "start"), _integer(end_cell, "end")
                if not 0 <= start < end <= len(text):
                    raise ValueError(f"start {start} and end {end} are not a range of {source['name']} "
                                     f"(0 to {len(text)}, start before end)")
                given = row.get("text", "")
                expected = anonymized.text(source["id"], start, end) if source_name in shown else text[start:end]
                if given and len(given) < 32000 and " ".join(given.split()) != " ".join(expected.split()):
                    where = source_name if source_name in shown else source["name"]
                    raise ValueError(f"the text '{_short(given, 40)}' is not what {where} has at "
                                     f"{start}-{end} ('{_short(expected, 40)}')")
                spans = [(start, end)]
            elif row.get("turn"):
                if source["id"] not in turns:
                    turns[source["id"]] = store.turns(source["id"])
                spans = _turn_spans(row["turn"], turns[source["id"]])
            else:
                raise ValueError("needs start and end, or turn")
        except ValueError as exc:
            errors.append((number, str(exc)))
            continue
        memo = row.get("memo") or None   # on the row's first coding; without a code, on the text
        if not nodes:
            memos.extend((int(source["id"]), start, end, coder or None, memo, number) for start, end in spans[:1])
        for start, end in spans:
            for node in nodes:
                key = (int(source["id"]), start, end, int(node["id"]), coder)
                wanted.setdefault(key, {"source_id": key[0], "start": start, "end": end, "code_id": key[3],
                                        "coder": coder, "origin": ORIGIN_SPREADSHEET,
                                        "memo": memo, "rule": f"{path.name} row {number}"})
                memo = None
    if errors:
        number, message = errors[0]
        more = "; ".join(f"row {n}: {m}" for n, m in errors[1:])
        raise InputError(path, message + (f" (also {more})" if more else "")
                         + f"; {len(errors)} bad row(s), nothing was imported", f"row {number}")
    existing = {(c["source_id"], c["start"], c["end"], c["code_id"], c["coder"])
                for sid in {k[0] for k in wanted} for c in store.codings(source_id=sid)}
    new = [v for k, v in wanted.items() if k not in existing]
    store.insert_codings(new)
    for source_id, start, end, author, text, number in memos:
        store.insert_memo(text=text, source_id=source_id, start=start, end=end, author=author, origin=ORIGIN_SPREADSHEET)
    return {"rows": len(rows), "added": len(new), "already_present": len(wanted) - len(new), "skipped": skipped,
            "memos": len(memos)}
