"""``coding report``: the report rebuilt from the project as it is, keeping the analyst's work."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import docx

from coding import Project

from cli_helpers import run

ROOT = Path(__file__).resolve().parent.parent


def test_report_rebuilds_from_the_project_keeping_summaries_statuses_and_hand_codings(tmp_path):
    out = tmp_path / "sample"
    subprocess.run([sys.executable, "-m", "coding", "pipeline", "transcripts_sample", "--manifest",
                    "transcripts_sample/participants.csv", "--codebook", "codebooks/stv.yaml", "--out", str(out)],
                   cwd=ROOT, check=True, capture_output=True)
    db = out / "coding.db"
    summary = "Medarbejderne i Nordby tror på, at borgerne kan arbejde nogle timer."
    run(db, "summary", "set", "Nordby", "belief", summary)
    run(db, "case", "status", "Nordby", "approved", "--date", "2026-11-20")
    sheet = tmp_path / "hand.csv"
    sheet.write_text("source,code,coder,turn\nnordby_leder.docx,job_goals,anna,2\n", encoding="utf-8")
    run(db, "codings", "import", str(sheet))
    before = (out / "framework.docx").stat().st_mtime_ns

    result = run(db, "report")
    assert f"files in {out}" in result.output and "open " in result.output
    assert (out / "framework.docx").stat().st_mtime_ns > before
    framework = docx.Document(out / "framework.docx")
    cells = "\n".join(c.text for t in framework.tables for r in t.rows for c in r.cells)
    assert summary in cells
    appendix = "\n".join(p.text for p in docx.Document(out / "appendix.docx").paragraphs)
    assert "godkendt" in appendix and summary in appendix
    # the hand coding reaches job_goals, so the matrix has its row again
    assert "match_progression/job_goals" in (out / "matrix_municipality.csv").read_text(encoding="utf-8-sig")
    with Project.open(db) as project:
        assert [s["text"] for s in project.summaries()] == [summary]
        assert any(c["coder"] == "anna" for c in project.codings())
    assert not (out / ".report-partial").exists()

    elsewhere = tmp_path / "copy"
    run(db, "report", "--out", str(elsewhere), "--language", "en")
    assert (elsewhere / "report.html").exists() and not (elsewhere / "coding.db").exists()
    assert "I alt" not in (elsewhere / "matrix_role.csv").read_text(encoding="utf-8-sig")
