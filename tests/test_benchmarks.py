"""The benchmark scripts keep working: both run at a tiny size (figures are never checked)."""

from __future__ import annotations

import csv
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MAKE = ROOT / "benchmarks" / "make_corpus.py"
RUN = ROOT / "benchmarks" / "run.py"
REQUIRED = ("words", "import_words_per_s", "autocode_words_per_s", "tokenizer_words_per_s", "autocode_ratio",
            "matrix_s", "codings", "peak_rss_mb", "reautocode_s", "reautocode_fraction", "big_transcript_s")


def run_script(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, cwd=ROOT, timeout=600)


def digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_corpus_is_reproducible_from_its_seed_and_has_every_format(tmp_path):
    first, second, other = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    for out, seed in ((first, "7"), (second, "7"), (other, "8")):
        done = run_script(str(MAKE), "--words", "3000", "--seed", seed, str(out))
        assert done.returncode == 0, done.stderr
    assert digests(first) == digests(second)
    assert digests(first) != digests(other)
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert summary["words"] >= 3000
    suffixes = {p.suffix for p in first.iterdir()}
    assert {".docx", ".txt", ".md", ".vtt", ".srt", ".csv"} <= suffixes
    with open(first / "participants.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    transcripts = {p.name for p in first.iterdir() if p.suffix != ".csv"}
    assert {r["source"] for r in rows} == transcripts
    assert {r["role"] for r in rows if r["speaker"]} >= {"Interviewer"}
    assert all(r["municipality"] for r in rows if not r["speaker"])


def test_make_corpus_refuses_a_size_of_nothing(tmp_path):
    done = run_script(str(MAKE), "--words", "0", str(tmp_path / "x"))
    assert done.returncode == 2
    assert "--words must be positive" in done.stderr
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_run_prints_the_figures_as_json_on_its_last_line(tmp_path, jobs):
    keep = tmp_path / "work"
    done = run_script(str(RUN), "--words", "3000", "--jobs", jobs, "--keep", str(keep), "--quiet",
                      "--big-characters", "20000", "--matrix-codings", "3000")
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.strip().splitlines()
    result = json.loads(lines[-1])
    for key in REQUIRED:
        assert key in result, key
        assert isinstance(result[key], (int, float)), key
    assert result["words"] >= 3000
    assert result["import_warnings"] == 0
    assert result["codings"] > 0
    assert result["matrix_1m_codings"] >= 3000
    assert result["reautocode_skipped"] == result["sources"]
    assert result["big_transcript_chars"] >= 15000
    assert any(line.startswith("autocode ") for line in lines)  # the table came before the JSON
    assert (keep / "corpus" / "participants.csv").exists()


def test_repeated_runs_take_turns_keep_the_fastest_and_start_each_auto_coding_afresh(tmp_path):
    done = run_script(str(RUN), "--words", "3000", "--jobs", "1", "--keep", str(tmp_path / "work"),
                      "--repeat", "2", "--no-big", "--no-million")
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.strip().splitlines()
    result = json.loads(lines[-1])
    rows = [line for line in lines if line.startswith(("autocode ", "tokenizer only "))]
    assert len(rows) == 2 and all("fastest of 2:" in row for row in rows)     # one row each, the best
    assert rows[0].startswith("tokenizer only") and rows[1].startswith("autocode")
    # the bare tokenizer and the auto-coder took turns, and each turn's ratio is reported
    stages = [line[4:] for line in done.stderr.splitlines() if line.startswith("... ")]
    turns = [stage for stage in stages if stage in ("tokenizer only", "autocode")]
    assert turns == ["tokenizer only", "autocode"] * 2
    assert len(result["autocode_ratio_turns"]) == 2 and all(r > 0 for r in result["autocode_ratio_turns"])
    assert result["autocode_ratio_turns_min"] == min(result["autocode_ratio_turns"])
    assert "ratio to the bare tokenizer run just before it" in [row for row in rows if row.startswith("autocode")][0]
    # every repetition was a first run: the re-run afterwards found nothing left to do
    assert result["codings"] > 0 and result["reautocode_skipped"] == result["sources"]
    assert not list((tmp_path / "work").glob("*.imported"))


def test_a_row_is_listed_before_another_only_when_it_came_after_it():
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        from run import list_before
    finally:
        sys.path.pop(0)
    rows = ["import", "autocode", "tokenizer only", "re-autocode"]
    list_before(rows, "tokenizer only", "autocode")
    assert rows == ["import", "tokenizer only", "autocode", "re-autocode"]
    list_before(rows, "tokenizer only", "autocode")          # already before: unchanged
    assert rows == ["import", "tokenizer only", "autocode", "re-autocode"]


def _hold(megabytes: int, ready, done) -> None:
    block = bytearray(megabytes * 2**20)
    block[::4096] = b"x" * len(block[::4096])  # touch every page: resident
    ready.set()
    done.wait(30)


def test_memory_sampler_counts_child_processes_that_start_after_it():
    """The sampler renews its list of child processes only with each PSS reading (once a second):
    children started after it must still be counted, RSS and PSS alike."""
    import multiprocessing
    import time

    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        from run import PeakMemory
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    context = multiprocessing.get_context("fork")
    done = context.Event()
    memory = PeakMemory(interval=0.02, pss_every=10)
    with memory:
        before = memory.rss()
        readies = [context.Event() for _ in range(2)]
        children = [context.Process(target=_hold, args=(120, ready, done)) for ready in readies]
        for child in children:
            child.start()
        assert all(ready.wait(30) for ready in readies)
        time.sleep(0.6)   # three PSS readings: the list of children renewed
        done.set()
        for child in children:
            child.join()
    assert memory.peak >= before + 200 * 2**20
    assert 200 * 2**20 <= memory.peak_pss <= memory.peak


def test_survey_benchmark_runs_and_prints_its_figures():
    done = run_script(str(ROOT / "benchmarks" / "survey_import.py"), "--answers", "40", "--questions", "2")
    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    assert figures["answers"] == 40 and figures["respondents"] == 20
    assert figures["summary"] == "survey.xlsx: 20 respondents, 2 questions, 40 answers, 0 empty answers skipped"
    assert {"survey_import_s", "sources_s"} <= set(figures)
    assert "survey.xlsx#Q1" in done.stderr   # the `coding sources` listing of the same project


def test_anonymize_benchmark_runs_and_prints_its_figures():
    done = run_script(str(ROOT / "benchmarks" / "anonymize.py"), "--words", "3000")
    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    assert figures["words"] >= 3000 and figures["findings"] > 0
    assert {"scan_s", "matrix_s", "matrix_anonymized_reused_s", "matrix_anonymized_fresh_s"} <= set(figures)


def test_commands_benchmark_times_each_command_beside_sources(tmp_path):
    done = run_script(str(ROOT / "benchmarks" / "commands.py"), "--words", "3000", "--big-characters", "20000",
                      "--keep", str(tmp_path / "work"))
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.strip().splitlines()
    result = json.loads(lines[-1])
    assert result["sources"] >= 5 and result["codings"] > result["second_coder_codings"] > 0
    for name in ("import", "autocode", "segments", "codings", "quotes --code belief", "matrix", "agreement turn",
                 "agreement sentence", "agreement character", "show largest", "search borger", "big: show",
                 "pipeline"):
        figures = result["commands"][name]
        assert figures["s"] > 0 and figures["rss_mb"] > 0, name
        assert any(line.startswith(name) for line in lines[:-1]), name  # the table came before the JSON
    assert (tmp_path / "work" / "out" / "segments.csv").stat().st_size > 0
    assert "big_fokusgruppe.txt" in (tmp_path / "work" / "out" / "show_big.txt").read_text(encoding="utf-8")


def test_commands_benchmark_times_an_older_checkout_in_the_same_run(tmp_path):
    """``--before DIR``: every command also with the code in DIR (here this same checkout), on a project
    that code built itself, printed beside this checkout's figures."""
    done = run_script(str(ROOT / "benchmarks" / "commands.py"), "--words", "2000", "--big-characters", "5000",
                      "--keep", str(tmp_path / "work"), "--before", str(ROOT), "--no-pipeline", "--only", "segments")
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.strip().splitlines()
    result = json.loads(lines[-1])
    assert set(result["commands"]) == {"import", "autocode", "segments", "big: import", "big: autocode"}
    for figures in result["commands"].values():
        assert figures["before"]["s"] > 0 and figures["before"]["rss_mb"] > 0
    assert "before s" in next(line for line in lines if line.startswith("command"))
    work = tmp_path / "work"
    assert (work / "before_study.db").exists() and (work / "out" / "before_segments.csv").exists()
    assert (work / "out" / "before_segments.csv").read_bytes() == (work / "out" / "segments.csv").read_bytes()
