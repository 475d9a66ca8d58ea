"""Queries of anonymization (issue 23): the key, the findings of each scan, and the rewriting of a
throw-away anonymized copy of a project (:mod:`coding.anonymize.copy`)."""

from __future__ import annotations

import sqlite3
from typing import Iterable

from .ids import now


class AnonymizationQueries:
    db: sqlite3.Connection

    def anonymization_key(self) -> list[sqlite3.Row]:
        return self.db.execute("SELECT key, text, kind, decision, replacement, reviewed_at "
                               "FROM anonymization_key ORDER BY rowid").fetchall()

    def set_anonymization_decisions(self, rows: Iterable[dict]) -> int:
        """Insert or replace decisions (key, text, kind, decision, replacement); returns how many."""
        stamp = now()
        rows = [(r["key"], r["text"], r["kind"], r["decision"], r["replacement"], stamp) for r in rows]
        self.db.executemany(
            "INSERT INTO anonymization_key (key, text, kind, decision, replacement, reviewed_at) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(key) DO UPDATE SET text = excluded.text, "
            "kind = excluded.kind, decision = excluded.decision, replacement = excluded.replacement, "
            "reviewed_at = excluded.reviewed_at", rows)
        return len(rows)

    def replace_anonymization_findings(self, source_id: int, text_sha256: str, findings: Iterable[tuple]) -> None:
        """A source's findings from a new scan: ``(start, end, kind, text, key)`` each."""
        self.db.execute("DELETE FROM anonymization_findings WHERE source_id = ?", (source_id,))
        self.db.executemany(
            'INSERT INTO anonymization_findings (source_id, start, "end", kind, text, key) VALUES (?, ?, ?, ?, ?, ?)',
            [(source_id, *f) for f in findings])
        self.db.execute("INSERT OR REPLACE INTO anonymization_scans (source_id, text_sha256, scanned_at) "
                        "VALUES (?, ?, ?)", (source_id, text_sha256, now()))

    def anonymization_findings(self) -> list[sqlite3.Row]:
        return self.db.execute(
            'SELECT f.source_id, s.name AS source, f.start, f."end", f.kind, f.text, f.key '
            "FROM anonymization_findings f JOIN sources s ON s.id = f.source_id "
            "ORDER BY s.name, f.start").fetchall()

    def anonymization_scans(self) -> dict[int, str]:
        """Source id -> the text digest it had when it was last scanned."""
        return {r[0]: r[1] for r in self.db.execute("SELECT source_id, text_sha256 FROM anonymization_scans")}

    # the anonymized copy (coding.anonymize.copy): rewrites a throw-away copy of a project
    def anon_set_source(self, source_id: int, *, name: str, text: str, text_sha256: str, guid: str) -> None:
        self.db.execute("UPDATE sources SET name = ?, text = ?, text_sha256 = ?, file_sha256 = ?, path = '', "
                        "guid = ? WHERE id = ?", (name, text, text_sha256, text_sha256, guid, source_id))

    def anon_turns(self) -> list[sqlite3.Row]:
        return self.db.execute('SELECT id, source_id, start, "end", speaker FROM turns').fetchall()

    def anon_set_turns(self, rows: Iterable[tuple[int, int, str, int]]) -> None:
        """``(start, end, speaker, turn id)`` each."""
        self.db.executemany('UPDATE turns SET start = ?, "end" = ?, speaker = ? WHERE id = ?', list(rows))

    def anon_speakers(self) -> list[sqlite3.Row]:
        return self.db.execute("SELECT source_id, label, participant_id FROM speakers").fetchall()

    def anon_set_speaker_label(self, source_id: int, label: str, new_label: str) -> None:
        self.db.execute("UPDATE speakers SET label = ? WHERE source_id = ? AND label = ?",
                        (new_label, source_id, label))

    def anon_codings(self) -> list[sqlite3.Row]:
        return self.db.execute('SELECT id, source_id, start, "end", memo, matched FROM codings').fetchall()

    def anon_set_codings(self, rows: Iterable[tuple[int, int, str | None, str | None, int]]) -> None:
        """``(start, end, memo, matched, coding id)`` each."""
        self.db.executemany('UPDATE codings SET start = ?, "end" = ?, memo = ?, matched = ? WHERE id = ?',
                            list(rows))

    def anon_memos(self) -> list[sqlite3.Row]:
        """Every memo, whatever it is on."""
        return self.db.execute('SELECT id, source_id, start, "end", text FROM memos').fetchall()

    def anon_set_memos(self, rows: Iterable[tuple[int | None, int | None, str, int]]) -> None:
        """``(start, end, text, memo id)`` each."""
        self.db.executemany('UPDATE memos SET start = ?, "end" = ?, text = ? WHERE id = ?', list(rows))

    def anon_set_participant(self, participant_id: int, pid: str, guid: str) -> None:
        self.db.execute("UPDATE participants SET pid = ?, guid = ? WHERE id = ?", (pid, guid, participant_id))

    def anon_set_attributes(self, table: str, rows: Iterable[tuple[str, int, str]]) -> None:
        """``(value, owner id, name)`` for ``source_attributes`` or ``participant_attributes``;
        an empty value removes the attribute."""
        owner = {"source_attributes": "source_id", "participant_attributes": "participant_id"}[table]
        rows = list(rows)
        self.db.executemany(f"DELETE FROM {table} WHERE {owner} = ? AND name = ?",
                            [(o, n) for v, o, n in rows if v == ""])
        self.db.executemany(f"UPDATE {table} SET value = ? WHERE {owner} = ? AND name = ?",
                            [r for r in rows if r[0] != ""])

    def anon_meta(self) -> list[sqlite3.Row]:
        return self.db.execute("SELECT key, value FROM meta").fetchall()

    def anon_summaries(self) -> list[sqlite3.Row]:
        return self.db.execute("SELECT rowid, case_by, case_value, code_id, text FROM summaries").fetchall()

    def anon_set_summaries(self, rows: Iterable[tuple[str, str, int]]) -> None:
        """``(case value, text, summary rowid)`` each."""
        self.db.executemany("UPDATE summaries SET case_value = ?, text = ? WHERE rowid = ?", list(rows))

    def anon_case_statuses(self) -> list[sqlite3.Row]:
        return self.db.execute("SELECT rowid, case_by, case_value FROM case_status_by").fetchall()

    def anon_set_case_status_value(self, rowid: int, value: str) -> None:
        self.db.execute("UPDATE case_status_by SET case_value = ? WHERE rowid = ?", (value, rowid))

    def anon_set_meta_text(self, key: str, value: str) -> None:
        self.db.execute("UPDATE meta SET value = ? WHERE key = ?", (value, key))

    def anon_forget(self) -> None:
        """Drop what the copy must not carry: cached tables, auto-coding state, the key and findings."""
        for table in ("column_cache", "coding_cache", "autocode_state", "anonymization_findings",
                      "anonymization_scans", "anonymization_key", "search_tokens", "search_parts", "search_forms"):
            self.db.execute(f"DELETE FROM {table}")
