"""The copy of the turn table kept in the project file (``column_cache``): read back instead of the
turns, and dropped by every change to turns or speakers, so that no analysis ever sees old turns."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from coding import Project
from coding.store import BUSY_WAIT_MS

from cli_helpers import run
from test_analysis import MANIFEST, RES, VK, build_project


def kept(path: Path) -> bool:
    with sqlite3.connect(path) as db:
        return db.execute("SELECT count(*) FROM column_cache WHERE name = 'turns'").fetchone()[0] == 1


def as_lists(table: dict) -> dict:
    return {name: values.tolist() for name, values in table.items()}


@pytest.fixture()
def project_path(tmp_path) -> Path:
    return build_project(tmp_path)


def test_the_copy_is_made_on_first_read_and_read_back_after(project_path):
    assert kept(project_path)       # the import ends by making it
    with sqlite3.connect(project_path) as db:
        db.execute("DELETE FROM column_cache")
    with Project.open(project_path) as project:
        store = project.store
        read = as_lists(store.turn_columns())
        assert kept(project_path)   # made again by the first read
        from_turns = dict(zip(store.TURN_COLUMNS, (c.tolist() for c in store._read_turn_table())))
        assert read == from_turns and len(read["idx"]) == 10
        assert as_lists(store.turn_columns()) == read
        # the copy is what is read: altered behind the store's back, the alteration shows
        import numpy as np
        doctored = np.stack([np.array(read[n]) for n in store.TURN_COLUMNS])
        doctored[0] += 1000
        store.db.execute("UPDATE column_cache SET data = ? WHERE name = 'turns'", (doctored.astype("<i8").tobytes(),))
        assert store.turn_columns()["source_id"].tolist() == [s + 1000 for s in read["source_id"]]
        # a damaged copy (a length no table has) is read around and replaced
        store.db.execute("UPDATE column_cache SET data = x'0102' WHERE name = 'turns'")
        assert as_lists(store.turn_columns()) == read
        assert as_lists(store.turn_columns()) == read


def test_analysis_and_autocode_planning_use_it_alike(project_path):
    with Project.open(project_path) as project:
        first = project.matrix("code", ["role"])
        assert kept(project_path)
    with Project.open(project_path) as project:   # a new process would read the copy
        assert project.matrix("code", ["role"]).equals(first)
        assert first.at[RES, "Total"] == 3 and first.loc[VK].tolist() == [3, 0, 1, 3]
        units = project.store.turn_units_by_source("Interviewer")
        assert sorted(len(u) for u in units.values()) == [1, 2, 3]   # respondent turns per source


def change_manifest(path: Path, tmp_path: Path) -> None:
    manifest = tmp_path / "changed.csv"
    manifest.write_text(MANIFEST.replace("aabaek_fokus.txt,Carl,AAB-VK-1", "aabaek_fokus.txt,Carl,AAB-VK-2"),
                        encoding="utf-8")
    run(path, "import", "--manifest", str(manifest))


def import_another(path: Path, tmp_path: Path) -> None:
    (tmp_path / "more").mkdir()
    (tmp_path / "more" / "vestby.txt").write_text("Interviewer: Hej.\n\nUlla: Vi mangler ressourcer.\n",
                                                   encoding="utf-8")
    run(path, "import", str(tmp_path / "more"))


def replace_changed(path: Path, tmp_path: Path) -> None:
    changed = tmp_path / "corpus" / "kildemose_vk.txt"
    changed.write_text(changed.read_text(encoding="utf-8") + "\nEva: Og vi mangler ressourcer.\n", encoding="utf-8")
    run(path, "import", str(changed), "--replace")


def move_turns(path: Path, tmp_path: Path) -> None:
    with Project.open(path) as project, project.transaction():
        store = project.store
        first = min(r["id"] for r in store.source_names())
        store.replace_turns(first, [dict(t) for t in store.turns(first)][1:])


@pytest.mark.parametrize("change", [change_manifest, import_another, replace_changed, move_turns])
def test_after_every_change_to_turns_or_speakers_the_copy_is_the_new_table(project_path, tmp_path, change):
    with Project.open(project_path) as project:
        before = as_lists(project.store.turn_columns())
    change(project_path, tmp_path)
    # every transaction of the library ends by making the copy again (the triggers test below
    # shows that a change made otherwise leaves none)
    assert kept(project_path)
    with Project.open(project_path) as project:
        store = project.store
        fresh = dict(zip(store.TURN_COLUMNS, (c.tolist() for c in store._read_turn_table())))
        assert fresh != before
        assert as_lists(store.turn_columns()) == fresh
        assert kept(project_path)


def test_the_triggers_drop_the_copy_on_any_change_of_turns_or_speakers(project_path):
    with Project.open(project_path) as project:
        store = project.store
        source = min(r["id"] for r in store.source_names())
        label = store.speakers(source)[0]["label"]
        changes = [
            lambda: store.replace_turns(source, [dict(t) for t in store.turns(source)]),          # delete + insert
            lambda: store.db.execute("UPDATE turns SET speaker = speaker WHERE source_id = ?", (source,)),
            lambda: store.map_speaker(source, label, None),                                    # speakers insert
            lambda: store.db.execute("UPDATE speakers SET participant_id = participant_id"),
            lambda: store.db.execute("DELETE FROM speakers WHERE source_id = ? AND label = ?", (source, label)),
        ]
        for change in changes:
            store.turn_columns()
            with pytest.raises(RuntimeError):
                with project.transaction():
                    change()
                    assert store.db.execute("SELECT count(*) FROM column_cache").fetchone()[0] == 0
                    raise RuntimeError("undo")
            assert kept(project_path)


def test_a_change_rolled_back_keeps_the_copy_and_its_rows_alike(project_path):
    with Project.open(project_path) as project:
        store = project.store
        before = as_lists(store.turn_columns())
        with pytest.raises(RuntimeError):
            with project.transaction():
                store.replace_turns(min(r["id"] for r in store.source_names()), [])
                assert store.db.execute("SELECT count(*) FROM column_cache").fetchone()[0] == 0
                assert kept(project_path)   # another connection still sees the committed copy
                raise RuntimeError("undo")
        assert kept(project_path) and as_lists(store.turn_columns()) == before


def test_no_copy_is_kept_while_another_writer_holds_the_file_and_nothing_waits(project_path):
    with sqlite3.connect(project_path) as db:
        db.execute("DELETE FROM column_cache")
    other = sqlite3.connect(project_path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        with Project.open(project_path) as project:
            frame = project.matrix("code", ["role"])
            assert frame.at[RES, "Total"] == 3
            # given back: the store waits up to BUSY_WAIT_MS for other writers
            assert project.store.db.execute("PRAGMA busy_timeout").fetchone()[0] == BUSY_WAIT_MS
        assert not kept(project_path)
    finally:
        other.execute("ROLLBACK")
        other.close()


def test_the_migration_adds_the_cache_to_an_older_project(project_path):
    with sqlite3.connect(project_path) as db:
        db.execute("DROP TABLE column_cache")
        for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
            db.execute(f"DROP TRIGGER {name}")
        db.execute("DELETE FROM migrations WHERE name = 'm007_turn_table_cache'")
    with Project.open(project_path) as project:
        assert project.matrix("code", ["role"]).at[RES, "Total"] == 3
    assert kept(project_path)
    with sqlite3.connect(project_path) as db:
        triggers = {r[0] for r in db.execute("SELECT tbl_name FROM sqlite_master WHERE type = 'trigger'")}
    assert triggers == {"turns", "speakers"}
