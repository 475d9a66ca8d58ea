"""Queries on participants (people) and their attributes."""

from __future__ import annotations

import sqlite3

from ..ordering import natural_key
from .ids import new_guid


class ParticipantQueries:
    """Participants and their attributes. Mixed into :class:`coding.store.Store`."""

    db: sqlite3.Connection

    def participant_by_pid(self, pid: str) -> sqlite3.Row | None:
        return self.db.execute("SELECT * FROM participants WHERE pid = ?", (pid,)).fetchone()

    def ensure_participant(self, pid: str, *, auto: bool = False, guid: str | None = None) -> int:
        row = self.participant_by_pid(pid)
        if row is not None:
            if not auto and row["auto"]:
                self.db.execute("UPDATE participants SET auto = 0 WHERE id = ?", (row["id"],))
            return int(row["id"])
        cur = self.db.execute(
            "INSERT INTO participants (pid, guid, auto) VALUES (?, ?, ?)", (pid, guid or new_guid(), int(auto))
        )
        return int(cur.lastrowid)

    def set_participant_attribute(self, participant_id: int, name: str, value: str) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO participant_attributes (participant_id, name, value) VALUES (?, ?, ?)",
            (participant_id, name, value),
        )

    def participant_attributes(self, participant_id: int) -> dict[str, str]:
        return {r[0]: r[1] for r in self.db.execute(
            "SELECT name, value FROM participant_attributes WHERE participant_id = ? ORDER BY name",
            (participant_id,))}

    def all_participant_attributes(self) -> dict[int, dict[str, str]]:
        out: dict[int, dict[str, str]] = {}
        for pid, name, value in self.tuples("SELECT participant_id, name, value FROM participant_attributes"):
            out.setdefault(pid, {})[name] = value
        return out

    def participants(self) -> list[sqlite3.Row]:
        """Every participant, in the natural order of the ids ("Borger 2" before "Borger 10")."""
        return sorted(self.db.execute(
            """SELECT p.id, p.pid, p.guid, p.auto,
                      (SELECT group_concat(s.name || ' (' || sp.label || ')', '; ')
                         FROM speakers sp JOIN sources s ON s.id = sp.source_id
                        WHERE sp.participant_id = p.id) AS appears_in,
                      (SELECT count(*) FROM turns t JOIN speakers sp
                          ON sp.source_id = t.source_id AND sp.label = t.speaker
                        WHERE sp.participant_id = p.id) AS turns
               FROM participants p ORDER BY p.pid"""
        ), key=lambda r: natural_key(r["pid"]))

    def delete_orphan_participants(self) -> int:
        cur = self.db.execute(
            "DELETE FROM participants WHERE auto = 1 AND id NOT IN "
            "(SELECT participant_id FROM speakers WHERE participant_id IS NOT NULL)"
        )
        return cur.rowcount

    def participant_ids(self) -> dict[int, str]:
        return dict(self.tuples("SELECT id, pid FROM participants"))

    def participant_by_guid(self, guid: str) -> sqlite3.Row | None:
        return self.db.execute("SELECT * FROM participants WHERE lower(guid) = lower(?)", (guid,)).fetchone()
