"""Queries on the codes of the codebook."""

from __future__ import annotations

import json
import sqlite3

from .ids import new_guid


class CodeQueries:
    """The codes tree. Mixed into :class:`coding.store.Store`."""

    db: sqlite3.Connection

    def codes(self) -> list[sqlite3.Row]:
        return self.db.execute("SELECT * FROM codes ORDER BY position, id").fetchall()

    def code_by_code(self, code: str) -> sqlite3.Row | None:
        return self.db.execute("SELECT * FROM codes WHERE code = ?", (code,)).fetchone()

    def code_by_guid(self, guid: str) -> sqlite3.Row | None:
        return self.db.execute("SELECT * FROM codes WHERE guid = ?", (guid,)).fetchone()

    def upsert_code(self, *, code: str, parent_id: int | None, labels: dict, definition: str = "",
                    include: str = "", exclude: str = "", examples: list | None = None,
                    color: str | None = None, rules: dict | None = None, codable: bool = True,
                    position: int = 0, guid: str | None = None) -> int:
        row = self.code_by_code(code)
        values = (parent_id, json.dumps(labels, ensure_ascii=False), definition, include, exclude,
                  json.dumps(examples or [], ensure_ascii=False), color,
                  json.dumps(rules or {}, ensure_ascii=False), int(codable), position)
        if row is None:
            cur = self.db.execute(
                """INSERT INTO codes (parent_id, labels, definition, include, exclude, examples, color, rules,
                                      codable, position, code, guid)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                values + (code, guid or new_guid()),
            )
            return int(cur.lastrowid)
        self.db.execute(
            """UPDATE codes SET parent_id = ?, labels = ?, definition = ?, include = ?, exclude = ?,
                      examples = ?, color = ?, rules = ?, codable = ?, position = ? WHERE id = ?""",
            values + (row["id"],),
        )
        return int(row["id"])

    def delete_code(self, code_id: int) -> None:
        self.forget_coding_rows(sql="SELECT source_id FROM codings WHERE code_id = ?", params=(code_id,))
        self.db.execute("DELETE FROM codings WHERE code_id = ?", (code_id,))
        self.db.execute("UPDATE codes SET parent_id = NULL WHERE parent_id = ?", (code_id,))
        self.db.execute("DELETE FROM codes WHERE id = ?", (code_id,))

    def rename_code(self, code_id: int, new_code: str) -> None:
        self.db.execute("UPDATE codes SET code = ? WHERE id = ?", (new_code, code_id))
