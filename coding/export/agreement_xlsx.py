"""An agreement result as an Excel workbook: one sheet per table (agreement, disagreements)."""

from __future__ import annotations

from pathlib import Path

from ..analysis.agreement import agreement_rows, disagreement_rows
from .tables import fill_sheet


def write_agreement_xlsx(result: dict, path: str | Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in (("agreement", agreement_rows(result)), ("disagreements", disagreement_rows(result))):
        fill_sheet(book.create_sheet(title), rows, None if rows else ["(none)"])
    info = book.create_sheet("about")
    info.append(["unit", result["unit"]])
    info.append(["mode", result["mode"]])
    info.append(["coders", ", ".join(result["coders"])])
    info.append(["sources", ", ".join(result["sources"])])
    book.save(path)
