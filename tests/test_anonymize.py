"""Anonymization (issue 23): detection, scan -> review sheet -> apply -> key, status, and every
output with --anonymize read back (unzipped) for identifiers that must not survive and words that must.

The corpus is tests/data/anonymization (written for these tests; every person and number invented).
"""

from __future__ import annotations

import csv
import html
import re
import sqlite3
import zipfile
from pathlib import Path

import openpyxl
import pytest

from coding import Project
from coding.anonymize.detect import Context, Detector
from coding.anonymize.patterns import cpr_numbers, phone_numbers

from cli_helpers import run

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "data" / "anonymization"

# every identifier in the corpus: none may be left in any anonymized output
IDENTIFIERS = [
    "Karen", "Vestergaard", "Daniel", "Kirk", "MOL-B1", "ENG-S1", "Bente", "Hansen", "Poul", "Lone Mose", "Mose",
    "Holm", "Birk", "Storm", "Sarah", "Collins", "Oliver", "Grant", "Will", "Rose", "Grace", "Porter", "Mølleby",
    "moelleby", "Engvig", "engvig", "Aarhus", "Odense", "Copenhagen", "140279-1238", "140279", "0311851234",
    "22 33 44 55", "87 65 43 21", "33 12 34 56", "07700 900123", "Kastanievej", "Harbour Road", "8000",
    "14. februar 1979", "3 March 1998", "1234-0012345678", "0012345678", "2024-118822", "ENG-2023-0042",
    "98765432", "example.dk", "example.org", "example.com",
]
# words that must still be there: theme words, role names, ordinary words that look like names
SURVIVORS = ["Tro på borgeren", "Samarbejde", "Borger", "Sagsbehandler", "Jobcenter", "birk", "mosen", "holm",
             "rose", "grace", "will", "May", "believe"]


def texts_of(path: Path) -> str:
    """All the text of an output file; .docx/.xlsx/.qdpx unzipped, every XML part (and part name) read."""
    if path.suffix in (".docx", ".xlsx", ".qdpx", ".qdc"):
        parts = []
        with zipfile.ZipFile(path) as z:
            for name in z.namelist():
                parts.append(name)
                data = z.read(name)
                try:
                    parts.append(html.unescape(re.sub(r"<[^>]+>", "", data.decode("utf-8"))))
                except UnicodeDecodeError:
                    pass
        return "\n".join(parts)
    return html.unescape(path.read_text(encoding="utf-8"))


def leaks(text: str) -> list[str]:
    return [i for i in IDENTIFIERS if re.search(rf"(?<![\w]){re.escape(i)}(?![\w])", text)]


@pytest.fixture
def project(tmp_path) -> Path:
    path = tmp_path / "anon.db"
    run(path, "import", str(CORPUS / "moelleby_borger.txt"), str(CORPUS / "engvig_caseworker.txt"),
        "--manifest", str(CORPUS / "participants.csv"))
    run(path, "codebook", "import", str(CORPUS / "themes.yaml"))
    run(path, "autocode")
    return path


# --------------------------------------------------------------------------- detection
@pytest.mark.parametrize("text, found", [
    ("cpr 010190-1234 her", ["010190-1234"]),
    ("cpr 0101901234 her", ["0101901234"]),
    ("født 2311154321", ["2311154321"]),          # 2015 (seventh digit 4, year 15)
    ("ikke 320190-1234", []),                    # no 32nd day
    ("ikke 011390-1234", []),                    # no 13th month
    ("ikke 290221-1234", []),                    # 29 February 1921 did not exist
    ("mit cpr-nummer er 123456-7890.", ["123456-7890"]),   # said to be one: taken whatever its date
    ("CPR: 1234567890", ["1234567890"]),
])
def test_cpr_numbers_have_a_real_date(text, found):
    assert [text[s:e] for s, e, _k in cpr_numbers(text)] == found


@pytest.mark.parametrize("text, found", [
    ("ring 22 33 44 55 i dag", ["22 33 44 55"]),
    ("ring 22334455 i dag", ["22334455"]),
    ("ring 2233 4455 i dag", ["2233 4455"]),
    ("ring +45 87654321", ["+45 87654321"]),
    ("ring 0045 87 65 43 21", ["0045 87 65 43 21"]),
    ("i 2019-2020 fik vi 25 000 000 kr.", []),
    ("ring +44 20 7946 0958", ["+44 20 7946 0958"]),
    ("tlf. 12 34 56 78", ["12 34 56 78"]),          # not a valid number, but written as one
    ("telefon: 1234 5678", ["1234 5678"]),
    ("beløbet var 12 34 56 78 kr", []),
    ("mødet 12.03.2024 kl. 10", []),
])
def test_phone_numbers_danish_and_international(text, found):
    assert [text[s:e] for s, e, _k in phone_numbers(text)] == found


def finds(text: str, language: str = "da", **context) -> list[tuple[str, str]]:
    return [(f.kind, f.text) for f in Detector(Context(**context)).find(text, language)]


def test_shaped_identifiers():
    text = ("Skriv til anne.berg@example.dk eller se https://example.dk/side. Jeg bor på Gammel Kongevej 12B, "
            "st. th., 1610 København V. Hun er født 03.04.1988. Kontonummer 5678 0001234567, IBAN "
            "DK50 0040 0440 1162 43, journalnr. 23/14588.")
    found = finds(text)
    assert ("email", "anne.berg@example.dk") in found
    assert ("url", "https://example.dk/side") in found
    assert ("address", "Gammel Kongevej 12B, st. th.") in found
    assert ("postcode", "1610 København V") in found
    assert ("birthdate", "03.04.1988") in found
    assert ("bank", "5678 0001234567") in found
    assert ("bank", "DK50 0040 0440 1162 43") in found
    assert ("case_number", "23/14588") in found
    assert finds("IBAN DK51 0040 0440 1162 43 er forkert") == []   # check digits wrong


def test_names_titles_and_words_that_look_like_names():
    found = finds("Min sagsbehandler Birk sagde det. Der står en birk i haven, og vi gik ved mosen med "
                  "Lone Mose. Fru Holm bor på en holm. Poul og Bente Hansen kom også, Bentes mor ikke.")
    assert ("name", "Birk") in found
    assert ("name", "Lone Mose") in found
    assert ("name", "Holm") in found
    assert ("name", "Poul") in found
    assert ("name", "Bente Hansen") in found
    assert ("name", "Bentes") in found
    assert all(text not in ("birk", "mosen", "holm") for _kind, text in found)
    assert ("name", "Lise-Lotte") in finds("Lise-Lotte ringede i går.")
    assert ("name", "Madsen") in finds("Madsen ringede i går.")       # a surname that is no word
    assert finds("Virksomhedsservice ringede, og vi talte med Virksomhedsservice.") == []   # a compound


def test_english_names_words_and_never_touched():
    found = finds("Will you come? My colleague Will said that Rose came. A rose for Grace Porter in May. "
                  "I will call the Jobcenter in Copenhagen.", "en", never=frozenset({"sagsbehandler"}))
    assert ("name", "Will") in found and ("name", "Grace Porter") in found
    assert ("name_candidate", "Rose") in found or ("name", "Rose") in found
    assert ("place", "Copenhagen") in found
    texts = [t for _k, t in found]
    assert "May" not in texts and "Jobcenter" not in texts
    assert found.count(("name", "Will")) == 1   # "Will you come?" is the verb


def test_theme_words_and_roles_are_never_names():
    found = finds("Vi talte med Sagsbehandler om Samarbejde og Tro.", never=frozenset({"samarbejde", "tro",
                                                                                       "sagsbehandler"}))
    assert found == []


def test_names_that_are_no_words_are_found_in_any_letter_case(project, tmp_path):
    late = tmp_path / "moelleby_opfoelgning.txt"
    late.write_text("Interviewer: Hvem hjalp dig?\n\nKaren: BENTE HANSEN og karen selv; bente ringede. "
                    "Birk og birken stod der, og Bo boede i byen.\n", encoding="utf-8")
    run(project, "import", str(late))
    out = tmp_path / "a.qdpx"
    run(project, "export", "qdpx", "--anonymize", "-o", str(out))
    text = texts_of(out)
    for gone in ("BENTE", "HANSEN", "bente", "karen"):
        assert not re.search(rf"(?<![\w]){gone}(?![\w])", text), gone
    assert "birken" in text and "boede" in text


def test_known_people_and_cases_get_their_pseudonyms():
    found = Detector(Context(persons={"Mette": "Sagsbehandler 1"}, cases={"Nordby": "Case 2"})).find(
        "Mette Lund i nordby og Mettes chef.", "da")
    assert [(f.kind, f.text) for f in found] == [("person", "Mette Lund"), ("case", "nordby"), ("person", "Mettes")]


# --------------------------------------------------------------------------- scan, review, apply, status
def review_rows(path: Path) -> list[dict]:
    sheet = openpyxl.load_workbook(path)["Review"]
    header = [c.value for c in sheet[1]]
    return [dict(zip(header, (c.value for c in row))) for row in sheet.iter_rows(min_row=2)]


def edit_review(path: Path, changes: dict[str, dict]) -> None:
    book = openpyxl.load_workbook(path)
    sheet = book["Review"]
    header = [c.value for c in sheet[1]]
    for row in sheet.iter_rows(min_row=2):
        text = row[header.index("text")].value
        for column, value in changes.get(text, {}).items():
            row[header.index(column)].value = value
    book.save(path)


def test_scan_writes_every_finding_with_a_proposal(project, tmp_path):
    review = tmp_path / "review.xlsx"
    result = run(project, "anonymize", "scan", "-o", str(review))
    assert "not reviewed" in result.output
    rows = {r["text"]: r for r in review_rows(review)}
    assert rows["Karen"]["replacement"] == "[Borger 1]" and rows["Karen"]["kind"] == "kendt person"
    assert rows["Bente Hansen"]["replacement"] == rows["Bente"]["replacement"]   # same person, same number
    assert re.fullmatch(r"\[navn \d+\]", rows["Poul"]["replacement"])
    assert rows["Poul"]["replacement"] != rows["Bente"]["replacement"]
    assert rows["140279-1238"]["replacement"] == "[cpr-nr.]" and rows["140279-1238"]["kind"] == "cpr-nummer"
    assert rows["22 33 44 55"]["replacement"] == "[telefon]"
    assert rows["Aarhus"]["replacement"] if "Aarhus" in rows else rows["8000 Aarhus C"]["replacement"]
    assert rows["Odense"]["replacement"] == "[by]"
    assert rows["Bente"]["count"] == 2 and rows["Bente"]["status"] == "new" and rows["Bente"]["decision"] == "replace"
    assert "«Bente Hansen»" in rows["Bente Hansen"]["context"]
    for word in ("Jobcenter", "birk", "mosen", "holm", "Borger", "Sagsbehandler", "Samarbejde", "May"):
        assert word not in rows, word


def test_apply_stores_the_key_and_status_follows(project, tmp_path):
    review = tmp_path / "review.xlsx"
    run(project, "anonymize", "scan", "-o", str(review))
    status = run(project, "anonymize", "status", "--format", "csv")
    assert "findings not reviewed" in status.output and "Poul" in status.output
    edit_review(review, {"Poul": {"replacement": "[mentoren]"}, "Odense": {"decision": "behold"}})
    result = run(project, "anonymize", "apply", str(review))
    assert "decisions stored" in result.output
    with sqlite3.connect(project) as db:
        key = {k: (d, r) for k, d, r in db.execute("SELECT key, decision, replacement FROM anonymization_key")}
    assert key["poul"] == ("replace", "[mentoren]") and key["odense"] == ("keep", "")
    status = run(project, "anonymize", "status", "--format", "json")
    assert "0 findings not reviewed" in status.output
    # the key is used: Poul's replacement as edited, Odense kept
    out = tmp_path / "p.qdpx"
    run(project, "export", "qdpx", "--anonymize", "-o", str(out))
    text = texts_of(out)
    assert "[mentoren]" in text and "Odense" in text and "Poul" not in text
    # a scan again keeps the decisions and marks them reviewed
    run(project, "anonymize", "scan", "-o", str(review))
    rows = {r["text"]: r for r in review_rows(review)}
    assert rows["Poul"]["status"] == "reviewed" and rows["Poul"]["replacement"] == "[mentoren]"
    assert rows["Odense"]["decision"] == "keep"


def test_new_material_is_scanned_on_import(project, tmp_path):
    run(project, "anonymize", "scan")
    late = tmp_path / "moelleby_leder.txt"
    late.write_text("Interviewer: Hvem arbejder du sammen med?\n\nLeder: Mest med Jørgen Thygesen og "
                    "Ulla, og du kan ringe til mig på 44 55 66 77.\n", encoding="utf-8")
    run(project, "import", str(late))
    result = run(project, "anonymize", "status", "--format", "csv")
    assert "0 not scanned" in result.output
    rows = list(csv.DictReader(result.stdout.splitlines()))
    texts = {r["text"] for r in rows}
    assert {"Jørgen Thygesen", "Ulla", "44 55 66 77"} <= texts


def test_bad_rows_are_named_and_nothing_is_applied(project, tmp_path):
    review = tmp_path / "review.xlsx"
    run(project, "anonymize", "scan", "-o", str(review))
    rows = review_rows(review)
    number = {r["text"]: i for i, r in enumerate(rows, start=2)}
    edit_review(review, {"Poul": {"decision": "måske"}, "Bente": {"replacement": None},
                         "Odense": {"replacement": "Odense-egnen"}})
    result = run(project, "anonymize", "apply", str(review), ok=False)
    assert result.exit_code == 1
    assert f"row {number['Poul']} (Poul): decision 'måske' must be replace or keep" in result.output
    assert f"row {number['Bente']} (Bente): decision replace needs a replacement" in result.output
    assert f"row {number['Odense']} (Odense): the replacement 'Odense-egnen' still contains the text" in result.output
    assert "3 bad rows, nothing applied" in result.output and "Traceback" not in result.output
    with sqlite3.connect(project) as db:
        assert db.execute("SELECT count(*) FROM anonymization_key").fetchone()[0] == 0
    missing = tmp_path / "nothing.xlsx"
    assert "file not found" in run(project, "anonymize", "apply", str(missing), ok=False).output


def test_unreviewed_keep_is_the_explicit_opposite(project, tmp_path):
    out = tmp_path / "kept.qdpx"
    run(project, "export", "qdpx", "--anonymize", "--unreviewed", "keep", "-o", str(out))
    text = texts_of(out)
    assert "22 33 44 55" in text and "Bente Hansen" in text     # nobody reviewed them: kept as asked
    assert not re.search(r"\bKaren\b", text)                      # known people get their pseudonym always
    out = tmp_path / "replaced.qdpx"
    run(project, "export", "qdpx", "--anonymize", "-o", str(out))
    assert leaks(texts_of(out)) == []


# --------------------------------------------------------------------------- every output, end to end
def test_every_output_with_anonymize_has_no_identifier_left(project, tmp_path):
    review = tmp_path / "review.xlsx"
    run(project, "anonymize", "scan", "-o", str(review))
    run(project, "anonymize", "apply", str(review))
    # the analyst's own writing names people too: summaries, memos on a source, a span and a code
    run(project, "summary", "set", "Mølleby", "belief", "Karen og Bente Hansen i Mølleby tror på det; ring 22 33 44 55.")
    run(project, "case", "status", "Mølleby", "sent", "--date", "2026-11-02")
    run(project, "memo", "add", "Poul ringede fra Aarhus om Karen.", "--source", "moelleby_borger.txt")
    run(project, "memo", "add", "Oliver Grant kan kontaktes på 07700 900123.", "--source", "engvig_caseworker.txt",
        "--start", "0", "--end", "11")
    run(project, "memo", "add", "Sarah Collins i Engvig bruger temaet meget.", "--code", "belief")
    out = tmp_path / "out"
    out.mkdir()
    run(project, "export", "narratives", "--anonymize", "--language", "da", "-o", str(out / "appendix.docx"))
    run(project, "export", "narratives", "--case-by", "participant", "--anonymize", "-o", str(out / "people.docx"))
    run(project, "export", "framework", "--anonymize", "-o", str(out / "framework.docx"))
    run(project, "export", "framework", "--anonymize", "-o", str(out / "framework.xlsx"))
    run(project, "export", "qdpx", "--anonymize", "-o", str(out / "project.qdpx"))
    for fmt in ("md", "docx", "text"):
        target = out / f"quotes.{ 'txt' if fmt == 'text' else fmt}"
        run(project, "quotes", "--code", "belief", "--by", "municipality", "--anonymize", "--format", fmt,
            "-o", str(target))
    for rows, cols in (("code", "municipality"), ("participant", "role"), ("source", "municipality")):
        for fmt in ("csv", "xlsx", "md"):
            run(project, "matrix", "--rows", rows, "--cols", cols, "--anonymize", "--format", fmt,
                "-o", str(out / f"matrix_{rows}_{cols}.{fmt}"))
    run(project, "segments", "--anonymize", "--format", "csv", "-o", str(out / "segments.csv"))
    run(project, "export", "sheet", "--anonymize", "--unit", "sentence", "--coder", "ann", "-o", str(out / "sheet.xlsx"))
    run(project, "codings", "--anonymize", "--format", "csv", "-o", str(out / "codings.csv"))
    run(project, "search", "borger OR citizen*", "--anonymize", "--format", "csv", "-o", str(out / "search.csv"))
    run(project, "words", "--anonymize", "--format", "xlsx", "-o", str(out / "words.xlsx"))
    run(project, "export", "docx", "moelleby_borger.txt", "--anonymize", "-o", str(out / "transcript.docx"))
    pipeline = tmp_path / "Engvig pipeline"    # a folder named after a place: the report names its folder
    run(None, "pipeline", str(CORPUS), "--manifest", str(CORPUS / "participants.csv"), "--codebook",
        str(CORPUS / "themes.yaml"), "--out", str(pipeline), "--anonymize", "--language", "da")
    # the report rebuilt from the project (summaries, case status and memos above included)
    report = tmp_path / "Mølleby rapport"
    result = run(project, "report", "--out", str(report), "--anonymize", "--language", "da")
    assert f"files in {report}" in result.output
    rebuilt = [p for p in report.iterdir() if p.suffix in (".docx", ".xlsx", ".csv", ".md", ".html", ".graphml")]
    assert {p.name for p in rebuilt} >= {"framework.docx", "framework.xlsx", "appendix.docx", "report.html",
                                         "report.md", "matrix_role.csv", "matrix_municipality.xlsx",
                                         "cooccurrence.graphml"}
    assert "tror på det; ring [telefon]." in texts_of(report / "appendix.docx")   # the summary, scrubbed
    files = [p for p in [*out.iterdir(), *pipeline.iterdir(), *report.iterdir()] if p.suffix in
             (".docx", ".xlsx", ".csv", ".md", ".html", ".qdpx", ".txt", ".graphml")]
    assert len(files) >= 29 + len(rebuilt)
    everything = ""
    for path in files:
        text = texts_of(path)
        assert leaks(text) == [], path.name
        everything += text
    for word in SURVIVORS:
        assert re.search(rf"(?<![\w]){re.escape(word)}(?![\w])", everything), word
    # the case-history appendix and the report keep theme and role words themselves
    for path in (out / "appendix.docx", pipeline / "report.md", report / "report.md", report / "appendix.docx",
                 out / "project.qdpx"):
        text = texts_of(path)
        for word in ("Tro på borgeren", "Sagsbehandler", "Borger"):
            assert word in text, (path.name, word)
    # same person, same pseudonym: Bente's number in the appendix is the key's
    key = {r["text"]: r["replacement"] for r in review_rows(review)}
    assert key["Bente"] in texts_of(out / "appendix.docx") and key["Bente"] in texts_of(out / "project.qdpx")
    assert key["Bente"] in texts_of(report / "appendix.docx")
    assert "[Borger 1]" in texts_of(out / "project.qdpx") or "Borger 1" in texts_of(out / "project.qdpx")
    appendix = texts_of(out / "appendix.docx")
    assert "tror på det; ring [telefon]." in appendix   # the summary, scrubbed
    qdpx = texts_of(out / "project.qdpx")
    assert "ringede fra [by] om [Borger 1]." in qdpx and "kan kontaktes på [telefon]." in qdpx
    # the project's own text is never changed
    with Project.open(project) as p:
        turn = p.show("moelleby_borger.txt")["turns"][1]
    assert "140279-1238" in turn["text"] and turn["speaker"] == "Karen"


def test_anonymized_qdpx_codings_follow_the_new_text(project, tmp_path):
    out = tmp_path / "a.qdpx"
    run(project, "export", "qdpx", "--anonymize", "-o", str(out))
    other = tmp_path / "other.db"
    run(other, "import", str(out))
    with Project.open(other) as p:
        codings = p.codings()
        assert codings
        for c in codings:   # each coded span still ends on a word boundary of the new text
            assert c["text"].strip() and not c["text"][0].isspace()
        texts = " ".join(p.show(s["name"])["turns"][1]["text"] for s in p.sources())
    assert leaks(texts) == []


def test_anonymized_coding_sheet_imports_back_at_the_original_text(project, tmp_path):
    sheet = tmp_path / "sheet.xlsx"
    run(project, "export", "sheet", "--anonymize", "--coder", "ann", "-o", str(sheet))
    assert leaks(texts_of(sheet)) == []
    book = openpyxl.load_workbook(sheet)
    rows = book["codings"]
    header = [c.value for c in rows[1]]
    target = None
    for row in rows.iter_rows(min_row=2):
        values = dict(zip(header, (c.value for c in row)))
        if "[cpr-nr.]" in (values["text"] or ""):
            row[header.index("code")].value = "Samarbejde"
            target = values
    assert target is not None and target["source"].startswith("Interview") and target["speaker"] == "Borger 1"
    book.save(sheet)
    result = run(project, "codings", "import", str(sheet))
    with Project.open(project) as p:
        coded = [c for c in p.codings(coder="ann")]
    assert len(coded) == 1 and coded[0]["source"] == "moelleby_borger.txt"
    assert "140279-1238" in coded[0]["text"] and (coded[0]["start"], coded[0]["end"]) == (target["start"], target["end"])
    # a sheet row whose text does not match what the sheet showed is refused
    row = next(r for r in rows.iter_rows(min_row=2) if r[header.index("code")].value)
    row[header.index("text")].value = "Noget andet."
    book.save(sheet)
    result = run(project, "codings", "import", str(sheet), ok=False)
    assert result.exit_code == 1 and "is not what Interview 2 has at" in result.output


def test_stored_findings_give_the_same_output_as_a_fresh_detection(project, tmp_path):
    run(project, "anonymize", "scan")
    reused = tmp_path / "reused.qdpx"
    run(project, "export", "qdpx", "--anonymize", "-o", str(reused))
    with sqlite3.connect(project) as db:   # forget which detector the scan had: everything detected anew
        db.execute("DELETE FROM meta WHERE key = 'anonymization_context'")
    fresh = tmp_path / "fresh.qdpx"
    run(project, "export", "qdpx", "--anonymize", "-o", str(fresh))

    def sources(path):
        with zipfile.ZipFile(path) as z:
            return sorted(z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".txt"))
    assert sources(reused) == sources(fresh) and "[cpr-nr.]" in "".join(sources(fresh))


def test_a_new_interview_list_makes_every_source_unscanned(project, tmp_path):
    run(project, "anonymize", "scan")
    assert "0 not scanned" in run(project, "anonymize", "status").output
    manifest = tmp_path / "participants.csv"
    manifest.write_text((CORPUS / "participants.csv").read_text(encoding="utf-8").replace("Karen Vestergaard",
                        "Karen Birgitte Vestergaard"), encoding="utf-8")
    with Project.open(project) as p:
        p.apply_manifest(manifest)
    result = run(project, "anonymize", "status")
    assert "2 not scanned" in result.output and "run 'coding anonymize scan'" in result.output
    run(project, "anonymize", "scan", "--new")
    assert "0 not scanned" in run(project, "anonymize", "status").output


# --------------------------------------------------------------------------- more than nine of a kind
TOWNS = ["Agerby", "Bakkelund", "Dalsted", "Egholt", "Fjordvig", "Granlev", "Hedeby", "Ilsø", "Kærsted",
         "Lyngvad", "Mosbæk", "Nørreled"]


def numbers(text: str, stem: str) -> list[int]:
    """The numbers of ``stem`` pseudonyms in the order they appear, each once."""
    return list(dict.fromkeys(int(n) for n in re.findall(rf"\b{stem} (\d+)\b", text)))


def test_pseudonyms_are_in_natural_order_with_more_than_ten_interviews(tmp_path):
    """Twelve interviews in twelve municipalities: every anonymized list counts 1, 2 ... 10, 11, 12
    (not "Case 10" before "Case 2")."""
    folder = tmp_path / "in"
    folder.mkdir()
    rows = ["source,speaker,participant,role,municipality"]
    for i, town in enumerate(TOWNS, start=1):
        name = f"{town.lower()}.txt"
        (folder / name).write_text(f"Interviewer: Hvad virker?\n\nBorger: Jeg tror på borgeren her i {town}, og "
                                   f"min mentor hjælper med samarbejde.\n", encoding="utf-8")
        rows += [f"{name},Interviewer,INT,Interviewer,", f"{name},Borger,B-{i},Borger,{town}"]
    (folder / "participants.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    db = tmp_path / "many.db"
    run(db, "import", str(folder), "--manifest", str(folder / "participants.csv"))
    run(db, "codebook", "import", str(CORPUS / "themes.yaml"))
    run(db, "autocode")
    twelve = list(range(1, 13))
    out = tmp_path / "out"
    out.mkdir()

    def output(*args: str, name: str) -> str:
        run(db, *args, "--anonymize", "-o", str(out / name))
        return texts_of(out / name)

    by_case = output("matrix", "--rows", "code", "--cols", "municipality", "--format", "csv", name="m1.csv")
    assert numbers(by_case.splitlines()[0], "Case") == twelve
    by_source = output("matrix", "--rows", "code", "--cols", "source", "--format", "csv", name="m2.csv")
    assert numbers(by_source.splitlines()[0], "Interview") == twelve
    assert numbers(output("matrix", "--rows", "participant", "--cols", "code", "--format", "csv", name="m3.csv"),
                   "Borger") == twelve
    assert numbers(output("quotes", "--code", "belief", "--by", "municipality", "--format", "md", name="q.md"),
                   "Case") == twelve
    output("export", "framework", name="framework.xlsx")
    column = openpyxl.load_workbook(out / "framework.xlsx")["Framework"]["A"]
    assert numbers("\n".join(str(c.value) for c in column), "Case") == twelve
    assert numbers(output("export", "narratives", name="appendix.docx"), "Case") == twelve
    assert numbers(output("codings", "--format", "csv", name="codings.csv"), "Interview") == twelve
    assert numbers(output("segments", "--format", "csv", name="segments.csv"), "Interview") == twelve
    assert numbers(output("search", "borgeren", "--format", "csv", name="search.csv"), "Interview") == twelve
    words = output("words", "--by", "municipality", "--format", "csv", name="words.csv")
    assert numbers(words.splitlines()[0], "Case") == twelve
    report = tmp_path / "report"
    run(db, "report", "--out", str(report), "--anonymize")
    text = texts_of(report / "report.md")
    tables = [line for line in text.splitlines() if line.startswith("| ") and "Case 1 |" in line]
    assert tables and all(numbers(line, "Case") == twelve for line in tables)
    assert numbers(text.split("**Interviews**", 1)[1], "Interview")[:12] == twelve
    for town in TOWNS:
        assert town not in text


# --------------------------------------------------------------------------- word counts
def word_counts(db: Path, *args: str) -> dict[str, int]:
    result = run(db, "words", "--top", "1000", "--format", "csv", *args)
    return {r["word"]: int(r["count"]) for r in csv.DictReader(result.stdout.splitlines())}


def test_words_leave_the_placeholders_out(project):
    plain = word_counts(project)
    anonymized = word_counts(project, "--anonymize")
    # the anonymized text is the original with parts replaced: without the placeholders no word can
    # be counted more often than in the original ("[Borger 1]" is no "borger" of the interview)
    assert anonymized and all(plain.get(word, 0) >= n for word, n in anonymized.items()), \
        {w: n for w, n in anonymized.items() if plain.get(w, 0) < n}
    for placeholder in ("navn", "telefon", "cpr-nr.", "cpr-nr", "adresse", "kontonr.", "fødselsdato", "name", "town"):
        assert placeholder not in anonymized and placeholder not in plain, placeholder
    assert anonymized["borger"] == plain["borger"] and anonymized["sagsbehandler"] == plain["sagsbehandler"]
    assert anonymized["tro"] == plain["tro"]          # the interview's own words are all still counted
    by_role = run(project, "words", "--by", "role", "--anonymize", "--format", "csv").stdout
    assert "navn" not in [r["word"] for r in csv.DictReader(by_role.splitlines())]


# --------------------------------------------------------------------------- genitives
def test_a_name_that_ends_in_s_keeps_it():
    found = finds("Vi talte med Jens, Lars og Roberts; Bentes kollega kom.")
    assert ("name", "Jens") in found and ("name", "Lars") in found and ("name", "Roberts") in found
    found = Detector(Context()).find("Roberts and Williams met Bente's colleague.", "en")
    assert [(f.text, f.key) for f in found] == [("Roberts", "roberts"), ("Williams", "williams"),
                                                ("Bente's", "bente")]


def test_a_genitive_keeps_its_ending_after_the_placeholder(project, tmp_path):
    late = tmp_path / "moelleby_opfoelgning.txt"
    late.write_text("Interviewer: Hvem hjalp?\n\nBorger: Jens kom med Lars, og Karens søster ringede til Bente. "
                    "Bentes kollega Jens' bil holdt ude.\n", encoding="utf-8")
    english = tmp_path / "engvig_followup.txt"
    english.write_text("Interviewer: Who helped?\n\nSagsbehandler: Bente's colleague Sarah Williams called Daniel's "
                       "manager.\n", encoding="utf-8")
    run(project, "import", str(late), str(english))
    review = tmp_path / "review.xlsx"
    run(project, "anonymize", "scan", "-o", str(review))
    key = {r["text"]: r["replacement"] for r in review_rows(review)}
    out = tmp_path / "a.qdpx"
    run(project, "export", "qdpx", "--anonymize", "-o", str(out))
    text = texts_of(out)
    assert leaks(text) == [] and "Jens" not in text and "Lars" not in text
    assert f"{key['Bente']}s kollega" in text                     # Danish: the s after the placeholder
    assert "[Borger 1]s søster" in text                            # a known person too
    assert f"{key['Bente']}'s colleague" in text and "[Sagsbehandler 1]'s manager" in text   # English
    assert f"{key['Jens']} kom med {key['Lars']}, og" in text     # a name's own s stays inside it
    assert f"{key['Jens']}' bil" in text
    assert f"{key['Sarah Williams']} called" in text
