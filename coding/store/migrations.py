"""The schema, built by ordered migration functions (as in llm's ``migrations.py``).

Each function's name is recorded in the ``migrations`` table when it has run; :class:`coding.store.Store`
runs the ones not yet recorded when a project is opened, so old project files keep opening. To change the
schema, write a new function and add it to the end of :data:`MIGRATIONS` with :func:`migration`; never edit
or reorder one that has shipped (``m005`` runs before ``m003`` because it shipped first).
"""

from __future__ import annotations

import sqlite3

from .ids import new_guid
from typing import Callable

Migration = Callable[[sqlite3.Connection], None]

MIGRATIONS: list[Migration] = []
"""Every migration in the order it runs."""


def migration(fn: Migration) -> Migration:
    """Register ``fn`` as the next migration (decorator); the order of registration is the order they run."""
    if any(done.__name__ == fn.__name__ for done in MIGRATIONS):
        raise ValueError(f"a migration named {fn.__name__} is registered already")
    MIGRATIONS.append(fn)
    return fn


def run_script(db: sqlite3.Connection, script: str) -> None:
    """Run several statements inside the current transaction (executescript would commit)."""
    for statement in script.split(";"):
        if statement.strip():
            db.execute(statement)


@migration
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


@migration
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


@migration
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


@migration
def m004_analysis_codings_cover(db: sqlite3.Connection) -> None:
    """A covering index for the analysis (issue 4): matrices read codings from it without touching
    the table rows. It replaces ``codings_source`` (same leading columns), so inserts keep the same
    number of indexes to update."""
    run_script(db, """
        DROP INDEX IF EXISTS codings_source;
        CREATE INDEX codings_analysis ON codings(source_id, start, "end", code_id, coder, origin)
    """)


@migration
def m006_drop_codings_origin_index(db: sqlite3.Connection) -> None:
    """``codings_origin`` indexed a column with two or three values: no query gained from it (the
    origin filters go with a source, or count a whole origin, which the covering ``codings_analysis``
    scans), and every coding stored paid for it."""
    run_script(db, "DROP INDEX IF EXISTS codings_origin")


@migration
def m007_turn_table_cache(db: sqlite3.Connection) -> None:
    """A copy of the turn table as packed integers (:meth:`Store.turn_columns`), which every analysis
    and every auto-coding plan reads: turns change only when sources are imported, replaced or
    removed, or speakers mapped, and reading every turn with its speaker's participant is a
    noticeable part of each matrix in a new process. Triggers drop the copy whenever turns or speakers change
    (in any way: import, REFI, a cascade from a deleted source), so it is never out of date."""
    db.execute("CREATE TABLE column_cache (name TEXT PRIMARY KEY, data BLOB NOT NULL)")
    for table in ("turns", "speakers"):
        for event in ("INSERT", "UPDATE", "DELETE"):
            db.execute(f"CREATE TRIGGER {table}_{event.lower()}_drops_turn_table AFTER {event} ON {table} "
                       f"BEGIN DELETE FROM column_cache WHERE name = 'turns'; END")


@migration
def m008_coding_table_cache(db: sqlite3.Connection) -> None:
    """A copy of each source's codings as packed records (:mod:`coding.store.coding_table`), which every
    analysis reads instead of every coding row.
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


@migration
def m009_memo_targets(db: sqlite3.Connection) -> None:
    """Memos on a code and on a coding (issue 25), beside those on a source, a span and the project,
    with the time they were last edited. A coding's memo moves here from ``codings.memo`` (which
    stays, always empty, as old migrations made it): one home for every memo, each with its id,
    author and time. ``coding_id`` has no foreign key: deleting codings (auto-coding replaces its
    own by the hundred thousand) must not pay a look-up per row, and a memo whose coding is gone
    stays on the text it was written about (``source_id``, ``start``, ``end`` are the coding's)."""
    run_script(db, """
        ALTER TABLE memos ADD COLUMN code_id INTEGER REFERENCES codes(id) ON DELETE CASCADE;
        ALTER TABLE memos ADD COLUMN coding_id INTEGER;
        ALTER TABLE memos ADD COLUMN updated_at TEXT;
        CREATE INDEX memos_coding ON memos(coding_id) WHERE coding_id IS NOT NULL;
        CREATE INDEX memos_code ON memos(code_id) WHERE code_id IS NOT NULL
    """)
    moved = db.execute("""SELECT id, source_id, start, "end", coder, memo, origin, created_at FROM codings
                          WHERE memo IS NOT NULL AND memo != ''""").fetchall()
    db.executemany("""INSERT INTO memos (coding_id, source_id, start, "end", author, text, origin, created_at, guid)
                      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""", [(*row, new_guid()) for row in moved])
    db.execute("UPDATE codings SET memo = NULL WHERE memo IS NOT NULL")


@migration
def m010_search_index(db: sqlite3.Connection) -> None:
    """The text search index (:mod:`coding.search`): every distinct lower-case word form of each
    language once, with its lemma, whether it is a word and a stop word, and for compounds its
    parts (head lemmas and forms, modifiers); and per source its tokens as packed arrays (start,
    end, form id), tagged with the text digest they were made from, so a replaced text is
    tokenised again. A deleted source takes its tokens along."""
    run_script(db, """
        CREATE TABLE search_forms (
            id INTEGER PRIMARY KEY,
            language TEXT NOT NULL,
            form TEXT NOT NULL,
            lemma TEXT NOT NULL,
            word INTEGER NOT NULL,
            stop INTEGER NOT NULL,
            UNIQUE (language, form)
        );
        CREATE INDEX search_forms_lemma ON search_forms(language, lemma);
        CREATE TABLE search_parts (
            part TEXT NOT NULL,
            kind INTEGER NOT NULL,
            form_id INTEGER NOT NULL REFERENCES search_forms(id) ON DELETE CASCADE,
            PRIMARY KEY (part, kind, form_id)
        ) WITHOUT ROWID;
        CREATE TABLE search_tokens (
            source_id INTEGER PRIMARY KEY REFERENCES sources(id) ON DELETE CASCADE,
            text_sha256 TEXT NOT NULL,
            tokens INTEGER NOT NULL,
            data BLOB NOT NULL
        )
    """)


@migration
def m011_reviews(db: sqlite3.Connection) -> None:
    """A coder's accept or reject of an automatic coding (issue 26), kept by place and code so that
    a later auto-coding run does not propose a reviewed span again (it is dropped from the run's
    output before it is stored). ``coding_id``: the reviewer's own coding an accept made."""
    run_script(db, """
        CREATE TABLE reviews (
            id INTEGER PRIMARY KEY,
            source_id INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
            start INTEGER NOT NULL,
            "end" INTEGER NOT NULL,
            code_id INTEGER NOT NULL REFERENCES codes(id) ON DELETE CASCADE,
            decision TEXT NOT NULL CHECK (decision IN ('accepted', 'rejected')),
            reviewer TEXT NOT NULL,
            rule TEXT,
            matched TEXT,
            coding_id INTEGER,
            created_at TEXT NOT NULL,
            UNIQUE (source_id, start, "end", code_id)
        )
    """)


@migration
def m012_anonymization(db: sqlite3.Connection) -> None:
    """The anonymization key (issue 23): the analyst's decision on each finding (replace with a
    pseudonym, or keep), looked up by the finding's text (white space single, case folded); the
    findings of the last scan of each source, and which text each source had when it was scanned
    (a source imported or changed since is scanned again)."""
    run_script(db, """
        CREATE TABLE anonymization_key (
            key TEXT PRIMARY KEY,
            text TEXT NOT NULL,
            kind TEXT NOT NULL,
            decision TEXT NOT NULL CHECK (decision IN ('replace', 'keep')),
            replacement TEXT NOT NULL DEFAULT '',
            reviewed_at TEXT NOT NULL
        );
        CREATE TABLE anonymization_findings (
            source_id INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
            start INTEGER NOT NULL,
            "end" INTEGER NOT NULL,
            kind TEXT NOT NULL,
            text TEXT NOT NULL,
            key TEXT NOT NULL
        );
        CREATE INDEX anonymization_findings_source ON anonymization_findings(source_id, start);
        CREATE TABLE anonymization_scans (
            source_id INTEGER PRIMARY KEY REFERENCES sources(id) ON DELETE CASCADE,
            text_sha256 TEXT NOT NULL,
            scanned_at TEXT NOT NULL
        )
    """)


@migration
def m013_interview_list(db: sqlite3.Connection) -> None:
    """The study's interview list kept in the project (issue 27): its rows wait there for sources
    not imported yet and are applied when they arrive; and attributes of a participant in one
    source (an interviewer's municipality that day), which analyses use for that source's turns."""
    run_script(db, """
        CREATE TABLE manifest_rows (
            id INTEGER PRIMARY KEY,
            file TEXT NOT NULL,
            row INTEGER NOT NULL,
            source TEXT NOT NULL,
            speaker TEXT NOT NULL DEFAULT '',
            participant TEXT NOT NULL DEFAULT '',
            attributes TEXT NOT NULL DEFAULT '{}'
        );
        CREATE TABLE appearance_attributes (
            source_id INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
            participant_id INTEGER NOT NULL REFERENCES participants(id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            value TEXT NOT NULL,
            PRIMARY KEY (source_id, participant_id, name)
        )
    """)


@migration
def m014_sentence_cache(db: sqlite3.Connection) -> None:
    """Each source's sentences (the sentence unit of agreement, :mod:`coding.analysis.sentences`) as
    packed rows, tagged with what they were made from (the splitting rule's version, the text's
    digest and the turns' bounds): a reader uses a row only while that still describes the source,
    so a replaced text or new turns are split again, never read stale. A deleted source takes its
    row along; a text changed in place drops it at once."""
    db.execute("""CREATE TABLE sentence_cache (
                      source_id INTEGER PRIMARY KEY REFERENCES sources(id) ON DELETE CASCADE,
                      made_from TEXT NOT NULL,
                      data BLOB NOT NULL)""")
    db.execute("CREATE TRIGGER sources_text_drops_sentences AFTER UPDATE OF text ON sources "
               "BEGIN DELETE FROM sentence_cache WHERE source_id = OLD.id; END")


@migration
def m015_speakers_by_participant(db: sqlite3.Connection) -> None:
    """The speakers of a participant found by an index: listing the participants (where each appears,
    how many turns) looked through every speaker for every participant, which grows with the square
    of the study's size."""
    db.execute("CREATE INDEX speakers_participant ON speakers(participant_id)")
