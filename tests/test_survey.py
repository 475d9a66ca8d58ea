"""Open-ended survey answers: a generated survey of 500 respondents (a real .xlsx written with
openpyxl, and a .csv), imported through the real CLI, then auto-coded, counted in matrices and
compared between coders like interviews."""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path

import openpyxl
import pytest

from cli_helpers import run

ROOT = Path(__file__).resolve().parents[1]
MUNICIPALITIES = ("Nordby", "Åbæk", "Lyngholt", "Kildemose")
GOOD = ["Konsulenten hjalp mig med at finde en praktikplads tæt på hjemmet.",
        "Min sagsbehandler og virksomhedskonsulenten talte sammen, så jeg slap for at gentage mig selv.",
        "Lederen på arbejdspladsen tog godt imod mig fra første dag.",
        "The consultant believed I could work again, which meant a lot.",
        "Jeg fik et mentorforløb, og mentoren ringede hver uge."]
BETTER = ["Der gik for lang tid, før nogen fulgte op på praktikken.",
          "Jeg havde tre forskellige sagsbehandlere på et halvt år.",
          "Møderne i jobcentret var korte og handlede mest om papirer.",
          "Nobody told me what would happen after the placement ended.",
          "Det var svært at komme igennem på telefonen."]
QUESTIONS = ("Q1 Hvad fungerede godt?", "Q2 Hvad kunne være bedre?", "Q3 Andre kommentarer")


def make_survey(path: Path, respondents: int = 500, seed: int = 25) -> dict:
    """A survey export: ID, background columns, three free-text questions with some empty answers."""
    rnd = random.Random(seed)
    rows, empty = [], 0
    for i in range(1, respondents + 1):
        answers = []
        for pool in (GOOD, BETTER, GOOD + BETTER):
            if rnd.random() < 0.15:
                answers.append(None if rnd.random() < 0.5 else "  ")
                empty += 1
            else:
                answers.append(" ".join(rnd.sample(pool, rnd.randint(1, 2))))
        rows.append([f"R{i:03d}", rnd.choice(MUNICIPALITIES), rnd.randint(18, 66),
                     rnd.choice(("Borger", "Borger", "Pårørende")), *answers])
    header = ["ID", "kommune", "alder", "rolle", *QUESTIONS]
    if path.suffix == ".xlsx":
        book = openpyxl.Workbook()
        sheet = book.active
        sheet.append(header)
        for row in rows:
            sheet.append(row)
        book.save(path)
    else:
        with open(path, "w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle, delimiter=";")
            writer.writerow(header)
            writer.writerows([[c if c is not None else "" for c in row] for row in rows])
    answers = sum(1 for row in rows for a in row[4:] if a and a.strip())
    return {"rows": rows, "empty": empty, "answers": answers}


@pytest.fixture(scope="module")
def survey_project(tmp_path_factory):
    folder = tmp_path_factory.mktemp("survey")
    facts = make_survey(folder / "borgersurvey.xlsx")
    db = folder / "p.db"
    out = run(db, "import", str(folder / "borgersurvey.xlsx"), "--survey").output
    return db, folder, facts, out


def test_a_survey_of_500_becomes_participants_and_answer_turns(survey_project):
    db, folder, facts, out = survey_project
    silent = sum(1 for row in facts["rows"] if not any(a and a.strip() for a in row[4:]))
    said = f" ({silent} without any answer: not participants)" if silent else ""
    assert f"borgersurvey.xlsx: 500 respondents{said}, 3 questions, {facts['answers']} answers, " \
           f"{facts['empty']} empty answers skipped" in out
    assert "respondent id from column 'ID'" in out
    sources = json.loads(run(db, "sources", "--format", "json").output)
    assert [s["name"] for s in sources] == [f"borgersurvey.xlsx#{q}" for q in QUESTIONS]
    assert sum(s["turns"] for s in sources) == facts["answers"]
    assert all(s["format"] == "survey" and s["language"] == "da" for s in sources)
    assert {s["question"] for s in sources} == set(QUESTIONS)
    people = {p["participant"]: p for p in json.loads(run(db, "participants", "--format", "json").output)}
    assert len(people) == 500 - silent
    first = facts["rows"][0]
    assert (people["R001"]["kommune"], people["R001"]["alder"], people["R001"]["rolle"]) == \
           (first[1], str(first[2]), first[3])
    shown = json.loads(run(db, "show", f"borgersurvey.xlsx#{QUESTIONS[0]}", "--format", "json").output)
    answered = [r for r in facts["rows"] if r[4] and r[4].strip()]
    assert [t["participant"] for t in shown["turns"]] == [r[0] for r in answered]
    assert [t["text"] for t in shown["turns"]] == [r[4] for r in answered]
    # search finds the answers, with compounds, as it finds interview turns
    hits = json.loads(run(db, "search", "konsulent", "--format", "json").stdout)
    expected = sum(1 for r in facts["rows"] for a in r[4:] if a and "onsulent" in a)
    assert len({(h["source"], h["turn"]) for h in hits}) == expected
    assert {h["match"].lower() for h in hits} >= {"konsulenten", "virksomhedskonsulenten"}
    assert all(h["participant"] == h["speaker"] and h["speaker"].startswith("R") for h in hits)
    # importing the same file again changes nothing
    again = run(db, "import", str(folder / "borgersurvey.xlsx"), "--survey").output
    assert again.count("unchanged borgersurvey.xlsx#") == 3


def test_auto_coding_matrices_and_agreement_work_on_answers(survey_project, tmp_path):
    import shutil

    db = tmp_path / "p.db"
    shutil.copy(survey_project[0], db)
    run(db, "autocode", "--codebook", str(ROOT / "codebooks" / "stv.yaml"))
    coded = json.loads(run(db, "codings", "--format", "json").output)
    assert coded and all(c["participant"].startswith("R") and c["kommune"] in MUNICIPALITIES for c in coded)
    matrix = json.loads(run(db, "matrix", "--cols", "kommune", "--count", "participants", "--format", "json").output)
    text = json.dumps(matrix, ensure_ascii=False)
    assert all(m in text for m in MUNICIPALITIES)
    # two coders code the same answers by turn number; agreement is computed on the answers
    source = f"borgersurvey.xlsx#{QUESTIONS[1]}"
    sheet = tmp_path / "hand.csv"
    lines = ["source,code,coder,turn"]
    for turn in range(1, 41):
        lines.append(f"{source},capacity,anna,{turn}")
        if turn % 4:
            lines.append(f"{source},capacity,bo,{turn}")
    sheet.write_text("\n".join(lines) + "\n", encoding="utf-8")
    run(db, "codings", "import", str(sheet))
    agreement = json.loads(run(db, "agreement", "--coder", "anna", "--coder", "bo", "--format", "json").output)
    assert agreement["sources"] == [source]
    turns = len(json.loads(run(db, "show", source, "--format", "json").output)["turns"])
    row = agreement["per_code"]["capacity"]
    assert row["units"] == turns and row["coded"] == {"anna": 40, "bo": 30}
    assert sorted(int(d["turn"]) for d in agreement["disagreements"]) == list(range(4, 41, 4))
    assert row["percent_agreement"] == pytest.approx(100 * (turns - 10) / turns)


def test_csv_by_respondent_with_named_columns(tmp_path):
    facts = make_survey(tmp_path / "survey.csv", respondents=60, seed=3)
    db = tmp_path / "p.db"
    out = run(db, "import", str(tmp_path / "survey.csv"), "--survey", "--by", "respondent", "--id-column", "id",
              "--text-columns", f"{QUESTIONS[0]},{QUESTIONS[1]}", "--attribute-columns", "kommune").output
    answered = [r for r in facts["rows"] if any(a and a.strip() for a in r[4:6])]
    silent = 60 - len(answered)
    assert f"60 respondents ({silent} without any answer: not participants), 2 questions" in out
    sources = json.loads(run(db, "sources", "--format", "json").output)
    assert len(sources) == len(answered)
    shown = json.loads(run(db, "show", f"survey.csv#{answered[0][0]}", "--format", "json").output)
    assert [t["speaker"] for t in shown["turns"]] == [q for q, a in zip(QUESTIONS, answered[0][4:6]) if a and a.strip()]
    assert {t["participant"] for t in shown["turns"]} == {answered[0][0]}
    people = json.loads(run(db, "participants", "--format", "json").output)
    assert "alder" not in people[0] and people[0]["kommune"] in MUNICIPALITIES   # only the named attribute


def test_bad_survey_rows_are_all_listed_and_nothing_is_imported(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["ID", "kommune", "Q1"])
    sheet.append(["R1", "Nordby", "Det gik fint med praktikken hele vejen."])
    sheet.append(["R1", "Åbæk", "Jeg ventede længe på et svar fra kommunen."])
    sheet.append([None, "Åbæk", "Ingen id her, men et svar på flere ord."])
    book.save(tmp_path / "bad.xlsx")
    db = tmp_path / "p.db"
    result = run(db, "import", str(tmp_path / "bad.xlsx"), "--survey", ok=False)
    assert result.exit_code == 1
    assert "2 bad row(s): row 3: respondent id 'R1' is also on row 2; row 4: no respondent id" in result.output
    assert "nothing was imported" in result.output
    unknown = run(db, "import", str(tmp_path / "bad.xlsx"), "--survey", "--text-columns", "Q9", ok=False)
    assert unknown.exit_code == 1 and "no column 'Q9' (--text-columns); the columns are: ID, kommune, Q1" in unknown.output
    assert json.loads(run(db, "sources", "--format", "json").output) == []
    mixed = run(db, "import", str(tmp_path / "bad.xlsx"), "--text-columns", "Q1", ok=False)
    assert mixed.exit_code == 2 and "go with --survey" in mixed.output


def test_long_category_names_stay_attributes_and_a_changed_survey_needs_replace(tmp_path):
    rnd = random.Random(5)
    educations = ("Kort videregående uddannelse (KVU)", "Mellemlang videregående uddannelse (MVU)",
                  "Lang videregående uddannelse (LVU)", "Ingen uddannelse efter grundskolen")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Respondent ID", "uddannelse", "Svar"])
    for i in range(1, 81):
        sheet.append([f"S{i}", rnd.choice(educations), f"Svar nummer {i}: " + rnd.choice(GOOD + BETTER)])
    book.save(tmp_path / "v1.xlsx")
    db = tmp_path / "p.db"
    out = run(db, "import", str(tmp_path / "v1.xlsx"), "--survey").output
    assert "respondent id from column 'Respondent ID'" in out and "1 questions, 80 answers" in out
    people = json.loads(run(db, "participants", "--format", "json").output)
    assert all(p["uddannelse"] in educations for p in people)
    run(db, "codebook", "import", str(ROOT / "codebooks" / "stv.yaml"))
    run(db, "codings", "import", str(write_rows(tmp_path / "c.csv", [("v1.xlsx#Svar", "capacity", "anna", "1"),
                                                                      ("v1.xlsx#Svar", "capacity", "anna", "2")])))
    # the same file name with one answer changed: refused without --replace; replaced, the codings
    # whose text is still there stay
    book = openpyxl.load_workbook(tmp_path / "v1.xlsx")
    book.active["C3"] = "Et helt nyt svar på spørgsmålet, skrevet om."
    book.save(tmp_path / "v1.xlsx")
    refused = run(db, "import", str(tmp_path / "v1.xlsx"), "--survey", ok=False)
    assert refused.exit_code == 1 and "already has a different v1.xlsx#Svar; use --replace" in refused.output
    replaced = run(db, "import", str(tmp_path / "v1.xlsx"), "--survey", "--replace").output
    assert "replaced v1.xlsx#Svar" in replaced
    shown = json.loads(run(db, "show", "v1.xlsx#Svar", "--format", "json").output)
    assert shown["turns"][1]["text"] == "Et helt nyt svar på spørgsmålet, skrevet om." and len(shown["turns"]) == 80
    kept = json.loads(run(db, "codings", "--coder", "anna", "--format", "json").output)
    assert [c["text"] for c in kept] == [shown["turns"][0]["text"]]


def write_rows(path: Path, rows: list[tuple]) -> Path:
    path.write_text("source,code,coder,turn\n" + "".join(",".join(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_a_csv_in_no_known_encoding_is_refused_with_its_line(tmp_path):
    """Byte 0x81 is neither UTF-8 nor cp1252: a clear error with the file and line, no traceback."""
    path = tmp_path / "svar.csv"
    path.write_bytes("id;kommune;Hvad virkede?\n1;Nordby;Godt samarbejde\n2;Åbæk;Mere tid\n".encode("cp1252")[:-1] + b"\x81\n")
    db = tmp_path / "p.db"
    result = run(db, "import", str(path), "--survey", ok=False)
    assert result.exit_code != 0
    assert "svar.csv" in result.output and "line 3" in result.output and "cp1252" in result.output
    assert json.loads(run(db, "sources", "--format", "json").output) == []
