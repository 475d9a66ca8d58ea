"""Reviews of automatic codings (accept or reject, issue 26) and the workspace's small reads and
writes: one coding by id, a slice of a source's text, the turns and codings of one page."""

from __future__ import annotations

import sqlite3
from typing import Callable, Iterable

from .codings import CODING_MEMO, _coding_filters
from .ids import new_guid, now


class ReviewQueries:
    """Mixed into :class:`coding.store.Store`."""

    db: sqlite3.Connection
    tuples: Callable[..., list[tuple]]

    def insert_coding(self, *, source_id: int, start: int, end: int, code_id: int, coder: str,
                      origin: str = "manual", rule: str | None = None, matched: str | None = None) -> int:
        """One coding; its id."""
        cur = self.db.execute(
            """INSERT INTO codings (source_id, start, "end", code_id, coder, origin, rule, matched, guid,
                                    created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (source_id, start, end, code_id, coder, origin, rule, matched, new_guid(), now()))
        return int(cur.lastrowid)

    def source_id_named(self, name: str) -> int | None:
        """A source's id by name, without reading its text."""
        row = self.db.execute("SELECT id FROM sources WHERE name = ?", (name,)).fetchone()
        return None if row is None else int(row[0])

    def coding_with_source(self, coding_id: int) -> sqlite3.Row | None:
        """One coding with its source name and code slug."""
        return self.db.execute(
            """SELECT c.id, c.source_id, s.name AS source, c.start, c."end", c.code_id, k.code, c.coder,
                      c.origin, c.rule, c.matched, c.guid, c.created_at
               FROM codings c JOIN sources s ON s.id = c.source_id JOIN codes k ON k.id = c.code_id
               WHERE c.id = ?""", (coding_id,)).fetchone()

    def source_text_slice(self, source_id: int, start: int, end: int) -> str:
        """Characters [start, end) of a source's text (substr counts code points, from 1)."""
        return self.db.execute("SELECT substr(text, ?, ?) FROM sources WHERE id = ?",
                               (start + 1, max(0, end - start), source_id)).fetchone()[0]

    def turns_between(self, source_id: int, first: int, last: int) -> list[sqlite3.Row]:
        """Turns ``first``..``last`` (numbers, inclusive) of one source with participant and role."""
        return self.db.execute(
            """SELECT t.idx, t.start, t."end", t.speaker, t.timestamp, t.end_timestamp,
                      p.pid AS participant, pa.value AS role
               FROM turns t
               LEFT JOIN speakers sp ON sp.source_id = t.source_id AND sp.label = t.speaker
               LEFT JOIN participants p ON p.id = sp.participant_id
               LEFT JOIN participant_attributes pa ON pa.participant_id = p.id AND pa.name = 'role'
               WHERE t.source_id = ? AND t.idx BETWEEN ? AND ? ORDER BY t.idx""",
            (source_id, first, last)).fetchall()

    def turn_count(self, source_id: int) -> int:
        return int(self.db.execute("SELECT count(*) FROM turns WHERE source_id = ?", (source_id,)).fetchone()[0])

    def turn_at(self, source_id: int, offset: int) -> int | None:
        """The number of the turn that holds character ``offset`` (or the last one before it)."""
        row = self.db.execute('SELECT idx FROM turns WHERE source_id = ? AND start <= ? ORDER BY start DESC LIMIT 1',
                              (source_id, offset)).fetchone()
        return None if row is None else int(row[0])

    def codings_between(self, source_id: int, start: int, end: int) -> list[sqlite3.Row]:
        """Codings of one source that overlap [start, end), with code slug, ordered by place."""
        return self.db.execute(
            f"""SELECT c.id, c.start, c."end", c.coder, c.origin, c.rule, c.matched, {CODING_MEMO}, k.code, c.code_id
               FROM codings c JOIN codes k ON k.id = c.code_id
               WHERE c.source_id = ? AND c.start < ? AND c."end" > ? ORDER BY c.start, c."end", k.code""",
            (source_id, end, start)).fetchall()

    def proposals(self, *, code_ids: Iterable[int] | None = None, source_id: int | None = None,
                  limit: int = 50, after: int = 0) -> list[sqlite3.Row]:
        """Automatic codings waiting for a review (every automatic coding still there is one), with
        their source name and code slug, in source and text order; ``after`` a coding id for paging."""
        clauses, params = _coding_filters("c.", code_ids, None, "auto", source_id)
        clauses.append("c.id > ?")
        params.append(after)
        return self.db.execute(
            f"""SELECT c.id, c.source_id, s.name AS source, c.start, c."end", c.code_id, k.code, c.coder,
                       c.rule, c.matched
                FROM codings c JOIN sources s ON s.id = c.source_id JOIN codes k ON k.id = c.code_id
                WHERE {" AND ".join(clauses)} ORDER BY c.id LIMIT ?""", [*params, limit]).fetchall()

    def proposal_count(self, *, code_ids: Iterable[int] | None = None, source_id: int | None = None) -> int:
        clauses, params = _coding_filters("", code_ids, None, "auto", source_id)
        return int(self.db.execute(f"SELECT count(*) FROM codings WHERE {' AND '.join(clauses)}", params).fetchone()[0])

    def insert_review(self, *, source_id: int, start: int, end: int, code_id: int, decision: str, reviewer: str,
                      rule: str | None, matched: str | None, coding_id: int | None) -> int:
        """Record a review; a second review of the same span and code replaces the first."""
        cur = self.db.execute(
            """INSERT OR REPLACE INTO reviews (source_id, start, "end", code_id, decision, reviewer, rule, matched,
                                               coding_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (source_id, start, end, code_id, decision, reviewer, rule, matched, coding_id, now()))
        return int(cur.lastrowid)

    def reviews(self, source_id: int | None = None) -> list[sqlite3.Row]:
        where, params = ("WHERE r.source_id = ?", [source_id]) if source_id is not None else ("", [])
        return self.db.execute(
            f"""SELECT r.id, s.name AS source, r.source_id, r.start, r."end", k.code, r.code_id, r.decision,
                       r.reviewer, r.rule, r.matched, r.coding_id, r.created_at
                FROM reviews r JOIN sources s ON s.id = r.source_id JOIN codes k ON k.id = r.code_id
                {where} ORDER BY s.name, r.start, r.id""", params).fetchall()

    def review_decisions(self, code_ids: Iterable[int]) -> list[tuple]:
        """``(source_id, start, end, code_id, decision)`` of the reviews of these codes."""
        ids = sorted(set(int(i) for i in code_ids))
        if not ids:
            return []
        return self.tuples(
            f'''SELECT source_id, start, "end", code_id, decision FROM reviews
                WHERE code_id IN ({",".join("?" * len(ids))})''', ids)

    def reviewed_spans(self) -> dict[int, set[tuple[int, int, int]]]:
        """{source id: {(start, end, code id)}} of every reviewed automatic coding: the auto-coder
        does not propose these again."""
        out: dict[int, set[tuple[int, int, int]]] = {}
        for sid, start, end, code_id in self.tuples('SELECT source_id, start, "end", code_id FROM reviews'):
            out.setdefault(sid, set()).add((start, end, code_id))
        return out

    def review_counts_by_code(self) -> dict[int, dict[str, int]]:
        """{code id: {"accepted": n, "rejected": m}} over every review."""
        out: dict[int, dict[str, int]] = {}
        for code_id, decision, n in self.tuples("SELECT code_id, decision, count(*) FROM reviews GROUP BY 1, 2"):
            out.setdefault(code_id, {"accepted": 0, "rejected": 0})[decision] = n
        return out

    def coding_counts_by_source_and_coder(self) -> list[tuple[str, str, int]]:
        """(source name, coder, codings) for every source and coder with codings."""
        return self.tuples("""SELECT s.name, c.coder, count(*) FROM codings c JOIN sources s ON s.id = c.source_id
                              GROUP BY c.source_id, c.coder ORDER BY s.name, c.coder""")
