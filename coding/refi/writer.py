"""Writing the project as a REFI-QDA project (.qdpx): ``project.qde`` plus one UTF-8 text per source.

The file validates against the REFI-QDA Project schema (mrt2019). GUIDs come from the store where it
keeps them and are derived (UUID v5) from names where it does not, so two exports of the same project
are identical. Offsets are counted in code points in the ``\\n``-only text that is written.

What REFI cannot hold (code ids and labels in two languages, inclusion/exclusion, rules, coding
origin, turns and their speakers, participant ids) goes into ``coding.json`` beside ``project.qde``;
other tools pass it over, and our own import uses it to bring the project back exactly.
"""

from __future__ import annotations

import datetime as _dt
import functools
import io
import json
import re
import zipfile
from collections import Counter
from pathlib import Path

from lxml import etree

from ..errors import InputError
from ..ordering import natural_key
from ..records import CodeTree
from . import guids
from .codebook_xml import NS_PROJECT, _origin, add_code_elements, write_bytes_atomically
from .reader import EXTRAS_ENTRY, EXTRAS_FORMAT, MUNICIPALITY_ATTRIBUTES, project_language
_Q = f"{{{NS_PROJECT}}}"
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)


@functools.lru_cache(maxsize=4096)
def _zulu(value: str | None) -> str | None:
    if not value:
        return None
    try:
        stamp = _dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=_dt.timezone.utc)
    return stamp.astimezone(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def variable_type(values: list[str]) -> str:
    """The REFI type every value of an attribute fits: Boolean, Integer, Float, Date, DateTime or Text."""
    values = [v.strip() for v in values if v is not None and v.strip()]
    if not values:
        return "Text"
    checks = [
        ("Boolean", lambda v: v.lower() in ("true", "false")),
        ("Integer", lambda v: re.fullmatch(r"-?(0|[1-9]\d{0,17})", v) is not None),
        ("Float", lambda v: re.fullmatch(r"-?(0|[1-9]\d*)\.\d+", v) is not None),
        ("Date", lambda v: re.fullmatch(r"\d{4}-\d{2}-\d{2}", v) is not None and _date_ok(v)),
        ("DateTime", lambda v: re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?", v)
         is not None and _datetime_ok(v)),
    ]
    for name, check in checks:
        if all(check(v) for v in values):
            return name
    return "Text"


def _date_ok(value: str) -> bool:
    try:
        _dt.date.fromisoformat(value)
        return True
    except ValueError:
        return False


def _datetime_ok(value: str) -> bool:
    try:
        _dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        return True
    except ValueError:
        return False


VALUE_ELEMENT = {"Text": "TextValue", "Boolean": "BooleanValue", "Integer": "IntegerValue",
                 "Float": "FloatValue", "Date": "DateValue", "DateTime": "DateTimeValue"}


def project_cases(store) -> list[dict]:
    """The project's cases: one per municipality (from source and participant attributes) and one per
    participant, each with its attributes and the GUIDs of the sources it appears in."""
    sources = {row["id"]: row for row in store.sources()}
    source_attrs = store.all_source_attributes()
    participant_rows = {row["pid"]: row for row in store.participants()}
    participant_attrs = store.all_participant_attributes()
    appears: dict[int, set[str]] = {}
    municipality_sources: dict[str, set[str]] = {}

    def municipality(attrs: dict[str, str]) -> tuple[str, str] | None:
        for name in MUNICIPALITY_ATTRIBUTES:
            if attrs.get(name, "").strip():
                return name, attrs[name].strip()
        return None

    found: dict[str, str] = {}
    for source_id, row in sources.items():
        guid = guids.for_export(row["guid"], "source")
        own = municipality(source_attrs.get(source_id, {}))
        if own:
            found.setdefault(own[1], own[0])
            municipality_sources.setdefault(own[1], set()).add(guid)
        for speaker in store.speakers(source_id):
            participant = participant_rows.get(speaker["participant"])
            if participant is None:
                continue
            appears.setdefault(participant["id"], set()).add(guid)
            theirs = municipality(participant_attrs.get(participant["id"], {}))
            if theirs:
                found.setdefault(theirs[1], theirs[0])
                municipality_sources.setdefault(theirs[1], set()).add(guid)
    for participant in participant_rows.values():
        theirs = municipality(participant_attrs.get(participant["id"], {}))
        if theirs:
            found.setdefault(theirs[1], theirs[0])
            municipality_sources.setdefault(theirs[1], set())
    cases = []
    for value in sorted(found, key=natural_key):
        cases.append({"guid": guids.derived("case:municipality", value.casefold()), "name": value,
                      "kind": "municipality", "attributes": {found[value]: value},
                      "sources": sorted(municipality_sources.get(value, ()))})
    for pid in sorted(participant_rows, key=natural_key):
        row = participant_rows[pid]
        cases.append({"guid": guids.for_export(row["guid"], "participant"), "name": pid, "kind": "participant",
                      "attributes": dict(sorted(participant_attrs.get(row["id"], {}).items())),
                      "sources": sorted(appears.get(row["id"], ())), "auto": bool(row["auto"])})
    return cases


class _Writer:
    def __init__(self, store, language: str, name: str):
        self.store = store
        self.language = language
        self.name = name
        self.known = json.loads(store.get_meta("refi_guids") or "{}")
        self.tree = CodeTree.load(store)
        self.sources = store.sources()
        self.texts = store.source_texts()
        self.source_attrs = store.all_source_attributes()
        self.codings = list(store.codings())
        self.memos = store.memos()                # on the project, sources and spans
        self.code_memos = store.code_memos()      # by code id
        self.coding_memos = store.coding_memos()  # by coding id
        self.cases = project_cases(store)
        self.participant_guids = {case["name"]: case["guid"] for case in self.cases if case["kind"] == "participant"}
        self.extras: dict = {"format": EXTRAS_FORMAT, "version": 1,
                             "about": "Written by the coding toolkit; what REFI-QDA cannot hold. Other tools "
                                      "may ignore this file.",
                             "codes": {}, "sources": {}, "participants": {}, "cases": {}, "codings": {}, "memos": {},
                             "summaries": {}, "case_statuses": {}}

    def user_guid(self, name: str) -> str:
        return guids.normalize(self.known.get(f"user:{name}")) or guids.derived("user", name)

    def variable_guid(self, name: str) -> str:
        return guids.normalize(self.known.get(f"variable:{name}")) or guids.derived("variable", name)

    def code_guid(self, code_id: int) -> str:
        return guids.for_export(self.tree.by_id[code_id]["guid"], "code")

    def build(self) -> tuple[bytes, dict[str, bytes], dict]:
        root = etree.Element(_Q + "Project", nsmap={None: NS_PROJECT}, name=self.name, origin=_origin())
        counts: Counter = Counter()
        every_memo = [*self.memos, *(m for rows in self.code_memos.values() for m in rows),
                      *(m for rows in self.coding_memos.values() for m in rows)]
        users = sorted({c["coder"] for c in self.codings} | {m["author"] for m in every_memo if m["author"]},
                       key=str.casefold)
        if users:
            element = etree.SubElement(root, _Q + "Users")
            for user in users:
                etree.SubElement(element, _Q + "User", guid=self.user_guid(user), name=user)
        counts["users"] = len(users)
        notes: list[etree._Element] = []
        if self.tree.by_id:
            codebook = etree.SubElement(root, _Q + "CodeBook")
            code_notes = {code_id: [self.note_for_memo(memo, notes) for memo in rows]
                          for code_id, rows in self.code_memos.items()}
            counts["codes"] = add_code_elements(etree.SubElement(codebook, _Q + "Codes"), self.tree, NS_PROJECT,
                                                self.language, note_refs=code_notes)
            for node in self.tree.by_id.values():
                self.extras["codes"][self.code_guid(node["id"])] = {
                    "code": node["code"], "labels": node["labels"], "include": node["include"],
                    "exclude": node["exclude"], "examples": node["examples"], "rules": node["rules"],
                    "position": node["position"]}
        variables = self.variables()
        if variables:
            element = etree.SubElement(root, _Q + "Variables")
            for name, kind in variables.items():
                etree.SubElement(element, _Q + "Variable", guid=self.variable_guid(name), name=name,
                                 typeOfVariable=kind)
        counts["variables"] = len(variables)
        if self.cases:
            element = etree.SubElement(root, _Q + "Cases")
            for case in self.cases:
                node = etree.SubElement(element, _Q + "Case", guid=case["guid"], name=case["name"])
                for attr, value in case["attributes"].items():
                    self.variable_value(node, attr, value, variables)
                for target in case["sources"]:
                    etree.SubElement(node, _Q + "SourceRef", targetGUID=target)
                self.extras["cases"][case["guid"]] = {"kind": case["kind"]}
                if case["kind"] == "participant":
                    self.extras["participants"][case["guid"]] = {"pid": case["name"], "auto": case["auto"]}
        counts["cases"] = len(self.cases)
        project_note_refs: list[str] = []
        files: dict[str, bytes] = {}
        by_source: dict[int, list] = {}
        for coding in self.codings:
            by_source.setdefault(coding["source_id"], []).append(coding)
        memos_by_source: dict[int | None, list] = {}
        for memo in self.memos:
            memos_by_source.setdefault(memo["source_id"], []).append(memo)
        if self.sources:
            element = etree.SubElement(root, _Q + "Sources")
            for source in self.sources:
                self.source(element, source, by_source.get(source["id"], []), memos_by_source.get(source["id"], []),
                            variables, notes, files, counts)
        for memo in memos_by_source.get(None, []):
            project_note_refs.append(self.note_for_memo(memo, notes))
        for memo in every_memo:
            self.extras["memos"][guids.for_export(memo["guid"], "memo")] = {"origin": memo["origin"]}
        counts["memos"] = len(every_memo)
        project_note_refs.extend(self.analyst_work(notes))
        if notes:
            element = etree.SubElement(root, _Q + "Notes")
            element.extend(notes)
        for target in project_note_refs:
            etree.SubElement(root, _Q + "NoteRef", targetGUID=target)
        xml = etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)
        return xml, files, dict(counts)

    def variables(self) -> dict[str, str]:
        values: dict[str, list[str]] = {}
        for attrs in self.source_attrs.values():
            for name, value in attrs.items():
                values.setdefault(name, []).append(value)
        for case in self.cases:
            for name, value in case["attributes"].items():
                values.setdefault(name, []).append(value)
        return {name: variable_type(values[name]) for name in sorted(values, key=str.casefold)}

    def variable_value(self, parent: etree._Element, name: str, value: str, variables: dict[str, str]) -> None:
        if value is None or not str(value).strip():
            return
        kind = variables[name]
        node = etree.SubElement(parent, _Q + "VariableValue")
        etree.SubElement(node, _Q + "VariableRef", targetGUID=self.variable_guid(name))
        shown = str(value).strip()
        etree.SubElement(node, _Q + VALUE_ELEMENT[kind]).text = shown.lower() if kind == "Boolean" else shown

    def source(self, parent, source, codings, memos, variables, notes, files, counts) -> None:
        guid = guids.for_export(source["guid"], "source")
        text = self.texts[source["id"]]
        node = etree.SubElement(parent, _Q + "TextSource", guid=guid, name=source["name"],
                                plainTextPath=f"internal://{guid}.txt")
        files[f"sources/{guid}.txt"] = text.encode("utf-8")
        selections = []
        for coding in codings:
            selections.append((coding["start"], coding["end"], self.code_guid(coding["code_id"]),
                               guids.for_export(coding["guid"], "coding"), coding, None))
        for memo in memos:
            if memo["start"] is not None and memo["end"] is not None:
                selections.append((memo["start"], memo["end"], "", guids.for_export(memo["guid"], "memo"), None, memo))
        for start, end, code_guid, item_guid, coding, memo in sorted(selections, key=lambda s: s[:4]):
            if coding is not None:
                user = self.user_guid(coding["coder"])
                created = _zulu(coding["created_at"])
                attrs = {"guid": guids.derived("selection", item_guid), "name": "", "startPosition": str(start),
                         "endPosition": str(end), "creatingUser": user}
                if created:
                    attrs["creationDateTime"] = created
                selection = etree.SubElement(node, _Q + "PlainTextSelection", attrs)
                coding_attrs = {"guid": item_guid, "creatingUser": user}
                if created:
                    coding_attrs["creationDateTime"] = created
                element = etree.SubElement(selection, _Q + "Coding", coding_attrs)
                etree.SubElement(element, _Q + "CodeRef", targetGUID=code_guid)
                for memo in self.coding_memos.get(coding["id"], ()):
                    etree.SubElement(element, _Q + "NoteRef", targetGUID=self.note_for_memo(memo, notes))
                self.extras["codings"][item_guid] = {"origin": coding["origin"], "rule": coding["rule"],
                                                     "matched": coding["matched"]}
                counts["codings"] += 1
            else:
                selection = etree.SubElement(node, _Q + "PlainTextSelection", {
                    "guid": guids.derived("memo-selection", item_guid), "name": "",
                    "startPosition": str(start), "endPosition": str(end)})
                etree.SubElement(selection, _Q + "NoteRef", targetGUID=self.note_for_memo(memo, notes))
        for memo in memos:
            if memo["start"] is None or memo["end"] is None:
                etree.SubElement(node, _Q + "NoteRef", targetGUID=self.note_for_memo(memo, notes))
        for name, value in sorted(self.source_attrs.get(source["id"], {}).items()):
            self.variable_value(node, name, value, variables)
        speakers = {}
        for speaker in self.store.speakers(source["id"]):
            if speaker["participant"] in self.participant_guids:
                speakers[speaker["label"]] = self.participant_guids[speaker["participant"]]
        self.extras["sources"][guid] = {
            "name": source["name"], "path": source["path"], "format": source["format"],
            "language": source["language"], "file_sha256": source["file_sha256"],
            "turns": [{"start": t["start"], "end": t["end"], "speaker": t["speaker"], "timestamp": t["timestamp"],
                       "end_timestamp": t["end_timestamp"]} for t in self.store.turns(source["id"])],
            "speakers": speakers}
        counts["sources"] += 1

    def analyst_work(self, notes: list) -> list[str]:
        """The analyst's summaries (one note each, which other tools show as project memos) and the
        case statuses (REFI has no place for them: ``coding.json`` only); returns the note GUIDs."""
        refs = []
        for row in self.store.summaries():
            key = f"{row['case_by']}\x1f{row['case_value']}\x1f{self.code_guid(row['code_id'])}"
            guid = guids.derived("summary", key)
            label = self.tree.label(row["code_id"], self.language)
            text = f"Summary — {row['case_by']} {row['case_value']}, {label}\n\n{row['text']}"
            note = self.note(guid, text, None, row["updated_at"])
            note.set("name", f"Summary: {row['case_value']} / {label}"[:60])
            notes.append(note)
            refs.append(guid)
            self.extras["summaries"][guid] = {"case_by": row["case_by"], "case_value": row["case_value"],
                                              "code": self.code_guid(row["code_id"]), "text": row["text"],
                                              "updated_at": row["updated_at"]}
        self.extras["case_statuses"] = {
            f"{r['case_by']}:{r['case_value']}": {"case_by": r["case_by"], "case_value": r["case_value"],
                                                  "status": r["status"], "date": r["date"],
                                                  "updated_at": r["updated_at"]}
            for r in self.store.case_statuses()}
        return refs

    def note_for_memo(self, memo, notes: list) -> str:
        guid = guids.for_export(memo["guid"], "memo")
        notes.append(self.note(guid, memo["text"], memo["author"], memo["created_at"]))
        return guid

    def note(self, guid: str, text: str, author: str | None, created: str | None) -> etree._Element:
        first = (text or "").strip().split("\n", 1)[0]
        name = first if len(first) <= 60 else first[:59].rstrip() + "…"
        attrs = {"guid": guid, "name": name or "Memo"}
        if author:
            attrs["creatingUser"] = self.user_guid(author)
        if _zulu(created):
            attrs["creationDateTime"] = _zulu(created)
        node = etree.Element(_Q + "Note", attrs)
        etree.SubElement(node, _Q + "PlainTextContent").text = text or ""
        return node


def export_qdpx(store, path: str | Path, *, name: str | None = None, language: str | None = None) -> dict:
    """Write the project to ``path`` (.qdpx); returns counts of what was written."""
    path = Path(path)
    if path.suffix.lower() != ".qdpx":
        raise InputError(path, "a REFI-QDA project file must end in .qdpx")
    title = name or store.get_meta("refi_project_name") or Path(store.path).stem
    writer = _Writer(store, language or project_language(store), title)
    xml, files, counts = writer.build()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        entries = [("project.qde", xml), *sorted(files.items()),
                   (EXTRAS_ENTRY, json.dumps(writer.extras, ensure_ascii=False, sort_keys=True,
                                                    separators=(",", ":")).encode("utf-8"))]
        for entry, data in entries:
            info = zipfile.ZipInfo(entry, date_time=_FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    write_bytes_atomically(path, buffer.getvalue())
    return counts
