"""The real-world corpus (issue 27): every transcript layout, encoding and refusal, each file with its
expected speakers, turns and the exact text of some turns.

Text files live in tests/data/real_world/; the Word files are written by its make_docx.py with
python-docx, the way Teams and Word lay them out.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from coding.errors import InputError
from coding.ingest import read_transcript

CORPUS = Path(__file__).resolve().parent / "data" / "real_world"
sys.path.insert(0, str(CORPUS))
import make_docx  # noqa: E402


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    """The text files and the Word files in one folder."""
    folder = tmp_path_factory.mktemp("real_world")
    for path in CORPUS.iterdir():
        if path.suffix != ".py" and path.is_file():
            (folder / path.name).write_bytes(path.read_bytes())
    make_docx.write_all(folder)
    return folder


# file: (speakers in turn order, {turn index: exact text}, {turn index: timestamp}, language)
EXPECTED = {
    "qualcoder_ids.txt": (["id1", "id2", "id1", "id2", "id1"],
                          {3: "At first very little. Then the manager gave us time on Fridays.\n"
                              "The Fridays made the difference, honestly."}, {}, "en"),
    "qualcoder_names.txt": (["Interviewer", "Signe", "Interviewer", "Signe", "Interviewer"],
                            {3: "[griner] At vente. Borgerne skal selv tage skridtet."}, {}, "da"),
    "zoom_cc.txt": (["Mads Krogh", "Lone Bach", "Mads Krogh", "Lone Bach"],
                    {3: "Jeg er virksomhedskonsulent og har været det i seks år.\nFør det arbejdede jeg i en bank."},
                    {0: "11:02:09", 3: "11:02:30"}, "da"),
    "zoom_web.txt": (["Karin Vestergaard", "Tom Ellis", "Karin Vestergaard", "Tom Ellis"],
                     {1: "Yes, loud and clear.",
                      3: "The pilot ran for nine months. We enrolled forty people.\nMost of them stayed the whole time."},
                     {0: "00:00:03", 3: "00:00:16"}, "en"),
    "teams_export.md": (["Astrid Lund", "Peter Friis", "Astrid Lund", "Peter Friis"],
                        {3: "Around twenty. Most of them were small firms in the harbour area."},
                        {0: "00:00:01", 2: "00:00:12"}, "en"),
    "speech_to_text.txt": (["Unknown", "Unknown", "Speaker 2", "Speaker 2", "Unknown", "Speaker 2"],
                           {1: "Could you say your name and what you do?",
                            3: "There are eleven mentors at the moment."},
                           {0: "00:01", 1: "00:04", 2: "00:09", 3: "00:15", 4: "00:21", 5: "00:27"}, "en"),
    "space_before_colon.txt": (["Interviewer1", "Participant3", "Interviewer1", "Participant3"],
                               {3: "Twelve right now, which is a lot."}, {}, "en"),
    "numbered_labels.txt": (["Interviewer 1", "Interviewee", "Interviewee", "Interviewer 2", "Interviewee"],
                            {1: "Vi havde en idé, som vi ikke kunne finansiere selv.",
                             2: "Og så kom opslaget på det rigtige tidspunkt."}, {}, "da"),
    "lowercase_labels.txt": (["interviewer", "respondent", "interviewer", "respondent"],
                             {3: "der er kommet en fast kontaktperson.\ndet gør meget."}, {}, "da"),
    "q_and_a.txt": (["Q", "A", "Q", "A"], {3: "Paperwork. Too many forms that nobody reads."}, {}, "en"),
    "i_r_ip.txt": (["I", "IP", "I", "IP", "R"], {1: "Jeg er 34 og har været ledig i to år."}, {}, "da"),
    "braces.txt": (["Anne", "Birgit", "Anne", "Birgit"], {1: "Siden januar sidste år."}, {}, "da"),
    "dash_roles.txt": (["Interviewer", "Anne - VK", "Jonas - SB", "Interviewer", "Anne - VK"],
                       {2: "Og jeg tager mig af borgerne, før de kommer ud."}, {}, "da"),
    "long_labels.txt": (["Moderator", "Mette Kjær Holm (Nordby Jobcenter)",
                         "Projektleder Anne Marie Holm Jensen Kildebjerg", "Moderator",
                         "Projektleder Anne Marie Holm Jensen Kildebjerg", "Mette Kjær Holm (Nordby Jobcenter)"],
                        {4: "Det vigtigste er at have tid til borgerne.\nMin pointe er enkel: uden tid sker der ingenting.",
                         5: "Enig. Og vi har lært noget vigtigt: lyt først."}, {}, "da"),
    "preamble_prose.txt": (["Unknown", "Interviewer", "Kasper", "Interviewer", "Kasper"],
                           {0: "Dette interview blev optaget i Solbakke Kommune i foråret, og lydfilen blev skrevet "
                               "ud af en studentermedhjælper, som ikke kendte deltagerne på forhånd."}, {}, "da"),
    "hungarian.txt": (["Kérdező", "Válaszadó", "Kérdező", "Válaszadó"],
                      {2: "Mi volt a legnehezebb az első hónapokban?"}, {}, "hu"),
    "english_focus_group.txt": (["Facilitator", "Priya", "Owen", "Facilitator", "Owen", "Priya"],
                                {4: "Two apprentices, and both of them are still with us after a year."}, {}, "en"),
    "cue_before_voice.vtt": (["Unknown", "Helle Dam", "Ali Yilmaz", "Helle Dam", "Ali Yilmaz"],
                             {0: "Okay, er vi i gang? Optagelsen kører vist.",
                              4: "Jeg kører bus om natten, og om dagen passer jeg min datter."},
                             {0: "00:00:00", 1: "00:00:03"}, "da"),
    "end_before_start.vtt": (["Interviewer", "Rikke", "Interviewer", "Rikke"],
                             {1: "I august, lige efter sommerferien."}, {1: "00:00:09"}, "da"),
    "utf8_bom.txt": (["Interviewer", "Børge", "Interviewer", "Børge"],
                     {1: "Det går fint. Vi har fået en ny leder på kontoret i Ærøby."}, {}, "da"),
    "utf16le_bom.txt": (["Interviewer", "Børge", "Interviewer", "Børge"],
                        {3: "At der bliver lyttet. Før følte vi os glemt."}, {}, "da"),
    "utf16be_bom.txt": (["Interviewer", "Børge", "Interviewer", "Børge"],
                        {3: "At der bliver lyttet. Før følte vi os glemt."}, {}, "da"),
    "cp1252_windows.txt": (["Interviewer", "Børge", "Interviewer", "Børge"],
                           {1: "Det går fint. Vi har fået en ny leder på kontoret i Ærøby."}, {}, "da"),
    "teams_a.docx": (["Hanne Rask", "Jakob Lind", "Hanne Rask", "Jakob Lind"],
                     {3: "Det startede med en kaffe. Rektor ringede til mig."},
                     {0: "00:00:00", 1: "00:00:04", 3: "00:00:12"}, "da"),
    "teams_a_line_breaks.docx": (["Sara Holt", "Ben Carter", "Sara Holt"],
                                 {1: "Yes, we are. Go ahead."}, {2: "00:00:06"}, "en"),
    "teams_b.docx": (["Anne Holm", "Kim Nørgaard", "Anne Holm", "Kim Nørgaard"],
                     {1: "Ja. Vi har fundet otte nye pladser siden sidst."}, {0: "0:03", 3: "0:27"}, "da"),
    "word_transcribe.docx": (["Speaker 1", "Speaker 2", "Speaker 1", "Speaker 2"],
                             {1: "Sure. I manage the volunteer centre in Westbury."}, {0: "00:00:05"}, "en"),
    "bold_names.docx": (["Interviewer", "Pia Skov", "Interviewer", "Pia Skov"],
                        {1: "Omkring femogtyve. Det er lidt for mange.",
                         3: "Mere tid til hver borger. Og færre skemaer."}, {}, "da"),
    "tracked_changes.docx": (["Interviewer", "Lars", "Interviewer", "Lars"],
                             {1: "Via en praktik hos en tømrer i Vesthavn.", 3: "Nu er jeg fastansat."}, {}, "da"),
    "heading_summary.docx": (["Interviewer", "Nadia", "Interviewer"],
                             {2: "Thank you very much."}, {}, "en"),
}

REFUSED = {
    "film_subtitles.srt": "found 1 speaker label in 30 cues: not a transcript?",
    "design_memo.md": "found 1 speaker label in 11 lines: not a transcript?",
    "written_answer.txt": "no speaker label found",
    "written_answer.docx": "no speaker label found",
    "bad_time_line.vtt": "cue at line 6: the cue's time line '00:00:04.000 -> 00:00:07.000' cannot be read",
    "impossible_time.srt": "cue at line 6: impossible time '99:99:99,000'",
    "utf16_without_bom.txt": "line 1: the file holds NUL bytes: UTF-16 or UTF-32 text without a byte-order mark",
    "not_text.txt": "line 2: neither UTF-8 (line 2: invalid start byte) nor cp1252 text (byte 0x81 has no cp1252 "
                    "character)",
}


def test_the_corpus_has_every_file_it_lists(corpus):
    names = {p.name for p in corpus.iterdir()}
    assert set(EXPECTED) | set(REFUSED) == names
    assert len(names) >= 25


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_transcript_layouts(corpus, name):
    speakers, texts, stamps, language = EXPECTED[name]
    transcript = read_transcript(corpus / name)
    assert [t.speaker for t in transcript.turns] == speakers
    for index, text in texts.items():
        turn = transcript.turns[index]
        assert transcript.text[turn.start:turn.end] == text
    for index, stamp in stamps.items():
        assert transcript.turns[index].timestamp == stamp
    assert transcript.language == language
    for turn in transcript.turns:  # a label never stays in a turn's text
        body = transcript.text[turn.start:turn.end]
        assert not body.startswith(turn.speaker)
        for line in body.split("\n")[1:]:
            assert not line.startswith((turn.speaker + ":", "[" + turn.speaker, "**" + turn.speaker))


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_refused_files_say_why(corpus, name):
    with pytest.raises(InputError) as error:
        read_transcript(corpus / name)
    assert REFUSED[name] in str(error.value)
    assert str(error.value).startswith(str(corpus / name))


def test_no_word_of_a_transcript_is_outside_its_turns_but_titles_and_summaries(corpus):
    """Every word of the body is in a turn, except a short title block and text under a heading."""
    outside = {"qualcoder_names.txt": "Interview med mentor, Østby Kommune",
               "teams_export.md": "# Meeting transcript: job centre follow-up",
               "teams_b.docx": "Møde om praktikforløb",
               "bold_names.docx": "Interview med sagsbehandler"}
    for name in ("qualcoder_names.txt", "preamble_prose.txt", "zoom_web.txt", "teams_b.docx", "bold_names.docx",
                 "tracked_changes.docx", "cue_before_voice.vtt"):
        transcript = read_transcript(corpus / name)
        covered = set()
        for turn in transcript.turns:
            covered.update(range(turn.start, turn.end))
        rest = "".join(ch if i not in covered else "\n" for i, ch in enumerate(transcript.text))
        leftover = [line.strip() for line in rest.split("\n") if line.strip()]
        labels = {t.speaker for t in transcript.turns}
        for line in leftover:
            bare = line.strip("[]*{}: ")
            assert (bare in labels or line == outside.get(name) or any(line.startswith(s) for s in labels)
                    or line.replace(":", "").replace(".", "").replace(" ", "").isdigit()), (name, line)


def test_a_heading_ends_the_turn(corpus):
    transcript = read_transcript(corpus / "heading_summary.docx")
    assert "Waiting lists are the main barrier" in transcript.text
    assert all("Waiting lists" not in transcript.text[t.start:t.end] for t in transcript.turns)
    transcript = read_transcript(corpus / "teams_export.md")
    assert "Key decisions" in transcript.text
    assert all("Peter sends" not in transcript.text[t.start:t.end] for t in transcript.turns)


def test_warnings_name_the_file(corpus):
    assert read_transcript(corpus / "tracked_changes.docx").warnings == [
        "tracked_changes.docx: has unaccepted tracked changes (2 insertions, 1 deletions); inserted text is "
        "read as part of the transcript, deleted text is not"]
    assert read_transcript(corpus / "cp1252_windows.txt").warnings == [
        "cp1252_windows.txt: not UTF-8 (line 1); read as cp1252 (Windows) text"]
    assert read_transcript(corpus / "end_before_start.vtt").warnings == [
        "end_before_start.vtt, cue at line 6: ends (00:00:05.000) before it starts (00:00:09.000); its text is kept"]
    warning, = read_transcript(corpus / "preamble_prose.txt").warnings
    assert "line 1: text before the first speaker label has no speaker" in warning
    assert "mhjælper" not in read_transcript(corpus / "tracked_changes.docx").text  # no deleted text either
    assert "murer" not in read_transcript(corpus / "tracked_changes.docx").text


@pytest.mark.parametrize("name,turns", [("written_answer.txt", 1), ("written_answer.docx", 1)])
def test_single_speaker(corpus, name, turns):
    transcript = read_transcript(corpus / name, single_speaker="Borger 12")
    assert [t.speaker for t in transcript.turns] == ["Borger 12"] * turns
    words = transcript.text.split()
    spoken = " ".join(transcript.text[t.start:t.end] for t in transcript.turns).split()
    assert spoken == words  # every word, the .txt's first line too (plain text has no headings)


def test_roles_from_dash_labels():
    from coding.ingest.labels import looks_like_interviewer, role_from_label

    assert role_from_label("Anne - VK") == "Virksomhedskonsulent"
    assert role_from_label("Jonas - SB") == "Sagsbehandler"
    assert looks_like_interviewer("interviewer") and looks_like_interviewer("Interviewer1")
    assert looks_like_interviewer("Q") and not looks_like_interviewer("Interviewee")


@pytest.mark.parametrize("line", ["[laughs] That was funny.", "So basically: it works.",
                                  "Mette og de andre: de kom.", "The point is this: we wait."])
def test_things_that_look_like_labels_but_are_not(tmp_path, line):
    path = tmp_path / "a.txt"
    path.write_text(f"Anne: Hello.\n{line}\nBo: Yes.\n", encoding="utf-8")
    transcript = read_transcript(path)
    assert [t.speaker for t in transcript.turns] == ["Anne", "Bo"]
    assert transcript.text[transcript.turns[0].start:transcript.turns[0].end] == f"Hello.\n{line}"


def test_single_speaker_through_the_cli(corpus, tmp_path):
    from cli_helpers import run

    project = tmp_path / "p.db"
    refused = run(project, "import", str(corpus / "written_answer.docx"), ok=False)
    assert refused.exit_code == 1 and "--single-speaker NAME" in refused.output
    run(project, "import", str(corpus / "written_answer.docx"), "--single-speaker", "Borger 12")
    shown = json.loads(run(project, "show", "written_answer.docx", "--format", "json").output)
    assert [t["speaker"] for t in shown["turns"]] == ["Borger 12"]
    assert shown["turns"][0]["text"].endswith("hvis de vil have mig.")


def test_a_language_without_rules_is_shown_and_skipped(corpus, tmp_path):
    from cli_helpers import run

    project = tmp_path / "p.db"
    run(project, "import", str(corpus / "hungarian.txt"), str(corpus / "numbered_labels.txt"))
    codebook = Path(__file__).resolve().parents[1] / "codebooks" / "stv.yaml"
    result = run(project, "autocode", "--codebook", str(codebook))
    assert "skipped hungarian.txt: the codebook has no rules in its language (hu)" in result.output
    sources = {s["name"]: s for s in json.loads(run(project, "sources", "--format", "json").output)}
    assert sources["hungarian.txt"]["language"] == "hu"
    assert sources["hungarian.txt"]["rules"] == "none in hu: not auto-coded"
    assert sources["numbered_labels.txt"]["rules"] == "yes"
