"""Memos on the project, a source, a code and a coding, through the real CLI on the sample corpus;
their way through a REFI round trip (with the analyst's summaries and case statuses); an old
project's coding memos moved into the memo table."""

from __future__ import annotations

import json
import shutil
import sqlite3
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from coding import Project
from coding.store import MIGRATIONS

from cli_helpers import run

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "transcripts_sample"
FIXTURES = ROOT.parent / "shared" / "fixtures" / "refi"


@pytest.fixture(scope="module")
def coded_sample(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("sample") / "sample.db"
    run(db, "import", str(SAMPLE), "--manifest", str(SAMPLE / "participants.csv"))
    run(db, "codebook", "import", str(ROOT / "codebooks" / "stv.yaml"))
    run(db, "autocode")
    return db


@pytest.fixture
def sample(coded_sample, tmp_path) -> Path:
    db = tmp_path / "p.db"
    shutil.copy(coded_sample, db)
    return db


def memo_list(db: Path, *args: str) -> list[dict]:
    return json.loads(run(db, "memo", "list", "--format", "json", *args).output)


def first_coding(db: Path) -> dict:
    return json.loads(run(db, "codings", "--format", "json", "--source", "nordby_leder.docx").output)[0]


def test_memos_on_every_kind_of_thing_listed_shown_edited_deleted(sample):
    coding = first_coding(sample)
    assert run(sample, "memo", "add", "To kommuner mangler endnu.", "--author", "anna").output \
        == "memo 1 added on project\n"
    run(sample, "memo", "add", "Lederen taler hurtigt.", "--source", "nordby_leder.docx", "--author", "bo")
    run(sample, "memo", "add", "Tillid før kontrol.", "--code", coding["code"], "--author", "anna")
    out = run(sample, "memo", "add", "Gælder hele teamet.", "--coding", str(coding["id"]), "--author", "bo").output
    assert f"coding {coding['id']} ({coding['code']} by {coding['coder']} in nordby_leder.docx" in out

    memos = memo_list(sample)
    assert [(m["id"], m["on"], m["author"]) for m in memos] == [
        (1, "project", "anna"), (2, "source", "bo"), (3, "code", "anna"), (4, "coding", "bo")]
    assert all(m["created_at"] and not m["updated_at"] for m in memos)
    assert memos[3]["quote"] == coding["text"] and memos[3]["coding"] == coding["id"]
    # filters: by source (its memos and its codings' memos), by code, by author, by kind
    assert [m["id"] for m in memo_list(sample, "--source", "nordby_leder.docx")] == [2, 4]
    assert [m["id"] for m in memo_list(sample, "--code", coding["code"])] == [3, 4]
    assert [m["id"] for m in memo_list(sample, "--author", "anna")] == [1, 3]
    assert [m["id"] for m in memo_list(sample, "--on", "coding")] == [4]

    shown = run(sample, "memo", "show", "4").output
    assert "by bo" in shown and coding["text"][:30] in shown and shown.rstrip().endswith("Gælder hele teamet.")
    # the coding's memo shows in the codings listing and is marked in `coding show`
    assert first_coding(sample)["memo"] == "Gælder hele teamet."
    show = run(sample, "show", "nordby_leder.docx").output
    assert f"{coding['code']} [memo 4]" in show

    run(sample, "memo", "edit", "4", "Gælder kun den ene leder.")
    edited = json.loads(run(sample, "memo", "show", "4", "--format", "json").output)
    assert edited["text"] == "Gælder kun den ene leder." and edited["updated_at"]
    assert run(sample, "memo", "delete", "2").output.startswith("memo 2 on source nordby_leder.docx deleted")
    assert [m["id"] for m in memo_list(sample)] == [1, 3, 4]


def test_memo_mistakes_are_one_line_errors_and_change_nothing(sample):
    bad = [(["memo", "add", "x", "--source", "ukendt.docx"], "no source named 'ukendt.docx'"),
           (["memo", "add", "x", "--code", "ingen_kode"], "no code 'ingen_kode'"),
           (["memo", "add", "x", "--coding", "999999"], "no coding with id 999999"),
           (["memo", "add", "x", "--source", "nordby_leder.docx", "--code", "capacity"], "only one of"),
           (["memo", "add", "   "], "a memo needs some text"),
           (["memo", "show", "77"], "no memo with id 77"),
           (["memo", "edit", "77", "y"], "no memo with id 77"),
           (["memo", "delete", "77"], "no memo with id 77")]
    for args, message in bad:
        result = run(sample, *args, ok=False)
        assert result.exit_code == 1 and message in result.output, (args, result.output)
        assert "Traceback" not in result.output
    assert memo_list(sample) == []


def test_word_comment_memos_appear_in_the_memo_list(tmp_path):
    import docx

    document = docx.Document()
    paragraph = document.add_paragraph()
    paragraph.add_run("Interviewer:").bold = True
    paragraph.add_run(" Hvordan går det med holdet?")
    answer = document.add_paragraph()
    answer.add_run("Sofie (L):").bold = True
    run_ = answer.add_run(" Vi har fået to nye kolleger i Vestervig.")
    document.add_comment([run_], text="Spørg til hvornår de startede", author="anna", initials="A")
    path = tmp_path / "vestervig_leder.docx"
    document.save(path)
    db = tmp_path / "p.db"
    run(db, "import", str(path))
    memos = memo_list(db)
    assert [(m["on"], m["author"], m["origin"], m["text"]) for m in memos] == [
        ("span", "anna", "word-comment", "Spørg til hvornår de startede")]
    assert memos[0]["quote"].strip() == "Vi har fået to nye kolleger i Vestervig."


def test_memos_summaries_and_case_statuses_survive_a_refi_round_trip(sample, tmp_path):
    coding = first_coding(sample)
    run(sample, "memo", "add", "Projektnote.", "--author", "anna")
    run(sample, "memo", "add", "Kodenote.", "--code", "capacity", "--author", "anna")
    run(sample, "memo", "add", "Kodningsnote.", "--coding", str(coding["id"]), "--author", "bo")
    run(sample, "memo", "add", "Kildenote.", "--source", "kildemose_leder.docx", "--author", "bo")
    run(sample, "summary", "set", "Nordby", "capacity", "Travlt, men stabilt.")
    run(sample, "case", "status", "Nordby", "sent", "--date", "2026-11-02")
    out = tmp_path / "rundtur.qdpx"
    run(sample, "export", "qdpx", "-o", str(out))
    with zipfile.ZipFile(out) as archive:
        root = etree.fromstring(archive.read("project.qde"))
    if FIXTURES.is_dir():
        schema = etree.XMLSchema(etree.parse(str(FIXTURES / "Project-mrt2019.xsd")))
        assert schema.validate(root), schema.error_log
    ns = {"q": "urn:QDA-XML:project:1.0"}
    notes = {n.findtext("q:PlainTextContent", namespaces=ns) for n in root.iterfind("q:Notes/q:Note", ns)}
    assert {"Projektnote.", "Kodenote.", "Kodningsnote.", "Kildenote."} <= notes
    assert any("Travlt, men stabilt." in n for n in notes)  # the summary, as a note other tools show
    assert len(root.findall(".//q:Code/q:NoteRef", ns)) == 1

    fresh = tmp_path / "fresh.db"
    report = run(fresh, "import", str(out)).output
    assert "1 summaries, 1 case statuses" in report
    before = {(m["on"], m["target"], m["author"], m["text"]) for m in memo_list(sample)}
    after = {(m["on"], m["target"], m["author"], m["text"]) for m in memo_list(fresh)}
    assert after == before and len(after) == 4
    summaries = json.loads(run(fresh, "summary", "list", "--format", "json").output)
    assert [(s["case"], s["code"], s["text"]) for s in summaries] == [("Nordby", "capacity", "Travlt, men stabilt.")]
    statuses = run(fresh, "case", "list").output
    assert "Nordby" in statuses and "sent" in statuses and "2026-11-02" in statuses
    # a second import adds nothing
    again = run(fresh, "import", str(out)).output
    assert "0 memo(s)" in again and "summaries" not in again
    assert len(memo_list(fresh)) == 4


def test_an_old_projects_coding_memos_move_into_the_memo_table(tmp_path):
    db = tmp_path / "old.db"
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
    old = MIGRATIONS[:MIGRATIONS.index(next(m for m in MIGRATIONS if m.__name__ == "m009_memo_targets"))]
    for migration in old:
        migration(con)
        con.execute("INSERT INTO migrations VALUES (?, '2026-01-01')", (migration.__name__,))
    con.execute("INSERT INTO sources (id, guid, name, format, language, file_sha256, text_sha256, text, imported_at) "
                "VALUES (1, 'g1', 'a.txt', 'txt', 'da', 'x', 'y', 'Vi ringer hver måned.', '2026-01-01')")
    con.execute("INSERT INTO codes (id, code, guid, labels) VALUES (1, 'opfolgning', 'g2', '{}')")
    con.execute("INSERT INTO codings (source_id, start, \"end\", code_id, coder, origin, memo, guid, created_at) "
                "VALUES (1, 3, 9, 1, 'mette', 'manual', 'Gælder alle.', 'g3', '2026-01-02T10:00:00+00:00')")
    con.commit()
    con.close()
    memos = memo_list(db)
    assert [(m["on"], m["author"], m["text"], m["created_at"]) for m in memos] == [
        ("coding", "mette", "Gælder alle.", "2026-01-02T10:00:00+00:00")]
    codings = json.loads(run(db, "codings", "--format", "json").output)
    assert codings[0]["memo"] == "Gælder alle."
    with Project.open(db) as project:
        assert project.store.db.execute("SELECT count(*) FROM codings WHERE memo IS NOT NULL").fetchone()[0] == 0
