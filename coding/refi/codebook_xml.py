"""REFI-QDA codebooks: the ``<CodeBook>`` of a project (.qdpx) and a codebook file on its own (.qdc).

:func:`read_qdc` gives a flat list of code dicts (parents before children)::

    {"guid", "name", "codable", "color", "description", "parent" (guid or None), "line", "notes"}

:func:`write_qdc` writes a :class:`~coding.records.CodeTree` as a .qdc file that validates against
``Codebook-v1.0.xsd``. :func:`merge_codes` brings a list of such dicts into the store, matching
codes by GUID, then by name under the same parent; matched codes are left as they are.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
import unicodedata
from pathlib import Path
from typing import Iterable

from lxml import etree

from ..errors import InputError
from . import guids
from .safety import element_place, parse_xml

NS_PROJECT = "urn:QDA-XML:project:1.0"
NS_CODEBOOK = "urn:QDA-XML:codebook:1.0"
RGB_RE = re.compile(r"^#(?:[0-9A-Fa-f]{6}|[0-9A-Fa-f]{3})$")
TRUE = {"true", "1"}
FALSE = {"false", "0"}

_FOLD = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "Æ": "ae", "Ø": "oe", "Å": "aa", "ß": "ss"})


def slugify(name: str) -> str:
    """A code id from a name: lower case ASCII words joined by '_' ("Øget tillid" -> "oeget_tillid")."""
    folded = unicodedata.normalize("NFKD", name.translate(_FOLD))
    ascii_only = folded.encode("ascii", "ignore").decode("ascii").lower()
    slug = re.sub(r"[^a-z0-9]+", "_", ascii_only).strip("_")
    return slug or "code"


def parse_bool(value: str | None, file: object, place: str, attribute: str) -> bool:
    if value is None:
        raise InputError(file, f"the attribute {attribute} is missing", place)
    lowered = value.strip().lower()
    if lowered in TRUE:
        return True
    if lowered in FALSE:
        return False
    raise InputError(file, f"{attribute}='{value}' is not true or false", place)


def parse_codes(codes_element: etree._Element, file: object, part: str) -> list[dict]:
    """The ``<Code>`` elements under ``<Codes>``, depth first, each with its parent's GUID."""
    ns = etree.QName(codes_element).namespace
    out: list[dict] = []
    seen: dict[str, int] = {}

    def walk(element: etree._Element, parent: str | None) -> None:
        for node in element.iterchildren(f"{{{ns}}}Code"):
            place = element_place(part, node)
            guid = guids.normalize(node.get("guid"))
            if guid is None:
                raise InputError(file, f"guid='{node.get('guid') or ''}' is not a GUID", place)
            if guid in seen:
                raise InputError(file, f"the GUID {guid} is used by two codes (the other on line {seen[guid]})", place)
            seen[guid] = node.sourceline
            name = node.get("name")
            if name is None or not name.strip():
                raise InputError(file, "a code needs a name", place)
            color = node.get("color")
            description = node.findtext(f"{{{ns}}}Description") or ""
            out.append({
                "guid": guid, "name": name.strip(), "parent": parent, "line": node.sourceline,
                "codable": parse_bool(node.get("isCodable"), file, place, "isCodable"),
                "color": color.strip() if color and RGB_RE.match(color.strip()) else None,
                "description": description.strip(),
                "notes": [guids.normalize(r.get("targetGUID")) for r in node.iterchildren(f"{{{ns}}}NoteRef")],
            })
            walk(node, guid)

    walk(codes_element, None)
    return out


def read_qdc(path: str | Path) -> list[dict]:
    """The codes of a REFI-QDA codebook file (.qdc), parents before children."""
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "no such file")
    root = parse_xml(path.read_bytes(), path, path.name)
    qname = etree.QName(root)
    if qname.localname != "CodeBook" or qname.namespace not in (NS_CODEBOOK, NS_PROJECT):
        raise InputError(path, f"the root element is <{qname.localname}>, expected <CodeBook> of the REFI-QDA "
                               f"codebook namespace {NS_CODEBOOK}", f"{path.name} line {root.sourceline}")
    codes = root.find(f"{{{qname.namespace}}}Codes")
    if codes is None:
        raise InputError(path, "the codebook has no <Codes> element", element_place(path.name, root))
    return parse_codes(codes, path, path.name)


# --------------------------------------------------------------------------- writing


def code_name(node: dict, language: str) -> str:
    labels = node.get("labels") or {}
    return (labels.get(language) or next((v for v in labels.values() if v), None) or node["code"]).strip() or node["code"]


def add_code_elements(parent: etree._Element, tree, ns: str, language: str,
                      note_refs: dict[int, list[str]] | None = None) -> int:
    """Nested ``<Code>`` elements for the whole tree under ``parent``; returns how many."""
    count = 0

    def walk(element: etree._Element, parent_id: int | None) -> None:
        nonlocal count
        for node in tree.children(parent_id):
            attrs = {"guid": guids.for_export(node["guid"], "code"), "name": code_name(node, language),
                     "isCodable": "true" if node["codable"] else "false"}
            if node.get("color") and RGB_RE.match(str(node["color"]).strip()):
                attrs["color"] = str(node["color"]).strip()
            child = etree.SubElement(element, f"{{{ns}}}Code", attrs)
            if node.get("definition"):
                etree.SubElement(child, f"{{{ns}}}Description").text = node["definition"]
            for target in (note_refs or {}).get(node["id"], []):
                etree.SubElement(child, f"{{{ns}}}NoteRef", targetGUID=target)
            count += 1
            walk(child, node["id"])

    walk(parent, None)
    return count


def write_qdc(code_tree, path: str | Path, *, language: str = "da", origin: str | None = None) -> int:
    """Write the codebook as a REFI-QDA .qdc file; returns the number of codes written."""
    if not code_tree.by_id:
        raise InputError(path, "the project has no codes to write")
    root = etree.Element(f"{{{NS_CODEBOOK}}}CodeBook", nsmap={None: NS_CODEBOOK},
                         origin=origin or _origin())
    codes = etree.SubElement(root, f"{{{NS_CODEBOOK}}}Codes")
    count = add_code_elements(codes, code_tree, NS_CODEBOOK, language)
    write_bytes_atomically(Path(path), etree.tostring(root, xml_declaration=True, encoding="utf-8",
                                                       pretty_print=True))
    return count


def _origin() -> str:
    from ..version import __version__

    return f"coding {__version__}"


def write_bytes_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


# --------------------------------------------------------------------------- into the store


def merge_codes(store, codes: Iterable[dict], *, language: str = "da",
                extras: dict[str, dict] | None = None) -> tuple[dict[str, int], dict[str, int]]:
    """Bring codes into the store; returns ({file GUID: code id}, {"new": n, "matched": m}).

    A code is matched by GUID, then by name (its id or any of its labels, ignoring case) among the
    children of the code its parent was matched to, among the codes the project had before. Matched codes are left as they are; new codes
    get the file's GUID, name (as the label in ``language``), description (as definition), colour and
    isCodable. ``extras`` (from our own exports) restores what REFI cannot carry: id, labels,
    inclusion/exclusion, examples, rules and position."""
    extras = extras or {}
    rows = store.codes()
    by_guid = {(guids.normalize(r["guid"]) or r["guid"]): r for r in rows}
    taken = {r["code"] for r in rows}
    children: dict[int | None, dict[str, int]] = {}
    next_position: dict[int | None, int] = {}
    for r in rows:
        names = children.setdefault(r["parent_id"], {})
        for name in [r["code"], *json.loads(r["labels"] or "{}").values()]:
            if name:
                names.setdefault(str(name).strip().casefold(), r["id"])
        next_position[r["parent_id"]] = max(next_position.get(r["parent_id"], 0), r["position"] + 1)
    mapping: dict[str, int] = {}
    counts = {"new": 0, "matched": 0}
    for code in codes:
        parent_id = mapping.get(code["parent"]) if code["parent"] else None
        row = by_guid.get(code["guid"])
        found = int(row["id"]) if row is not None else children.get(parent_id, {}).get(code["name"].casefold())
        if found is not None:
            mapping[code["guid"]] = found
            counts["matched"] += 1
            continue
        extra = extras.get(code["guid"]) or {}
        slug = _unique(str(extra.get("code") or slugify(code["name"])), taken, store, parent_id)
        labels = extra.get("labels") if isinstance(extra.get("labels"), dict) and extra.get("labels") else {language: code["name"]}
        position = extra.get("position")
        if not isinstance(position, int):
            position = next_position.get(parent_id, 0)
        code_id = store.upsert_code(
            code=slug, parent_id=parent_id, labels=labels, definition=code["description"],
            include=str(extra.get("include") or ""), exclude=str(extra.get("exclude") or ""),
            examples=extra.get("examples") if isinstance(extra.get("examples"), list) else None,
            color=code["color"], rules=extra.get("rules") if isinstance(extra.get("rules"), dict) else None,
            codable=code["codable"], position=position, guid=code["guid"])
        taken.add(slug)
        next_position[parent_id] = max(next_position.get(parent_id, 0), position + 1)
        mapping[code["guid"]] = code_id  # not matchable by name: two codes of one file stay two
        counts["new"] += 1
    return mapping, counts


def _unique(slug: str, taken: set[str], store, parent_id: int | None) -> str:
    if slug not in taken:
        return slug
    if parent_id is not None:
        parent = next((r for r in store.codes() if r["id"] == parent_id), None)
        if parent is not None and f"{parent['code']}_{slug}" not in taken:
            return f"{parent['code']}_{slug}"
    number = 2
    while f"{slug}_{number}" in taken:
        number += 1
    return f"{slug}_{number}"


def import_qdc(store, path: str | Path, *, language: str = "da") -> dict[str, int]:
    """Read a .qdc file and merge its codes into the store (the caller holds the transaction)."""
    return merge_codes(store, read_qdc(path), language=language)[1]
