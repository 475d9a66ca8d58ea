"""Reading the analyst's summaries back from a filled-in framework workbook (``coding summary import``);
the layout is written by :mod:`coding.export.framework`, whose docstring describes it. Every problem names
its sheet cell."""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError

SHEET = "Framework"   # the sheet that is read back
SUMMARY_HEADER = re.compile(r"^\s*(?:summary|opsummering)\s*\[(?P<code>[^\[\]]+)\]\s*$", re.IGNORECASE)


@dataclass
class SheetCell:
    ref: str
    case: str
    code: str
    text: str


@dataclass
class FrameworkSheet:
    name: str
    case_by: str
    codes: dict[str, str] = field(default_factory=dict)   # header cell ref -> code
    cases: dict[str, str] = field(default_factory=dict)   # case cell ref -> case value
    cells: list[SheetCell] = field(default_factory=list)


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, (_dt.datetime, _dt.date)):
        return value.isoformat()
    return str(value)


def read_framework_xlsx(path: str | Path) -> FrameworkSheet:
    """The summary cells of a framework workbook; every problem names its sheet cell."""
    import openpyxl
    from openpyxl.utils import get_column_letter

    path = Path(path)
    if not path.exists():
        raise InputError(path, "file not found")
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        raise InputError(path, f"summaries are read from the framework workbook (.xlsx), not '{path.suffix}'")
    try:
        book = openpyxl.load_workbook(path, data_only=True)
    except Exception as exc:
        raise InputError(path, f"not a readable Excel workbook ({exc.__class__.__name__})") from None
    if SHEET not in book.sheetnames:
        raise InputError(path, f"no sheet named '{SHEET}' (sheets: {', '.join(book.sheetnames)}); "
                               "write one with coding export framework -o FILE.xlsx")
    ws = book[SHEET]
    case_by = _text(ws.cell(1, 1).value).strip()
    if not case_by:
        raise InputError(path, "the case attribute (for example municipality) is missing", f"{SHEET}!A1")
    sheet = FrameworkSheet(SHEET, case_by)
    columns: dict[int, str] = {}
    for col in range(2, ws.max_column + 1):
        header = _text(ws.cell(1, col).value)
        m = SUMMARY_HEADER.match(header)
        if not m:
            if re.match(r"^\s*(summary|opsummering)\b", header, re.IGNORECASE):
                raise InputError(path, f"'{header}' does not name its theme as 'Summary [code]'",
                                 f"{SHEET}!{get_column_letter(col)}1")
            continue
        code = m.group("code").strip()
        ref = f"{get_column_letter(col)}1"
        if code in columns.values():
            first = next(f"{get_column_letter(c)}1" for c, v in columns.items() if v == code)
            raise InputError(path, f"a second summary column for '{code}' (the first is {first})",
                             f"{SHEET}!{ref}")
        columns[col] = code
        sheet.codes[ref] = code
    if not columns:
        raise InputError(path, "no 'Summary [code]' column in the header row", f"{SHEET}!B1")
    seen: dict[str, str] = {}
    for row in range(2, ws.max_row + 1):
        case = _text(ws.cell(row, 1).value).strip()
        texts = {col: _text(ws.cell(row, col).value) for col in columns}
        if not case:
            filled = next((col for col, t in texts.items() if t.strip()), None)
            if filled is not None:
                raise InputError(path, "a summary in a row without a case in column A",
                                 f"{SHEET}!{get_column_letter(filled)}{row}")
            continue
        ref = f"A{row}"
        if case in seen:
            raise InputError(path, f"case '{case}' appears twice (also in {seen[case]})", f"{SHEET}!{ref}")
        seen[case] = ref
        sheet.cases[ref] = case
        for col, text in texts.items():
            sheet.cells.append(SheetCell(f"{get_column_letter(col)}{row}", case, columns[col], text))
    book.close()
    return sheet
