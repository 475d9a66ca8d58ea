"""Time the commands a user waits for, each in a new process, beside ``coding sources``.

    python benchmarks/commands.py --interviews 400 --keep /tmp/cmd400

Builds a study of about N interviews with ``make_corpus.py`` (about 10,600 words each), imports
it with ``coding import`` and auto-codes it with ``coding autocode``, adds a second coder's codings
(a copy of the auto-coder's with some left out and some moved, so that agreement has something to
find), writes one transcript of ``--big-characters`` characters into a project of its own (imported and
auto-coded, so that ``show`` has codes to place), and then
runs each command as ``python -m coding --project P ...`` with its output written to a file. For
every command it records the wall-clock seconds and the peak resident set of that one process
(``os.wait4``), and its ratio to ``coding sources`` on the same project, timed in the same run
(fastest of its runs, at the start, middle and end). ``coding pipeline`` runs last, on the corpus
into a folder of its own, beside its own ``import`` + ``autocode`` measured earlier.

``--before DIR`` times an older checkout of the code in the same run (make one with
``git worktree add /tmp/before <commit>``): it builds a project of its own with that code (its
import, auto-coding and second coder) and runs every command with it right before the same command
with this checkout, so that both meet the same load on a shared machine.

Prints a table, then one JSON object as its last line. Asserts nothing about time.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.make_corpus import big_transcript, make_corpus  # noqa: E402

WORDS_PER_INTERVIEW = 10_600
CODEBOOK = ROOT / "codebooks" / "stv.yaml"
SECOND_CODER = "bench-second"


# A small launcher runs the command and reports on it: a child forked straight from this process
# would start with this process's peak resident set as its own (Linux keeps it across exec).
LAUNCHER = """
import json, os, subprocess, sys, time
out = open(sys.argv[2], "wb") if sys.argv[2] else subprocess.DEVNULL
began = time.perf_counter()
child = subprocess.Popen([sys.executable, "-m", "coding", *sys.argv[3:]], stdout=out, stderr=subprocess.PIPE)
error = child.stderr.read()
_, status, usage = os.wait4(child.pid, 0)
seconds = time.perf_counter() - began
with open(sys.argv[1], "w") as report:
    json.dump({"seconds": seconds, "rss_mb": usage.ru_maxrss / 1024, "cpu_s": usage.ru_utime + usage.ru_stime,
               "code": os.waitstatus_to_exitcode(status), "error": error[-3000:].decode("utf-8", "replace")},
              report)
"""


def run_command(args: list[str], output: Path | None, code: Path = ROOT) -> dict:
    """Run ``python -m coding ARGS`` with the package of the checkout ``code`` in a new process; its
    wall seconds, CPU seconds and peak RSS (MB)."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
        report = Path(handle.name)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(code), os.environ.get("PYTHONPATH")]))}
    try:
        subprocess.run([sys.executable, "-c", LAUNCHER, str(report), str(output or ""), *args], cwd=code,
                       check=True, env=env)
        figures = json.loads(report.read_text())
    finally:
        report.unlink(missing_ok=True)
    if figures["code"] != 0:
        raise SystemExit(f"coding {' '.join(args)} failed ({figures['code']}):\n{figures['error']}")
    return figures


def add_second_coder(db: Path, seed: int, code: Path = ROOT) -> tuple[str, int]:
    """Copy the auto-coder's codings as a second coder's: 15 % left out, 10 % moved by a few words
    (stored by the checkout ``code``, whose project it is)."""
    rng = random.Random(seed)
    con = sqlite3.connect(db)
    try:
        coder = con.execute("SELECT coder, COUNT(*) FROM codings GROUP BY coder ORDER BY 2 DESC").fetchone()[0]
        rows = []
        for source_id, start, end, code_id in con.execute(
                "SELECT source_id, start, \"end\", code_id FROM codings WHERE coder = ? ORDER BY id", (coder,)):
            draw = rng.random()
            if draw < 0.15:
                continue
            if draw < 0.25:
                start, end = max(0, start + rng.randint(-30, 30)), end + rng.randint(-30, 30)
                if end <= start:
                    continue
            rows.append((source_id, start, end, code_id))
    finally:
        con.close()
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(rows, handle)
    try:
        subprocess.run([sys.executable, "-c", STORE_SECOND_CODER, str(db), handle.name], cwd=code, check=True,
                       env={**os.environ, "PYTHONPATH": str(code)})
    finally:
        Path(handle.name).unlink(missing_ok=True)
    return coder, len(rows)


STORE_SECOND_CODER = f"""
import json, sys
from coding import Project
rows = json.load(open(sys.argv[2]))
project = Project.open(sys.argv[1])
with project.transaction():
    project.store.insert_codings({{"source_id": s, "start": a, "end": b, "code_id": c, "coder": {SECOND_CODER!r},
                                  "origin": "manual"}} for s, a, b, c in rows)
project.close()
"""


def largest_source(project: Path, work: Path) -> tuple[str, int]:
    listing = work / "sources.json"
    run_command(["--project", str(project), "sources", "--format", "json"], listing)
    rows = json.loads(listing.read_text(encoding="utf-8"))
    best = max(rows, key=lambda r: r.get("characters") or 0)
    name = best.get("file_name") or best.get("name") or best.get("source")
    return name, best.get("characters") or 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--interviews", type=int, default=400, help="about how many interviews (default 400)")
    parser.add_argument("--words", type=int, help="corpus size in words instead of --interviews (tiny runs)")
    parser.add_argument("--big-characters", type=int, default=3_000_000, help="the one big transcript")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", metavar="DIR", help="work here and keep the corpus (reused when present)")
    parser.add_argument("--no-pipeline", action="store_true", help="skip `coding pipeline`")
    parser.add_argument("--before", metavar="DIR", type=Path,
                        help="an older checkout of the code, timed in the same run (command by command)")
    parser.add_argument("--only", action="append", default=[], metavar="NAME",
                        help="time only these commands (by table name; repeatable); import and autocode always")
    args = parser.parse_args(argv)
    words = args.words or args.interviews * WORDS_PER_INTERVIEW
    if words <= 0 or args.big_characters <= 0:
        parser.error("--interviews, --words and --big-characters must be positive")
    tmp = None
    if args.keep:
        work = Path(args.keep)
        work.mkdir(parents=True, exist_ok=True)
    else:
        tmp = tempfile.TemporaryDirectory()
        work = Path(tmp.name)
    try:
        return measure(work, words, args)
    finally:
        if tmp:
            tmp.cleanup()


def measure(work: Path, words: int, args) -> int:
    corpus = work / "corpus"
    marker = work / "corpus.json"
    wanted = {"words": words, "seed": args.seed}
    if not (marker.exists() and json.loads(marker.read_text()) == wanted):
        shutil.rmtree(corpus, ignore_errors=True)
        make_corpus(words, args.seed, corpus)
        marker.write_text(json.dumps(wanted))
    big_dir = work / "big"
    big_marker = work / "big.json"
    big_wanted = {"characters": args.big_characters, "seed": args.seed}
    big_path = big_dir / "big_fokusgruppe.txt"
    if not (big_marker.exists() and json.loads(big_marker.read_text()) == big_wanted):
        shutil.rmtree(big_dir, ignore_errors=True)
        big_dir.mkdir(parents=True)
        big_transcript(big_path, args.big_characters, args.seed, "txt", 0.0)
        big_marker.write_text(json.dumps(big_wanted))
    manifest = corpus / "participants.csv"
    out = work / "out"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir()
    # (tag, checkout): the older code first; its files and projects are named "before_..."
    codes = ([("before_", args.before.resolve())] if args.before else []) + [("", ROOT)]
    study = {tag: work / f"{tag}study.db" for tag, _ in codes}
    big = {tag: work / f"{tag}big.db" for tag, _ in codes}
    for path in [*study.values(), *big.values()]:
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
    db = study[""]
    rows: dict[str, dict[str, dict]] = {}
    reference: list[float] = []

    def timed(name: str, command: list[str], output: str | None = None, on_big: bool = False) -> dict:
        """Run a command with each checkout (the older first) on its own project; this one's figures."""
        figures = {}
        for tag, code in codes:
            project = (big if on_big else study)[tag]
            figures[tag] = run_command(["--project", str(project), *command],
                                       out / f"{tag}{output}" if output else None, code)
        rows[name] = figures
        return figures[""]

    def sources() -> None:
        reference.append(run_command(["--project", str(db), "sources"], out / "sources.txt")["seconds"])

    def wanted_name(name: str) -> bool:
        return not args.only or name in args.only

    imported = timed("import", ["--quiet", "import", str(corpus), "--manifest", str(manifest)])
    autocoded = timed("autocode", ["--quiet", "autocode", "--codebook", str(CODEBOOK)])
    for tag, code in codes:
        auto_coder, second = add_second_coder(study[tag], args.seed, code)
    con = sqlite3.connect(db)
    n_sources, n_codings = (con.execute("SELECT COUNT(*) FROM sources").fetchone()[0],
                            con.execute("SELECT COUNT(*) FROM codings").fetchone()[0])
    con.close()
    sources()
    largest, largest_chars = largest_source(db, work)
    commands = [
        ("segments", ["segments", "--format", "csv"], "segments.csv"),
        ("codings", ["codings", "--format", "csv"], "codings.csv"),
        ("segments json", ["segments", "--format", "json"], "segments.json"),
        ("quotes --code belief", ["quotes", "--code", "belief"], "quotes.txt"),
        ("matrix", ["matrix"], "matrix.txt"),
        ("matrix municipality", ["matrix", "--cols", "municipality", "--format", "csv"], "matrix.csv"),
    ]
    commands += [(f"agreement {unit}", ["agreement", "--coder", auto_coder, "--coder", SECOND_CODER,
                                         "--unit", unit], f"agreement_{unit}.txt")
                 for unit in ("turn", "sentence", "character")]
    commands += [("show largest", ["show", largest], "show_largest.txt"),
                 ("search borger", ["search", "borger", "--format", "csv"], "search.csv")]
    for index, (name, command, output) in enumerate(commands):
        if wanted_name(name):
            timed(name, command, output)
        if index == len(commands) // 2:
            sources()
    sources()
    big_import = timed("big: import", ["--quiet", "import", str(big_path)], on_big=True)
    timed("big: autocode", ["--quiet", "autocode", "--codebook", str(CODEBOOK)], on_big=True)
    if wanted_name("big: show"):
        timed("big: show", ["show", big_path.name], "show_big.txt", on_big=True)
    if not args.no_pipeline and wanted_name("pipeline"):
        for tag, code in codes:  # each into a folder of its own, the project made there
            rows.setdefault("pipeline", {})[tag] = run_command(
                ["--quiet", "pipeline", str(corpus), "--manifest", str(manifest), "--codebook", str(CODEBOOK),
                 "--out", str(work / f"{tag}pipeline")], None, code)
            shutil.rmtree(work / f"{tag}pipeline", ignore_errors=True)
    sources()
    base = min(reference)
    print(f"{n_sources} sources, {words:,} words asked, {n_codings:,} codings "
          f"({second:,} by {SECOND_CODER}); largest source {largest} ({largest_chars:,} characters)")
    before_head = f" {'before s':>9} {'CPU s':>7} {'RSS MB':>7} |" if args.before else ""
    print(f"{'command':<24}{before_head} {'s':>8} {'CPU s':>7} {'x sources':>9} {'RSS MB':>8}")
    print(f"{'sources (reference)':<24}{' ' * len(before_head)} {base:8.2f} {'':>7} {1.0:9.1f} {'':>8}")
    result = {"interviews": args.interviews, "words": words, "sources": n_sources, "codings": n_codings,
              "second_coder_codings": second, "largest_source_chars": largest_chars,
              "big_characters": args.big_characters, "sources_s": round(base, 3),
              "sources_runs_s": [round(x, 3) for x in reference], "commands": {}}
    if args.before:
        result["before"] = str(args.before)

    def summary(figures: dict) -> dict:
        return {"s": round(figures["seconds"], 3), "cpu_s": round(figures["cpu_s"], 3),
                "x_sources": round(figures["seconds"] / base, 2), "rss_mb": round(figures["rss_mb"], 1)}
    for name, by_code in rows.items():
        figures = by_code[""]
        earlier = by_code.get("before_")
        shown = (f" {earlier['seconds']:9.2f} {earlier['cpu_s']:7.2f} {earlier['rss_mb']:7.0f} |"
                 if earlier else "")
        print(f"{name:<24}{shown} {figures['seconds']:8.2f} {figures['cpu_s']:7.2f} "
              f"{figures['seconds'] / base:9.1f} {figures['rss_mb']:8.0f}")
        result["commands"][name] = summary(figures)
        if earlier:
            result["commands"][name]["before"] = summary(earlier)
    if "pipeline" in result["commands"]:
        result["pipeline_x_import_autocode"] = round(
            result["commands"]["pipeline"]["s"] / (imported["seconds"] + autocoded["seconds"]), 2)
    result["big_show_x_import"] = (round(result["commands"]["big: show"]["s"] / big_import["seconds"], 2)
                                   if "big: show" in result["commands"] else None)
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
