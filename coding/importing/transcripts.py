"""Importing files and folders of transcripts (and REFI-QDA projects, and Word files with comments) with
the study's interview list (manifest) of participants, kept in the project for sources still to come."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from ..errors import CodingError, InputError
from ..ingest import TRANSCRIPT_EXTENSIONS
from ..ingest.manifest import ManifestRow, read_manifest
from ..store import Store
from .reading import Reader, file_reader
from .sources import ImportReport, store_transcript

IMPORTABLE = set(TRANSCRIPT_EXTENSIONS) | {".qdpx"}
SKIPPED_IN_FOLDERS = re.compile(r"^(readme|license|changelog)(\..*)?$", re.IGNORECASE)
# Files that programs leave beside documents: passed over in folders without a word
JUNK = re.compile(r"^(~\$.*|\.~lock\..*#|\..*|thumbs\.db|desktop\.ini|.*~|.*\.(bak|tmp|temp|wbk|asd|swp|swo|"
                  r"crdownload|part|old|orig)|backup of .*|__macosx)$", re.IGNORECASE)
FEW_FILES = 3  # more files than this get a progress bar


class ImportFailed(CodingError):
    """Some files could not be imported; every problem is listed and nothing was imported."""

    def __init__(self, problems: list[CodingError], total: int):
        self.problems = problems
        lines = [f"{len(problems)} of {total} files cannot be imported, so nothing was imported "
                 "(--skip-bad imports the others):"]
        lines += [f"  {problem}" for problem in problems]
        super().__init__("\n".join(lines))


@dataclass
class Collected:
    """The files an import takes, and what it passed over or could not take."""

    files: list[Path] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)   # other types in folders: listed once
    problems: list[CodingError] = field(default_factory=list)


def collect_files(paths: Iterable[str | Path], *, ignore: Iterable[str | Path] = ()) -> Collected:
    """Files named and files found in folders (recursively), in a stable order.

    Inside folders: known transcript types are taken; README/LICENSE, hidden files, Word lock files
    (``~$x.docx``), ``Thumbs.db`` and backups are passed over without a word; other files are listed
    once (``skipped``); a symbolic link that leads out of the folder is not followed and is reported.
    A file named explicitly must be of a known type. ``ignore``: files not to list (the manifest)."""
    out = Collected()
    ignored = {Path(p).resolve() for p in ignore}
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            root = path.resolve()
            for folder, dirs, names in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not JUNK.match(d) and not _link_out(Path(folder, d), root, out))
                for name in sorted(names):
                    found = Path(folder, name)
                    if JUNK.match(name) or SKIPPED_IN_FOLDERS.match(name) or found.resolve() in ignored:
                        continue
                    if _link_out(found, root, out):
                        continue
                    if found.suffix.lower() not in IMPORTABLE:
                        out.skipped.append(str(found.relative_to(path)))
                        continue
                    out.files.append(found)
        elif path.is_file():
            if path.suffix.lower() not in IMPORTABLE:
                known = ", ".join(sorted(IMPORTABLE))
                out.problems.append(InputError(path, f"unknown file type '{path.suffix or '(none)'}' "
                                                     f"(known: {known})"))
                continue
            out.files.append(path)
        else:
            out.problems.append(InputError(path, "no such file or folder"))
    by_name: dict[str, Path] = {}
    files = []
    for path in dict.fromkeys(out.files):
        other = by_name.get(path.name)
        if other is not None:
            if other.resolve() != path.resolve():
                out.problems.append(InputError(path, f"has the same file name as {other}; sources are "
                                                     "named by file name"))
            continue
        by_name[path.name] = path
        files.append(path)
    out.files = files
    return out


def _link_out(path: Path, root: Path, out: Collected) -> bool:
    """Whether ``path`` is a symbolic link leading out of ``root`` (reported, not followed)."""
    if not path.is_symlink():
        return False
    target = path.resolve()
    if target == root or root in target.parents:
        return False
    out.problems.append(InputError(path, f"a link to {target}, outside the folder being imported: not followed"))
    return True


def import_paths(store: Store, paths: Iterable[str | Path], *, manifest: str | Path | None = None,
                 replace: bool = False, progress: Callable[[str], None] | None = None,
                 single_speaker: str | None = None, skip_bad: bool = False,
                 count: Callable[[int], None] | None = None, jobs: int = 1) -> ImportReport:
    """Import every file; check them all and report every problem at once.

    A file that cannot be imported leaves no trace (its changes are undone); unless ``skip_bad``,
    any such file makes the whole import fail (:class:`ImportFailed`, or the file's own error when
    only one file was named), and the caller's transaction leaves the project as it was.
    ``count(n)`` is told the number of files first, ``progress(name)`` each file as it starts.
    ``jobs`` > 1 reads the transcripts ahead in that many worker processes (:mod:`.reading`); 0
    means one per core when there are enough files to pay for them. Files are stored in order,
    by this process, either way."""
    report = ImportReport()
    collected = collect_files(paths, ignore=[manifest] if manifest is not None else [])
    report.skipped = collected.skipped
    problems = list(collected.problems)
    if count:
        count(len(collected.files))
    transcripts = [path for path in collected.files if path.suffix.lower() != ".qdpx"]
    with file_reader(transcripts, single_speaker, jobs) as read:
        for path in collected.files:
            if progress:
                progress(path.name)
            try:
                with store.savepoint("import_file"):
                    _import_file(store, path, replace, read, report)
            except CodingError as exc:
                problems.append(exc)
    total = len(collected.files) + len(collected.problems)
    if problems and not skip_bad:
        if total == 1:
            raise problems[0]
        raise ImportFailed(problems, total)
    report.failed = [str(p) for p in problems]
    if manifest is not None:
        apply_manifest(store, manifest, report)
    else:
        apply_waiting_rows(store, report, report.imported + list(report.replaced))
    return report


def _import_file(store: Store, path: Path, replace: bool, read: Reader, report: ImportReport) -> None:
    if path.suffix.lower() == ".qdpx":
        from ..refi import import_qdpx  # REFI-QDA projects bring sources, codes and codings

        import_qdpx(store, path, report)
        return
    raw, transcript = read(path)
    if path.suffix.lower() == ".docx":
        from .manual import import_docx  # Word comments become codings (issue 6)

        import_docx(store, path, raw, transcript, replace, report)
        return
    store_transcript(store, path, raw, transcript, replace, report)


# --------------------------------------------------------------------------- manifest


def _norm(label: str) -> str:
    return " ".join(label.split()).casefold()


def apply_manifest(store: Store, path: str | Path, report: ImportReport) -> None:
    """Keep the interview list in the project and apply it to the sources imported so far.

    Rows for sources not imported yet wait in the project and are applied when the source is
    imported (:func:`apply_waiting_rows`). A column whose value differs between a participant's
    rows in different sources is that participant's attribute in each source; only a real
    contradiction is an error naming both rows: one speaker mapped twice in one source, or one
    participant given two values of a column in one source. Every problem names its row."""
    rows = read_manifest(path)
    name = str(path)
    _check_list(name, rows)
    store.replace_manifest_rows(name, [(r.row, r.source, r.speaker, r.participant, r.attributes) for r in rows])
    _apply_kept_list(store, report, warn_for=None)


def apply_waiting_rows(store: Store, report: ImportReport, new_sources: Iterable[str]) -> None:
    """After an import: apply the kept interview list again, so that its rows for the sources
    just imported take effect (warnings only for those sources)."""
    new_sources = set(new_sources)
    if new_sources and store.manifest_rows():
        _apply_kept_list(store, report, warn_for=new_sources)


def _check_list(name: str, rows: list[ManifestRow]) -> None:
    """Contradictions inside the list itself, whatever the project holds."""
    speakers: dict[tuple[str, str], int] = {}
    in_source: dict[tuple[str, str], dict[str, tuple[str, int]]] = {}
    source_values: dict[str, dict[str, tuple[str, int]]] = {}
    for row in rows:
        source = row.source.casefold()
        if not row.speaker:
            _check_consistent(name, source_values.setdefault(source, {}), row.attributes, row.row,
                              f"source {row.source}")
            continue
        key = (source, _norm(row.speaker))
        if key in speakers:
            raise InputError(name, f"speaker '{row.speaker}' of {row.source} is mapped twice "
                                   f"(rows {speakers[key]} and {row.row})", f"row {row.row}")
        speakers[key] = row.row
        known = in_source.setdefault((row.participant, source), {})
        for attr, value in row.attributes.items():
            if attr in known and known[attr][0] != value:
                raise InputError(name, f"participant {row.participant} has {attr} '{known[attr][0]}' in row "
                                       f"{known[attr][1]} but '{value}' here, both in {row.source}", f"row {row.row}")
            known.setdefault(attr, (value, row.row))


def _source_finder(store: Store) -> Callable[[str], object]:
    """Find a source by the name a list gives: the file name, a path ending in it, or the name
    without its extension (when only one source has that stem); case is ignored."""
    rows = store.source_names()
    exact = {r["name"]: r for r in rows}
    folded = {r["name"].casefold(): r for r in rows}
    stems: dict[str, list] = {}
    for r in rows:
        stems.setdefault(Path(r["name"]).stem.casefold(), []).append(r)

    def find(name: str):
        base = Path(name.replace("\\", "/")).name
        found = exact.get(name) or exact.get(base) or folded.get(base.casefold())
        if found is None and len(stems.get(base.casefold(), [])) == 1:
            found = stems[base.casefold()][0]
        return found
    return find


def _apply_kept_list(store: Store, report: ImportReport, warn_for: set[str] | None) -> None:
    kept = store.manifest_rows()
    if not kept:
        return
    name = kept[0][0]
    find = _source_finder(store)
    rows = [ManifestRow(row, source, speaker, participant, attributes)
            for _, row, source, speaker, participant, attributes in kept]
    source_rows: list[tuple[ManifestRow, int]] = []
    speaker_rows: list[tuple[ManifestRow, int, str, str]] = []
    waiting = 0
    labels_of: dict[int, list[str]] = {}
    for row in rows:
        source = find(row.source)
        if source is None:
            waiting += 1
            continue
        source_id = int(source["id"])
        if not row.speaker:
            source_rows.append((row, source_id))
            continue
        if source_id not in labels_of:
            labels_of[source_id] = sorted({t["speaker"] for t in store.turns(source_id)})
        labels = labels_of[source_id]
        label = row.speaker if row.speaker in labels else next(
            (lab for lab in labels if _norm(lab) == _norm(row.speaker)), None)
        if label is None:
            raise InputError(name, f"speaker '{row.speaker}' never speaks in {source['name']} "
                                   f"(speakers there: {', '.join(labels)})", f"row {row.row}")
        speaker_rows.append((row, source_id, label, source["name"]))

    for row, source_id in source_rows:
        for attr, value in row.attributes.items():
            store.set_source_attribute(source_id, attr, value)

    by_participant: dict[str, list[tuple[ManifestRow, int]]] = {}
    for row, source_id, _, _ in speaker_rows:
        by_participant.setdefault(row.participant, []).append((row, source_id))
    for pid, appearances in by_participant.items():
        participant_id = store.ensure_participant(pid)
        store.delete_appearance_attributes(participant_id)
        for attr in sorted({a for row, _ in appearances for a in row.attributes}):
            values = {(sid, row.attributes[attr]) for row, sid in appearances if attr in row.attributes}
            if len({v for _, v in values}) == 1:
                store.set_participant_attribute(participant_id, attr, next(iter(values))[1])
            else:  # differs between sources: the participant's value in each source, unless it is
                # the source's own value (interview_type), which analyses use for its turns anyway
                store.delete_participant_attribute(participant_id, attr)
                for sid, value in sorted(values):
                    if store.source_attributes(sid).get(attr) != value:
                        store.set_appearance_attribute(sid, participant_id, attr, value)
    for row, source_id, label, _ in speaker_rows:
        store.map_speaker(source_id, label, store.ensure_participant(row.participant))
    store.delete_orphan_participants()

    named = {sid: None for _, sid in source_rows} | {sid: None for _, sid, _, _ in speaker_rows}
    for source_id in sorted(named):
        source_name = store.source_by_id(source_id)["name"]
        if warn_for is not None and source_name not in warn_for:
            continue
        for speaker in store.speakers(source_id):
            if speaker["auto"]:
                report.warnings.append(f"{name}: speaker '{speaker['label']}' of {source_name} "
                                       "has no row in the interview list")
    if warn_for is None:
        report.manifest_rows += len(rows) - waiting
    else:
        fresh = sum(1 for row, _ in source_rows if store.source_by_id(_)["name"] in warn_for)
        fresh += sum(1 for _, _, _, source_name in speaker_rows if source_name in warn_for)
        if fresh:
            report.notes.append(f"manifest: {fresh} row{'s' if fresh != 1 else ''} of the kept interview list "
                                "applied to the new sources")
    if waiting:
        report.notes.append(f"manifest: {waiting} row{'s' if waiting != 1 else ''} wait for sources not imported "
                            "yet (coding manifest status lists them)")


def manifest_status(store: Store) -> list[dict]:
    """The kept interview list's rows that wait for a source not imported yet."""
    find = _source_finder(store)
    return [{"file": file, "row": row, "source": source, "speaker": speaker, "participant": participant,
             **attributes}
            for file, row, source, speaker, participant, attributes in store.manifest_rows()
            if find(source) is None]


def _check_consistent(file: str, known: dict[str, tuple[str, int]], attributes: dict[str, str], row: int,
                      what: str) -> None:
    for attr, value in attributes.items():
        if attr in known and known[attr][0] != value:
            raise InputError(file, f"{what} has {attr} '{known[attr][0]}' in row {known[attr][1]} "
                                   f"but '{value}' here", f"row {row}")
        known.setdefault(attr, (value, row))
