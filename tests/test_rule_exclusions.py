"""Rules that respect a code's exclusions (``unless`` near pairs, ``whole_words``), regular
expressions that cannot hang auto-coding, and the STV codebook's quality on labelled turns."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import yaml

from coding import Project
from coding.codebook import codebook_problems, load_codebook
from coding.errors import CodingError

from cli_helpers import run

ROOT = Path(__file__).resolve().parent.parent
STV = ROOT / "codebooks" / "stv.yaml"
sys.path.insert(0, str(ROOT / "benchmarks"))


def planned(tmp_path: Path, book, lines: list[str], name: str = "t.txt") -> dict[str, set[str]]:
    """Dry-run ``book`` over one respondent turn per line; {line: {codes}} (codes as top-level ids
    when ``book`` is a file, as the codes that fired otherwise)."""
    path = tmp_path / name
    path.write_text("".join(f"Anne: {line}\n\n" for line in lines), encoding="utf-8")
    out: dict[str, set[str]] = {line: set() for line in lines}
    with Project.open(tmp_path / f"{name}.db") as project:
        project.import_paths([path])
        text = project.store.source_text(project.source(name)["id"])
        for p in project.autocode(book, dry_run=True, collect=True).planned:
            coded = text[p["start"]:p["end"]]
            for line in lines:
                if line in coded:
                    out[line].add(p["code"])
    return out


def one_code(lang: str, rules: dict) -> dict:
    return {"name": "t", "version": 1, "settings": {"compounds": {"da": True, "en": False}, "min_part_length": 4},
            "codes": [{"id": "leadership", "labels": {"da": "Ledelse", "en": "Leadership"}, "definition": "Test.",
                       "rules": {lang: rules}}]}


def test_unless_near_vetoes_a_company_manager_also_inside_a_compound(tmp_path):
    book = one_code("da", {"terms": ["chef", "leder"],
                           "unless": [{"terms": ["chef", "leder"], "with": ["butik", "lager", "plejehjem"],
                                       "within": 3}]})
    lines = ["Butikschefen ville gerne have hende.", "Lagerchefen var venlig.", "Lederen på plejehjemmet sagde ja.",
             "Vores chef har sagt, at det er vigtigt.", "Jobcenterchefen følger med.",
             "Lederen har sagt, at vi skal tænke på butikkerne i byen og lageret."]
    found = planned(tmp_path, book, lines)
    assert {line for line, codes in found.items() if codes} == {
        "Vores chef har sagt, at det er vigtigt.", "Jobcenterchefen følger med.",
        "Lederen har sagt, at vi skal tænke på butikkerne i byen og lageret."}   # butik is 9 tokens away


def test_whole_words_never_match_inside_a_compound(tmp_path):
    book = one_code("da", {"whole_words": ["chef"], "terms": ["ledelse"]})
    found = planned(tmp_path, book, ["Chefen har sagt det.", "Køkkenchefen har sagt det.", "Ledelsesteamet mødes."])
    assert found == {"Chefen har sagt det.": {"leadership"}, "Køkkenchefen har sagt det.": set(),
                     "Ledelsesteamet mødes.": {"leadership"}}
    english = planned(tmp_path, one_code("en", {"whole_words": ["boss"]}),
                      ["My boss agreed.", "The taskboss said no."], name="e.txt")
    assert english == {"My boss agreed.": {"leadership"}, "The taskboss said no.": set()}


def test_stv_codebook_respects_its_exclusions(tmp_path):
    """The decoys the codebook's exclude criteria name, in new sentences of our own."""
    lines = {
        "Butikschefen ville gerne give hende et par timer mere om ugen.": set(),
        "Chefen ude på gartneriet sagde, at hun kunne komme igen i morgen.": set(),
        "Jeg parkerede bilen ulovligt foran rådhuset og fik en bøde.": set(),
        "Vi har parkeret de her borgere i årevis uden at tro på dem.": {"belief"},
        "Jobcenterchefen har gjort det til vores vigtigste opgave.": {"leadership"},
        "Jeg leder efter en ny lejlighed til mig og børnene.": set(),
        "Jeg glæder mig til min første løn, så kan jeg købe en cykel.": set(),
    }
    found = planned(tmp_path, STV, list(lines))
    book = load_codebook(STV)
    top = {c.id: book.top_level(c.id) for c in book.codes}
    got = {line: {top[c] for c in codes} - {"match_progression"} for line, codes in found.items()}
    assert got == lines


def test_unless_near_is_checked_when_the_codebook_is_read(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(one_code("da", {
        "terms": ["chef"], "unless": ["leder efter", {"terms": ["chef"], "with": ["butik"]}],
        "near": [{"terms": ["chef"], "with": ["mål"], "within": 0}]}), allow_unicode=True), encoding="utf-8")
    messages = [p.message for p in codebook_problems(path)]
    assert messages == [
        "code 'leadership', rules.da.near: 'within' must be a whole number of tokens from 1 to 100",
        "code 'leadership', rules.da.unless: item 2 lacks 'within'",
    ]


BAD_REGEX_BOOK = """\
name: t
version: 1
codes:
  - id: numbers
    labels: {da: Tal}
    rules:
      da:
        terms: [tal]
        patterns:
          - [{LOWER: tal}, {TEXT: {REGEX: "^(a+)+$"}}]
"""


def test_a_regex_that_can_backtrack_without_bound_is_refused_naming_code_and_rule(tmp_path):
    path = tmp_path / "rx.yaml"
    path.write_text(BAD_REGEX_BOOK, encoding="utf-8")
    result = run(tmp_path / "p.db", "codebook", "validate", str(path), ok=False)
    assert (f"{path}, line 10: code 'numbers', rules.da.patterns: pattern 1 has a REGEX on TEXT that can "
            "backtrack without bound: a repeated group holds a repetition itself (as in (a+)+)") in result.output
    alternation = BAD_REGEX_BOOK.replace("^(a+)+$", "^(a|ab)*$")
    path.write_text(alternation, encoding="utf-8")
    assert "branches that can match alike" in run(tmp_path / "p.db", "codebook", "validate", str(path),
                                                  ok=False).output
    path.write_text(BAD_REGEX_BOOK.replace("^(a+)+$", "^(a|a)+$"), encoding="utf-8")
    assert "branches that can match alike" in run(tmp_path / "p.db", "codebook", "validate", str(path),
                                                  ok=False).output
    for fine in ("^[0-9]+(,[0-9]+)?$", "^(cat|dog)s?$", "(\\\\w|-)+"):
        path.write_text(BAD_REGEX_BOOK.replace("^(a+)+$", fine), encoding="utf-8")
        assert "valid" in run(tmp_path / "p.db", "codebook", "validate", str(path)).output, fine


def test_a_regex_past_its_time_limit_stops_auto_coding_with_the_code_and_rule(tmp_path):
    """A pattern that slips past the check (here built without it) is run with a time limit."""
    import spacy
    from spacy.matcher import Matcher

    from coding.autocode.patterns import guarded_pattern
    from coding.safe_regex import RegexTimeout, search

    assert search("^[0-9]+$", "2026") and not search("^[0-9]+$", "år")
    nlp = spacy.blank("da")
    matcher = Matcher(nlp.vocab)
    matcher.add("x", [guarded_pattern([{"TEXT": {"REGEX": "^(a|a)+$"}}], "code 'numbers', da pattern 1")])
    assert matcher(nlp.make_doc("bb cc")) == []
    with pytest.raises(RegexTimeout) as caught:
        matcher(nlp.make_doc("a" * 40 + "b"))
    assert isinstance(caught.value, CodingError)
    assert str(caught.value).startswith("code 'numbers', da pattern 1: the regular expression '^(a|a)+$' took longer")


@pytest.mark.parametrize("name", ["quality_dev_turns.yaml", "quality_heldout_turns.yaml"])
def test_quality_sets_are_well_formed(name):
    from autocode_quality import load_gold

    turns = load_gold(ROOT / "tests" / "data" / name)
    assert len({t["id"] for t in turns}) == len(turns) >= 60
    assert {t["language"] for t in turns} == {"da", "en"}
    assert {theme for t in turns for theme in t["themes"]} == {"belief", "leadership", "internal_collaboration",
                                                                "capacity"}
    assert sum(1 for t in turns if not t["themes"]) >= 8


def test_stv_codebook_reaches_its_quality_target_on_the_held_out_turns():
    """Macro-F1 over the four themes on turns the rules were not tuned on (see tests/data/README.md)."""
    from autocode_quality import evaluate

    result = evaluate(ROOT / "tests" / "data" / "quality_heldout_turns.yaml", STV)
    assert result["macro_f1"] >= 0.80, result["themes"]


def test_codes_nothing_reaches_are_reported_and_left_out_of_tables(tmp_path):
    """On the sample: leader_support and job_goals get no codings; validate names them, the matrix
    leaves them out unless --empty-codes."""
    db = tmp_path / "s.db"
    run(db, "import", str(ROOT / "transcripts_sample"), "--manifest", str(ROOT / "transcripts_sample" / "participants.csv"))
    run(db, "autocode", "--codebook", str(STV))
    out = run(db, "codebook", "validate", str(STV)).output
    assert (f"2 code(s) that no rule or coding reaches in {db}: leadership/leader_support, "
            "match_progression/job_goals (left out of tables unless --empty-codes)") in out
    rows = [line.split(",")[0] for line in run(db, "matrix", "--cols", "municipality", "--format", "csv")
            .output.splitlines()[1:]]
    assert "leadership/leader_support" not in rows and "belief/success_stories" in rows
    everything = run(db, "matrix", "--cols", "municipality", "--format", "csv", "--empty-codes").output
    assert "leadership/leader_support,Ledelsesopbakning og sparring,0,0,0,0,0" in everything.splitlines()
    # a coding by hand reaches the code: it is back in the tables and no longer reported
    sheet = tmp_path / "hand.csv"
    sheet.write_text("source,code,coder,turn\nnordby_leder.docx,job_goals,anna,2\n", encoding="utf-8")
    run(db, "codings", "import", str(sheet))
    assert "job_goals" not in run(db, "codebook", "validate", str(STV)).output
    assert "match_progression/job_goals" in run(db, "matrix", "--format", "csv").output


def test_validate_without_a_project_file_only_checks_the_file(tmp_path):
    out = run(tmp_path / "none.db", "codebook", "validate", str(STV)).output
    assert out.startswith(f"{STV}: valid") and "reaches" not in out
    assert not (tmp_path / "none.db").exists()
