"""Transcript readers, manifest and import through the real CLI and real files."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import docx
import pytest

from coding import Project
from coding.ingest import read_transcript

from cli_helpers import run


def write_docx(path: Path) -> Path:
    document = docx.Document()
    document.add_heading("Interview med leder, Nordby", level=1)
    document.add_paragraph("Dato: 3. marts. Varighed 45 minutter.")
    rows = [
        ("[00:00:05] Interviewer:", " Hvordan arbejder I med borgerne?"),
        ("[00:00:12] Mette (L):", " Vi tror på borgerne."),
        (None, "Og vi følger op hver uge."),
        ("00:01:30 Interviewer:", " Tak."),
        ("Jens:", " Jeg er enig med Mette."),
    ]
    for label, text in rows:
        paragraph = document.add_paragraph()
        if label:
            paragraph.add_run(label).bold = True
        paragraph.add_run(text)
    document.save(path)
    return path


def test_docx_bold_labels_timestamps_and_continuation(tmp_path):
    path = write_docx(tmp_path / "nordby_leder.docx")
    transcript = read_transcript(path)
    speakers = [t.speaker for t in transcript.turns]
    assert speakers == ["Interviewer", "Mette (L)", "Interviewer", "Jens"]
    texts = [transcript.text[t.start:t.end] for t in transcript.turns]
    assert texts[1] == "Vi tror på borgerne.\nOg vi følger op hver uge."
    assert transcript.turns[0].timestamp == "00:00:05"
    assert transcript.turns[2].timestamp == "00:01:30"
    assert "Interview med leder" in transcript.text  # headings stay in the text, not in turns
    assert transcript.language == "da"


def test_vtt_teams_voice_tags_merge_cues(tmp_path):
    path = tmp_path / "teams.vtt"
    path.write_text(
        "WEBVTT\n\n1\n00:00:01.000 --> 00:00:04.000\n<v Anne Berg>Vi har fået flere konsulenter.</v>\n\n"
        "2\n00:00:04.000 --> 00:00:07.000\n<v Anne Berg>Det har hjulpet.</v>\n\n"
        "3\n00:00:07.500 --> 00:00:09.000\n<v Interviewer>Hvordan?</v>\n", encoding="utf-8")
    transcript = read_transcript(path)
    assert [t.speaker for t in transcript.turns] == ["Anne Berg", "Interviewer"]
    first = transcript.turns[0]
    assert transcript.text[first.start:first.end] == "Vi har fået flere konsulenter. Det har hjulpet."
    assert transcript.text.startswith("Anne Berg: Vi har")  # the name once, at the turn
    assert (first.timestamp, first.end_timestamp) == ("00:00:01", "00:00:07")


def test_vtt_zoom_labels_inside_cues(tmp_path):
    path = tmp_path / "zoom.vtt"
    path.write_text(
        "WEBVTT\n\n1\n00:00:01.000 --> 00:00:03.000\nInterviewer: Hvad er din rolle?\n\n"
        "2\n00:00:03.000 --> 00:00:08.000\nKarin Holm: Jeg er sagsbehandler.\n", encoding="utf-8")
    transcript = read_transcript(path)
    assert [t.speaker for t in transcript.turns] == ["Interviewer", "Karin Holm"]
    turn = transcript.turns[1]
    assert transcript.text[turn.start:turn.end] == "Jeg er sagsbehandler."


def test_srt_cue_without_label_continues_speaker(tmp_path):
    path = tmp_path / "meeting.srt"
    path.write_text(
        "1\n00:00:01,000 --> 00:00:03,000\nInterviewer: Fortæl om samarbejdet.\n\n"
        "2\n00:00:03,500 --> 00:00:06,000\nPeter: Vi sidder sammen nu.\n\n"
        "3\n00:00:06,000 --> 00:00:09,000\nDet gør en stor forskel.\n\n"
        "4\n00:00:09,000 --> 00:00:10,000\nInterviewer: Tak.\n", encoding="utf-8")
    transcript = read_transcript(path)
    assert [t.speaker for t in transcript.turns] == ["Interviewer", "Peter", "Interviewer"]
    peter = transcript.turns[1]
    assert transcript.text[peter.start:peter.end].endswith("Det gør en stor forskel.")
    assert peter.end_timestamp == "00:00:09"


def test_text_crlf_bom_and_front_matter(tmp_path):
    path = tmp_path / "soendera.txt"
    body = ("---\nmunicipality: Sønderå\nlanguage: da\ninterview_type: individuelt\n---\n"
            "Interviewer: Hvad med ledelsen?\n\nLise: Chefen bakker op.\nHun er synlig.\n")
    path.write_bytes(b"\xef\xbb\xbf" + body.replace("\n", "\r\n").encode("utf-8"))
    transcript = read_transcript(path)
    assert transcript.attributes == {"municipality": "Sønderå", "interview_type": "individuelt"}
    assert "\r" not in transcript.text and not transcript.text.startswith("\ufeff")
    lise = transcript.turns[1]
    assert transcript.text[lise.start:lise.end] == "Chefen bakker op.\nHun er synlig."


def test_cp1252_text_is_read_with_warning(tmp_path):
    path = tmp_path / "gammel.txt"
    path.write_bytes("Interviewer: Hvordan går det?\nBørge: Det går fint på kontoret.\n".encode("cp1252"))
    transcript = read_transcript(path)
    assert "Børge" in [t.speaker for t in transcript.turns]
    assert any("cp1252" in w for w in transcript.warnings)


def test_markdown_bold_labels(tmp_path):
    path = tmp_path / "fokus.md"
    path.write_text("---\nmunicipality: Vestlund\n---\n# Fokusgruppe\n\n**Interviewer:** Velkommen.\n\n"
                    "**Sofie:** Tak. Vi er tre i dag.\n\n**Omar**: Ja.\n", encoding="utf-8")
    transcript = read_transcript(path)
    assert [t.speaker for t in transcript.turns] == ["Interviewer", "Sofie", "Omar"]
    sofie = transcript.turns[1]
    assert transcript.text[sofie.start:sofie.end] == "Tak. Vi er tre i dag."


def test_english_is_detected(tmp_path):
    path = tmp_path / "english.txt"
    path.write_text("Interviewer: How do you work with the employers?\n"
                    "Sam: We visit them and we talk about what they need, and that is what works.\n")
    assert read_transcript(path).language == "en"


def test_sentence_with_colon_is_not_a_label(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("Anne: Det er sådan.\nDet er sådan: vi mangler tid.\n")
    transcript = read_transcript(path)
    assert len(transcript.turns) == 1
    assert transcript.text[transcript.turns[0].start:transcript.turns[0].end].endswith("vi mangler tid.")


MANIFEST_HEADER = "source,speaker,participant,role,municipality,interview_type\n"


def make_corpus(tmp_path: Path) -> tuple[Path, Path]:
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "a.txt").write_text("Interviewer: Hej.\n\nAnne: Borgerne kan meget.\n", encoding="utf-8")
    (folder / "b.txt").write_text("Interviewer: Hej igen.\n\nAnne: Stadig enig.\n\nBo: Jeg er ikke enig.\n\n"
                                  "Carl: Vi mangler konsulenter.\n", encoding="utf-8")
    (folder / "README.md").write_text("# Not a transcript\n", encoding="utf-8")
    manifest = tmp_path / "participants.csv"
    manifest.write_text(
        MANIFEST_HEADER
        + "a.txt,,,,Nordby,individuelt\n"
        + "a.txt,Interviewer,INT-1,Interviewer,,\n"
        + "a.txt,Anne,NOR-PL-1,Projektleder,Nordby,individuelt\n"
        + "b.txt,,,,Nordby,fokusgruppe\n"
        + "b.txt,Interviewer,INT-1,Interviewer,,\n"
        + "b.txt,Anne,NOR-PL-1,Projektleder,Nordby,fokusgruppe\n"
        + "b.txt,Bo,NOR-S-1,Sagsbehandler,Nordby,fokusgruppe\n"
        + "b.txt,Carl,NOR-VK-1,Virksomhedskonsulent,Nordby,fokusgruppe\n",
        encoding="utf-8")
    return folder, manifest


def test_import_folder_with_manifest(tmp_path):
    folder, manifest = make_corpus(tmp_path)
    project = tmp_path / "p.db"
    result = run(project, "import", str(folder), "--manifest", str(manifest))
    assert "imported a.txt" in result.output and "imported b.txt" in result.output
    participants = json.loads(run(project, "participants", "--format", "json").output)
    by_id = {p["participant"]: p for p in participants}
    assert set(by_id) == {"INT-1", "NOR-PL-1", "NOR-S-1", "NOR-VK-1"}
    # one identity across sources; interview_type differs per source so it stays on the sources
    assert by_id["NOR-PL-1"]["turns"] == 2 and by_id["NOR-PL-1"]["interview_type"] is None
    assert by_id["NOR-S-1"]["role"] == "Sagsbehandler"
    shown = json.loads(run(project, "show", "b.txt", "--format", "json").output)
    assert shown["attributes"] == {"interview_type": "fokusgruppe", "municipality": "Nordby"}
    roles = [(t["speaker"], t["role"]) for t in shown["turns"]]
    assert roles == [("Interviewer", "Interviewer"), ("Anne", "Projektleder"), ("Bo", "Sagsbehandler"),
                     ("Carl", "Virksomhedskonsulent")]
    text = Project.open(project).source("b.txt")["text"]
    for turn in shown["turns"]:
        assert turn["text"] == text[turn["start"]:turn["end"]]
    sources = json.loads(run(project, "sources", "--format", "json").output)
    assert [s["name"] for s in sources] == ["a.txt", "b.txt"]  # README.md in a folder is passed over


def test_participants_listed_the_same_by_a_project_from_before_the_speaker_index(tmp_path):
    folder, manifest = make_corpus(tmp_path)
    project = tmp_path / "p.db"
    run(project, "import", str(folder), "--manifest", str(manifest))
    listed = run(project, "participants", "--format", "json").output
    with sqlite3.connect(project) as db:  # as the project was before m015
        db.execute("DROP INDEX speakers_participant")
        db.execute("DELETE FROM migrations WHERE name = 'm015_speakers_by_participant'")
        plan = " ".join(r[3] for r in db.execute(
            "EXPLAIN QUERY PLAN SELECT count(*) FROM speakers WHERE participant_id = 1"))
    assert "speakers_participant" not in plan
    assert run(project, "participants", "--format", "json").output == listed  # opening it made the index again
    with sqlite3.connect(project) as db:
        plan = " ".join(r[3] for r in db.execute(
            "EXPLAIN QUERY PLAN SELECT count(*) FROM speakers WHERE participant_id = 1"))
    assert "speakers_participant" in plan
    by_id = {p["participant"]: p for p in json.loads(listed)}
    assert by_id["NOR-PL-1"]["appears_in"] == "a.txt (Anne); b.txt (Anne)" and by_id["NOR-PL-1"]["turns"] == 2


@pytest.mark.parametrize("row,message", [
    # (a row for a source not imported yet waits in the project: tests/test_interview_list.py)
    ("a.txt,Zoe,X-1,Leder,Nordby,\n", "row 2: speaker 'Zoe' never speaks in a.txt (speakers there: Anne, Interviewer)"),
    ("a.txt,Anne,X-1,Leder,Nordby,\na.txt,Anne,X-2,Leder,Nordby,\n",
     "row 3: speaker 'Anne' of a.txt is mapped twice (rows 2 and 3)"),
    # two roles for one participant in one source (in two sources they are the participant's
    # role in each: tests/test_interview_list.py)
    ("a.txt,Anne,X-1,Leder,Nordby,\na.txt,Interviewer,X-1,Mentor,Nordby,\n",
     "row 3: participant X-1 has role 'Leder' in row 2 but 'Mentor' here, both in a.txt"),
    ("a.txt,Anne,X-1,Leder,Nordby\n", "row 2: the row has 5 cells but the header 6: a cell is missing "
     "(the header: source, speaker, participant, role, municipality, interview_type)"),
    ("a.txt,Anne,X-1,Leder,Nordby,,x\n", "row 2: the row has 7 cells but the header only 6: a cell too many ('x'), "
     "or a delimiter inside a cell without quotes?"),
])
def test_manifest_errors_name_the_row_and_change_nothing(tmp_path, row, message):
    folder, _ = make_corpus(tmp_path)
    project = tmp_path / "p.db"
    run(project, "import", str(folder))
    before = run(project, "participants", "--format", "json").output
    bad = tmp_path / "bad.csv"
    bad.write_text(MANIFEST_HEADER + row, encoding="utf-8")
    result = run(project, "import", "--manifest", str(bad), ok=False)
    assert result.exit_code == 1
    assert result.output.strip() == f"Error: {bad}, {message}"
    assert run(project, "participants", "--format", "json").output == before


def test_manifest_from_xlsx(tmp_path):
    import openpyxl

    folder, _ = make_corpus(tmp_path)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["source", "speaker", "participant", "role", "municipality"])
    sheet.append(["a.txt", "Anne", "P-7", "Mentor", "Østerhavn"])
    book.save(tmp_path / "m.xlsx")
    project = tmp_path / "p.db"
    run(project, "import", str(folder / "a.txt"), "--manifest", str(tmp_path / "m.xlsx"))
    participants = json.loads(run(project, "participants", "--format", "json").output)
    mentor = next(p for p in participants if p["participant"] == "P-7")
    assert mentor["role"] == "Mentor" and mentor["municipality"] == "Østerhavn"
    # the interviewer without a row is still recognised by its label
    interviewer = next(p for p in participants if p["participant"] != "P-7")
    assert interviewer["role"] == "Interviewer" and interviewer["from_manifest"] is False


def test_reimport_unchanged_changed_and_replace(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("Interviewer: Hej.\n\nAnne: Borgerne kan meget. Lederen bakker op.\n", encoding="utf-8")
    project = tmp_path / "p.db"
    run(project, "import", str(path))
    p = Project.open(project)
    source = p.source("a.txt")
    text = source["text"]
    with p.transaction():
        code_id = p.store.upsert_code(code="belief", parent_id=None, labels={"da": "Tro", "en": "Belief"})
        start_a = text.index("Borgerne kan meget.")
        start_b = text.index("Lederen bakker op.")
        p.store.insert_codings([
            {"source_id": source["id"], "start": start_a, "end": start_a + 19, "code_id": code_id,
             "coder": "mette", "origin": "manual"},
            {"source_id": source["id"], "start": start_b, "end": start_b + 18, "code_id": code_id,
             "coder": "mette", "origin": "manual"},
            {"source_id": source["id"], "start": 0, "end": 11, "code_id": code_id,
             "coder": "mette", "origin": "manual"},
        ])
    p.close()
    assert "unchanged a.txt" in run(project, "import", str(path)).output
    path.write_text("Interviewer: Hej med dig.\n\nAnne: Borgerne kan meget. Chefen bakker op.\n", encoding="utf-8")
    refused = run(project, "import", str(path), ok=False)
    assert refused.exit_code == 1
    assert "use --replace" in refused.output
    replaced = run(project, "import", str(path), "--replace")
    assert "replaced a.txt: codings kept 1, moved 1, dropped 1" in replaced.output
    p = Project.open(project)
    texts = sorted(c["text"] for c in p.codings())
    assert texts == ["Borgerne kan meget.", "Interviewer"]


@pytest.mark.parametrize("name,content,message", [
    ("empty.txt", b"", "the file is empty"),
    ("nolabels.txt", "Bare tekst uden talere.\nMere tekst.\n".encode(), "no speaker label found"),
    ("broken.docx", b"this is not a zip", "not a Word .docx file"),
    ("notes.pdf", b"%PDF-1.4", "unknown file type '.pdf'"),
    ("bad.vtt", b"00:00:01.000 --> 00:00:02.000\nAnne: hej\n", "line 1: a WebVTT file must start with 'WEBVTT'"),
])
def test_bad_files_give_clear_errors(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    result = run(tmp_path / "p.db", "import", str(path), ok=False)
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: {path}")
    assert message in result.output
    assert "Traceback" not in result.output


def test_failed_import_leaves_project_unchanged(tmp_path):
    folder, _ = make_corpus(tmp_path)
    project = tmp_path / "p.db"
    run(project, "import", str(folder / "a.txt"))
    (folder / "zz_broken.txt").write_text("ingen talere her\n", encoding="utf-8")
    result = run(project, "import", str(folder), ok=False)
    assert result.exit_code == 1 and "zz_broken.txt" in result.output
    db = sqlite3.connect(project)
    assert [r[0] for r in db.execute("SELECT name FROM sources")] == ["a.txt"]
    assert db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0] == str(
        len(__import__("coding.store", fromlist=["MIGRATIONS"]).MIGRATIONS))


def test_project_from_environment_and_python_module(tmp_path, monkeypatch):
    import subprocess
    import sys

    folder, manifest = make_corpus(tmp_path)
    env = {**__import__("os").environ, "CODING_PROJECT": str(tmp_path / "env.db")}
    done = subprocess.run([sys.executable, "-m", "coding", "import", str(folder / "a.txt")],
                          capture_output=True, text=True, env=env, cwd=Path(__file__).resolve().parents[1])
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "env.db").exists()


@pytest.mark.parametrize("line, label, timestamp, rest", [
    ("I: Hvordan går det?", "I", None, "Hvordan går det?"),
    ("(00:01:05) Anne: Godt.", "Anne", "00:01:05", "Godt."),
    ("Anne [00:01:05]: Godt.", "Anne", "00:01:05", "Godt."),
    ("Anne (VK) [00:01:05]: Godt.", "Anne (VK)", "00:01:05", "Godt."),
    ("00:01:05 - Anne-Marie Sørensen (S): Godt.", "Anne-Marie Sørensen (S)", "00:01:05", "Godt."),
    ("Interviewer:Hvad så?", "Interviewer", None, "Hvad så?"),
    ("Anne van Berg: Ja.", "Anne van Berg", None, "Ja."),
    ("Karen af Holm (L): Ja.", "Karen af Holm (L)", None, "Ja."),
])
def test_label_variants(line, label, timestamp, rest):
    from coding.ingest.labels import split_label

    found, stamp, offset = split_label(line)
    assert (found, stamp, line[offset:]) == (label, timestamp, rest)


@pytest.mark.parametrize("line", ["Kl. 10:30 mødtes vi igen.", "Mandag: travl dag.", "Det er sådan: vi prøver.",
                                  "Mette og de andre: de kom.",
                                  "Målet er klart: flere i job."])
def test_lines_that_are_not_labels(line):
    from coding.ingest.labels import split_label

    assert split_label(line) is None


def test_label_alone_on_its_line_starts_the_turn_on_the_next(tmp_path):
    path = tmp_path / "alene.txt"
    path.write_text("Interview i Åbæk\n\nI:\nHvad laver du?\n\nBo (VK):\nJeg ringer til virksomheder.\nHver dag.\n",
                    encoding="utf-8")
    transcript = read_transcript(path)
    texts = [(t.speaker, transcript.text[t.start:t.end]) for t in transcript.turns]
    assert texts == [("I", "Hvad laver du?"), ("Bo (VK)", "Jeg ringer til virksomheder.\nHver dag.")]


SAMPLE = Path(__file__).resolve().parents[1] / "transcripts_sample"


def test_sample_corpus_imports_with_its_manifest(tmp_path):
    project = Project.open(tmp_path / "sample.db")
    project.import_paths([SAMPLE], manifest=SAMPLE / "participants.csv")
    sources = project.sources()
    assert len(sources) >= 12
    assert {s["format"] for s in sources} >= {"docx", "txt", "md", "vtt", "srt"}
    assert {s["municipality"] for s in sources} == {"Nordby", "Åbæk", "Kildemose", "Lyngholt"}
    participants = project.participants()
    assert all(p["from_manifest"] for p in participants), "every speaker is named in the manifest"
    roles = {p["role"] for p in participants}
    assert roles >= {"Leder", "Projektleder", "Sagsbehandler", "Virksomhedskonsulent", "Mentor", "Borger",
                     "Interviewer"}
    words = []
    mixed_groups = 0
    for source in sources:
        shown = project.show(source["name"])
        respondent_roles = {t["role"] for t in shown["turns"] if t["role"] != "Interviewer"}
        mixed_groups += source.get("interview_type") == "fokusgruppe" and len(respondent_roles) >= 2
        words.append(sum(len(t["text"].split()) for t in shown["turns"]))
    assert mixed_groups >= 2
    assert sum(words) / len(words) >= 800


def test_a_file_that_is_not_a_project_is_refused(tmp_path):
    other = tmp_path / "notes.db"
    other.write_text("not a database, just notes\n" * 100, encoding="utf-8")
    result = run(other, "sources", ok=False)
    assert result.exit_code == 1
    assert "not a project file" in result.output and "Traceback" not in result.output
