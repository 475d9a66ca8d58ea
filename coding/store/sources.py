"""Queries on sources (one transcript each: text, file, attributes), their turns and speakers."""

from __future__ import annotations

import sqlite3
from typing import Iterable

from ..ordering import natural_key
from .ids import new_guid, now


class SourceQueries:
    """Sources, their attributes, turns and speaker labels. Mixed into :class:`coding.store.Store`."""

    db: sqlite3.Connection

    def source_by_name(self, name: str) -> sqlite3.Row | None:
        return self.db.execute("SELECT * FROM sources WHERE name = ?", (name,)).fetchone()

    def source_by_id(self, source_id: int) -> sqlite3.Row | None:
        return self.db.execute("SELECT * FROM sources WHERE id = ?", (source_id,)).fetchone()

    def source_by_guid(self, guid: str) -> sqlite3.Row | None:
        return self.db.execute("SELECT * FROM sources WHERE guid = ?", (guid,)).fetchone()

    def source_by_text_sha256(self, digest: str) -> sqlite3.Row | None:
        return self.db.execute("SELECT * FROM sources WHERE text_sha256 = ?", (digest,)).fetchone()

    def sources(self) -> list[sqlite3.Row]:
        """Every source, in the natural order of the names ("Interview 2" before "Interview 10")."""
        return sorted(self.db.execute(
            """SELECT s.id, s.guid, s.name, s.path, s.format, s.language, s.file_sha256, s.text_sha256,
                      s.imported_at, length(s.text) AS characters,
                      (SELECT count(*) FROM turns t WHERE t.source_id = s.id) AS turns,
                      (SELECT count(*) FROM speakers p WHERE p.source_id = s.id) AS speakers,
                      (SELECT count(*) FROM codings c WHERE c.source_id = s.id) AS codings
               FROM sources s ORDER BY s.name"""
        ), key=lambda r: natural_key(r["name"]))

    def insert_source(self, *, name: str, path: str, format: str, language: str, file_sha256: str,
                      text_sha256: str, text: str, guid: str | None = None) -> int:
        cur = self.db.execute(
            """INSERT INTO sources (guid, name, path, format, language, file_sha256, text_sha256, text, imported_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (guid or new_guid(), name, path, format, language, file_sha256, text_sha256, text, now()),
        )
        return int(cur.lastrowid)

    def update_source_content(self, source_id: int, *, path: str, format: str, language: str,
                              file_sha256: str, text_sha256: str, text: str) -> None:
        self.db.execute(
            """UPDATE sources SET path = ?, format = ?, language = ?, file_sha256 = ?, text_sha256 = ?,
                      text = ?, imported_at = ? WHERE id = ?""",
            (path, format, language, file_sha256, text_sha256, text, now(), source_id),
        )

    def set_source_language(self, source_id: int, language: str) -> None:
        self.db.execute("UPDATE sources SET language = ? WHERE id = ?", (language, source_id))

    def source_attributes(self, source_id: int) -> dict[str, str]:
        return {r[0]: r[1] for r in self.db.execute(
            "SELECT name, value FROM source_attributes WHERE source_id = ? ORDER BY name", (source_id,))}

    def all_source_attributes(self) -> dict[int, dict[str, str]]:
        out: dict[int, dict[str, str]] = {}
        for sid, name, value in self.tuples("SELECT source_id, name, value FROM source_attributes"):
            out.setdefault(sid, {})[name] = value
        return out

    def set_source_attribute(self, source_id: int, name: str, value: str) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO source_attributes (source_id, name, value) VALUES (?, ?, ?)",
            (source_id, name, value),
        )

    def replace_turns(self, source_id: int, turns: Iterable[dict]) -> None:
        self.db.execute("DELETE FROM turns WHERE source_id = ?", (source_id,))
        self.db.executemany(
            """INSERT INTO turns (source_id, idx, start, "end", speaker, timestamp, end_timestamp)
               VALUES (?, ?, ?, ?, ?, ?, ?)""",
            [(source_id, i, t["start"], t["end"], t["speaker"], t.get("timestamp"), t.get("end_timestamp"))
             for i, t in enumerate(turns, start=1)],
        )

    def turns(self, source_id: int) -> list[sqlite3.Row]:
        """Turns of one source with their participant and role (None when unmapped)."""
        return self.db.execute(
            """SELECT t.idx, t.start, t."end", t.speaker, t.timestamp, t.end_timestamp,
                      p.pid AS participant, coalesce(aa.value, pa.value) AS role
               FROM turns t
               LEFT JOIN speakers sp ON sp.source_id = t.source_id AND sp.label = t.speaker
               LEFT JOIN participants p ON p.id = sp.participant_id
               LEFT JOIN participant_attributes pa ON pa.participant_id = p.id AND pa.name = 'role'
               LEFT JOIN appearance_attributes aa ON aa.source_id = t.source_id AND aa.participant_id = p.id
                                                 AND aa.name = 'role'
               WHERE t.source_id = ? ORDER BY t.idx""",
            (source_id,),
        ).fetchall()

    def all_turns(self) -> list[sqlite3.Row]:
        """Every turn of the project, with its participant id and role, ordered by source and start."""
        return self.db.execute(
            """SELECT t.source_id, t.idx, t.start, t."end", t.speaker, t.timestamp,
                      p.id AS participant_id, p.pid AS participant, coalesce(aa.value, pa.value) AS role
               FROM turns t
               LEFT JOIN speakers sp ON sp.source_id = t.source_id AND sp.label = t.speaker
               LEFT JOIN participants p ON p.id = sp.participant_id
               LEFT JOIN participant_attributes pa ON pa.participant_id = p.id AND pa.name = 'role'
               LEFT JOIN appearance_attributes aa ON aa.source_id = t.source_id AND aa.participant_id = p.id
                                                 AND aa.name = 'role'
               ORDER BY t.source_id, t.start"""
        ).fetchall()

    def turn_rows(self, source_id: int) -> list[tuple]:
        """One source's turns as plain tuples ``(idx, start, end, speaker)`` by start (their
        participants: :meth:`speaker_ids`)."""
        return self.tuples('SELECT idx, start, "end", speaker FROM turns WHERE source_id = ? ORDER BY start, idx',
                           (source_id,))

    def speaker_ids(self, source_id: int) -> dict[str, int | None]:
        """The participant id each speaker label of a source stands for (None: not mapped)."""
        return dict(self.tuples("SELECT label, participant_id FROM speakers WHERE source_id = ?", (source_id,)))

    def speakers(self, source_id: int) -> list[sqlite3.Row]:
        return self.db.execute(
            """SELECT sp.label, p.pid AS participant, p.auto
               FROM speakers sp LEFT JOIN participants p ON p.id = sp.participant_id
               WHERE sp.source_id = ? ORDER BY sp.label""",
            (source_id,),
        ).fetchall()

    def map_speaker(self, source_id: int, label: str, participant_id: int | None) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO speakers (source_id, label, participant_id) VALUES (?, ?, ?)",
            (source_id, label, participant_id),
        )

    def delete_speakers_not_in(self, source_id: int, labels: set[str]) -> None:
        for row in self.speakers(source_id):
            if row["label"] not in labels:
                self.db.execute("DELETE FROM speakers WHERE source_id = ? AND label = ?", (source_id, row["label"]))

    def source_texts(self) -> dict[int, str]:
        return {r[0]: r[1] for r in self.db.execute("SELECT id, text FROM sources")}

    def total_characters(self) -> int:
        """Characters of all texts (reads every text: length() of text counts characters)."""
        return self.db.execute("SELECT ifnull(sum(length(text)), 0) FROM sources").fetchone()[0]

    def source_length(self, source_id: int) -> int:
        row = self.db.execute("SELECT length(text) FROM sources WHERE id = ?", (source_id,)).fetchone()
        return int(row[0] or 0) if row else 0

    def source_languages(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT DISTINCT language FROM sources")]

    def source_text(self, source_id: int) -> str:
        row = self.db.execute("SELECT text FROM sources WHERE id = ?", (source_id,)).fetchone()
        return row[0] if row else ""

    def turn_labels(self) -> tuple[list[str], list[str | None]]:
        """Speaker labels and timestamps of every turn, in :meth:`turn_columns` order."""
        speakers: list[str] = []
        timestamps: list[str | None] = []
        same: dict[str, str] = {}  # one string per label: a study has a million turns but few labels
        for speaker, timestamp in self.db.execute(
                'SELECT speaker, timestamp FROM turns ORDER BY source_id, start, idx'):
            speakers.append(same.setdefault(speaker, speaker))
            timestamps.append(timestamp)
        return speakers, timestamps

    def turn_labels_of(self, turns: Iterable[tuple[int, int]]) -> dict[tuple[int, int], tuple[str, str | None]]:
        """Speaker label and timestamp of the turns given as ``(source id, turn index)``, by that pair
        (a few turns of a big project, without reading the labels of all of them)."""
        import json

        keys = sorted({int(sid) * 4294967296 + int(idx) for sid, idx in turns})
        if not keys:
            return {}
        # the list drives the join (CROSS JOIN keeps that order): one look-up per turn in its unique index
        rows = self.tuples(
            """SELECT t.source_id, t.idx, t.speaker, t.timestamp FROM json_each(?) AS j
               CROSS JOIN turns AS t ON t.source_id = (j.value >> 32) AND t.idx = (j.value & 4294967295)""",
            [json.dumps(keys)])
        return {(sid, idx): (speaker, timestamp) for sid, idx, speaker, timestamp in rows}

    def source_names(self) -> list[sqlite3.Row]:
        """Id, name and language of every source, by name (no text)."""
        return self.db.execute("SELECT id, name, language FROM sources ORDER BY name").fetchall()

    def texts_of(self, source_ids: Iterable[int]) -> dict[int, str]:
        ids = sorted(set(int(i) for i in source_ids))
        out: dict[int, str] = {}
        for i in range(0, len(ids), 500):
            part = ids[i:i + 500]
            out.update({r[0]: r[1] for r in self.db.execute(
                f"SELECT id, text FROM sources WHERE id IN ({','.join('?' * len(part))})", part)})
        return out

    def attribute_values(self, name: str) -> list[str]:
        """Distinct values of an attribute on participants or sources (a case attribute's cases)."""
        return sorted((r[0] for r in self.db.execute(
            """SELECT value FROM participant_attributes WHERE name = ?
               UNION SELECT value FROM appearance_attributes WHERE name = ?
               UNION SELECT value FROM source_attributes WHERE name = ? ORDER BY 1""",
            (name, name, name))), key=natural_key)

    def attribute_names(self) -> list[str]:
        return [r[0] for r in self.db.execute(
            "SELECT name FROM participant_attributes UNION SELECT name FROM appearance_attributes "
            "UNION SELECT name FROM source_attributes ORDER BY 1")]

    def update_source_file(self, source_id: int, *, path: str, file_sha256: str) -> None:
        """A new file with the same text: remember its path and digest, leave the text and turns."""
        self.db.execute("UPDATE sources SET path = ?, file_sha256 = ? WHERE id = ?", (path, file_sha256, source_id))
