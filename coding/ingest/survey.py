"""Reading a survey export (.xlsx or .csv): one row per respondent, a header row, columns for the
respondent's id, background attributes and free-text answers. Pure: a file in, a table out.

Which column is which: ``id_column`` (default: a column named id, respondent, respondent_id ...,
else the first), ``text_columns`` (default: every other column whose answers run to several words and are mostly
different ones),
``attribute_columns`` (default: the remaining columns). Names are matched ignoring case and spacing.
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError

ID_NAMES = ("id", "respondent", "respondent_id", "respondentid", "resp_id", "respondent id", "svarperson",
            "respondent nr", "respondentnr", "nr")
TEXT_MIN_WORDS = 4      # a column is free text when some answer has this many words ...
TEXT_MIN_DISTINCT = 20  # ... and its answers are this many different ones (or half of them differ)


@dataclass
class Survey:
    file: str
    id_column: str
    text_columns: list[str]
    attribute_columns: list[str]
    # one per respondent with an id: (row number, id, {attribute: value}, {question: answer})
    respondents: list[tuple[int, str, dict[str, str], dict[str, str]]] = field(default_factory=list)
    empty_answers: int = 0
    notes: list[str] = field(default_factory=list)


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, _dt.datetime):
        return value.date().isoformat() if value.time() == _dt.time() else value.isoformat(timespec="minutes")
    if isinstance(value, _dt.date):
        return value.isoformat()
    return str(value).replace("\r\n", "\n").replace("\r", "\n").strip()


def read_rows(path: Path) -> list[tuple[int, list[str]]]:
    """(row number, cells as text) of every row, the header first."""
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        import openpyxl

        try:
            book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises several kinds for a file that is not a workbook
            raise InputError(path, f"not a readable .xlsx workbook ({exc.__class__.__name__})") from None
        try:
            sheet = book.worksheets[0]
            rows = [(n, [_cell(v) for v in row]) for n, row in enumerate(sheet.iter_rows(values_only=True), start=1)]
        finally:
            book.close()
        return rows
    if suffix == ".csv":
        from .text_reader import decode  # UTF-8 (BOM or not), UTF-16 with a BOM, or cp1252

        text, _ = decode(path, path.read_bytes())
        first = text.split("\n", 1)[0]
        delimiter = max((";", ",", "\t"), key=first.count)
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        return [(n, [_cell(v) for v in row]) for n, row in enumerate(reader, start=1)]
    raise InputError(path, f"a survey is read from .xlsx or .csv, not '{suffix or '(none)'}'")


def _free_text(values: list[str]) -> bool:
    """Answers in words, not categories: some answer has several words, and the answers are many
    different ones (an education column of long category names repeats a handful of values)."""
    if not values or max(len(v.split()) for v in values) < TEXT_MIN_WORDS:
        return False
    distinct = len(set(values))
    return distinct >= TEXT_MIN_DISTINCT or distinct >= len(values) / 2


def _norm(name: str) -> str:
    return " ".join(str(name).split()).casefold()


def read_survey(path: str | Path, *, id_column: str | None = None, text_columns: list[str] | None = None,
                attribute_columns: list[str] | None = None) -> Survey:
    """The survey's respondents with their attributes and non-empty answers; every problem (unknown
    column, missing or repeated id) is reported at once with its row."""
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "no such file")
    rows = read_rows(path)
    while rows and not any(rows[0][1]):
        rows.pop(0)
    if not rows:
        raise InputError(path, "the file is empty; expected a header row and one row per respondent")
    header_number, header = rows[0]
    header = [h.strip() for h in header]
    while header and not header[-1]:
        header.pop()
    names = {_norm(h): i for i, h in enumerate(header) if h}

    def column(name: str, option: str) -> int:
        if _norm(name) not in names:
            raise InputError(path, f"no column '{name}' ({option}); the columns are: "
                                   f"{', '.join(h for h in header if h)}", f"row {header_number}")
        return names[_norm(name)]

    if id_column is not None:
        id_index = column(id_column, "--id-column")
    else:
        id_index = next((names[n] for n in ID_NAMES if n in names), 0)
    body = [(n, cells) for n, cells in rows[1:] if any(c for c in cells)]
    chosen_attributes = [column(c, "--attribute-columns") for c in attribute_columns] if attribute_columns else None
    if text_columns:
        texts = [column(c, "--text-columns") for c in text_columns]
    else:
        taken = {id_index, *(chosen_attributes or [])}
        texts = [i for i, h in enumerate(header) if h and i not in taken and _free_text(
            [cells[i] for _, cells in body if i < len(cells) and cells[i].strip()])]
        if not texts:
            raise InputError(path, "no column has answers of several words; name the question columns with "
                                   "--text-columns Q1,Q2", f"row {header_number}")
    if chosen_attributes is None:
        chosen_attributes = [i for i, h in enumerate(header) if h and i != id_index and i not in texts]
    clash = sorted(set(texts) & set(chosen_attributes)) + ([id_index] if id_index in texts else [])
    if clash:
        raise InputError(path, f"column(s) {', '.join(header[i] for i in clash)} cannot be both text and "
                               "attribute or id", f"row {header_number}")
    survey = Survey(str(path), header[id_index] or f"column {id_index + 1}", [header[i] for i in texts],
                    [header[i] for i in chosen_attributes])
    if id_column is None:
        survey.notes.append(f"respondent id from column '{survey.id_column}'")
    problems: list[str] = []
    seen: dict[str, int] = {}
    for number, cells in body:
        cells = cells + [""] * (len(header) - len(cells))
        rid = cells[id_index].strip()
        if not rid:
            problems.append(f"row {number}: no respondent id in column '{survey.id_column}'")
            continue
        if rid in seen:
            problems.append(f"row {number}: respondent id '{rid}' is also on row {seen[rid]}")
            continue
        seen[rid] = number
        answers = {}
        for i in texts:
            if cells[i].strip():
                answers[header[i]] = cells[i].strip()
            else:
                survey.empty_answers += 1
        attributes = {header[i]: cells[i] for i in chosen_attributes if cells[i]}
        survey.respondents.append((number, rid, attributes, answers))
    if problems:
        shown = "; ".join(problems[:20]) + (f"; and {len(problems) - 20} more" if len(problems) > 20 else "")
        raise InputError(path, f"{len(problems)} bad row(s): {shown}; nothing was imported")
    return survey


SAFE_NAME = re.compile(r"[\\/\x00-\x1f]")


def source_name(file: str, part: str) -> str:
    """The name of a survey source: the file name and the question (or respondent) after '#'."""
    return f"{Path(file).name}#{SAFE_NAME.sub('_', part).strip()}"
