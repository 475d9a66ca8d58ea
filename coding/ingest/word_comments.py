"""Word comments of a .docx as ranges of the transcript's plain text.

A comment is anchored in ``word/document.xml`` by ``w:commentRangeStart`` and ``w:commentRangeEnd``
elements between runs (and a ``w:commentReference`` run after the end); its author and text live in
the comments part. The docx reader places every marker on the plain text while it reads the
paragraphs (:class:`coding.ingest.docx_reader.DocxParts`), so a marker's offset counts exactly the
characters the transcript is made of (tracked insertions included, deletions not). Ranges may span
several paragraphs and speakers; a range starting between paragraphs (in a table) begins at the next
paragraph, one ending there ends at the previous paragraph's end.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from ..errors import InputError
from .model import Transcript

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@dataclass
class WordComment:
    """One comment: who wrote it, what it says, and the ``[start, end)`` it marks (None if unplaced)."""

    comment_id: str
    author: str
    initials: str
    text: str
    start: int | None
    end: int | None
    paragraph: int | None  # 1-based body paragraph where the range starts, as in the reader's places

    @property
    def place(self) -> str:
        return f"paragraph {self.paragraph}" if self.paragraph else "outside the body text"


def _comment_text(comment) -> str:
    paragraphs = []
    for p in comment.iter(W + "p"):
        parts = []
        for e in p.iter():
            if e.tag == W + "t":
                parts.append(e.text or "")
            elif e.tag in (W + "tab", W + "ptab"):
                parts.append("\t")
            elif e.tag in (W + "br", W + "cr"):
                parts.append("\n")
        paragraphs.append("".join(parts))
    return "\n".join(paragraphs).strip()


def read_word_comments(path: Path, raw: bytes, transcript: Transcript, document=None) -> list[WordComment]:
    """Every comment of the document with its range in ``transcript.text`` (as read by the docx reader)."""
    from .docx_reader import DocxParts, read_docx

    path = Path(path)
    if not isinstance(document, DocxParts):
        document = read_docx(path, raw).document
    if document is None or document.comments_xml is None:
        return []
    try:
        root = etree.fromstring(document.comments_xml, parser=etree.XMLParser(resolve_entities=False,
                                                                              no_network=True))
    except etree.XMLSyntaxError as exc:
        raise InputError(path, f"the Word comments part is not readable XML ({exc})") from None
    starts, ends, references = document.starts, document.ends, document.references
    comments = []
    for element in root.iter(W + "comment"):
        cid = element.get(W + "id")
        start = starts.get(cid)
        end = ends.get(cid)
        paragraph = start[1] + 1 if start else None
        if start is None or end is None:
            reference = references.get(cid)
            if start is None and reference is not None:
                start, paragraph = reference, reference[1] + 1
            end = end if end is not None else (start[0] if start else None)
        begin = start[0] if start else None
        if begin is not None and end is not None and end < begin:
            begin, end = end, begin
        comments.append(WordComment(
            comment_id=cid or "", author=(element.get(W + "author") or "").strip(),
            initials=(element.get(W + "initials") or "").strip(), text=_comment_text(element),
            start=begin, end=end, paragraph=paragraph))
    comments.sort(key=lambda c: (c.start is None, c.start or 0, c.end or 0, c.comment_id))
    return comments
