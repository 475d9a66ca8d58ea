"""``coding segments --format csv|json`` made a few sources at a time (memory that does not grow
with the codings) and put in the list's order on disk: the same text as the whole list made at
once (:meth:`coding.Project.segments`), whatever the filters, and however the sources are cut
into parts.

The project: seven interviews imported in two rounds, so that the order of their ids, of their
names and of their names read naturally ("samtale 2" before "samtale 10") all differ; a codebook
three levels deep; three coders (two by hand, one automatic) whose codings overlap, touch, cross
turns and lie in interviewer turns; participants with a role and a municipality, one of them in
two interviews.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from coding import Project
from coding.analysis import segment_list
from coding.export.tables import render_csv, render_json

from cli_helpers import run

FIRST = ["samtale 10.txt", "samtale 2.txt", "Samtale 1.txt", "samtale 03.txt"]
SECOND = ["samtale 9.txt", "fokusgruppe.txt", "samtale 11.txt"]

SAYINGS = [
    "Vi mødes med virksomhederne hver anden uge, og det hjælper.",
    "Borgerne siger, at de ikke altid forstår brevene fra kommunen.",
    "Der er for lidt tid til den enkelte, synes jeg.",
    "We started a small pilot with two employers last spring.",
    "Det har været svært at få fat i lægerne; de ringer sjældent tilbage.",
    "Our caseworkers keep notes, but nobody reads them twice.",
    "Når budgettet skæres, er det mentorerne der forsvinder først.",
    "Jeg tror, at samarbejdet er blevet bedre, men det tager tid.",
]
QUESTIONS = ["Hvordan går det med samarbejdet?", "What would you change first?", "Kan du give et eksempel?"]


def _interview(seed: int, speakers: list[str]) -> str:
    rng = random.Random(seed)
    turns = []
    for _ in range(rng.randint(5, 9)):
        turns.append(f"Interviewer: {rng.choice(QUESTIONS)}")
        for speaker in rng.sample(speakers, rng.randint(1, len(speakers))):
            turns.append(f"{speaker}: " + " ".join(rng.sample(SAYINGS, rng.randint(1, 3))))
    return "\n\n".join(turns) + "\n"


SPEAKERS = {"samtale 10.txt": ["Rasmus"], "samtale 2.txt": ["Lene"], "Samtale 1.txt": ["Ole"],
            "samtale 03.txt": ["Pia"], "samtale 9.txt": ["Lene"], "fokusgruppe.txt": ["Anna", "Jonas", "Kim"],
            "samtale 11.txt": ["Sofie"]}
TOWNS = {"samtale 10.txt": "Havnby", "samtale 2.txt": "Skovlund", "Samtale 1.txt": "Havnby",
         "samtale 03.txt": "Bakkedal", "samtale 9.txt": "Skovlund", "fokusgruppe.txt": "Bakkedal",
         "samtale 11.txt": "Havnby"}
ROLES = {"Rasmus": "Leder", "Lene": "Mentor", "Ole": "Sagsbehandler", "Pia": "Leder", "Anna": "Mentor",
         "Jonas": "Sagsbehandler", "Kim": "Leder", "Sofie": "Mentor"}


def _manifest() -> str:
    lines = ["source,speaker,participant,role,municipality"]
    for name in [*FIRST, *SECOND]:
        lines.append(f"{name},,,,{TOWNS[name]}")
        lines.append(f"{name},Interviewer,INT-1,Interviewer,")
        for speaker in SPEAKERS[name]:
            lines.append(f"{name},{speaker},{speaker.upper()}-1,{ROLES[speaker]},")
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def project_path(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("stream")
    (root / "participants.csv").write_text(_manifest(), encoding="utf-8")
    path = root / "p.db"
    for round_, names in enumerate((FIRST, SECOND)):
        folder = root / f"round{round_}"
        folder.mkdir()
        for name in names:
            (folder / name).write_text(_interview(len(name) * 31 + round_, SPEAKERS[name]), encoding="utf-8")
        run(path, "import", str(folder), "--manifest", str(root / "participants.csv"))
    with Project.open(path) as project, project.transaction():
        store = project.store
        labels = lambda da, en: {"da": da, "en": en}  # noqa: E731
        ramme = store.upsert_code(code="rammer", parent_id=None, position=1, labels=labels("Rammer", "Frames"))
        tid = store.upsert_code(code="tid", parent_id=ramme, position=2, labels=labels("Tid", "Time"))
        penge = store.upsert_code(code="penge", parent_id=ramme, position=3, labels=labels("Penge", "Money"))
        mentor = store.upsert_code(code="mentorer", parent_id=penge, position=4,
                                   labels=labels("Mentorer", "Mentors"))
        sam = store.upsert_code(code="samarbejde", parent_id=None, position=5,
                                labels=labels("Samarbejde", "Collaboration"))
        virk = store.upsert_code(code="virksomheder", parent_id=sam, position=6,
                                 labels=labels("Virksomheder", "Employers"))
        codes = [ramme, tid, penge, mentor, sam, virk]
        rng = random.Random(5)
        rows = []
        for source in store.source_names():
            text = store.source_text(source["id"])
            for _ in range(40):
                start = rng.randrange(len(text))
                length = rng.choice([0, 5, 30, 80, 200, 600])  # long ones cross turns
                coder = rng.choice(["anne", "bo", "autocode"])
                rows.append({"source_id": source["id"], "start": start, "end": min(len(text), start + length),
                             "code_id": rng.choice(codes), "coder": coder,
                             "origin": "auto" if coder == "autocode" else "manual"})
            # two codings that touch (one segment) and the same text by another coder
            rows += [{"source_id": source["id"], "start": 10, "end": 40, "code_id": tid, "coder": "anne",
                      "origin": "manual"},
                     {"source_id": source["id"], "start": 40, "end": 70, "code_id": tid, "coder": "anne",
                      "origin": "manual"},
                     {"source_id": source["id"], "start": 10, "end": 70, "code_id": tid, "coder": "bo",
                      "origin": "manual"}]
        store.insert_codings(rows)
    return path


OPTIONS = [
    [],
    ["--include-interviewer"],
    ["--code", "rammer"],
    ["--code", "penge", "--rollup"],
    ["--level", "1"],
    ["--level", "2", "--rollup"],
    ["--rollup"],
    ["--coder", "bo"],
    ["--origin", "auto"],
    ["--source", "samtale 10.txt"],
    ["--where", "municipality=Havnby"],
    ["--where", "role=Leder", "--include-interviewer"],
    ["--language", "en", "--code", "samarbejde"],
]


def _keywords(args: list[str]) -> dict:
    options: dict = {}
    for flag in ("--include-interviewer", "--rollup"):
        if flag in args:
            options[flag[2:].replace("-", "_")] = True
    for flag in ("--code", "--coder", "--origin", "--source", "--level", "--language"):
        if flag in args:
            value = args[args.index(flag) + 1]
            options[flag[2:]] = int(value) if flag == "--level" else value
    if "--where" in args:
        name, value = args[args.index("--where") + 1].split("=")
        options["where"] = {name: value}
    return options


@pytest.mark.parametrize("part_codings", [1, 70, 100_000])
@pytest.mark.parametrize("args", OPTIONS, ids=lambda a: " ".join(a) or "all")
def test_streamed_segments_are_the_whole_list(project_path, tmp_path, monkeypatch, args, part_codings):
    """Each source on its own, a few together, all at once: the CLI's csv and json (to a file and to
    the terminal) are the list made in memory."""
    with Project.open(project_path) as project:
        frame = project.segments(**_keywords(args))
    records = frame.to_dict("records")
    assert records or "--source" in args or "--where" in args
    if not args:  # segments over several turns (their values joined) and of several coders
        assert any("; " in r["speaker"] for r in records) and {r["coder"] for r in records} == {
            "anne", "bo", "autocode"}
    monkeypatch.setattr(segment_list, "PART_CODINGS", part_codings)
    csv_text, json_text = render_csv(records, list(frame.columns)), render_json(records)
    assert run(project_path, "segments", *args, "--format", "csv").output == csv_text
    assert run(project_path, "segments", *args, "--format", "json").output == json_text
    run(project_path, "segments", *args, "--format", "csv", "-o", str(tmp_path / "s.csv"))
    assert (tmp_path / "s.csv").read_text(encoding="utf-8-sig") == csv_text
    run(project_path, "segments", *args, "--format", "json", "-o", str(tmp_path / "s.json"))
    assert (tmp_path / "s.json").read_text(encoding="utf-8") == json_text


def test_the_list_is_made_in_parts_out_of_its_order(project_path, monkeypatch):
    """With a source to a part, the parts come source after source, so the codes come back round
    (out of the list's order): the writer has to put them in order. Every part holds one code."""
    monkeypatch.setattr(segment_list, "PART_CODINGS", 1)
    with Project.open(project_path) as project:
        columns, parts = project.segment_parts()
        keys, rows = [], 0
        for key, batch in parts:
            assert len(set(batch[columns.index("code")])) == 1
            keys.append(key)
            rows += len(batch[0])
        assert rows == len(project.segments())
    assert keys != sorted(keys) and len(set(keys)) == 6


def test_a_project_without_segments_and_bad_filters(project_path, tmp_path):
    assert run(project_path, "segments", "--coder", "nobody", "--format", "json").output == "[]\n"
    header = run(project_path, "segments", "--coder", "nobody", "--format", "csv").output
    assert header.startswith("source,code,code_path,label,coder,start,end,text")
    assert header.count("\n") == 1
    out = tmp_path / "x.csv"
    result = run(project_path, "segments", "--code", "nosuch", "--format", "csv", "-o", str(out), ok=False)
    assert result.exit_code != 0 and "nosuch" in result.output and not out.exists()
    result = run(project_path, "segments", "--where", "municipality=Havby", "--format", "csv", ok=False)
    assert result.exit_code != 0 and "Havnby" in result.output


def test_turns_of_some_sources_are_those_of_the_whole_table(project_path, tmp_path):
    """A few sources' turns, read from the kept table's pieces or from the turns, are the rows of the
    whole turn table for those sources, with the speaker labels and timestamps of turn_labels; once
    the kept table changes the places found before are not used."""
    import sqlite3

    import numpy as np

    copy = tmp_path / "copy.db"  # this test changes the project
    with sqlite3.connect(project_path) as source, sqlite3.connect(copy) as target:
        source.backup(target)
    with Project.open(copy) as project:
        store = project.store
        whole, (speakers, timestamps) = store.turn_columns(), store.turn_labels()
        kept = store.kept_turns()
        assert kept is not None
        ids = sorted(s["id"] for s in store.source_names())
        for some in (ids[:1], ids[1:4], ids[::2], ids, []):
            rows = np.flatnonzero(np.isin(whole["source_id"], some))
            for places in (kept, None):
                columns, said, when = store.turns_of(some, kept=places)
                assert len(rows) == 0 or len(columns["start"]) > 0
                for name in store.TURN_COLUMNS:
                    assert columns[name].tolist() == whole[name][rows].tolist(), name
                assert said == [speakers[i] for i in rows] and when == [timestamps[i] for i in rows]
        # a turn of the first source moved to the second: the kept table is made again, of the same size,
        # but the sources' rows are no longer where they were, and the places found before say so
        first_turn = store.db.execute("SELECT min(id) FROM turns WHERE source_id = ?", (ids[0],)).fetchone()[0]
        with project.transaction():
            store.db.execute("UPDATE turns SET source_id = ?, idx = 10000 WHERE id = ?", (ids[1], first_turn))
        remade = store.kept_turns()
        assert remade.size == kept.size
        remade.close()
        assert kept.read(ids[:1]) is None and kept.read(ids[1:2]) is None
        kept.close()
        again = store.kept_turns()
        assert again.read(ids[:2])[0].tolist() == store.turns_of(ids[:2])[0]["source_id"].tolist()
        again.close()
