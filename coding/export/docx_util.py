"""Word helpers shared by the report documents: templates, built-in styles, landscape, header rows,
table-of-contents fields.

Documents use Word's built-in styles only (Title, Heading 1/2, Quote, Table Grid ...), so a
user's template restyles them: the template is opened, its body cleared (its page setup, headers
and footers stay) and the document is written into it. A style the template does not define is
copied from python-docx's default template, keeping its built-in name.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Iterable

import docx
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from ..errors import InputError

PARAGRAPH_STYLES = ("Normal", "Title", "Subtitle", "Heading 1", "Heading 2", "Quote", "Caption")
TABLE_STYLES = ("Table Grid",)
SETTINGS_AFTER_UPDATE_FIELDS = (
    "hdrShapeDefaults", "footnotePr", "endnotePr", "compat", "docVars", "rsids", "mathPr", "attachedSchema",
    "themeFontLang", "clrSchemeMapping", "doNotIncludeSubdocsInStats", "doNotAutoCompressPictures",
    "forceUpgrade", "captions", "readModeInkLockDown", "smartTagType", "schemaLibrary", "shapeDefaults",
    "doNotEmbedSmartTags", "decimalSymbol", "listSeparator")


def new_document(template: str | Path | None = None) -> docx.document.Document:
    """A document to write into: the template with its body cleared, or a blank A4 document."""
    if template is None:
        document = docx.Document()
        section = document.sections[0]
        section.page_width, section.page_height = Cm(21.0), Cm(29.7)
        for side in ("left_margin", "right_margin"):
            setattr(section, side, Cm(2.5))
    else:
        path = Path(template)
        if not path.exists():
            raise InputError(path, "template not found")
        try:
            document = docx.Document(str(path))
        except Exception as exc:  # python-docx raises several kinds for a file that is not .docx
            raise InputError(path, f"not a Word .docx template ({exc.__class__.__name__})") from None
        body = document.element.body
        for child in list(body):
            if child.tag != qn("w:sectPr"):
                body.remove(child)
    ensure_styles(document, PARAGRAPH_STYLES, WD_STYLE_TYPE.PARAGRAPH)
    ensure_styles(document, TABLE_STYLES, WD_STYLE_TYPE.TABLE)
    document.core_properties.author = "coding"
    document.core_properties.last_modified_by = "coding"
    document.core_properties.comments = ""
    return document


class Paragraphs:
    """Paragraphs added to a document in named styles, each style's id looked up once: python-docx
    looks up the style, and the document's default style, for every paragraph given a style. The
    same XML as ``document.add_paragraph(text, style=name)``."""

    def __init__(self, document):
        self._document = document
        self._ids: dict[str, str | None] = {}

    def add(self, text: str = "", style: str | None = None):
        paragraph = self._document.add_paragraph(text)
        if style is not None:
            if style not in self._ids:
                self._ids[style] = self._document.part.get_style_id(style, WD_STYLE_TYPE.PARAGRAPH)
            paragraph._p.style = self._ids[style]
        return paragraph


def ensure_styles(document, names: Iterable[str], kind) -> None:
    """Copy missing built-in styles from python-docx's default template."""
    existing = {s.name for s in document.styles if s.type == kind}
    missing = [n for n in names if n not in existing]
    if not missing:
        return
    default = docx.Document()
    styles_el = document.styles.element
    for name in missing:
        source = default.styles[name]
        based_on = source.base_style
        if based_on is not None and based_on.name not in existing and based_on.name not in missing:
            styles_el.append(copy.deepcopy(based_on.element))
            existing.add(based_on.name)
        styles_el.append(copy.deepcopy(source.element))
        existing.add(name)


def landscape(section) -> None:
    if section.orientation != WD_ORIENT.LANDSCAPE:
        width, height = section.page_width, section.page_height
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = max(width, height), min(width, height)


def usable_width(section) -> int:
    return section.page_width - section.left_margin - section.right_margin


def repeat_header(row) -> None:
    """Mark a table row as a header row that Word repeats on every page (w:tblHeader)."""
    tr_pr = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    tr_pr.append(header)


def set_widths(table, widths: list[int]) -> None:
    table.autofit = False
    for row in table.rows:
        for cell, width in zip(row.cells, widths):
            cell.width = width
    grid = table._tbl.tblGrid
    for col, width in zip(grid.findall(qn("w:gridCol")), widths):
        col.set(qn("w:w"), str(int(width / 635)))  # EMU -> twips


def add_table(document, header: list[str], rows: list[list[str]], widths: list[int] | None = None,
              font_size: float | None = None):
    """A Table Grid table with a bold repeated header row."""
    table = document.add_table(rows=1, cols=len(header))
    table.style = document.styles["Table Grid"]
    for cell, text in zip(table.rows[0].cells, header):
        cell_text(cell, text, bold=True, size=font_size)
    repeat_header(table.rows[0])
    for values in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, values):
            cell_text(cell, text, size=font_size)
    if widths:
        set_widths(table, widths)
    return table


def cell_text(cell, text: str, *, bold: bool = False, italic: bool = False, size: float | None = None):
    paragraph = cell.paragraphs[0]
    run = paragraph.add_run(text)
    run.bold = bold or None
    run.italic = italic or None
    if size:
        run.font.size = Pt(size)
    return paragraph


def add_toc(document, placeholder: str, levels: str = "1-2") -> None:
    """A table-of-contents field; Word fills it when fields are updated (it asks on opening)."""
    paragraph = document.add_paragraph()

    def fld(kind: str):
        el = OxmlElement("w:fldChar")
        el.set(qn("w:fldCharType"), kind)
        if kind == "begin":
            el.set(qn("w:dirty"), "true")
        run = OxmlElement("w:r")
        run.append(el)
        paragraph._p.append(run)

    fld("begin")
    instr_run = OxmlElement("w:r")
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f' TOC \\o "{levels}" \\h \\z \\u '
    instr_run.append(instr)
    paragraph._p.append(instr_run)
    fld("separate")
    paragraph.add_run(placeholder).italic = True
    fld("end")
    settings = document.settings.element
    if settings.find(qn("w:updateFields")) is None:
        update = OxmlElement("w:updateFields")
        update.set(qn("w:val"), "true")
        # the schema fixes the order of settings; Word refuses a file with updateFields after these
        _insert_before(settings, update, {qn(f"w:{n}") for n in SETTINGS_AFTER_UPDATE_FIELDS})


def _insert_before(parent, element, later: set[str]) -> None:
    """Add ``element`` to ``parent`` before its first child whose tag is in ``later`` (the elements
    the schema puts after it), or at the end."""
    following = next((child for child in parent if child.tag in later), None)
    if following is not None:
        following.addprevious(element)
    else:
        parent.append(element)


LANGUAGE_TAGS = {"da": "da-DK", "en": "en-GB", "sv": "sv-SE", "nb": "nb-NO", "no": "nb-NO", "de": "de-DE"}
# elements that come after w:lang in a run's properties (CT_RPr), and after w:cantSplit in a row's (CT_TrPr)
_AFTER_LANG = {qn(f"w:{n}") for n in ("eastAsianLayout", "specVanish", "oMath")}
_AFTER_TBL_HEADER = {qn(f"w:{n}") for n in ("tblCellSpacing", "jc", "hidden", "ins", "del", "trPrChange")}
_AFTER_CANT_SPLIT = {qn("w:trHeight"), qn("w:tblHeader")} | _AFTER_TBL_HEADER


def language_tag(language: str | None) -> str:
    """The Word proofing language for a source language ("da" -> "da-DK")."""
    lang = (language or "da").strip()
    return LANGUAGE_TAGS.get(lang.lower(), lang if "-" in lang else f"{lang}-{lang.upper()}")


def _set_lang(r_pr, tag: str) -> None:
    lang = r_pr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        _insert_before(r_pr, lang, _AFTER_LANG)
    lang.set(qn("w:val"), tag)
    lang.set(qn("w:eastAsia"), tag)


def _r_pr(parent, first: bool = False):
    r_pr = parent.find(qn("w:rPr"))
    if r_pr is None:
        r_pr = OxmlElement("w:rPr")
        if first:
            parent.insert(0, r_pr)
        else:
            parent.append(r_pr)
    return r_pr


def finish_document(document, language: str | None) -> None:
    """What every document we write gets before it is saved: Word proofs it in ``language`` (the
    sources' language, not en-US: w:lang on the document defaults, every style that names one and
    every run), and its table rows do not split across pages, the first row of each table repeated
    as a header on every page."""
    tag = language_tag(language)
    styles = document.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    if defaults is None:
        defaults = OxmlElement("w:docDefaults")
        styles.insert(0, defaults)
    r_pr_default = defaults.find(qn("w:rPrDefault"))
    if r_pr_default is None:
        r_pr_default = OxmlElement("w:rPrDefault")
        defaults.insert(0, r_pr_default)
    _set_lang(_r_pr(r_pr_default), tag)
    for style in styles.findall(qn("w:style")):
        r_pr = style.find(qn("w:rPr"))
        if r_pr is not None and r_pr.find(qn("w:lang")) is not None or style.get(qn("w:styleId")) == "Normal":
            _set_lang(_r_pr(style), tag)
    body = document.element.body
    for run in body.iter(qn("w:r")):
        _set_lang(_r_pr(run, first=True), tag)
    for table in body.iter(qn("w:tbl")):
        for number, row in enumerate(table.findall(qn("w:tr"))):
            tr_pr = row.find(qn("w:trPr"))
            if tr_pr is None:
                tr_pr = OxmlElement("w:trPr")
                tc = row.find(qn("w:tc"))
                if row.find(qn("w:tblPrEx")) is not None:
                    row.find(qn("w:tblPrEx")).addnext(tr_pr)
                elif tc is not None:
                    tc.addprevious(tr_pr)
                else:
                    row.append(tr_pr)
            if tr_pr.find(qn("w:cantSplit")) is None:
                _insert_before(tr_pr, OxmlElement("w:cantSplit"), _AFTER_CANT_SPLIT)
            if number == 0 and tr_pr.find(qn("w:tblHeader")) is None:
                _insert_before(tr_pr, OxmlElement("w:tblHeader"), _AFTER_TBL_HEADER)


def save_document(document, path: str | Path, language: str | None) -> None:
    """``finish_document``, then save."""
    finish_document(document, language)
    document.save(str(path))


def all_text(document) -> str:
    """Every piece of text in the body, tables included (for tests and checks)."""
    parts = []
    for element in document.element.body.iter(qn("w:t"), qn("w:instrText")):
        parts.append(element.text or "")
    return "\n".join(parts)
