"""An agreement result as an Excel workbook: one sheet per table (agreement, disagreements)."""

from __future__ import annotations

from pathlib import Path

from ..analysis.agreement import agreement_rows, disagreement_rows
from .tables import _text


def write_agreement_xlsx(result: dict, path: str | Path) -> None:
    import openpyxl
    from openpyxl.styles import Font

    book = openpyxl.Workbook()
    first = True
    for title, rows in (("agreement", agreement_rows(result)), ("disagreements", disagreement_rows(result))):
        sheet = book.active if first else book.create_sheet()
        first = False
        sheet.title = title
        columns = list(dict.fromkeys(k for row in rows for k in row)) or ["(none)"]
        sheet.append(columns)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append([row.get(c) if isinstance(row.get(c), (int, float)) and not isinstance(row.get(c), bool)
                          else _text(row.get(c)) for c in columns])
        sheet.freeze_panes = "A2"
        for i, column in enumerate(columns, start=1):
            longest = max([len(column)] + [min(60, len(_text(r.get(column)))) for r in rows[:500]])
            sheet.column_dimensions[openpyxl.utils.get_column_letter(i)].width = max(8, longest + 2)
    info = book.create_sheet("about")
    info.append(["unit", result["unit"]])
    info.append(["mode", result["mode"]])
    info.append(["coders", ", ".join(result["coders"])])
    info.append(["sources", ", ".join(result["sources"])])
    book.save(path)
