"""Coding by hand: Word comments and spreadsheets in and out, through real files and the real CLI."""

from __future__ import annotations

import csv
import json
import sqlite3
from pathlib import Path

import docx
import openpyxl
import pytest

from coding import Project
from coding.ingest import read_transcript
from coding.ingest.word_comments import read_word_comments

from cli_helpers import run

CODES = [("ledelse", {"da": "Ledelse", "en": "Leadership"}),
         ("samarbejde", {"da": "Samarbejde på tværs", "en": "Collaboration"}),
         ("tilfredshed", {"da": "Tilfredshed", "en": "Satisfaction"})]

TURNS = [
    ("Interviewer:", " Hvordan arbejder I med ledelse i Nordby?"),
    ("Mette (L):", " Vi har en klar leder. Hun samarbejder med alle afdelinger."),
    (None, "Det betyder meget for os."),
    ("Interviewer:", " Og borgerne?"),
    ("Mette (L):", " De er glade for den nye ordning."),
]


def make_project(path: Path) -> Path:
    with Project.open(path) as project, project.transaction():
        for position, (code, labels) in enumerate(CODES):
            project.store.upsert_code(code=code, parent_id=None, labels=labels, position=position)
    return path


def write_transcript(path: Path, comments=()) -> Path:
    """The Nordby interview; ``comments``: (first run, last run, text, author) by run number.

    Runs are numbered in order: each turn's text run (label runs are not numbered)."""
    document = docx.Document()
    document.add_heading("Interview med leder, Nordby", level=1)
    runs = []
    for label, text in TURNS:
        paragraph = document.add_paragraph()
        if label:
            paragraph.add_run(label).bold = True
        runs.append(paragraph.add_run(text))
    for first, last, text, author in comments:
        document.add_comment([runs[first], runs[last]], text=text, author=author, initials=author[:1].upper())
    document.save(path)
    return path


def codings(project: Path, *args: str) -> list[dict]:
    return json.loads(run(project, "codings", "--format", "json", *args).output)


def key_set(records: list[dict]) -> set[tuple]:
    return {(r["start"], r["end"], r["code"], r["coder"]) for r in records}


def guids(project: Path) -> dict[tuple[str, str], str]:
    with Project.open(project) as p:
        codes = {row["id"]: row["code"] for row in p.store.codes()}
        return {(codes[c["code_id"]], c["coder"]): c["guid"] for c in p.store.codings()}


def snapshot(project: Path) -> tuple:
    db = sqlite3.connect(project)
    try:
        return tuple(db.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()
                     for table in ("sources", "codings", "memos", "turns"))
    finally:
        db.close()


# --------------------------------------------------------------------------- reading comment ranges


def test_comment_ranges_are_offsets_in_the_plain_text_across_paragraphs_and_speakers(tmp_path):
    path = write_transcript(tmp_path / "nordby.docx", [
        (1, 1, "ledelse", "anna"),
        (0, 2, "samarbejde", "bo"),            # interviewer question to the continuation paragraph
        (4, 4, "tilfredshed", "anna"),
    ])
    transcript = read_transcript(path)
    comments = read_word_comments(path, path.read_bytes(), transcript)
    pieces = {(c.author, c.text): transcript.text[c.start:c.end] for c in comments}
    assert pieces[("anna", "ledelse")] == " Vi har en klar leder. Hun samarbejder med alle afdelinger."
    assert pieces[("bo", "samarbejde")] == (" Hvordan arbejder I med ledelse i Nordby?\nMette (L): Vi har en klar "
                                            "leder. Hun samarbejder med alle afdelinger.\nDet betyder meget for os.")
    assert pieces[("anna", "tilfredshed")] == " De er glade for den nye ordning."
    assert {c.paragraph for c in comments if c.author == "bo"} == {2}


def test_comment_ranges_count_tabs_line_breaks_and_runs_inside_paragraphs(tmp_path):
    document = docx.Document()
    paragraph = document.add_paragraph()
    paragraph.add_run("Jens:").bold = True
    before = paragraph.add_run(" Først\tdette,")
    paragraph.add_run().add_break()
    target = paragraph.add_run("så det her.")
    document.add_comment([target], text="ledelse", author="anna")
    document.add_comment([before, target], text="samarbejde", author="bo")
    path = tmp_path / "tabs.docx"
    document.save(path)
    transcript = read_transcript(path)
    comments = {c.author: c for c in read_word_comments(path, path.read_bytes(), transcript)}
    assert transcript.text[comments["anna"].start:comments["anna"].end] == "så det her."
    assert transcript.text[comments["bo"].start:comments["bo"].end] == " Først\tdette,\nså det her."


def test_comment_markers_between_paragraphs_and_inside_hyperlinks(tmp_path):
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    document = docx.Document()
    first = document.add_paragraph()
    first.add_run("Jens:").bold = True
    first.add_run(" Se ")
    link = OxmlElement("w:hyperlink")
    link_run = OxmlElement("w:r")
    link_text = OxmlElement("w:t")
    link_text.text = "hjemmesiden"
    link_run.append(link_text)
    link.append(link_run)
    first._p.append(link)
    tail = first.add_run(" for mere.")
    second = document.add_paragraph()
    second.add_run("Mette:").bold = True
    answer = second.add_run(" Det gør vi.")
    document.add_comment([tail], text="ledelse", author="anna")
    comment = document.add_comment([answer], text="samarbejde", author="bo")
    # Word may put a range start between paragraphs: it then begins with the next paragraph
    start = next(e for e in second._p.iter(qn("w:commentRangeStart")) if e.get(qn("w:id")) == str(comment.comment_id))
    second._p.remove(start)
    second._p.addprevious(start)
    path = tmp_path / "links.docx"
    document.save(path)
    transcript = read_transcript(path)
    assert transcript.text == "Jens: Se hjemmesiden for mere.\nMette: Det gør vi."
    comments = {c.author: c for c in read_word_comments(path, path.read_bytes(), transcript)}
    assert transcript.text[comments["anna"].start:comments["anna"].end] == " for mere."
    assert transcript.text[comments["bo"].start:comments["bo"].end] == "Mette: Det gør vi."
    assert comments["bo"].paragraph == 2


# --------------------------------------------------------------------------- importing comments


def test_comments_become_codings_of_their_author_and_unknown_text_becomes_a_memo(tmp_path):
    project = make_project(tmp_path / "p.db")
    path = write_transcript(tmp_path / "nordby.docx", [
        (1, 2, "LEDELSE ;  samarbejde  på tværs", "anna"),   # id and label, case and spacing ignored
        (1, 1, "Leadership", "bo"),                           # English label
        (4, 4, "Spændende pointe", "bo"),                     # names no code
        (4, 4, "tilfredshed; husk citat", "anna"),            # a code and a note
    ])
    result = run(project, "import", str(path))
    assert "word comments nordby.docx: anna: 3 codings (3 new, 0 removed), 1 memos" in result.output
    assert ("nordby.docx, paragraph 6: comment by bo names no code: 'Spændende pointe'" in result.output)
    assert "comment by anna has text that names no code: 'husk citat'" in result.output

    records = codings(project)
    assert {r["origin"] for r in records} == {"word-comment"}
    texts = {(r["coder"], r["code"]): r["text"] for r in records}
    assert texts[("anna", "ledelse")] == ("Vi har en klar leder. Hun samarbejder med alle afdelinger.\n"
                                          "Det betyder meget for os.")
    assert texts[("anna", "samarbejde")] == texts[("anna", "ledelse")]
    assert texts[("bo", "ledelse")] == "Vi har en klar leder. Hun samarbejder med alle afdelinger."
    assert texts[("anna", "tilfredshed")] == "De er glade for den nye ordning."
    assert len(records) == 4

    with Project.open(project) as p:
        source = p.source("nordby.docx")
        memos = {(m["author"], m["text"], source["text"][m["start"]:m["end"]]) for m in p.store.memos(source["id"])}
    assert memos == {("bo", "Spændende pointe", "De er glade for den nye ordning."),
                     ("anna", "husk citat", "De er glade for den nye ordning.")}


def test_reimport_with_changed_comments_updates_that_coders_codings_without_a_second_source(tmp_path):
    project = make_project(tmp_path / "p.db")
    path = write_transcript(tmp_path / "nordby.docx", [(1, 1, "ledelse", "anna"), (4, 4, "tilfredshed", "anna")])
    run(project, "import", str(path))
    first = guids(project)

    # same transcript text; anna changed one comment, bo added his
    write_transcript(path, [(1, 1, "ledelse", "anna"), (4, 4, "samarbejde", "anna"), (1, 2, "ledelse", "bo")])
    result = run(project, "import", str(path))  # no --replace needed: the text is the same
    assert "same text nordby.docx" in result.output
    assert "anna: 2 codings (1 new, 1 removed)" in result.output
    assert "bo: 1 codings (1 new, 0 removed)" in result.output
    sources = json.loads(run(project, "sources", "--format", "json").output)
    assert [s["name"] for s in sources] == ["nordby.docx"]
    second = guids(project)
    assert set(second) == {("ledelse", "anna"), ("samarbejde", "anna"), ("ledelse", "bo")}
    assert second[("ledelse", "anna")] == first[("ledelse", "anna")]  # the unchanged coding is kept as it was

    # the identical file again: nothing changes
    before = snapshot(project)
    again = run(project, "import", str(path))
    assert "unchanged nordby.docx" in again.output and "(0 new, 0 removed)" in again.output
    assert snapshot(project) == before


def test_comments_read_before_the_codebook_become_codings_when_the_file_is_imported_again(tmp_path):
    project = tmp_path / "p.db"
    path = write_transcript(tmp_path / "nordby.docx", [(1, 1, "ledelse", "anna")])
    first = run(project, "import", str(path))
    assert "names no code: 'ledelse'" in first.output
    assert codings(project) == []
    make_project(project)  # the codebook arrives
    again = run(project, "import", str(path))
    assert "anna: 1 codings (1 new, 0 removed), 0 memos" in again.output
    assert [(r["code"], r["coder"]) for r in codings(project)] == [("ledelse", "anna")]
    with Project.open(project) as p:
        assert p.store.memos() == []


def test_second_coders_copy_under_another_name_is_read_onto_the_same_source(tmp_path):
    project = make_project(tmp_path / "p.db")
    run(project, "import", str(write_transcript(tmp_path / "nordby.docx", [(1, 1, "ledelse", "anna")])))
    copy = write_transcript(tmp_path / "nordby_bo.docx", [(1, 1, "ledelse", "bo"), (2, 2, "samarbejde", "bo")])
    result = run(project, "import", str(copy))
    assert "nordby_bo.docx: same text as nordby.docx" in result.output
    assert [s["name"] for s in json.loads(run(project, "sources", "--format", "json").output)] == ["nordby.docx"]
    assert {(r["source"], r["coder"], r["code"]) for r in codings(project)} == {
        ("nordby.docx", "anna", "ledelse"), ("nordby.docx", "bo", "ledelse"), ("nordby.docx", "bo", "samarbejde")}


def test_a_code_label_shared_by_two_codes_is_reported_not_guessed(tmp_path):
    project = make_project(tmp_path / "p.db")
    with Project.open(project) as p, p.transaction():
        p.store.upsert_code(code="styring_a", parent_id=None, labels={"da": "Styring"})
        p.store.upsert_code(code="styring_b", parent_id=None, labels={"da": "Styring"})
    result = run(project, "import", str(write_transcript(tmp_path / "nordby.docx", [(1, 1, "Leadership; Styring", "anna")])))
    assert "'Styring' names several codes (styring_a, styring_b); use the code id" in result.output
    assert {r["code"] for r in codings(project)} == {"ledelse"}  # 'Leadership' is only ledelse's
    with Project.open(project) as p:
        memos = [m["text"] for m in p.store.memos()]
    assert memos == ["Styring"]


# --------------------------------------------------------------------------- export docx


def test_export_docx_round_trips_through_import(tmp_path):
    project = make_project(tmp_path / "p.db")
    run(project, "import", str(write_transcript(tmp_path / "nordby.docx", [
        (1, 2, "ledelse; samarbejde", "anna"), (1, 1, "ledelse", "bo"), (0, 4, "tilfredshed", "bo"),
        (4, 4, "husk citat", "anna")])))
    original = codings(project)
    out = tmp_path / "review.docx"
    result = run(project, "export", "docx", "nordby.docx", "-o", str(out))
    assert "4 comments (4 codings, 1 memos)" in result.output

    exported = docx.Document(str(out))
    assert {c.author for c in exported.comments} == {"anna", "bo"}
    assert "Ledelse; Samarbejde på tværs" in {c.text for c in exported.comments}  # labels, one comment
    assert [r.text for r in exported.paragraphs[1].runs if r.bold] == ["Interviewer:"]

    other = make_project(tmp_path / "q.db")
    run(other, "import", str(out))
    with Project.open(project) as p, Project.open(other) as q:
        assert q.source("review.docx")["text"] == p.source("nordby.docx")["text"]
        assert [t["speaker"] for t in q.show("review.docx")["turns"]] == \
               [t["speaker"] for t in p.show("nordby.docx")["turns"]]
        assert [(m["author"], m["text"], m["start"], m["end"]) for m in q.store.memos()] == \
               [(m["author"], m["text"], m["start"], m["end"]) for m in p.store.memos()]
    assert key_set(codings(other)) == key_set(original)

    # one coder only
    only_bo = tmp_path / "bo.docx"
    run(project, "export", "docx", "nordby.docx", "-o", str(only_bo), "--coder", "bo")
    assert {c.author for c in docx.Document(str(only_bo)).comments} == {"bo"}
    third = make_project(tmp_path / "r.db")
    run(third, "import", str(only_bo))
    assert key_set(codings(third)) == {k for k in key_set(original) if k[3] == "bo"}


def test_export_docx_of_an_unknown_source_fails_cleanly(tmp_path):
    project = make_project(tmp_path / "p.db")
    result = run(project, "export", "docx", "nowhere.docx", "-o", str(tmp_path / "x.docx"), ok=False)
    assert result.exit_code == 1
    assert "no source named 'nowhere.docx'" in result.output
    assert not (tmp_path / "x.docx").exists()


# --------------------------------------------------------------------------- spreadsheets


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_spreadsheet_export_and_import_into_another_project_gives_the_same_codings(tmp_path, fmt):
    project = make_project(tmp_path / "p.db")
    (tmp_path / "coded").mkdir()
    run(project, "import", str(write_transcript(tmp_path / "coded" / "nordby.docx", [
        (1, 2, "ledelse; samarbejde", "anna"), (1, 1, "ledelse", "bo"), (3, 4, "tilfredshed", "bo")])))
    sheet = tmp_path / f"sheet.{fmt}"
    run(project, "codings", "--format", fmt, "-o", str(sheet))

    other = make_project(tmp_path / "q.db")
    (tmp_path / "plain").mkdir()
    run(other, "import", str(write_transcript(tmp_path / "plain" / "nordby.docx")))  # same text, no comments
    assert codings(other) == []
    result = run(other, "codings", "import", str(sheet))
    assert f"sheet.{fmt}: 4 rows, 4 codings added, 0 already present" in result.output
    assert key_set(codings(other)) == key_set(codings(project))
    assert {r["origin"] for r in codings(other)} == {"spreadsheet"}
    again = run(other, "codings", "import", str(sheet))
    assert "0 codings added, 4 already present" in again.output


def test_csv_with_turn_numbers_and_semicolons(tmp_path):
    project = make_project(tmp_path / "p.db")
    run(project, "import", str(write_transcript(tmp_path / "nordby.docx")))
    turns = json.loads(run(project, "show", "nordby.docx", "--format", "json").output)["turns"]
    path = tmp_path / "coder_c.csv"
    path.write_text("source;code;coder;turn\n"
                    "nordby.docx;Tilfredshed;carl;4\n"
                    "nordby.docx;leadership;carl;2-3\n"
                    "nordby.docx;samarbejde;carl;1; \n", encoding="utf-8-sig")
    run(project, "codings", "import", str(path))
    got = {(r["code"], r["start"], r["end"]) for r in codings(project, "--coder", "carl")}
    assert got == {("tilfredshed", turns[3]["start"], turns[3]["end"]),
                   ("ledelse", turns[1]["start"], turns[2]["end"]),
                   ("samarbejde", turns[0]["start"], turns[0]["end"])}


def test_bad_rows_are_reported_with_row_numbers_and_nothing_is_imported(tmp_path):
    project = make_project(tmp_path / "p.db")
    run(project, "import", str(write_transcript(tmp_path / "nordby.docx")))
    path = tmp_path / "bad.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["source", "code", "coder", "start", "end", "turn"])
    sheet.append(["nordby.docx", "ledelse", "dina", 40, 60, None])         # row 2: fine
    sheet.append(["nordby.docx", "økonomi", "dina", 40, 60, None])         # row 3: unknown code
    sheet.append(["nordby.docx", "ledelse", "dina", 60, 40, None])         # row 4: end before start
    sheet.append(["nordby.docx", "ledelse", "dina", None, None, 99])       # row 5: no such turn
    sheet.append(["aabaek.docx", "ledelse", "dina", 1, 2, None])           # row 6: unknown source
    book.save(path)
    before = snapshot(project)
    result = run(project, "codings", "import", str(path), ok=False)
    assert result.exit_code == 1
    message = result.output.strip()
    assert message.startswith(f"Error: {path}, row 3: no code 'økonomi' in the project's codebook")
    assert "row 4: start 60 and end 40" in message and "row 5: turn 99 is not in the source" in message
    assert "row 6: no source 'aabaek.docx'" in message and "nothing was imported" in message
    assert "Traceback" not in result.output
    assert snapshot(project) == before


def test_missing_columns_are_named(tmp_path):
    project = make_project(tmp_path / "p.db")
    path = tmp_path / "few.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([["source", "code"], ["nordby.docx", "ledelse"]])
    result = run(project, "codings", "import", str(path), ok=False)
    assert result.exit_code == 1
    assert "few.csv, row 1: missing column(s): coder, start and end, or turn" in result.output


@pytest.mark.parametrize("name, content, message", [
    ("notes.pdf", b"%PDF", "unknown spreadsheet type '.pdf'"),
    ("broken.xlsx", b"not a zip", "not a readable Excel file"),
])
def test_unreadable_spreadsheets(tmp_path, name, content, message):
    project = make_project(tmp_path / "p.db")
    path = tmp_path / name
    path.write_bytes(content)
    result = run(project, "codings", "import", str(path), ok=False)
    assert result.exit_code == 1 and message in result.output and "Traceback" not in result.output


def test_a_csv_in_no_known_encoding_is_refused_with_its_line(tmp_path):
    """Byte 0x81 is neither UTF-8 nor cp1252: a clear error naming the file and line, nothing imported
    (the sheet reader shares the transcript reader's decoding)."""
    project = make_project(tmp_path / "p.db")
    run(project, "import", str(write_transcript(tmp_path / "nordby.docx")))
    path = tmp_path / "coder_d.csv"
    path.write_bytes(b"source;code;coder;turn\nnordby.docx;leadership;dina;2\x81\n")
    result = run(project, "codings", "import", str(path), ok=False)
    assert result.exit_code != 0
    assert "coder_d.csv" in result.output and "line 2" in result.output and "cp1252" in result.output
    assert codings(project, "--coder", "dina") == []
