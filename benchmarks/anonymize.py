"""Time anonymization on a whole study: the scan, and an anonymized output with and without the
findings the scan stored.

    python benchmarks/anonymize.py --words 1000000

Builds a synthetic study with ``benchmarks/make_corpus.py`` into a temporary folder, imports it
into a new project, and times, each as a user runs it (``python -m coding ...`` in a new process,
interpreter start included):

* ``scan``: ``coding anonymize scan`` (every source detected, findings stored);
* ``matrix reused``: ``coding matrix --anonymize`` right after the scan (the anonymized copy made
  from the stored findings);
* ``matrix fresh``: the same after the stored detector fingerprint is dropped, so that every source
  is detected again, as for a project that was never scanned;
* ``matrix``: ``coding matrix`` without ``--anonymize``, the baseline.

The last line printed is one JSON object with the figures (see docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.make_corpus import make_corpus  # noqa: E402


def coding(db: Path, args: list[str]) -> float:
    command = [sys.executable, "-m", "coding", "--quiet", "--project", str(db), *args]
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"coding {' '.join(args)} failed: {done.stderr.strip()}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--words", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="coding-anon-bench-") as folder:
        corpus = Path(folder) / "corpus"
        summary = make_corpus(args.words, args.seed, corpus, min_words=min(3000, args.words))
        db = Path(folder) / "project.db"
        figures = {"words": summary["words"]}
        figures["import_s"] = coding(db, ["import", str(corpus), "--manifest", str(corpus / "participants.csv")])
        coding(db, ["codebook", "import", str(ROOT / "codebooks" / "stv.yaml")])
        coding(db, ["autocode"])
        figures["scan_s"] = coding(db, ["anonymize", "scan"])
        figures["matrix_s"] = coding(db, ["matrix", "--cols", "municipality"])
        figures["matrix_anonymized_reused_s"] = coding(db, ["matrix", "--cols", "municipality", "--anonymize"])
        with sqlite3.connect(db) as con:
            con.execute("DELETE FROM meta WHERE key = 'anonymization_context'")
        figures["matrix_anonymized_fresh_s"] = coding(db, ["matrix", "--cols", "municipality", "--anonymize"])
        with sqlite3.connect(db) as con:
            figures["findings"] = con.execute("SELECT count(*) FROM anonymization_findings").fetchone()[0]
        figures["scan_words_per_s"] = round(figures["words"] / figures["scan_s"])
        for name, value in figures.items():
            print(f"{name:32} {value:.2f}" if isinstance(value, float) else f"{name:32} {value}")
        print(json.dumps({k: round(v, 3) if isinstance(v, float) else v for k, v in figures.items()}))


if __name__ == "__main__":
    main()
