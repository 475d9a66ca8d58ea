"""Storing one transcript in the project: its text, turns and speakers, and when a changed file replaces
an earlier import, its codings carried over (kept in place, moved to where their text went, or dropped).

Import is all or nothing: the caller runs it inside one store transaction, and any
:class:`~coding.errors.CodingError` leaves the project as it was.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import Refused
from ..ingest import Transcript
from ..ingest.labels import looks_like_interviewer, role_from_label
from ..records import INTERVIEWER_ROLE
from ..store import Store


@dataclass
class ImportReport:
    imported: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    replaced: dict[str, dict[str, int]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    manifest_rows: int = 0
    notes: list[str] = field(default_factory=list)  # summaries printed after the lists (REFI import)
    skipped: list[str] = field(default_factory=list)  # files of other types in the folders
    failed: list[str] = field(default_factory=list)  # with --skip-bad: "file, place: reason"

    def lines(self) -> list[str]:
        out = [f"imported {name}" for name in self.imported]
        out += [f"unchanged {name}: already imported, nothing to do" for name in self.unchanged]
        for name, counts in self.replaced.items():
            out.append(f"replaced {name}: codings kept {counts['kept']}, moved {counts['moved']}, "
                       f"dropped {counts['dropped']}")
        if self.manifest_rows:
            out.append(f"manifest: {self.manifest_rows} rows applied")
        out += self.notes
        if self.skipped:
            out.append(f"skipped {len(self.skipped)} file{'s' if len(self.skipped) != 1 else ''} "
                       f"not imported: {', '.join(self.skipped)}")
        if self.failed:
            out.append(f"not imported {len(self.failed)} bad file{'s' if len(self.failed) != 1 else ''} "
                       "(--skip-bad):")
            out += [f"  {problem}" for problem in self.failed]
        return out


def sha256(data: bytes | str) -> str:
    if isinstance(data, str):
        data = data.encode("utf-8")
    return hashlib.sha256(data).hexdigest()



def store_transcript(store: Store, path: Path, raw: bytes, transcript: Transcript, replace: bool,
                      report: ImportReport) -> int:
    """Store a read transcript; return its source id (also when it was already there)."""
    file_digest = sha256(raw)
    existing = store.source_by_name(transcript.name)
    report.warnings.extend(transcript.warnings)
    if existing is not None and existing["file_sha256"] == file_digest:
        report.unchanged.append(transcript.name)
        return int(existing["id"])
    if existing is not None and existing["text"] == transcript.text:
        # Same text, other bytes (comments or formatting changed): keep the source, note the new file.
        store.update_source_file(int(existing["id"]), path=str(path), file_sha256=file_digest)
        report.notes.append(f"same text {transcript.name}: the file changed but its text did not; transcript kept")
        return int(existing["id"])
    if existing is not None and not replace:
        raise Refused(f"{path}: a different file named {transcript.name} is already in the project; "
                      "use --replace to replace it (codings are kept where their text is found)")
    fields = dict(path=str(path), format=transcript.format, language=transcript.language,
                  file_sha256=file_digest, text_sha256=sha256(transcript.text), text=transcript.text)
    if existing is None:
        source_id = store.insert_source(name=transcript.name, **fields)
        report.imported.append(transcript.name)
    else:
        source_id = int(existing["id"])
        report.replaced[transcript.name] = remap_codings(store, source_id, existing["text"], transcript.text)
        store.update_source_content(source_id, **fields)
    store.replace_turns(source_id, [t.as_dict() for t in transcript.turns])
    for name, value in transcript.attributes.items():
        store.set_source_attribute(source_id, name, value)
    labels = {t.speaker for t in transcript.turns}
    store.delete_speakers_not_in(source_id, labels)
    mapped = {row["label"] for row in store.speakers(source_id)}
    stem = Path(transcript.name).stem
    for label in sorted(labels - mapped):
        participant_id = store.ensure_participant(f"{stem}:{label}", auto=True)
        role = INTERVIEWER_ROLE if looks_like_interviewer(label) else role_from_label(label)
        if role:
            store.set_participant_attribute(participant_id, "role", role)
        store.map_speaker(source_id, label, participant_id)
    store.delete_orphan_participants()
    return source_id


def remap_codings(store: Store, source_id: int, old: str, new: str) -> dict[str, int]:
    """Keep codings whose text stands at the same place, move those whose text is found
    elsewhere (the nearest occurrence), drop the rest."""
    counts = {"kept": 0, "moved": 0, "dropped": 0}
    for coding in store.source_codings(source_id):
        start, end = coding["start"], coding["end"]
        piece = old[start:end]
        if piece and new[start:end] == piece:
            counts["kept"] += 1
            continue
        best = _nearest(new, piece, start) if piece.strip() else None
        if best is None:
            store.delete_coding(coding["id"])
            counts["dropped"] += 1
        else:
            store.move_coding(coding["id"], best, best + len(piece))
            counts["moved"] += 1
    return counts


def _nearest(text: str, piece: str, around: int) -> int | None:
    best = None
    position = text.find(piece)
    while position >= 0:
        if best is None or abs(position - around) < abs(best - around):
            best = position
        position = text.find(piece, position + 1)
    return best


# --------------------------------------------------------------------------- manifest
