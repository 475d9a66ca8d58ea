"""Auto-coding a project, the use case behind ``Project.autocode``: the codebook imported first when one
is given (and changed), the run, and the totals per top-level theme afterwards. The caller owns the
transaction (and the worker processes, started before it by :func:`coding.autocode.early_workers`)."""

from __future__ import annotations

from typing import Any, Callable

from ..codebook import Codebook, codebook_from_store, codebook_unchanged, import_codebook, load_codebook
from ..errors import CodingError
from ..records import CodeTree
from ..store import Store
from .report import AutocodeReport
from .runner import Workers, run_autocode


def _no_codebook() -> CodingError:
    return CodingError("the project has no codebook; import one with 'coding codebook import FILE' "
                       "or pass --codebook FILE")


def autocode_dry_run(store: Store, codebook: Any = None, **options: Any) -> AutocodeReport:
    """What auto-coding with ``codebook`` (a YAML path, a dict of that shape, a Codebook, or None for the
    project's own) would do; changes nothing. ``options`` as for :func:`run_autocode`."""
    if codebook is None:
        book = codebook_from_store(store)
    elif isinstance(codebook, Codebook):
        book = codebook
    elif isinstance(codebook, dict):
        book = Codebook.from_dict(codebook)
    else:
        book = load_codebook(codebook)
    if not book.codes:
        raise _no_codebook()
    return run_autocode(store, book, dry_run=True, **options)


def autocode_project(store: Store, codebook: Any = None, *, prune: bool = False, workers: Workers | None = None,
                     unit: str = "sentence", include_interviewer: bool = False, jobs: int = 1, force: bool = False,
                     collect: bool = False, progress: Callable[[str], None] | None = None) -> AutocodeReport:
    """Auto-code the project inside the caller's transaction: import ``codebook`` first unless it is the
    file imported last and unchanged, run, and count every automatic coding per top-level theme."""
    if codebook is not None and not codebook_unchanged(store, codebook):
        import_codebook(store, codebook, prune=prune)
    book = codebook_from_store(store)
    if not book.codes:
        raise _no_codebook()
    ids = {row["code"]: row["id"] for row in store.codes()}
    with store.bulk_coding_changes():
        report = run_autocode(store, book, unit=unit, dry_run=False, include_interviewer=include_interviewer,
                              jobs=jobs, force=force, code_ids=ids, collect=collect, progress=progress,
                              workers=workers)
    tree = CodeTree.load(store)
    totals: dict[str, int] = {}
    if report.auto_after is not None:  # the run made every automatic coding: no count needed
        by_code = {ids[slug]: n for slug, n in report.auto_after.items()}
    else:
        by_code = store.auto_coding_counts_by_code()
    for code_id, n in by_code.items():
        if code_id in tree.by_id and n:
            top = tree.by_id[tree.ancestor_at(code_id, 1)]["code"]
            totals[top] = totals.get(top, 0) + n
    report.totals_by_top_level = totals
    return report


def unreached_codes(store: Store, codebook: Any) -> list[str]:
    """The codebook's codes (paths) that nothing reaches in this project: no coding of the code
    or below it, and no rule of it or below it that would fire in the project's respondent
    text (a dry run with ``force``). Empty when the project has no sources."""
    if not store.sources():
        return []
    book = codebook if isinstance(codebook, Codebook) else (
        Codebook.from_dict(codebook) if isinstance(codebook, dict) else load_codebook(codebook))
    planned = autocode_dry_run(store, book, unit="sentence", include_interviewer=False, jobs=1, force=True,
                               collect=True, progress=None).planned
    fired = {p["code"] for p in planned}
    by_id = {row["id"]: row["code"] for row in store.codes()}
    fired |= {by_id[i] for i in store.coded_code_ids() if i in by_id}
    parent = {c.id: c.parent for c in book.codes}
    reached: set[str] = set()
    for code in fired:
        while code is not None and code not in reached:
            reached.add(code)
            code = parent.get(code)
    return [book.path(c.id) for c in book.codes if c.id not in reached]
