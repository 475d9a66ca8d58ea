"""Word comments of a .docx as ranges of the transcript's plain text.

A comment is anchored in ``word/document.xml`` by ``w:commentRangeStart`` and ``w:commentRangeEnd``
elements between runs (and a ``w:commentReference`` run after the end); its author and text live in
the comments part. We walk the body in document order and count the characters of exactly the runs
that the docx reader's plain text is made of (direct runs of body paragraphs and of their
hyperlinks, joined by ``\\n``), so each marker becomes a code-point offset into that text. Ranges may
span several paragraphs and speakers.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from ..errors import InputError
from .model import Transcript

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
COMMENTS_RELTYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/comments"
RUN_TEXT_TAGS = {W + t for t in ("t", "tab", "br", "cr", "noBreakHyphen", "ptab")}
MARKER_TAGS = tuple(W + t for t in ("commentRangeStart", "commentRangeEnd", "commentReference"))


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


def _run_length(run) -> int:
    """Characters a ``w:r`` adds to python-docx's ``paragraph.text`` (its inner elements' ``str()``)."""
    return sum(len(str(e)) for e in run if e.tag in RUN_TEXT_TAGS)


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


def _comments_part(document):
    for rel in document.part.rels.values():
        if rel.reltype == COMMENTS_RELTYPE and not rel.is_external:
            return rel.target_part
    return None


def read_word_comments(path: Path, raw: bytes, transcript: Transcript, document=None) -> list[WordComment]:
    """Every comment of the document with its range in ``transcript.text`` (as read by the docx reader)."""
    from .docx_reader import open_document

    path = Path(path)
    document = document if document is not None else open_document(path, raw)
    part = _comments_part(document)
    if part is None:
        return []
    try:
        root = etree.fromstring(part.blob)
    except etree.XMLSyntaxError as exc:
        raise InputError(path, f"the Word comments part is not readable XML ({exc})") from None

    starts: dict[str, tuple[int, int]] = {}
    ends: dict[str, int] = {}
    references: dict[str, tuple[int, int]] = {}
    pending_starts: list[str] = []  # range starts between paragraphs: they begin at the next paragraph
    paragraph_starts = transcript.paragraph_starts
    text = transcript.text
    index = -1
    previous_end = 0
    for child in document.element.body.iterchildren():
        if child.tag == W + "p":
            index += 1
            if index >= len(paragraph_starts):
                raise InputError(path, "the Word body changed while reading its comments", f"paragraph {index + 1}")
            base = paragraph_starts[index]
            for cid in pending_starts:
                starts[cid] = (base, index)
            pending_starts = []
            previous_end = (paragraph_starts[index + 1] - 1 if index + 1 < len(paragraph_starts) else len(text))
            if next(child.iter(*MARKER_TAGS), None) is None:
                continue  # no comment marker here: nothing to count
            position = 0
            for element in child.iter():
                tag = element.tag
                if tag == W + "commentRangeStart":
                    starts[element.get(W + "id")] = (base + position, index)
                elif tag == W + "commentRangeEnd":
                    ends[element.get(W + "id")] = base + position
                elif tag == W + "commentReference":
                    references[element.get(W + "id")] = (base + position, index)
                elif tag == W + "r":
                    parent = element.getparent()
                    if parent is child or (parent.tag == W + "hyperlink" and parent.getparent() is child):
                        position += _run_length(element)
            expected = previous_end - base
            if position != expected:
                raise InputError(path, f"could not place the Word comments: the paragraph has {position} "
                                       f"characters in its runs but {expected} in the text", f"paragraph {index + 1}")
        else:  # tables, content controls, section properties: not part of the transcript text
            for element in child.iter():
                if element.tag == W + "commentRangeStart":
                    pending_starts.append(element.get(W + "id"))
                elif element.tag == W + "commentRangeEnd":
                    ends[element.get(W + "id")] = previous_end

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
