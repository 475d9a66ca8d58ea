"""Importing a REFI-QDA project (.qdpx) into the store.

Reading happens first and touches nothing: the archive is checked, the XML parsed into plain
records, every source text loaded and every selection converted. Only then is the store written,
inside the caller's transaction, so any problem leaves the project as it was.

Matching: codes by GUID, then by name under the same parent; sources by GUID, then by the SHA-256 of
their text; participants by GUID, then by id; codings and memos by GUID (a second import of the same
file adds nothing).
"""

from __future__ import annotations

import datetime as _dt
import functools
import hashlib
import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError, Refused
from ..ingest.labels import build_turns, looks_like_interviewer, role_from_label, split_label
from ..ingest.language import detect_language
from ..ingest.model import Block
from . import guids
from .codebook_xml import NS_PROJECT, merge_codes
from .offsets import CODEPOINTS, UNIT_NAMES, UTF16, OffsetMap, choose_units
from .parse import CaseDoc, ProjectDoc, ProjectParser, SourceDoc
from .safety import MAX_SOURCE_BYTES, MAX_XML_BYTES, SafeZip, parse_xml, read_file_bounded

EXTRAS_ENTRY = "coding.json"
EXTRAS_FORMAT = "coding-refi-extras"
UNKNOWN_SPEAKER = "Unknown speaker"
LABELLED_SHARE = 0.2  # share of non-empty lines that must start with a speaker label
DEFAULT_CODER = "refi"
INTERVIEWER_ROLE = "Interviewer"
MUNICIPALITY_ATTRIBUTES = ("municipality", "kommune")
_Q = f"{{{NS_PROJECT}}}"


# --------------------------------------------------------------------------- loading texts


def decode_text(raw: bytes) -> tuple[str, str | None]:
    """Text of a source file (BOM removed, line ends untouched) and a warning if it was not UTF-8/16."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8", errors="replace"), None
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return raw.decode("utf-16"), None
    try:
        return raw.decode("utf-8"), None
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace"), "not UTF-8; read as cp1252 (Windows) text"


def _resolve_path(value: str, doc: ProjectDoc, archive: SafeZip, file: Path, place: str) -> tuple[bytes, str]:
    """Bytes of a path written as internal://, relative:// or absolute:// and a description of it."""
    scheme, sep, rest = value.partition("://")
    if not sep:
        scheme, rest = "internal", value
    scheme = scheme.lower()
    if scheme == "internal":
        entry = archive.find_source(rest)
        if entry is None:
            raise InputError(file, f"the archive has no file '{rest}' in sources/ (plainTextPath '{value}')", place)
        return archive.read(entry, MAX_SOURCE_BYTES, "source"), f"{file}#{entry}"
    if scheme == "relative":
        base = doc.base_path
        base_scheme, base_sep, base_rest = base.partition("://")
        base_dir = Path(base_rest if base_sep else base) if base else file.parent
        target = base_dir / rest.lstrip("/\\")
    elif scheme == "absolute":
        target = Path(rest)
    else:
        raise InputError(file, f"plainTextPath '{value}' has an unknown scheme (known: internal://, "
                               "relative://, absolute://)", place)
    return read_file_bounded(target, MAX_SOURCE_BYTES, file, place), str(target)


@dataclass
class LoadedSource:
    doc: SourceDoc
    raw: bytes
    offsets: OffsetMap
    location: str
    units: str
    units_note: str | None
    warning: str | None


# --------------------------------------------------------------------------- the import


def read_qdpx(path: Path) -> tuple[ProjectDoc, dict, list[LoadedSource], dict[str, str], list[str]]:
    """Everything the file holds, checked, before anything is written."""
    archive = SafeZip.open(path)
    try:
        entry = archive.find("project.qde") or next(
            (real for low, real in archive.names.items() if low.endswith(".qde") and "/" not in low), None)
        if entry is None:
            raise InputError(path, "the archive has no project.qde (is it a REFI-QDA project?)")
        root = parse_xml(archive.read(entry, MAX_XML_BYTES, "project XML"), path, entry)
        doc = ProjectParser(path, entry).project(root)
        warnings: list[str] = []
        extras = _read_extras(archive, path, warnings)
        hint = UTF16 if "nvivo" in doc.origin.lower() else CODEPOINTS
        loaded = []
        for source in doc.sources:
            if source.content is not None:
                raw, location = source.content.encode("utf-8"), f"{path}#{source.name}"
            else:
                raw, location = _resolve_path(source.path, doc, archive, path, str(source.place))
            text, warning = decode_text(raw)
            offsets = OffsetMap(text)
            choice = choose_units(offsets, [(s.start, s.end, s.name) for s in source.selections], hint)
            note = None
            if source.selections and (choice.units != hint or choice.units == UTF16) and not choice.ambiguous:
                note = f"{source.name}: selection offsets read as {UNIT_NAMES[choice.units]}; {choice.reason}"
            loaded.append(LoadedSource(source, raw, offsets, location, choice.units, note, warning))
        notes_text: dict[str, str] = {}
        for note in doc.notes:
            if note.content is not None:
                notes_text[note.guid] = note.content
            elif note.path:
                raw, _ = _resolve_path(note.path, doc, archive, path, str(note.place))
                notes_text[note.guid] = decode_text(raw)[0].replace("\r\n", "\n")
            else:
                notes_text[note.guid] = note.name
    finally:
        archive.close()
    return doc, extras, loaded, notes_text, warnings


def _read_extras(archive: SafeZip, path: Path, warnings: list[str]) -> dict:
    entry = archive.find(EXTRAS_ENTRY)
    if entry is None:
        return {}
    try:
        data = json.loads(archive.read(entry, MAX_XML_BYTES, "file"))
    except (ValueError, UnicodeDecodeError):
        warnings.append(f"{path}: {EXTRAS_ENTRY} is not valid JSON; ignored (the REFI-QDA content was imported)")
        return {}
    if not isinstance(data, dict) or data.get("format") != EXTRAS_FORMAT:
        warnings.append(f"{path}: {EXTRAS_ENTRY} is not this toolkit's; ignored")
        return {}
    return {k: v for k, v in data.items() if isinstance(v, dict)}


def import_qdpx(store, path: str | Path, report) -> None:
    """Import a REFI-QDA project into the store (the caller holds the transaction)."""
    path = Path(path)
    doc, extras, loaded, notes_text, warnings = read_qdpx(path)
    report.warnings.extend(warnings)
    _Importer(store, path, doc, extras, loaded, notes_text, report).run()


def project_language(store) -> str:
    """The language most of the project's sources are in (da when there are none)."""
    counts = Counter(row["language"] for row in store.sources() if row["language"] in ("da", "en"))
    return counts.most_common(1)[0][0] if counts else "da"


@functools.lru_cache(maxsize=4096)
def _iso(value: str | None) -> str | None:
    if not value:
        return None
    try:
        stamp = _dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=_dt.timezone.utc)
    return stamp.astimezone(_dt.timezone.utc).replace(microsecond=0).isoformat()


def _is_municipality_case(case: CaseDoc) -> bool:
    """A case that says nothing but which municipality it is (as our exports write them)."""
    if len(case.variables) != 1:
        return False
    attr, value = next(iter(case.variables.items()))
    return attr.casefold() in MUNICIPALITY_ATTRIBUTES and value.strip().casefold() == case.name.casefold()


def form_turns(text: str, name: str) -> tuple[list[dict], str | None]:
    """Speaker turns of an imported plain text, and a note when no labels were used.

    Lines are read with the project's label parser; the labels are used when at least a fifth of the
    non-empty lines start with one (a transcript), otherwise the whole text is one turn of an unknown
    speaker (a document, survey answers, a data dump whose odd 'Word:' lines are not speakers)."""
    blocks, offset = [], 0
    for number, line in enumerate(text.split("\n"), start=1):
        blocks.append(Block(start=offset, text=line, place=f"line {number}"))
        offset += len(line) + 1
    turns = build_turns(blocks, name, require_label=False)
    lines = [b for b in blocks if b.text.strip()]
    labelled = sum(1 for b in lines if split_label(b.text))
    if turns and lines and labelled / len(lines) >= LABELLED_SHARE:
        return [t.as_dict() for t in turns], None
    stripped_start = len(text) - len(text.lstrip())
    end = len(text.rstrip())
    if end <= stripped_start:
        return [], f"{name}: the text is empty; no turns"
    why = ("no speaker labels found" if not labelled else
           f"only {labelled} of {len(lines)} lines start with a 'Name:' label, too few for a transcript")
    return ([{"start": stripped_start, "end": end, "speaker": UNKNOWN_SPEAKER}],
            f"{name}: {why}; the whole text is one turn of '{UNKNOWN_SPEAKER}'")


class _Importer:
    def __init__(self, store, path: Path, doc: ProjectDoc, extras: dict, loaded: list[LoadedSource],
                 notes_text: dict[str, str], report):
        self.store, self.path, self.doc, self.extras = store, path, doc, extras
        self.loaded, self.notes_text, self.report = loaded, notes_text, report
        self.counts = Counter()
        self.source_ids: dict[str, int] = {}
        self.new_sources: dict[str, int] = {}
        self.code_map: dict[str, int] = {}
        self.selection_spans: dict[str, tuple[int, int, int]] = {}
        self.coding_notes: set[str] = set()
        self.case_participants: dict[str, int] = {}
        self.added_to: Counter = Counter()
        self.notes_by_guid = {note.guid: note for note in doc.notes}

    def run(self) -> None:
        self.remember_guids()
        language = self.language()
        self.code_map, code_counts = merge_codes(self.store, self.doc.codes, language=language,
                                                 extras=self.extras.get("codes"))
        for source in self.loaded:
            self.bring_source(source)
        self.bring_cases()
        self.map_speakers()
        self.bring_codings()
        self.bring_notes()
        self.store.delete_orphan_participants()
        if not self.store.get_meta("refi_project_name") and self.doc.name:
            self.store.set_meta("refi_project_name", self.doc.name)
        self.summarise(code_counts)

    # ---------------------------------------------------------------- pieces
    def remember_guids(self) -> None:
        """Keep the file's GUIDs for users and variables so that our exports reuse them."""
        known = json.loads(self.store.get_meta("refi_guids") or "{}")
        for guid, name in self.doc.users.items():
            known.setdefault(f"user:{name}", guid)
        for guid, (name, _) in self.doc.variables.items():
            known.setdefault(f"variable:{name}", guid)
        self.store.set_meta("refi_guids", json.dumps(known, ensure_ascii=False, sort_keys=True))

    def language(self) -> str:
        counts = Counter(detect_language(s.offsets.text[:20000]) for s in self.loaded if s.offsets.text.strip())
        return counts.most_common(1)[0][0] if counts else project_language(self.store)

    def user(self, guid: str | None) -> str | None:
        if guid is None:
            return None
        return self.doc.users.get(guid, guid)

    def bring_source(self, source: LoadedSource) -> None:
        doc = source.doc
        text = source.offsets.text
        text_digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        existing = self.store.source_by_guid(doc.guid)
        if existing is not None and existing["text_sha256"] != text_digest:
            raise Refused(f"{self.path}: source '{doc.name}' ({doc.guid}) is already in the project as "
                          f"'{existing['name']}' with a different text; nothing was imported")
        if existing is None:
            existing = self.store.source_by_text_sha256(text_digest)
        if existing is not None:
            self.source_ids[doc.guid] = int(existing["id"])
            self.counts["sources matched"] += 1
            return
        extra = (self.extras.get("sources") or {}).get(doc.guid) or {}
        name = self.unique_name(str(extra.get("name") or doc.name))
        language = extra.get("language") if extra.get("language") in ("da", "en") else detect_language(text)
        source_id = self.store.insert_source(
            name=name, path=str(extra.get("path") or source.location), format=str(extra.get("format") or "qdpx"),
            language=language, file_sha256=str(extra.get("file_sha256") or hashlib.sha256(source.raw).hexdigest()),
            text_sha256=text_digest, text=text, guid=doc.guid)
        turns = self.extra_turns(extra, text, name)
        if turns is None:
            turns, note = form_turns(text, name)
            if note:
                self.report.notes.append(note)
        self.store.replace_turns(source_id, turns)
        for attr, value in doc.variables.items():
            self.store.set_source_attribute(source_id, attr, value)
        if source.warning:
            self.report.warnings.append(f"{name}: {source.warning}")
        if source.units_note:
            self.report.notes.append(source.units_note)
        self.source_ids[doc.guid] = source_id
        self.new_sources[doc.guid] = source_id
        self.report.imported.append(name)
        self.counts["sources new"] += 1

    def unique_name(self, name: str) -> str:
        if self.store.source_by_name(name) is None:
            return name
        stem, dot, suffix = name.rpartition(".") if "." in name else (name, "", "")
        number = 2
        while True:
            candidate = f"{stem} ({number}).{suffix}" if dot else f"{name} ({number})"
            if self.store.source_by_name(candidate) is None:
                self.report.warnings.append(f"{self.path}: a different source named '{name}' is already in "
                                            f"the project; imported as '{candidate}'")
                return candidate
            number += 1

    def extra_turns(self, extra: dict, text: str, name: str) -> list[dict] | None:
        turns = extra.get("turns")
        if not isinstance(turns, list):
            return None
        try:
            out = [{"start": int(t["start"]), "end": int(t["end"]), "speaker": str(t["speaker"]),
                    "timestamp": t.get("timestamp"), "end_timestamp": t.get("end_timestamp")} for t in turns]
        except (KeyError, TypeError, ValueError):
            out = None
        if out is None or any(not 0 <= t["start"] <= t["end"] <= len(text) for t in out):
            self.report.warnings.append(f"{name}: the turns in {EXTRAS_ENTRY} do not fit the text; "
                                        "turns were read from the text instead")
            return None
        return out

    def participant_for_case(self, case: CaseDoc, extra: dict) -> int:
        row = self.store.participant_by_guid(case.guid)
        if row is not None:
            return int(row["id"])
        pid = str(extra.get("pid") or case.name or case.guid)
        existing = self.store.participant_by_pid(pid)
        if existing is not None:
            return int(existing["id"])
        return self.store.ensure_participant(pid, auto=bool(extra.get("auto")), guid=case.guid)

    def bring_cases(self) -> None:
        """Cases become participants with their variables as attributes; the municipality cases of
        our own exports are derived from attributes and need nothing."""
        kinds = self.extras.get("cases") or {}
        participants = self.extras.get("participants") or {}
        for case in self.doc.cases:
            kind = (kinds.get(case.guid) or {}).get("kind")
            if kind is None and _is_municipality_case(case):
                kind = "municipality"
                for source_guid in case.sources:
                    source_id = self.new_sources.get(source_guid)
                    if source_id is not None:
                        attr, value = next(iter(case.variables.items()))
                        if attr not in self.store.source_attributes(source_id):
                            self.store.set_source_attribute(source_id, attr, value)
            if kind == "municipality":
                self.counts["cases"] += 1
                continue
            participant_id = self.participant_for_case(case, participants.get(case.guid) or {})
            present = self.store.participant_attributes(participant_id)
            for attr, value in case.variables.items():
                if attr not in present:  # a participant already in the project keeps its own values
                    self.store.set_participant_attribute(participant_id, attr, value)
            self.case_participants[case.guid] = participant_id
            self.counts["cases"] += 1

    def map_speakers(self) -> None:
        """Speakers of new sources: as our own export recorded them, else a case named like the label,
        else the only case of a one-speaker source, else an automatic participant."""
        extras = self.extras.get("sources") or {}
        cases_of_source: dict[str, list[CaseDoc]] = {}
        selection_source = {sel.guid: s.doc.guid for s in self.loaded for sel in s.doc.selections}
        for case in self.doc.cases:
            if case.guid not in self.case_participants:
                continue
            for target in {*case.sources, *(selection_source.get(g) for g in case.selections)} - {None}:
                cases_of_source.setdefault(target, []).append(case)
        for guid, source_id in self.new_sources.items():
            labels = sorted({t["speaker"] for t in self.store.turns(source_id)})
            recorded = (extras.get(guid) or {}).get("speakers") or {}
            cases = cases_of_source.get(guid, [])
            name = self.store.source_by_id(source_id)["name"]
            for label in labels:
                participant_id = None
                target = guids.normalize(recorded.get(label)) if isinstance(recorded.get(label), str) else None
                if target:
                    row = self.store.participant_by_guid(target)
                    participant_id = int(row["id"]) if row is not None else None
                if participant_id is None:
                    same = [c for c in cases if c.name.casefold() == label.casefold()]
                    if len(same) == 1:
                        participant_id = self.case_participants[same[0].guid]
                    elif len(labels) == 1 and len(cases) == 1:
                        participant_id = self.case_participants[cases[0].guid]
                if participant_id is None:
                    participant_id = self.store.ensure_participant(f"{Path(name).stem}:{label}", auto=True)
                    role = INTERVIEWER_ROLE if looks_like_interviewer(label) else role_from_label(label)
                    if role:
                        self.store.set_participant_attribute(participant_id, "role", role)
                self.store.map_speaker(source_id, label, participant_id)

    def note_memo(self, guid: str) -> dict:
        """A note as the fields of a memo: text, author, GUID, time, origin."""
        note = self.notes_by_guid[guid]
        extra = (self.extras.get("memos") or {}).get(guid) or {}
        return {"text": self.notes_text.get(guid, ""), "author": self.user(note.user), "guid": guid,
                "created_at": _iso(note.created), "origin": str(extra.get("origin") or "refi")}

    def bring_codings(self) -> None:
        known = self.store.refi_coding_guids()
        known_notes = self.store.refi_memo_guids()
        extras = self.extras.get("codings") or {}
        rows = []
        for source in self.loaded:
            doc = source.doc
            source_id = self.source_ids[doc.guid]
            length = len(source.offsets.text)
            spans = []
            for sel in doc.selections:
                span = source.offsets.span(sel.start, sel.end, source.units)
                other = UTF16 if source.units == CODEPOINTS else CODEPOINTS
                if span is None:
                    span = source.offsets.span(sel.start, sel.end, other)
                    if span is not None:
                        self.report.warnings.append(
                            f"{self.path}, {sel.place}: positions {sel.start}-{sel.end} fit only when counted in "
                            f"{UNIT_NAMES[other]}; read that way")
                if span is None:
                    self.report.warnings.append(
                        f"{self.path}, {sel.place}: positions {sel.start}-{sel.end} fit neither UTF-16 units "
                        f"({source.offsets.length[UTF16]}) nor characters ({source.offsets.length[CODEPOINTS]}) "
                        f"of source '{doc.name}'; skipped with its {len(sel.codings)} coding(s)")
                    self.counts["selections skipped"] += 1
                    continue
                spans.append((sel, span))
                self.selection_spans[sel.guid] = (source_id, *span)
            whole = [(None, (0, length), c) for c in doc.codings]
            for sel, span, coding in [(s, sp, c) for s, sp in spans for c in s.codings] + whole:
                if coding.code not in self.code_map:
                    raise InputError(self.path, f"refers to the code {coding.code}, which is not in the <CodeBook>",
                                     str(coding.place))
                if coding.guid in known:
                    self.counts["codings already there"] += 1
                    continue
                known.add(coding.guid)
                self.added_to[source_id] += 1
                extra = extras.get(coding.guid) or {}
                memos = [self.note_memo(n) for n in coding.notes if n in self.notes_text and n not in known_notes]
                for n in coding.notes:
                    self.coding_notes.add(n)
                    known_notes.add(n)
                self.counts["memos"] += len(memos)
                rows.append({
                    "source_id": source_id, "start": span[0], "end": span[1], "code_id": self.code_map[coding.code],
                    "coder": self.user(coding.user) or self.user(sel.user if sel else None) or DEFAULT_CODER,
                    "origin": str(extra.get("origin") or "refi"), "rule": extra.get("rule"),
                    "matched": extra.get("matched"), "memos": memos, "guid": coding.guid,
                    "created_at": _iso(coding.created)})
        self.counts["codings"] += self.store.insert_codings(rows)

    def bring_notes(self) -> None:
        """Notes become memos: on a selection (source and span), on a source, or on the project.
        A note that only annotates a coding is that coding's memo and nothing more."""
        places: dict[str, tuple[int | None, int | None, int | None]] = {}
        for source in self.loaded:
            source_id = self.source_ids[source.doc.guid]
            for sel in source.doc.selections:
                for note in sel.notes:
                    if sel.guid in self.selection_spans:
                        places.setdefault(note, self.selection_spans[sel.guid])
            for note in source.doc.notes:
                places.setdefault(note, (source_id, None, None))
        code_notes: dict[str, int] = {}
        for code in self.doc.codes:
            for note in code.get("notes") or ():
                if note and code["guid"] in self.code_map:
                    code_notes.setdefault(note, self.code_map[code["guid"]])
        summaries = self.extras.get("summaries") or {}
        self.bring_analyst_work(summaries)
        known = self.store.refi_memo_guids()
        for note in self.doc.notes:
            if note.guid in known or note.guid in summaries or (note.guid in self.coding_notes and note.guid not in places
                                                                and note.guid not in code_notes):
                continue
            source_id, start, end = places.get(note.guid, (None, None, None))
            code_id = code_notes.get(note.guid) if note.guid not in places else None
            memo = self.note_memo(note.guid)
            self.store.insert_memo(text=memo["text"], source_id=source_id, start=start, end=end,
                                   author=memo["author"], origin=memo["origin"], guid=note.guid, code_id=code_id,
                                   created_at=memo["created_at"])
            self.counts["memos"] += 1

    def bring_analyst_work(self, summaries: dict) -> None:
        """Summaries and case statuses from our own exports (``coding.json``); what the project already
        has of them is kept, a different text in the file noted."""
        by_guid = {(guids.normalize(r["guid"]) or r["guid"]): r["id"] for r in self.store.codes()}
        have = {(r["case_by"], r["case_value"], r["code_id"]): r["text"] for r in self.store.summaries()}
        for guid, item in summaries.items():
            code_id = self.code_map.get(guids.normalize(item.get("code")) or "") or by_guid.get(
                guids.normalize(item.get("code")) or "")
            if code_id is None or not item.get("case_by") or item.get("case_value") is None:
                continue
            key = (str(item["case_by"]), str(item["case_value"]), code_id)
            if key in have:
                if have[key] != item.get("text"):
                    self.report.warnings.append(f"{self.path}: the summary of {key[0]} {key[1]} for code "
                                                f"{code_id} differs from the project's; the project's kept")
                continue
            self.store.set_summary(key[0], key[1], code_id, str(item.get("text") or ""))
            self.counts["summaries"] += 1
        statuses = {(r["case_by"], r["case_value"]) for r in self.store.case_statuses()}
        for item in (self.extras.get("case_statuses") or {}).values():
            key = (str(item.get("case_by") or ""), str(item.get("case_value") or ""))
            if not all(key) or not item.get("status") or key in statuses:
                continue
            self.store.set_case_status(key[0], key[1], str(item["status"]), item.get("date"))
            self.counts["case statuses"] += 1

    def summarise(self, code_counts: dict[str, int]) -> None:
        parts = [f"{self.counts['sources new']} new source(s), {self.counts['sources matched']} already there",
                 f"{code_counts['new']} new code(s), {code_counts['matched']} matched",
                 f"{self.counts['codings']} coding(s)"]
        if self.counts["codings already there"]:
            parts.append(f"{self.counts['codings already there']} coding(s) already there")
        parts.append(f"{self.counts['memos']} memo(s)")
        for kind in ("summaries", "case statuses"):
            if self.counts[kind]:
                parts.append(f"{self.counts[kind]} {kind}")
        parts.append(f"{self.counts['cases']} case(s)")
        origin = f" from {self.doc.origin}" if self.doc.origin else ""
        self.report.notes.insert(0, f"{self.path.name} (REFI-QDA{origin}): " + ", ".join(parts))
        if self.counts["selections skipped"]:
            self.report.notes.append(f"{self.counts['selections skipped']} selection(s) skipped: their positions "
                                     "fit neither way of counting (see the warnings)")
        for kind, count in sorted(self.doc.skipped.items()):
            self.report.warnings.append(f"{self.path}: {count} × {kind} not imported (only text sources with "
                                        "plain text are)")
        for guid, source_id in self.source_ids.items():
            if guid in self.new_sources:
                continue
            name = self.store.source_by_id(source_id)["name"]
            added = self.added_to.get(source_id, 0)
            if added:
                self.report.notes.append(f"{name}: already in the project; {added} coding(s) added to it")
            elif name not in self.report.unchanged:
                self.report.unchanged.append(name)
