"""The review workbook: one row per finding, written by ``anonymize scan`` and read back by
``anonymize apply``.

Sheet ``Review`` (the only sheet read back), header in row 1:

=============  ==============================================================================
kind           what was found (navn, muligt navn, telefon, cpr-nummer ... or the English words)
text           the text as found (a name without its genitive s)
replacement    what the outputs write instead; edit it freely ("[navn 1]", "[Borger 2]", "[by]")
decision       replace or keep (erstat / behold)
status         new (never reviewed) or reviewed; for reading
count          how many times it occurs; for reading
sources        the interviews it occurs in; for reading
context        the first occurrence with the words around it; for reading
=============  ==============================================================================

Rows may be deleted (a deleted row stays unreviewed) or added (a text the detector missed:
fill in text, replacement and decision). A known person's or case's replacement is the
pseudonym the project gives it everywhere; only its decision is read.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from ..errors import InputError
from .detect import key_of
from .key import KNOWN_KINDS, Row
from .words import kind_from_label, kind_label

SHEET = "Review"
COLUMNS = ("kind", "text", "replacement", "decision", "status", "count", "sources", "context")
DECISION_WORDS = {"replace": "replace", "erstat": "replace", "keep": "keep", "behold": "keep"}
WIDTHS = {"kind": 16, "text": 28, "replacement": 22, "decision": 11, "status": 10, "count": 7,
          "sources": 30, "context": 80}
ABOUT = """How to review

Every row is one thing the scan found that may identify a person: a name, a place, a phone number,
a CPR number, an e-mail address, an address ... with how often it occurs and where.

- decision: replace (erstat) or keep (behold). Rows that are new have 'replace' already filled in.
- replacement: what every anonymized output writes instead. Change it freely, but give the same
  person the same replacement in every row ("Bente" and "Bente Hansen": both "[navn 1]").
- Delete a row to leave it unreviewed (unreviewed findings are replaced by default).
- Add a row for something the scan missed: text, replacement and decision (kind may stay empty).
- Known people (from the interview list) and cases always get the project's pseudonym
  ("[Sagsbehandler 1]", "[Case 2]"); only their decision is read.

Then: coding anonymize apply THIS_FILE.xlsx
Only the sheet 'Review' is read; this sheet is for reading.
"""


def write_review(rows: list[Row], path: str | Path, language: str = "da") -> Path:
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise InputError(path, "the review sheet is written as .xlsx")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = SHEET
    sheet.append(list(COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    new_fill = PatternFill("solid", fgColor="FFF2CC")
    for row in rows:
        sheet.append([kind_label(row.kind, language), row.text, row.replacement, row.decision,
                      "reviewed" if row.reviewed else "new", row.count, "; ".join(row.sources), row.context])
        if not row.reviewed:
            for cell in sheet[sheet.max_row][:4]:
                cell.fill = new_fill
    for i, name in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[openpyxl.utils.get_column_letter(i)].width = WIDTHS[name]
    for cell in sheet["H"][1:]:
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    choices = DataValidation(type="list", formula1='"replace,keep,erstat,behold"', allow_blank=False)
    sheet.add_data_validation(choices)
    if rows:
        choices.add(f"D2:D{len(rows) + 1}")
    sheet.freeze_panes = "A2"
    about = book.create_sheet("About")
    for line in ABOUT.splitlines():
        about.append([line])
    about.column_dimensions["A"].width = 110
    book.save(path)
    return path


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def read_review(path: str | Path) -> list[dict]:
    """The decisions of a filled-in review sheet, checked; every bad row is named with its number."""
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "file not found")
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several kinds for a file that is not a workbook
        raise InputError(path, f"not an Excel workbook ({exc.__class__.__name__})") from None
    if SHEET not in book.sheetnames:
        raise InputError(path, f"no sheet named '{SHEET}' (the sheet 'coding anonymize scan -o' writes)")
    rows = list(book[SHEET].iter_rows(values_only=True))
    book.close()
    if not rows:
        raise InputError(path, "the sheet is empty", f"sheet {SHEET}")
    header = [_cell(v).casefold() for v in rows[0]]
    missing = [c for c in ("text", "replacement", "decision") if c not in header]
    if missing:
        raise InputError(path, f"the header has no column {', '.join(missing)} (row 1 must name the columns "
                               f"{', '.join(COLUMNS)})", f"sheet {SHEET}, row 1")
    at = {name: header.index(name) for name in COLUMNS if name in header}
    problems: list[str] = []
    decided: dict[str, tuple[int, dict]] = {}
    for number, values in enumerate(rows[1:], start=2):
        def get(name: str) -> str:
            i = at.get(name)
            return _cell(values[i]) if i is not None and i < len(values) else ""

        text, replacement, decision_word, kind_word = get("text"), get("replacement"), get("decision"), get("kind")
        if not any(_cell(v) for v in values):
            continue
        if not text:
            problems.append(f"row {number}: the text is empty")
            continue
        decision = DECISION_WORDS.get(decision_word.casefold())
        if decision is None:
            problems.append(f"row {number} ({text}): decision '{decision_word}' must be replace or keep "
                            "(erstat or behold)")
            continue
        kind = kind_from_label(kind_word) if kind_word else "manual"
        if kind is None:
            problems.append(f"row {number} ({text}): unknown kind '{kind_word}'")
            continue
        if decision == "replace" and kind not in KNOWN_KINDS:
            if not replacement:
                problems.append(f"row {number} ({text}): decision replace needs a replacement")
                continue
            if key_of(text) in key_of(replacement):
                problems.append(f"row {number} ({text}): the replacement '{replacement}' still contains the text")
                continue
        row = {"key": key_of(text), "text": " ".join(text.split()), "kind": kind, "decision": decision,
               "replacement": replacement if decision == "replace" else ""}
        earlier = decided.get(row["key"])
        if earlier is not None and (earlier[1]["decision"], earlier[1]["replacement"]) != (decision, row["replacement"]):
            problems.append(f"row {number} ({text}): contradicts row {earlier[0]} (same text, another decision "
                            "or replacement)")
            continue
        decided[row["key"]] = (number, row)
    if problems:
        shown = "; ".join(problems[:20]) + (f"; and {len(problems) - 20} more" if len(problems) > 20 else "")
        raise InputError(path, f"{len(problems)} bad row{'s' if len(problems) != 1 else ''}, nothing applied: "
                               f"{shown}", f"sheet {SHEET}")
    return [row for _n, row in decided.values()]
