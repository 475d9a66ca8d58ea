"""Importing files and folders of transcripts (and REFI-QDA projects, and Word files with comments) with
their manifest of participants."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Callable, Iterable

from ..errors import InputError
from ..ingest import TRANSCRIPT_EXTENSIONS, read_transcript
from ..ingest.manifest import ManifestRow, read_manifest
from ..store import Store
from .sources import ImportReport, store_transcript

IMPORTABLE = set(TRANSCRIPT_EXTENSIONS) | {".qdpx"}
SKIPPED_IN_FOLDERS = re.compile(r"^(readme|license|changelog)(\..*)?$", re.IGNORECASE)

def collect_files(paths: Iterable[str | Path]) -> list[Path]:
    """Files named and files found in folders (recursively), in a stable order.

    Inside folders only known transcript types are taken, and README/LICENSE files are passed
    over; a file named explicitly must be of a known type."""
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for found in sorted(path.rglob("*")):
                if (found.is_file() and found.suffix.lower() in IMPORTABLE
                        and not SKIPPED_IN_FOLDERS.match(found.name)
                        and not any(part.startswith(".") for part in found.relative_to(path).parts)):
                    files.append(found)
        elif path.is_file():
            files.append(path)
        else:
            raise InputError(path, "no such file or folder")
    by_name: dict[str, Path] = {}
    for path in files:
        other = by_name.get(path.name)
        if other is not None and other.resolve() != path.resolve():
            raise InputError(path, f"has the same file name as {other}; sources are named by file name")
        by_name[path.name] = path
    return list(dict.fromkeys(files))


def import_paths(store: Store, paths: Iterable[str | Path], *, manifest: str | Path | None = None,
                 replace: bool = False, progress: Callable[[str], None] | None = None) -> ImportReport:
    report = ImportReport()
    for path in collect_files(paths):
        if progress:
            progress(path.name)
        if path.suffix.lower() == ".qdpx":
            from ..refi import import_qdpx  # REFI-QDA projects bring sources, codes and codings

            import_qdpx(store, path, report)
            continue
        raw = path.read_bytes()
        transcript = read_transcript(path, raw)
        if path.suffix.lower() == ".docx":
            from .manual import import_docx  # Word comments become codings (issue 6)

            import_docx(store, path, raw, transcript, replace, report)
            continue
        store_transcript(store, path, raw, transcript, replace, report)
    if manifest is not None:
        apply_manifest(store, manifest, report)
    return report

def apply_manifest(store: Store, path: str | Path, report: ImportReport) -> None:
    """Map speakers to participants and set attributes; every problem names its row.

    A participant's attributes must agree across their rows. The one exception is a column that
    describes the interview rather than the person (``interview_type`` in a focus group and in an
    individual interview): where the values differ but each equals its source's own value, the
    column stays an attribute of the sources and is not set on the participant."""
    rows = read_manifest(path)
    name = str(path)
    seen_speakers: dict[tuple[str, str], int] = {}
    source_values: dict[int, dict[str, tuple[str, int]]] = {}
    speaker_rows: list[tuple[ManifestRow, int, str]] = []
    for row in rows:
        source = store.source_by_name(row.source) or store.source_by_name(Path(row.source).name)
        if source is None:
            raise InputError(name, f"source '{row.source}' was not imported", f"row {row.row}")
        source_id = int(source["id"])
        if not row.speaker:
            _check_consistent(name, source_values.setdefault(source_id, {}), row.attributes, row.row,
                              f"source {source['name']}")
            continue
        labels = sorted({t["speaker"] for t in store.turns(source_id)})
        label = row.speaker if row.speaker in labels else next(
            (lab for lab in labels if _norm(lab) == _norm(row.speaker)), None)
        if label is None:
            raise InputError(name, f"speaker '{row.speaker}' never speaks in {source['name']} "
                                   f"(speakers there: {', '.join(labels)})", f"row {row.row}")
        key = (source["name"], label)
        if key in seen_speakers:
            raise InputError(name, f"speaker '{row.speaker}' of {source['name']} is mapped twice "
                                   f"(rows {seen_speakers[key]} and {row.row})", f"row {row.row}")
        seen_speakers[key] = row.row
        speaker_rows.append((row, source_id, label))

    def source_value(source_id: int, attr: str) -> str | None:
        given = source_values.get(source_id, {}).get(attr)
        return given[0] if given else store.source_attributes(source_id).get(attr)

    by_participant: dict[str, list[tuple[ManifestRow, int]]] = {}
    for row, source_id, _ in speaker_rows:
        by_participant.setdefault(row.participant, []).append((row, source_id))
    participant_attributes: dict[str, dict[str, str]] = {}
    for pid, appearances in by_participant.items():
        attributes: dict[str, str] = {}
        for attr in sorted({a for row, _ in appearances for a in row.attributes}):
            values = [(row.attributes[attr], row.row, sid) for row, sid in appearances if attr in row.attributes]
            if len({v for v, _, _ in values}) == 1:
                attributes[attr] = values[0][0]
            elif all(source_value(sid, attr) == v for v, _, sid in values):
                continue  # describes each interview, not the person
            else:
                first = values[0]
                other = next(v for v in values if v[0] != first[0])
                raise InputError(name, f"participant {pid} has {attr} '{first[0]}' in row {first[1]} "
                                       f"but '{other[0]}' here", f"row {other[1]}")
        participant_attributes[pid] = attributes

    for source_id, values in source_values.items():
        for attr, (value, _) in values.items():
            store.set_source_attribute(source_id, attr, value)
    for row, source_id, label in speaker_rows:
        participant_id = store.ensure_participant(row.participant)
        for attr, value in participant_attributes[row.participant].items():
            store.set_participant_attribute(participant_id, attr, value)
        store.map_speaker(source_id, label, participant_id)
    store.delete_orphan_participants()
    named_sources = {sid for sid in source_values} | {sid for _, sid, _ in speaker_rows}
    for source_id in sorted(named_sources):
        for speaker in store.speakers(source_id):
            if speaker["auto"]:
                source_name = store.source_by_id(source_id)["name"]
                report.warnings.append(f"{name}: speaker '{speaker['label']}' of {source_name} "
                                       "has no row in the manifest")
    report.manifest_rows += len(rows)


def _check_consistent(file: str, known: dict[str, tuple[str, int]], attributes: dict[str, str], row: int,
                      what: str) -> None:
    for attr, value in attributes.items():
        if attr in known and known[attr][0] != value:
            raise InputError(file, f"{what} has {attr} '{known[attr][0]}' in row {known[attr][1]} "
                                   f"but '{value}' here", f"row {row}")
        known.setdefault(attr, (value, row))


def _norm(label: str) -> str:
    return " ".join(label.split()).casefold()
