"""What the auto-coder stores: its codings in bulk, and per source the fingerprint of the last run."""

from __future__ import annotations

import functools
import itertools
import json
import sqlite3
from typing import TYPE_CHECKING, Any, Iterable

from .ids import GuidSequence, now

if TYPE_CHECKING:
    import numpy as np


def code_hashes_json(code_hashes: dict) -> str:
    """How ``autocode_state.code_hashes`` holds {code: rule hash}."""
    return json.dumps(code_hashes, sort_keys=True)


AUTO_INSERT_ROWS = (64, 16, 4, 1)   # codings per INSERT statement, largest first
AUTO_INSERT_VALUES = 6              # values bound per coding; source, coder, origin and time once


@functools.lru_cache(maxsize=None)
def auto_insert_sql(rows: int) -> str:
    """One INSERT of ``rows`` automatic codings of one source. ?1-?4 (source, coder, origin, time)
    are bound once for all of them; each coding binds six values: start, end, code, rule, matched
    words, GUID. Per statement SQLite opens its cursors on the table and its indexes once, and
    Python crosses into SQLite once, instead of once per coding."""
    row = "(?1,?{},?{},?{},?2,?3,?{},?{},?{},?4)"
    first = 5
    return ('INSERT INTO codings (source_id, start, "end", code_id, coder, origin, rule, matched, guid, created_at) '
            "VALUES " + ",".join(row.format(*range(first + k * AUTO_INSERT_VALUES, first + (k + 1) * AUTO_INSERT_VALUES))
                                 for k in range(rows)))


class AutoCodingQueries:
    """Automatic codings and the auto-coder's state per source. Mixed into :class:`coding.store.Store`."""

    db: sqlite3.Connection

    def autocode_sources(self) -> list[sqlite3.Row]:
        """Sources to consider for auto-coding (no text, not even its length: a length reads it)."""
        return self.db.execute("SELECT id, name, language, text_sha256 FROM sources ORDER BY name").fetchall()

    def sources_never_autocoded(self) -> int:
        return self.db.execute(
            "SELECT count(*) FROM sources WHERE id NOT IN (SELECT source_id FROM autocode_state)").fetchone()[0]

    def autocode_states(self) -> dict[int, sqlite3.Row]:
        return {r["source_id"]: r for r in self.db.execute("SELECT * FROM autocode_state")}

    def set_autocode_states(self, states: Iterable[tuple[int, str, str, int]]) -> None:
        """``(source_id, fingerprint, code_hashes, codings)`` of the sources a run coded;
        ``code_hashes``: {code: rule hash} as :func:`code_hashes_json` writes it (many sources
        share one, so it is serialised once per distinct value, not once per source)."""
        stamp = now()
        self.db.executemany(
            """INSERT OR REPLACE INTO autocode_state (source_id, fingerprint, code_hashes, codings, updated_at)
               VALUES (?, ?, ?, ?, ?)""", [(*state, stamp) for state in states])

    def auto_coding_counts(self, coder: str) -> dict[int, int]:
        """Automatic codings per source by one coder."""
        return {r[0]: r[1] for r in self.db.execute(
            "SELECT source_id, count(*) FROM codings WHERE origin = 'auto' AND coder = ? GROUP BY source_id",
            (coder,))}

    def other_auto_codings(self, coder: str) -> bool:
        """Whether any automatic coding was made by another coder than ``coder``."""
        return bool(self.db.execute("SELECT EXISTS (SELECT 1 FROM codings WHERE origin = 'auto' AND coder != ?)",
                                    (coder,)).fetchone()[0])

    def turn_units_by_source(self, skip_role: str | None = None) -> dict[int, Any]:
        """(idx, start, end) of every source's turns in idx order, as an integer array of three
        columns per source, leaving out turns whose speaker's participant has role ``skip_role``.
        Sources without turns are absent; a source whose turns are all left out maps to an empty
        array. One pass over the kept turn table as packed integer columns, never a Python tuple
        per turn."""
        import numpy as np

        table = self.turn_columns()
        sid, idx, start, end, pid = (table[k] for k in self.TURN_COLUMNS)
        keep = np.ones(len(sid), dtype=bool)
        if skip_role is not None:
            skipped = [r[0] for r in self.db.execute(
                "SELECT participant_id FROM participant_attributes WHERE name = 'role' AND value = ?", (skip_role,))]
            keep = ~np.isin(pid, np.array(skipped, dtype=np.int64))
        order = np.lexsort((idx, sid))
        sid, table = sid[order], np.stack([idx, start, end], axis=1)[order]
        keep = keep[order]
        bounds = np.flatnonzero(np.diff(sid)) + 1
        out: dict[int, Any] = {}
        for lo, hi in zip(np.concatenate(([0], bounds)).tolist(), np.concatenate((bounds, [len(sid)])).tolist()):
            if hi > lo:
                out[int(sid[lo])] = table[lo:hi][keep[lo:hi]]
        return out

    def auto_coding_counts_by_code(self) -> dict[int, int]:
        """Automatic codings (origin 'auto', any coder) per code."""
        return {r[0]: r[1] for r in self.db.execute(
            # "+code_id": scan the covering codings_analysis, not codings_code and every row
            "SELECT code_id, count(*) FROM codings WHERE origin = 'auto' GROUP BY +code_id")}

    def delete_auto_codings(self, source_id: int, coder: str, code_ids: Iterable[int] | None = None) -> int:
        """Delete one source's automatic codings by ``coder`` (all codes, or only ``code_ids``)."""
        self.forget_coding_rows([source_id])
        if code_ids is None:
            return self.db.execute(
                "DELETE FROM codings WHERE source_id = ? AND origin = 'auto' AND coder = ?",
                (source_id, coder)).rowcount
        ids = list(code_ids)
        if not ids:
            return 0
        return self.db.execute(
            f"DELETE FROM codings WHERE source_id = ? AND origin = 'auto' AND coder = ? "
            f"AND code_id IN ({','.join('?' * len(ids))})", (source_id, coder, *ids)).rowcount

    def insert_auto_codings(self, source_id: int, start: np.ndarray, end: np.ndarray, code_id: np.ndarray,
                            rule: list[str], matched: list[str], coder: str, origin: str = "auto") -> int:
        """Bulk insert one source's codings found by the auto-coder, given as columns (integer
        arrays and lists of texts). Up to 64 codings go in one statement (:func:`auto_insert_sql`),
        which SQLite runs once instead of once per coding."""
        count = len(start)
        if getattr(self, "_guids", None) is None:
            self._guids = GuidSequence()
        self.forget_coding_rows([source_id])
        values = list(itertools.chain.from_iterable(zip(start.tolist(), end.tolist(), code_id.tolist(), rule, matched,
                                                        self._guids.take(count))))
        shared = [source_id, coder, origin, now()]
        done = 0
        for rows in AUTO_INSERT_ROWS:
            n = (count - done) // rows * rows
            if n:
                width = AUTO_INSERT_VALUES * rows
                self.db.executemany(auto_insert_sql(rows),
                                    (shared + values[k:k + width]
                                     for k in range(done * AUTO_INSERT_VALUES, (done + n) * AUTO_INSERT_VALUES, width)))
                done += n
        return count
