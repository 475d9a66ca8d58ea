"""Queries of the text search index (:mod:`coding.search`): analysed word forms and each source's tokens."""

from __future__ import annotations

import sqlite3
from typing import Iterable

from .migrations import run_script


class SearchQueries:
    """The search index's forms, compound parts and token blobs. Mixed into :class:`coding.store.Store`."""

    db: sqlite3.Connection

    SEARCH_INDEX_KEY = "search_index"

    def search_index_sources(self) -> dict[int, tuple[str, str, str | None]]:
        """Every source: id -> (language, text digest, digest its indexed tokens were made from)."""
        return {r[0]: (r[1], r[2], r[3]) for r in self.tuples(
            "SELECT s.id, s.language, s.text_sha256, t.text_sha256 FROM sources s "
            "LEFT JOIN search_tokens t ON t.source_id = s.id")}

    def clear_search_index(self) -> None:
        """Forget the whole index (made with another version of the lexicon or the tokens)."""
        run_script(self.db, "DELETE FROM search_tokens; DELETE FROM search_parts; DELETE FROM search_forms")

    def search_form_ids(self, language: str) -> dict[str, int]:
        """form -> id of every indexed form of a language."""
        return dict(self.tuples("SELECT form, id FROM search_forms WHERE language = ?", (language,)))

    def add_search_forms(self, language: str, rows: list[tuple[str, str, bool, bool]],
                         parts: list[list[tuple[str, int]]]) -> list[int]:
        """Store new forms of a language as (form, lemma, word, stop) with their compound parts
        ([(part, kind)] per form); returns their ids, in order."""
        cursor = self.db.cursor()
        ids = []
        for (form, lemma, word, stop), form_parts in zip(rows, parts):
            cursor.execute("INSERT INTO search_forms (language, form, lemma, word, stop) VALUES (?, ?, ?, ?, ?)",
                           (language, form, lemma, int(word), int(stop)))
            form_id = cursor.lastrowid
            ids.append(form_id)
            if form_parts:
                cursor.executemany("INSERT OR IGNORE INTO search_parts (part, kind, form_id) VALUES (?, ?, ?)",
                                   [(part, kind, form_id) for part, kind in form_parts])
        return ids

    def put_search_tokens(self, source_id: int, text_sha256: str, tokens: int, data: bytes) -> None:
        self.db.execute("INSERT OR REPLACE INTO search_tokens (source_id, text_sha256, tokens, data) "
                        "VALUES (?, ?, ?, ?)", (source_id, text_sha256, tokens, data))

    def search_token_data(self, source_ids: Iterable[int] | None = None) -> list[tuple[int, bytes]]:
        """(source id, packed tokens) of every indexed source, or of these, by source id."""
        if source_ids is None:
            return self.tuples("SELECT source_id, data FROM search_tokens ORDER BY source_id")
        ids = sorted(set(int(i) for i in source_ids))
        out: list[tuple[int, bytes]] = []
        for i in range(0, len(ids), 500):
            part = ids[i:i + 500]
            out += self.tuples(f"SELECT source_id, data FROM search_tokens WHERE source_id IN "
                               f"({','.join('?' * len(part))}) ORDER BY source_id", part)
        return out

    def search_token_sizes(self) -> list[tuple[int, int]]:
        """(source id, bytes of packed tokens) of every indexed source, without reading the tokens."""
        return self.tuples("SELECT source_id, length(data) FROM search_tokens")

    def search_form_table(self) -> list[tuple[int, str, str, str, int, int]]:
        """Every indexed form as (id, language, form, lemma, word, stop)."""
        return self.tuples("SELECT id, language, form, lemma, word, stop FROM search_forms")

    def search_lemma_of(self, language: str, form: str) -> str | None:
        row = self.db.execute("SELECT lemma FROM search_forms WHERE language = ? AND form = ?",
                              (language, form)).fetchone()
        return row[0] if row else None

    def search_forms_matching(self, language: str, *, forms: Iterable[str] = (), lemmas: Iterable[str] = (),
                              head_lemmas: Iterable[str] = (), part_forms: Iterable[str] = (),
                              glob: str | None = None, glob_lemma: bool = False) -> set[int]:
        """Ids of the forms of a language that are one of ``forms``, have one of ``lemmas``, hold a
        compound head whose lemma is one of ``head_lemmas`` or a head or modifier that is one of
        ``part_forms`` (kinds 1, 2, 3 of ``search_parts``), or match the GLOB pattern ``glob``
        (their lemma too with ``glob_lemma``)."""
        found: set[int] = set()

        def ask(sql: str, values: list) -> None:
            found.update(r[0] for r in self.tuples(sql, values))

        forms, lemmas = sorted(set(forms)), sorted(set(lemmas))
        head_lemmas, part_forms = sorted(set(head_lemmas)), sorted(set(part_forms))
        if forms:
            ask(f"SELECT id FROM search_forms WHERE language = ? AND form IN ({','.join('?' * len(forms))})",
                [language, *forms])
        if lemmas:
            ask(f"SELECT id FROM search_forms WHERE language = ? AND lemma IN ({','.join('?' * len(lemmas))})",
                [language, *lemmas])
        for kinds, words in (((1,), head_lemmas), ((2, 3), part_forms)):
            if words:
                ask(f"SELECT p.form_id FROM search_parts p JOIN search_forms f ON f.id = p.form_id "
                    f"WHERE p.part IN ({','.join('?' * len(words))}) AND p.kind IN ({','.join(map(str, kinds))}) "
                    f"AND f.language = ?", [*words, language])
        if glob is not None:
            ask("SELECT id FROM search_forms WHERE language = ? AND form GLOB ?", [language, glob])
            if glob_lemma:
                ask("SELECT id FROM search_forms WHERE language = ? AND lemma GLOB ?", [language, glob])
        return found


    def turns_numbered(self, pairs: list[tuple[int, int]]) -> list[tuple]:
        """Turns by (source id, number) as (source id, idx, start, end, speaker, timestamp,
        participant, role), in no order."""
        import json

        keys = sorted({int(sid) * 4294967296 + int(idx) for sid, idx in pairs})
        if not keys:
            return []
        # the list drives the join (CROSS JOIN keeps that order): one look-up per turn in its unique index
        return self.tuples(
            """SELECT t.source_id, t.idx, t.start, t."end", t.speaker, t.timestamp, p.pid, pa.value
               FROM json_each(?) AS j
               CROSS JOIN turns AS t ON t.source_id = (j.value >> 32) AND t.idx = (j.value & 4294967295)
               LEFT JOIN speakers sp ON sp.source_id = t.source_id AND sp.label = t.speaker
               LEFT JOIN participants p ON p.id = sp.participant_id
               LEFT JOIN participant_attributes pa ON pa.participant_id = p.id AND pa.name = 'role'""",
            [json.dumps(keys)])

