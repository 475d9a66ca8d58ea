"""Quotes for a theme as a Word document (the ranking is coding.analysis.quotes')."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..analysis.quotes import _groups, _heading, _where
from ..errors import InputError
from .docx_util import save_document


def write_quotes_docx(frame: pd.DataFrame, path: str | Path) -> Path:
    """The quotes as a Word document: a heading per group, each quote in the Quote style."""
    import docx
    from docx.shared import Pt

    path = Path(path)
    if path.suffix.lower() != ".docx":
        raise InputError(path, "quotes in Word format are written to a .docx file")
    title, words = _heading(frame)
    document = docx.Document()
    document.add_heading(title, level=1)
    for group, rows in _groups(frame):
        document.add_heading(str(group), level=2)
        for row in rows:
            document.add_paragraph(f"“{row['text']}”", style="Quote")
            attribution = document.add_paragraph()
            run = attribution.add_run(f"— {row['attribution'] or '?'} ({_where(row, words)})")
            run.italic = True
            run.font.size = Pt(9)
    if frame.empty:
        document.add_paragraph(words[4])
    save_document(document, path, frame.attrs.get("language"))
    return path
