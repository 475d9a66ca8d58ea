"""Time text search and word frequency on a whole study, beside ``coding sources``.

    python benchmarks/search.py --words 4000000 --repeat 3

Builds a synthetic study with ``benchmarks/make_corpus.py`` (reused when the folder holds one made
with the same settings), imports it into a new project with ``coding import`` (which builds the
search index), and then times, each as a user runs it -- ``python -m coding ...`` in a new
process, output to a pipe, interpreter start included:

* ``sources``: ``coding sources``, the baseline (a command that reads little);
* ``first search``: ``coding search borger`` on a project whose index has been dropped, as an
  older project is on its first search (the index is built then);
* the searches: a frequent word (lemma and compounds), a word with ``--where``, a phrase, a
  wildcard with NOT, AND between two words, and ``--exact``;
* ``words``: ``coding words --top 30`` and ``coding words --by role --top 20``.

Every command after the first search runs ``--repeat`` times; the table shows the fastest and the
median wall-clock time, the least CPU time (user + system of the process: on a shared machine the
wall clock also counts the time other programs held the cores), and how many rows were printed. The last line printed is one JSON object with the
figures (see docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.make_corpus import make_corpus  # noqa: E402

COMMANDS = [
    ("sources", ["sources"]),
    ("search borger", ["search", "borger"]),
    ("search konsulent --where role=Sagsbehandler", ["search", "konsulent", "--where", "role=Sagsbehandler"]),
    ('search "tæt på"', ["search", '"tæt på"']),
    ("search virksomhed* NOT mentor", ["search", "virksomhed* NOT mentor"]),
    ("search borger AND leder", ["search", "borger AND leder"]),
    ("search konsulent --exact", ["search", "konsulent", "--exact"]),
    ("words --top 30", ["words", "--top", "30"]),
    ("words --by role --top 20", ["words", "--by", "role", "--top", "20"]),
]


def coding(db: Path, args: list[str]) -> tuple[float, float, str]:
    """Run ``coding --project DB ARGS`` in a new process; (wall seconds, CPU seconds, stdout)."""
    command = [sys.executable, "-m", "coding", "--quiet", "--project", str(db), *args]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode != 0:
        raise SystemExit(f"coding {' '.join(args)} failed: {done.stderr.strip()[-500:]}")
    return seconds, cpu, done.stdout


def prepare(words: int, seed: int, folder: Path, novel_words: float) -> dict:
    marker = folder / ".corpus.json"  # hidden: import passes it over
    if marker.exists():
        summary = json.loads(marker.read_text(encoding="utf-8"))
        if (summary.get("words_requested"), summary.get("seed"), summary.get("novel_words", 0.0)) == \
                (words, seed, novel_words):
            return summary
        shutil.rmtree(folder)
    summary = make_corpus(words, seed, folder, novel_words=novel_words)
    summary["words_requested"] = words
    marker.write_text(json.dumps(summary), encoding="utf-8")
    return summary


def hits_of(name: str, output: str) -> int | None:
    """Rows printed: hits of a search (csv, less the header), words of a word list."""
    lines = output.count("\n")
    return max(lines - 1, 0) if name != "sources" else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--words", type=int, default=4_000_000, help="Size of the study (default 4,000,000).")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--novel-words", type=float, default=0.0,
                        help="Share of words replaced by new compounds (make_corpus.py), for a larger vocabulary.")
    parser.add_argument("--repeat", type=int, default=3, help="Runs of each command (fastest and median shown).")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "coding-bench-search",
                        help="Folder for the corpus (kept and reused) and the project.")
    args = parser.parse_args(argv)
    if args.words < 1 or args.repeat < 1:
        parser.error("--words and --repeat must be 1 or more")
    args.work.mkdir(parents=True, exist_ok=True)
    corpus = args.work / f"corpus-{args.words}-{args.seed}"
    summary = prepare(args.words, args.seed, corpus, args.novel_words)
    db = args.work / "search.db"
    for suffix in ("", "-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)

    rows: list[dict] = []
    seconds, cpu, _ = coding(db, ["import", str(corpus), "--manifest", str(corpus / "participants.csv")])
    rows.append({"command": "import (with the search index)", "runs": 1, "fastest_s": seconds,
                 "median_s": seconds, "cpu_s": cpu, "rows": None})
    with sqlite3.connect(db) as con:
        tokens = con.execute("SELECT sum(tokens), count(*) FROM search_tokens").fetchone()
        forms = con.execute("SELECT count(*) FROM search_forms").fetchone()[0]
        sources = con.execute("SELECT count(*) FROM sources").fetchone()[0]
    # an older project: no index until the first search
    with sqlite3.connect(db) as con:
        con.execute("DELETE FROM search_tokens")
        con.execute("DELETE FROM meta WHERE key = 'search_index'")
    seconds, cpu, output = coding(db, ["search", "borger", "--format", "csv"])
    rows.append({"command": "first search borger (index built)", "runs": 1, "fastest_s": seconds,
                 "median_s": seconds, "cpu_s": cpu, "rows": hits_of("search", output)})
    for name, command in COMMANDS:
        times, cpus, output = [], [], ""
        extra = ["--format", "csv"]
        for _ in range(args.repeat):
            seconds, cpu, output = coding(db, command + extra)
            times.append(seconds)
            cpus.append(cpu)
        rows.append({"command": name, "runs": len(times), "fastest_s": min(times),
                     "median_s": statistics.median(times), "cpu_s": min(cpus), "rows": hits_of(name, output)})

    width = max(len(r["command"]) for r in rows)
    print(f"{summary['words']:,} words, {sources} sources, {tokens[0]:,} tokens indexed, {forms:,} distinct forms")
    print(f"{'command (coding ..., new process)'.ljust(width)}  fastest s  median s  CPU s    rows")
    for r in rows:
        shown = "" if r["rows"] is None else f"{r['rows']:,}"
        print(f"{r['command'].ljust(width)}  {r['fastest_s']:9.2f}  {r['median_s']:8.2f}  {r['cpu_s']:5.2f}  {shown:>6}")
    baseline = next(r for r in rows if r["command"] == "sources")["fastest_s"]
    searches = [r for r in rows if r["command"].startswith(("search", "words"))]
    result = {
        "words": summary["words"], "sources": sources, "tokens": tokens[0], "forms": forms,
        "repeat": args.repeat, "novel_words": args.novel_words, "cpus": os.cpu_count(),
        "import_s": round(rows[0]["fastest_s"], 3), "first_search_s": round(rows[1]["fastest_s"], 3),
        "sources_s": round(baseline, 3),
        "slowest_search_or_words_s": round(max(r["fastest_s"] for r in searches), 3),
        "commands": {r["command"]: {"fastest_s": round(r["fastest_s"], 3), "median_s": round(r["median_s"], 3),
                                    "cpu_s": round(r["cpu_s"], 3), "rows": r["rows"]} for r in rows},
    }
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
