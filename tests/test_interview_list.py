"""The study's interview list (issue 27): rows wait for sources not imported yet, values that differ
between a person's interviews belong to that interview, csv/xlsx as people save them."""

from __future__ import annotations

import json
from pathlib import Path

from coding import Project

from cli_helpers import run

HEADER = "source,speaker,participant,role,municipality,interview_type\n"


def transcripts(tmp_path: Path) -> Path:
    folder = tmp_path / "t"
    folder.mkdir()
    (folder / "a.txt").write_text("Interviewer: Hvordan går det i Nordby?\nMie: Godt. Vi har fået flere i job.\n"
                                  "Bo: Jeg er enig.\n", encoding="utf-8")
    (folder / "b.txt").write_text("Interviewer: Hvad med Sønderå?\nMie: Her går det langsommere.\n",
                                  encoding="utf-8")
    (folder / "c.txt").write_text("Interviewer: Og Vesthavn?\nOle: Vi er lige begyndt.\n", encoding="utf-8")
    return folder


LIST = (HEADER
        + "a.txt,,,,Nordby,individuelt\n"
        + "a.txt,Interviewer,INT-1,Interviewer,Nordby,individuelt\n"
        + "a.txt,Mie,M-1,Mentor,Nordby,individuelt\n"
        + "b.txt,,,,,fokusgruppe\n"
        + "b.txt,Interviewer,INT-1,Interviewer,Sønderå,fokusgruppe\n"
        + "b.txt,Mie,M-1,Mentor,Sønderå,fokusgruppe\n"
        + "c.txt,Interviewer,INT-1,Interviewer,Vesthavn,individuelt\n"
        + "c.txt,Ole,O-1,Leder,Vesthavn,individuelt\n")


def test_rows_wait_for_sources_and_are_applied_when_they_arrive(tmp_path):
    folder = transcripts(tmp_path)
    interview_list = tmp_path / "list.csv"
    interview_list.write_text(LIST, encoding="utf-8")
    project = tmp_path / "p.db"
    first = run(project, "import", str(folder / "a.txt"), "--manifest", str(interview_list))
    assert "manifest: 3 rows applied" in first.output
    assert "manifest: 5 rows wait for sources not imported yet (coding manifest status lists them)" in first.output
    assert "warning: " + str(interview_list) + ": speaker 'Bo' of a.txt has no row in the interview list" \
        in first.output
    waiting = json.loads(run(project, "manifest", "status", "--format", "json").output)
    assert [(r["source"], r["row"], r["speaker"]) for r in waiting] == [
        ("b.txt", 5, ""), ("b.txt", 6, "Interviewer"), ("b.txt", 7, "Mie"), ("c.txt", 8, "Interviewer"),
        ("c.txt", 9, "Ole")]

    second = run(project, "import", str(folder / "b.txt"))
    assert "manifest: 3 rows of the kept interview list applied to the new sources" in second.output
    assert "manifest: 2 rows wait for sources not imported yet" in second.output
    waiting = json.loads(run(project, "manifest", "status", "--format", "json").output)
    assert [r["source"] for r in waiting] == ["c.txt", "c.txt"]
    sources = {s["name"]: s for s in json.loads(run(project, "sources", "--format", "json").output)}
    assert sources["b.txt"]["interview_type"] == "fokusgruppe" and not sources["b.txt"].get("municipality")
    participants = {p["participant"]: p for p in json.loads(run(project, "participants", "--format", "json").output)}
    assert participants["M-1"]["role"] == "Mentor"
    # the values that differ from their source's own are the participant's in that source
    assert participants["M-1"]["municipality"] == "Sønderå (b.txt)"
    assert participants["INT-1"]["municipality"] == "Sønderå (b.txt)"
    assert participants["INT-1"].get("interview_type") is None  # each source's own value

    run(project, "import", str(folder / "c.txt"))
    assert run(project, "manifest", "status").output.startswith("no rows wait")
    participants = {p["participant"]: p for p in json.loads(run(project, "participants", "--format", "json").output)}
    assert participants["O-1"]["role"] == "Leder" and participants["O-1"]["municipality"] == "Vesthavn"


def test_values_of_one_interview_count_for_its_turns(tmp_path):
    folder = transcripts(tmp_path)
    interview_list = tmp_path / "list.csv"
    interview_list.write_text(LIST, encoding="utf-8")
    path = tmp_path / "p.db"
    run(path, "import", str(folder), "--manifest", str(interview_list))
    project = Project.open(path)
    with project.transaction():
        code_id = project.store.upsert_code(code="pace", parent_id=None, labels={"da": "Tempo", "en": "Pace"})
        rows = []
        for name, words in (("a.txt", "flere i job"), ("b.txt", "langsommere")):
            source = project.source(name)
            start = source["text"].index(words)
            rows.append({"source_id": source["id"], "start": start, "end": start + len(words), "code_id": code_id,
                         "coder": "ane", "origin": "manual"})
        project.store.insert_codings(rows)
    matrix = project.matrix(rows="code", cols=["municipality"])
    counts = {column: int(matrix.loc["pace", column]) for column in matrix.columns
              if matrix.loc["pace", column] and column != "Total"}
    assert counts == {"Nordby": 1, "Sønderå": 1}
    by_source = {c["source"]: c["municipality"] for c in project.codings()}
    assert by_source == {"a.txt": "Nordby", "b.txt": "Sønderå"}
    project.close()


def test_semicolons_and_cp1252_as_danish_excel_saves_them(tmp_path):
    folder = transcripts(tmp_path)
    interview_list = tmp_path / "list.csv"
    interview_list.write_bytes(LIST.replace(",", ";").replace("\n", "\r\n").encode("cp1252"))
    project = tmp_path / "p.db"
    result = run(project, "import", str(folder), "--manifest", str(interview_list))
    assert "manifest: 8 rows applied" in result.output
    participants = {p["participant"]: p for p in json.loads(run(project, "participants", "--format", "json").output)}
    assert participants["M-1"]["municipality"] == "Sønderå (b.txt)"


def test_tabs_and_xlsx(tmp_path):
    import openpyxl

    folder = transcripts(tmp_path)
    tabbed = tmp_path / "list.tsv.csv"
    tabbed.write_text(LIST.replace(",", "\t"), encoding="utf-8")
    project = tmp_path / "p.db"
    assert "manifest: 8 rows applied" in run(project, "import", str(folder), "--manifest", str(tabbed)).output
    book = openpyxl.Workbook()
    for line in LIST.strip().split("\n"):
        book.active.append(line.split(","))
    book.active.append(["d.txt", "Anne", "A-1", "Borger", "Nordby", "individuelt"])
    book.save(tmp_path / "list.xlsx")
    result = run(project, "import", "--manifest", str(tmp_path / "list.xlsx"))
    assert "manifest: 8 rows applied" in result.output
    assert "manifest: 1 row wait for sources not imported yet" in result.output


def test_a_speaker_the_source_does_not_have_names_the_row(tmp_path):
    folder = transcripts(tmp_path)
    interview_list = tmp_path / "list.csv"
    interview_list.write_text(LIST + "c.txt,Zoe,Z-1,Borger,Vesthavn,individuelt\n", encoding="utf-8")
    project = tmp_path / "p.db"
    run(project, "import", str(folder / "a.txt"), "--manifest", str(interview_list))
    failed = run(project, "import", str(folder / "c.txt"), ok=False)
    assert failed.exit_code == 1
    assert failed.output.strip() == (f"Error: {interview_list}, row 10: speaker 'Zoe' never speaks in c.txt "
                                     "(speakers there: Interviewer, Ole)")
    assert "c.txt" not in run(project, "sources").output
