"""How much longer a Word transcript takes to import than the same text as .txt (issue 24).

    python benchmarks/bench_docx.py --words 400000

Builds the benchmark corpus (``make_corpus.py``), keeps its .docx files, writes each one's plain
text (as the Word reader reads it) beside it as a .txt, and times, best of ``--repeat`` runs in this
process (wall clock, and CPU time, which varies less on a busy machine): reading every file
(``read_transcript``, plus the Word comments for .docx, as the import
does) and importing each folder into a new project (``Project.import_paths``). Prints a table and a
JSON line. Only the library's public calls are used, so the same script measures an older checkout:
``PYTHONPATH=/path/to/old/checkout python benchmarks/bench_docx.py`` (the corpus is made with this
checkout's ``make_corpus.py`` either way, the files are the same).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def _best(fn, repeat: int) -> tuple[float, float]:
    """The shortest wall-clock and the smallest CPU time (this process and its children) of
    ``repeat`` runs: on a busy machine the CPU time varies less."""
    best = cpu_best = float("inf")
    for _ in range(repeat):
        started, cpu = time.perf_counter(), _cpu()
        fn()
        best = min(best, time.perf_counter() - started)
        cpu_best = min(cpu_best, _cpu() - cpu)
    return best, cpu_best


def _cpu() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--words", type=int, default=400_000, help="size of the corpus made (all formats)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", metavar="DIR", help="make the corpus here and keep it")
    args = parser.parse_args(argv)

    import coding
    from coding import Project
    from coding.ingest import read_transcript
    from coding.ingest.word_comments import read_word_comments

    root = Path(args.keep or tempfile.mkdtemp(prefix="bench_docx_"))
    corpus = root / "corpus"
    if not corpus.exists():
        from make_corpus import make_corpus  # puts this checkout first on sys.path: only when needed

        make_corpus(args.words, 1, corpus)
    word, text = root / "docx", root / "txt"
    for folder in (word, text):
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir()
    words = 0
    for path in sorted(corpus.glob("*.docx")):
        shutil.copy(path, word / path.name)
        transcript = read_transcript(path)
        (text / (path.stem + ".txt")).write_text(transcript.text, encoding="utf-8")
        words += len(transcript.text.split())
    docx_files, txt_files = sorted(word.iterdir()), sorted(text.iterdir())

    def read_docx():
        for path in docx_files:
            raw = path.read_bytes()
            transcript = read_transcript(path, raw)
            read_word_comments(path, raw, transcript, document=transcript.document)

    def read_txt():
        for path in txt_files:
            read_transcript(path, path.read_bytes())

    def importer(folder: Path):
        def run():
            target = root / f"{folder.name}.db"
            for suffix in ("", "-wal", "-shm"):
                Path(str(target) + suffix).unlink(missing_ok=True)
            with Project.open(target) as project:
                project.import_paths([folder])
        return run

    read_docx()  # first runs load the modules
    read_txt()
    figures = {"checkout": str(Path(coding.__file__).resolve().parents[1]), "files": len(docx_files),
               "words": words,
               }
    for key, fn in (("read_docx", read_docx), ("read_txt", read_txt), ("import_docx", importer(word)),
                    ("import_txt", importer(text))):
        figures[f"{key}_s"], figures[f"{key}_cpu_s"] = _best(fn, args.repeat)
    figures["read_ratio"] = figures["read_docx_s"] / figures["read_txt_s"]
    figures["import_ratio"] = figures["import_docx_s"] / figures["import_txt_s"]
    print(f"{len(docx_files)} Word files, {words:,} words ({figures['checkout']})")
    print(f"{'':10} {'.docx':>8} {'.txt':>8} {'ratio':>6}")
    print(f"{'read':10} {figures['read_docx_s']:8.2f} {figures['read_txt_s']:8.2f} {figures['read_ratio']:6.2f}")
    print(f"{'import':10} {figures['import_docx_s']:8.2f} {figures['import_txt_s']:8.2f} {figures['import_ratio']:6.2f}")
    print(f"{'CPU read':10} {figures['read_docx_cpu_s']:8.2f} {figures['read_txt_cpu_s']:8.2f}")
    print(f"{'CPU import':10} {figures['import_docx_cpu_s']:8.2f} {figures['import_txt_cpu_s']:8.2f}")
    print(json.dumps(figures))
    if not args.keep:
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
