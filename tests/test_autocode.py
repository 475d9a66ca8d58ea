"""Lemma-aware auto-coding through the library and the CLI, on real transcript files and projects."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

from coding import Project

from cli_helpers import run

ROOT = Path(__file__).resolve().parent.parent

CODEBOOK = """\
name: Test themes
version: 1
codes:
  - id: belief
    labels: {da: Tro på borgeren, en: Belief}
    definition: Tro på, at borgeren kan arbejde.
    rules:
      da:
        phrases: [tro på]
        near:
          - {terms: [forventning], with: [borger], within: 6}
      en:
        phrases: [believe in]
  - id: leadership
    labels: {da: Ledelse, en: Leadership}
    definition: Ledelse.
    rules:
      da:
        terms: [leder, ledelse]
        unless: [leder efter]
      en:
        terms: [manager]
    children:
      - id: production_management
        labels: {da: Produktionsstyring, en: Production management}
        definition: Måltal.
        rules:
          da: {terms: [måltal, dashboard*]}
  - id: capacity
    labels: {da: Kapacitet, en: Capacity}
    definition: Konsulenter.
    rules:
      da: {terms: [konsulent]}
    children:
      - id: caseload
        labels: {da: Sagsstamme, en: Caseload}
        definition: Sager per medarbejder.
        rules:
          da:
            terms: [sagsstamme]
            patterns:
              - [{LIKE_NUM: true, LOWER: {NOT_IN: [en, et]}}, {LEMMA: sag}]
  - id: citizens
    labels: {da: Borgere, en: Citizens}
    definition: Tal om borgerne.
    rules:
      da: {terms: [borger, tro]}
"""

NORDBY = """\
Interviewer: Hvordan har ledelsen arbejdet med borgerne?

Anne (VK): Borgerne kom hurtigere i gang. Vi talte med borgeren hver uge. Jeg kender en borger, der fik job.
Virksomhedskonsulenterne har fået flere konsulenttimer. Sagsstammen er nede på 40 sager.

Interviewer: Og afdelingslederne?

Anne (VK): Afdelingslederne følger op på måltallene på dashboardet. Jeg leder efter en ny lejlighed.
Hun er troværdig. Vi tror på, at de kan. Forventningen er, at hver eneste borger kommer i praktik.
"""

ENGLISH = """\
Interviewer: How did the managers work?

Sam (VK): Our manager believed in the citizens from day one. The citizen stories helped.
"""


@pytest.fixture
def setup(tmp_path):
    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "nordby.txt").write_text(NORDBY, encoding="utf-8")
    (tmp_path / "corpus" / "harbour.txt").write_text(ENGLISH, encoding="utf-8")
    codebook = tmp_path / "codebook.yaml"
    codebook.write_text(CODEBOOK, encoding="utf-8")
    db = tmp_path / "p.db"
    run(db, "import", str(tmp_path / "corpus"))
    return db, codebook, tmp_path


def codings(db: Path, **filters) -> list[dict]:
    with Project.open(db) as project:
        return project.codings(**filters)


def by_code(db: Path) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for record in codings(db, origin="auto"):
        out.setdefault(record["code"], []).append(record)
    return out


def snapshot(db: Path) -> list[tuple]:
    with sqlite3.connect(db) as con:
        return sorted(con.execute(
            "SELECT s.name, c.start, c.\"end\", k.code, c.coder, c.origin, c.rule, c.matched, c.guid "
            "FROM codings c JOIN sources s ON s.id = c.source_id JOIN codes k ON k.id = c.code_id"))


def test_lemmas_compounds_phrases_near_patterns_and_unless(setup):
    db, codebook, _ = setup
    out = run(db, "autocode", "--codebook", str(codebook)).output
    assert "coded 2 source(s) in full" in out
    found = by_code(db)
    citizens = [r["text"] for r in found["citizens"]]
    # inflections and a capitalised sentence opener are one lemma: Borgerne, borgeren, borger
    assert "Borgerne kom hurtigere i gang." in citizens
    assert "Vi talte med borgeren hver uge." in citizens
    assert "Jeg kender en borger, der fik job." in citizens
    # "tro" is shorter than min_part_length: it matches "tror" but not the compound "troværdig"
    assert "Hun er troværdig." not in citizens
    assert "Vi tror på, at de kan." in citizens
    # compounds: head (virksomhedskonsulenterne), modifier (konsulenttimer), unknown inflected compound
    capacity = {r["text"]: r["matched"] for r in found["capacity"]}
    assert capacity["Virksomhedskonsulenterne har fået flere konsulenttimer."] == \
        "Virksomhedskonsulenterne, konsulenttimer"
    caseload = {r["text"]: r for r in found["caseload"]}
    record = caseload["Sagsstammen er nede på 40 sager."]
    assert record["matched"] == "Sagsstammen, 40 sager"
    assert record["rule"] == "term sagsstamme; pattern 1"
    assert record["code_path"] == "capacity/caseload"
    # compound head with an inflection, wildcard, and "leder efter" cancelling the verb "leder"
    assert [r["text"] for r in found["leadership"] if r["source"] == "nordby.txt"] == [
        "Afdelingslederne følger op på måltallene på dashboardet."]
    production = found["production_management"][0]
    assert production["matched"] == "måltallene, dashboardet"
    # phrase (tro på with an inflected verb) and near (forventning ... borger within 6 tokens)
    belief = {r["text"]: r["rule"] for r in found["belief"] if r["source"] == "nordby.txt"}
    assert belief["Vi tror på, at de kan."] == "phrase tro på"
    assert belief["Forventningen er, at hver eneste borger kommer i praktik."] == "near forventning~borger ≤6"
    # every coding: origin auto, coder autocode, respondents only
    for record in codings(db):
        assert (record["origin"], record["coder"], record["role"]) == ("auto", "autocode", "Virksomhedskonsulent")
        assert record["rule"] and record["matched"]


def test_near_respects_the_distance(tmp_path):
    book = yaml.safe_load(CODEBOOK)
    book["codes"][0]["rules"]["da"]["near"][0]["within"] = 2
    (tmp_path / "t.txt").write_text("Anne: Forventningen er, at hver eneste borger kommer i praktik.\n",
                                    encoding="utf-8")
    with Project.open(tmp_path / "p.db") as project:
        project.import_paths([tmp_path / "t.txt"])
        report = project.autocode(book, dry_run=True, collect=True)
        assert [p["code"] for p in report.planned] == ["citizens"]
        book["codes"][0]["rules"]["da"]["near"][0]["within"] = 6
        report = project.autocode(book, dry_run=True, collect=True)
        assert sorted(p["code"] for p in report.planned) == ["belief", "citizens"]


def test_english_path(setup):
    db, codebook, _ = setup
    run(db, "autocode", "--codebook", str(codebook))
    english = [r for r in codings(db) if r["source"] == "harbour.txt"]
    assert {(r["code"], r["text"], r["matched"]) for r in english} == {
        ("leadership", "Our manager believed in the citizens from day one.", "manager"),
        ("belief", "Our manager believed in the citizens from day one.", "believed in"),
    }  # the interviewer's "managers" is not coded


def test_include_interviewer_and_turn_unit(setup):
    db, codebook, _ = setup
    run(db, "autocode", "--codebook", str(codebook), "--include-interviewer", "--unit", "turn")
    texts = {(r["code"], r["role"]) for r in codings(db)}
    assert ("leadership", "Interviewer") in texts
    with Project.open(db) as project:
        source = project.source("nordby.txt")
        turns = {(t["start"], t["end"]) for t in project.store.turns(source["id"])}
    for record in codings(db, source="nordby.txt"):
        assert (record["start"], record["end"]) in turns  # whole turns


def test_rerun_is_idempotent_and_skips_unchanged_sources(setup):
    db, codebook, _ = setup
    run(db, "autocode", "--codebook", str(codebook))
    first = snapshot(db)
    out = run(db, "autocode").output
    assert "coded 0 source(s) in full, 0 in part (changed codes only), skipped 2 unchanged" in out
    assert snapshot(db) == first  # nothing touched, same GUIDs
    out = run(db, "autocode", "--force").output
    assert "coded 2 source(s) in full" in out and f"replacing {len(first)} earlier ones" in out
    again = snapshot(db)
    assert [row[:8] for row in again] == [row[:8] for row in first]  # same codings, new rows


def test_human_codings_are_never_touched(setup):
    db, codebook, _ = setup
    run(db, "codebook", "import", str(codebook))
    with Project.open(db) as project:
        store = project.store
        with store.transaction():
            source_id = project.source("nordby.txt")["id"]
            code_id = store.code_by_code("leadership")["id"]
            store.insert_codings([
                {"source_id": source_id, "start": 60, "end": 80, "code_id": code_id, "coder": "anna", "origin": "manual"},
                {"source_id": source_id, "start": 90, "end": 99, "code_id": code_id, "coder": "autocode",
                 "origin": "refi"},
            ])
    before = [r for r in snapshot(db) if r[5] != "auto"]
    run(db, "autocode")
    run(db, "autocode", "--force", "--unit", "turn")
    after = [r for r in snapshot(db) if r[5] != "auto"]
    assert after == before and len(after) == 2


def test_dry_run_changes_nothing(setup):
    db, codebook, _ = setup
    before = db.read_bytes()
    out = run(db, "autocode", "--codebook", str(codebook), "--dry-run", "--format", "json").output
    data = json.loads(out)
    assert data["dry_run"] is True and data["codings"] == len(data["planned"]) > 0
    assert {"source", "start", "end", "code", "rule", "matched"} <= set(data["planned"][0])
    with sqlite3.connect(db) as con:
        assert con.execute("SELECT count(*) FROM codes").fetchone()[0] == 0
        assert con.execute("SELECT count(*) FROM codings").fetchone()[0] == 0
        assert con.execute("SELECT count(*) FROM autocode_state").fetchone()[0] == 0
    run(db, "autocode", "--codebook", str(codebook))
    coded = snapshot(db)
    out = run(db, "autocode", "--dry-run", "--force").output
    assert out.startswith("dry run: would code 2 source(s) in full")
    assert snapshot(db) == coded
    assert before  # the project existed before the dry run


def test_auto_codings_get_distinct_well_formed_guids_that_last(setup):
    """GUIDs of auto-codings come from a cheap time-ordered sequence (UUID version 7 layout), not
    uuid4: every one a valid GUID for REFI-QDA, none repeated within or across runs, unchanged
    once stored."""
    import uuid

    from coding.refi.guids import GUID_RE

    db, codebook, _ = setup
    run(db, "autocode", "--codebook", str(codebook))
    first = [row[8] for row in snapshot(db)]
    assert len(first) > 5 and len(set(first)) == len(first)
    assert all(GUID_RE.match(g) and uuid.UUID(g).version == 7 for g in first)
    run(db, "autocode")  # unchanged: the stored GUIDs stay
    assert [row[8] for row in snapshot(db)] == first
    run(db, "autocode", "--force")  # redone with the project opened anew: new rows, new GUIDs, none reused
    again = [row[8] for row in snapshot(db)]
    assert len(set(again)) == len(again) and not set(again) & set(first)


def test_incremental_rerun_redoes_only_changed_sources_and_codes(setup):
    db, codebook, tmp_path = setup
    run(db, "autocode", "--codebook", str(codebook))
    first = {r[8]: r for r in snapshot(db)}
    # a changed transcript: only that source is redone
    changed = NORDBY.replace("Vi talte med borgeren hver uge.", "Vi talte med lederen hver uge.")
    (tmp_path / "corpus" / "nordby.txt").write_text(changed, encoding="utf-8")
    run(db, "import", "--replace", str(tmp_path / "corpus" / "nordby.txt"))
    out = run(db, "autocode", "--format", "json").output
    data = json.loads(out)
    assert data["sources_coded"] == ["nordby.txt"] and data["sources_skipped"] == ["harbour.txt"]
    english_guids = {g for g, r in first.items() if r[0] == "harbour.txt"}
    assert english_guids <= {r[8] for r in snapshot(db)}
    assert "Vi talte med lederen hver uge." in [r["text"] for r in codings(db, code="leadership")]
    # a changed rule of one code: only that code is redone; other codes keep their rows (GUIDs)
    current = {r[8]: r for r in snapshot(db)}
    edited = CODEBOOK.replace("da: {terms: [konsulent]}", "da: {terms: [konsulent, praktik]}")
    codebook.write_text(edited, encoding="utf-8")
    data = json.loads(run(db, "autocode", "--codebook", str(codebook), "--format", "json").output)
    # the English source has no capacity rules, so its fingerprint for that code did not change
    assert data["sources_partial"] == ["nordby.txt"] and data["sources_skipped"] == ["harbour.txt"]
    now = {r[8]: r for r in snapshot(db)}
    kept = {g for g, r in current.items() if r[3] != "capacity"}
    assert kept <= set(now)
    assert any(r[3] == "capacity" and r[7] == "praktik" for r in now.values())
    # a manifest that changes who is the interviewer changes the selection: redone
    (tmp_path / "m.csv").write_text("source,speaker,participant,role\nnordby.txt,Anne (VK),P1,Interviewer\n",
                                    encoding="utf-8")
    run(db, "import", "--manifest", str(tmp_path / "m.csv"))
    data = json.loads(run(db, "autocode", "--format", "json").output)
    assert data["sources_coded"] == ["nordby.txt"]
    assert codings(db, source="nordby.txt") == []


def test_source_fingerprint_follows_the_text_the_units_and_the_settings():
    from coding.autocode.plan import source_fingerprint as _fingerprint

    units = np.array([[0, 0, 10], [1, 12, 40]], dtype=np.int64)
    first = _fingerprint(b"settings", "text", units)
    assert first == _fingerprint(b"settings", "text", units.astype(np.int32))   # positions, not their type
    assert first == _fingerprint(b"settings", "text", units + [[7, 0, 0]])      # the turns' keys do not count
    changed = {_fingerprint(b"other settings", "text", units), _fingerprint(b"settings", "other text", units),
               _fingerprint(b"settings", "text", units[:1]), _fingerprint(b"settings", "text", units + [[0, 0, 1]]),
               _fingerprint(b"settings", "text", units[:, [0, 2, 1]])}
    assert first not in changed and len(changed) == 5


def auto_totals_by_top_level(db: Path) -> dict[str, int]:
    """Every automatic coding of the project, counted under its top-level code, read from the table."""
    with sqlite3.connect(db) as con:
        codes = {i: (code, parent) for i, code, parent in con.execute("SELECT id, code, parent_id FROM codes")}
        totals: dict[str, int] = {}
        for code_id, n in con.execute("SELECT code_id, count(*) FROM codings WHERE origin = 'auto' GROUP BY code_id"):
            while codes[code_id][1] is not None:
                code_id = codes[code_id][1]
            totals[codes[code_id][0]] = totals.get(codes[code_id][0], 0) + n
    return totals


def test_totals_after_a_run_count_every_automatic_coding_whoever_made_it(setup):
    """A run that replaced every automatic coding takes its totals from what it stored; any other
    run (sources skipped or partly redone, another coder's automatic codings) counts the table.
    Either way the totals are the table's."""
    db, codebook, tmp_path = setup
    with Project.open(db) as project:
        first = project.autocode(codebook)
        assert first.auto_after is not None and sum(first.auto_after.values()) == first.codings > 0
        assert first.totals_by_top_level == auto_totals_by_top_level(db)
        skipped = project.autocode(codebook)
        assert skipped.auto_after is None and skipped.codings == 0
        assert skipped.totals_by_top_level == auto_totals_by_top_level(db)
        forced = project.autocode(codebook, force=True)
        assert forced.auto_after is not None and forced.totals_by_top_level == auto_totals_by_top_level(db)
        store = project.store
        source, code_id = store.db.execute("SELECT source_id, code_id FROM codings LIMIT 1").fetchone()
        with project.transaction():
            store.insert_codings([{"source_id": source, "start": 0, "end": 4, "code_id": code_id,
                                   "coder": "other-tool", "origin": "auto"}])
        again = project.autocode(codebook, force=True)
        assert again.auto_after is None
        assert again.totals_by_top_level == auto_totals_by_top_level(db)
        assert sum(again.totals_by_top_level.values()) == again.codings + 1
    edited = CODEBOOK.replace("da: {terms: [konsulent]}", "da: {terms: [konsulent, praktik]}")
    codebook.write_text(edited, encoding="utf-8")
    with Project.open(db) as project:
        partial = project.autocode(codebook)
        assert partial.partial and partial.auto_after is None
        assert partial.totals_by_top_level == auto_totals_by_top_level(db)


def test_worker_processes_give_the_same_codings(setup):
    db, codebook, _ = setup
    run(db, "autocode", "--codebook", str(codebook), "--jobs", "1")
    one = [r[:8] for r in snapshot(db)]
    out = run(db, "autocode", "--force", "--jobs", "2").output
    assert "2 process(es)" in out
    assert [r[:8] for r in snapshot(db)] == one


def test_codings_do_not_depend_on_how_the_sources_are_cut_into_tasks(setup, monkeypatch):
    from coding.autocode import runner as autocode

    db, codebook, _ = setup
    run(db, "autocode", "--codebook", str(codebook), "--jobs", "1")
    whole = [r[:8] for r in snapshot(db)]
    assert len(whole) > 5
    # one character a task: every unit (a turn) becomes a part of its own and every part a task of its own
    monkeypatch.setattr(autocode, "task_chars", lambda characters, jobs: 1)
    parts_per_source = []
    cut = autocode.source_parts

    def counted(*args):
        parts = cut(*args)
        parts_per_source.append(len(parts))
        return parts

    monkeypatch.setattr(autocode, "source_parts", counted)
    for jobs in ("1", "2"):
        run(db, "autocode", "--force", "--jobs", jobs)
        assert [r[:8] for r in snapshot(db)] == whole
    assert len(parts_per_source) == 4 and max(parts_per_source) > 1


def test_task_size_grows_with_the_run_between_its_bounds():
    from coding.autocode import TASK_CHARS, TASK_CHARS_MAX, TASKS_PER_WORKER, task_chars

    assert task_chars(100_000, 2) == TASK_CHARS              # a small run keeps tasks to share
    middle = (TASK_CHARS + TASK_CHARS_MAX) // 2
    assert task_chars(middle * 2 * TASKS_PER_WORKER, 2) == middle
    assert task_chars(55_000_000, 2) == TASK_CHARS_MAX       # 10M words: fewer, larger tasks
    assert task_chars(100_000, 1) == TASK_CHARS_MAX          # one process: nothing to share


def test_long_turn_is_split_without_losing_offsets(tmp_path):
    filler = "Det var en almindelig dag på kontoret med kaffe og mails. " * 2000  # ~120,000 characters
    text = f"Anne: {filler}Til sidst talte lederen med os. {filler}Sagsstammen var høj.\n"
    (tmp_path / "long.txt").write_text(text, encoding="utf-8")
    (tmp_path / "cb.yaml").write_text(CODEBOOK, encoding="utf-8")
    with Project.open(tmp_path / "p.db") as project:
        project.import_paths([tmp_path / "long.txt"])
        report = project.autocode(tmp_path / "cb.yaml")
        assert report.codings == 2
        found = {r["code"]: r["text"] for r in project.codings()}
    assert found == {"leadership": "Til sidst talte lederen med os.", "caseload": "Sagsstammen var høj."}


def test_show_and_codings_listing_after_autocode(setup):
    db, codebook, _ = setup
    out = run(db, "autocode", "--codebook", str(codebook)).output
    assert "code" in out and "Ledelse" in out and "total_auto" in out
    records = json.loads(run(db, "codings", "--format", "json").output)
    required = {"source", "start", "end", "text", "code", "code_path", "coder", "origin", "speaker",
                "participant", "role"}
    assert required <= set(records[0])
    shown = json.loads(run(db, "show", "nordby.txt", "--format", "json").output)
    codes_of_turns = [t["codes"] for t in shown["turns"]]
    assert codes_of_turns[0] == [] and "capacity" in codes_of_turns[1]


def test_clear_errors_leave_the_project_unchanged(setup):
    db, codebook, tmp_path = setup
    result = run(db, "autocode", ok=False)
    assert result.exit_code == 1
    assert "the project has no codebook; import one with 'coding codebook import FILE'" in result.output
    bad = tmp_path / "bad.yaml"
    bad.write_text(CODEBOOK.replace("    definition: Konsulenter.\n", "    definiton: Konsulenter.\n"),
                   encoding="utf-8")
    result = run(db, "autocode", "--codebook", str(bad), ok=False)
    assert result.exit_code == 1
    line = bad.read_text(encoding="utf-8").splitlines().index("    definiton: Konsulenter.") + 1
    assert f"{bad}, line {line}: unknown key 'definiton' in code 'capacity'" in result.output
    assert "Traceback" not in result.output
    no_rules = tmp_path / "norules.yaml"
    no_rules.write_text("codes:\n  - id: a\n    labels: {da: A}\n", encoding="utf-8")
    result = run(db, "autocode", "--codebook", str(no_rules), ok=False)
    assert "the codebook has no rules to auto-code with" in result.output
    assert snapshot(db) == []
    with sqlite3.connect(db) as con:
        assert con.execute("SELECT count(*) FROM codes").fetchone()[0] == 0


def test_quality_benchmark_prints_f1_on_a_gold_file(tmp_path):
    gold = tmp_path / "gold.yaml"
    gold.write_text(yaml.safe_dump([
        {"id": "g1", "language": "da", "role": "Leder", "text": "Ledelsen følger op på måltallene hver uge.",
         "themes": ["leadership"]},
        {"id": "g2", "language": "da", "role": "Sagsbehandler",
         "text": "Vi har fået to virksomhedskonsulenter mere.", "themes": ["capacity"]},
        {"id": "g3", "language": "da", "role": "Borger", "text": "Det regnede hele dagen.", "themes": []},
        {"id": "g4", "language": "en", "role": "Leder", "text": "The weather was fine.", "themes": ["leadership"]},
    ], allow_unicode=True), encoding="utf-8")
    codebook = tmp_path / "cb.yaml"
    codebook.write_text(CODEBOOK, encoding="utf-8")
    result = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "autocode_quality.py"), str(gold),
                             "--codebook", str(codebook)], capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert any(line.startswith("leadership") for line in lines)
    figures = json.loads(lines[-1])
    rows = {r["theme"]: r for r in figures["themes"]}
    assert rows["leadership"]["tp"] == 1 and rows["leadership"]["fn"] == 1
    assert rows["leadership"]["precision"] == 1.0 and rows["leadership"]["recall"] == 0.5
    assert rows["capacity"]["f1"] == 1.0
    assert figures["macro_f1"] == round((rows["leadership"]["f1"] + 1.0) / 2, 3)
    assert "macro-F1" in result.stdout


def test_sources_in_a_language_without_rules_are_recorded_not_coded(tmp_path):
    (tmp_path / "t.txt").write_text("Anne: Borgerne og lederne.\n", encoding="utf-8")
    book = yaml.safe_load(CODEBOOK)
    for code in book["codes"]:
        code.pop("children", None)
        code["rules"] = {"en": {"terms": ["manager"]}}
    with Project.open(tmp_path / "p.db") as project:
        project.import_paths([tmp_path / "t.txt"])
        report = project.autocode(book)
        assert (report.coded, report.codings) == (["t.txt"], 0)
        assert project.autocode(book).skipped == ["t.txt"]


def planned(tmp_path: Path, book: dict, lines: list[str], name: str = "t.txt") -> dict[str, set[str]]:
    """Dry-run ``book`` over one respondent turn per line; {sentence text: {codes}}."""
    path = tmp_path / name
    path.write_text("".join(f"Anne: {line}\n\n" for line in lines), encoding="utf-8")
    out: dict[str, set[str]] = {line: set() for line in lines}
    with Project.open(tmp_path / f"{name}.db") as project:
        project.import_paths([path])
        text = project.store.source_text(project.source(name)["id"])
        for p in project.autocode(book, dry_run=True, collect=True).planned:
            coded = text[p["start"]:p["end"]]
            for line in lines:
                if line in coded:
                    out[line].add(p["code"])
    return out


def one_code(lang: str, rules: dict) -> dict:
    return {"name": "t", "version": 1, "settings": {"compounds": {"da": True, "en": False}, "min_part_length": 4},
            "codes": [{"id": "theme", "labels": {"da": "Tema", "en": "Theme"}, "definition": "Test.",
                       "rules": {lang: rules}}]}


def test_phrases_skip_fillers_and_negation_but_not_other_words(tmp_path):
    book = one_code("da", {"phrases": ["tro på", "kan arbejde"]})
    lines = ["Jeg tror ikke på det.", "Vi tror virkelig på hende.", "Hun kan sagtens arbejde.",
             "Han kan jo ikke arbejde.", "Jeg tror, at det regner på fredag.", "Hun kan altså stadig ikke arbejde.",
             "Vi tror på dem."]
    found = planned(tmp_path, book, lines)
    assert {line for line, codes in found.items() if codes} == {
        "Jeg tror ikke på det.", "Vi tror virkelig på hende.", "Hun kan sagtens arbejde.",
        "Han kan jo ikke arbejde.", "Vi tror på dem."}  # three fillers are too many; "at det regner" are words
    english = planned(tmp_path, one_code("en", {"phrases": ["believe in"]}),
                      ["I really believe in them.", "I believe that in time it works."], name="e.txt")
    assert english == {"I really believe in them.": {"theme"}, "I believe that in time it works.": set()}


def test_one_word_term_in_an_inflected_form_stands_for_that_form(tmp_path):
    english = one_code("en", {"terms": ["staffing", "backing"], "phrases": ["got a job"]})
    found = planned(tmp_path, english, ["My back hurts.", "The staff were kind.", "Staffing is thin.",
                                        "The backing of our director helped.", "She will get a job soon."],
                    name="e.txt")
    assert {line for line, codes in found.items() if codes} == {
        "Staffing is thin.", "The backing of our director helped.",
        "She will get a job soon."}   # inside a phrase a word still finds its lemma's other forms
    danish = one_code("da", {"terms": ["mødes", "ansat"]})
    found = planned(tmp_path, danish, ["Vi mødes hver uge.", "Vi holdt et statusmøde.", "Han er ansat nu.",
                                      "De vil ansætte to."])
    assert {line for line, codes in found.items() if codes} == {"Vi mødes hver uge.", "Han er ansat nu."}
    # a term in its base form still finds inflections and compounds
    found = planned(tmp_path, one_code("da", {"terms": ["møde"]}), ["Vi holdt et statusmøde.", "Møderne er lange."],
                    name="m.txt")
    assert all(found.values())


def test_lemma_fixes_for_common_words_missing_from_the_table(tmp_path):
    book = one_code("da", {"terms": ["syg", "leder", "kollega", "rådgiver"]})
    lines = ["De er for syge til det.", "Lederne bakker op.", "Mine kolleger hjælper.", "Rådgiverne ringer.",
             "Det regner i dag."]
    found = planned(tmp_path, book, lines)
    assert {line for line, codes in found.items() if codes} == set(lines[:4])


def test_dev_set_is_a_well_formed_labelled_set():
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from autocode_quality import load_gold

    turns = load_gold(ROOT / "tests" / "data" / "dev_turns.yaml")
    assert len(turns) >= 150 and len({t["id"] for t in turns}) == len(turns)
    assert {t["language"] for t in turns} == {"da", "en"}
    themes = {theme for t in turns for theme in t["themes"]}
    assert themes == {"belief", "leadership", "internal_collaboration", "capacity"}
    assert sum(1 for t in turns if not t["themes"]) >= 20


def test_rerun_with_the_same_codebook_file_skips_the_import_only_while_nothing_changed(setup):
    from coding.codebook import codebook_unchanged

    db, codebook, _ = setup
    run(db, "autocode", "--codebook", str(codebook))
    first = snapshot(db)
    with Project.open(db) as project:
        assert codebook_unchanged(project.store, str(codebook))
        assert not codebook_unchanged(project.store, str(codebook) + "x")
    out = run(db, "autocode", "--codebook", str(codebook)).output
    assert "skipped 2 unchanged" in out and snapshot(db) == first
    # the project's codes edited behind the file's back: the file is imported again and wins
    with sqlite3.connect(db) as con:
        con.execute("UPDATE codes SET labels = '{\"da\": \"Andet\"}' WHERE code = 'leadership'")
    with Project.open(db) as project:
        assert not codebook_unchanged(project.store, str(codebook))
    run(db, "autocode", "--codebook", str(codebook))
    with sqlite3.connect(db) as con:
        labels = con.execute("SELECT labels FROM codes WHERE code = 'leadership'").fetchone()[0]
    assert "Andet" not in labels
    with Project.open(db) as project:
        assert codebook_unchanged(project.store, str(codebook))
    # the file edited (even without a rule change): no longer unchanged
    codebook.write_text(CODEBOOK + "\n# a comment\n", encoding="utf-8")
    with Project.open(db) as project:
        assert not codebook_unchanged(project.store, str(codebook))
    assert snapshot(db) == first


def test_lemma_table_is_cached_and_a_broken_cache_is_read_around(tmp_path, monkeypatch):
    from coding.autocode import lemmas

    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "lemma-da-1-2.marshal").write_bytes(b"a copy in the layout of an older release")
    monkeypatch.setenv("CODING_CACHE_DIR", str(cache))
    monkeypatch.setattr(lemmas, "_TABLES", {})
    first = lemmas.lemma_table("da")
    files = list(cache.glob("lemma*-da-*.marshal"))
    assert [f.name.split("-")[0] for f in files] == [f"lemma{lemmas.CACHE_FORMAT}"]   # the old copy removed
    # copies of other releases (other environments) are kept, up to KEEP_COPIES in all
    others = [cache / f"lemma{lemmas.CACHE_FORMAT}-da-{'%024x' % i}.marshal" for i in range(lemmas.KEEP_COPIES)]
    for age, other in enumerate(others):
        other.write_bytes(b"another release's copy")
        os.utime(other, (1_000_000 - age, 1_000_000 - age))   # others[0] the newest of them
    assert first["borgerne"] == "borger" and first["lederne"] == "leder" and len(first) > 500_000
    sample = ["borgerne", "lederne", "sagsbehandlerne", "virksomhederne", "xyzzy", "kolleger"]
    expected = [first.get(w) for w in sample]
    monkeypatch.setattr(lemmas, "_TABLES", {})
    again = lemmas.lemma_table("da")                          # read from the cached copy
    assert again is not first and [again.get(w) for w in sample] == expected and len(again) == len(first)
    assert len(list(cache.glob("lemma*-da-*.marshal"))) == lemmas.KEEP_COPIES + 1   # reading removes nothing
    files[0].write_bytes(b"not a table")
    monkeypatch.setattr(lemmas, "_TABLES", {})
    assert [lemmas.lemma_table("da").get(w) for w in sample] == expected   # broken copy: the JSON is read again
    assert files[0].read_bytes() != b"not a table"           # ... and the copy written anew
    assert sorted(cache.glob("lemma*-da-*.marshal")) == sorted([files[0], *others[:lemmas.KEEP_COPIES - 1]])
    monkeypatch.setenv("CODING_CACHE_DIR", "")               # caching switched off
    monkeypatch.setattr(lemmas, "_TABLES", {})
    assert [lemmas.lemma_table("da").get(w) for w in sample] == expected


def test_lemma_table_answers_as_the_dict_it_was_made_from():
    """Every form, lemma and non-word of a table made from a dict answers as the dict does (260 of
    these 3,000 forms sit past their own slot, so probing is tried); fixes take precedence."""
    from coding.autocode.lemmas import LemmaTable

    table = {f"form{i}": f"lemma{i % 37}" for i in range(3000)}
    table.update({"æble": "æble", "æblerne": "æble", "co-operation": "co-operation", "bad\nform": "x"})
    lemmas = LemmaTable.from_dict(table, {"form7": "fixed", "new": "fresh"})
    assert lemmas.get("form7") == "fixed" and lemmas["new"] == "fresh" and lemmas.get("form8") == "lemma8"
    assert all(lemmas.get(form) == lemma for form, lemma in table.items() if form not in ("form7", "bad\nform"))
    assert "bad\nform" not in lemmas and "form3000" not in lemmas and lemmas.get("nothing", "-") == "-"
    assert lemmas.is_lemma("lemma36") and lemmas.is_lemma("fixed") and not lemmas.is_lemma("lemma37")
    assert len(lemmas) == len(table) - 1 + 1                 # the newline form left out, "new" added
    assert dict(lemmas.items())["form7"] == "fixed"
    with pytest.raises(KeyError):
        lemmas["form3000"]
    with pytest.raises(ValueError):
        LemmaTable(("a", b"", b"\x01\x00\x00\x00"))          # arrays that do not fit together


def _collector_state(_=None):
    import gc
    return gc.isenabled(), gc.get_freeze_count() > 0


def _full_collections(_=None):
    import gc
    return gc.get_stats()[2]["collections"]


def test_garbage_collector_is_paused_during_a_run_and_given_back(setup, tmp_path):
    import gc

    from coding.autocode import Workers, early_workers, paused_gc

    db, codebook, _ = setup
    project = Project.open(db)
    assert gc.isenabled()
    project.autocode(codebook, jobs=2)
    assert gc.isenabled()           # back on after a run
    gc.disable()
    try:
        project.autocode(codebook, jobs=1, force=True)
        assert not gc.isenabled()   # a caller's choice is kept
    finally:
        gc.enable()
    with paused_gc():
        assert not gc.isenabled()
        with pytest.raises(ZeroDivisionError):
            with paused_gc():
                1 / 0
        assert not gc.isenabled()   # the inner pause gives back the state it found
    assert gc.isenabled()
    project.close()
    # workers run without the automatic collector, their start-up objects frozen out of it
    fresh = tmp_path / "fresh.db"
    run(fresh, "import", str(tmp_path / "corpus"))
    with Project.open(fresh) as other, early_workers(other.store, 2) as workers:
        assert isinstance(workers, Workers)
        assert _collector_state() == (True, False)     # frozen only while the workers were forked
        assert set(workers.pool.map(_collector_state, range(4), chunksize=1)) == {(False, True)}
    assert _collector_state() == (True, False)
    gc.freeze()                                        # a caller's own frozen objects stay frozen
    try:
        with Project.open(fresh) as other, early_workers(other.store, 2) as workers:
            assert workers.pool.apply(_collector_state) == (False, True)
        assert _collector_state() == (True, True)
    finally:
        gc.unfreeze()
    gc.disable()                 # (no automatic collection in this process meanwhile)
    try:
        before = _full_collections()
        with Project.open(fresh) as other, early_workers(other.store, 2) as workers:
            # a forked worker got this process's objects frozen: it never walked them all
            assert set(workers.pool.map(_full_collections, range(4), chunksize=1)) == {before}
    finally:
        gc.enable()
