"""Queries that reorganise codes after coding (issue 25): change a code's columns, count and remove
codings by filter or id (with the memos on them), merge one code into another."""

from __future__ import annotations

import json
import sqlite3
from typing import Any, Iterable

from .codings import _coding_filters


class ReorganiseQueries:
    """Renaming, merging, moving and deleting codes; removing codings. Mixed into :class:`coding.store.Store`."""

    db: sqlite3.Connection

    def update_code(self, code_id: int, **fields: Any) -> None:
        """Change some columns of a code: code, parent_id, labels, rules, position."""
        allowed = {"code", "parent_id", "labels", "rules", "position"}
        assert set(fields) <= allowed, fields
        values = [json.dumps(v, ensure_ascii=False) if k in ("labels", "rules") else v for k, v in fields.items()]
        self.db.execute(f"UPDATE codes SET {', '.join(f'{k} = ?' for k in fields)} WHERE id = ?", (*values, code_id))

    def coding_counts(self, *, code_ids: Iterable[int] | None = None, coder: str | None = None,
                      source_id: int | None = None, ids: Iterable[int] | None = None) -> list[sqlite3.Row]:
        """How many codings match, by code, coder and origin."""
        clauses, params = _coding_filters("", code_ids, coder, None, source_id)
        if ids is not None:
            ids = list(ids)
            clauses.append(f"id IN ({','.join('?' * len(ids))})" if ids else "0")
            params.extend(ids)
        where = " WHERE " + " AND ".join(clauses) if clauses else ""
        return self.db.execute(f"SELECT code_id, coder, origin, count(*) AS n FROM codings{where} "
                               "GROUP BY code_id, coder, origin ORDER BY code_id, coder, origin", params).fetchall()

    def existing_coding_ids(self, ids: Iterable[int]) -> set[int]:
        ids = list(ids)
        found: set[int] = set()
        for i in range(0, len(ids), 500):
            part = ids[i:i + 500]
            found.update(r[0] for r in self.db.execute(
                f"SELECT id FROM codings WHERE id IN ({','.join('?' * len(part))})", part))
        return found

    def remove_codings(self, *, code_ids: Iterable[int] | None = None, coder: str | None = None,
                       source_id: int | None = None, ids: Iterable[int] | None = None) -> tuple[int, int]:
        """Delete the codings that match and the memos on them; returns (codings, memos) deleted."""
        clauses, params = _coding_filters("", code_ids, coder, None, source_id)
        if ids is not None:
            ids = list(ids)
            clauses.append(f"id IN ({','.join('?' * len(ids))})" if ids else "0")
            params.extend(ids)
        where = " WHERE " + " AND ".join(clauses) if clauses else ""
        self.forget_coding_rows(sql=f"SELECT DISTINCT source_id FROM codings{where}", params=params)
        memos = self.db.execute(f"DELETE FROM memos WHERE coding_id IN (SELECT id FROM codings{where})",
                                params).rowcount
        return self.db.execute(f"DELETE FROM codings{where}", params).rowcount, memos

    def merge_code_into(self, old_id: int, new_id: int) -> dict[str, int]:
        """Move everything of code ``old_id`` to ``new_id``: codings (a coding that then equals one
        already there, same source, span and coder, is dropped and its memos go to the one kept),
        memos on the code, summaries (appended to the other's where both have one), child codes.
        The old code is left without anything; the caller deletes it."""
        self.forget_coding_rows(sql="SELECT DISTINCT source_id FROM codings WHERE code_id = ?", params=(old_id,))
        moving = {r[0] for r in self.db.execute("SELECT id FROM codings WHERE code_id = ?", (old_id,))}
        self.db.execute("UPDATE codings SET code_id = ? WHERE code_id = ?", (new_id, old_id))
        dropped = 0
        for (group,) in self.db.execute(
                """SELECT group_concat(id) FROM codings WHERE code_id = ? GROUP BY source_id, start, "end", coder
                   HAVING count(*) > 1""", (new_id,)).fetchall():
            ids = sorted(int(i) for i in group.split(","))
            if not moving.intersection(ids):
                continue   # duplicates the code had before: not this merge's to change
            kept = next((i for i in ids if i not in moving), ids[0])
            for twin in ids:
                if twin != kept and twin in moving:
                    self.db.execute("UPDATE memos SET coding_id = ? WHERE coding_id = ?", (kept, twin))
                    self.db.execute("DELETE FROM codings WHERE id = ?", (twin,))
                    dropped += 1
        memos = self.db.execute("UPDATE memos SET code_id = ? WHERE code_id = ?", (new_id, old_id)).rowcount
        summaries = 0
        for row in self.db.execute("SELECT case_by, case_value, text FROM summaries WHERE code_id = ?",
                                   (old_id,)).fetchall():
            other = self.db.execute("SELECT text FROM summaries WHERE case_by = ? AND case_value = ? AND code_id = ?",
                                    (row[0], row[1], new_id)).fetchone()
            text = row[2] if other is None else f"{other[0]}\n\n{row[2]}"
            self.set_summary(row[0], row[1], new_id, text)
            summaries += 1
        self.db.execute("DELETE FROM summaries WHERE code_id = ?", (old_id,))
        children = self.db.execute("UPDATE codes SET parent_id = ? WHERE parent_id = ?", (new_id, old_id)).rowcount
        return {"moved": len(moving), "duplicates": dropped, "memos": memos, "summaries": summaries,
                "children": children}

    def code_summary_count(self, code_id: int) -> int:
        return int(self.db.execute("SELECT count(*) FROM summaries WHERE code_id = ?", (code_id,)).fetchone()[0])

    def code_memo_count(self, code_id: int) -> int:
        return int(self.db.execute("SELECT count(*) FROM memos WHERE code_id = ?", (code_id,)).fetchone()[0])
