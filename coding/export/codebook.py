"""The project's codebook written out: YAML, a Word table for a report's appendix, or an Excel sheet."""

from __future__ import annotations

from pathlib import Path

import yaml

from ..codebook import Codebook, codebook_from_store, codebook_records
from ..errors import CodingError
from ..store import Store
from .docx_util import save_document
from .tables import write_xlsx



HEADERS = {
    "da": {"code": "Kode", "definition": "Definition", "include": "Medtag", "exclude": "Udelad",
           "example": "Eksempel", "title": "Kodebog"},
    "en": {"code": "Code", "definition": "Definition", "include": "Include", "exclude": "Exclude",
           "example": "Example", "title": "Codebook"},
}


def export_codebook(store: Store, fmt: str, path: str | Path, language: str = "da") -> Path:
    """Write the project's codebook as ``yaml``, ``docx`` (a report appendix table) or ``xlsx``."""
    path = Path(path)
    book = codebook_from_store(store)
    if not book.codes:
        raise CodingError("the project has no codebook yet; import one with: coding codebook import FILE")
    if fmt == "yaml":
        from ..codebook.roundtrip import write_back  # into the YAML file it came from, comments kept

        text = write_back(store, book) or yaml.safe_dump(book.to_dict(), allow_unicode=True, sort_keys=False,
                                                         width=100)
        path.write_text(text, encoding="utf-8")
    elif fmt == "docx":
        _write_docx(book, path, language)
    elif fmt == "xlsx":


        rows = codebook_records(store, language)
        columns = ["path", "label", *[k for k in rows[0] if k.startswith("label_")], "definition", "include",
                   "exclude", "examples", "color", "codable", "rules", "codings", "guid"]
        for row in rows:
            row["label"] = row["label"].strip()
        write_xlsx(rows, path, columns, sheet="codebook")
    else:
        raise CodingError(f"unknown codebook format '{fmt}' (use yaml, docx or xlsx)")
    return path


def _write_docx(book: Codebook, path: Path, language: str) -> None:
    import docx
    from docx.shared import Pt

    words = HEADERS.get(language, HEADERS["en"])
    document = docx.Document()
    title = words["title"] + (f": {book.name}" if book.name else "")
    document.add_heading(title, level=1)
    if book.description:
        document.add_paragraph(book.description)
    table = document.add_table(rows=1, cols=5)
    table.style = "Table Grid"
    for cell, key in zip(table.rows[0].cells, ("code", "definition", "include", "exclude", "example")):
        cell.text = ""
        run = cell.paragraphs[0].add_run(words[key])
        run.bold = True
    for code in book.codes:
        depth = book.path(code.id).count("/")
        label = code.labels.get(language) or next(iter(code.labels.values()), code.id)
        cells = table.add_row().cells
        cells[0].text = ""
        run = cells[0].paragraphs[0].add_run(("– " * depth) + label)
        run.bold = depth == 0
        cells[0].paragraphs[0].add_run(f"\n({code.id})").font.size = Pt(8)
        cells[1].text = code.definition
        cells[2].text = code.include
        cells[3].text = code.exclude
        cells[4].text = "\n".join(f"“{e}”" for e in code.examples)
    save_document(document, path, language)
