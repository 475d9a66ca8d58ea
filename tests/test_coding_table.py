"""The codings kept as packed records, one row per source (``coding_cache``, coding/store/coding_table.py):
every analysis reads them, so they must always say what the codings table says: after the
library's own changes (which set the triggers aside and drop rows themselves), after changes by
any other program (the triggers), and when a row is damaged."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest

from coding import Project
from coding.store.coding_table import RECORD

from test_analysis import build_project

TRIGGERS = {"codings_insert_drops_coding_rows", "codings_delete_drops_coding_rows",
            "codings_update_drops_coding_rows", "sources_delete_drops_coding_rows"}


@pytest.fixture()
def project_path(tmp_path) -> Path:
    return build_project(tmp_path)


def truth(db) -> list[tuple]:
    """Every coding as the codings table has it, in the order of the covering index."""
    return [tuple(r) for r in db.execute(
        'SELECT source_id, start, "end", code_id, coder, origin FROM codings '
        'ORDER BY source_id, start, "end", code_id, coder, origin')]


def as_tuples(table: dict) -> list[tuple]:
    return list(zip(table["source_id"].tolist(), table["start"].tolist(), table["end"].tolist(),
                    table["code_id"].tolist(), [table["coders"][i] for i in table["coder"].tolist()],
                    [table["origins"][i] for i in table["origin"].tolist()]))


def kept_sources(path: Path) -> list[int]:
    with sqlite3.connect(path) as db:
        return [r[0] for r in db.execute("SELECT source_id FROM coding_cache ORDER BY source_id")]


def source_ids(path: Path) -> list[int]:
    with sqlite3.connect(path) as db:
        return [r[0] for r in db.execute("SELECT id FROM sources ORDER BY id")]


def triggers(db) -> set[str]:
    return {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")} & TRIGGERS


def test_rows_are_kept_for_every_source_and_read_back(project_path):
    assert kept_sources(project_path) == source_ids(project_path)  # the transaction that coded made them
    with Project.open(project_path) as project:
        store = project.store
        expected = truth(store.db)
        assert len(expected) == 14 and {c for *_, c, _ in expected} == {"anne", "auto"}
        assert as_tuples(store.coding_table()) == expected
        # what is read is the kept rows: altered behind the store's back, the alteration shows
        sid = expected[0][0]
        data = bytearray(store.db.execute("SELECT data FROM coding_cache WHERE source_id = ?", (sid,)).fetchone()[0])
        records = np.frombuffer(bytes(data), dtype=RECORD).copy()
        records["start"] += 1
        store.db.execute("UPDATE coding_cache SET data = ? WHERE source_id = ?", (records.tobytes(), sid))
        doctored = as_tuples(store.coding_table())
        assert [r[1] for r in doctored if r[0] == sid] == [r[1] + 1 for r in expected if r[0] == sid]
        # without rows everything is read from the codings and the rows made again
        store.db.execute("DELETE FROM coding_cache")
        assert as_tuples(store.coding_table()) == expected
        assert kept_sources(project_path) == source_ids(project_path)
        # some rows kept and some not: both kinds together, in source order
        store.db.execute("DELETE FROM coding_cache WHERE source_id = ?", (sid,))
        assert as_tuples(store.coding_table()) == expected
        # one source only
        assert as_tuples(store.coding_table(sid)) == [r for r in expected if r[0] == sid]


@pytest.mark.parametrize("damage", ["x'0102'", "x''", "'not a blob'"])
def test_a_damaged_row_is_read_around_and_replaced(project_path, damage):
    with Project.open(project_path) as project:
        store = project.store
        expected = truth(store.db)
        sid = expected[-1][0]
        if damage == "x''":  # a row saying "no codings" for a source that has some is no damage...
            store.db.execute("UPDATE coding_cache SET coders = 'not json' WHERE source_id = ?", (sid,))
        else:
            store.db.execute(f"UPDATE coding_cache SET data = {damage} WHERE source_id = ?", (sid,))
        assert as_tuples(store.coding_table()) == expected
        assert as_tuples(store.coding_table()) == expected
    with Project.open(project_path) as project:  # made again: read back as it should be
        assert as_tuples(project.store.coding_table()) == expected


def test_a_record_naming_a_coder_the_row_does_not_list_is_damage(project_path):
    with Project.open(project_path) as project:
        store = project.store
        expected = truth(store.db)
        sid = expected[0][0]
        data = store.db.execute("SELECT data FROM coding_cache WHERE source_id = ?", (sid,)).fetchone()[0]
        records = np.frombuffer(data, dtype=RECORD).copy()
        records["coder"][0] = 7
        store.db.execute("UPDATE coding_cache SET data = ? WHERE source_id = ?", (records.tobytes(), sid))
        assert as_tuples(store.coding_table()) == expected


def change_by_another_program(path: Path, change: str) -> None:
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA foreign_keys = ON")
        sid, code_id = db.execute("SELECT source_id, code_id FROM codings ORDER BY id LIMIT 1").fetchone()
        if change == "insert":
            db.execute('INSERT INTO codings (source_id, start, "end", code_id, coder, origin, guid, created_at) '
                       "VALUES (?, 1, 9, ?, 'bent', 'manual', 'g-1', 'now')", (sid, code_id))
        elif change == "delete":
            db.execute("DELETE FROM codings WHERE id = (SELECT max(id) FROM codings)")
        elif change == "move":
            db.execute('UPDATE codings SET start = start + 1 WHERE id = (SELECT min(id) FROM codings)')
        elif change == "recode":
            db.execute("UPDATE codings SET coder = 'bent' WHERE id = (SELECT min(id) FROM codings)")
        elif change == "to another source":
            other = db.execute("SELECT max(id) FROM sources").fetchone()[0]
            db.execute("UPDATE codings SET source_id = ? WHERE id = (SELECT min(id) FROM codings)", (other,))
        elif change == "delete source":
            db.execute("DELETE FROM sources WHERE id = ?", (sid,))
        elif change == "memo only":  # changes nothing an analysis reads: the rows may stay
            db.execute("UPDATE codings SET memo = 'x'")


@pytest.mark.parametrize("change", ["insert", "delete", "move", "recode", "to another source", "delete source",
                                    "memo only"])
def test_any_change_by_another_program_drops_the_rows_it_makes_old(project_path, change):
    before = kept_sources(project_path)
    change_by_another_program(project_path, change)
    after = kept_sources(project_path)
    if change == "memo only":
        assert after == before
    else:
        assert len(after) < len(before)
        assert set(after) <= set(source_ids(project_path))
    with Project.open(project_path) as project:
        assert as_tuples(project.store.coding_table()) == truth(project.store.db)
        assert kept_sources(project_path) == source_ids(project_path)


def test_the_libraries_own_changes_set_the_triggers_aside_and_keep_rows_right(project_path):
    with Project.open(project_path) as project:
        store = project.store
        first = truth(store.db)
        sid, code_id = first[0][0], first[0][3]
        with project.transaction():
            with store.bulk_coding_changes():
                assert triggers(store.db) == {"sources_delete_drops_coding_rows"}  # only those on codings
                store.insert_codings([{"source_id": sid, "start": 3, "end": 8, "code_id": code_id,
                                       "coder": "bent", "origin": "manual"}])
                coding_id = store.db.execute("SELECT max(id) FROM codings").fetchone()[0]
                store.move_coding(coding_id, 4, 9)
                store.delete_auto_codings(first[-1][0], "auto")
            assert triggers(store.db) == TRIGGERS
        assert as_tuples(store.coding_table()) == truth(store.db) != first
        assert kept_sources(project_path) == source_ids(project_path)
        with project.transaction(), store.bulk_coding_changes():
            store.delete_coding(coding_id)
            store.delete_codings(coder="anne")
        assert as_tuples(store.coding_table()) == truth(store.db)
        assert {r[4] for r in truth(store.db)} == {"auto"}


def test_an_error_inside_bulk_changes_rolls_back_with_the_triggers_in_place(project_path):
    with Project.open(project_path) as project:
        store = project.store
        before = truth(store.db)
        with pytest.raises(RuntimeError), project.transaction(), store.bulk_coding_changes():
            store.delete_codings()
            raise RuntimeError("stop")
        assert triggers(store.db) == TRIGGERS
        assert truth(store.db) == before and as_tuples(store.coding_table()) == before
    with sqlite3.connect(project_path) as db:
        assert triggers(db) == TRIGGERS


def test_filters_give_what_sql_gives(project_path):
    with Project.open(project_path) as project:
        store = project.store
        everything = truth(store.db)
        some_code = everything[0][3]
        for filters, keep in (
                ({"coder": "auto"}, lambda r: r[4] == "auto"),
                ({"origin": "manual"}, lambda r: r[5] == "manual"),
                ({"code_ids": [some_code]}, lambda r: r[3] == some_code),
                ({"source_id": everything[0][0], "coder": "anne"}, lambda r: r[0] == everything[0][0] and r[4] == "anne"),
                ({"coder": "nobody"}, lambda r: False)):
            columns = store.coding_columns(**filters)
            wanted = [r for r in everything if keep(r)]
            got = list(zip(columns["source_id"].tolist(), columns["start"].tolist(), columns["end"].tolist(),
                           columns["code_id"].tolist(), [columns["coders"][i] for i in columns["coder"].tolist()]))
            assert got == [r[:5] for r in wanted], filters
            assert columns["coders"] == sorted({r[4] for r in wanted})  # only the coders present
            assert (columns["position"] == columns["source_id"] * 2**32 + columns["start"]).all()


def test_another_writer_holding_the_file_leaves_the_analysis_right_and_unblocked(project_path):
    with Project.open(project_path) as project:
        project.store.db.execute("DELETE FROM coding_cache")
    other = sqlite3.connect(project_path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        with Project.open(project_path) as project:
            assert as_tuples(project.store.coding_table()) == truth(project.store.db)
            assert kept_sources(project_path) == []  # nothing kept, nothing waited for
    finally:
        other.execute("ROLLBACK")
        other.close()


def test_autocode_keeps_rows_from_what_it_stored(tmp_path):
    """Auto-coding writes each source's row from the codings it stored when they are all the
    source has; a source with other codings too gets its row read back after the run."""
    from cli_helpers import run

    path = tmp_path / "p.db"
    sample = Path(__file__).resolve().parents[1] / "transcripts_sample"
    run(path, "import", str(sample), "--manifest", str(sample / "participants.csv"))
    with Project.open(path) as project:
        store = project.store
        first_source = source_ids(path)[0]
        project.autocode(Path(__file__).resolve().parents[1] / "codebooks" / "stv.yaml")
        code_id = store.db.execute("SELECT code_id FROM codings LIMIT 1").fetchone()[0]
        with project.transaction():
            store.insert_codings([{"source_id": first_source, "start": 0, "end": 5, "code_id": code_id,
                                   "coder": "anne", "origin": "manual"}])
        report = project.autocode(Path(__file__).resolve().parents[1] / "codebooks" / "stv.yaml", force=True)
        assert report.codings > 100
        assert kept_sources(path) == source_ids(path)
        expected = truth(store.db)
        assert as_tuples(store.coding_table()) == expected
        assert {r[4] for r in expected if r[0] == first_source} == {"anne", "autocode"}
        store.db.execute("DELETE FROM coding_cache")
        assert as_tuples(store.coding_table()) == expected


@pytest.mark.parametrize("count", [0, 1, 3, 63, 64, 85, 150])
def test_auto_codings_are_stored_in_statements_of_many_codings_row_for_row(project_path, count):
    """insert_auto_codings puts up to 64 codings in one INSERT (64, 16, 4, then single rows):
    every coding is stored once, in the order given, with the values of its own row."""
    rng = np.random.default_rng(count)
    with Project.open(project_path) as project:
        store = project.store
        source = source_ids(project_path)[-1]
        codes = [r[0] for r in store.db.execute("SELECT id FROM codes ORDER BY id")]
        start = np.sort(rng.integers(0, 5000, count))
        end = start + rng.integers(1, 40, count)
        code_id = rng.choice(codes, count)
        rule = [f"term w{k}" for k in range(count)]
        matched = [f"w{k}, ord {k % 7}" for k in range(count)]
        before = store.db.execute("SELECT coalesce(max(id), 0) FROM codings").fetchone()[0]
        with project.store.transaction(journals_in_memory=True), store.bulk_coding_changes():
            assert store.db.execute("PRAGMA temp_store").fetchone()[0] == 0  # back to the default inside
            assert store.insert_auto_codings(source, start, end, code_id, rule, matched, "robot", "auto") == count
        rows = store.db.execute('SELECT source_id, start, "end", code_id, coder, origin, rule, matched, guid, '
                                "created_at FROM codings WHERE id > ? ORDER BY id", (before,)).fetchall()
        assert [tuple(r[:8]) for r in rows] == list(zip([source] * count, start.tolist(), end.tolist(),
                                                        code_id.tolist(), ["robot"] * count, ["auto"] * count,
                                                        rule, matched))
        assert len({r[8] for r in rows}) == count and len({r[9] for r in rows}) <= 1
        assert as_tuples(store.coding_table()) == truth(store.db)
