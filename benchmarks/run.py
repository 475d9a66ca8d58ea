"""Time the toolkit on a synthetic corpus, next to the raw speed of spaCy's tokenizer.

    python benchmarks/run.py --words 1000000 --jobs 2

Stages, each timed on its own (wall clock; CPU seconds of this process and its workers beside it,
because the machine may be shared):

1. ``import``: the corpus folder and its manifest into a new project file (one transaction).
2. ``tokenizer``: the baseline, the blank spaCy pipeline (``spacy.blank("da")`` + the lookup
   lemmatizer of spacy-lookups-data) run with ``nlp.pipe`` in one process over the texts the
   auto-coder reads (respondent turns, joined into chunks as the auto-coder joins them, the same
   batch size), doing nothing with the docs. The texts are streamed from the project, and the time
   spent reading them is left out (the note says how much): the baseline is the pipeline's own
   throughput, while the auto-coder's time includes reading its texts. ``tokenizer only`` is the
   same without the lemmatizer: ``spacy.blank("da")`` alone, the only part of spaCy the
   auto-coder uses (its tokenizer, once per distinct white-space-separated span,
   ``coding/autocode/span_tokens.py``; lemmas it looks up itself, once per distinct word form).
3. ``autocode``: ``Project.autocode(codebooks/stv.yaml, jobs=J)`` (``--codebook``): codebook
   import, matching and storing the codings, in one transaction.
4. ``re-autocode``: the same call again on the unchanged corpus and codebook.
5. ``matrix``: code x role and code x municipality (segments), and ``cooccurrence`` (unit turn),
   each on a freshly opened project, so nothing an earlier call cached is reused.
6. ``big``: one transcript of 3 million characters (a focus group; ``--big-format``) imported and
   auto-coded in a project of its own.
7. ``matrix 1M``: the matrices and co-occurrence of 5. over at least a million codings. When the
   corpus has fewer, a copy of the project gets synthetic codings (random spans of 20-400
   characters inside random turns, random codable codes, coder ``synthetic``, origin ``manual``)
   until it has a million; the JSON says how many were made up (``matrix_1m_synthetic``). ``matrix 1M, CLI`` runs
   ``coding matrix --cols role --format csv`` in a new process (interpreter start included).

Throughputs are words of the corpus (whitespace-separated, labels included, interviewer turns
included) per second of the stage, so the figures of different stages compare directly; the
auto-coder and the baseline both read the respondent turns only (``respondent_words``).

Peak memory (``peak_rss_mb``) is sampled every 50 ms as the resident set of this process plus all
its child processes (the ``--jobs`` workers); pages that forked workers share with the parent are
counted once per process, so the figure errs high. ``peak_pss_mb`` sums proportional set sizes
instead (a shared page counts once in all), which is what the machine really spends; it is read once
a second, as reading it costs the kernel a walk over every page (see ``PeakMemory``).

The last line printed is one JSON object with the figures (see docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import random
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import psutil  # noqa: E402

from benchmarks.make_corpus import big_transcript, make_corpus  # noqa: E402
from coding import Project  # noqa: E402
from coding.records import INTERVIEWER_ROLE  # noqa: E402

CODEBOOK = ROOT / "codebooks" / "stv.yaml"
MILLION = 1_000_000
BIG_CHARACTERS = 3_000_000


# --------------------------------------------------------------------------- measuring


class PeakMemory:
    """Samples the memory of this process and its children in a background thread: the sum of
    resident sets (RSS; pages shared with forked workers counted in each) every ``interval``
    seconds, and the sum of proportional set sizes (PSS; shared pages divided among the processes
    sharing them) every ``pss_every`` samples.

    The sampler must cost the stages it measures next to nothing, and on two busy cores it cannot
    hide. PSS (``/proc/PID/smaps_rollup``) makes the kernel walk every page, about 9 ms per GB: read
    every 50 ms it took about 3 s of CPU from auto-coding at 10M words, so it is read once a second.
    RSS is read from ``/proc/PID/statm`` (psutil's fallback where there is no /proc), and the list of
    child processes, which takes a scan of every process on the machine (2.5 ms), is renewed with
    each PSS reading only: in the fourth round the sampler still took 1.5 to 2.4 s of CPU from a
    first auto-coding at 10M words before these two changes."""

    def __init__(self, interval: float = 0.05, pss_every: int = 20):
        self.interval = interval
        self.pss_every = pss_every
        self._samples = 0
        self.process = psutil.Process()
        self._processes = [self.process]
        self._page = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
        self.peak = 0
        self.peak_pss = 0
        self.stage_peak = 0
        self.stage_peak_pss = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _renew_processes(self) -> None:
        with contextlib.suppress(psutil.Error):
            self._processes = [self.process, *self.process.children(recursive=True)]

    def _rss_of(self, process: psutil.Process) -> int:
        try:
            with open(f"/proc/{process.pid}/statm", "rb") as statm:
                return int(statm.read().split()[1]) * self._page
        except FileNotFoundError:  # the process ended, or no /proc here
            with contextlib.suppress(psutil.Error):
                return process.memory_info().rss
            return 0
        except (OSError, ValueError, IndexError):
            return 0

    def rss(self) -> int:
        return sum(self._rss_of(process) for process in self._processes)

    def pss(self) -> int:
        total = 0
        for process in self._processes:
            with contextlib.suppress(psutil.Error, AttributeError):
                total += process.memory_full_info().pss
        return total

    def start_stage(self) -> None:
        """The stage peaks start from what the processes hold now."""
        self._renew_processes()
        self.stage_peak = self.rss()
        self.stage_peak_pss = self.pss()

    def sample(self, pss: bool = True) -> None:
        if pss:
            self._renew_processes()
        value = self.rss()
        self.peak = max(self.peak, value)
        self.stage_peak = max(self.stage_peak, value)
        if not pss:
            return
        with contextlib.suppress(psutil.Error):
            value = self.pss()
            self.peak_pss = max(self.peak_pss, value)
            self.stage_peak_pss = max(self.stage_peak_pss, value)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._samples += 1
            with contextlib.suppress(Exception):
                self.sample(pss=self._samples % self.pss_every == 0)

    def __enter__(self) -> "PeakMemory":
        self.sample()
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.sample()


def cpu_seconds(children: bool = True) -> float:
    """User + system CPU time of this process (and of its finished children)."""
    t = os.times()
    return t.user + t.system + ((t.children_user + t.children_system) if children else 0.0)


class Stages:
    """Times stages and keeps a row per stage for the table."""

    def __init__(self, memory: PeakMemory, quiet: bool = False):
        self.memory = memory
        self.rows: list[dict] = []
        self.quiet = quiet

    @contextlib.contextmanager
    def stage(self, name: str, words: int | None = None, note: str = ""):
        row = {"stage": name, "seconds": None, "words": words, "note": note}
        self.memory.start_stage()
        if not self.quiet:
            print(f"... {name}", file=sys.stderr, flush=True)
        cpu, own = cpu_seconds(), cpu_seconds(children=False)
        start = time.perf_counter()
        yield row
        row["seconds"] = time.perf_counter() - start
        row["cpu"] = cpu_seconds() - cpu
        row["cpu_own"] = cpu_seconds(children=False) - own
        self.memory.sample()
        row["peak_mb"] = self.memory.stage_peak / 2**20
        row["pss_mb"] = self.memory.stage_peak_pss / 2**20
        self.rows.append(row)
        if not self.quiet:
            print(f"    {row['seconds']:.3f} s", file=sys.stderr, flush=True)

    def table(self) -> str:
        lines = [f"{'stage':<24} {'seconds':>9} {'cpu s':>8} {'words/s':>11} {'RSS MB':>7} {'PSS MB':>7}  note",
                 f"{'-' * 24} {'-' * 9} {'-' * 8} {'-' * 11} {'-' * 7} {'-' * 7}  {'-' * 30}"]
        for row in self.rows:
            rate = f"{row['words'] / row['seconds']:,.0f}" if row["words"] and row["seconds"] else ""
            lines.append(f"{row['stage']:<24} {row['seconds']:>9.3f} {row['cpu']:>8.2f} {rate:>11} "
                         f"{row['peak_mb']:>7.0f} {row['pss_mb']:>7.0f}  {row['note']}")
        return "\n".join(lines)


# --------------------------------------------------------------------------- texts


def source_ids(project: Project) -> list[int]:
    return [int(row["id"]) for row in project.store.sources()]


def count_words(project: Project) -> tuple[int, int]:
    """Whitespace-separated words and characters of every imported text, one source at a time."""
    words = characters = 0
    for sid in source_ids(project):
        text = project.store.source_by_id(sid)["text"]
        words += len(text.split())
        characters += len(text)
    return words, characters


def respondent_chunks(project: Project, chunk_chars: int):
    """What the auto-coder tokenises: the respondent turns (interviewer turns left out), joined by
    blank lines into texts of at most ``chunk_chars`` characters; one source held at a time."""
    parts: list[str] = []
    size = 0
    for sid in source_ids(project):
        text = project.store.source_by_id(sid)["text"]
        for turn in project.store.turns(sid):
            if turn["role"] == INTERVIEWER_ROLE:
                continue
            piece = text[turn["start"]:turn["end"]]
            while piece:
                room = chunk_chars - size - (2 if parts else 0)
                if parts and len(piece) > room:
                    yield "\n\n".join(parts)
                    parts, size = [], 0
                    continue
                head, piece = piece[:chunk_chars], piece[chunk_chars:]
                size += len(head) + (2 if parts else 0)
                parts.append(head)
    if parts:
        yield "\n\n".join(parts)


def count_respondent_words(project: Project) -> int:
    return sum(len(chunk.split()) for chunk in respondent_chunks(project, 1_000_000))


def blank_pipeline(language: str = "da", lemmatizer: bool = True):
    """A blank spaCy pipeline, with the lookup lemmatizer of spacy-lookups-data (no model download)."""
    import spacy

    nlp = spacy.blank(language)
    if lemmatizer:
        nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
        nlp.initialize()
    return nlp


def tokenizer_baseline(project: Project, nlp, *, chunk_chars: int, batch_size: int) -> dict:
    """Run the pipeline over the respondent turns; count tokens and the vocabulary seen. The texts
    are streamed from the project; the seconds spent reading them (``read_s``) are counted apart,
    so that the baseline is the pipeline's own throughput (see :func:`leave_out_reading`)."""
    read = 0.0
    chunks = respondent_chunks(project, chunk_chars)

    def texts():
        nonlocal read
        while True:
            start = time.perf_counter()
            text = next(chunks, None)
            read += time.perf_counter() - start
            if text is None:
                return
            yield text

    tokens = 0
    for doc in nlp.pipe(texts(), batch_size=batch_size):
        tokens += len(doc)
    return {"tokens": tokens, "vocabulary": len(nlp.vocab), "read_s": read}


def leave_out_reading(row: dict, info: dict) -> None:
    """A baseline stage's row without the time its texts took to read from the project (Python
    reading turns as rows: about 1.8 s at 10M words, a third of the tokenizer's own time)."""
    row["seconds"] -= info["read_s"]
    row["cpu"] -= info["read_s"]
    row["cpu_own"] -= info["read_s"]
    row["note"] += f"; reading the texts ({info['read_s']:.2f} s) left out"


def autocoder_settings() -> tuple[int, int]:
    """(characters per Doc, nlp.pipe batch size) of the auto-coder, to feed the baseline alike."""
    try:
        from coding import autocode as autocoder
    except ImportError:
        return 50_000, 8
    return int(getattr(autocoder, "CHUNK_CHARS", 50_000)), int(getattr(autocoder, "PIPE_BATCH", 8))


def count_codings(project: Project) -> int:
    return sum(project.store.coding_counts_by_code().values())


def synthesize_codings(project: Project, target: int, seed: int) -> int:
    """Add codings (random spans inside random turns) until the project has ``target``; return how many."""
    store = project.store
    need = target - count_codings(project)
    if need <= 0:
        return 0
    codes = [int(row["id"]) for row in store.codes() if row["codable"]]
    turns = [(int(t["source_id"]), int(t["start"]), int(t["end"])) for t in store.all_turns()]
    rng = random.Random(seed)
    added = 0
    with project.transaction():
        while added < need:
            batch = []
            for _ in range(min(50_000, need - added)):
                sid, start, end = rng.choice(turns)
                a = rng.randint(start, max(start, end - 1))
                b = max(a + 1, min(end, a + rng.randint(20, 400)))
                batch.append({"source_id": sid, "start": a, "end": b, "code_id": rng.choice(codes),
                              "coder": "synthetic", "origin": "manual"})
            added += store.insert_codings(batch)
    return added


# --------------------------------------------------------------------------- the run


def prepare_corpus(words: int, seed: int, folder: Path, novel_words: float = 0.0) -> tuple[dict, float, bool]:
    """Make the corpus in ``folder``, or reuse the one there if it was made with the same settings."""
    marker = folder / ".corpus.json"  # hidden: import passes it over
    if marker.exists():
        summary = json.loads(marker.read_text(encoding="utf-8"))
        if (summary.get("words_requested") == words and summary.get("seed") == seed
                and summary.get("novel_words", 0.0) == novel_words):
            return summary, 0.0, True
        shutil.rmtree(folder)
    start = time.perf_counter()
    summary = make_corpus(words, seed, folder, novel_words=novel_words)
    seconds = time.perf_counter() - start
    summary["words_requested"] = words
    marker.write_text(json.dumps(summary), encoding="utf-8")
    return summary, seconds, False


def machine() -> dict:
    import spacy

    cpu = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {"nproc": os.cpu_count(), "memory_gb": round(psutil.virtual_memory().total / 2**30, 1), "cpu": cpu,
            "python": platform.python_version(), "spacy": spacy.__version__}


def fresh_project(path: Path) -> Project:
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    return Project.open(path)


def autocode(project: Project, args):
    return project.autocode(args.codebook, jobs=args.jobs)


def list_before(rows: list, row, anchor) -> None:
    """Move ``row`` to just before ``anchor`` in ``rows`` if it comes after it."""
    if rows.index(row) > rows.index(anchor):
        rows.remove(row)
        rows.insert(rows.index(anchor), row)


def keep_fastest(stages: Stages, runs: list[dict]) -> dict:
    """Of several runs of one stage, keep the fastest row in the table (the others are named in
    its note): on a shared machine the fastest run is the one least disturbed by other work."""
    best = min(runs, key=lambda r: r["seconds"])
    if len(runs) > 1:
        for row in runs:
            if row is not best:
                stages.rows.remove(row)
        best["note"] += f"; fastest of {len(runs)}: " + ", ".join(f"{r['seconds']:.2f}" for r in runs) + " s"
    return best


def measure_main(db: Path, corpus: Path, stages: Stages, result: dict, args) -> None:
    project = fresh_project(db)
    try:
        project = _measure_main(project, corpus, stages, result, args)
    finally:
        project.close()


def _measure_main(project: Project, corpus: Path, stages: Stages, result: dict, args) -> Project:
    with stages.stage("import", note="folder + manifest, one transaction") as row:
        report = project.import_paths([corpus], manifest=corpus / "participants.csv")
    import_s = row["seconds"]
    words, characters = count_words(project)
    row["words"] = words
    row["note"] = f"{len(report.imported)} files + manifest, {len(report.warnings)} warnings"
    result.update(words=words, characters=characters, sources=len(report.imported),
                  respondent_words=count_respondent_words(project), import_s=round(import_s, 3),
                  import_words_per_s=round(words / import_s), import_warnings=len(report.warnings))

    chunk_chars, batch = autocoder_settings()
    nlp = blank_pipeline(lemmatizer=True)  # built before the clock starts: the baseline is pure throughput
    with stages.stage("tokenizer (baseline)", words,
                      note=f"blank da + lookup lemmatizer, nlp.pipe, respondent turns, batch {batch}") as row:
        info = tokenizer_baseline(project, nlp, chunk_chars=chunk_chars, batch_size=batch)
    leave_out_reading(row, info)
    result.update(tokenizer_s=round(row["seconds"], 3), tokenizer_words_per_s=round(words / row["seconds"]),
                  tokens=info["tokens"], vocabulary=info["vocabulary"])
    # With --repeat N, the bare tokenizer and a first auto-coding run take turns, N times each, so
    # that both meet the machine in the same minutes (its speed drifts from one hour to the next);
    # every first run starts from a copy of the project as imported.
    db = Path(project.path)
    imported = db.with_name(db.name + ".imported")
    if args.repeat > 1:
        project.close()
        shutil.copyfile(db, imported)
        project = Project.open(db)
    tokenizer_runs, runs, reports = [], [], []
    for k in range(args.repeat):
        nlp = blank_pipeline(lemmatizer=False)      # a new one each time: no tokenizer cache carried over
        with stages.stage("tokenizer only", words, note="blank da without lemmatizer") as row:
            info = tokenizer_baseline(project, nlp, chunk_chars=chunk_chars, batch_size=batch)
        leave_out_reading(row, info)
        tokenizer_runs.append(row)
        if k:
            project.close()
            project = fresh_project(db)
            project.close()
            shutil.copyfile(imported, db)
            project = Project.open(db)
        with stages.stage("autocode", words, note=f"first run, jobs {args.jobs}") as row:
            reports.append(autocode(project, args))
        runs.append(row)
    imported.unlink(missing_ok=True)
    # each turn's own ratio (bare tokenizer's seconds / auto-coder's), before the rows are thinned
    turns = [round(t["seconds"] / a["seconds"], 3) for t, a in zip(tokenizer_runs, runs)]
    fastest_tokenizer = keep_fastest(stages, tokenizer_runs)
    result.update(tokenizer_only_s=round(fastest_tokenizer["seconds"], 3),
                  tokenizer_only_words_per_s=round(words / fastest_tokenizer["seconds"]))
    row = keep_fastest(stages, runs)
    list_before(stages.rows, fastest_tokenizer, row)     # the table shows the tokenizer first
    first = reports[runs.index(row)]
    autocode_s = row["seconds"]
    codings = count_codings(project)
    row["note"] += f"; {codings:,} codings"
    if len(turns) > 1:
        row["note"] += "; ratio to the bare tokenizer run just before it: " + ", ".join(f"{r:.2f}" for r in turns)
    result.update(autocode_s=round(autocode_s, 3), autocode_words_per_s=round(words / autocode_s),
                  codings=codings, autocode_ratio=round(result["tokenizer_s"] / autocode_s, 3),
                  autocode_ratio_tokenizer_only=round(result["tokenizer_only_s"] / autocode_s, 3),
                  autocode_ratio_turns=turns, autocode_ratio_turns_min=min(turns),
                  autocode_jobs_used=getattr(first, "jobs", args.jobs),
                  autocode_cpu_main_s=round(row["cpu_own"], 2), autocode_cpu_workers_s=round(row["cpu"] - row["cpu_own"], 2))
    with stages.stage("re-autocode", words, note="unchanged corpus and codebook") as row:
        again = autocode(project, args)
    skipped = len(getattr(again, "skipped", []))
    partial = len(getattr(again, "partial", []))
    row["note"] += f"; {skipped} of {result['sources']} sources skipped, {partial} partly redone"
    if count_codings(project) != codings:
        row["note"] += "; WARNING: the re-run changed the number of codings"
    result.update(reautocode_s=round(row["seconds"], 3), reautocode_fraction=round(row["seconds"] / autocode_s, 4),
                  reautocode_skipped=skipped, reautocode_partial=partial)

    db = Path(project.path)
    matrix_role_s = timed_analysis(db, stages, "matrix by role", f"code x role, {codings:,} codings",
                                   lambda p: p.matrix(rows="code", cols=["role"]))
    matrix_municipality_s = timed_analysis(db, stages, "matrix by municipality",
                                           f"code x municipality, {codings:,} codings",
                                           lambda p: p.matrix(rows="code", cols=["municipality"]))
    result.update(matrix_role_s=round(matrix_role_s, 3), matrix_municipality_s=round(matrix_municipality_s, 3),
                  matrix_s=round(max(matrix_role_s, matrix_municipality_s), 3))
    result["cooccurrence_s"] = round(timed_analysis(db, stages, "cooccurrence", "unit turn",
                                                    lambda p: p.cooccurrence(unit="turn")), 3)
    return project


def timed_analysis(db: Path, stages: Stages, name: str, note: str, call) -> float:
    """Time one analysis on a freshly opened project (nothing cached from an earlier call, as
    from the command line; the Python modules are loaded already)."""
    import coding.analysis.cooccurrence  # noqa: F401  (module loading is not the analysis)
    import coding.analysis.matrix  # noqa: F401

    project = Project.open(db)
    try:
        with stages.stage(name, note=note) as row:
            call(project)
    finally:
        project.close()
    return row["seconds"]


def timed_cli(db: Path, stages: Stages, name: str, args: list[str]) -> float:
    """Time a command of the CLI as a user runs it: a new Python process, output to a pipe."""
    import subprocess

    command = [sys.executable, "-m", "coding", "--quiet", "--project", str(db), *args]
    peak = 0
    with stages.stage(name, note="coding " + " ".join(args) + " (new process)") as row:
        with open(os.devnull, "w") as sink, tempfile.TemporaryFile() as errors:
            process = subprocess.Popen(command, stdout=sink, stderr=errors, cwd=ROOT)
            child = psutil.Process(process.pid)
            while process.poll() is None:
                with contextlib.suppress(psutil.Error):
                    peak = max(peak, child.memory_info().rss)
                time.sleep(0.01)
            errors.seek(0)
            message = errors.read().decode("utf-8", "replace").strip()
    row["note"] += f"; the command's own peak RSS {peak / 2**20:,.0f} MB"
    row["child_peak_mb"] = peak / 2**20
    if process.returncode != 0:
        row["note"] += f"; FAILED: {message[-200:]}"
    return row["seconds"]


def measure_million(db: Path, stages: Stages, result: dict, args) -> None:
    """The matrix over a million codings, on a copy of the project when codings have to be made up."""
    codings = result.get("codings", 0)
    target = args.matrix_codings
    if codings >= target:
        result.update(matrix_1m_s=result["matrix_role_s"], matrix_1m_codings=codings, matrix_1m_synthetic=0)
        return
    copy = db.with_name("million.db")
    shutil.copyfile(db, copy)  # the project is closed, its WAL checkpointed into the file
    million = Project.open(copy)
    try:
        added = synthesize_codings(million, target, args.seed)
        total = count_codings(million)
        million.close()
        note = f"{total:,} codings ({added:,} synthetic)"
        result.update(matrix_1m_codings=total, matrix_1m_synthetic=added)
        result["matrix_1m_s"] = round(timed_analysis(copy, stages, "matrix 1M by role", note,
                                                     lambda p: p.matrix(rows="code", cols=["role"])), 3)
        result["matrix_1m_municipality_s"] = round(timed_analysis(
            copy, stages, "matrix 1M by munic.", note, lambda p: p.matrix(rows="code", cols=["municipality"])), 3)
        result["cooccurrence_1m_s"] = round(timed_analysis(copy, stages, "cooccurrence 1M", note,
                                                           lambda p: p.cooccurrence(unit="turn")), 3)
        result["matrix_1m_cli_s"] = round(timed_cli(copy, stages, "matrix 1M, CLI",
                                                    ["matrix", "--cols", "role", "--format", "csv"]), 3)
        result["matrix_1m_cli_peak_mb"] = round(stages.rows[-1]["child_peak_mb"], 1)
    finally:
        million.close()  # closing twice is harmless
        for suffix in ("", "-wal", "-shm"):
            Path(str(copy) + suffix).unlink(missing_ok=True)


def measure_big(work: Path, stages: Stages, result: dict, args) -> None:
    folder = work / "big"
    path = folder / f"big_fokusgruppe.{args.big_format}"
    marker = folder / ".big.json"
    wanted = {"characters": args.big_characters, "seed": args.seed, "novel_words": args.novel_words,
              "format": args.big_format}
    if not path.exists() or not marker.exists() or json.loads(marker.read_text()) != wanted:
        big_transcript(path, args.big_characters, args.seed, args.big_format, args.novel_words)
        marker.write_text(json.dumps(wanted))
    project = fresh_project(work / "big.db")
    try:
        with stages.stage("big: import", note=f"one {args.big_format} transcript") as row:
            project.import_paths([path], manifest=folder / "participants.csv")
        words, characters = count_words(project)
        row["words"] = words
        row["note"] += f", {characters:,} characters"
        big_s = row["seconds"]
        result.update(big_transcript_chars=characters, big_transcript_words=words,
                      big_transcript_format=args.big_format, big_import_s=round(row["seconds"], 3))
        with stages.stage("big: autocode", words, note=f"jobs {args.jobs}") as row:
            autocode(project, args)
        big_s += row["seconds"]
        result.update(big_autocode_s=round(row["seconds"], 3), big_transcript_s=round(big_s, 3),
                      big_codings=count_codings(project))
    finally:
        project.close()


def run(args) -> tuple[dict, str]:
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="coding-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    result: dict = {"words": 0, "jobs": args.jobs, "seed": args.seed, "novel_words": args.novel_words, **machine(),
                    "load_before": round(os.getloadavg()[0], 2)}
    try:
        with PeakMemory() as memory:
            stages = Stages(memory, quiet=args.quiet)
            corpus = work / "corpus"
            summary, corpus_s, reused = prepare_corpus(args.words, args.seed, corpus, args.novel_words)
            result.update(corpus_files=summary["files"], corpus_formats=summary["formats"],
                          corpus_s=round(corpus_s, 3), corpus_reused=reused)
            db = work / "project.db"
            measure_main(db, corpus, stages, result, args)
            if not args.no_big:
                measure_big(work, stages, result, args)
            if not args.no_million:
                measure_million(db, stages, result, args)
        result["peak_rss_mb"] = round(memory.peak / 2**20, 1)
        result["peak_pss_mb"] = round(memory.peak_pss / 2**20, 1)
        result["load_after"] = round(os.getloadavg()[0], 2)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return result, stages.table()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--words", type=int, required=True, help="corpus size in words")
    parser.add_argument("--seed", type=int, default=1, help="corpus seed")
    parser.add_argument("--jobs", type=int, default=1, help="worker processes for auto-coding")
    parser.add_argument("--keep", metavar="DIR",
                        help="keep corpus and projects in DIR (a corpus of the same --words/--seed there is reused)")
    parser.add_argument("--novel-words", type=float, default=0.0, metavar="SHARE",
                        help="share of words replaced by new compounds (see make_corpus.py; default 0)")
    parser.add_argument("--codebook", type=Path, default=CODEBOOK, help="codebook to auto-code with "
                        "(default codebooks/stv.yaml)")
    parser.add_argument("--big-format", default="txt", choices=["txt", "docx", "md", "vtt", "srt"],
                        help="format of the 3-million-character transcript (default txt)")
    parser.add_argument("--big-characters", type=int, default=BIG_CHARACTERS, metavar="N",
                        help="size of the one big transcript (default 3,000,000 characters)")
    parser.add_argument("--no-big", action="store_true", help="skip the big transcript")
    parser.add_argument("--matrix-codings", type=int, default=MILLION, metavar="N",
                        help="codings for the large matrix, made up where the corpus has fewer (default 1,000,000)")
    parser.add_argument("--no-million", action="store_true", help="skip the large matrix")
    parser.add_argument("--repeat", type=int, default=1, metavar="N",
                        help="run the bare tokenizer and the first auto-coding N times each (auto-coding on "
                             "a fresh copy of the imported project) and keep the fastest of each (default 1)")
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")
    args = parser.parse_args(argv)
    if min(args.words, args.jobs, args.big_characters, args.matrix_codings, args.repeat) <= 0:
        parser.error("--words, --jobs, --big-characters, --matrix-codings and --repeat must be positive")
    if not args.codebook.exists():
        parser.error(f"{args.codebook} not found (the codebook the benchmark auto-codes with)")
    result, table = run(args)
    print(table)
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
