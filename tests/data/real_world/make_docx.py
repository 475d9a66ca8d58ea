"""The Word files of the real-world corpus, written with python-docx (tests call :func:`write_all`).

Layouts as Teams and Word save them: Teams (a) the cue line, the name alone, the text; Teams (b)
the name and a time on one line, then the text; Word's Transcribe (``00:00:05 Speaker 1``, then
the text); bold names without a colon; tracked changes; a heading that ends the transcript.
Run it as a script to write them beside it: ``python tests/data/real_world/make_docx.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import docx
from docx.oxml.ns import qn


def teams_a(path: Path) -> None:
    document = docx.Document()
    cues = [("0:0:0.0 --> 0:0:4.120", "Hanne Rask", "Godmorgen, og tak fordi du ville tale med os."),
            ("0:0:4.120 --> 0:0:7.800", "Jakob Lind", "Selvfølgelig. Jeg har sat en time af."),
            ("0:0:7.800 --> 0:0:12.350", "Hanne Rask", "Hvordan startede samarbejdet med erhvervsskolen?"),
            ("0:0:12.350 --> 0:0:20.10", "Jakob Lind", "Det startede med en kaffe. Rektor ringede til mig.")]
    for cue, name, text in cues:
        document.add_paragraph(cue)
        document.add_paragraph(name)
        document.add_paragraph(text)
    document.save(path)


def teams_a_line_breaks(path: Path) -> None:
    """Layout (a) with the cue, name and text as lines of one paragraph."""
    document = docx.Document()
    cues = [("0:0:1.0 --> 0:0:3.500", "Sara Holt", "Are we recording?"),
            ("0:0:3.500 --> 0:0:6.0", "Ben Carter", "Yes, we are. Go ahead."),
            ("0:0:6.0 --> 0:0:11.200", "Sara Holt", "Tell me about the first month of the project.")]
    for cue, name, text in cues:
        paragraph = document.add_paragraph()
        run = paragraph.add_run(cue)
        run.add_break()
        run = paragraph.add_run(name)
        run.add_break()
        paragraph.add_run(text)
    document.save(path)


def teams_b(path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("Møde om praktikforløb")
    turns = [("Anne Holm", "0:03", "Skal vi starte med status på praktikpladserne?"),
             ("Kim Nørgaard", "0:09", "Ja. Vi har fundet otte nye pladser siden sidst."),
             ("Anne Holm", "0:21", "Flot. Er der nogen, der er faldet fra?"),
             ("Kim Nørgaard", "0:27", "To. Den ene fik arbejde, den anden blev syg.")]
    for name, time, text in turns:
        document.add_paragraph(f"{name}   {time}")
        document.add_paragraph(text)
    document.save(path)


def word_transcribe(path: Path) -> None:
    document = docx.Document()
    turns = [("00:00:05", "Speaker 1", "Thanks for joining. Could you introduce yourself?"),
             ("00:00:11", "Speaker 2", "Sure. I manage the volunteer centre in Westbury."),
             ("00:00:18", "Speaker 1", "How many volunteers do you have?"),
             ("00:00:22", "Speaker 2", "About sixty who come every week.")]
    for time, name, text in turns:
        document.add_paragraph(f"{time} {name}")
        document.add_paragraph(text)
    document.save(path)


def bold_names(path: Path) -> None:
    document = docx.Document()
    document.add_heading("Interview med sagsbehandler", level=1)
    turns = [("Interviewer", " Hvor mange sager har du lige nu?"),
             ("Pia Skov", " Omkring femogtyve. Det er lidt for mange."),
             ("Interviewer", " Hvad ville du ønske dig?"),
             ("Pia Skov", None)]
    for name, text in turns:
        paragraph = document.add_paragraph()
        paragraph.add_run(name).bold = True
        if text:
            paragraph.add_run(text)
    document.add_paragraph("Mere tid til hver borger. Og færre skemaer.")
    document.save(path)


def _wrap(run, tag: str, change_id: int) -> None:
    """Put a run inside a tracked-change element (w:ins or w:del)."""
    wrapper = run._r.makeelement(qn(tag), {qn("w:id"): str(change_id), qn("w:author"): "Redaktør",
                                          qn("w:date"): "2026-03-01T10:00:00Z"})
    run._r.addprevious(wrapper)
    wrapper.append(run._r)
    if tag == "w:del":
        for t in run._r.findall(qn("w:t")):
            t.tag = qn("w:delText")


def tracked_changes(path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("Interviewer: Hvordan kom du i job?")
    paragraph = document.add_paragraph("Lars: Via en praktik")
    _wrap(paragraph.add_run(" hos en tømrer"), "w:ins", 1)
    _wrap(paragraph.add_run(" hos en murer"), "w:del", 2)
    paragraph.add_run(" i Vesthavn.")
    document.add_paragraph("Interviewer: Og nu?")
    paragraph = document.add_paragraph("Lars: Nu er jeg ")
    _wrap(paragraph.add_run("fastansat"), "w:ins", 3)
    paragraph.add_run(".")
    document.save(path)


def heading_summary(path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("Interviewer: What would you change about the programme?")
    document.add_paragraph("Nadia: Shorter waiting lists. People give up while they wait.")
    document.add_paragraph("Interviewer: Thank you very much.")
    document.add_heading("Key points", level=2)
    document.add_paragraph("Waiting lists are the main barrier according to the respondent.")
    document.add_paragraph("Follow up with the programme office in June.")
    document.save(path)


def written_answer(path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("Min oplevelse af forløbet har været god. Jeg blev mødt af folk, der lyttede.")
    document.add_paragraph("Det sværeste var at komme op om morgenen de første uger.")
    document.add_paragraph("Jeg vil gerne fortsætte i det samme firma, hvis de vil have mig.")
    document.save(path)


WRITERS = {"teams_a.docx": teams_a, "teams_a_line_breaks.docx": teams_a_line_breaks, "teams_b.docx": teams_b,
           "word_transcribe.docx": word_transcribe, "bold_names.docx": bold_names,
           "tracked_changes.docx": tracked_changes, "heading_summary.docx": heading_summary,
           "written_answer.docx": written_answer}


def write_all(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, writer in WRITERS.items():
        writer(folder / name)
        paths.append(folder / name)
    return paths


if __name__ == "__main__":
    for written in write_all(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent):
        print(written)
