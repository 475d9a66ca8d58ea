"""Reads on a second connection in a thread: SQLite works without Python's lock, so two cores share a
big read."""

from __future__ import annotations

import sqlite3
from typing import Any, Callable


class ThreadReads:
    """Reads shared with a second connection in a thread. Mixed into :class:`coding.store.Store`."""

    db: sqlite3.Connection

    PARALLEL_READ_MIN = 200_000  # rows; below this a second connection and thread cost more than they save

    PARALLEL_RANGES = 8  # ranges a big read is cut into for two connections to share

    def fetch_first_rows(self, sql: str, arguments: list[list]) -> list[tuple]:
        """The first row of ``sql`` for each parameter list (aggregate queries)."""
        return [tuple(self.db.execute(sql, args).fetchone()) for args in arguments]

    def fetch_first_rows_in_parallel(self, sql: str, arguments: list[list]) -> list[tuple]:
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

        reader = type(self).__new__(type(self))  # no migrations or pragmas: this one only reads
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
