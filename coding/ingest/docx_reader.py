"""Word transcripts, read from the package's XML with lxml (python-docx's object model cost more
than half of a Word import).

The plain text is the body's paragraphs joined by newlines (a paragraph's own line breaks stay
``\\n``); ``paragraph_starts`` keeps where each paragraph begins. Each line of a paragraph is a
block for the turn parser, so a label after a soft line break starts a turn too. The text of a
run is its ``w:t`` text, tabs and line breaks, as python-docx reads it; runs inside hyperlinks,
smart tags, content controls, fields and tracked insertions (``w:ins``, ``w:moveTo``) are text of
the paragraph, runs inside tracked deletions (``w:del``, ``w:moveFrom``) are not, and a file with
unaccepted changes gives a warning naming it. Word comment markers are placed on the same text in
the same pass (:mod:`coding.ingest.word_comments` turns them into ranges).
"""

from __future__ import annotations

import io
import posixpath
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from ..errors import InputError
from .labels import build_turns
from .model import Block, Transcript

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
OFFICE_DOCUMENT = "/officeDocument"
COMMENTS_RELTYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/comments"
STYLES_RELTYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles"
HEADING_STYLES = ("heading", "title", "subtitle", "overskrift", "titel", "undertitel")
# Largest document part read (uncompressed): far above any real transcript, low enough that a zip bomb
# cannot exhaust memory
MAX_PART_BYTES = 400 * 1024 * 1024

_P, _R, _T, _TAB, _PTAB, _BR, _CR, _NBH = (W + t for t in ("p", "r", "t", "tab", "ptab", "br", "cr",
                                                          "noBreakHyphen"))
_PPR, _PSTYLE, _RPR, _B, _VAL, _TYPE = W + "pPr", W + "pStyle", W + "rPr", W + "b", W + "val", W + "type"
_INSERTED = {W + "ins", W + "moveTo"}
_DELETED = {W + "del", W + "moveFrom"}
# elements inside a paragraph whose runs are part of its text
_CONTAINERS = {W + t for t in ("hyperlink", "smartTag", "customXml", "sdt", "sdtContent", "fldSimple",
                               "dir", "bdo")} | _INSERTED
_START, _END, _REF = W + "commentRangeStart", W + "commentRangeEnd", W + "commentReference"
_OFF = {"0", "false", "off", "none"}


@dataclass
class DocxParts:
    """What the comment reader needs from a read .docx: the comments part and where each comment's
    markers stand in the plain text (offset, 0-based paragraph index)."""

    comments_xml: bytes | None = None
    starts: dict[str, tuple[int, int]] = field(default_factory=dict)
    ends: dict[str, int] = field(default_factory=dict)
    references: dict[str, tuple[int, int]] = field(default_factory=dict)


class _Package:
    """The parts of a .docx that the reader uses, read from the zip without unpacking the rest."""

    def __init__(self, path: Path, raw: bytes):
        if not raw:
            raise InputError(path, "the file is empty")
        self.path = path
        try:
            self.zip = zipfile.ZipFile(io.BytesIO(raw))
        except zipfile.BadZipFile:
            raise InputError(path, "not a Word .docx file (it is not a zip package)") from None
        self.names = set(self.zip.namelist())
        main = None
        for target, reltype in self.relationships("_rels/.rels", ""):
            if reltype.endswith(OFFICE_DOCUMENT):
                main = target
        if main is None and "word/document.xml" in self.names:
            main = "word/document.xml"
        if main is None or main not in self.names:
            raise InputError(path, "not a Word .docx file (the package has no main document part)")
        self.main = main
        folder, name = posixpath.split(main)
        self.document_rels = dict((reltype, target) for target, reltype in
                                  self.relationships(posixpath.join(folder, "_rels", name + ".rels"), folder))

    def read(self, name: str) -> bytes:
        info = self.zip.getinfo(name)
        if info.file_size > MAX_PART_BYTES:
            raise InputError(self.path, f"the part {name} is {info.file_size // 2**20} MB uncompressed; the limit "
                                        f"is {MAX_PART_BYTES // 2**20} MB")
        try:
            return self.zip.read(name)
        except Exception as exc:  # a damaged member: CRC, compression
            raise InputError(self.path, f"not a readable Word .docx file ({name}: {exc})") from None

    def relationships(self, name: str, folder: str) -> list[tuple[str, str]]:
        if name not in self.names:
            return []
        root = self.xml(name)
        out = []
        for rel in root.iter(REL + "Relationship"):
            if rel.get("TargetMode") == "External":
                continue
            target = rel.get("Target") or ""
            target = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
            out.append((target, rel.get("Type") or ""))
        return out

    def xml(self, name: str):
        return self.parse(name, self.read(name))

    def parse(self, name: str, data: bytes):
        try:
            return etree.fromstring(data, parser=_PARSER)
        except etree.XMLSyntaxError as exc:
            raise InputError(self.path, f"not a readable Word .docx file ({name} is not valid XML: {exc})") from None

    def part(self, reltype: str) -> str | None:
        target = self.document_rels.get(reltype)
        return target if target in self.names else None


_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True, remove_comments=True,
                          remove_pis=True)


# The styles parts read last, by their bytes: files made from one template share theirs, and it is
# often the largest part of the package (Word's and python-docx's carry every built-in style)
_STYLES_READ: dict[bytes, tuple[frozenset[str], bool]] = {}
_STYLES_KEPT = 8


def _heading_styles(package: _Package) -> tuple[frozenset[str], bool]:
    """Style ids that are headings, and whether the default paragraph style is one."""
    name = package.part(STYLES_RELTYPE)
    if name is None:
        return frozenset(), False
    data = package.read(name)
    found = _STYLES_READ.get(data)
    if found is None:
        found = _read_heading_styles(package, name, data)
        if len(_STYLES_READ) >= _STYLES_KEPT:
            del _STYLES_READ[next(iter(_STYLES_READ))]
        _STYLES_READ[data] = found
    return found


def _read_heading_styles(package: _Package, name: str, data: bytes) -> tuple[frozenset[str], bool]:
    headings: set[str] = set()
    default_heading = False
    for style in package.parse(name, data).iter(W + "style"):
        if style.get(_TYPE) != "paragraph":
            continue
        element = style.find(W + "name")
        label = (element.get(_VAL) if element is not None else "") or ""
        is_heading = label.lower().startswith(HEADING_STYLES)
        if is_heading:
            headings.add(style.get(W + "styleId") or "")
        if style.get(W + "default") in ("1", "true", "on") and is_heading:
            default_heading = True
    return frozenset(headings), default_heading


def _bold(rpr) -> bool:
    """Whether a run's properties (``w:rPr``, or None) make it bold."""
    if rpr is None:
        return False
    b = rpr.find(_B)
    return b is not None and (b.get(_VAL) or "1").lower() not in _OFF


class _Paragraph:
    """Text of one paragraph with its comment markers and the length of its leading bold text."""

    __slots__ = ("parts", "length", "marks", "bold", "bold_open", "inserted", "deleted")

    def __init__(self):
        self.parts: list[str] = []
        self.length = 0
        self.marks: list[tuple[str, str, int]] = []
        self.bold = 0          # characters of bold text at the start
        self.bold_open = True  # still in the leading bold runs
        self.inserted = 0
        self.deleted = 0

    def walk(self, element) -> None:
        for child in element:
            tag = child.tag
            if tag == _R:
                self.run(child)
            elif tag in _CONTAINERS:
                if tag in _INSERTED:
                    self.inserted += 1
                self.walk(child)
            elif tag in _DELETED:
                self.deleted += 1
            elif tag == _START or tag == _END:
                self.marks.append((tag, child.get(W + "id") or "", self.length))

    def run(self, run) -> None:
        pieces = []
        rpr = None
        for e in run:
            tag = e.tag
            if tag == _T:
                if e.text:
                    pieces.append(e.text)
            elif tag == _TAB or tag == _PTAB:
                pieces.append("\t")
            elif tag == _BR:
                if (e.get(_TYPE) or "textWrapping") == "textWrapping":
                    pieces.append("\n")
            elif tag == _CR:
                pieces.append("\n")
            elif tag == _NBH:
                pieces.append("-")
            elif tag == _REF:
                self.marks.append((tag, e.get(W + "id") or "", self.length + sum(map(len, pieces))))
            elif tag == _RPR and rpr is None:
                rpr = e
        if not pieces:
            return
        text = "".join(pieces)
        if self.bold_open:
            if _bold(rpr):
                self.bold += len(text)
            else:
                self.bold_open = False
        self.parts.append(text)
        self.length += len(text)


def _body_paragraphs(body):
    """The body's paragraphs in order, also those inside block-level content controls."""
    for child in body:
        tag = child.tag
        if tag == _P:
            yield child
        elif tag in (W + "sdt", W + "sdtContent", W + "customXml"):
            inner = child.find(W + "sdtContent") if tag == W + "sdt" else child
            if inner is not None:
                yield from _body_paragraphs(inner)
        else:
            yield child  # tables, section properties: markers only


def read_docx(path: Path, raw: bytes, *, single_speaker: str | None = None) -> Transcript:
    package = _Package(path, raw)
    root = package.xml(package.main)
    body = root.find(W + "body")
    if body is None:
        raise InputError(path, "the Word file has no body")
    headings, default_heading = _heading_styles(package)
    blocks: list[Block] = []
    texts: list[str] = []
    starts: list[int] = []
    parts = DocxParts()
    pending: list[str] = []  # comments starting between paragraphs begin at the next one
    offset = 0
    inserted = deleted = tables = 0
    for element in _body_paragraphs(body):
        if element.tag != _P:
            if element.tag == W + "tbl" and "".join(element.itertext()).strip():
                tables += 1
            for marker in element.iter(_START, _END):
                if marker.tag == _START:
                    pending.append(marker.get(W + "id") or "")
                else:
                    parts.ends[marker.get(W + "id") or ""] = max(offset - 1, 0)
            continue
        index = len(starts)
        paragraph = _Paragraph()
        paragraph.walk(element)
        inserted += paragraph.inserted
        deleted += paragraph.deleted
        text = "".join(paragraph.parts).replace("\r", " ")
        ppr = element.find(_PPR)
        style = ppr.find(_PSTYLE) if ppr is not None else None
        heading = (style.get(_VAL) in headings) if style is not None else default_heading
        for cid in pending:
            parts.starts[cid] = (offset, index)
        pending = []
        for tag, cid, at in paragraph.marks:
            if tag == _START:
                parts.starts[cid] = (offset + at, index)
            elif tag == _END:
                parts.ends[cid] = offset + at
            else:
                parts.references[cid] = (offset + at, index)
        place = f"paragraph {index + 1}"
        line_start = 0
        for line in text.split("\n"):
            bold = text[line_start:min(paragraph.bold, line_start + len(line))] if paragraph.bold > line_start else ""
            blocks.append(Block(start=offset + line_start, text=line, place=place, heading=heading,
                                bold_prefix=bold))
            line_start += len(line) + 1
        starts.append(offset)
        texts.append(text)
        offset += len(text) + 1
    plain = "\n".join(texts)
    if not plain.strip():
        raise InputError(path, "the Word file has no text" + (" outside tables" if tables else ""))
    warnings: list[str] = []
    if inserted or deleted:
        warnings.append(f"{path.name}: has unaccepted tracked changes ({inserted} insertions, {deleted} "
                        "deletions); inserted text is read as part of the transcript, deleted text is not")
    if tables:
        warnings.append(f"{path.name}: the text of {tables} table{'s' if tables != 1 else ''} is not read "
                        "(only the body's paragraphs are)")
    turns = build_turns(blocks, str(path), unit="paragraph", single_speaker=single_speaker, warnings=warnings)
    attributes, language = _core_properties(package)
    comments = package.part(COMMENTS_RELTYPE)
    if comments is not None:
        parts.comments_xml = package.read(comments)
    return Transcript(name=path.name, format="docx", text=plain, turns=turns, attributes=attributes,
                      language=language, warnings=warnings, paragraph_starts=starts, document=parts)


def _core_properties(package: _Package) -> tuple[dict[str, str], str | None]:
    name = next((t for t, r in package.relationships("_rels/.rels", "") if r.endswith("/core-properties")),
                "docProps/core.xml")
    if name not in package.names:
        return {}, None
    root = package.xml(name)
    title = root.findtext("{http://purl.org/dc/elements/1.1/}title") or ""
    language = (root.findtext("{http://purl.org/dc/elements/1.1/}language") or "").split("-")[0].lower()
    return ({"title": title.strip()} if title.strip() else {}), (language or None)
