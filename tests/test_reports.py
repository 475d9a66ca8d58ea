"""Report documents: summaries, case status, framework matrix (.docx/.xlsx), case-history appendix,
anonymization, templates, and the one-command pipeline on the sample corpus.

Every produced file is opened again (python-docx, openpyxl, zipfile) and read back."""

from __future__ import annotations

import csv
import json
import re
import sqlite3
import zipfile
from pathlib import Path

import docx
import openpyxl
import pytest
from docx.enum.section import WD_ORIENT
from docx.oxml.ns import qn

from coding import Project

from cli_helpers import run

ROOT = Path(__file__).resolve().parents[1]


# --------------------------------------------------------------------------- a small project

TRANSCRIPTS = {
    "nordby_fokusgruppe.txt": (
        "Fokusgruppe, Nordby Kommune\n\n"
        "[00:00:10] Moderator: Hvordan ser I på borgerne?\n\n"
        "[00:01:05] Mette (S): Jeg tror på, at alle borgere kan noget, hvis vi finder det rigtige sted.\n\n"
        "[00:02:30] Jonas (VK): Mette har ret. Vores chef i Nordby bakker os op hver uge.\n\n"
        "[00:03:00] Moderator: Og ledelsen?\n\n"
        "[00:03:20] Mette (S): Ledelsen prioriterer indsatsen, det mærker vi i Nordbys jobcenter.\n"
    ),
    "nordby_borger.txt": (
        "Interviewer: Hvordan kom du i praktik?\n\n"
        "Peter: Jonas fandt en plads til mig, og han troede på mig fra første dag.\n\n"
        "Interviewer: Tak.\n"
    ),
    "kildemose_leder.txt": (
        "Interviewer: Hvad er din rolle?\n\n"
        "Ole Bak (L): Jeg er chef i Kildemose, og jeg har gjort indsatsen til vores første prioritet.\n\n"
        "Interviewer: Tror medarbejderne på det?\n\n"
        "Ole Bak (L): Ja, de tror på borgerne nu, det gjorde de ikke for to år siden.\n"
    ),
}

MANIFEST = """source,speaker,participant,role,municipality
nordby_fokusgruppe.txt,,,,Nordby
nordby_fokusgruppe.txt,Moderator,INT-1,Interviewer,
nordby_fokusgruppe.txt,Mette (S),NOR-S1,Sagsbehandler,Nordby
nordby_fokusgruppe.txt,Jonas (VK),NOR-VK1,Virksomhedskonsulent,Nordby
nordby_borger.txt,,,,Nordby
nordby_borger.txt,Interviewer,INT-1,Interviewer,
nordby_borger.txt,Peter,NOR-B1,Borger,Nordby
kildemose_leder.txt,,,,Kildemose
kildemose_leder.txt,Interviewer,INT-1,Interviewer,
kildemose_leder.txt,Ole Bak (L),KIL-L1,Leder,Kildemose
"""

# (source, quoted text, code): every coding is the exact text, found in the transcript
CODINGS = [
    ("nordby_fokusgruppe.txt", "Jeg tror på, at alle borgere kan noget, hvis vi finder det rigtige sted.", "belief"),
    ("nordby_fokusgruppe.txt", "Mette har ret. Vores chef i Nordby bakker os op hver uge.", "leadership"),
    ("nordby_fokusgruppe.txt", "Ledelsen prioriterer indsatsen, det mærker vi i Nordbys jobcenter.", "priority"),
    ("nordby_fokusgruppe.txt", "Og ledelsen?", "leadership"),  # interviewer: left out
    ("nordby_borger.txt", "Jonas fandt en plads til mig, og han troede på mig fra første dag.", "belief"),
    ("kildemose_leder.txt", "Jeg er chef i Kildemose, og jeg har gjort indsatsen til vores første prioritet.", "priority"),
    ("kildemose_leder.txt", "Ja, de tror på borgerne nu, det gjorde de ikke for to år siden.", "belief"),
]

MANIFEST_NAMES_PEOPLE = ["Mette", "Jonas", "Peter", "Ole", "Bak", "Ole Bak", "NOR-S1", "NOR-VK1", "NOR-B1",
                         "KIL-L1", "INT-1"]
MANIFEST_NAMES_PLACES = ["Nordby", "Kildemose"]


def make_project(tmp_path: Path) -> Path:
    folder = tmp_path / "transcripts"
    folder.mkdir()
    for name, text in TRANSCRIPTS.items():
        (folder / name).write_text(text, encoding="utf-8")
    (tmp_path / "participants.csv").write_text(MANIFEST, encoding="utf-8")
    db = tmp_path / "p.db"
    run(db, "import", str(folder), "--manifest", str(tmp_path / "participants.csv"))
    with Project.open(db) as project, project.transaction():
        store = project.store
        belief = store.upsert_code(code="belief", parent_id=None, labels={"da": "Tro på borgeren", "en": "Belief"},
                                   position=1)
        leadership = store.upsert_code(code="leadership", parent_id=None,
                                       labels={"da": "Ledelse", "en": "Leadership"}, position=2)
        priority = store.upsert_code(code="priority", parent_id=leadership,
                                     labels={"da": "Prioritering", "en": "Priority"}, position=3)
        ids = {"belief": belief, "leadership": leadership, "priority": priority}
        rows = []
        for source, quote, code in CODINGS:
            row = store.source_by_name(source)
            start = row["text"].index(quote)
            rows.append(dict(source_id=row["id"], start=start, end=start + len(quote), code_id=ids[code],
                             coder="anna", origin="manual"))
        store.insert_codings(rows)
    return db


@pytest.fixture
def project(tmp_path) -> Path:
    return make_project(tmp_path)


def docx_xml_text(path: Path) -> str:
    """The text of every XML part of a .docx (body, tables, headers, footers, properties)."""
    with zipfile.ZipFile(path) as archive:
        parts = [archive.read(n).decode("utf-8") for n in archive.namelist() if n.endswith(".xml")]
    return "\n".join(re.sub(r"<[^>]+>", " ", p) for p in parts)


def headings(document, level: int) -> list[str]:
    return [p.text for p in document.paragraphs if p.style.name == f"Heading {level}"]


# --------------------------------------------------------------------------- summaries and status


def test_summary_set_list_and_remove(project):
    run(project, "summary", "set", "nordby", "belief", "Medarbejderne tror på borgerne.")
    run(project, "summary", "set", "Kildemose", "Ledelse", "Chefen har gjort det til en prioritet.")
    listed = json.loads(run(project, "summary", "list", "--format", "json").output)
    assert [(r["case"], r["code"], r["text"]) for r in listed] == [
        ("Kildemose", "leadership", "Chefen har gjort det til en prioritet."),
        ("Nordby", "belief", "Medarbejderne tror på borgerne."),
    ]
    run(project, "summary", "set", "Nordby", "belief", "")
    listed = json.loads(run(project, "summary", "list", "--format", "json").output)
    assert [r["case"] for r in listed] == ["Kildemose"]


@pytest.mark.parametrize("args, message", [
    (["Vestby", "belief", "x"], "'Vestby' is not a municipality in the project (municipality values: Kildemose, Nordby)"),
    (["Nordby", "nosuchtheme", "x"], "no code 'nosuchtheme' in the project's codebook"),
    (["Nordby", "belief", "x", "--case-by", "region"], "no participant or source has the attribute 'region'"),
])
def test_summary_set_errors(project, args, message):
    result = run(project, "summary", "set", *args, ok=False)
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output
    assert json.loads(run(project, "summary", "list", "--format", "json").output) == []


def test_case_status_and_listing(project):
    run(project, "case", "status", "Nordby", "sent", "--date", "2026-11-02")
    run(project, "case", "status", "nordby", "approved", "--date", "2026-11-20")
    run(project, "case", "status", "NOR-B1", "sent", "--case-by", "participant", "--date", "2026-11-21")
    rows = json.loads(run(project, "case", "list", "--format", "json").output)
    assert rows == [{"case": "Kildemose", "status": "draft", "date": None},
                    {"case": "Nordby", "status": "approved", "date": "2026-11-20"}]
    people = json.loads(run(project, "case", "list", "--case-by", "participant", "--format", "json").output)
    assert [r["case"] for r in people] == ["KIL-L1", "NOR-B1", "NOR-S1", "NOR-VK1"]  # interviewer is no case
    assert people[1]["status"] == "sent"
    bad = run(project, "case", "status", "Nordby", "approved", "--date", "2026-13-01", ok=False)
    assert bad.exit_code == 1 and "'2026-13-01' is not a date in the calendar" in bad.output
    bad = run(project, "case", "status", "Vestby", "approved", ok=False)
    assert bad.exit_code == 1 and "'Vestby' is not a municipality" in bad.output


def test_old_case_status_table_is_migrated(tmp_path):
    from coding.store import migrations as store_module

    path = tmp_path / "old.db"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
    store_module.m001_initial(db)
    db.execute("INSERT INTO migrations VALUES ('m001_initial', '2026-01-01')")
    db.execute("INSERT INTO case_status VALUES ('Nordby', 'approved', '2026-01-02', '2026-01-02')")
    db.commit()
    db.close()
    with Project.open(path) as project:
        rows = [dict(r) for r in project.store.case_statuses()]
    assert rows == [{"case_by": "municipality", "case_value": "Nordby", "status": "approved",
                     "date": "2026-01-02", "updated_at": "2026-01-02"}]


# --------------------------------------------------------------------------- framework matrix


def test_framework_docx_table_cases_down_themes_across(project, tmp_path):
    run(project, "summary", "set", "Nordby", "belief", "Medarbejderne tror på borgerne.")
    out = tmp_path / "framework.docx"
    run(project, "export", "framework", "--case-by", "municipality", "-o", str(out))
    document = docx.Document(out)
    assert document.sections[-1].orientation == WD_ORIENT.LANDSCAPE
    assert document.sections[-1].page_width > document.sections[-1].page_height
    assert [p.text for p in document.paragraphs if p.style.name == "Title"] == ["Temaer på tværs af cases"]
    table = document.tables[0]
    assert table.style.name == "Table Grid"
    header = [c.text for c in table.rows[0].cells]
    assert header == ["Kommune", "Tro på borgeren", "Ledelse"]
    assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    assert [r.cells[0].text for r in table.rows[1:]] == ["Kildemose", "Nordby"]
    nordby_belief = table.rows[2].cells[1].text
    assert nordby_belief.startswith("Medarbejderne tror på borgerne.\n2 segmenter · 2 deltagere\n")
    assert ("“Jeg tror på, at alle borgere kan noget, hvis vi finder det rigtige sted.” — "
            "Sagsbehandler (NOR-S1), nordby_fokusgruppe.txt, tur 2, 00:01:05") in nordby_belief
    assert "Borger (NOR-B1), nordby_borger.txt, tur 2" in nordby_belief
    # the parent theme counts its sub-code; the interviewer's question is left out
    nordby_leadership = table.rows[2].cells[2].text
    assert nordby_leadership.startswith("2 segmenter · 2 deltagere")
    assert "Og ledelsen?" not in nordby_leadership
    assert table.rows[1].cells[2].text.startswith("1 segment · 1 deltager\n")


def test_framework_themes_option_and_english(project, tmp_path):
    out = tmp_path / "framework.docx"
    run(project, "export", "framework", "--themes", "priority,belief", "--language", "en", "-o", str(out))
    table = docx.Document(out).tables[0]
    assert [c.text for c in table.rows[0].cells] == ["Municipality", "Priority", "Belief"]
    assert table.rows[2].cells[1].text.startswith("1 segment · 1 participant")


def test_framework_xlsx_round_trip_of_summaries(project, tmp_path):
    run(project, "summary", "set", "Kildemose", "leadership", "Chefen prioriterer.")
    out = tmp_path / "framework.xlsx"
    run(project, "export", "framework", "--case-by", "municipality", "-o", str(out))
    book = openpyxl.load_workbook(out)
    sheet = book["Framework"]
    assert sheet["A1"].value == "municipality"
    assert [sheet.cell(1, c).value for c in range(2, 6)] == [
        "Tro på borgeren [belief]", "Summary [belief]", "Ledelse [leadership]", "Summary [leadership]"]
    assert [sheet["A2"].value, sheet["A3"].value] == ["Kildemose", "Nordby"]
    assert sheet["E2"].value == "Chefen prioriterer."  # the current summary
    assert sheet["C3"].value is None  # no summary yet
    assert sheet["B3"].value.startswith("2 segmenter · 2 deltagere\n“Jonas fandt en plads")
    assert "(Sagsbehandler (NOR-S1), nordby_fokusgruppe.txt, tur 2, 00:01:05)" in sheet["B3"].value
    assert book["Counts"]["B3"].value == 2
    # the analyst fills in and clears cells in Excel
    sheet["C3"] = "Alle tror på borgerne."
    sheet["E3"] = "Ledelsen bakker op."
    sheet["E2"] = None
    book.save(out)
    result = run(project, "summary", "import", str(out))
    assert "2 summaries set, 1 removed" in result.output
    listed = json.loads(run(project, "summary", "list", "--format", "json").output)
    assert [(r["case"], r["code"], r["text"]) for r in listed] == [
        ("Nordby", "belief", "Alle tror på borgerne."), ("Nordby", "leadership", "Ledelsen bakker op.")]
    # and the summaries are in the next export, Word and Excel
    again = tmp_path / "again.docx"
    run(project, "export", "framework", "-o", str(again))
    table = docx.Document(again).tables[0]
    assert table.rows[2].cells[1].text.startswith("Alle tror på borgerne.\n")
    run(project, "export", "framework", "-o", str(out))
    assert openpyxl.load_workbook(out)["Framework"]["C3"].value == "Alle tror på borgerne."
    assert "unchanged" in run(project, "summary", "import", str(out)).output


def _framework_xlsx(project, tmp_path) -> Path:
    out = tmp_path / "framework.xlsx"
    run(project, "export", "framework", "-o", str(out))
    return out


@pytest.mark.parametrize("edit, message", [
    (lambda s: s.__setitem__("A3", "Vestby"), "Framework!A3: 'Vestby' is not a municipality in the project"),
    (lambda s: s.__setitem__("E1", "Summary [nosuch]"), "Framework!E1: no code 'nosuch' in the project's codebook"),
    (lambda s: s.__setitem__("E1", "Summary belief"), "Framework!E1: 'Summary belief' does not name its theme"),
    (lambda s: s.__setitem__("E1", "Summary [belief]"), "Framework!E1: a second summary column for 'belief' (the first is C1)"),
    (lambda s: s.__setitem__("A3", "Kildemose"), "Framework!A3: case 'Kildemose' appears twice (also in A2)"),
    (lambda s: s.__setitem__("A1", None), "Framework!A1: the case attribute"),
    (lambda s: (s.__setitem__("C5", "Tekst uden case")), "Framework!C5: a summary in a row without a case"),
    (lambda s: s.__setitem__("A1", "region"), "Framework!A1: no participant or source has the attribute 'region'"),
])
def test_summary_import_errors_name_the_cell_and_change_nothing(project, tmp_path, edit, message):
    run(project, "summary", "set", "Nordby", "belief", "Før.")
    out = _framework_xlsx(project, tmp_path)
    book = openpyxl.load_workbook(out)
    sheet = book["Framework"]
    sheet["C2"] = "Ny tekst, som ikke må komme ind."  # a good cell next to the bad one
    sheet["C3"] = None
    edit(sheet)
    book.save(out)
    result = run(project, "summary", "import", str(out), ok=False)
    assert result.exit_code == 1
    assert message in result.output, result.output
    assert str(out) in result.output
    assert "Traceback" not in result.output
    listed = json.loads(run(project, "summary", "list", "--format", "json").output)
    assert [(r["case"], r["code"], r["text"]) for r in listed] == [("Nordby", "belief", "Før.")]


def test_summary_import_of_a_workbook_without_the_sheet(project, tmp_path):
    path = tmp_path / "other.xlsx"
    book = openpyxl.Workbook()
    book.active.title = "Ark1"
    book.save(path)
    result = run(project, "summary", "import", str(path), ok=False)
    assert result.exit_code == 1
    assert "no sheet named 'Framework' (sheets: Ark1)" in result.output
    text = tmp_path / "notes.txt"
    text.write_text("hej", encoding="utf-8")
    result = run(project, "summary", "import", str(text), ok=False)
    assert result.exit_code == 1 and "not '.txt'" in result.output


def test_framework_wrong_suffix_is_refused(project, tmp_path):
    result = run(project, "export", "framework", "-o", str(tmp_path / "f.pdf"), ok=False)
    assert result.exit_code == 1 and "written as .docx or .xlsx, not '.pdf'" in result.output
    assert not (tmp_path / "f.pdf").exists()


# --------------------------------------------------------------------------- case-history appendix


def test_narratives_chapters_status_quotes_and_toc(project, tmp_path):
    run(project, "summary", "set", "Nordby", "belief", "Alle tror på borgerne.")
    run(project, "case", "status", "Nordby", "approved", "--date", "2026-11-20")
    out = tmp_path / "appendix.docx"
    run(project, "export", "narratives", "--case-by", "municipality", "-o", str(out))
    document = docx.Document(out)
    assert [p.text for p in document.paragraphs if p.style.name == "Title"] == ["Casehistorier"]
    assert headings(document, 1) == ["Valideringsstatus", "Kildemose", "Nordby"]
    assert headings(document, 2) == ["Tro på borgeren", "Ledelse", "Tro på borgeren", "Ledelse"]
    instructions = [e.text for e in document.element.body.iter(qn("w:instrText"))]
    assert any(i.strip().startswith("TOC") for i in instructions)
    status = document.tables[0]
    assert [[c.text for c in r.cells] for r in status.rows] == [
        ["Case", "Status", "Dato"], ["Kildemose", "kladde", ""], ["Nordby", "godkendt", "2026-11-20"]]
    texts = [p.text for p in document.paragraphs]
    nordby = texts.index("Nordby", texts.index("Kildemose"))
    assert texts[nordby + 1] == "Status: godkendt (2026-11-20)"
    # interviews and participants by role of Nordby
    interviews = document.tables[2]
    assert [c.text for c in interviews.rows[0].cells] == ["Interview", "Oplysninger", "Deltagere"]
    assert [[c.text for c in r.cells][0] for r in interviews.rows[1:]] == ["nordby_borger.txt", "nordby_fokusgruppe.txt"]
    assert interviews.rows[2].cells[2].text == "Sagsbehandler: NOR-S1; Virksomhedskonsulent: NOR-VK1"
    quotes = [p.text for p in document.paragraphs if p.style.name == "Quote"]
    assert ("“Jeg tror på, at alle borgere kan noget, hvis vi finder det rigtige sted.”\n"
            "— Sagsbehandler (NOR-S1), nordby_fokusgruppe.txt, tur 2, 00:01:05") in quotes
    assert "Alle tror på borgerne." in texts
    assert not any("Og ledelsen?" in q for q in quotes)


def test_narratives_per_participant_in_turn_order(project, tmp_path):
    out = tmp_path / "people.docx"
    run(project, "export", "narratives", "--case-by", "participant", "--where", "municipality=Nordby",
        "-o", str(out))
    document = docx.Document(out)
    assert headings(document, 1) == ["Valideringsstatus", "NOR-B1", "NOR-S1", "NOR-VK1"]  # first turn order
    texts = [p.text for p in document.paragraphs]
    mette = texts[texts.index("NOR-S1"):texts.index("NOR-VK1")]
    assert [t for t in mette if t in ("Tro på borgeren", "Ledelse")] == ["Tro på borgeren", "Ledelse"]
    jonas = texts[texts.index("NOR-VK1"):]
    assert [t for t in jonas if t in ("Tro på borgeren", "Ledelse")] == ["Ledelse"]
    # themes in the order the person first speaks about them (not codebook order)
    run(project, "export", "narratives", "--case-by", "participant", "-o", str(out))
    texts = [p.text for p in docx.Document(out).paragraphs]
    ole = texts[texts.index("KIL-L1"):texts.index("NOR-B1")]
    assert [t for t in ole if t in ("Tro på borgeren", "Ledelse")] == ["Ledelse", "Tro på borgeren"]
    quotes = [t for t in ole if t.startswith("“")]
    assert [q.split("\n")[1] for q in quotes] == ["— Leder (KIL-L1), kildemose_leder.txt, tur 2",
                                                  "— Leder (KIL-L1), kildemose_leder.txt, tur 4"]


def test_anonymized_appendix_has_no_manifest_name(project, tmp_path):
    run(project, "summary", "set", "Nordby", "belief", "I Nordby fortæller Mette og Jonas, at de tror på borgerne.")
    out = tmp_path / "anonymous.docx"
    run(project, "export", "narratives", "--anonymize", "-o", str(out))
    text = docx_xml_text(out)
    for name in MANIFEST_NAMES_PEOPLE:
        assert not re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text), name
    for name in MANIFEST_NAMES_PLACES:
        assert not re.search(rf"(?<!\w){re.escape(name)}", text, re.IGNORECASE), name
    document = docx.Document(out)
    assert headings(document, 1) == ["Valideringsstatus", "Case 1", "Case 2"]
    quotes = [p.text for p in document.paragraphs if p.style.name == "Quote"]
    assert ("“[Sagsbehandler 1] har ret. Vores chef i [Case 2] bakker os op hver uge.”\n"
            "— Virksomhedskonsulent 1, Interview 3, tur 3, 00:02:30") in quotes
    assert ("“[Virksomhedskonsulent 1] fandt en plads til mig, og han troede på mig fra første dag.”\n"
            "— Borger 1, Interview 2, tur 2") in quotes
    assert "“Ledelsen prioriterer indsatsen, det mærker vi i [Case 2]s jobcenter.”" in "\n".join(quotes)
    texts = [p.text for p in document.paragraphs]
    assert "I [Case 2] fortæller [Sagsbehandler 1] og [Virksomhedskonsulent 1], at de tror på borgerne." in texts
    # the same with one history per person
    people = tmp_path / "people.docx"
    run(project, "export", "narratives", "--case-by", "participant", "--anonymize", "-o", str(people))
    text = docx_xml_text(people)
    for name in MANIFEST_NAMES_PEOPLE:
        assert not re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text), name
    for name in MANIFEST_NAMES_PLACES:
        assert not re.search(rf"(?<!\w){re.escape(name)}", text, re.IGNORECASE), name
    assert headings(docx.Document(people), 1) == ["Valideringsstatus", "Leder 1", "Borger 1", "Sagsbehandler 1",
                                                  "Virksomhedskonsulent 1"]


def test_anonymized_framework_has_no_manifest_name(project, tmp_path):
    run(project, "summary", "set", "Nordby", "leadership", "Mette og Jonas i Nordby roser chefen.")
    for name in ("framework.docx", "framework.xlsx"):
        out = tmp_path / name
        run(project, "export", "framework", "--anonymize", "-o", str(out))
        text = docx_xml_text(out)  # an .xlsx is a zip of XML parts too
        for person in MANIFEST_NAMES_PEOPLE:
            assert not re.search(rf"(?<!\w){re.escape(person)}(?!\w)", text), (name, person)
        for place in MANIFEST_NAMES_PLACES:
            assert not re.search(rf"(?<!\w){re.escape(place)}", text, re.IGNORECASE), (name, place)
    table = docx.Document(tmp_path / "framework.docx").tables[0]
    assert [r.cells[0].text for r in table.rows] == ["Case", "Case 1", "Case 2"]
    assert "[Sagsbehandler 1] og [Virksomhedskonsulent 1] i [Case 2] roser chefen." in table.rows[2].cells[2].text


def test_template_restyles_the_appendix(project, tmp_path):
    from docx.shared import Pt, RGBColor

    template = docx.Document()
    template.styles["Heading 1"].font.size = Pt(27)
    template.styles["Heading 1"].font.color.rgb = RGBColor(0x12, 0x34, 0x56)
    template.sections[0].header.paragraphs[0].text = "Evaluering af indsatsen — bilag"
    template.add_paragraph("Skabelonens eksempeltekst, som skal væk.")
    path = tmp_path / "template.docx"
    template.save(path)
    out = tmp_path / "styled.docx"
    run(project, "export", "narratives", "--template", str(path), "-o", str(out))
    document = docx.Document(out)
    assert document.styles["Heading 1"].font.size == Pt(27)
    assert document.styles["Heading 1"].font.color.rgb == RGBColor(0x12, 0x34, 0x56)
    assert document.sections[0].header.paragraphs[0].text == "Evaluering af indsatsen — bilag"
    assert "Skabelonens eksempeltekst" not in docx_xml_text(out)
    assert headings(document, 1) == ["Valideringsstatus", "Kildemose", "Nordby"]
    bad = tmp_path / "bad.docx"
    bad.write_text("ikke word", encoding="utf-8")
    result = run(project, "export", "narratives", "--template", str(bad), "-o", str(tmp_path / "x.docx"), ok=False)
    assert result.exit_code == 1 and "not a Word .docx template" in result.output


def test_template_without_quote_style_gets_it(project, tmp_path):
    template = docx.Document()
    styles = template.styles.element
    for style in list(styles):
        name = style.find(qn("w:name"))
        if name is not None and name.get(qn("w:val")) in ("Quote", "Table Grid"):
            styles.remove(style)
    path = tmp_path / "bare.docx"
    template.save(path)
    out = tmp_path / "out.docx"
    run(project, "export", "narratives", "--template", str(path), "-o", str(out))
    document = docx.Document(out)
    assert any(p.style.name == "Quote" for p in document.paragraphs)
    assert document.tables[0].style.name == "Table Grid"


# --------------------------------------------------------------------------- the pipeline

SAMPLE = ROOT / "transcripts_sample"
STV = ROOT / "codebooks" / "stv.yaml"
PIPELINE_FILES = ["matrix_role.csv", "matrix_role.xlsx", "matrix_role.png", "matrix_municipality.csv",
                  "matrix_municipality.xlsx", "matrix_municipality.png", "cooccurrence.graphml",
                  "cooccurrence.png", "framework.docx", "framework.xlsx", "appendix.docx", "report.html",
                  "report.md", "coding.db"]


def top_level_codes() -> list[str]:
    import yaml

    return [code["id"] for code in yaml.safe_load(STV.read_text(encoding="utf-8"))["codes"]]


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("pipeline") / "sample"
    result = run(None, "pipeline", str(SAMPLE), "--manifest", str(SAMPLE / "participants.csv"),
                 "--codebook", str(STV), "--out", str(out))
    return out, result


def test_pipeline_on_the_sample_corpus_writes_every_file(sample_run):
    import networkx as nx

    out, result = sample_run
    assert sorted(p.name for p in out.iterdir()) == sorted(PIPELINE_FILES)
    assert "[1/7] importing" in result.stderr and "[7/7] report" in result.stderr
    assert result.stdout.startswith("14 sources, ")
    themes = top_level_codes()
    municipalities = ["Kildemose", "Lyngholt", "Nordby", "Åbæk"]
    roles = ["Borger", "Leder", "Mentor", "Projektleder", "Sagsbehandler", "Virksomhedskonsulent"]

    for name in ("matrix_role.png", "matrix_municipality.png", "cooccurrence.png"):
        assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (out / "matrix_role.csv").read_bytes()[:3] == b"\xef\xbb\xbf"   # a BOM: Excel reads UTF-8
    rows = list(csv.reader((out / "matrix_role.csv").open(encoding="utf-8-sig")))
    assert rows[0] == ["code", "label", *roles, "I alt"]
    assert {r[0] for r in rows[1:]} >= set(themes)
    assert sum(int(r[-1]) for r in rows[1:] if r[0] in themes) > 0
    rows = list(csv.reader((out / "matrix_municipality.csv").open(encoding="utf-8-sig")))
    assert rows[0] == ["code", "label", *municipalities, "I alt"]
    book = openpyxl.load_workbook(out / "matrix_municipality.xlsx")
    assert [c.value for c in book.active[1]] == ["code", "label", *municipalities, "I alt"]
    graph = nx.read_graphml(out / "cooccurrence.graphml")
    assert set(graph.nodes) == set(themes)

    framework = docx.Document(out / "framework.docx")
    table = framework.tables[0]
    assert len(table.rows) == 1 + len(municipalities) and len(table.columns) == 1 + len(themes)
    assert [r.cells[0].text for r in table.rows[1:]] == municipalities
    assert all(re.search(r"— \w+ \([A-Z]+-[A-Z]+\d\), \w+\.(docx|txt|md|vtt|srt), tur \d+", c.text)
               for r in table.rows[1:] for c in r.cells[1:] if not c.text.startswith("0 segmenter"))
    sheet = openpyxl.load_workbook(out / "framework.xlsx")["Framework"]
    assert sheet["A1"].value == "municipality"
    assert [sheet.cell(1, 3 + 2 * i).value for i in range(len(themes))] == [f"Summary [{t}]" for t in themes]
    appendix = docx.Document(out / "appendix.docx")
    assert headings(appendix, 1) == ["Valideringsstatus", *municipalities]
    assert sum(1 for p in appendix.paragraphs if p.style.name == "Quote") >= 4 * len(themes)

    html = (out / "report.html").read_text(encoding="utf-8")
    images = re.findall(r'<img src="([^"]+)"', html)
    assert images == ["matrix_role.png", "matrix_municipality.png", "cooccurrence.png"]
    links = re.findall(r'<a href="([^"]+)"', html)
    assert sorted(links) == sorted(PIPELINE_FILES)
    assert html.count("<blockquote>") >= len(themes)
    with Project.open(out / "coding.db") as project:
        labels = [project.codes().label(project.codes().get(t)["id"]) for t in themes]
        assert len(project.sources()) == 14
        assert project.store.get_meta("created_by") == "coding pipeline"
    for label in labels:
        assert "<h3 " in html and f">{label}</h3>" in html
    md = (out / "report.md").read_text(encoding="utf-8")
    assert "![" in md and "](matrix_role.png)" in md and "](cooccurrence.png)" in md
    assert "| Borger |" in md  # participants by role


def test_pipeline_reruns_but_keeps_analyst_work(sample_run, tmp_path):
    import shutil

    out = tmp_path / "sample"
    shutil.copytree(sample_run[0], out)
    words = tmp_path / "words"
    words.mkdir()
    (words / "nordby_leder.txt").write_text(TRANSCRIPTS["kildemose_leder.txt"], encoding="utf-8")
    # an earlier pipeline result with nothing added: replaced
    result = run(None, "pipeline", str(words), "--codebook", str(STV), "--out", str(out))
    assert "replacing" in result.stderr
    with Project.open(out / "coding.db") as project:
        assert [s["name"] for s in project.sources()] == ["nordby_leder.txt"]
    # no manifest, no municipality: cases are interviews, no matrix by municipality
    assert sorted(p.name for p in out.iterdir()) == sorted(f for f in PIPELINE_FILES if "municipality" not in f)
    assert headings(docx.Document(out / "appendix.docx"), 1) == ["Valideringsstatus", "nordby_leder.txt"]
    # a summary written since: refused, nothing changed
    run(out / "coding.db", "summary", "set", "nordby_leder.txt", "leadership", "Chefen prioriterer.",
        "--case-by", "source")
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    refused = run(None, "pipeline", str(SAMPLE), "--codebook", str(STV), "--out", str(out), ok=False)
    assert refused.exit_code == 1
    assert "holds work added after the pipeline made it (1 summaries); not replaced" in refused.output
    after = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    assert after == before
    forced = run(None, "pipeline", str(words), "--codebook", str(STV), "--out", str(out), "--force")
    assert "--force" in forced.stderr
    assert json.loads(run(out / "coding.db", "summary", "list", "--format", "json").output) == []


def test_pipeline_failure_leaves_the_earlier_result(tmp_path):
    words = tmp_path / "words"
    words.mkdir()
    (words / "kildemose_leder.txt").write_text(TRANSCRIPTS["kildemose_leder.txt"], encoding="utf-8")
    out = tmp_path / "out"
    run(None, "pipeline", str(words), "--codebook", str(STV), "--out", str(out))
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    bad = tmp_path / "bad.yaml"
    bad.write_text("codes:\n  - id: belief\n    labels: {da: Tro}\n    colour: red\n", encoding="utf-8")
    result = run(None, "pipeline", str(words), "--codebook", str(bad), "--out", str(out), ok=False)
    assert result.exit_code == 1 and str(bad) in result.output and "Traceback" not in result.output
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    # a project someone else made is not replaced
    other = tmp_path / "other"
    other.mkdir()
    run(other / "coding.db", "import", str(words))
    result = run(None, "pipeline", str(words), "--codebook", str(STV), "--out", str(other), ok=False)
    assert result.exit_code == 1 and "is a project that the pipeline did not make; not replaced" in result.output
    # the output folder may not be inside the input folder
    result = run(None, "pipeline", str(words), "--codebook", str(STV), "--out", str(words / "reports"), ok=False)
    assert result.exit_code == 1 and "must not be inside the input folder" in result.output
    assert not (words / "reports").exists()
    result = run(None, "pipeline", str(tmp_path / "nowhere"), "--codebook", str(STV), "--out", str(out), ok=False)
    assert result.exit_code == 1 and "nowhere: no such file or folder" in result.output
