"""The framework matrix: cases down, themes across, as Word and as Excel.

Each cell holds the analyst's summary (when there is one), the number of segments and
participants, and up to three short quotes with their attribution.

The Excel workbook is also the way summaries come back (``coding summary import``). Its layout:

* Sheet ``Framework`` (the only sheet that is read back):
  - ``A1`` is the case attribute (``municipality``, ``participant`` ...); ``A2`` and down are
    the cases, one per row, as they are called in the project.
  - For each theme two columns: ``<label> [<code>]`` with the evidence (counts and quotes with
    their references, for reading), then ``Summary [<code>]`` with the analyst's summary (the
    current one, or empty). Only the ``Summary [...]`` columns are read back; the code in
    brackets says which theme a column is.
  - Write, change or clear summary cells; a cleared cell removes that summary. Rows and columns
    may be reordered or deleted (a missing cell changes nothing); others are ignored.
* ``Counts``: the numbers of segments (cases x themes), ``Quotes``: one row per quote with source,
  turn and timestamp, ``About``: these instructions. They are for reading and are not imported.
"""

from __future__ import annotations

import datetime as _dt
from pathlib import Path

from docx.shared import Pt

from ..importing.framework_sheet import SHEET
from . import docx_util
from ..analysis.cases import CaseModel, Quote
from .wording import attribute_label, count_phrase, words

QUOTES_PER_CELL = 3
FRAMEWORK_QUOTE_CHARS = 220


class Names:
    """How cases, people and interviews are shown: as they are, or pseudonymised."""

    def __init__(self, anonymizer=None):
        self.anon = anonymizer

    def case(self, value: str) -> str:
        return self.anon.case(value) if self.anon else value

    def source(self, name: str) -> str:
        return self.anon.source(name) if self.anon else name

    def person(self, pid: str, role: str) -> str:
        if self.anon:
            return self.anon.participant(pid)
        return f"{role} ({pid})" if role else pid

    def text(self, text: str | None) -> str:
        return self.anon.scrub(text) if self.anon else (text or "")


def attribution(quote: Quote, names: Names, w: dict[str, str]) -> str:
    """"Sagsbehandler (NOR-S1), nordby_fokusgruppe.docx, tur 12, 00:05:13" (anonymized:
    "Sagsbehandler 1, Interview 3, tur 12, 00:05:13")."""
    who = names.person(quote.participant, quote.role) if quote.participant else (quote.role or w["participant"])
    parts = [who, names.source(quote.source)]
    if quote.turn:
        parts.append(f"{w['turn']} {quote.turn}")
    if quote.timestamp:
        parts.append(quote.timestamp)
    return names.text(", ".join(parts))


def quote_text(quote: Quote, names: Names, limit: int | None = None) -> str:
    text = quote.text
    if limit and len(text) > limit:
        from ..analysis.cases import shorten
        text = shorten(text, limit)
    return f"“{names.text(text)}”"


# --------------------------------------------------------------------------- Word


def write_docx(model: CaseModel, path: str | Path, *, template: str | Path | None = None,
               anonymizer=None, title: str | None = None) -> None:
    w = words(model.language)
    names = Names(anonymizer)
    document = docx_util.new_document(template)
    section = document.sections[-1]
    docx_util.landscape(section)
    document.add_paragraph(names.text(title) if title else w["framework_title"], style="Title")
    case_by = attribute_label(model.language, model.case_by)
    case_label = case_by if not anonymizer or model.case_by == "participant" else w["case"]
    about = w["about"].format(date=_dt.date.today().isoformat(), cases=len(model.cases),
                              case_by=case_by, themes=len(model.themes))
    document.add_paragraph(about + (" " + w["about_anonymized"] if anonymizer else ""))
    header = [case_label.capitalize()] + [names.text(t.label) for t in model.themes]
    table = document.add_table(rows=1, cols=len(header))
    table.style = document.styles["Table Grid"]
    for cell, text in zip(table.rows[0].cells, header):
        docx_util.cell_text(cell, text, bold=True, size=10)
    docx_util.repeat_header(table.rows[0])
    size = 9 if len(model.themes) <= 4 else 8
    for case in model.cases:
        cells = table.add_row().cells
        docx_util.cell_text(cells[0], names.case(case.value), bold=True, size=10)
        for cell, theme in zip(cells[1:], model.themes):
            content = model.cell(case.value, theme.code)
            paragraph = cell.paragraphs[0]
            if content.summary:
                paragraph.add_run(names.text(content.summary)).font.size = Pt(size)
                paragraph = cell.add_paragraph()
            run = paragraph.add_run(count_phrase(w, content.segments, len(content.participants)))
            run.bold = True
            run.font.size = Pt(size)
            for quote in content.best(QUOTES_PER_CELL):
                paragraph = cell.add_paragraph()
                run = paragraph.add_run(quote_text(quote, names, FRAMEWORK_QUOTE_CHARS))
                run.italic = True
                run.font.size = Pt(size)
                run = paragraph.add_run(f" — {attribution(quote, names, w)}")
                run.font.size = Pt(size - 1)
    width = docx_util.usable_width(section)
    first = min(int(width * 0.14), 2_000_000)
    rest = (width - first) // max(1, len(model.themes))
    docx_util.set_widths(table, [first] + [rest] * len(model.themes))
    docx_util.save_document(document, path, model.language)


# --------------------------------------------------------------------------- Excel


def write_xlsx(model: CaseModel, path: str | Path, *, anonymizer=None) -> None:
    import openpyxl
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    w = words(model.language)
    names = Names(anonymizer)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = SHEET
    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    fill = PatternFill("solid", fgColor="FFF7D6")
    sheet.cell(1, 1, model.case_by).font = bold
    sheet.column_dimensions["A"].width = 18
    for i, theme in enumerate(model.themes):
        col = 2 + 2 * i
        sheet.cell(1, col, f"{names.text(theme.label)} [{theme.code}]").font = bold
        sheet.cell(1, col + 1, f"Summary [{theme.code}]").font = bold
        sheet.cell(1, col + 1).fill = fill
        sheet.column_dimensions[get_column_letter(col)].width = 48
        sheet.column_dimensions[get_column_letter(col + 1)].width = 40
    for r, case in enumerate(model.cases, start=2):
        sheet.cell(r, 1, names.case(case.value) if anonymizer else case.value).alignment = wrap
        for i, theme in enumerate(model.themes):
            col = 2 + 2 * i
            content = model.cell(case.value, theme.code)
            lines = [count_phrase(w, content.segments, len(content.participants))]
            lines += [f"{quote_text(q, names, FRAMEWORK_QUOTE_CHARS)} ({attribution(q, names, w)})"
                      for q in content.best(QUOTES_PER_CELL)]
            sheet.cell(r, col, "\n".join(lines)).alignment = wrap
            summary = sheet.cell(r, col + 1, names.text(content.summary) if content.summary else None)
            summary.alignment = wrap
            summary.fill = fill
    sheet.freeze_panes = "B2"
    # Excel does not grow rows for wrapped text it did not lay out itself: estimate the height
    for r in range(2, len(model.cases) + 2):
        lines = 1
        for col in range(1, 2 + 2 * len(model.themes)):
            value = sheet.cell(r, col).value
            width = sheet.column_dimensions[get_column_letter(col)].width or 10
            if value:
                lines = max(lines, sum(max(1, -(-len(line) // int(width * 1.1))) for line in str(value).split("\n")))
        sheet.row_dimensions[r].height = min(409, 15 * lines)

    counts = book.create_sheet("Counts")
    counts.append([model.case_by] + [t.code for t in model.themes])
    for cell in counts[1]:
        cell.font = bold
    for case in model.cases:
        counts.append([names.case(case.value)] + [model.cell(case.value, t.code).segments for t in model.themes])

    quotes = book.create_sheet("Quotes")
    quotes.append([model.case_by, "code", "theme", "role", "participant", "source", "turn", "timestamp", "text"])
    for cell in quotes[1]:
        cell.font = bold
    for case in model.cases:
        for theme in model.themes:
            for q in model.cell(case.value, theme.code).best(QUOTES_PER_CELL):
                quotes.append([names.case(case.value), theme.code, names.text(theme.label), q.role,
                               "; ".join(names.person(p, "") if anonymizer else p for p in q.participants),
                               names.source(q.source), q.turn, q.timestamp or "", names.text(q.text)])
    quotes.column_dimensions["I"].width = 90

    about = book.create_sheet("About")
    anonymized_note = ("This workbook is anonymized: its case names cannot be imported back; export it "
                       "without --anonymize to collect summaries.") if anonymizer else ""
    for line in [
        "Framework matrix: cases down, themes across.",
        f"A1 names the case attribute ({model.case_by}); column A below it holds the cases.",
        "Each theme has an evidence column '<label> [<code>]' (segments, participants and up to three "
        "quotes with interview, turn and timestamp) and a yellow 'Summary [<code>]' column.",
        "Write the analyst's summary in the yellow cells, save, and read them back with: "
        "coding summary import THIS_FILE.xlsx",
        "Only the sheet 'Framework' and its 'Summary [...]' columns are read. A cleared summary cell "
        "removes that summary; a row or column you delete changes nothing. Any problem is reported with "
        "its cell (for example Framework!C4) and nothing is imported.",
        anonymized_note,
    ]:
        if line:
            about.append([line])
    about.column_dimensions["A"].width = 120
    book.save(str(path))
