"""The kept sentences of each source (:mod:`coding.analysis.sentences` makes and checks them)."""

from __future__ import annotations

import sqlite3
from typing import Iterable


class SentenceQueries:
    """Sentences kept per source, and the text digests they are checked against. Mixed into
    :class:`coding.store.Store`."""

    db: sqlite3.Connection

    def text_digests(self, source_ids: Iterable[int] | None = None) -> dict[int, str]:
        """source id -> the digest of its text (``text_sha256``), of every source or of these."""
        if source_ids is None:
            return dict(self.tuples("SELECT id, text_sha256 FROM sources"))
        return dict(self._by_source_ids("SELECT id, text_sha256 FROM sources WHERE id IN ({})", source_ids))

    def sentences_made_from(self) -> dict[int, str]:
        """source id -> what its kept sentences were made from (sources with none kept are absent)."""
        return dict(self.tuples("SELECT source_id, made_from FROM sentence_cache"))

    def kept_sentences(self, source_ids: Iterable[int]) -> list[tuple[int, str, bytes]]:
        """(source id, made from, packed rows) of the kept sentences of these sources."""
        return self._by_source_ids("SELECT source_id, made_from, data FROM sentence_cache WHERE source_id IN ({})",
                                   source_ids)

    def keep_sentences(self, rows: list[tuple[int, str, bytes]]) -> None:
        """Keep ``(source id, made from, packed rows)``: in the open transaction, or else on their own
        without waiting for another writer (given up quietly when the project cannot be written now)."""
        if not rows:
            return
        sql = "INSERT OR REPLACE INTO sentence_cache (source_id, made_from, data) VALUES (?, ?, ?)"
        if self._depth:
            self.db.executemany(sql, rows)
            return
        with self._read_to_keep():
            self._keep_quietly(sql, rows)

    def _by_source_ids(self, sql: str, source_ids: Iterable[int]) -> list[tuple]:
        ids = sorted(set(int(i) for i in source_ids))
        out: list[tuple] = []
        for first in range(0, len(ids), 500):
            part = ids[first:first + 500]
            out += self.tuples(sql.format(",".join("?" * len(part))), part)
        return out
