"""Coding sheets: written with `coding export sheet`, filled in with openpyxl as a coder would in
Excel, read back with `coding codings import` (sample corpus and a generated survey)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import openpyxl
import pytest

from cli_helpers import run

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "transcripts_sample"
SOURCE = "nordby_leder.docx"


@pytest.fixture(scope="module")
def sample_with_codebook(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("sample") / "sample.db"
    run(db, "import", str(SAMPLE), "--manifest", str(SAMPLE / "participants.csv"))
    run(db, "codebook", "import", str(ROOT / "codebooks" / "stv.yaml"))
    return db


@pytest.fixture
def sample(sample_with_codebook, tmp_path) -> Path:
    db = tmp_path / "p.db"
    shutil.copy(sample_with_codebook, db)
    return db


def header_and_rows(path: Path) -> tuple[list[str], list[list]]:
    sheet = openpyxl.load_workbook(path)["codings"]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    return rows[0], rows[1:]


def fill(path: Path, out: Path, codes: dict[int, str], memos: dict[int, str] | None = None) -> None:
    """Type into the code (and memo) cells of the given data rows (0 = first row under the header)."""
    book = openpyxl.load_workbook(path)
    sheet = book["codings"]
    header = [c.value for c in sheet[1]]
    for index, value in codes.items():
        sheet.cell(row=index + 2, column=header.index("code") + 1, value=value)
    for index, value in (memos or {}).items():
        sheet.cell(row=index + 2, column=header.index("memo") + 1, value=value)
    book.save(out)


def test_the_sheet_has_a_row_per_respondent_turn_and_a_drop_down_of_labels(sample, tmp_path):
    out = tmp_path / "ark.xlsx"
    result = run(sample, "export", "sheet", "--source", SOURCE, "--coder", "bo", "-o", str(out))
    shown = json.loads(run(sample, "show", SOURCE, "--format", "json").output)
    respondent_turns = [t for t in shown["turns"] if t["role"] != "Interviewer"]
    assert f"{len(respondent_turns)} rows to code, 18 codes in the drop-down" in result.output
    header, rows = header_and_rows(out)
    assert header == ["source", "turn", "speaker", "role", "start", "end", "text", "code", "coder", "memo"]
    assert [r[1] for r in rows] == [t["index"] for t in respondent_turns]
    assert [r[6] for r in rows] == [t["text"] for t in respondent_turns]
    assert {r[2] for r in rows} == {t["speaker"] for t in respondent_turns} and {r[3] for r in rows} == {"Leder"}
    assert all(r[7] is None and r[8] == "bo" and r[9] is None for r in rows)
    book = openpyxl.load_workbook(out)
    validation = book["codings"].data_validations.dataValidation
    assert len(validation) == 1 and validation[0].type == "list"
    assert validation[0].formula1 == "codes!$A$2:$A$19" and str(validation[0].sqref) == f"H2:H{len(rows) + 1}"
    labels = [r[0].value for r in book["codes"].iter_rows(min_row=2)]
    assert labels[:4] == ["Tro på borgeren", "Succeshistorier", "Ressourcefokus", "Ledelse"]
    english = tmp_path / "en.xlsx"
    run(sample, "export", "sheet", "--source", SOURCE, "--language", "en", "-o", str(english))
    assert openpyxl.load_workbook(english)["codes"]["A5"].value == "Leadership"


def test_a_filled_sheet_comes_back_with_several_codes_per_cell(sample, tmp_path):
    out = tmp_path / "ark.xlsx"
    run(sample, "export", "sheet", "--source", SOURCE, "--unit", "sentence", "--coder", "bo", "-o", str(out))
    header, rows = header_and_rows(out)
    assert len(rows) > 20 and all(r[6] == r[6].strip() and r[4] < r[5] for r in rows)
    filled = tmp_path / "udfyldt.xlsx"
    # labels in Danish and English, an id, odd spacing and case; the rest left empty
    fill(out, filled, {0: "Ledelse; Capacity", 3: "leadership", 5: " tro på borgeren ;internal_collaboration; ",
                       9: "Belief"}, memos={3: "Usikker på denne", 12: "Vend tilbage til det her"})
    result = run(sample, "codings", "import", str(filled))
    skipped = len(rows) - 5
    assert (f"udfyldt.xlsx: {len(rows)} rows, 6 codings added, 0 already present, {skipped} rows without a code "
            f"skipped, 1 memos without a code kept on their text") in result.output
    coded = json.loads(run(sample, "codings", "--coder", "bo", "--format", "json").output)
    got = sorted((c["start"], c["code"]) for c in coded)
    want = sorted([(rows[0][4], "leadership"), (rows[0][4], "capacity"), (rows[3][4], "leadership"),
                   (rows[5][4], "belief"), (rows[5][4], "internal_collaboration"), (rows[9][4], "belief")])
    assert got == want
    assert all(c["origin"] == "spreadsheet" and c["text"] == next(r[6] for r in rows if r[4] == c["start"])
               for c in coded)
    memos = json.loads(run(sample, "memo", "list", "--format", "json").output)
    assert sorted((m["on"], m["text"]) for m in memos) == [("coding", "Usikker på denne"),
                                                          ("span", "Vend tilbage til det her")]
    # the same sheet again adds nothing
    again = run(sample, "codings", "import", str(filled)).output
    assert "0 codings added, 6 already present" in again


def test_every_bad_row_is_listed_and_nothing_is_imported(sample, tmp_path):
    out = tmp_path / "ark.xlsx"
    run(sample, "export", "sheet", "--source", SOURCE, "--coder", "bo", "-o", str(out))
    filled = tmp_path / "forkert.xlsx"
    fill(out, filled, {0: "Ledelse", 1: "Ledelse; Ukendt tema", 2: "samarbejde", 4: "capacity"})
    book = openpyxl.load_workbook(filled)
    book["codings"]["I6"] = None   # row 6 (data row 4): coder removed
    book.save(filled)
    result = run(sample, "codings", "import", str(filled), ok=False)
    assert result.exit_code == 1
    message = result.output
    assert "forkert.xlsx, row 3: no code 'Ukendt tema' in the project's codebook" in message
    assert "row 4: no code 'samarbejde'" in message and "row 6: the coder cell is empty" in message
    assert "3 bad row(s), nothing was imported" in message
    assert json.loads(run(sample, "codings", "--format", "json").output) == []


def test_a_survey_is_coded_in_a_sheet(tmp_path):
    from test_survey import QUESTIONS, make_survey

    make_survey(tmp_path / "survey.xlsx", respondents=500, seed=9)
    db = tmp_path / "p.db"
    run(db, "import", str(tmp_path / "survey.xlsx"), "--survey")
    run(db, "codebook", "import", str(ROOT / "codebooks" / "stv.yaml"))
    source = f"survey.xlsx#{QUESTIONS[1]}"
    out = tmp_path / "ark.xlsx"
    run(db, "export", "sheet", "--source", source, "--coder", "anna", "-o", str(out))
    header, rows = header_and_rows(out)
    turns = json.loads(run(db, "show", source, "--format", "json").output)["turns"]
    assert len(rows) == len(turns) > 350 and [r[2] for r in rows] == [t["speaker"] for t in turns]
    filled = tmp_path / "anna.xlsx"
    fill(out, filled, {i: "Opfølgning og progression; Kapacitet" for i in range(0, len(rows), 3)})
    result = run(db, "codings", "import", str(filled)).output
    expected = 2 * len(range(0, len(rows), 3))
    assert f"{expected} codings added" in result
    matrix = json.loads(run(db, "matrix", "--cols", "kommune", "--coder", "anna", "--format", "json").output)
    assert "capacity" in json.dumps(matrix)
