"""Queries on the analyst's writing: memos, case summaries per theme, case statuses."""

from __future__ import annotations

import sqlite3

from .ids import new_guid, now


class NoteQueries:
    """Memos, summaries and case statuses. Mixed into :class:`coding.store.Store`."""

    db: sqlite3.Connection

    def insert_memo(self, *, text: str, source_id: int | None = None, start: int | None = None,
                    end: int | None = None, author: str | None = None, origin: str = "manual",
                    guid: str | None = None) -> int:
        cur = self.db.execute(
            """INSERT INTO memos (source_id, start, "end", author, text, origin, guid, created_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
            (source_id, start, end, author, text, origin, guid or new_guid(), now()),
        )
        return int(cur.lastrowid)

    def memos(self, source_id: int | None = None) -> list[sqlite3.Row]:
        if source_id is None:
            return self.db.execute('SELECT * FROM memos ORDER BY source_id, start, id').fetchall()
        return self.db.execute('SELECT * FROM memos WHERE source_id = ? ORDER BY start, id', (source_id,)).fetchall()

    def delete_memos(self, *, source_id: int, origin: str, author: str | None = None) -> int:
        if author is None:
            return self.db.execute("DELETE FROM memos WHERE source_id = ? AND origin = ?",
                                   (source_id, origin)).rowcount
        return self.db.execute("DELETE FROM memos WHERE source_id = ? AND origin = ? AND author = ?",
                               (source_id, origin, author)).rowcount

    def summaries(self, case_by: str | None = None) -> list[sqlite3.Row]:
        """Analyst summaries with their code id, ordered by case attribute, case and codebook order."""
        where, params = ("WHERE s.case_by = ?", (case_by,)) if case_by is not None else ("", ())
        return self.db.execute(
            f"""SELECT s.case_by, s.case_value, s.code_id, k.code, s.text, s.updated_at
                FROM summaries s JOIN codes k ON k.id = s.code_id {where}
                ORDER BY s.case_by, s.case_value, k.position, k.id""",
            params,
        ).fetchall()

    def set_summary(self, case_by: str, case_value: str, code_id: int, text: str) -> None:
        self.db.execute(
            """INSERT INTO summaries (case_by, case_value, code_id, text, updated_at) VALUES (?, ?, ?, ?, ?)
               ON CONFLICT (case_by, case_value, code_id) DO UPDATE SET text = excluded.text,
                  updated_at = excluded.updated_at""",
            (case_by, case_value, code_id, text, now()),
        )

    def delete_summary(self, case_by: str, case_value: str, code_id: int) -> int:
        return self.db.execute(
            "DELETE FROM summaries WHERE case_by = ? AND case_value = ? AND code_id = ?",
            (case_by, case_value, code_id),
        ).rowcount

    def case_statuses(self, case_by: str | None = None) -> list[sqlite3.Row]:
        where, params = ("WHERE case_by = ?", (case_by,)) if case_by is not None else ("", ())
        return self.db.execute(
            f"SELECT case_by, case_value, status, date, updated_at FROM case_status_by {where} "
            "ORDER BY case_by, case_value",
            params,
        ).fetchall()

    def set_case_status(self, case_by: str, case_value: str, status: str, date: str | None) -> None:
        self.db.execute(
            """INSERT INTO case_status_by (case_by, case_value, status, date, updated_at) VALUES (?, ?, ?, ?, ?)
               ON CONFLICT (case_by, case_value) DO UPDATE SET status = excluded.status,
                  date = excluded.date, updated_at = excluded.updated_at""",
            (case_by, case_value, status, date, now()),
        )

    def refi_memo_guids(self) -> set[str]:
        return {str(r[0]).lower() for r in self.db.execute("SELECT guid FROM memos")}

    def set_memo_created_at(self, memo_id: int, created_at: str) -> None:
        """Keep the date a memo was written when it comes from another tool."""
        self.db.execute("UPDATE memos SET created_at = ? WHERE id = ?", (created_at, memo_id))
