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


def _report_files(folder: Path) -> dict[str, bytes]:
    """The report's files, Word and Excel files by their parts (a zip's times differ), without the
    workbook's creation time."""
    import re
    import zipfile

    out = {}
    for path in sorted(folder.iterdir()):
        if path.suffix in (".docx", ".xlsx"):
            with zipfile.ZipFile(path) as z:
                for name in z.namelist():
                    out[f"{path.name}/{name}"] = re.sub(rb"(<dcterms:(created|modified)[^>]*>)[^<]*", rb"\1",
                                                       z.read(name))
        else:
            out[path.name] = path.read_bytes()
    return out


REPORT_PROBE = r'''
import sys, threading
from coding.cli import cli
from coding.export.beside import can_fork
if sys.argv[2] == "thread":  # a second thread alive: nothing is forked
    stop = threading.Event()
    threading.Thread(target=stop.wait, daemon=True).start()
print("FORK", can_fork())
cli.main(["--quiet", "--project", sys.argv[1], "report", "--out", sys.argv[3]], standalone_mode=False)
'''


def test_report_made_with_work_beside_is_the_report_made_in_one_process(sample, tmp_path):
    """``coding report`` draws its figures and picks its quotes in second processes (a fork: the
    command runs no other thread); with a thread alive it does all in one process: the same files,
    and the figures are byte for byte those the plot functions draw here."""
    import shutil
    import subprocess
    import sys

    from coding.analysis.cooccurrence import graph
    from coding.export.plots import heatmap_png, write_graph
    from coding.export.plots import words as plot_words

    out, made = tmp_path / "rep", {}
    for how in ("fork", "thread"):
        done = subprocess.run([sys.executable, "-c", REPORT_PROBE, str(sample), how, str(out)], capture_output=True,
                              text=True, cwd=ROOT)
        assert done.returncode == 0, done.stderr
        assert f"FORK {how == 'fork' and sys.platform.startswith('linux')}" in done.stdout  # forked on Linux only
        made[how] = _report_files(out)
        shutil.copytree(out, tmp_path / how)
        shutil.rmtree(out)
    assert made["fork"] == made["thread"]
    assert "report.md" in made["fork"] and "appendix.docx/word/document.xml" in made["fork"]
    assert made["fork"]["report.md"].count(b"\n> ") >= 10  # the quotes picked beside are in the report
    here = tmp_path / "here"
    here.mkdir()
    with Project.open(sample) as project:
        for dim in ("role", "municipality"):
            heatmap_png(project.matrix("code", [dim], count="segments", language="da"), here / f"matrix_{dim}.png")
        network = graph(project.cooccurrence(unit="turn", level=1, language="da"))
        write_graph(network, here / "cooccurrence.png", title=plot_words("da")["cooccurrence"])
    for name in ("matrix_role.png", "matrix_municipality.png", "cooccurrence.png"):
        assert made["fork"][name] == (here / name).read_bytes(), name


BESIDE_PROBE = r'''
import os, sys
from pathlib import Path
from coding.export.beside import beside, can_fork

folder = Path(sys.argv[1])
assert can_fork()
# the work's files are there after the block; it ran in another process
with beside(lambda: (folder / "child.txt").write_text(str(os.getpid()))):
    (folder / "parent.txt").write_text(str(os.getpid()))
assert (folder / "child.txt").read_text() != (folder / "parent.txt").read_text()
# what the work returns comes back
with beside(lambda: {"pid": os.getpid(), "rows": [{"text": "x" * 100}] * 5000}) as outcome:
    pass
assert outcome.value["pid"] != os.getpid() and len(outcome.value["rows"]) == 5000
print("VALUE BACK")
# the work's error is raised in the caller
def fail():
    raise ValueError("no room for the figure")
try:
    with beside(fail):
        pass
except ValueError as exc:
    print("RAISED", exc)
# a failing block stops the work and leaves no process behind
import time
try:
    with beside(lambda: time.sleep(600)):
        raise KeyError("the block failed")
except KeyError:
    pass
try:
    os.waitpid(-1, os.WNOHANG)
    print("A CHILD IS LEFT")
except ChildProcessError:
    print("NO CHILD LEFT")
'''


@pytest.mark.skipif(not __import__("sys").platform.startswith("linux"), reason="the work is forked on Linux only")
def test_work_beside_runs_in_a_second_process_and_hands_back_its_error(tmp_path):
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", BESIDE_PROBE, str(tmp_path)], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "RAISED no room for the figure" in done.stdout and "NO CHILD LEFT" in done.stdout
    assert "VALUE BACK" in done.stdout


def test_work_beside_runs_first_when_other_threads_run(tmp_path):
    """With a second thread alive nothing is forked: the work is done before the block, here."""
    import os
    import threading

    from coding.export.beside import beside, can_fork

    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert not can_fork()
        seen = []
        with beside(lambda: seen.append(os.getpid()) or "done") as outcome:
            assert seen == [os.getpid()] and outcome.value == "done"
    finally:
        stop.set()
        thread.join()
