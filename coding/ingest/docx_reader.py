"""Word transcripts: one paragraph per turn or several, labels at paragraph start (bold or not).

The plain text is the document's body paragraphs joined by newlines; ``paragraph_starts`` keeps
where each paragraph begins so that Word comments can be placed on it later.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from ..errors import InputError
from .labels import build_turns
from .model import Block, Transcript

HEADING_STYLES = ("heading", "title", "subtitle", "overskrift", "titel", "undertitel")


def open_document(path: Path, raw: bytes):
    import docx  # python-docx

    if not raw:
        raise InputError(path, "the file is empty")
    if not zipfile.is_zipfile(io.BytesIO(raw)):
        raise InputError(path, "not a Word .docx file (it is not a zip package)")
    try:
        return docx.Document(io.BytesIO(raw))
    except Exception as exc:  # python-docx raises several types for broken packages
        raise InputError(path, f"not a readable Word .docx file ({exc.__class__.__name__}: {exc})") from None


def _is_heading(paragraph, cache: dict[str | None, bool]) -> bool:
    """Whether the paragraph's style is a heading; resolved once per style id and document
    (python-docx resolves the default style by scanning every style, per paragraph)."""
    style_id = paragraph._p.style
    if style_id not in cache:
        try:
            name = (paragraph.style.name or "").lower()
        except Exception:
            name = ""
        cache[style_id] = name.startswith(HEADING_STYLES)
    return cache[style_id]


def read_docx(path: Path, raw: bytes) -> Transcript:
    document = open_document(path, raw)
    blocks: list[Block] = []
    parts: list[str] = []
    offset = 0
    heading_styles: dict[str | None, bool] = {}
    for number, paragraph in enumerate(document.paragraphs, start=1):
        text = paragraph.text.replace("\r", " ")
        bold = "".join(r.text for r in _leading_bold_runs(paragraph))
        blocks.append(Block(start=offset, text=text, place=f"paragraph {number}",
                            heading=_is_heading(paragraph, heading_styles), bold_prefix=bold))
        parts.append(text)
        offset += len(text) + 1
    plain = "\n".join(parts)
    if not plain.strip():
        raise InputError(path, "the Word file has no text")
    turns = build_turns(blocks, str(path))
    props = document.core_properties
    attributes = {}
    if props.title:
        attributes["title"] = props.title
    language = (props.language or "").split("-")[0].lower() or None
    return Transcript(name=path.name, format="docx", text=plain, turns=turns, attributes=attributes,
                      language=language if language in ("da", "en") else None,
                      paragraph_starts=[b.start for b in blocks], document=document)


def _leading_bold_runs(paragraph):
    for run in paragraph.runs:
        if not run.bold:
            break
        yield run
