"""The main job in one call: transcripts + codebook (+ manifest) in, a folder of report files out.

``run_pipeline(input, codebook=..., out=..., manifest=...)`` makes a new project ``OUT/coding.db``,
imports the transcripts, auto-codes them with the codebook, and writes into ``OUT``:

===============================  ==============================================================
``matrix_role.csv/.xlsx/.png``   themes x role (segments), heatmap
``matrix_municipality.*``        themes x municipality (when the manifest gives municipalities)
``cooccurrence.graphml/.png``    themes that occur in the same respondent turn
``framework.docx/.xlsx``         cases (municipalities) down, themes across; the .xlsx has the
                                 summary cells ``coding summary import`` reads back
``appendix.docx``                case histories, one chapter per municipality
``report.html``, ``report.md``   what was coded, the tables, the figures, quotes per theme
``coding.db``                    the project, to go on with (``coding --project OUT/coding.db ...``)
===============================  ==============================================================

With ``anonymize`` every document is made from the anonymized copy of the project (by its key;
see :mod:`coding.anonymize`); ``coding.db`` itself is the project with the original text.

Everything is built in ``OUT/.pipeline-partial`` and moved into ``OUT`` at the end, so a failed
run leaves an earlier result as it was. An existing ``OUT/coding.db`` is replaced only when an
earlier pipeline run made it and nobody has added work to it since (summaries, case status,
codings that are not automatic, memos); otherwise the run is refused unless ``force``.
"""

from __future__ import annotations

import datetime as _dt
import os
import shutil
import time
from pathlib import Path
from typing import Callable

from .errors import InputError, Refused
from .export.pipeline_report import REPORT_FILES, ReportResult
from .store import Store

CREATED_BY = "coding pipeline"
PARTIAL = ".pipeline-partial"
CASE_ATTRIBUTE = "municipality"
STEPS = 7
OUTPUT_NAMES = REPORT_FILES    # the files a run writes
PipelineResult = ReportResult  # what a run wrote, its notes, counts and seconds: the same record


def _check_inputs(input: Path, codebook: Path, manifest: Path | None, out: Path) -> None:
    if not input.exists():
        raise InputError(input, "no such file or folder")
    if input.is_dir() and out.resolve().is_relative_to(input.resolve()):
        raise InputError(out, f"the output folder must not be inside the input folder {input} "
                              "(its reports would be read as transcripts next time)")
    if not codebook.is_file():
        raise InputError(codebook, "codebook file not found")
    if manifest is not None and not manifest.is_file():
        raise InputError(manifest, "manifest file not found")


def check_replaceable(db: Path, force: bool) -> str | None:
    """Refuse to overwrite a project with someone's work in it; returns a note when replacing."""
    if not db.exists():
        return None
    if force:
        return f"replacing {db} (--force)"
    peek = Store.peek(db)
    if peek is None:
        raise Refused(f"{db} exists and is not a coding project; not replaced. Choose another --out or "
                      "use --force to overwrite it")
    if peek["created_by"] != CREATED_BY:
        raise Refused(f"{db} is a project that the pipeline did not make; not replaced. Choose another --out "
                      "or use --force to replace it")
    work = {k: v for k, v in peek["work"].items() if v}
    if work:
        listed = ", ".join(f"{v} {k}" for k, v in work.items())
        raise Refused(f"{db} holds work added after the pipeline made it ({listed}); not replaced. Choose "
                      "another --out or use --force to replace it")
    return f"replacing {db} (made by an earlier pipeline run, nothing added since)"


def run_pipeline(input: str | Path, *, codebook: str | Path, out: str | Path, manifest: str | Path | None = None,
                 force: bool = False, language: str | None = None, anonymize: bool = False,
                 unreviewed: str = "replace",
                 step: Callable[[int, int, str], None] | None = None,
                 progress: Callable[[str], None] | None = None,
                 notify: Callable[[str], None] | None = None) -> PipelineResult:
    """Run import, auto-coding and every report; ``step(n, total, message)`` reports progress,
    ``notify(text)`` notes and warnings as they come (they are also in ``result.notes``)."""
    from .project import Project

    started = time.perf_counter()
    input, codebook, out = Path(input), Path(codebook), Path(out)
    manifest = Path(manifest) if manifest is not None else None
    _check_inputs(input, codebook, manifest, out)
    result = PipelineResult(out)
    say = step or (lambda n, total, message: None)

    note = check_replaceable(out / "coding.db", force)
    if note:
        result.notes.append(note)
        if notify:
            notify(note)
    out.mkdir(parents=True, exist_ok=True)
    partial = out / PARTIAL
    if partial.exists():
        shutil.rmtree(partial)
    partial.mkdir()
    try:
        project = Project.open(partial / "coding.db")
        try:
            with project.transaction():
                project.store.set_meta("created_by", CREATED_BY)
                project.store.set_meta("pipeline_input", str(input))
                project.store.set_meta("pipeline_codebook", str(codebook))

            say(1, STEPS, f"importing {input}" + (f" with manifest {manifest}" if manifest else ""))
            imported = project.import_paths([input], manifest=manifest, progress=progress, jobs=0)
            for warning in imported.warnings:
                result.notes.append(f"warning: {warning}")
                if notify:
                    notify(f"warning: {warning}")
            result.counts["sources"] = len(project.sources())

            say(2, STEPS, f"auto-coding with {codebook}")
            project.autocode(codebook, progress=progress)
            result.counts["codings"] = project.store.coding_total()

            from .export.pipeline_report import write_all
            if anonymize:  # every document from the anonymized copy; the project itself as it is
                with project.anonymized(unreviewed=unreviewed) as copy:
                    scrub = copy.scrubber.scrub
                    write_all(copy, partial, say=say, steps=STEPS, first_step=3, result=result,
                              input=Path(scrub(str(input))), codebook=Path(scrub(str(codebook))),
                              manifest=Path(scrub(str(manifest))) if manifest else None, language=language,
                              out=Path(scrub(str(out))))
            else:
                write_all(project, partial, say=say, steps=STEPS, first_step=3, result=result,
                          input=input, codebook=codebook, manifest=manifest, language=language)
        finally:
            project.close()
        # move everything into place: the project last, old WAL files first out of the way
        for path in sorted(partial.iterdir()):
            if path.name == "coding.db":
                continue
            os.replace(path, out / path.name)
            result.files.append(out / path.name)
        produced = {p.name for p in result.files}
        for name in OUTPUT_NAMES:  # an earlier run's file this run did not make (no municipality now)
            if name not in produced and (out / name).exists():
                (out / name).unlink()
        for suffix in ("-wal", "-shm"):
            stale = out / f"coding.db{suffix}"
            if stale.exists():
                stale.unlink()
        os.replace(partial / "coding.db", out / "coding.db")
        result.files.append(out / "coding.db")
    finally:
        if partial.exists():
            shutil.rmtree(partial, ignore_errors=True)
    result.seconds = time.perf_counter() - started
    return result


def today() -> str:
    return _dt.date.today().isoformat()
