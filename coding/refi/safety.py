"""Reading untrusted REFI-QDA files safely: zip entries, XML, sizes.

* A zip entry whose name is absolute (``/x``, ``C:/x``, ``\\\\server\\x``) or contains ``..`` refuses the
  whole archive before anything is read. Entries are read into memory, never extracted to disk.
* XML is parsed by lxml with entity resolution, DTD loading and network access switched off; a
  document with a DOCTYPE (where entities are declared) is refused outright, so neither external
  entities (``file:///etc/passwd``, ``http://...``) nor entity expansion bombs get anywhere.
* Every read is bounded: the project XML, each source and the archive as a whole; the bound is
  checked on the bytes actually inflated, not on the sizes the archive claims.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from lxml import etree

from ..errors import InputError

# Bounds on what a .qdpx may inflate to, so that reading one takes bounded memory (a source is
# held as bytes and as text while it is read): the project XML, one source (far larger than any
# interview transcript) and the whole archive.
MAX_XML_BYTES = 256 * 1024 * 1024
MAX_SOURCE_BYTES = 32 * 1024 * 1024
MAX_TOTAL_BYTES = 512 * 1024 * 1024
MAX_ENTRIES = 100_000

_DRIVE = re.compile(r"^[A-Za-z]:")


def entry_problem(name: str) -> str | None:
    """Why a zip entry name is refused, or None when it is fine."""
    if not name:
        return "has an empty name"
    unified = name.replace("\\", "/")
    if unified.startswith("/") or _DRIVE.match(unified):
        return "is an absolute path"
    if any(part == ".." for part in unified.split("/")):
        return "contains '..'"
    if "\x00" in name:
        return "contains a NUL character"
    return None


@dataclass
class SafeZip:
    """A checked archive: entries looked up case-insensitively, read with bounds."""

    path: Path
    archive: zipfile.ZipFile
    names: dict[str, str] = field(default_factory=dict)  # lower-case unified name -> real name
    total: int = 0

    @classmethod
    def open(cls, path: str | Path) -> "SafeZip":
        path = Path(path)
        try:
            archive = zipfile.ZipFile(path)
        except zipfile.BadZipFile:
            raise InputError(path, "not a REFI-QDA project (.qdpx is a zip archive; this file is not one)") from None
        infos = archive.infolist()
        if len(infos) > MAX_ENTRIES:
            archive.close()
            raise InputError(path, f"the archive has {len(infos)} entries (at most {MAX_ENTRIES} are read); refused")
        names: dict[str, str] = {}
        for info in infos:
            problem = entry_problem(info.filename)
            if problem:
                archive.close()
                raise InputError(path, f"zip entry '{info.filename}' {problem}; an archive that could write "
                                       "outside its folder is refused and nothing was imported")
            if not info.is_dir():
                names[info.filename.replace("\\", "/").lower()] = info.filename
        return cls(path, archive, names)

    def close(self) -> None:
        self.archive.close()

    def find(self, name: str) -> str | None:
        """The real entry name for ``name`` (case-insensitive, ``\\`` or ``/``), or None."""
        return self.names.get(name.replace("\\", "/").lower())

    def find_source(self, name: str) -> str | None:
        """A file of the sources folder: ``sources/NAME`` or ``Sources/NAME`` (any case)."""
        name = name.replace("\\", "/").lstrip("/")
        if entry_problem(name):
            return None
        return self.find(f"sources/{name}") or self.find(name)

    def read(self, entry: str, limit: int, what: str) -> bytes:
        """Read one entry, refusing it once more than ``limit`` bytes come out."""
        chunks, size = [], 0
        with self.archive.open(entry) as handle:
            while True:
                chunk = handle.read(1 << 20)
                if not chunk:
                    break
                size += len(chunk)
                self.total += len(chunk)
                if size > limit:
                    raise InputError(self.path, f"{what} '{entry}' is larger than {limit // (1024 * 1024)} MB, the "
                                                f"limit for one {what} read from a .qdpx; refused")
                if self.total > MAX_TOTAL_BYTES:
                    raise InputError(self.path, f"the archive inflates to more than {MAX_TOTAL_BYTES // (1024 * 1024)} "
                                                "MB, the limit for one .qdpx; refused")
                chunks.append(chunk)
        return b"".join(chunks)


def read_file_bounded(path: Path, limit: int, file: object, place: str) -> bytes:
    """A file outside the archive (relative:// or absolute:// sources), bounded like an entry."""
    try:
        size = path.stat().st_size
    except OSError:
        raise InputError(file, f"the source file {path} does not exist or cannot be read", place) from None
    if size > limit:
        raise InputError(file, f"the source file {path} is larger than {limit // (1024 * 1024)} MB, the limit for "
                               "one source; refused", place)
    return path.read_bytes()


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                           huge_tree=False, remove_comments=True, remove_pis=True)


def parse_xml(data: bytes, file: object, part: str) -> etree._Element:
    """Parse bytes into the root element, refusing DTDs/entities; errors name the line."""
    if len(data) > MAX_XML_BYTES:
        raise InputError(file, f"{part} is larger than {MAX_XML_BYTES // (1024 * 1024)} MB; refused")
    doctype_at = _doctype_line(data)
    if doctype_at is not None:
        raise InputError(file, "has a DOCTYPE declaration; REFI-QDA files need none, and entities "
                               "(external files, network addresses) are refused", f"{part} line {doctype_at}")
    try:
        tree = etree.fromstring(data, _parser()).getroottree()
    except etree.XMLSyntaxError as exc:
        line = exc.lineno or (exc.position[0] if getattr(exc, "position", None) else None)
        message = str(exc.msg if hasattr(exc, "msg") else exc).split(", line")[0]
        raise InputError(file, f"not well-formed XML ({message})", f"{part} line {line}" if line else part) from None
    if tree.docinfo.internalDTD is not None or tree.docinfo.doctype:
        raise InputError(file, "has a DOCTYPE declaration; entities are refused", part)
    for node in tree.iter():
        if isinstance(node, etree._Entity):
            raise InputError(file, f"uses the entity &{node.name}; entities are refused",
                             f"{part} line {node.sourceline}")
    return tree.getroot()


def _doctype_line(data: bytes) -> int | None:
    """Line of a ``<!DOCTYPE`` before the root element (UTF-8 or UTF-16 data), or None."""
    head = data[:131072]
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        text = head.decode("utf-16", errors="ignore")
    else:
        text = head.decode("utf-8", errors="ignore")
    match = re.search(r"<!DOCTYPE", text, re.IGNORECASE)
    if match is None:
        return None
    root = re.search(r"<[A-Za-z_]", text)
    if root is not None and root.start() < match.start():
        return None
    return text[: match.start()].count("\n") + 1


def element_place(part: str, node: etree._Element) -> str:
    """``project.qde line 12, <Code name="X">`` for messages."""
    tag = etree.QName(node).localname
    label = node.get("name")
    shown = f'<{tag} name="{label}">' if label else (f'<{tag} guid="{node.get("guid")}">' if node.get("guid") else f"<{tag}>")
    return f"{part} line {node.sourceline}, {shown}"


class Where:
    """An element's place, formatted only when a message needs it (imports hold many thousands)."""

    __slots__ = ("part", "node")

    def __init__(self, part: str, node: etree._Element):
        self.part = part
        self.node = node

    def __str__(self) -> str:
        return element_place(self.part, self.node)


def safe_member_path(base: Path, relative: str) -> Path:
    """``relative`` under ``base`` (for relative:// paths)."""
    return base / PurePosixPath(relative.replace("\\", "/"))
