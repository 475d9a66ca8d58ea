"""What a REFI-QDA project file says, as plain records: the XML of ``project.qde`` parsed and checked,
every problem named with its place in the file. Nothing here touches a project."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from ..errors import InputError
from . import guids
from .codebook_xml import NS_PROJECT, parse_codes
from .safety import Where, element_place

_Q = f"{{{NS_PROJECT}}}"


# --------------------------------------------------------------------------- what the file says


@dataclass
class CodingDoc:
    guid: str
    code: str
    user: str | None
    created: str | None
    notes: list[str]
    place: Where


@dataclass
class SelectionDoc:
    guid: str
    start: int
    end: int
    name: str
    user: str | None
    codings: list[CodingDoc]
    notes: list[str]
    place: Where


@dataclass
class SourceDoc:
    guid: str
    name: str
    path: str | None
    content: str | None
    selections: list[SelectionDoc]
    codings: list[CodingDoc]
    notes: list[str]
    variables: dict[str, str]
    place: Where


@dataclass
class CaseDoc:
    guid: str
    name: str
    variables: dict[str, str]
    sources: list[str]
    selections: list[str]
    place: Where


@dataclass
class NoteDoc:
    guid: str
    name: str
    content: str | None
    path: str | None
    user: str | None
    created: str | None
    place: Where


@dataclass
class ProjectDoc:
    name: str
    origin: str
    base_path: str
    users: dict[str, str] = field(default_factory=dict)
    codes: list[dict] = field(default_factory=list)
    variables: dict[str, tuple[str, str]] = field(default_factory=dict)
    cases: list[CaseDoc] = field(default_factory=list)
    sources: list[SourceDoc] = field(default_factory=list)
    notes: list[NoteDoc] = field(default_factory=list)
    project_notes: list[str] = field(default_factory=list)
    skipped: Counter = field(default_factory=Counter)


class ProjectParser:
    def __init__(self, file: Path, part: str):
        self.file = file
        self.part = part

    def fail(self, node: etree._Element, message: str):
        raise InputError(self.file, message, element_place(self.part, node))

    def guid(self, node: etree._Element, attribute: str = "guid") -> str:
        value = guids.normalize(node.get(attribute))
        if value is None:
            self.fail(node, f"{attribute}='{node.get(attribute) or ''}' is not a GUID")
        return value

    def integer(self, node: etree._Element, attribute: str) -> int:
        value = node.get(attribute)
        try:
            return int(value)
        except (TypeError, ValueError):
            self.fail(node, f"{attribute}='{value or ''}' is not a whole number")

    def refs(self, node: etree._Element, tag: str) -> list[str]:
        return [self.guid(r, "targetGUID") for r in node.iterchildren(_Q + tag)]

    def coding(self, node: etree._Element) -> CodingDoc:
        ref = node.find(_Q + "CodeRef")
        if ref is None:
            self.fail(node, "a <Coding> needs a <CodeRef>")
        return CodingDoc(self.guid(node), self.guid(ref, "targetGUID"), guids.normalize(node.get("creatingUser")),
                         node.get("creationDateTime"), self.refs(node, "NoteRef"), Where(self.part, node))

    def variable_values(self, node: etree._Element, variables: dict[str, tuple[str, str]]) -> dict[str, str]:
        values: dict[str, str] = {}
        for value in node.iterchildren(_Q + "VariableValue"):
            ref = value.find(_Q + "VariableRef")
            if ref is None:
                self.fail(value, "a <VariableValue> needs a <VariableRef>")
            target = self.guid(ref, "targetGUID")
            if target not in variables:
                self.fail(ref, f"refers to the variable {target}, which the file does not define in <Variables>")
            content = None
            for child in value.iterchildren():
                if etree.QName(child).localname.endswith("Value") and child.tag != _Q + "VariableRef":
                    content = (child.text or "").strip()
                    if child.tag == _Q + "BooleanValue":
                        content = {"1": "true", "0": "false"}.get(content, content.lower())
            if content:
                values[variables[target][0]] = content
        return values

    def project(self, root: etree._Element) -> ProjectDoc:
        qname = etree.QName(root)
        if qname.localname != "Project" or qname.namespace != NS_PROJECT:
            self.fail(root, f"the root element is <{qname.localname}> in namespace '{qname.namespace or ''}', "
                            f"expected <Project> in {NS_PROJECT}")
        doc = ProjectDoc(name=root.get("name") or "", origin=root.get("origin") or "",
                         base_path=root.get("basePath") or "")
        users = root.find(_Q + "Users")
        for user in users.iterchildren(_Q + "User") if users is not None else ():
            doc.users[self.guid(user)] = (user.get("name") or user.get("id") or "").strip() or self.guid(user)
        codebook = root.find(_Q + "CodeBook")
        if codebook is not None:
            codes = codebook.find(_Q + "Codes")
            if codes is None:
                self.fail(codebook, "a <CodeBook> needs <Codes>")
            doc.codes = parse_codes(codes, self.file, self.part)
        variables = root.find(_Q + "Variables")
        for variable in variables.iterchildren(_Q + "Variable") if variables is not None else ():
            name = (variable.get("name") or "").strip()
            if not name:
                self.fail(variable, "a variable needs a name")
            doc.variables[self.guid(variable)] = (name, variable.get("typeOfVariable") or "Text")
        cases = root.find(_Q + "Cases")
        for case in cases.iterchildren(_Q + "Case") if cases is not None else ():
            doc.cases.append(CaseDoc(self.guid(case), (case.get("name") or "").strip(),
                                     self.variable_values(case, doc.variables), self.refs(case, "SourceRef"),
                                     self.refs(case, "SelectionRef"), Where(self.part, case)))
        sources = root.find(_Q + "Sources")
        for source in sources.iterchildren() if sources is not None else ():
            kind = etree.QName(source).localname
            if kind != "TextSource":
                doc.skipped[kind] += 1
                continue
            if source.find(_Q + "PlainTextContent") is None and not source.get("plainTextPath"):
                doc.skipped["TextSource without plain text (rich text only)"] += 1
                continue
            doc.sources.append(self.text_source(source, doc))
        notes = root.find(_Q + "Notes")
        for note in notes.iterchildren(_Q + "Note") if notes is not None else ():
            doc.notes.append(NoteDoc(self.guid(note), (note.get("name") or "").strip(),
                                     note.findtext(_Q + "PlainTextContent"), note.get("plainTextPath"),
                                     guids.normalize(note.get("creatingUser")), note.get("creationDateTime"),
                                     Where(self.part, note)))
        doc.project_notes = self.refs(root, "NoteRef")
        return doc

    def text_source(self, node: etree._Element, doc: ProjectDoc) -> SourceDoc:
        selections = []
        for sel in node.iterchildren(_Q + "PlainTextSelection"):
            start, end = self.integer(sel, "startPosition"), self.integer(sel, "endPosition")
            if start < 0 or end < start:
                self.fail(sel, f"startPosition {start} and endPosition {end} do not make a span")
            selections.append(SelectionDoc(
                self.guid(sel), start, end, sel.get("name") or "", guids.normalize(sel.get("creatingUser")),
                [self.coding(c) for c in sel.iterchildren(_Q + "Coding")], self.refs(sel, "NoteRef"),
                Where(self.part, sel)))
        content = node.findtext(_Q + "PlainTextContent")
        path = node.get("plainTextPath")
        name = (node.get("name") or "").strip() or self.guid(node)
        return SourceDoc(self.guid(node), name, path, content, selections,
                         [self.coding(c) for c in node.iterchildren(_Q + "Coding")], self.refs(node, "NoteRef"),
                         self.variable_values(node, doc.variables), Where(self.part, node))
