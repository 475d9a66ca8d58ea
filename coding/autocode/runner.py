"""Running the auto-coder over a project: worker processes (forked with the rules built once),
tasks handed out in order, each source's earlier automatic codings replaced by the new ones in
the caller's transaction, the auto-coder's state and the kept coding rows written at the end."""

from __future__ import annotations

import collections
import contextlib
import gc
import multiprocessing
import os
import pickle
import time
from dataclasses import dataclass
from typing import Callable, Iterator

import numpy as np

from ..codebook import Codebook, blank_nlp
from ..errors import CodingError
from ..store import Store, coding_table
from .engine import CODER, ORIGIN, UNITS, Engine, Found, Part, Task, engine_spec, spec_key
from .lemmas import lemma_table
from .plan import SourcePlan, plan_sources, source_parts, task_chars
from .report import AutocodeReport

AUTO_JOBS_MIN_CHARS = 2_000_000   # below this, --jobs auto stays in one process

_ENGINE: Engine | None = None     # the engine of this process (a worker's: kept from task to task)

def without_reviewed(found: Found, spans: set[tuple[int, int, int]], code_ids: np.ndarray) -> Found:
    """``found`` less the codings whose (start, end, stored code id) a coder has reviewed;
    ``code_ids`` maps the engine's code index to the stored id."""
    stored = code_ids[found.code]
    keep = np.fromiter(((s, e, c) not in spans for s, e, c in zip(found.start.tolist(), found.end.tolist(),
                                                                  stored.tolist())), dtype=bool, count=len(stored))
    if keep.all():
        return found
    at = np.flatnonzero(keep).tolist()
    return Found(found.source_id, found.start[keep], found.end[keep], found.code[keep],
                 [found.rule[k] for k in at], [found.matched[k] for k in at], found.tokens)


def _engine_for(spec: dict) -> Engine:
    global _ENGINE
    if _ENGINE is None or _ENGINE.key != spec_key(spec):
        _ENGINE = Engine(spec)
    return _ENGINE


def _prepare_engine(spec: dict, languages: list[str]) -> None:
    engine = _engine_for(spec)
    for lang in languages:
        rules = engine.rules(lang)
        if not rules.batch_matcher.needs_docs:
            rules.span_tokens


def _init_worker(spec: dict, languages: list[str]) -> None:
    _prepare_engine(spec, languages)
    _settle_worker()


def _warm_worker(languages: list[str]) -> None:
    """Load what any codebook's rules for these languages need (lemma tables, blank pipelines),
    before the codebook is known."""
    for lang in languages:
        try:
            lemma_table(lang)
            blank_nlp(lang)
        except Exception:  # a language spaCy or the lemma tables do not know: no rules can use it
            continue
    _settle_worker()


def _settle_worker() -> None:
    """Python's cyclic garbage collector off in a worker, its loaded tables frozen out of it.

    A task allocates millions of objects (tokens, rows) and frees them by reference counting; the
    automatic collector ran on every few hundred of them and walked every object the worker holds
    each time. Each task ends with one collection instead. A worker
    forked by :func:`_fork_pool` has its parent's objects frozen already: no full collection then."""
    if not gc.get_freeze_count():
        gc.collect()
    gc.freeze()
    gc.disable()


def _run_task(key: str, spec: bytes, task: Task):
    """Run a task in a worker. ``spec`` comes pickled (once for the run, not once per task, as
    ``pickle.dumps(engine_spec)``) and is read only by a worker whose engine is for another one."""
    global _ENGINE
    if _ENGINE is None or _ENGINE.key != key:
        _ENGINE = Engine(pickle.loads(spec))
    try:
        return _ENGINE.run(task)
    finally:
        gc.collect(1)  # the young objects only: the task's cycles, if it made any


@dataclass
class Workers:
    """Worker processes for auto-coding, started by :func:`early_workers`."""

    pool: object
    jobs: int


@contextlib.contextmanager
def early_workers(store: Store, jobs: int) -> Iterator[Workers | None]:
    """Start the worker processes of a run before its codebook is read and its sources planned,
    so that they load their lemma tables and tokenizers meanwhile.
    Done only when some source has never been auto-coded (a first run is sure to need them); otherwise
    ``run_autocode`` starts them after planning, if any work is left. Yields None when the run
    stays in one process."""
    if jobs == 1:
        yield None
        return
    if not store.sources_never_autocoded():
        yield None
        return
    if jobs <= 0:
        jobs = min(os.cpu_count() or 1, 8) if store.total_characters() >= AUTO_JOBS_MIN_CHARS else 1
    languages = sorted({lang for lang in store.source_languages() if lang})
    if jobs == 1 or not languages:
        yield None
        return
    import spacy  # noqa: F401  (this process needs it to read the codebook; forked workers inherit it)

    with _fork_pool(jobs, _warm_worker, (languages,)) as pool:
        yield Workers(pool, jobs)


def _fork_pool(jobs: int, initializer: Callable, initargs: tuple):
    """A pool of ``jobs`` worker processes. This process's objects are frozen out of the garbage
    collector while the workers are forked and given back after (a caller's own frozen objects stay
    frozen): a forked worker inherits them frozen and need not walk them all once before it starts."""
    thaw = not gc.get_freeze_count()
    gc.freeze()
    try:
        return _context().Pool(processes=jobs, initializer=initializer, initargs=initargs)
    finally:
        if thaw:
            gc.unfreeze()



# --------------------------------------------------------------------------- running


def _context():
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """Automatic garbage collection off inside; back as it was (and the young objects collected) after."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
            gc.collect(1)


@paused_gc()
def run_autocode(store: Store, codebook: Codebook, *, unit: str = "sentence", dry_run: bool = False,
                 include_interviewer: bool = False, jobs: int = 1, force: bool = False,
                 code_ids: dict[str, int] | None = None, collect: bool = False,
                 progress: Callable[[str], None] | None = None, workers: Workers | None = None) -> AutocodeReport:
    """Auto-code the project's sources with ``codebook``; the caller holds the transaction.

    Python's cyclic garbage collector is paused meanwhile (:func:`paused_gc`): the run frees what it
    makes by reference counting, and the collector, started every few hundred new objects (rows,
    results from the workers), walked all objects of the process each time it reached the oldest
    generation.

    ``code_ids`` maps code slugs to stored code ids (needed unless ``dry_run``). ``jobs`` > 1 uses
    that many worker processes; 0 means one per core when there is enough text to pay for them.
    ``workers`` (from :func:`early_workers`) are used instead of starting new ones."""
    if unit not in UNITS:
        raise CodingError(f"unknown unit '{unit}' (use {' or '.join(UNITS)})")
    started = time.perf_counter()
    report = AutocodeReport(unit=unit, dry_run=dry_run, codebook=codebook.name or codebook.file)
    if collect:
        report.planned = []
    spec = engine_spec(codebook)
    if not spec["codes"]:
        raise CodingError("the codebook has no rules to auto-code with; add 'rules' to its codes "
                          "(see README, 'Codebook and auto-coding')")
    planning = plan_sources(store, codebook, unit=unit, include_interviewer=include_interviewer, force=force)
    plans = planning.plans
    # whether the totals after the run need a count of the table: not when the run replaces every
    # automatic coding of the auto-coder's and no other coder has any (asked before this run's are
    # stored, and only when the first holds)
    totals_need_count = dry_run or not all(p.mode == "full" or not p.existing for p in plans) \
        or store.other_auto_codings(CODER)
    work = [p for p in plans if p.mode != "skip"]
    report.skipped = [p.name for p in plans if p.mode == "skip"]
    characters = sum(p.characters for p in work)
    if workers is not None:
        jobs = workers.jobs
    elif jobs <= 0:
        jobs = min(os.cpu_count() or 1, 8) if characters >= AUTO_JOBS_MIN_CHARS else 1
    jobs = max(1, jobs) if work else 1
    report.jobs = jobs

    languages = {lang for code in spec["codes"] for lang, rules in code["rules"].items() if rules}
    results = RunResults(store, report, spec, code_ids or {}, dry_run=dry_run, collect=collect, progress=progress)
    report.no_rules = {p.name: p.language for p in plans if p.language not in languages}
    if not dry_run and work:
        results.prepare(work)
    tasks = cut_into_tasks(store, work, report, unit=unit, languages=languages, task_size=task_chars(characters, jobs))
    if jobs == 1:
        engine = _engine_for(spec)
        for task, marks in tasks:
            results.deliver(marks, engine.run(task) if task is not None else None)
            gc.collect(1)  # the collector is paused (run_autocode): the task's cycles, if any
    else:
        _run_in_workers(tasks, results, spec, jobs, workers, sorted({p.language for p in work} & languages))
    results.write()
    if not totals_need_count and report.replaced == planning.auto_codings_before:
        report.auto_after = report.by_code
    tops = {c.id: codebook.top_level(c.id) for c in codebook.codes}
    order = [c.id for c in codebook.codes if c.parent is None]
    by_top = collections.Counter()
    for slug, n in report.by_code.items():
        by_top[tops.get(slug, slug)] += n
    report.by_top_level = {code: by_top.get(code, 0) for code in order}
    report.seconds = time.perf_counter() - started
    return report


def cut_into_tasks(store: Store, work: list[SourcePlan], report: AutocodeReport, *, unit: str, languages: set[str],
                   task_size: int) -> Iterator[tuple[Task | None, list[tuple[SourcePlan, bool, bool]]]]:
    """The sources to code as tasks of about ``task_size`` characters, in source order, each with
    (plan, first part of the plan?, last part?) per part; a plan with nothing to code (no rules for
    its language, no units) comes with no task. Counts the characters coded into ``report``."""
    parts: list[Part] = []
    marks: list[tuple[SourcePlan, bool, bool]] = []
    task_characters = 0
    for plan in work:
        plan_parts: list[Part] = []
        if plan.language in languages and plan.units is not None and len(plan.units):
            report.characters += int((plan.units[:, 2] - plan.units[:, 1]).sum())
            plan_parts = source_parts(plan.source_id, plan.language, store.source_text(plan.source_id), plan.units,
                                      plan.wanted, task_size)
        if not plan_parts:
            if parts:
                yield Task(unit, parts), marks
                parts, marks, task_characters = [], [], 0
            yield None, [(plan, True, True)]
            continue
        for i, part in enumerate(plan_parts):
            parts.append(part)
            marks.append((plan, i == 0, i == len(plan_parts) - 1))
            task_characters += len(part.text)
            if task_characters >= task_size:
                yield Task(unit, parts), marks
                parts, marks, task_characters = [], [], 0
    if parts:
        yield Task(unit, parts), marks


class RunResults:
    """What the engine found, stored source by source in the caller's transaction: a source's earlier
    automatic codings deleted when its first part comes back, its new codings inserted part by part,
    and when its last part is in, its state (fingerprint, rule hashes, count) and its kept coding row
    noted, to be written at the end of the run (:meth:`write`)."""

    def __init__(self, store: Store, report: AutocodeReport, spec: dict, code_ids: dict[str, int], *,
                 dry_run: bool, collect: bool, progress: Callable[[str], None] | None):
        self.store, self.report, self.ids = store, report, code_ids
        self.dry_run, self.collect, self.progress = dry_run, collect, progress
        self.slugs = [code["slug"] for code in spec["codes"]]
        # spec code -> codes.id
        self.stored_id = np.array([code_ids.get(slug, -1) for slug in self.slugs] or [-1], dtype=np.int64)
        # spans a coder has reviewed (accepted or rejected) are not proposed again (issue 26)
        self.reviewed = store.reviewed_spans()
        self.review_id = np.array([{row["code"]: row["id"] for row in store.codes()}.get(slug, -1)
                                   for slug in self.slugs] or [-1], dtype=np.int64) if self.reviewed else None
        self.states: list[tuple] = []     # written at the end (the run is one transaction: all or nothing)
        self.kept_rows: list[tuple] = []
        self.codings_before: dict[int, int] = {}

    def prepare(self, work: list[SourcePlan]) -> None:
        """Before any source is stored: every source's codings now, and their kept rows dropped at once."""
        self.codings_before.update(self.store.coding_counts_by_source())
        self.store.forget_coding_rows([p.source_id for p in work])

    def deliver(self, marks: list[tuple[SourcePlan, bool, bool]], results: list[Found] | None) -> None:
        """A task's results (None for a plan without a task), one per (plan, first?, last?) mark."""
        for k, (plan, first, last) in enumerate(marks):
            if first:
                self.begin(plan)
            if results is not None:
                self.store_found(plan, results[k])
            if last:
                self.finish(plan)

    def begin(self, plan: SourcePlan) -> None:
        (self.report.coded if plan.mode == "full" else self.report.partial).append(plan.name)
        if self.dry_run or not plan.existing:        # nothing to replace: no query
            return
        if plan.mode == "full":
            deleted = self.store.delete_auto_codings(plan.source_id, CODER)
        else:
            deleted = self.store.delete_auto_codings(plan.source_id, CODER,
                                                     [self.ids[s] for s in plan.replace_codes if s in self.ids])
        plan.existing -= deleted
        plan.deleted = deleted
        self.report.replaced += deleted

    def store_found(self, plan: SourcePlan, found: Found) -> None:
        report, slugs = self.report, self.slugs
        if self.review_id is not None and plan.source_id in self.reviewed and len(found.code):
            found = without_reviewed(found, self.reviewed[plan.source_id], self.review_id)
        report.tokens += found.tokens
        report.codings += len(found.code)
        if not len(found.code):
            return
        counts = np.bincount(found.code, minlength=len(slugs))
        present = np.flatnonzero(counts)
        report.by_code.update({slugs[k]: n for k, n in zip(present.tolist(), counts[present].tolist())})
        if self.collect and report.planned is not None:
            report.planned.extend({"source": plan.name, "start": s, "end": e, "code": slug, "rule": r,
                                   "matched": m} for s, e, slug, r, m in found.rows(slugs))
        if not self.dry_run:
            code_ids = self.stored_id[found.code]
            if (code_ids < 0).any():
                missing = sorted({slugs[k] for k in found.code[code_ids < 0].tolist()})
                raise CodingError(f"codes {', '.join(missing)} are not in the project's codebook")
            plan.existing += self.store.insert_auto_codings(plan.source_id, found.start, found.end, code_ids,
                                                            found.rule, found.matched, CODER, ORIGIN)
            plan.stored.append((found.start, found.end, code_ids))

    def finish(self, plan: SourcePlan) -> None:
        if self.progress:
            self.progress(f"autocode {plan.name}")
        if not self.dry_run:
            # the count a re-run checks: what the source had, less what was deleted, plus what was stored
            self.states.append((plan.source_id, plan.fingerprint, plan.code_hashes_json, plan.existing))
            self.keep_row(plan)

    def keep_row(self, plan: SourcePlan) -> None:
        """The source's kept coding row, made from what was stored when that is all the source has
        now (everything it had before was deleted): cheaper than the first analysis reading the
        codings back."""
        stored, plan.stored = plan.stored, []
        if self.codings_before.get(plan.source_id, 0) != plan.deleted:
            return
        start, end, code_ids = ([np.concatenate(column) for column in zip(*stored)] if stored
                                else [np.zeros(0, dtype=np.int64)] * 3)
        row = coding_table.source_row(plan.source_id, start, end, code_ids, CODER, ORIGIN)
        if row is not None:
            self.kept_rows.append(row)

    def write(self) -> None:
        """The states and kept rows noted during the run."""
        if self.states:
            self.store.set_autocode_states(self.states)
        if self.kept_rows:
            self.store.keep_coding_rows(self.kept_rows)


def _run_in_workers(tasks: Iterator, results: RunResults, spec: dict, jobs: int, workers: Workers | None,
                    languages: list[str]) -> None:
    """The tasks on ``jobs`` worker processes (``workers``, or a pool started here whose workers get
    the rules and lemma tables built in this process, once: forked workers inherit them; a spawned
    worker builds its own). Results are taken in order, up to 8 tasks per worker ahead, so that the
    workers rarely wait while this process stores."""
    key, packed = spec_key(spec), pickle.dumps(spec, protocol=pickle.HIGHEST_PROTOCOL)
    with contextlib.ExitStack() as stack:
        if workers is not None:
            pool = workers.pool
        else:
            _prepare_engine(spec, languages)
            pool = stack.enter_context(_fork_pool(jobs, _init_worker, (spec, languages)))
        pending: collections.deque = collections.deque()
        window = jobs * 8
        for task, marks in tasks:
            pending.append((None if task is None else pool.apply_async(_run_task, (key, packed, task)), marks))
            while len(pending) > window:
                handle, done = pending.popleft()
                results.deliver(done, None if handle is None else handle.get())
        while pending:
            handle, done = pending.popleft()
            results.deliver(done, None if handle is None else handle.get())
