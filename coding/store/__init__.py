"""The project store: one SQLite file, its schema and every SQL statement of the toolkit.

Nothing outside this package writes SQL. :class:`Store` is the open connection with its transactions
and migrations (here), and the queries, one module per kind of thing stored, mixed in:

- ``migrations.py``  the schema as an ordered, registered list of migrations
- ``sources.py``     sources, their attributes, turns and speaker labels
- ``participants.py`` participants and their attributes
- ``codes.py``       the codes tree
- ``codings.py``     codings of any origin
- ``autocoding.py``  the auto-coder's bulk codings and its state per source
- ``notes.py``       memos, case summaries, case statuses
- ``reviews.py``     reviews of automatic codings, and the workspace's reads of one coding or one page
- ``anonymization.py`` the anonymization key, scan findings, the anonymized copy's rewriting
- ``reorganise.py``  renaming, merging, moving, deleting codes; removing codings
- ``manifest.py``    the interview list kept in the project, a participant's attributes in one source
- ``kept.py``        kept copies (packed turn and coding columns) and ``coding_table.py``, their format
- ``threads.py``     big reads shared with a second connection in a thread
- ``search.py``      the text search index: analysed word forms and each source's tokens
- ``sentences.py``   each source's sentences, kept with what they were made from

The statements are plain SQL so that another backend could be added behind the same methods.
Offsets are Python string indices (code points) into a source's plain text, end exclusive.
"""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from .anonymization import AnonymizationQueries
from .autocoding import AUTO_INSERT_ROWS, AUTO_INSERT_VALUES, AutoCodingQueries, auto_insert_sql, code_hashes_json
from .codes import CodeQueries
from .codings import CodingQueries
from .ids import GuidSequence, new_guid, now
from .kept import KeptCopies
from .manifest import ManifestQueries
from .migrations import MIGRATIONS, migration, run_script
from .notes import NoteQueries
from .participants import ParticipantQueries
from .reorganise import ReorganiseQueries
from .reviews import ReviewQueries
from .search import SearchQueries
from .sentences import SentenceQueries
from .sources import SourceQueries
from .threads import ThreadReads

__all__ = ["Store", "MIGRATIONS", "SCHEMA_VERSION", "SCHEMA_VERSION_KEY", "migration", "run_script", "new_guid",
           "GuidSequence", "code_hashes_json", "auto_insert_sql", "AUTO_INSERT_ROWS", "AUTO_INSERT_VALUES"]

SCHEMA_VERSION_KEY = "schema_version"
SCHEMA_VERSION = len(MIGRATIONS)


BUSY_QUICK_MS = 250          # how long a write waits quietly for another writer before saying so
BUSY_WAIT_MS = 10 * 60_000   # then how long it waits in all before giving up with a message


class Store(SourceQueries, ParticipantQueries, CodeQueries, CodingQueries, AutoCodingQueries, NoteQueries, ReviewQueries,
            AnonymizationQueries, ReorganiseQueries, ManifestQueries, KeptCopies, ThreadReads, SearchQueries,
            SentenceQueries):
    """One open project database. Use :meth:`transaction` around every change.

    Several programs may open the same project (the workspace server and commands): SQLite in WAL
    mode lets readers go on while one writes, and a writer that finds another one busy waits for
    it (``busy_timeout``) instead of failing with "database is locked". ``on_wait`` is called
    with a sentence when a write has had to wait more than a moment (the CLI prints it)."""

    def __init__(self, path: str | Path, on_wait: Callable[[str], None] | None = None):
        self.path = str(path)
        self.on_wait = on_wait
        self.db = sqlite3.connect(self.path, isolation_level=None, timeout=BUSY_WAIT_MS / 1000)
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
            from ..errors import CodingError

            raise CodingError(f"{self.path}: not a project file ({exc})") from None

    def tuples(self, sql: str, params: Iterable[Any] = ()) -> list[tuple]:
        """All rows of ``sql`` as plain tuples (no ``sqlite3.Row`` per row: for big reads)."""
        cursor = self.db.cursor()
        cursor.row_factory = None
        return cursor.execute(sql, list(params)).fetchall()

    def close(self) -> None:
        self.memo.clear()
        self.db.close()

    @contextlib.contextmanager
    def transaction(self, *, journals_in_memory: bool = False, keep_copies: bool = True) -> Iterator["Store"]:
        """All or nothing; nested uses join the outermost transaction.

        ``keep_copies=False`` (the workspace's one-coding changes): the kept copies a change drops
        are not made again right after it, but by the next analysis that reads them (or the next
        change that keeps them): a coder adding codings one after another would otherwise pay for
        the source's packed coding rows after every one of them.

        ``journals_in_memory`` (for an outermost transaction that stores many rows per statement,
        as auto-coding does, :func:`auto_insert_sql`): such a statement keeps a statement journal
        (the pages it changes, so that a failing row can undo the rows before it). SQLite holds it
        in memory up to a small size, then in a temporary file for the rest of the transaction,
        which a large auto-coding run writes over and over. SQLite decides where when the transaction
        begins, from ``temp_store``; so ``temp_store`` is MEMORY while BEGIN runs and back to
        what it was right after, where GROUP BY and ORDER BY sort faster."""
        if self._depth == 0:
            if journals_in_memory:
                before = self.db.execute("PRAGMA temp_store").fetchone()[0]
                self.db.execute("PRAGMA temp_store = MEMORY")
                try:
                    self._begin_write()
                finally:
                    self.db.execute(f"PRAGMA temp_store = {int(before)}")
            else:
                self._begin_write()
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
                if self._migrated and keep_copies:
                    with contextlib.suppress(sqlite3.OperationalError):  # busy or read-only: next time
                        self.make_missing_copies()

    def _begin_write(self) -> None:
        """BEGIN IMMEDIATE (take the write lock now); when another program holds it, say so once
        (``on_wait``) and wait for it, up to :data:`BUSY_WAIT_MS`."""
        self.db.execute(f"PRAGMA busy_timeout = {BUSY_QUICK_MS}")
        try:
            self.db.execute("BEGIN IMMEDIATE")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
        finally:
            self.db.execute(f"PRAGMA busy_timeout = {BUSY_WAIT_MS}")
        if self.on_wait is not None:
            self.on_wait(f"{self.path}: another program is writing to the project; waiting for it to finish ...")
        try:
            self.db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
            from ..errors import CodingError

            raise CodingError(f"{self.path}: another program kept the project busy for "
                              f"{BUSY_WAIT_MS // 60_000} minutes; nothing was changed, try again later") from None

    @contextlib.contextmanager
    def savepoint(self, name: str = "part") -> Iterator["Store"]:
        """Inside a transaction: a part whose failure undoes only its own changes (an import that
        skips a bad file keeps the good ones)."""
        self.db.execute(f"SAVEPOINT {name}")
        try:
            yield self
        except BaseException:
            self.db.execute(f"ROLLBACK TO {name}")
            self.db.execute(f"RELEASE {name}")
            raise
        else:
            self.db.execute(f"RELEASE {name}")

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
                    "INSERT INTO migrations (name, applied_at) VALUES (?, ?)", (fn.__name__, now())
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
