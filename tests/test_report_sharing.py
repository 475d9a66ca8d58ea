"""The pipeline's documents share work: each theme's quote passages are found once for the report's
quotes and the case model, and the case model counts its cells from the segment columns. What they
give must be what the separate computations give."""

from __future__ import annotations

from pathlib import Path

import pytest

from coding import Project
from coding.analysis.cases import _split
from coding.analysis.quotes import PassageCache

from cli_helpers import run

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "transcripts_sample"
STV = ROOT / "codebooks" / "stv.yaml"
THEMES = ["belief", "leadership", "internal_collaboration", "capacity", "match_progression"]


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    """The sample corpus auto-coded, with a coding by hand, an accepted and a rejected proposal."""
    tmp = tmp_path_factory.mktemp("sharing")
    db = tmp / "s.db"
    run(db, "import", str(SAMPLE), "--manifest", str(SAMPLE / "participants.csv"))
    run(db, "autocode", "--codebook", str(STV))
    sheet = tmp / "hand.csv"
    sheet.write_text("source,code,coder,turn\nnordby_leder.docx,leadership,anna,4\n"
                     "kildemose_borger.txt,belief,anna,2\n", encoding="utf-8")
    run(db, "codings", "import", str(sheet))
    with Project.open(db) as project:
        for code, decision in (("belief", "accept"), ("leadership", "reject"), ("capacity", "reject")):
            project.review(project.codings(origin="auto", code=code)[1]["id"], decision, "anna")
    return db


def _plain(lists) -> dict:
    return {code: (chosen.attrs, chosen.rows) for code, chosen in lists.items()}


def test_shared_passages_give_the_quotes_computed_alone(sample):
    """One cache for lists of several groupings, length windows and limits (the report's and the
    case model's among them): every list equals the one computed without it, row for row."""
    settings = [dict(by="municipality", limit=1), dict(by="municipality", limit=None, max_chars=300),
                dict(by="role", limit=2, min_chars=30, max_chars=80),   # long passages fall back, fewer joins
                dict(by="source", limit=None, max_chars=40),
                dict(by="coder", limit=None),                           # a group that differs within a turn
                dict(by="municipality", limit=None, coder="autocode"),  # other filters: passages of their own
                dict(by="role", limit=3, where={"municipality": "Nordby"})]
    with Project.open(sample) as project:
        alone = [_plain(project.quote_lists(THEMES, **options)) for options in settings]
        shared = PassageCache()
        together = [_plain(project.quote_lists(THEMES, passages=shared, **options)) for options in settings]
        # the same lists once more from the filled cache
        again = [_plain(project.quote_lists(THEMES, passages=shared, **options)) for options in settings]
    assert any(rows for lists in alone for _, rows in lists.values())
    assert together == alone and again == alone
    reviewed = {row["reviewed"] for lists in alone for _, rows in lists.values() for row in rows}
    assert {"hand", "accepted"} <= reviewed


def test_case_model_with_the_reports_passages_is_the_model_made_alone(sample):
    with Project.open(sample) as project:
        alone = project.case_model("municipality")
        shared = PassageCache()
        project.quote_lists([t.code for t in alone.themes], by="municipality", limit=1, passages=shared)
        together = project.case_model("municipality", passages=shared)
    assert alone.cells == together.cells and alone.cases == together.cases
    assert sum(len(cell.quotes) for cell in alone.cells.values()) > 50


@pytest.mark.parametrize("case_by, where", [("municipality", None), ("source", None), ("participant", None),
                                            ("role", None), ("municipality", {"role": "Leder"})])
def test_case_counts_are_those_of_the_segment_list(sample, case_by, where):
    """A cell's segments and participants: the rows of ``Project.segments`` with rollup (each
    segment of a theme, sub-codes included) whose case value is the cell's, and their participants."""
    with Project.open(sample) as project:
        model = project.case_model(case_by, where=where)
        columns, rows = project.segment_records(where=where, rollup=True)
        cases = {case.value for case in model.cases}
        expected: dict[tuple[str, str], tuple[int, set]] = {}
        themes = {t.code for t in model.themes}
        for row in rows:
            if row["code"] not in themes:
                continue
            people = _split(row["participant"])
            values = people if case_by == "participant" else (
                [row["source"]] if case_by == "source" else _split(row[case_by]))
            for case in values:
                if case in cases:
                    count, who = expected.get((case, row["code"]), (0, set()))
                    expected[(case, row["code"])] = (count + 1, who | set(people))
    counted = {key: (cell.segments, cell.participants) for key, cell in model.cells.items() if cell.segments}
    assert counted == expected and len(expected) > 5
