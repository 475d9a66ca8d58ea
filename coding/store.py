"""The project store: schema, migrations and every SQL statement of the toolkit.

Nothing outside this module writes SQL. The store speaks SQLite through the standard
library; the statements are plain SQL so that another backend (PostgreSQL for teams)
can be added behind the same methods.

Offsets are Python string indices (code points) into a source's plain text, end exclusive.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import functools
import itertools
import json
import sqlite3
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator

if TYPE_CHECKING:
    import numpy as np

SCHEMA_VERSION_KEY = "schema_version"


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()


def new_guid() -> str:
    return str(uuid.uuid4())


def code_hashes_json(code_hashes: dict) -> str:
    """How ``autocode_state.code_hashes`` holds {code: rule hash}."""
    return json.dumps(code_hashes, sort_keys=True)


class GuidSequence:
    """GUIDs in the layout of UUID version 7 (RFC 9562): the time in milliseconds when the
    sequence began, 12 random bits, then a 62-bit counter that starts at a random value. Many times
    cheaper to make than uuid4 strings, and consecutive ones sit next to each other in the unique
    ``guid`` index instead of at random places in it. Once stored, a GUID never changes. They are
    made a block at a time (a few hundred per source would pay numpy's set-up each time); the
    unused rest of a block is skipped, so the sequence only ever goes up."""

    BLOCK = 65_536

    def __init__(self) -> None:
        import os
        import time

        millis = time.time_ns() // 1_000_000
        random = int.from_bytes(os.urandom(10), "big")
        head = f"{(millis & (2**48 - 1)) << 16 | 0x7000 | (random >> 68):016x}"
        self._prefix = f"{head[:8]}-{head[8:12]}-{head[12:]}-"
        self._next = random & (2**61 - 1)  # room below 2**62 for the counter
        self._ready: list[str] = []
        self._used = 0

    def take(self, count: int) -> list[str]:
        if self._used + count > len(self._ready):
            self._ready, self._used = self._make(max(count, self.BLOCK)), 0
        self._used += count
        return self._ready[self._used - count:self._used]

    def _make(self, count: int) -> list[str]:
        import numpy as np

        first, self._next = self._next, self._next + count
        # the counters with the variant bits as hex digits (16 each), laid out with the prefix and
        # the last hyphen as one array of characters, and cut into GUIDs
        digits = (np.arange(first, first + count, dtype=np.uint64) | np.uint64(2**63)).astype(">u8").tobytes().hex()
        prefix = np.frombuffer(self._prefix.encode("ascii"), dtype=np.uint8)
        width = len(prefix) + 17
        layout = np.empty((count, width), dtype="<u4")    # code points: a numpy str array's layout
        layout[:, :len(prefix)] = prefix
        hexes = np.frombuffer(digits.encode("ascii"), dtype=np.uint8).reshape(count, 16)
        layout[:, len(prefix):len(prefix) + 4] = hexes[:, :4]
        layout[:, len(prefix) + 4] = ord("-")
        layout[:, len(prefix) + 5:] = hexes[:, 4:]
        return layout.view(f"<U{width}").ravel().tolist()


# --------------------------------------------------------------------------- migrations
# Ordered functions; each one's name is recorded in `migrations` when it has run.
# Append new ones at the end; never edit one that has shipped.


def run_script(db: sqlite3.Connection, script: str) -> None:
    """Run several statements inside the current transaction (executescript would commit)."""
    for statement in script.split(";"):
        if statement.strip():
            db.execute(statement)


def m001_initial(db: sqlite3.Connection) -> None:
    run_script(db, 
        """
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
        CREATE TABLE sources (
            id INTEGER PRIMARY KEY,
            guid TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL UNIQUE,
            path TEXT,
            format TEXT NOT NULL,
            language TEXT NOT NULL,
            file_sha256 TEXT NOT NULL,
            text_sha256 TEXT NOT NULL,
            text TEXT NOT NULL,
            imported_at TEXT NOT NULL
        );
        CREATE TABLE source_attributes (
            source_id INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            value TEXT NOT NULL,
            PRIMARY KEY (source_id, name)
        );
        CREATE TABLE participants (
            id INTEGER PRIMARY KEY,
            pid TEXT NOT NULL UNIQUE,
            guid TEXT NOT NULL UNIQUE,
            auto INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE participant_attributes (
            participant_id INTEGER NOT NULL REFERENCES participants(id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            value TEXT NOT NULL,
            PRIMARY KEY (participant_id, name)
        );
        CREATE TABLE speakers (
            source_id INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
            label TEXT NOT NULL,
            participant_id INTEGER REFERENCES participants(id),
            PRIMARY KEY (source_id, label)
        );
        CREATE TABLE turns (
            id INTEGER PRIMARY KEY,
            source_id INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
            idx INTEGER NOT NULL,
            start INTEGER NOT NULL,
            "end" INTEGER NOT NULL,
            speaker TEXT NOT NULL,
            timestamp TEXT,
            end_timestamp TEXT,
            UNIQUE (source_id, idx)
        );
        CREATE INDEX turns_source ON turns(source_id, start);
        CREATE TABLE codes (
            id INTEGER PRIMARY KEY,
            code TEXT NOT NULL UNIQUE,
            parent_id INTEGER REFERENCES codes(id),
            guid TEXT NOT NULL UNIQUE,
            labels TEXT NOT NULL DEFAULT '{}',
            definition TEXT NOT NULL DEFAULT '',
            include TEXT NOT NULL DEFAULT '',
            exclude TEXT NOT NULL DEFAULT '',
            examples TEXT NOT NULL DEFAULT '[]',
            color TEXT,
            rules TEXT NOT NULL DEFAULT '{}',
            codable INTEGER NOT NULL DEFAULT 1,
            position INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE codings (
            id INTEGER PRIMARY KEY,
            source_id INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
            start INTEGER NOT NULL,
            "end" INTEGER NOT NULL,
            code_id INTEGER NOT NULL REFERENCES codes(id),
            coder TEXT NOT NULL,
            origin TEXT NOT NULL,
            rule TEXT,
            matched TEXT,
            memo TEXT,
            guid TEXT NOT NULL UNIQUE,
            created_at TEXT NOT NULL
        );
        CREATE INDEX codings_source ON codings(source_id, start);
        CREATE INDEX codings_code ON codings(code_id);
        CREATE INDEX codings_origin ON codings(origin);
        CREATE TABLE memos (
            id INTEGER PRIMARY KEY,
            source_id INTEGER REFERENCES sources(id) ON DELETE CASCADE,
            start INTEGER,
            "end" INTEGER,
            author TEXT,
            text TEXT NOT NULL,
            origin TEXT NOT NULL DEFAULT 'manual',
            guid TEXT NOT NULL UNIQUE,
            created_at TEXT NOT NULL
        );
        CREATE TABLE summaries (
            case_by TEXT NOT NULL,
            case_value TEXT NOT NULL,
            code_id INTEGER NOT NULL REFERENCES codes(id) ON DELETE CASCADE,
            text TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (case_by, case_value, code_id)
        );
        CREATE TABLE case_status (
            case_value TEXT PRIMARY KEY,
            status TEXT NOT NULL,
            date TEXT,
            updated_at TEXT NOT NULL
        );
        """
    )


def m005_reports_case_status_by(db: sqlite3.Connection) -> None:
    """Case status per case attribute: 'Nordby' as a municipality and 'P03' as a participant are
    different cases. Rows from before (no attribute) are kept as municipality cases."""
    run_script(db,
        """
        CREATE TABLE case_status_by (
            case_by TEXT NOT NULL,
            case_value TEXT NOT NULL,
            status TEXT NOT NULL,
            date TEXT,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (case_by, case_value)
        );
        INSERT INTO case_status_by (case_by, case_value, status, date, updated_at)
            SELECT 'municipality', case_value, status, date, updated_at FROM case_status;
        DROP TABLE case_status
        """
    )


def m003_autocode_state(db: sqlite3.Connection) -> None:
    """Per source: the fingerprint of the last auto-coding run, so unchanged sources are skipped."""
    run_script(db, """
        CREATE TABLE autocode_state (
            source_id INTEGER PRIMARY KEY REFERENCES sources(id) ON DELETE CASCADE,
            fingerprint TEXT NOT NULL,
            code_hashes TEXT NOT NULL DEFAULT '{}',
            codings INTEGER NOT NULL DEFAULT 0,
            updated_at TEXT NOT NULL
        )
    """)


def m004_analysis_codings_cover(db: sqlite3.Connection) -> None:
    """A covering index for the analysis (issue 4): matrices read codings from it without touching
    the table rows. It replaces ``codings_source`` (same leading columns), so inserts keep the same
    number of indexes to update."""
    run_script(db, """
        DROP INDEX IF EXISTS codings_source;
        CREATE INDEX codings_analysis ON codings(source_id, start, "end", code_id, coder, origin)
    """)


def m006_drop_codings_origin_index(db: sqlite3.Connection) -> None:
    """``codings_origin`` indexed a column with two or three values: no query gained from it (the
    origin filters go with a source, or count a whole origin, which the covering ``codings_analysis``
    scans), and every coding stored paid for it: auto-coding 231,000 codings spent about a fifth of
    its insert time there."""
    run_script(db, "DROP INDEX IF EXISTS codings_origin")


def m007_turn_table_cache(db: sqlite3.Connection) -> None:
    """A copy of the turn table as packed integers (:meth:`Store.turn_columns`), which every analysis
    and every auto-coding plan reads: turns change only when sources are imported, replaced or
    removed, or speakers mapped, and reading 280,000 turns with their speakers' participants took
    0.3 s of each matrix in a new process. Triggers drop the copy whenever turns or speakers change
    (in any way: import, REFI, a cascade from a deleted source), so it is never out of date."""
    db.execute("CREATE TABLE column_cache (name TEXT PRIMARY KEY, data BLOB NOT NULL)")
    for table in ("turns", "speakers"):
        for event in ("INSERT", "UPDATE", "DELETE"):
            db.execute(f"CREATE TRIGGER {table}_{event.lower()}_drops_turn_table AFTER {event} ON {table} "
                       f"BEGIN DELETE FROM column_cache WHERE name = 'turns'; END")


def m008_coding_table_cache(db: sqlite3.Connection) -> None:
    """A copy of each source's codings as packed records (:mod:`coding.coding_table`), which every
    analysis reads: reading a million codings from the table took half a second of each matrix.
    Triggers drop a source's copy whenever one of its codings is added, changed or removed (by any
    program: the cascade from a deleted source too), so no analysis ever sees old codings. A
    trigger on every row makes SQLite keep a statement journal per insert (10 to 20 microseconds a
    coding), so the store's own bulk changes set them aside (:meth:`Store.bulk_coding_changes`)."""
    db.execute("CREATE TABLE coding_cache (source_id INTEGER PRIMARY KEY, coders TEXT NOT NULL, "
               "origins TEXT NOT NULL, data BLOB NOT NULL)")
    for event, sources in (("INSERT", "NEW.source_id"), ("DELETE", "OLD.source_id"),
                           ("UPDATE OF source_id, start, \"end\", code_id, coder, origin",
                            "OLD.source_id, NEW.source_id")):
        db.execute(f"CREATE TRIGGER codings_{event.split()[0].lower()}_drops_coding_rows AFTER {event} ON codings "
                   f"BEGIN DELETE FROM coding_cache WHERE source_id IN ({sources}); END")
    db.execute("CREATE TRIGGER sources_delete_drops_coding_rows AFTER DELETE ON sources "
               "BEGIN DELETE FROM coding_cache WHERE source_id = OLD.id; END")


MIGRATIONS = [m001_initial, m005_reports_case_status_by, m003_autocode_state, m004_analysis_codings_cover,
              m006_drop_codings_origin_index, m007_turn_table_cache, m008_coding_table_cache]
SCHEMA_VERSION = len(MIGRATIONS)


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


AUTO_INSERT_ROWS = (64, 16, 4, 1)   # codings per INSERT statement, largest first
AUTO_INSERT_VALUES = 6              # values bound per coding; source, coder, origin and time once


@functools.lru_cache(maxsize=None)
def auto_insert_sql(rows: int) -> str:
    """One INSERT of ``rows`` automatic codings of one source. ?1-?4 (source, coder, origin, time)
    are bound once for all of them; each coding binds six values: start, end, code, rule, matched
    words, GUID. Per statement SQLite opens its cursors on the table and its indexes once, and
    Python crosses into SQLite once: the insert of a first run executes about 30 % fewer
    instructions than with one statement per coding."""
    row = "(?1,?{},?{},?{},?2,?3,?{},?{},?{},?4)"
    first = 5
    return ('INSERT INTO codings (source_id, start, "end", code_id, coder, origin, rule, matched, guid, created_at) '
            "VALUES " + ",".join(row.format(*range(first + k * AUTO_INSERT_VALUES, first + (k + 1) * AUTO_INSERT_VALUES))
                                 for k in range(rows)))


class Store:
    """One open project database. Use :meth:`transaction` around every change."""

    def __init__(self, path: str | Path):
        self.path = str(path)
        self.db = sqlite3.connect(self.path, isolation_level=None)
        self.db.row_factory = sqlite3.Row
        self._depth = 0
        self._bulk = False   # inside bulk_coding_changes
        self._forgotten: set[int] = set()  # sources whose kept coding rows bulk changes dropped
        self._migrated = False  # the kept copies have their tables
        # data derived from the project that a layer above keeps while this store is open (the
        # analysis context, by key); close() empties it, so nothing outlives the open project
        self.memo: dict[str, Any] = {}
        try:
            self.db.execute("PRAGMA foreign_keys = ON")
            self.db.execute("PRAGMA journal_mode = WAL")
            self.db.execute("PRAGMA synchronous = NORMAL")
            self._migrate()
        except sqlite3.DatabaseError as exc:
            self.db.close()
            from .errors import CodingError

            raise CodingError(f"{self.path}: not a project file ({exc})") from None

    # ------------------------------------------------------------------ plumbing
    def tuples(self, sql: str, params: Iterable[Any] = ()) -> list[tuple]:
        """All rows of ``sql`` as plain tuples (no ``sqlite3.Row`` per row: for big reads)."""
        cursor = self.db.cursor()
        cursor.row_factory = None
        return cursor.execute(sql, list(params)).fetchall()

    def close(self) -> None:
        self.memo.clear()
        self.db.close()

    @contextlib.contextmanager
    def transaction(self, *, journals_in_memory: bool = False) -> Iterator["Store"]:
        """All or nothing; nested uses join the outermost transaction.

        ``journals_in_memory`` (for an outermost transaction that stores many rows per statement,
        as auto-coding does, :func:`auto_insert_sql`): such a statement keeps a statement journal
        (the pages it changes, so that a failing row can undo the rows before it). SQLite holds it
        in memory up to 64 KB, then in a temporary file for the rest of the transaction: 360,000
        writes for the 231,000 codings of 10M words. SQLite decides where when the transaction
        begins, from ``temp_store``; so ``temp_store`` is MEMORY while BEGIN runs and back to
        what it was right after, where GROUP BY and ORDER BY sort faster."""
        if self._depth == 0:
            if journals_in_memory:
                before = self.db.execute("PRAGMA temp_store").fetchone()[0]
                self.db.execute("PRAGMA temp_store = MEMORY")
                try:
                    self.db.execute("BEGIN IMMEDIATE")
                finally:
                    self.db.execute(f"PRAGMA temp_store = {int(before)}")
            else:
                self.db.execute("BEGIN IMMEDIATE")
        self._depth += 1
        try:
            yield self
        except BaseException:
            self._depth -= 1
            if self._depth == 0:
                self.db.execute("ROLLBACK")
            raise
        else:
            self._depth -= 1
            if self._depth == 0:
                self.db.execute("COMMIT")
                if self._migrated:
                    with contextlib.suppress(sqlite3.OperationalError):  # busy or read-only: next time
                        self.keep_copies()

    def _migrate(self) -> None:
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
        )
        done = {r[0] for r in self.db.execute("SELECT name FROM migrations")}
        for fn in MIGRATIONS:
            if fn.__name__ in done:
                continue
            with self.transaction():
                fn(self.db)
                self.db.execute(
                    "INSERT INTO migrations (name, applied_at) VALUES (?, ?)", (fn.__name__, _now())
                )
                self.db.execute(
                    "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                    (SCHEMA_VERSION_KEY, str(MIGRATIONS.index(fn) + 1)),
                )
        self._migrated = True

    def schema_version(self) -> int:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (SCHEMA_VERSION_KEY,)).fetchone()
        return int(row[0]) if row else 0

    def get_meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    # ------------------------------------------------------------------ sources
    def source_by_name(self, name: str) -> sqlite3.Row | None:
        return self.db.execute("SELECT * FROM sources WHERE name = ?", (name,)).fetchone()

    def source_by_id(self, source_id: int) -> sqlite3.Row | None:
        return self.db.execute("SELECT * FROM sources WHERE id = ?", (source_id,)).fetchone()

    def source_by_guid(self, guid: str) -> sqlite3.Row | None:
        return self.db.execute("SELECT * FROM sources WHERE guid = ?", (guid,)).fetchone()

    def source_by_text_sha256(self, digest: str) -> sqlite3.Row | None:
        return self.db.execute("SELECT * FROM sources WHERE text_sha256 = ?", (digest,)).fetchone()

    def sources(self) -> list[sqlite3.Row]:
        return self.db.execute(
            """SELECT s.id, s.guid, s.name, s.path, s.format, s.language, s.file_sha256, s.text_sha256,
                      s.imported_at, length(s.text) AS characters,
                      (SELECT count(*) FROM turns t WHERE t.source_id = s.id) AS turns,
                      (SELECT count(*) FROM speakers p WHERE p.source_id = s.id) AS speakers,
                      (SELECT count(*) FROM codings c WHERE c.source_id = s.id) AS codings
               FROM sources s ORDER BY s.name"""
        ).fetchall()

    def insert_source(self, *, name: str, path: str, format: str, language: str, file_sha256: str,
                      text_sha256: str, text: str, guid: str | None = None) -> int:
        cur = self.db.execute(
            """INSERT INTO sources (guid, name, path, format, language, file_sha256, text_sha256, text, imported_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (guid or new_guid(), name, path, format, language, file_sha256, text_sha256, text, _now()),
        )
        return int(cur.lastrowid)

    def update_source_content(self, source_id: int, *, path: str, format: str, language: str,
                              file_sha256: str, text_sha256: str, text: str) -> None:
        self.db.execute(
            """UPDATE sources SET path = ?, format = ?, language = ?, file_sha256 = ?, text_sha256 = ?,
                      text = ?, imported_at = ? WHERE id = ?""",
            (path, format, language, file_sha256, text_sha256, text, _now(), source_id),
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

    # ------------------------------------------------------------------ turns and speakers
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
                      p.pid AS participant, pa.value AS role
               FROM turns t
               LEFT JOIN speakers sp ON sp.source_id = t.source_id AND sp.label = t.speaker
               LEFT JOIN participants p ON p.id = sp.participant_id
               LEFT JOIN participant_attributes pa ON pa.participant_id = p.id AND pa.name = 'role'
               WHERE t.source_id = ? ORDER BY t.idx""",
            (source_id,),
        ).fetchall()

    def all_turns(self) -> list[sqlite3.Row]:
        """Every turn of the project, with its participant id and role, ordered by source and start."""
        return self.db.execute(
            """SELECT t.source_id, t.idx, t.start, t."end", t.speaker, t.timestamp,
                      p.id AS participant_id, p.pid AS participant, pa.value AS role
               FROM turns t
               LEFT JOIN speakers sp ON sp.source_id = t.source_id AND sp.label = t.speaker
               LEFT JOIN participants p ON p.id = sp.participant_id
               LEFT JOIN participant_attributes pa ON pa.participant_id = p.id AND pa.name = 'role'
               ORDER BY t.source_id, t.start"""
        ).fetchall()

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

    # ------------------------------------------------------------------ participants
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
        return self.db.execute(
            """SELECT p.id, p.pid, p.guid, p.auto,
                      (SELECT group_concat(s.name || ' (' || sp.label || ')', '; ')
                         FROM speakers sp JOIN sources s ON s.id = sp.source_id
                        WHERE sp.participant_id = p.id) AS appears_in,
                      (SELECT count(*) FROM turns t JOIN speakers sp
                          ON sp.source_id = t.source_id AND sp.label = t.speaker
                        WHERE sp.participant_id = p.id) AS turns
               FROM participants p ORDER BY p.pid"""
        ).fetchall()

    def delete_orphan_participants(self) -> int:
        cur = self.db.execute(
            "DELETE FROM participants WHERE auto = 1 AND id NOT IN "
            "(SELECT participant_id FROM speakers WHERE participant_id IS NOT NULL)"
        )
        return cur.rowcount

    # ------------------------------------------------------------------ codes
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

    def coding_counts_by_code(self) -> dict[int, int]:
        return {r[0]: r[1] for r in self.db.execute("SELECT code_id, count(*) FROM codings GROUP BY code_id")}

    # ------------------------------------------------------------------ codings
    def insert_codings(self, rows: Iterable[dict]) -> int:
        now = _now()
        data = [(r["source_id"], r["start"], r["end"], r["code_id"], r["coder"], r["origin"], r.get("rule"),
                 r.get("matched"), r.get("memo"), r.get("guid") or new_guid(), r.get("created_at") or now)
                for r in rows]
        with self.bulk_coding_changes():
            self.forget_coding_rows(sorted({r[0] for r in data}))
            self.db.executemany(
                """INSERT INTO codings (source_id, start, "end", code_id, coder, origin, rule, matched, memo,
                                        guid, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                data,
            )
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
            """SELECT c.id, c.start, c."end", c.coder, c.origin, c.rule, c.matched, c.memo, c.guid,
                      k.code FROM codings c JOIN codes k ON k.id = c.code_id
               WHERE c.source_id = ? ORDER BY c.start, c."end", k.code""",
            (source_id,),
        ).fetchall()

    def move_coding(self, coding_id: int, start: int, end: int) -> None:
        self.forget_coding_rows(sql="SELECT source_id FROM codings WHERE id = ?", params=(coding_id,))
        self.db.execute('UPDATE codings SET start = ?, "end" = ? WHERE id = ?', (start, end, coding_id))

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
                       c.rule, c.matched, c.memo, c.guid, c.created_at
                FROM codings c JOIN sources s ON s.id = c.source_id{where}
                ORDER BY s.name, c.start, c."end", c.id""",
            params,
        )

    def source_texts(self) -> dict[int, str]:
        return {r[0]: r[1] for r in self.db.execute("SELECT id, text FROM sources")}

    # ------------------------------------------------------------------ memos
    def insert_memo(self, *, text: str, source_id: int | None = None, start: int | None = None,
                    end: int | None = None, author: str | None = None, origin: str = "manual",
                    guid: str | None = None) -> int:
        cur = self.db.execute(
            """INSERT INTO memos (source_id, start, "end", author, text, origin, guid, created_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
            (source_id, start, end, author, text, origin, guid or new_guid(), _now()),
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

    # ------------------------------------------------------------------ codebook and auto-coding (issue 3)
    def rename_code(self, code_id: int, new_code: str) -> None:
        self.db.execute("UPDATE codes SET code = ? WHERE id = ?", (new_code, code_id))

    def coding_counts_by_code_and_origin(self) -> dict[int, dict[str, int]]:
        out: dict[int, dict[str, int]] = {}
        for code_id, origin, n in self.db.execute(
                "SELECT code_id, origin, count(*) FROM codings GROUP BY code_id, origin"):
            out.setdefault(code_id, {})[origin] = n
        return out

    def autocode_sources(self) -> list[sqlite3.Row]:
        """Sources to consider for auto-coding (no text, not even its length: a length reads it)."""
        return self.db.execute("SELECT id, name, language, text_sha256 FROM sources ORDER BY name").fetchall()

    def sources_never_autocoded(self) -> int:
        return self.db.execute(
            "SELECT count(*) FROM sources WHERE id NOT IN (SELECT source_id FROM autocode_state)").fetchone()[0]

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

    def autocode_states(self) -> dict[int, sqlite3.Row]:
        return {r["source_id"]: r for r in self.db.execute("SELECT * FROM autocode_state")}

    def set_autocode_states(self, states: Iterable[tuple[int, str, str, int]]) -> None:
        """``(source_id, fingerprint, code_hashes, codings)`` of the sources a run coded;
        ``code_hashes``: {code: rule hash} as :func:`code_hashes_json` writes it (many sources
        share one; serialising it once per source took 0.3 s at 1,256 sources)."""
        now = _now()
        self.db.executemany(
            """INSERT OR REPLACE INTO autocode_state (source_id, fingerprint, code_hashes, codings, updated_at)
               VALUES (?, ?, ?, ?, ?)""", [(*state, now) for state in states])

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
        array. One pass over the turns table as packed integer columns (280,000 turns as Python
        tuples took most of a second)."""
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
        shared = [source_id, coder, origin, _now()]
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


    # ------------------------------------------------------------------ analysis (issue 4)
    def coding_columns(self, *, code_ids: Iterable[int] | None = None, coder: str | None = None,
                       origin: str | None = None, source_id: int | None = None) -> dict[str, Any]:
        """The codings that pass these filters as integer columns for the analysis (see
        :func:`coding.coding_table.select`)."""
        from .coding_table import select

        return select(self.coding_table(source_id), code_ids=code_ids, coder=coder, origin=origin,
                      source_id=source_id)

    def coding_table(self, source_id: int | None = None) -> dict[str, Any]:
        """Every coding (or one source's) as columns in source and start order: ``source_id``,
        ``start``, ``end``, ``code_id``, and ``coder`` and ``origin`` as indexes into the name lists
        ``coders`` and ``origins``. From the rows kept in ``coding_cache`` (see
        :mod:`coding.coding_table`); a source without a row (or with a damaged one) is read from
        the codings and its row kept for next time."""
        from . import coding_table as kept

        in_two = self.can_read_in_thread()   # decided before the read transaction below begins
        one = "" if source_id is None else " WHERE id = ?"
        args = [] if source_id is None else [source_id]
        with self._read_to_keep():
            sources = [r[0] for r in self.db.execute(f"SELECT id FROM sources{one} ORDER BY id", args)]
            rows = self.tuples(f"SELECT source_id, coders, origins, data FROM coding_cache"
                               f"{one.replace('id', 'source_id')} ORDER BY source_id", args)
            exists = set(sources)
            table, damaged = kept.from_rows([r for r in rows if r[0] in exists])
            have = {r[0] for r in rows} - set(damaged)
            missing = [s for s in sources if s not in have]
            if not missing:
                return table
            return kept.combine([table, self._make_coding_rows(missing, sources, in_two)])

    def keep_copies(self) -> None:
        """Make what is missing of the kept copies (the turn table, the coding rows) after a change,
        so that the first analysis finds them ready: every transaction ends with it. Two counts
        and a lookup when nothing is missing."""
        self.keep_turn_table()
        sources, rows = self.db.execute(
            "SELECT (SELECT count(*) FROM sources), (SELECT count(*) FROM coding_cache)").fetchone()
        if sources != rows:
            self.keep_coding_table()

    @contextlib.contextmanager
    def bulk_coding_changes(self) -> Iterator[None]:
        """Many changes to codings in the open transaction: the triggers that drop a source's kept
        coding row whenever one of its codings changes are set aside meanwhile and made again at
        the end, in the same transaction, so no other connection ever sees the project without
        them. A trigger on every row made SQLite keep a statement journal for every insert: 231,000
        auto-codings took 3 s longer. Inside, codings may only be changed by this class's coding
        methods, each of which drops the kept rows of the sources it changes itself. Outside a
        transaction (each statement its own), nothing is set aside."""
        if self._bulk or not self.db.in_transaction:
            yield
            return
        saved = self.db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'codings' "
                                "AND name LIKE '%drops_coding_rows'").fetchall()
        for name, _ in saved:
            self.db.execute(f"DROP TRIGGER {name}")
        self._bulk = True
        self._forgotten.clear()
        try:
            yield
        finally:
            self._bulk = False
            self._forgotten.clear()
            for _, sql in saved:  # (after an error that ended the transaction, they are back already)
                self.db.execute(sql.replace("CREATE TRIGGER", "CREATE TRIGGER IF NOT EXISTS", 1))

    def forget_coding_rows(self, source_ids: Iterable[int] = (), *, sql: str | None = None,
                           params: Iterable[Any] = ()) -> None:
        """Drop the kept coding rows of these sources (or of the sources the query ``sql`` lists):
        their codings are about to change. During bulk changes a source is dropped once (nothing
        but :meth:`keep_coding_rows` makes a row meanwhile: the triggers are aside)."""
        if sql is not None:
            self.db.execute(f"DELETE FROM coding_cache WHERE source_id IN ({sql})", list(params))
            self._forgotten.clear()  # not known which: drop again next time
            return
        ids = list(source_ids)
        if self._bulk:
            ids = [i for i in ids if i not in self._forgotten]
            self._forgotten.update(ids)
        for first in range(0, len(ids), 500):
            part = ids[first:first + 500]
            self.db.execute(f"DELETE FROM coding_cache WHERE source_id IN ({','.join('?' * len(part))})", part)

    def keep_coding_rows(self, rows: list[tuple[int, str, str, bytes]]) -> None:
        """Keep rows of :meth:`coding_table` made by the caller from what it stored (see
        :func:`coding.coding_table.source_row`). Inside :meth:`transaction` this connection holds
        the write lock already, so there is no other writer to give way to."""
        sql = "INSERT OR REPLACE INTO coding_cache (source_id, coders, origins, data) VALUES (?, ?, ?, ?)"
        self._forgotten.difference_update(row[0] for row in rows)
        if self._depth:
            self.db.executemany(sql, rows)
        else:
            self._keep_quietly(sql, rows)

    def coding_counts_by_source(self) -> dict[int, int]:
        """Codings per source (sources without codings left out)."""
        return dict(self.tuples("SELECT source_id, count(*) FROM codings GROUP BY source_id"))

    def keep_coding_table(self) -> None:
        """Make the kept rows of :meth:`coding_table` for the sources that have none."""
        in_two = self.can_read_in_thread()
        with self._read_to_keep():
            sources = [r[0] for r in self.db.execute("SELECT id FROM sources ORDER BY id")]
            have = {r[0] for r in self.db.execute("SELECT source_id FROM coding_cache")}
            missing = [s for s in sources if s not in have]
            if missing:
                self._make_coding_rows(missing, sources, in_two)

    def _make_coding_rows(self, missing: list[int], sources: list[int], in_two: bool) -> dict[str, Any]:
        """The codings of the sources ``missing`` (out of all ``sources``, both in id order) read
        from the codings table, their rows kept when possible."""
        from . import coding_table as kept

        rank = {s: i for i, s in enumerate(sources)}
        runs: list[list[int]] = []   # runs of sources that follow each other: one id range each
        for sid in missing:
            if runs and rank[sid] == rank[runs[-1][-1]] + 1:
                runs[-1].append(sid)
            else:
                runs.append([sid])
        first_id, last_id = self.db.execute("SELECT min(id), max(id) FROM codings").fetchone()
        rows_guess = 0 if first_id is None else (last_id - first_id + 1) * len(missing) // len(sources)
        in_two = in_two and rows_guess >= self.PARALLEL_READ_MIN
        if in_two:  # cut into about PARALLEL_RANGES ranges that two connections share
            size = max(1, len(missing) // self.PARALLEL_RANGES)
            runs = [run[i:i + size] for run in runs for i in range(0, len(run), size)]
        columns = self._read_codings([(run[0], run[-1]) for run in runs], in_two, (first_id, last_id)) \
            if first_id is not None else kept.empty()
        if kept.fits(columns):
            self.keep_coding_rows(kept.to_rows(columns, missing))
        return columns

    def _read_codings(self, ranges: list[tuple[int, int]], in_two: bool, ids: tuple[int, int]) -> dict[str, Any]:
        """The codings of the sources in the id ranges ``ranges`` (first and last, both included)
        as columns (see :meth:`coding_table`), read from the covering index ``codings_analysis`` (no
        table rows touched) as comma-joined strings of integers that numpy parses, several times
        faster than a Python tuple per row. Coders and origins are guessed from a sample of rows
        and numbered in SQL; the names the sample missed are read in a second pass. ``ids``: the
        first and last coding id, where the sample is taken."""
        import numpy as np

        first_id, last_id = ids
        sample = sorted({first_id + (last_id - first_id) * i // 199 for i in range(200)})
        known = {field: sorted(r[0] for r in self.db.execute(
            f"SELECT DISTINCT {field} FROM codings WHERE id IN ({','.join('?' * len(sample))})", sample))
            for field in ("coder", "origin")}
        n_coder, n_origin = len(known["coder"]) + 1, len(known["origin"]) + 1  # the last: a name not known

        def numbered(field: str) -> str:
            return f"CASE {field} " + "".join(f"WHEN ? THEN {i} " for i in range(len(known[field]))) + \
                   f"ELSE {len(known[field])} END"
        scan = "FROM codings INDEXED BY codings_analysis WHERE source_id >= ? AND source_id <= ?"
        # no ORDER BY: the index scan gives (source, start, end, code, coder, origin) order
        sql = (f'SELECT group_concat(source_id * 4294967296 + start), group_concat("end"), '
               f'group_concat((code_id * {n_coder} + {numbered("coder")}) * {n_origin} + {numbered("origin")}) '
               f'{scan}')
        arguments = [[*known["coder"], *known["origin"], *bounds] for bounds in ranges]
        rows = self.fetch_first_rows_in_two(sql, arguments) if in_two else self.fetch_first_rows(sql, arguments)
        parsed = [[np.fromstring(text, dtype=np.int64, sep=",") for text in row] for row in rows if row[0]]
        position, end, packed = ([np.concatenate(part) for part in zip(*parsed)] if parsed
                                 else [np.zeros(0, dtype=np.int64)] * 3)
        out: dict[str, Any] = {"source_id": position >> 32, "start": position & 0xFFFFFFFF, "end": end,
                               "origin": packed % n_origin, "coder": packed // n_origin % n_coder,
                               "code_id": packed // n_origin // n_coder}
        for field in ("coder", "origin"):
            index, names = out[field], list(known[field])
            missed = index == len(names)
            if missed.any():  # names the sample missed, in index order: the same order as the rows
                others: list[str] = []
                for bounds in ranges:
                    text = self.db.execute(
                        f"SELECT group_concat({field}, char(31)) {scan} "
                        f"AND {field} NOT IN ({','.join('?' * len(names))})", [*bounds, *names]).fetchone()[0]
                    if text is not None:
                        others.extend(text.split("\x1f"))
                everyone = sorted(set(names) | set(others))
                at = {name: i for i, name in enumerate(everyone)}
                index = np.array([at[n] for n in names] + [0], dtype=np.int64)[index]
                index[missed] = np.array([at[n] for n in others], dtype=np.int64)
                names = everyone
            out[field], out[field + "s"] = index, names
        return out

    @contextlib.contextmanager
    def _read_to_keep(self) -> Iterator[None]:
        """One snapshot for reading something and keeping a copy of it (:meth:`_keep_quietly`):
        a read transaction unless one is open. Had another connection changed the project after
        the snapshot, the write fails, so a copy never outlives what it was made from."""
        began = not self.db.in_transaction
        if began:
            self.db.execute("BEGIN")
        try:
            yield
        finally:
            if began:
                try:
                    self.db.execute("COMMIT")
                except sqlite3.OperationalError:
                    self.db.execute("ROLLBACK")

    def _keep_quietly(self, sql: str, rows: list[tuple]) -> None:
        """Write a kept copy without waiting for another writer; give up quietly if it cannot be
        written (a read-only file, another writer, or a snapshot that is no longer the latest)."""
        timeout = int(self.db.execute("PRAGMA busy_timeout").fetchone()[0])
        self.db.execute("PRAGMA busy_timeout = 0")
        try:
            self.db.executemany(sql, rows)
        except sqlite3.OperationalError:
            pass
        finally:
            self.db.execute(f"PRAGMA busy_timeout = {timeout}")

    PARALLEL_READ_MIN = 200_000  # rows; below this a second connection and thread cost more than they save

    PARALLEL_RANGES = 8  # ranges a big read is cut into for two connections to share

    def fetch_first_rows(self, sql: str, arguments: list[list]) -> list[tuple]:
        """The first row of ``sql`` for each parameter list (aggregate queries)."""
        return [tuple(self.db.execute(sql, args).fetchone()) for args in arguments]

    def fetch_first_rows_in_two(self, sql: str, arguments: list[list]) -> list[tuple]:
        """:meth:`fetch_first_rows` on this connection and a second one in a thread (SQLite runs
        without Python's lock, so both cores work), each taking the next parameter list when it is
        done with one; the rows come back in the order of ``arguments``. The caller makes sure that
        another connection sees what this one sees (:meth:`can_read_in_thread`)."""
        if len(arguments) < 2:
            return self.fetch_first_rows(sql, arguments)
        import itertools
        import threading

        rows: list[tuple | None] = [None] * len(arguments)
        turns = itertools.count()   # next() on a count is atomic under Python's lock
        failures: list[BaseException] = []

        def work(db: sqlite3.Connection) -> None:
            try:
                while (i := next(turns)) < len(arguments) and not failures:
                    rows[i] = tuple(db.execute(sql, arguments[i]).fetchone())
            except BaseException as exc:  # raised again below
                failures.append(exc)

        reader = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        try:
            thread = threading.Thread(target=work, args=(reader,), name="coding-read-ranges", daemon=True)
            thread.start()
            work(self.db)
            thread.join()
        finally:
            reader.close()
        if failures:
            raise failures[0]
        return rows  # type: ignore[return-value]

    def can_read_in_thread(self) -> bool:
        """Whether another connection sees what this one sees: not while this one is in a transaction
        (its changes are not committed) and not for an in-memory database."""
        return not self.db.in_transaction and self.path not in ("", ":memory:") and not self.path.startswith("file:")

    def in_thread(self, method: str, *args: Any) -> Callable[[], Any]:
        """Start the read-only method ``method`` on a connection of its own in a thread; return a
        function that waits for its result. Where another connection would not see this one's
        changes (:meth:`can_read_in_thread`), the method runs here and now instead."""
        if not self.can_read_in_thread():
            value = getattr(self, method)(*args)
            return lambda: value
        import threading

        reader = Store.__new__(Store)  # no migrations or pragmas: this one only reads
        reader.path, reader._depth, reader._bulk, reader._forgotten, reader.memo = self.path, 0, False, set(), {}
        reader.db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        reader.db.row_factory = sqlite3.Row
        box: dict[str, Any] = {}

        def work() -> None:
            try:
                box["value"] = getattr(reader, method)(*args)
            except BaseException as exc:  # handed to the caller by wait()
                box["error"] = exc
            finally:
                reader.db.close()

        thread = threading.Thread(target=work, name=f"coding-read-{method}", daemon=True)
        thread.start()

        def wait() -> Any:
            thread.join()
            if "error" in box:
                raise box["error"]
            return box["value"]
        return wait

    def change_stamp(self) -> tuple[int, int]:
        """Changes to the project since an earlier stamp show as a different value: committed by
        another connection (``PRAGMA data_version``) or made on this one (``total_changes``)."""
        return int(self.db.execute("PRAGMA data_version").fetchone()[0]), int(self.db.total_changes)

    TURN_COLUMNS = ("source_id", "idx", "start", "end", "participant_id")

    def turn_columns(self) -> dict[str, Any]:
        """Every turn as integer columns ordered by source and start: ``source_id``, ``idx``,
        ``start``, ``end``, ``participant_id`` (-1 when the speaker is not mapped); new arrays on
        every call, from the copy in ``column_cache`` when there is one, else read from the turns
        and kept there for next time."""
        import numpy as np

        row = self.db.execute("SELECT data FROM column_cache WHERE name = 'turns'").fetchone()
        if row is not None and len(row[0]) % (8 * len(self.TURN_COLUMNS)) == 0:   # else damaged: read anew
            table = np.frombuffer(row[0], dtype="<i8").reshape(len(self.TURN_COLUMNS), -1).astype(np.int64)
            return dict(zip(self.TURN_COLUMNS, table))
        with self._read_to_keep():
            table = self._read_turn_table()
            self._keep_quietly("INSERT OR REPLACE INTO column_cache (name, data) VALUES ('turns', ?)",
                               [(np.stack(table).astype("<i8").tobytes(),)])
        return dict(zip(self.TURN_COLUMNS, table))

    def keep_turn_table(self) -> None:
        """Make the kept copy of the turn table now, if there is none: imports end with it, so the
        first analysis or auto-coding after an import finds it ready (auto-coding's workers waited
        for it while the run was planned)."""
        if self.db.execute("SELECT 1 FROM column_cache WHERE name = 'turns'").fetchone() is None:
            self.turn_columns()

    def _read_turn_table(self) -> list:
        import numpy as np

        # Packed integer columns in table order (no ORDER BY: sorting in SQLite took most of the
        # time at 280,000 turns); numpy sorts them only when the table order is not theirs.
        row = self.db.execute(
            """SELECT group_concat(t.source_id * 4294967296 + t.start), group_concat(t.idx),
                      group_concat(t."end"), group_concat(ifnull(sp.participant_id, -1))
               FROM turns t LEFT JOIN speakers sp ON sp.source_id = t.source_id AND sp.label = t.speaker"""
        ).fetchone()
        key, idx, end, pid = (np.fromstring(text, dtype=np.int64, sep=",") if text else np.zeros(0, dtype=np.int64)
                              for text in row)
        if len(key) > 1 and not (np.all(key[1:] > key[:-1])):
            order = np.lexsort((idx, key))
            key, idx, end, pid = key[order], idx[order], end[order], pid[order]
        return [key >> 32, idx, key & 0xFFFFFFFF, end, pid]

    def turn_labels(self) -> tuple[list[str], list[str | None]]:
        """Speaker labels and timestamps of every turn, in :meth:`turn_columns` order."""
        rows = self.db.execute(
            'SELECT speaker, timestamp FROM turns ORDER BY source_id, start, idx').fetchall()
        return [r[0] for r in rows], [r[1] for r in rows]

    def source_names(self) -> list[sqlite3.Row]:
        """Id, name and language of every source, by name (no text)."""
        return self.db.execute("SELECT id, name, language FROM sources ORDER BY name").fetchall()

    def participant_ids(self) -> dict[int, str]:
        return dict(self.tuples("SELECT id, pid FROM participants"))

    def texts_of(self, source_ids: Iterable[int]) -> dict[int, str]:
        ids = sorted(set(int(i) for i in source_ids))
        out: dict[int, str] = {}
        for i in range(0, len(ids), 500):
            part = ids[i:i + 500]
            out.update({r[0]: r[1] for r in self.db.execute(
                f"SELECT id, text FROM sources WHERE id IN ({','.join('?' * len(part))})", part)})
        return out


    # ------------------------------------------------------------------ summaries, case status, reports (issue 5)
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
            (case_by, case_value, code_id, text, _now()),
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
            (case_by, case_value, status, date, _now()),
        )

    def attribute_values(self, name: str) -> list[str]:
        """Distinct values of an attribute on participants or sources (a case attribute's cases)."""
        return [r[0] for r in self.db.execute(
            """SELECT value FROM participant_attributes WHERE name = ?
               UNION SELECT value FROM source_attributes WHERE name = ? ORDER BY 1""",
            (name, name))]

    def attribute_names(self) -> list[str]:
        return [r[0] for r in self.db.execute(
            "SELECT name FROM participant_attributes UNION SELECT name FROM source_attributes ORDER BY 1")]

    @staticmethod
    def peek(path: str | Path) -> dict | None:
        """A read-only look at a project file without migrating it: who made it and how much
        analyst work it holds. None when the file is not a project."""
        try:
            from urllib.parse import quote
            # immutable: no -wal/-shm files are made next to a cleanly closed project
            clean = not Path(f"{path}-wal").exists()
            db = sqlite3.connect(f"file:{quote(str(Path(path).resolve()))}?mode=ro{'&immutable=1' if clean else ''}",
                                 uri=True)
        except sqlite3.Error:
            return None
        try:
            tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if not {"meta", "sources", "codings"} <= tables:
                return None
            row = db.execute("SELECT value FROM meta WHERE key = 'created_by'").fetchone()
            one = lambda sql: int(db.execute(sql).fetchone()[0])  # noqa: E731
            work = {"summaries": one("SELECT count(*) FROM summaries") if "summaries" in tables else 0,
                    "case statuses": sum(one(f"SELECT count(*) FROM {t}") for t in ("case_status", "case_status_by")
                                         if t in tables),
                    "codings not made by autocode": one("SELECT count(*) FROM codings WHERE origin != 'auto'"),
                    "memos": one("SELECT count(*) FROM memos") if "memos" in tables else 0}
            return {"created_by": row[0] if row else None, "work": work}
        except sqlite3.Error:
            return None
        finally:
            db.close()


    # ------------------------------------------------------------------ manual coding, agreement (issue 6)
    def update_source_file(self, source_id: int, *, path: str, file_sha256: str) -> None:
        """A new file with the same text: remember its path and digest, leave the text and turns."""
        self.db.execute("UPDATE sources SET path = ?, file_sha256 = ? WHERE id = ?", (path, file_sha256, source_id))

    def coders(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT DISTINCT coder FROM codings ORDER BY coder")]

    def coder_codings(self, source_id: int, coder: str, origin: str) -> list[sqlite3.Row]:
        return self.db.execute(
            """SELECT id, start, "end", code_id, memo FROM codings
               WHERE source_id = ? AND coder = ? AND origin = ? ORDER BY start, "end", id""",
            (source_id, coder, origin),
        ).fetchall()

    # ------------------------------------------------------------------ REFI-QDA (issue 7)
    def participant_by_guid(self, guid: str) -> sqlite3.Row | None:
        return self.db.execute("SELECT * FROM participants WHERE lower(guid) = lower(?)", (guid,)).fetchone()

    def refi_coding_guids(self) -> set[str]:
        """GUIDs of every coding (lower case), to skip codings a REFI file brings a second time."""
        return {str(r[0]).lower() for r in self.db.execute("SELECT guid FROM codings")}

    def refi_memo_guids(self) -> set[str]:
        return {str(r[0]).lower() for r in self.db.execute("SELECT guid FROM memos")}

    def set_memo_created_at(self, memo_id: int, created_at: str) -> None:
        """Keep the date a memo was written when it comes from another tool."""
        self.db.execute("UPDATE memos SET created_at = ? WHERE id = ?", (created_at, memo_id))
