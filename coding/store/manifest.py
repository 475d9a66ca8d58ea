"""Queries on the interview list kept in the project and on a participant's attributes in one source."""

from __future__ import annotations

import json
import sqlite3
from typing import Iterable


class ManifestQueries:
    """The stored interview list and appearance attributes. Mixed into :class:`coding.store.Store`."""

    db: sqlite3.Connection

    def replace_manifest_rows(self, file: str, rows: Iterable[tuple[int, str, str, str, dict]]) -> None:
        """Keep this list (row number, source, speaker, participant, attributes) instead of the last one."""
        self.db.execute("DELETE FROM manifest_rows")
        self.db.executemany(
            "INSERT INTO manifest_rows (file, row, source, speaker, participant, attributes) VALUES (?, ?, ?, ?, ?, ?)",
            [(file, row, source, speaker, participant, json.dumps(attributes, ensure_ascii=False))
             for row, source, speaker, participant, attributes in rows])

    def manifest_rows(self) -> list[tuple[str, int, str, str, str, dict]]:
        """The kept list: (file, row, source, speaker, participant, attributes), in row order."""
        return [(file, row, source, speaker, participant, json.loads(attributes))
                for file, row, source, speaker, participant, attributes in self.db.execute(
                    "SELECT file, row, source, speaker, participant, attributes FROM manifest_rows ORDER BY row")]

    def set_appearance_attribute(self, source_id: int, participant_id: int, name: str, value: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO appearance_attributes (source_id, participant_id, name, value) "
                        "VALUES (?, ?, ?, ?)", (source_id, participant_id, name, value))

    def delete_appearance_attributes(self, participant_id: int) -> None:
        self.db.execute("DELETE FROM appearance_attributes WHERE participant_id = ?", (participant_id,))

    def delete_participant_attribute(self, participant_id: int, name: str) -> None:
        self.db.execute("DELETE FROM participant_attributes WHERE participant_id = ? AND name = ?",
                        (participant_id, name))

    def all_appearance_attributes(self) -> dict[tuple[int, int], dict[str, str]]:
        """{(source id, participant id): {name: value}} for every participant's values in one source."""
        out: dict[tuple[int, int], dict[str, str]] = {}
        for sid, pid, name, value in self.db.execute(
                "SELECT source_id, participant_id, name, value FROM appearance_attributes"):
            out.setdefault((sid, pid), {})[name] = value
        return out
