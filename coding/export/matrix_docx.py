"""A matrix as the CASE tables of the evaluation reports: a Word table with the cases (or roles,
or any attribute's values) across, the themes down, counts in the cells and, if asked, the best
quote of each theme and case under its count."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from docx.shared import Cm, Pt

from ..errors import InputError
from . import docx_util
from .wording import attribute_label

TOTAL = {"da": "I alt", "en": "Total"}
THEME = {"da": "Tema", "en": "Theme"}
COUNTS = {
    "da": {"segments": "kodede udsagn", "participants": "deltagere", "sources": "interviews", "words": "ord"},
    "en": {"segments": "coded passages", "participants": "participants", "sources": "interviews", "words": "words"},
}
CAPTION = {
    "da": "Tabel: Antal {count} pr. tema og {cols}{percent}. «I alt» tæller hvert udsagn én gang, også når "
          "det går på tværs af kolonnerne.",
    "en": "Table: Number of {count} by theme and {cols}{percent}. 'Total' counts each passage once, also "
          "when it spans columns.",
}
PERCENT = {"da": {"row": " (procent af rækkens i alt)", "col": " (procent af kolonnen)", "total": " (procent af alt)"},
           "en": {"row": " (percent of the row's total)", "col": " (percent of the column)",
                  "total": " (percent of everything)"}}


def total_word(language: str | None) -> str:
    """The word for a row's or column's total in a table for people: "I alt" or "Total"."""
    return TOTAL.get(language or "da", TOTAL["en"])


def _number(value, language: str) -> str:
    if isinstance(value, float) and value != int(value):
        text = f"{value:.1f}"
        return text.replace(".", ",") if language == "da" else text
    return str(int(value))


def write_matrix_docx(frame: pd.DataFrame, path: str | Path, *, quotes: dict | None = None,
                      title: str | None = None) -> Path:
    """``frame`` as :meth:`coding.Project.matrix` gives it (code rows) as a Word table; ``quotes``
    maps (code path, column label) to a row of :meth:`coding.Project.quotes` to print in the cell."""
    path = Path(path)
    if path.suffix.lower() != ".docx":
        raise InputError(path, "a matrix in Word format is written to a .docx file")
    language = frame.attrs.get("language") or "da"
    lang = language if language in TOTAL else "en"
    rows_dim = frame.attrs.get("rows", "code")
    cols = frame.attrs.get("cols", [])
    document = docx_util.new_document()
    columns = [c for c in frame.columns if c != "Total"]
    if len(columns) > 5 or quotes:
        docx_util.landscape(document.sections[-1])
    if title:
        document.add_heading(title, level=1)
    col_labels = frame.attrs.get("col_labels", {})
    row_labels = frame.attrs.get("row_labels", {})
    depth = frame.attrs.get("row_depth", {})
    first = THEME[lang] if rows_dim == "code" else attribute_label(lang, rows_dim)
    header = [first, *[col_labels.get(c, c) for c in columns], total_word(lang)]
    table = document.add_table(rows=1, cols=len(header))
    table.style = document.styles["Table Grid"]
    size = 9 if quotes else 10
    for cell, text in zip(table.rows[0].cells, header):
        docx_util.cell_text(cell, str(text), bold=True, size=size)
    docx_util.repeat_header(table.rows[0])
    for row_id, values in zip(frame.index, frame.to_numpy()):
        cells = table.add_row().cells
        indent = "    " * max(0, int(depth.get(row_id, 1)) - 1)
        docx_util.cell_text(cells[0], indent + str(row_labels.get(row_id, row_id)), bold=depth.get(row_id, 1) == 1,
                            size=size)
        for cell, column, value in zip(cells[1:], [*columns, "Total"], values):
            docx_util.cell_text(cell, _number(value, lang), size=size)
            quote = (quotes or {}).get((row_id, column))
            if quote is not None:
                paragraph = cell.add_paragraph()
                run = paragraph.add_run(f"“{quote['text']}”")
                run.italic = True
                run.font.size = Pt(8)
                who = cell.add_paragraph().add_run(f"— {quote['attribution'] or quote['source']}")
                who.font.size = Pt(7)
    width = docx_util.usable_width(document.sections[-1])
    first_width = Cm(5.5 if quotes else 5.0)
    rest = max(int((width - first_width) / max(1, len(header) - 1)), int(Cm(1.5)))
    docx_util.set_widths(table, [first_width, *[rest] * (len(header) - 1)])
    cols_text = " og ".join(attribute_label(lang, c) for c in cols) if lang == "da" else \
        " and ".join(attribute_label(lang, c) for c in cols)
    count = COUNTS[lang].get(frame.attrs.get("count", "segments"), frame.attrs.get("count", ""))
    percent = PERCENT[lang].get(frame.attrs.get("normalize", "none"), "")
    caption = CAPTION[lang].format(count=count, cols=cols_text.lower(), percent=percent)
    document.add_paragraph(caption, style="Caption")
    docx_util.save_document(document, path, language)
    return path
