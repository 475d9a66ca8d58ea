"""Queries on the analyst's writing: memos, case summaries per theme, case statuses."""

from __future__ import annotations

import sqlite3

from .ids import new_guid, now


class NoteQueries:
    """Memos, summaries and case statuses. Mixed into :class:`coding.store.Store`."""

    db: sqlite3.Connection

    # A memo is on the project (no target), a source (source_id), a span of a source (+ start, end),
    # a code (code_id) or a coding (coding_id, with the coding's source and span).
    def insert_memo(self, *, text: str, source_id: int | None = None, start: int | None = None,
                    end: int | None = None, author: str | None = None, origin: str = "manual",
                    guid: str | None = None, code_id: int | None = None, coding_id: int | None = None,
                    created_at: str | None = None) -> int:
        cur = self.db.execute(
            """INSERT INTO memos (source_id, start, "end", author, text, origin, guid, created_at, code_id, coding_id)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (source_id, start, end, author, text, origin, guid or new_guid(), created_at or now(), code_id,
             coding_id),
        )
        return int(cur.lastrowid)

    def memos(self, source_id: int | None = None) -> list[sqlite3.Row]:
        """Memos on the project, on sources and on spans (not those on a code or on a coding that is
        still there: a memo whose coding is gone stays on its span)."""
        alone = "code_id IS NULL AND (coding_id IS NULL OR coding_id NOT IN (SELECT id FROM codings))"
        if source_id is None:
            return self.db.execute(f'SELECT * FROM memos WHERE {alone} ORDER BY source_id, start, id').fetchall()
        return self.db.execute(f'SELECT * FROM memos WHERE source_id = ? AND {alone} ORDER BY start, id',
                               (source_id,)).fetchall()

    MEMO_COLUMNS = """m.id, m.text, m.author, m.origin, m.guid, m.created_at, m.updated_at, m.source_id,
                      m.start, m."end", m.code_id, m.coding_id, s.name AS source, k.code AS code,
                      c.id AS coding_present, ck.code AS coding_code, c.coder AS coding_coder"""
    MEMO_JOINS = """FROM memos m LEFT JOIN sources s ON s.id = m.source_id LEFT JOIN codes k ON k.id = m.code_id
                    LEFT JOIN codings c ON c.id = m.coding_id LEFT JOIN codes ck ON ck.id = c.code_id"""

    def all_memos(self, *, source_id: int | None = None, code_id: int | None = None,
                  author: str | None = None) -> list[sqlite3.Row]:
        """Every memo with what it is on: source name, code, the coding's code and coder."""
        clauses, params = [], []
        for column, value in (("m.source_id", source_id), ("m.code_id", code_id), ("m.author", author)):
            if value is not None:
                clauses.append(f"{column} = ?")
                params.append(value)
        where = " WHERE " + " AND ".join(clauses) if clauses else ""
        return self.db.execute(f"SELECT {self.MEMO_COLUMNS} {self.MEMO_JOINS}{where} ORDER BY m.id",
                               params).fetchall()

    def memo_by_id(self, memo_id: int) -> sqlite3.Row | None:
        return self.db.execute(f"SELECT {self.MEMO_COLUMNS} {self.MEMO_JOINS} WHERE m.id = ?",
                               (memo_id,)).fetchone()

    def update_memo_text(self, memo_id: int, text: str) -> None:
        self.db.execute("UPDATE memos SET text = ?, updated_at = ? WHERE id = ?", (text, now(), memo_id))

    def delete_memo(self, memo_id: int) -> int:
        return self.db.execute("DELETE FROM memos WHERE id = ?", (memo_id,)).rowcount

    def coding_memos(self, source_id: int | None = None) -> dict[int, list[sqlite3.Row]]:
        """Memos on codings that are still there, by coding id."""
        where, params = ("WHERE m.source_id = ?", (source_id,)) if source_id is not None else ("", ())
        out: dict[int, list[sqlite3.Row]] = {}
        for row in self.db.execute(
                f"""SELECT m.* FROM memos m JOIN codings c ON c.id = m.coding_id {where}
                    ORDER BY m.coding_id, m.id""", params):
            out.setdefault(row["coding_id"], []).append(row)
        return out

    def code_memos(self) -> dict[int, list[sqlite3.Row]]:
        out: dict[int, list[sqlite3.Row]] = {}
        for row in self.db.execute("SELECT * FROM memos WHERE code_id IS NOT NULL ORDER BY code_id, id"):
            out.setdefault(row["code_id"], []).append(row)
        return out

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
