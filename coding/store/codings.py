"""Queries on codings of any origin (manual, Word comments, REFI ...): insert, move, delete, list, count."""

from __future__ import annotations

import sqlite3
from typing import Any, Iterable, Iterator

from .ids import new_guid, now


def _coding_filters(prefix: str, code_ids: Iterable[int] | None, coder: str | None, origin: str | None,
                    source_id: int | None) -> tuple[list[str], list[Any]]:
    """SQL conditions and their parameters for the usual coding filters (column names after
    ``prefix``, e.g. "c."); an empty ``code_ids`` matches nothing."""
    clauses: list[str] = []
    params: list[Any] = []
    if code_ids is not None:
        ids = list(code_ids)
        clauses.append(f"{prefix}code_id IN ({','.join('?' * len(ids))})" if ids else "0")
        params.extend(ids)
    for col, val in (("coder", coder), ("origin", origin), ("source_id", source_id)):
        if val is not None:
            clauses.append(f"{prefix}{col} = ?")
            params.append(val)
    return clauses, params


# A coding's memos (issue 25 keeps them in ``memos``), read as the one text ``codings.memo`` was.
CODING_MEMO = "(SELECT group_concat(m.text, char(10) || char(10)) FROM memos m WHERE m.coding_id = c.id) AS memo"


class CodingQueries:
    """Codings one at a time or filtered lists of them. Mixed into :class:`coding.store.Store`."""

    db: sqlite3.Connection

    def coding_total(self, origin: str | None = None) -> int:
        """How many codings the project holds (of one origin if given), counted without listing them."""
        if origin is None:
            return self.db.execute("SELECT count(*) FROM codings").fetchone()[0]
        return self.db.execute("SELECT count(*) FROM codings WHERE origin = ?", (origin,)).fetchone()[0]

    def coding_counts_by_code(self) -> dict[int, int]:
        return {r[0]: r[1] for r in self.db.execute("SELECT code_id, count(*) FROM codings GROUP BY code_id")}

    def insert_codings(self, rows: Iterable[dict]) -> int:
        """Add codings (dicts); a row's ``memo`` (text) or ``memos`` (dicts with text, author, guid,
        created_at, origin) become memos on the new coding."""
        stamp = now()
        rows = list(rows)
        data = [(r["source_id"], r["start"], r["end"], r["code_id"], r["coder"], r["origin"], r.get("rule"),
                 r.get("matched"), None, r.get("guid") or new_guid(), r.get("created_at") or stamp)
                for r in rows]
        with self.bulk_coding_changes():
            self.forget_coding_rows(sorted({r[0] for r in data}))
            self.db.executemany(
                """INSERT INTO codings (source_id, start, "end", code_id, coder, origin, rule, matched, memo,
                                        guid, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                data,
            )
        for row, values in zip(rows, data):
            memos = list(row.get("memos") or ())
            if row.get("memo"):
                memos.append({"text": row["memo"]})
            if not memos:
                continue
            coding_id = self.db.execute("SELECT id FROM codings WHERE guid = ?", (values[9],)).fetchone()[0]
            for memo in memos:
                self.insert_memo(text=memo["text"], source_id=values[0], start=values[1], end=values[2],
                                 author=memo.get("author") or values[4], origin=memo.get("origin") or values[5],
                                 guid=memo.get("guid"), coding_id=coding_id,
                                 created_at=memo.get("created_at") or values[10])
        return len(data)

    def delete_codings(self, *, origin: str | None = None, coder: str | None = None,
                       source_id: int | None = None) -> int:
        clauses, params = [], []
        for col, val in (("origin", origin), ("coder", coder), ("source_id", source_id)):
            if val is not None:
                clauses.append(f"{col} = ?")
                params.append(val)
        where = " WHERE " + " AND ".join(clauses) if clauses else ""
        with self.bulk_coding_changes():
            if source_id is None:
                self.forget_coding_rows(sql=f"SELECT DISTINCT source_id FROM codings{where}", params=params)
            else:
                self.forget_coding_rows([source_id])
            return self.db.execute(f"DELETE FROM codings{where}", params).rowcount

    def source_codings(self, source_id: int) -> list[sqlite3.Row]:
        return self.db.execute(
            f"""SELECT c.id, c.start, c."end", c.coder, c.origin, c.rule, c.matched, {CODING_MEMO}, c.guid,
                      k.code FROM codings c JOIN codes k ON k.id = c.code_id
               WHERE c.source_id = ? ORDER BY c.start, c."end", k.code""",
            (source_id,),
        ).fetchall()

    def move_coding(self, coding_id: int, start: int, end: int) -> None:
        self.forget_coding_rows(sql="SELECT source_id FROM codings WHERE id = ?", params=(coding_id,))
        self.db.execute('UPDATE codings SET start = ?, "end" = ? WHERE id = ?', (start, end, coding_id))
        self.db.execute('UPDATE memos SET start = ?, "end" = ? WHERE coding_id = ?', (start, end, coding_id))

    def coding_by_id(self, coding_id: int) -> sqlite3.Row | None:
        return self.db.execute("SELECT * FROM codings WHERE id = ?", (coding_id,)).fetchone()

    def delete_coding(self, coding_id: int) -> None:
        self.forget_coding_rows(sql="SELECT source_id FROM codings WHERE id = ?", params=(coding_id,))
        self.db.execute("DELETE FROM codings WHERE id = ?", (coding_id,))

    def codings(self, *, code_ids: Iterable[int] | None = None, coder: str | None = None,
                origin: str | None = None, source_id: int | None = None) -> Iterator[sqlite3.Row]:
        """Codings with their source name and code id, ordered by source and position."""
        clauses, params = _coding_filters("c.", code_ids, coder, origin, source_id)
        where = " WHERE " + " AND ".join(clauses) if clauses else ""
        return self.db.execute(
            f"""SELECT c.id, c.source_id, s.name AS source, c.start, c."end", c.code_id, c.coder, c.origin,
                       c.rule, c.matched, {CODING_MEMO}, c.guid, c.created_at
                FROM codings c JOIN sources s ON s.id = c.source_id{where}
                ORDER BY s.name, c.start, c."end", c.id""",
            params,
        )

    def listed_codings(self, source_id: int, *, code_ids: Iterable[int] | None = None, coder: str | None = None,
                       origin: str | None = None) -> list[tuple]:
        """One source's codings that pass the filters as plain tuples ``(id, start, end, code_id,
        coder, origin, rule, matched)`` by start, end and id: the rows of a coding list, read one
        source at a time (their memos: :meth:`coding_memo_texts`)."""
        clauses, params = _coding_filters("", code_ids, coder, origin, source_id)
        return self.tuples(
            f"""SELECT id, start, "end", code_id, coder, origin, rule, matched FROM codings
                WHERE {' AND '.join(clauses)} ORDER BY start, "end", id""", params)

    def coding_list_part(self, source_id: int, code_ids: list[int] | None, coder: str | None, origin: str | None,
                         with_text: bool) -> tuple[list[tuple], list[tuple], dict[str, int | None], str | None]:
        """What a coding list needs of one source: :meth:`listed_codings`, and when there are any, the
        source's :meth:`turn_rows`, :meth:`speaker_ids` and (``with_text``) its text."""
        codings = self.listed_codings(source_id, code_ids=code_ids, coder=coder, origin=origin)
        if not codings:
            return codings, [], {}, None
        return (codings, self.turn_rows(source_id), self.speaker_ids(source_id),
                self.source_text(source_id) if with_text else None)

    def coding_memo_texts(self) -> dict[int, str]:
        """The memos on codings, per coding id, joined as ``codings``' memo column joins them (in the
        order they were written, a blank line between two)."""
        out: dict[int, list[str]] = {}
        for coding_id, text in self.tuples(
                "SELECT coding_id, text FROM memos WHERE coding_id IS NOT NULL ORDER BY coding_id, id"):
            if text is not None:
                out.setdefault(coding_id, []).append(text)
        return {coding_id: "\n\n".join(texts) for coding_id, texts in out.items()}

    def coding_evidence(self, *, code_ids: Iterable[int], coder: str | None = None,
                        origin: str | None = None) -> list[tuple]:
        """``(source_id, start, end, origin, coder, rule, matched, code_id)`` of the codings of these
        codes, as plain tuples in no particular order: what a quote is weighed by."""
        clauses, params = _coding_filters("c.", code_ids, coder, origin, None)
        return self.tuples(
            f"""SELECT c.source_id, c.start, c."end", c.origin, c.coder, c.rule, c.matched, c.code_id
                FROM codings c WHERE {" AND ".join(clauses)}""", params)

    def coding_counts_by_code_and_origin(self) -> dict[int, dict[str, int]]:
        out: dict[int, dict[str, int]] = {}
        for code_id, origin, n in self.db.execute(
                "SELECT code_id, origin, count(*) FROM codings GROUP BY code_id, origin"):
            out.setdefault(code_id, {})[origin] = n
        return out

    def coded_code_ids(self) -> set[int]:
        """The ids of the codes that have at least one coding (any origin, any coder)."""
        return {row[0] for row in self.db.execute("SELECT DISTINCT code_id FROM codings")}

    def coding_counts_by_source(self) -> dict[int, int]:
        """Codings per source (sources without codings left out)."""
        return dict(self.tuples("SELECT source_id, count(*) FROM codings GROUP BY source_id"))

    def coders(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT DISTINCT coder FROM codings ORDER BY coder")]

    def coder_codings(self, source_id: int, coder: str, origin: str) -> list[sqlite3.Row]:
        return self.db.execute(
            f"""SELECT c.id, c.start, c."end", c.code_id, {CODING_MEMO} FROM codings c
               WHERE c.source_id = ? AND c.coder = ? AND c.origin = ? ORDER BY c.start, c."end", c.id""",
            (source_id, coder, origin),
        ).fetchall()

    def refi_coding_guids(self) -> set[str]:
        """GUIDs of every coding (lower case), to skip codings a REFI file brings a second time."""
        return {str(r[0]).lower() for r in self.db.execute("SELECT guid FROM codings")}
