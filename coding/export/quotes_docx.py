"""Quotes for a theme as a Word document (the ranking is coding.analysis.quotes')."""

from __future__ import annotations

from pathlib import Path

from ..analysis.quotes import _groups, _heading, _table, _where
from ..errors import InputError
from .docx_util import save_document


def write_quotes_docx(quotes, path: str | Path) -> Path:
    """The quotes (a :class:`coding.analysis.quotes.QuoteList` or the DataFrame of
    :meth:`coding.Project.quotes`) as a Word document: a heading per group, each quote in the Quote style."""
    import docx
    from docx.shared import Pt

    path = Path(path)
    if path.suffix.lower() != ".docx":
        raise InputError(path, "quotes in Word format are written to a .docx file")
    rows, attrs = _table(quotes)
    title, words = _heading(attrs)
    document = docx.Document()
    document.add_heading(title, level=1)
    for group, part in _groups(rows):
        document.add_heading(str(group), level=2)
        for row in part:
            document.add_paragraph(f"“{row['text']}”", style="Quote")
            attribution = document.add_paragraph()
            run = attribution.add_run(f"— {row['attribution'] or '?'} ({_where(row, words)})")
            run.italic = True
            run.font.size = Pt(9)
    if not rows:
        document.add_paragraph(words[4])
    save_document(document, path, attrs.get("language"))
    return path
