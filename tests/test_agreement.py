"""Agreement between coders: published reference values, an independent implementation, the CLI."""

from __future__ import annotations

import json
import math
import random
from pathlib import Path

import docx
import krippendorff
import numpy as np
import openpyxl
import pytest

from coding import Project
from coding.analysis.agreement import cohen_kappa, krippendorff_alpha_nominal, percent_agreement
from coding.analysis.sentences import sentence_spans

from cli_helpers import run

SPEAKERS = ("Interviewer", "Mette")


def make_project(path: Path, codes=("ledelse", "samarbejde", "tilfredshed")) -> Path:
    with Project.open(path) as project, project.transaction():
        for position, code in enumerate(codes):
            project.store.upsert_code(code=code, parent_id=None, labels={"da": code.capitalize()},
                                      position=position)
    return path


def write_turns(path: Path, n: int, sentence: str = "Vi taler om emne {i}.") -> Path:
    """A transcript of ``n`` turns, the speakers taking turns."""
    lines = [f"{SPEAKERS[i % 2]}: {sentence.format(i=i + 1)}" for i in range(n)]
    path.write_text("\n\n".join(lines) + "\n", encoding="utf-8")
    return path


def import_rows(project: Path, tmp_path: Path, rows: list[tuple], name: str = "codings.csv") -> None:
    """Codings as a spreadsheet: (source, code, coder, turn)."""
    path = tmp_path / name
    path.write_text("source,code,coder,turn\n" + "".join(f"{s},{c},{k},{t}\n" for s, c, k, t in rows),
                    encoding="utf-8")
    run(project, "codings", "import", str(path))


def agreement(project: Path, *args: str) -> dict:
    """Agreement as JSON; over every turn (the tests' transcripts alternate interviewer and
    respondent) unless the arguments say otherwise."""
    if not {"--no-interviewer", "--include-interviewer", "--default-turns"} & set(args):
        args = (*args, "--include-interviewer")
    args = tuple(a for a in args if a != "--default-turns")
    return json.loads(run(project, "agreement", "--format", "json", *args).output)


def reference_alpha(matrix) -> float:
    """The independent implementation: the `krippendorff` package (coders x units, nan = missing)."""
    data = np.array([[np.nan if v is None else v for v in row] for row in matrix], dtype=float)
    return krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")


def reference_kappa(first, second) -> float:
    """Cohen's kappa from the 2x2 (or k x k) contingency table, written out independently."""
    categories = sorted(set(first) | set(second))
    n = len(first)
    table = {(a, b): sum(1 for x, y in zip(first, second) if (x, y) == (a, b)) for a in categories for b in categories}
    observed = sum(table[(c, c)] for c in categories) / n
    expected = sum(sum(table[(c, b)] for b in categories) * sum(table[(a, c)] for a in categories)
                   for c in categories) / n ** 2
    return (observed - expected) / (1 - expected)


# --------------------------------------------------------------------------- published reference values


def test_two_rater_table_gives_kappa_040_and_70_percent():
    # 20 both yes, 5 only the first, 10 only the second, 15 both no
    units = [((1, 1), 1)] * 20 + [((1, 0), 1)] * 5 + [((0, 1), 1)] * 10 + [((0, 0), 1)] * 15
    assert cohen_kappa((a, b, w) for (a, b), w in units) == pytest.approx(0.40)
    assert percent_agreement(units) == pytest.approx(70.0)


def test_krippendorff_2011_reliability_data_nominal_alpha_0743():
    # Krippendorff (2011), Computing Krippendorff's Alpha-Reliability: 4 observers, 12 units, values 1-5
    n = None
    data = [[1, 2, 3, 3, 2, 1, 4, 1, 2, n, n, n],
            [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, n, 3],
            [n, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, n],
            [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, n]]
    units = [(tuple(row[u] for row in data), 1) for u in range(12)]
    assert round(krippendorff_alpha_nominal(units), 3) == 0.743


def test_kappa_table_through_the_cli(tmp_path):
    project = make_project(tmp_path / "p.db")
    run(project, "import", str(write_turns(tmp_path / "nordby.txt", 50)))
    rows = [("nordby.txt", "ledelse", "anna", t) for t in range(1, 26)]                      # turns 1-25
    rows += [("nordby.txt", "ledelse", "bo", t) for t in [*range(1, 21), *range(26, 36)]]     # 1-20, 26-35
    import_rows(project, tmp_path, rows)
    result = agreement(project, "--coder", "anna", "--coder", "bo")
    stats = result["per_code"]["ledelse"]
    assert stats["units"] == 50
    assert stats["percent_agreement"] == pytest.approx(70.0)
    assert stats["cohen_kappa"] == pytest.approx(0.40)
    anna = [1 if t <= 25 else 0 for t in range(1, 51)]
    bo = [1 if t <= 20 or 26 <= t <= 35 else 0 for t in range(1, 51)]
    assert stats["krippendorff_alpha"] == pytest.approx(reference_alpha([anna, bo]))
    assert len(result["disagreements"]) == 15
    first = result["disagreements"][0]
    assert (first["source"], first["turn"], first["code"], first["coded_by"], first["not_coded_by"]) == \
           ("nordby.txt", 21, "ledelse", ["anna"], ["bo"])


def test_krippendorff_2011_data_through_the_cli_as_exclusive_codes(tmp_path):
    project = make_project(tmp_path / "p.db", codes=("v1", "v2", "v3", "v4", "v5"))
    run(project, "import", str(write_turns(tmp_path / "units.txt", 12)))
    n = None
    data = {"A": [1, 2, 3, 3, 2, 1, 4, 1, 2, n, n, n],
            "B": [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, n, 3],
            "C": [n, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, n],
            "D": [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, n]}
    import_rows(project, tmp_path, [("units.txt", f"v{v}", coder, unit + 1)
                                    for coder, values in data.items() for unit, v in enumerate(values) if v])
    result = agreement(project, "--coder", "A", "--coder", "B", "--coder", "C", "--coder", "D", "--exclusive")
    assert result["mode"] == "exclusive"
    assert round(result["overall"]["krippendorff_alpha"], 3) == 0.743
    assert result["overall"]["units"] == 11  # unit 12 has one value only
    assert result["overall"]["cohen_kappa"] is None  # kappa is for two coders
    assert all(s["cohen_kappa"] is None for s in result["per_code"].values())
    # unit 6: A gave 1, B 2, C 3, D 4 -> listed for each code involved
    unit6 = {d["code"]: d["coded_by"] for d in result["disagreements"] if d["turn"] == 6}
    assert unit6 == {"v1": ["A"], "v2": ["B"], "v3": ["C"], "v4": ["D"]}
    # unit 1: C left it uncoded, a missing value, not a disagreement
    assert not [d for d in result["disagreements"] if d["turn"] == 1]


# --------------------------------------------------------------------------- independent implementation, random data


@pytest.mark.parametrize("seed", range(12))
def test_alpha_and_kappa_match_independent_implementations_on_random_data(seed):
    rng = random.Random(seed)
    coders, units, categories = rng.randint(2, 5), rng.randint(5, 60), rng.randint(2, 5)
    matrix = [[None if rng.random() < 0.2 else rng.randint(1, categories) for _ in range(units)]
              for _ in range(coders)]
    for u in range(units):  # keep some variation so that alpha is defined
        matrix[0][u] = matrix[0][u] if u % 7 else 1
        matrix[1][u] = matrix[1][u] if u % 7 else 2
    ours = krippendorff_alpha_nominal([(tuple(row[u] for row in matrix), 1) for u in range(units)])
    assert ours == pytest.approx(reference_alpha(matrix), abs=1e-9)

    both = [(a, b) for a, b in zip(matrix[0], matrix[1]) if a is not None and b is not None]
    first, second = [a for a, _ in both], [b for _, b in both]
    assert cohen_kappa((a, b, 1) for a, b in both) == pytest.approx(reference_kappa(first, second), abs=1e-9)


def test_weighted_units_equal_repeated_units():
    rng = random.Random(7)
    pairs = [(rng.randint(0, 2), rng.randint(0, 2), rng.randint(1, 9)) for _ in range(30)]
    weighted = [((a, b), w) for a, b, w in pairs]
    repeated = [((a, b), 1) for a, b, w in pairs for _ in range(w)]
    assert krippendorff_alpha_nominal(weighted) == pytest.approx(krippendorff_alpha_nominal(repeated))
    assert cohen_kappa((a, b, w) for (a, b), w in weighted) == \
           pytest.approx(cohen_kappa((a, b, 1) for (a, b), _ in repeated))


@pytest.mark.parametrize("seed", range(3))
def test_cli_with_a_coder_who_did_not_code_a_source_matches_the_reference_with_missing_values(tmp_path, seed):
    rng = random.Random(seed)
    project = make_project(tmp_path / "p.db")
    sizes = {"nordby.txt": 14, "kildemose.txt": 9}
    for name, size in sizes.items():
        run(project, "import", str(write_turns(tmp_path / name, size)))
    coverage = {"anna": list(sizes), "bo": list(sizes), "carl": ["nordby.txt"]}  # carl did not code kildemose
    rows = []
    truth: dict[tuple[str, str], list] = {}
    for coder, sources in coverage.items():
        for code in ("ledelse", "samarbejde"):
            values = []
            for name, size in sizes.items():
                for turn in range(1, size + 1):
                    if name not in sources:
                        values.append(None)
                        continue
                    coded = rng.random() < 0.4 or turn == 1 and code == "ledelse"
                    values.append(int(coded))
                    if coded:
                        rows.append((name, code, coder, turn))
            truth[(coder, code)] = values
    import_rows(project, tmp_path, rows)
    result = agreement(project, "--coder", "anna", "--coder", "bo", "--coder", "carl")
    assert sorted(result["sources"]) == sorted(sizes)
    for code in ("ledelse", "samarbejde"):
        matrix = [truth[(coder, code)] for coder in coverage]
        stats = result["per_code"][code]
        assert stats["units"] == sum(sizes.values())
        assert stats["krippendorff_alpha"] == pytest.approx(reference_alpha(matrix), abs=1e-9)
    pooled = [truth[(coder, "ledelse")] + truth[(coder, "samarbejde")] for coder in coverage]
    assert result["overall"]["krippendorff_alpha"] == pytest.approx(reference_alpha(pooled), abs=1e-9)

    two = agreement(project, "--coder", "anna", "--coder", "carl")  # only nordby was coded by both
    assert two["sources"] == ["nordby.txt"]
    anna = truth[("anna", "ledelse")][:14]
    carl = truth[("carl", "ledelse")][:14]
    assert two["per_code"]["ledelse"]["cohen_kappa"] == pytest.approx(reference_kappa(anna, carl))


# --------------------------------------------------------------------------- units


def test_sentences_split_at_end_marks_before_capitals_and_at_line_breaks():
    text = "Vi har f.eks. travlt. Det går ca. 20 gange om ugen! \"Nej\", sagde hun.\nJa"
    assert [text[a:b] for a, b in sentence_spans(text, 0, len(text))] == \
           ["Vi har f.eks. travlt.", "Det går ca. 20 gange om ugen!", "\"Nej\", sagde hun.", "Ja"]


def test_sentence_and_character_units(tmp_path):
    project = make_project(tmp_path / "p.db")
    path = tmp_path / "aabaek.txt"
    path.write_text("Interviewer: Hvordan går det?\n\nMette: Vi har travlt. Det går godt. Men vi mangler folk.\n",
                    encoding="utf-8")
    run(project, "import", str(path))
    with Project.open(project) as p:
        text = p.source("aabaek.txt")["text"]
        turns = p.show("aabaek.txt")["turns"]
    answer = turns[1]
    second = text.index("Det går godt.")
    sheet = tmp_path / "spans.csv"
    sheet.write_text("source,code,coder,start,end\n"
                     f"aabaek.txt,ledelse,anna,{answer['start']},{answer['end']}\n"
                     f"aabaek.txt,ledelse,bo,{second},{second + len('Det går godt.')}\n"
                     f"aabaek.txt,ledelse,bo,{second},{second + len('Det går')}\n", encoding="utf-8")
    run(project, "codings", "import", str(sheet))

    by_sentence = agreement(project, "--coder", "anna", "--coder", "bo", "--unit", "sentence")
    # sentences: the question, then three in the answer; anna coded the answer, bo its second sentence
    anna, bo = [0, 1, 1, 1], [0, 0, 1, 0]
    stats = by_sentence["per_code"]["ledelse"]
    assert stats["units"] == 4
    assert stats["percent_agreement"] == pytest.approx(50.0)
    assert stats["cohen_kappa"] == pytest.approx(reference_kappa(anna, bo))
    assert stats["krippendorff_alpha"] == pytest.approx(reference_alpha([anna, bo]))

    by_character = agreement(project, "--coder", "anna", "--coder", "bo", "--unit", "character")
    anna_chars, bo_chars = [], []
    for turn in turns:
        for i in range(turn["start"], turn["end"]):
            if not text[i].isspace():
                anna_chars.append(int(answer["start"] <= i < answer["end"]))
                bo_chars.append(int(second <= i < second + len("Det går godt.")))
    stats = by_character["per_code"]["ledelse"]
    assert stats["units"] == len(anna_chars)
    assert stats["percent_agreement"] == pytest.approx(
        100 * sum(a == b for a, b in zip(anna_chars, bo_chars)) / len(anna_chars))
    assert stats["cohen_kappa"] == pytest.approx(reference_kappa(anna_chars, bo_chars))
    assert stats["krippendorff_alpha"] == pytest.approx(reference_alpha([anna_chars, bo_chars]))
    spans = [(d["start"], d["end"]) for d in by_character["disagreements"]]
    assert [text[a:b] for a, b in spans] == ["Vi har travlt.", "Men vi mangler folk."]  # merged character runs


def test_interviewer_turns_are_left_out_unless_asked_for(tmp_path):
    """As in every other analysis: uncoded questions would agree trivially and flatter the result."""
    project = make_project(tmp_path / "p.db")
    run(project, "import", str(write_turns(tmp_path / "nordby.txt", 10)))
    import_rows(project, tmp_path, [("nordby.txt", "ledelse", "anna", 2), ("nordby.txt", "ledelse", "bo", 4)])
    everything = agreement(project, "--coder", "anna", "--coder", "bo", "--include-interviewer")
    default = agreement(project, "--coder", "anna", "--coder", "bo", "--default-turns")
    respondents = agreement(project, "--coder", "anna", "--coder", "bo", "--no-interviewer")
    assert everything["per_code"]["ledelse"]["units"] == 10
    assert everything["per_code"]["ledelse"]["percent_agreement"] == pytest.approx(80.0)
    assert default == respondents
    assert respondents["per_code"]["ledelse"]["units"] == 5
    assert respondents["per_code"]["ledelse"]["percent_agreement"] == pytest.approx(60.0)
    with Project.open(project) as p:
        assert p.agreement(["anna", "bo"])["per_code"]["ledelse"]["units"] == 5


# --------------------------------------------------------------------------- two coders in Word


def write_commented(path: Path, comments) -> Path:
    document = docx.Document()
    runs = []
    for label, text in [("Interviewer:", " Hvordan er ledelsen i Lyngholt?"),
                        ("Mette:", " Lederen er synlig og lytter."),
                        ("Interviewer:", " Og samarbejdet?"),
                        ("Mette:", " Vi samarbejder godt med jobcentret."),
                        ("Jens:", " Jeg er ikke helt enig, vi mangler tid.")]:
        paragraph = document.add_paragraph()
        paragraph.add_run(label).bold = True
        runs.append(paragraph.add_run(text))
    for first, last, text, author in comments:
        document.add_comment([runs[first], runs[last]], text=text, author=author)
    document.save(path)
    return path


def test_agreement_of_two_coders_who_coded_in_word(tmp_path):
    project = make_project(tmp_path / "p.db")
    run(project, "import", str(write_commented(tmp_path / "lyngholt.docx", [
        (1, 1, "ledelse", "anna"), (3, 3, "samarbejde", "anna"), (4, 4, "samarbejde; tilfredshed", "anna")])))
    run(project, "import", str(write_commented(tmp_path / "lyngholt_bo.docx", [
        (1, 1, "Ledelse", "bo"), (3, 4, "Samarbejde", "bo")])))
    result = agreement(project, "--coder", "anna", "--coder", "bo")
    assert result["sources"] == ["lyngholt.docx"] and result["unit"] == "turn"
    assert set(result) >= {"unit", "coders", "per_code", "overall", "disagreements"}
    assert set(result["per_code"]["ledelse"]) >= {"units", "percent_agreement", "cohen_kappa", "krippendorff_alpha"}
    assert result["per_code"]["ledelse"]["percent_agreement"] == pytest.approx(100.0)
    assert result["per_code"]["samarbejde"]["percent_agreement"] == pytest.approx(100.0)
    assert [(d["turn"], d["code"], d["coded_by"], d["not_coded_by"]) for d in result["disagreements"]] == \
           [(5, "tilfredshed", ["anna"], ["bo"])]
    assert result["disagreements"][0]["text"] == "Jeg er ikke helt enig, vi mangler tid."
    anna = [0, 0, 0, 0, 1]
    assert result["per_code"]["tilfredshed"]["krippendorff_alpha"] == \
        pytest.approx(reference_alpha([anna, [0] * 5]))  # no variation in bo's codes: alpha below 0
    assert result["per_code"]["tilfredshed"]["cohen_kappa"] == pytest.approx(0.0)

    only = agreement(project, "--coder", "anna", "--coder", "bo", "--codes", "Tilfredshed, ledelse")
    assert list(only["per_code"]) == ["tilfredshed", "ledelse"]

    table = run(project, "agreement", "--coder", "anna", "--coder", "bo").output
    assert "krippendorff_alpha" in table and "(overall)" in table and "Disagreements (1):" in table

    book_path = tmp_path / "agreement.xlsx"
    run(project, "agreement", "--coder", "anna", "--coder", "bo", "--format", "xlsx", "-o", str(book_path))
    book = openpyxl.load_workbook(book_path)
    assert book.sheetnames[:2] == ["agreement", "disagreements"]
    codes = [row[0] for row in book["agreement"].iter_rows(min_row=2, values_only=True)]
    assert codes == ["ledelse", "samarbejde", "tilfredshed", "(overall)"]
    assert book["disagreements"].max_row == 2


@pytest.mark.parametrize("args, message", [
    (["--coder", "anna", "--coder", "zoe"], "coder 'zoe' has no codings in the project (coders: anna, bo)"),
    (["--coder", "anna"], "agreement needs at least two coders"),
    (["--coder", "anna", "--coder", "bo", "--codes", "økonomi"], "no code 'økonomi'"),
])
def test_agreement_errors_are_one_line(tmp_path, args, message):
    project = make_project(tmp_path / "p.db")
    run(project, "import", str(write_commented(tmp_path / "lyngholt.docx", [
        (1, 1, "ledelse", "anna"), (1, 1, "ledelse", "bo")])))
    result = run(project, "agreement", *args, ok=False)
    assert result.exit_code == 1
    assert message in result.output and "Traceback" not in result.output


def test_alpha_is_undefined_without_variation():
    assert krippendorff_alpha_nominal([((1, 1), 1), ((1, 1), 1)]) is None
    assert cohen_kappa([(1, 1, 1), (1, 1, 1)]) is None
    assert not math.isnan(krippendorff_alpha_nominal([((1, 0), 1), ((1, 1), 1)]))
