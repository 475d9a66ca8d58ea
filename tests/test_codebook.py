"""Codebook files: validation with line numbers, import into a project, GUIDs, pruning, exports."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import docx
import openpyxl
import pytest
import yaml

from coding import Project
from coding.codebook import Codebook, CodebookError, codebook_problems, load_codebook

from cli_helpers import run

ROOT = Path(__file__).resolve().parent.parent
STV = ROOT / "codebooks" / "stv.yaml"

SMALL = """\
name: Small
version: 2
codes:
  - id: leadership
    labels: {da: Ledelse, en: Leadership}
    definition: Ledelsens prioritering og opfølgning.
    include: Ledere, måltal.
    exclude: Virksomhedens chef.
    examples: ["Lederen følger op hver uge."]
    color: "#0072B2"
    rules:
      da: {terms: [ledelse, leder]}
      en: {terms: [manager]}
    children:
      - id: production_management
        labels: {da: Produktionsstyring, en: Production management}
        definition: Måltal og tavlemøder.
        rules:
          da: {terms: [måltal]}
  - id: capacity
    labels: {da: Kapacitet, en: Capacity}
    definition: Konsulenter og virksomheder.
    rules:
      da: {terms: [konsulent]}
"""


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def code_rows(db: Path) -> dict[str, tuple]:
    with sqlite3.connect(db) as con:
        return {r[0]: r[1:] for r in con.execute(
            "SELECT c.code, p.code, c.guid, c.definition FROM codes c LEFT JOIN codes p ON p.id = c.parent_id")}


def test_stv_codebook_is_valid_and_has_the_report_themes():
    book = load_codebook(STV)
    top = {c.id: c.labels for c in book.codes if c.parent is None}
    assert top["belief"] == {"da": "Tro på borgeren", "en": "Belief"}
    assert top["leadership"] == {"da": "Ledelse", "en": "Leadership"}
    assert top["internal_collaboration"] == {"da": "Internt samarbejde", "en": "Internal collaboration"}
    assert top["capacity"] == {"da": "Kapacitet", "en": "Capacity"}
    children = {c.id: c.parent for c in book.codes if c.parent}
    assert children["success_stories"] == "belief" and children["resource_focus"] == "belief"
    assert children["production_management"] == "leadership"
    assert children["caseload"] == "internal_collaboration"
    assert children["ordinary_hours"] == "capacity"
    for code in book.codes:
        assert code.definition, f"{code.id} needs a definition a second coder can apply"
        assert set(code.rules) == {"da", "en"}, f"{code.id} needs Danish and English rules"


def test_validate_reports_every_problem_with_its_line(tmp_path):
    bad = write(tmp_path / "bad.yaml", """\
name: Bad
codes:
  - id: leadership
    labels: {da: Ledelse, en: Leadership}
    defintion: a typo
    rules:
      da:
        terms: [leder]
        patterns:
          - [{LEMMA: {FOO: 1}}]
  - id: leadership
    labels: {da: Igen, en: Again}
  - id: capacity
    labels: {da: Kapacitet}
  - id: orphan
    parent: nowhere
    labels: {da: Forældreløs, en: Orphan}
  - id: nolabel
""")
    db = tmp_path / "p.db"
    result = run(db, "codebook", "validate", str(bad), ok=False)
    assert result.exit_code == 1
    out = result.output
    assert f"{bad}: 6 problems in the codebook" in out
    assert f"{bad}, line 5: unknown key 'defintion' in code 'leadership'; did you mean 'definition'?" in out
    assert f"{bad}, line 10: code 'leadership', rules.da.patterns: pattern 1 is rejected by spaCy" in out
    assert f"{bad}, line 11: duplicate id 'leadership' (first at line 3)" in out
    assert f"{bad}, line 13: code 'capacity' has no 'en' label" in out
    assert f"{bad}, line 15: code 'orphan' names parent 'nowhere', which is not in the codebook" in out
    assert f"{bad}, line 18: code 'nolabel' has no 'labels'" in out
    assert "Traceback" not in out
    assert not db.exists()  # validating never creates or touches a project


def test_yaml_syntax_error_names_the_line(tmp_path):
    bad = write(tmp_path / "broken.yaml", "codes:\n  - id: a\n    labels: {da: A\n  - id: b\n")
    with pytest.raises(CodebookError) as info:
        load_codebook(bad)
    assert info.value.problems[0].line is not None
    assert str(info.value).startswith(f"{bad}: 1 problem in the codebook")
    assert "not valid YAML" in str(info.value)


def test_duplicate_yaml_keys_and_bad_rule_shapes(tmp_path):
    bad = write(tmp_path / "dup.yaml", """\
codes:
  - id: a
    labels: {da: A}
    labels: {da: B}
    rules:
      da:
        near:
          - {terms: [tro], with: [borger]}
        terms: ["*"]
      qq: {terms: [a]}
""")
    problems = [str(p) for p in codebook_problems(bad)]  # needs no project
    assert any("line 4: key 'labels' appears twice" in p for p in problems)
    assert any("line 8:" in p and "lacks 'within'" in p for p in problems)
    assert any("line 9:" in p and "'*' is only a wildcard" in p for p in problems)
    assert any("line 10: unknown language 'qq'" in p for p in problems)


def test_import_show_and_stable_guids(tmp_path):
    db = tmp_path / "p.db"
    small = write(tmp_path / "small.yaml", SMALL)
    out = run(db, "codebook", "import", str(small)).output
    assert "3 added, 0 updated, 0 unchanged, 0 removed" in out
    before = code_rows(db)
    assert before["production_management"][0] == "leadership"
    data = json.loads(run(db, "codebook", "show", "--format", "json").output)
    assert data["name"] == "Small" and data["version"] == 2
    assert [c["id"] for c in data["codes"]] == ["leadership", "capacity"]
    assert data["codes"][0]["children"][0]["id"] == "production_management"
    assert data["codes"][0]["guid"] == before["leadership"][1]
    table = run(db, "codebook", "show").output
    assert "  Produktionsstyring" in table and "da: 2 terms; en: 1 term" in table

    edited = write(tmp_path / "small.yaml", SMALL.replace("Konsulenter og virksomheder.", "Ny definition."))
    out = run(db, "codebook", "import", str(edited)).output
    assert "0 added, 1 updated, 2 unchanged" in out
    after = code_rows(db)
    assert {k: v[1] for k, v in after.items()} == {k: v[1] for k, v in before.items()}  # GUIDs kept
    assert after["capacity"][2] == "Ny definition."


def test_guid_in_codebook_renames_the_code_and_keeps_codings(tmp_path):
    db = tmp_path / "p.db"
    with Project.open(db) as project:
        project.import_codebook(write(tmp_path / "small.yaml", SMALL))
        guid = project.codebook().by_id()["capacity"].guid
        _manual_coding(project, "capacity")
        renamed = SMALL.replace("  - id: capacity\n", f"  - id: staffing\n    guid: {guid}\n")
        report = project.import_codebook(write(tmp_path / "renamed.yaml", renamed))
        assert report.renamed == {"capacity": "staffing"}
        assert [r["code"] for r in project.codings()] == ["staffing"]
        assert project.codebook().by_id()["staffing"].guid == guid


def _manual_coding(project: Project, code: str) -> None:
    store = project.store
    with store.transaction():
        if not store.sources():
            store.insert_source(name="x.txt", path="x.txt", format="txt", language="da", file_sha256="a",
                                text_sha256="a", text="Anne: Hej med dig.")
        source_id = store.sources()[0]["id"]
        store.insert_codings([{"source_id": source_id, "start": 6, "end": 18, "code_id": store.code_by_code(code)["id"],
                               "coder": "anna", "origin": "manual"}])


def test_removed_code_with_codings_refuses_import_unless_prune(tmp_path):
    db = tmp_path / "p.db"
    small = write(tmp_path / "small.yaml", SMALL)
    run(db, "codebook", "import", str(small))
    with Project.open(db) as project:
        _manual_coding(project, "capacity")
    without = SMALL[: SMALL.index("  - id: capacity")]
    without = write(tmp_path / "without.yaml", without.replace("      - id: production_management", "      - id: pm"))
    # production_management has no codings and is renamed away: fine; capacity has a manual coding: refused
    result = run(db, "codebook", "import", str(without), ok=False)
    assert result.exit_code == 1
    assert ("1 code(s) not in the codebook still have codings: capacity (1 manual). Nothing imported."
            in result.output)
    assert set(code_rows(db)) == {"leadership", "production_management", "capacity"}  # unchanged
    out = run(db, "codebook", "import", str(without), "--prune").output
    assert "pruned capacity: 1 codings deleted" in out
    assert set(code_rows(db)) == {"leadership", "pm"}
    with sqlite3.connect(db) as con:
        assert con.execute("SELECT count(*) FROM codings").fetchone()[0] == 0


def test_export_yaml_round_trip_docx_and_xlsx(tmp_path):
    db = tmp_path / "p.db"
    run(db, "codebook", "import", str(STV))
    exported = tmp_path / "out.yaml"
    run(db, "codebook", "export", "--format", "yaml", "-o", str(exported))
    again = load_codebook(exported)
    original = load_codebook(STV)
    assert [(c.id, c.parent, c.rules) for c in again.codes] == [(c.id, c.parent, c.rules) for c in original.codes]
    assert "0 added, 0 updated, 18 unchanged" in run(db, "codebook", "import", str(exported)).output

    word = tmp_path / "kodebog.docx"
    run(db, "codebook", "export", "--format", "docx", "-o", str(word))
    document = docx.Document(word)
    table = document.tables[0]
    assert table.style.name == "Table Grid"
    assert [c.text for c in table.rows[0].cells] == ["Kode", "Definition", "Medtag", "Udelad", "Eksempel"]
    assert len(table.rows) == 1 + len(original.codes)
    assert table.rows[1].cells[0].text.startswith("Tro på borgeren")
    assert table.rows[1].cells[1].text == original.codes[0].definition

    sheet = tmp_path / "kodebog.xlsx"
    run(db, "codebook", "export", "--format", "xlsx", "-o", str(sheet), "--language", "en")
    ws = openpyxl.load_workbook(sheet).active
    header = [c.value for c in ws[1]]
    assert header[:2] == ["path", "label"] and "definition" in header and "guid" in header
    assert ws.cell(2, 1).value == "belief" and ws.cell(2, 2).value == "Belief"
    assert ws.max_row == 1 + len(original.codes)


def test_flat_codebook_from_dict_for_other_formats():
    data = {"name": "Flat", "codes": [
        {"id": "child", "parent": "top", "labels": {"en": "Child"}, "guid": "7f1c0e36-5b1e-4c69-9d0a-52f1a4f0a001"},
        {"id": "top", "labels": {"en": "Top"}},
    ]}
    book = Codebook.from_dict(data, file="x.qdc")
    assert [c.id for c in book.codes] == ["top", "child"]
    assert book.path("child") == "top/child"
    with pytest.raises(CodebookError) as info:
        Codebook.from_dict({"codes": [{"id": "a", "parent": "a", "labels": {"en": "A"}}]}, file="x.qdc")
    assert "x.qdc: code 'a' is its own ancestor" in str(info.value)


def test_export_without_codebook_is_a_clear_error(tmp_path):
    # a project with a transcript but no codebook (a project that does not exist is another error)
    (tmp_path / "a.txt").write_text("I: Hej.\nIP: Hej med dig.\n", encoding="utf-8")
    run(tmp_path / "p.db", "import", str(tmp_path / "a.txt"))
    result = run(tmp_path / "p.db", "codebook", "export", "--format", "yaml", "-o", str(tmp_path / "x.yaml"),
                 ok=False)
    assert result.exit_code == 1
    assert "the project has no codebook yet" in result.output


def test_stv_yaml_loads_with_plain_yaml_too():
    # the file is ordinary YAML: other tools can read it
    data = yaml.safe_load(STV.read_text(encoding="utf-8"))
    assert data["name"] == "STV themes" and len(data["codes"]) >= 4


def test_readme_codebook_example_is_valid():
    import re

    section = (ROOT / "README.md").read_text(encoding="utf-8").split("## Codebook and auto-coding", 1)[1]
    example = re.search(r"```yaml\n(.*?)```", section, re.S).group(1)
    book = Codebook.from_dict(yaml.safe_load(example), file="README.md")
    assert [c.id for c in book.codes] == ["leadership", "production_management"]
