"""The library API: everything the CLI does, Python can do with the same names.

>>> from coding import Project
>>> project = Project.open("coding.db")
>>> report = project.import_paths(["transcripts_sample"], manifest="transcripts_sample/participants.csv")
>>> project.sources()[0]["name"]
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Callable, Iterable, Iterator

from . import importing
from .errors import NotFound
from .records import participant_records, source_records, source_view, INTERVIEWER_ROLE, CodeTree, coding_records
from .store import Store


class Project:
    """One project file (SQLite). Every public method that changes it is atomic."""

    def __init__(self, store: Store):
        self.store = store

    @classmethod
    def open(cls, path: str | Path = "coding.db", *, on_wait: Callable[[str], None] | None = None) -> "Project":
        """Open (or create) a project file. ``on_wait`` is told when a change has to wait for another
        program writing to the same project (it waits; it never fails with "database is locked")."""
        path = Path(path)
        if path.parent and not path.parent.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
        return cls(Store(path, on_wait=on_wait))

    @property
    def path(self) -> str:
        return self.store.path

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> "Project":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator["Project"]:
        """Group several calls into one all-or-nothing change."""
        with self.store.transaction():
            yield self

    # ------------------------------------------------------------------ import
    def import_paths(self, paths: Iterable[str | Path], *, manifest: str | Path | None = None,
                     replace: bool = False,
                     progress: Callable[[str], None] | None = None) -> importing.ImportReport:
        """Import transcripts (files or folders) and optionally apply a manifest, all or nothing."""
        from .search import update_index

        with self.store.transaction():
            report = importing.import_paths(self.store, list(paths), manifest=manifest, replace=replace,
                                            progress=progress)
            update_index(self.store, progress=progress)     # the search index of new or changed texts
            if self.store.anonymization_scans():  # a scanned project: scan what is new, at once
                from .anonymize.key import scan
                scan(self.store, only_new=True)
            return report

    def apply_manifest(self, manifest: str | Path) -> importing.ImportReport:
        report = importing.ImportReport()
        with self.store.transaction():
            importing.apply_manifest(self.store, manifest, report)
        return report

    # ------------------------------------------------------------------ looking
    def source(self, name: str):
        row = self.store.source_by_name(name)
        if row is None:
            known = ", ".join(r["name"] for r in self.store.sources()[:10])
            raise NotFound(f"no source named '{name}' in the project" + (f" (sources: {known} ...)" if known else ""))
        return row

    def sources(self) -> list[dict]:
        return source_records(self.store)

    def participants(self) -> list[dict]:
        return participant_records(self.store)

    def show(self, name: str) -> dict:
        """A source as turns with speaker, participant, role, timestamps, text and codes."""
        return source_view(self.store, self.source(name))

    def codes(self) -> CodeTree:
        return CodeTree.load(self.store)

    def codings(self, *, code: str | None = None, coder: str | None = None, origin: str | None = None,
                source: str | None = None, where: dict[str, str] | None = None,
                include_interviewer: bool = True) -> list[dict]:
        """Codings with their text, code path, coder, origin and who spoke (see coding.records)."""
        return coding_records(self.store, code=code, coder=coder, origin=origin, source=source,
                              where=where, include_interviewer=include_interviewer)

    # ------------------------------------------------------------------ codebook and auto-coding (issue 3)
    def import_codebook(self, codebook, prune: bool = False):
        """Make a codebook (YAML path, dict of that shape, or Codebook) the project's codes, all or nothing.

        Codes that leave the codebook while they have codings refuse the import unless ``prune``."""
        from .codebook import import_codebook

        with self.store.transaction():
            return import_codebook(self.store, codebook, prune=prune)

    def codebook_problems(self, path: str | Path) -> list:
        """Every problem of a YAML codebook, with file and line (empty when valid); changes nothing."""
        from .codebook import codebook_problems

        return codebook_problems(path)

    def codebook(self):
        """The project's codebook as a :class:`coding.codebook.Codebook`."""
        from .codebook import codebook_from_store

        return codebook_from_store(self.store)

    def codebook_records(self, language: str = "da") -> list[dict]:
        """One row per code (depth-first) with labels, definition, rules and coding counts."""
        from .codebook import codebook_records

        return codebook_records(self.store, language)

    def export_codebook(self, fmt: str, path: str | Path, language: str = "da") -> Path:
        """Write the codebook as yaml, docx (report appendix table) or xlsx."""
        from .export.codebook import export_codebook

        return export_codebook(self.store, fmt, path, language)

    def autocode(self, codebook=None, unit: str = "sentence", dry_run: bool = False,
                 include_interviewer: bool = False, jobs: int = 1, progress: Callable[[str], None] | None = None,
                 force: bool = False, prune: bool = False, collect: bool = False):
        """Auto-code respondent turns with the codebook's rules; returns an AutocodeReport.

        ``codebook`` (a YAML path, dict or Codebook) is imported first (in the same transaction);
        without it the project's codebook is used. Earlier automatic codings are replaced, other
        codings never touched; unchanged sources are skipped unless ``force``. ``dry_run`` changes
        nothing (``collect`` keeps the would-be codings in ``report.planned``)."""
        from .autocode import autocode_dry_run, autocode_project, early_workers

        options = dict(unit=unit, include_interviewer=include_interviewer, jobs=jobs, force=force, collect=collect,
                       progress=progress)
        if dry_run:
            return autocode_dry_run(self.store, codebook, **options)
        with early_workers(self.store, jobs) as workers, self.store.transaction(journals_in_memory=True):
            return autocode_project(self.store, codebook, prune=prune, workers=workers, **options)

    def unreached_codes(self, codebook) -> list[str]:
        """The codebook's codes (paths) that nothing reaches in this project: no coding of the code
        or below it, and no rule of it or below it that would fire in the project's respondent
        text (a dry run with ``force``). Empty when the project has no sources. Tables leave these
        codes out unless asked for (``matrix(empty_codes=True)``)."""
        from .autocode import unreached_codes

        return unreached_codes(self.store, codebook)

    # ------------------------------------------------------------------ analysis (issue 4)
    def segments(self, *, code: str | None = None, coder: str | None = None, origin: str | None = None,
                 source: str | None = None, where: dict[str, str] | None = None,
                 include_interviewer: bool = False, level: int | None = None, rollup: bool = False,
                 language: str | None = None, anonymize: bool = False, unreviewed: str = "replace"):
        """Coded segments as a pandas DataFrame, one row per segment.

        ``segments(code=None, coder=None, origin=None, source=None, where=None,
        include_interviewer=False, level=None, rollup=False, language=None)``

        A segment is one or more overlapping or touching codings of the same code by the same coder
        in one source. Columns: source, code, code_path, label, coder, start, end, text, codings
        (merged), words, turn, timestamp, speaker, participant (respondent turns the segment
        overlaps, joined with "; "), then every participant/source attribute (e.g. role,
        municipality; participant first, then source). Interviewer turns are left out unless
        ``include_interviewer``; a segment only in interviewer turns is left out. ``code`` keeps
        that code and its descendants; ``where`` keeps attributed parts with these attribute
        values. Each segment is listed under its own code, or with ``level`` under its ancestor at
        that depth (1 = top-level themes); ``rollup=True`` lists under every code (up to ``level``)
        the segments of its whole subtree merged, which is what :meth:`matrix` counts.
        """
        if anonymize:
            with self.anonymized(unreviewed=unreviewed) as copy:
                return copy.segments(code=code, coder=coder, origin=origin, source=copy.anonymized_source(source),
                                     where=copy.anonymized_where(where), include_interviewer=include_interviewer,
                                     level=level, rollup=rollup, language=language)
        from .analysis.segment_list import segments_frame
        return segments_frame(self.store, code=code, coder=coder, origin=origin, source=source, where=where,
                              include_interviewer=include_interviewer, level=level, rollup=rollup,
                              language=language)

    def matrix(self, rows: str = "code", cols=("role",), *, count: str = "segments", level: int | None = None,
               code: str | None = None, coder: str | None = None, origin: str | None = None,
               source: str | None = None, where: dict[str, str] | None = None, normalize: str = "none",
               include_interviewer: bool = False, language: str | None = None, empty_codes: bool = False,
               anonymize: bool = False, unreviewed: str = "replace"):
        """A code x attribute (or attribute x code, or attribute x attribute) table as a DataFrame.

        ``matrix(rows="code", cols=["role"], count="segments"|"participants"|"sources"|"words",
        level=None, code=None, coder=None, origin=None, source=None, where=None,
        normalize="none"|"row"|"col"|"total", include_interviewer=False, language=None)``

        ``rows``/``cols``: "code", an attribute (role, municipality ...), "source", "participant" or
        "coder"; two or more ``cols`` give combined columns labelled "Nordby / Leder". The index is
        named after the row dimension (code rows: their code_path, all codes of the codebook up to
        ``level`` in codebook order, a parent counting its subtree; codes without any coding in the
        project, themselves or below, are left out unless ``empty_codes`` or nothing is coded yet); columns are the values in
        sorted order, then ``Total``: the row's value with the columns taken away, counted the same
        way (distinct segments, participants, sources; not a sum). Normalised values are percent.
        ``frame.attrs`` holds rows, cols, count, normalize, language, col_keys (one tuple per
        column), row_labels/col_labels (code labels in the language). See coding.analysis.matrix.
        """
        if anonymize:  # case and participant labels (and sources) as pseudonyms
            with self.anonymized(unreviewed=unreviewed) as copy:
                return copy.matrix(rows, cols, count=count, level=level, code=code, coder=coder, origin=origin,
                                   source=copy.anonymized_source(source), where=copy.anonymized_where(where),
                                   normalize=normalize, include_interviewer=include_interviewer, language=language,
                                   empty_codes=empty_codes)
        from .analysis.matrix import matrix
        return matrix(self.store, rows=rows, cols=cols, count=count, level=level, code=code, coder=coder,
                      origin=origin, source=source, where=where, normalize=normalize,
                      include_interviewer=include_interviewer, language=language, empty_codes=empty_codes)

    def export_matrix_docx(self, path: str | Path, rows: str = "code", cols=("municipality",), *,
                           quotes: bool = False, anonymize: bool = False, unreviewed: str = "replace",
                           title: str | None = None, **options) -> Path:
        """The matrix as a Word table in the style of the reports' CASE tables: the values of
        ``cols`` across, the themes (``rows``) down, counts, the total per row ("I alt" in Danish),
        a caption saying what is counted; ``quotes``: the best quote of each theme and column in its
        cell (code rows and one column dimension; a sentence serves one theme). ``options`` are
        those of :meth:`matrix`; ``anonymize`` writes it from the anonymized project."""
        from .errors import CodingError
        from .export.matrix_docx import write_matrix_docx

        cols = [cols] if isinstance(cols, str) else list(cols)
        if anonymize:
            with self.anonymized(unreviewed=unreviewed) as copy:
                options["where"] = copy.anonymized_where(options.get("where"))
                options["source"] = copy.anonymized_source(options.get("source"))
                return copy.export_matrix_docx(path, rows, cols, quotes=quotes, title=title, **options)
        if quotes and (rows != "code" or len(cols) != 1 or "code" in cols):
            raise CodingError("quotes in the cells need code rows and one column dimension (--cols municipality)")
        frame = self.matrix(rows, cols, **options)
        cell_quotes = None
        if quotes:
            by_slug = {path_.split("/")[-1]: path_ for path_ in frame.index}
            filters = {k: options[k] for k in ("coder", "origin", "source", "where", "include_interviewer",
                                               "language") if options.get(k) is not None}
            chosen = self.quotes_for_themes(list(by_slug), by=cols[0], limit=1, **filters)
            cell_quotes = {(by_slug[slug], row["group"]): row for slug, frame_ in chosen.items()
                           for row in frame_.to_dict("records")}
        return write_matrix_docx(frame, path, quotes=cell_quotes, title=title)

    def cooccurrence(self, *, unit: str = "turn", level: int | None = None, code: str | None = None,
                     coder: str | None = None, origin: str | None = None, source: str | None = None,
                     where: dict[str, str] | None = None, include_interviewer: bool = False,
                     language: str | None = None):
        """Pairs of codes that occur together, as a DataFrame sorted by count.

        ``cooccurrence(unit="turn"|"segment", level=None, code=None, coder=None, origin=None,
        source=None, where=None, include_interviewer=False, language=None)``

        Columns: code_a, code_b, label_a, label_b, count (units with both), n_a, n_b (units with
        each), jaccard. ``frame.attrs["frequency"]`` gives the units per code. Turn: both codes in
        the same respondent turn; segment: overlapping segments. See coding.analysis.cooccurrence.
        """
        from .analysis.cooccurrence import cooccurrence
        return cooccurrence(self.store, unit=unit, level=level, code=code, coder=coder, origin=origin,
                            source=source, where=where, include_interviewer=include_interviewer,
                            language=language)

    def cooccurrence_graph(self, path: str | Path | None = None, *, min_count: int = 1, **filters):
        """The co-occurrence network (networkx Graph); written as .graphml, .gexf or .png if ``path``."""
        from .analysis.cooccurrence import graph
        from .export.plots import write_graph
        from .export.plots import words
        frame = self.cooccurrence(**filters)
        g = graph(frame, min_count=min_count)
        if path is not None:
            write_graph(g, path, title=words(frame.attrs["language"])["cooccurrence"])
        return g

    def quotes(self, code: str, *, by: str = "role", limit: int | None = None, coder: str | None = None,
               origin: str | None = None, source: str | None = None, where: dict[str, str] | None = None,
               include_interviewer: bool = False, min_chars: int = 60, max_chars: int = 400,
               language: str | None = None, anonymize: bool = False, unreviewed: str = "replace"):
        """Quotes for a code (its sub-codes included), grouped by an attribute, best first.

        ``quotes(code, by="role", limit=None, coder=None, origin=None, source=None, where=None,
        include_interviewer=False, min_chars=60, max_chars=400, language=None)``

        A DataFrame with columns group (the ``by`` value), text (whole sentences of the turn),
        attribution ("Virksomhedskonsulent, Nordby"), source, turn, timestamp, speaker, participant,
        start, end, score, complete, relevance (how strongly the code's own rules, or a person,
        hold the passage), reviewed ("hand", "accepted" or ""), evidence (the rules and coders behind
        it); reviewed quotes first, then spread over people and interviews, best score first;
        ``limit`` quotes per group. See coding.analysis.quotes.
        """
        if anonymize:
            with self.anonymized(unreviewed=unreviewed) as copy:
                return copy.quotes(code, by=by, limit=limit, coder=coder, origin=origin,
                                   source=copy.anonymized_source(source), where=copy.anonymized_where(where),
                                   include_interviewer=include_interviewer, min_chars=min_chars,
                                   max_chars=max_chars, language=language)
        from .analysis.quotes import quotes
        return quotes(self.store, code=code, by=by, limit=limit, coder=coder, origin=origin, source=source,
                      where=where, include_interviewer=include_interviewer, min_chars=min_chars,
                      max_chars=max_chars, language=language)

    def quotes_for_themes(self, codes: list[str], *, by: str = "role", limit: int | None = 1, **filters):
        """Quotes for several codes at once, {code: DataFrame as :meth:`quotes` gives it}, where a
        sentence serves one code only (the one whose rules hold it most strongly): a report's table
        of quotes per theme. ``filters`` are those of :meth:`quotes`."""
        from .analysis.quotes import quotes_for_themes
        return quotes_for_themes(self.store, codes, by=by, limit=limit, **filters)

    # ------------------------------------------------------------------ summaries, case status, reports (issue 5)
    def set_summary(self, case: str, theme: str, text: str, *, case_by: str = "municipality") -> dict:
        """Write the analyst's summary of one case and theme (empty text removes it)."""
        from . import summaries
        with self.store.transaction():
            return summaries.set_summary(self.store, case_by, case, theme, text)

    def summaries(self, case_by: str | None = None) -> list[dict]:
        from . import summaries
        return summaries.list_summaries(self.store, case_by)

    def import_summaries(self, path: str | Path) -> dict:
        """Read the summary cells of a framework workbook back, all or nothing."""
        from . import summaries
        with self.store.transaction():
            return summaries.import_summaries(self.store, path)

    def set_case_status(self, case: str, status: str, *, date: str | None = None,
                        case_by: str = "municipality") -> dict:
        """Record where a case history stands with its informants: draft, sent or approved."""
        from . import summaries
        with self.store.transaction():
            return summaries.set_case_status(self.store, case_by, case, status, date)

    def case_statuses(self, case_by: str = "municipality") -> list[dict]:
        from . import summaries
        return summaries.case_statuses(self.store, case_by)

    def case_model(self, case_by: str, *, themes: list[str] | None = None,
                   where: dict[str, str] | None = None, language: str | None = None):
        """Cases x themes with counts, participants, summaries and quotes (coding.analysis.cases)."""
        from .analysis.cases import build_model
        return build_model(self, case_by, themes=themes, where=where, language=language)

    def export_framework(self, path: str | Path, *, case_by: str, themes: list[str] | None = None,
                         where: dict[str, str] | None = None, language: str | None = None,
                         anonymize: bool = False, template: str | Path | None = None,
                         unreviewed: str = "replace"):
        """The framework matrix as .docx (landscape table) or .xlsx (with summary cells to fill in)."""
        from .errors import InputError
        suffix = Path(path).suffix.lower()
        if suffix not in (".docx", ".xlsx"):
            raise InputError(path, f"the framework matrix is written as .docx or .xlsx, not '{suffix or '(none)'}'")
        if anonymize:
            from .anonymize import AlreadyAnonymized
            with self.anonymized(case_by=case_by, unreviewed=unreviewed) as copy:
                return copy._export_framework(path, case_by, themes, copy.anonymized_where(where), language,
                                              template, AlreadyAnonymized())
        return self._export_framework(path, case_by, themes, where, language, template, None)

    def _export_framework(self, path, case_by, themes, where, language, template, names):
        from .export import framework
        model = self.case_model(case_by, themes=themes, where=where, language=language)
        if Path(path).suffix.lower() == ".docx":
            framework.write_docx(model, path, template=template, anonymizer=names)
        else:
            framework.write_xlsx(model, path, anonymizer=names)
        return model

    def export_narratives(self, path: str | Path, *, case_by: str, themes: list[str] | None = None,
                          where: dict[str, str] | None = None, language: str | None = None,
                          anonymize: bool = False, template: str | Path | None = None,
                          quotes_per_theme: int | None = 5, title: str | None = None,
                          unreviewed: str = "replace"):
        """The case-history appendix (.docx): a chapter per case with status, interviews and quotes."""
        from .errors import InputError
        if Path(path).suffix.lower() != ".docx":
            raise InputError(path, "the case-history appendix is written as .docx")
        if anonymize:
            from .anonymize import AlreadyAnonymized
            with self.anonymized(case_by=case_by, unreviewed=unreviewed) as copy:
                return copy._export_narratives(path, case_by, themes, copy.anonymized_where(where), language,
                                               template, quotes_per_theme, title, AlreadyAnonymized())
        return self._export_narratives(path, case_by, themes, where, language, template, quotes_per_theme,
                                       title, None)

    def _export_narratives(self, path, case_by, themes, where, language, template, quotes_per_theme, title, names):
        from .export import narratives
        model = self.case_model(case_by, themes=themes, where=where, language=language)
        narratives.write_docx(model, path, template=template, anonymizer=names,
                              quotes_per_theme=quotes_per_theme, title=title)
        return model

    # ------------------------------------------------------------------ anonymization (issue 23)
    def anonymize_scan(self, *, only_new: bool = False) -> list:
        """Find personal data in the sources and store the findings; returns one review row per
        distinct finding (kind, text, count, sources, context, proposed replacement, decision)."""
        from .anonymize.key import scan
        with self.store.transaction():
            return scan(self.store, only_new=only_new)

    def write_anonymization_review(self, rows: list, path: str | Path) -> Path:
        """The review workbook (.xlsx) of :meth:`anonymize_scan`'s rows."""
        from .anonymize.key import project_language
        from .anonymize.sheet import write_review
        return write_review(rows, path, project_language(self.store))

    def anonymize_apply(self, path: str | Path) -> dict:
        """Store the decisions of a filled-in review workbook as the project's anonymization key;
        a bad row refuses the whole sheet (every bad row named with its row number)."""
        from .anonymize.key import apply_decisions
        from .anonymize.sheet import read_review
        rows = read_review(path)
        with self.store.transaction():
            return apply_decisions(self.store, rows)

    def anonymize_status(self) -> dict:
        """What is not reviewed: sources not scanned since they changed, findings without a decision."""
        from .anonymize.key import status
        return status(self.store)

    @contextlib.contextmanager
    def anonymized(self, *, case_by: str | None = None, unreviewed: str = "replace") -> Iterator["Project"]:
        """``with project.anonymized() as copy:`` a throw-away anonymized copy of the project (by the
        key; findings never reviewed replaced unless ``unreviewed="keep"``) to make outputs from."""
        from .anonymize.copy import anonymized_copy
        with anonymized_copy(self.store, case_by=case_by, unreviewed=unreviewed) as (store, scrubber):
            copy = AnonymizedProject(store)
            copy.scrubber = scrubber
            yield copy

    # ------------------------------------------------------------------ manual coding, agreement (issue 6)
    def import_codings(self, path: str | Path) -> dict[str, int]:
        """Add codings from a spreadsheet (.xlsx/.csv: source, code, coder, start+end or turn); all or nothing."""
        from .importing import import_codings_sheet

        with self.store.transaction():
            return import_codings_sheet(self.store, path)

    def export_docx(self, source: str, path: str | Path, *, coder: str | None = None) -> dict[str, int]:
        """Write a source as .docx with its codings (of one coder, or all) as Word comments."""
        from .export.docx_comments import export_docx

        self.source(source)
        return export_docx(self.store, source, path, coder=coder)

    def agreement(self, coders: list[str], *, unit: str = "turn", codes: list[str] | None = None,
                  exclusive: bool = False, include_interviewer: bool = False) -> dict:
        """Percent agreement, Cohen's kappa and Krippendorff's alpha per code and overall, and
        disagreements; over respondents' turns unless ``include_interviewer``."""
        from .analysis.agreement import agreement

        return agreement(self.store, coders, unit=unit, codes=codes, exclusive=exclusive,
                         include_interviewer=include_interviewer)


    # ------------------------------------------------------------------ REFI-QDA (issue 7)
    def export_qdpx(self, path: str | Path, *, name: str | None = None, language: str | None = None,
                    anonymize: bool = False, unreviewed: str = "replace") -> dict:
        """Write the project as a REFI-QDA project (.qdpx); returns counts of what was written.

        ``language`` picks the code label that becomes the REFI code name (default: the sources' main
        language). ``anonymize`` writes the anonymized project: texts by the key, codings moved with
        them, pseudonyms for cases, people and interviews."""
        from .refi import export_qdpx

        if anonymize:
            with self.anonymized(unreviewed=unreviewed) as copy:
                return export_qdpx(copy.store, path, name=copy.scrubber.scrub(name) if name else None,
                                   language=language)
        return export_qdpx(self.store, path, name=name, language=language)

    def import_qdpx(self, path: str | Path) -> importing.ImportReport:
        """Import a REFI-QDA project (.qdpx) into this project, all or nothing."""
        from .refi import import_qdpx

        from .search import update_index

        report = importing.ImportReport()
        with self.store.transaction():
            import_qdpx(self.store, Path(path), report)
            update_index(self.store)
        return report

    def export_qdc(self, path: str | Path, *, language: str | None = None) -> int:
        """Write the codebook as a REFI-QDA codebook (.qdc); returns the number of codes."""
        from .refi import write_qdc
        from .refi.writer import project_language

        return write_qdc(self.codes(), path, language=language or project_language(self.store))

    def import_qdc(self, path: str | Path, *, language: str | None = None) -> dict[str, int]:
        """Add the codes of a REFI-QDA codebook (.qdc): matched by GUID, then by name under the same
        parent; matched codes are left as they are. Returns {"new": n, "matched": m}."""
        from .refi import import_qdc
        from .refi.writer import project_language

        with self.store.transaction():
            return import_qdc(self.store, path, language=language or project_language(self.store))

    def refi_cases(self) -> list[dict]:
        """The cases a REFI export writes: one per municipality and one per participant."""
        from .refi import project_cases

        return project_cases(self.store)

    # ------------------------------------------------------------------ text search, word frequency (issue 25)
    def search(self, query: str, *, where: dict[str, str] | None = None, code: str | None = None,
               source: str | Iterable[str] | None = None, context: int = 8, exact: bool = False,
               include_interviewer: bool = False) -> list[dict]:
        """Keyword in context: every hit of ``query`` in what was said, by source and position.

        ``search(query, where=None, code=None, source=None, context=8, exact=False,
        include_interviewer=False)``

        The query: words (lemma-aware: "borger" finds borgerne, borgerens; Danish compounds as the
        auto-coder finds them: "konsulent" finds virksomhedskonsulenten), ``"two words"`` for a
        phrase, ``word*`` wildcards, AND / OR / NOT (within a turn) and parentheses; ``exact``
        finds the literal form only. Records: source, turn, speaker, participant, role, timestamp,
        start, end (character offsets of the match), before, match, after (``context`` words each
        side, within the turn). Interviewer turns are left out unless ``include_interviewer``;
        ``where`` keeps speakers (or sources) with these attribute values, ``code`` text coded
        with that code or one below it, ``source`` one source or several. See coding.search.
        """
        from .search import search

        return search(self.store, query, where=where, code=code, source=source, context=context, exact=exact,
                      include_interviewer=include_interviewer)

    def code_search_hits(self, query: str, *, code_as: str, coder: str, unit: str = "sentence",
                         where: dict[str, str] | None = None, code: str | None = None,
                         source: str | Iterable[str] | None = None, exact: bool = False,
                         include_interviewer: bool = False) -> dict:
        """Code the sentence (or ``unit="turn"``) around every hit of ``query`` with ``code_as``
        for ``coder`` (origin ``search``), all or nothing; units this coder has coded with that
        code already are left alone. Returns hits, units, new and already."""
        from .search import code_hits

        with self.store.transaction():
            return code_hits(self.store, query, code=code_as, coder=coder, unit=unit, where=where, within=code,
                             source=source, exact=exact, include_interviewer=include_interviewer)

    def words(self, *, where: dict[str, str] | None = None, by: str | None = None, top: int = 50,
              code: str | None = None, source: str | Iterable[str] | None = None,
              include_interviewer: bool = False):
        """Word frequency by lemma in what was said, stop words of the language left out.

        ``words(where=None, by=None, top=50, code=None, source=None, include_interviewer=False)``
        returns a :class:`coding.search.WordFrequency`: ``records`` with word (the lemma), count,
        share (percent of the words counted), sources, forms (its most frequent forms) and, with
        ``by`` (an attribute such as role), a count per value over the ``top`` words of every value.
        """
        from .search import words

        return words(self.store, where=where, by=by, top=top, code=code, source=source,
                     include_interviewer=include_interviewer)

    def update_search_index(self) -> int:
        """Index the sources whose text the search index does not hold yet; returns how many."""
        from .search import update_index

        with self.store.transaction():
            return update_index(self.store)


    # ------------------------------------------------------------------ memos (issue 25)
    def add_memo(self, text: str, *, source: str | None = None, code: str | None = None,
                 coding: int | None = None, author: str | None = None, start: int | None = None,
                 end: int | None = None) -> dict:
        """Add a memo on the project (no target), a source (or a span of it: start, end), a code or a
        coding (by id); returns it as a record (id, on, target, author, created_at, text ...)."""
        from . import memos
        with self.store.transaction():
            return memos.add_memo(self.store, text, source=source, code=code, coding=coding, author=author,
                                  start=start, end=end)

    def memos(self, *, source: str | None = None, code: str | None = None, author: str | None = None,
              on: str | None = None) -> list[dict]:
        """Every memo with what it is on (project, source, span, code, coding), author and times."""
        from . import memos
        return memos.list_memos(self.store, source=source, code=code, author=author, on=on)

    def memo(self, memo_id: int) -> dict:
        from . import memos
        return memos.get_memo(self.store, memo_id)

    def edit_memo(self, memo_id: int, text: str) -> dict:
        from . import memos
        with self.store.transaction():
            return memos.edit_memo(self.store, memo_id, text)

    def delete_memo(self, memo_id: int) -> dict:
        from . import memos
        with self.store.transaction():
            return memos.delete_memo(self.store, memo_id)

    # ------------------------------------------------------------------ the workspace: coding by hand, review (issue 26)
    def add_coding(self, source: str, start: int, end: int, code, coder: str, *, memo: str | None = None) -> dict:
        """Code characters [start, end) of ``source`` with ``code`` (slug, path, label or id) as ``coder``.

        >>> project.add_coding("nordby_borger.txt", 120, 180, "belief", "anna")["id"]

        Bad offsets, an unknown source or code raise (:class:`coding.annotate.BadRequest`,
        :class:`coding.errors.NotFound`) and nothing is written."""
        from . import annotate

        with self.store.transaction():
            return annotate.add_coding(self.store, source, start, end, code, coder, memo)

    def delete_coding(self, coding_id: int) -> dict:
        """Remove one coding by id; returns what it was."""
        from . import annotate

        with self.store.transaction():
            return annotate.delete_coding(self.store, coding_id)

    def coding(self, coding_id: int) -> dict:
        """One coding by id, with its text."""
        from . import annotate

        return annotate.coding_record(self.store, coding_id)

    def proposals(self, *, code: str | None = None, source: str | None = None, limit: int = 50,
                  after: int = 0) -> dict:
        """The auto-coder's codings waiting for review, with rule and matched words: {"total", "proposals"}."""
        from . import annotate

        return annotate.proposals(self.store, code=code, source=source, limit=limit, after=after)

    def review(self, coding_id: int, decision: str, reviewer: str) -> dict:
        """Accept (it becomes the reviewer's own coding) or reject an automatic coding; recorded
        either way, and a later auto-coding run does not propose that span and code again."""
        from . import annotate

        with self.store.transaction():
            return annotate.review(self.store, coding_id, decision, reviewer)

    def reviews(self) -> list[dict]:
        """Every review: source, start, end, code, decision, reviewer, rule, matched, time."""
        return [{k: r[k] for k in ("source", "start", "end", "code", "decision", "reviewer", "rule", "matched",
                                   "coding_id", "created_at")} for r in self.store.reviews()]

    def acceptance(self, language: str = "da") -> list[dict]:
        """Per code: accepted, rejected and waiting proposals and the acceptance rate."""
        from . import annotate

        return annotate.acceptance(self.store, language)

    def coder_counts(self) -> dict[str, dict[str, int]]:
        """Codings per source and coder: {source name: {coder: n}}."""
        from . import annotate

        return annotate.coder_counts(self.store)

    def coders(self) -> list[str]:
        """Everyone who has codings in the project (the auto-coder too)."""
        return self.store.coders()

    def source_record(self, name: str) -> dict:
        """A source whole, for programs: text, attributes, turns and codings with their ids."""
        from . import annotate

        return annotate.source_record(self.store, name)

    def source_page(self, name: str, page: int = 1, *, coder: str | None = None, origin: str | None = None,
                    at: int | None = None) -> dict:
        """One page of a source for reading: its blocks (turns, or parts of a long turn) with speaker,
        role and text, and the codings on them (filtered by coder and origin). ``at`` (a character
        offset) picks the page that holds it."""
        from . import reading

        return reading.source_page(self.store, name, page, coder=coder, origin=origin, at=at)


    # ------------------------------------------------------------------ code management (issue 25)
    def rename_code(self, old: str, new: str, *, labels: dict[str, str] | None = None) -> dict:
        """Give a code a new id (and with ``labels`` {lang: text} new labels); codings stay on it."""
        from . import codes
        with self.store.transaction():
            return codes.rename_code(self.store, old, new, labels)

    def merge_code(self, source: str, target: str) -> dict:
        """Move code ``source``'s codings (memos, summaries, child codes, rules) to ``target``;
        codings that become equal are one; ``source`` disappears. Returns counts."""
        from . import codes
        with self.store.transaction():
            return codes.merge_codes(self.store, source, target)

    def move_code(self, code: str, parent: str | None) -> dict:
        """Put a code under ``parent`` (None: at the top level)."""
        from . import codes
        with self.store.transaction():
            return codes.move_code(self.store, code, parent)

    def code_delete_plan(self, code: str) -> dict:
        from . import codes
        return codes.code_delete_plan(self.store, code)

    def delete_code(self, code: str, *, with_codings: bool = False) -> dict:
        """Delete a code; refused while it has codings unless ``with_codings``; children move up."""
        from . import codes
        with self.store.transaction():
            return codes.delete_code(self.store, code, with_codings=with_codings)

    def count_codings(self, *, coder: str | None = None, code: str | None = None, source: str | None = None,
                      ids: list[int] | None = None) -> dict:
        """How many codings :meth:`remove_codings` would delete (``text``: by origin; ``missing`` ids)."""
        from . import codes
        return codes.count_codings(self.store, coder=coder, code=code, source=source, ids=ids)

    def remove_codings(self, *, coder: str | None = None, code: str | None = None, source: str | None = None,
                       ids: list[int] | None = None) -> dict:
        """Delete codings by id, or by coder / code (with descendants) / source, with their memos."""
        from . import codes
        with self.store.transaction():
            return codes.remove_codings(self.store, coder=coder, code=code, source=source, ids=ids)


    # ------------------------------------------------------------------ survey answers (issue 25)
    def import_survey(self, path: str | Path, *, id_column: str | None = None,
                      text_columns: list[str] | None = None, attribute_columns: list[str] | None = None,
                      by: str = "question", replace: bool = False):
        """Import a survey export (.xlsx/.csv, one row per respondent): respondents become participants
        with the attribute columns, each non-empty answer a turn of its respondent, one source per
        question (``by="question"``) or per respondent; all or nothing. Returns a SurveyReport."""
        from .survey import import_survey
        with self.store.transaction():
            return import_survey(self.store, path, id_column=id_column, text_columns=text_columns,
                                 attribute_columns=attribute_columns, by=by, replace=replace)


    # ------------------------------------------------------------------ coding sheets (issue 25)
    def export_sheet(self, path: str | Path, *, sources: list[str] | None = None, unit: str = "turn",
                     coder: str = "", language: str | None = None, include_interviewer: bool = False,
                     anonymize: bool = False, unreviewed: str = "replace") -> dict:
        """Write a coding sheet (.xlsx) to fill in and read back with :meth:`import_codings`: one row per
        turn or sentence, a code column offering the codebook's labels, the coder's name, a memo column.

        ``anonymize``: interviews, speakers and text as the anonymized copy shows them, the project's
        own offsets kept, so that the filled-in sheet imports back into this project."""
        from .export.coding_sheet import write_sheet
        from .refi.reader import project_language
        language = language or project_language(self.store)
        if anonymize:
            from .anonymize.copy import AnonymizedSheet
            with self.anonymized(unreviewed=unreviewed) as copy:
                shown = AnonymizedSheet(self.store, copy.store, copy.scrubber).rows
                return write_sheet(self.store, path, sources=sources, unit=unit, coder=coder, language=language,
                                   include_interviewer=include_interviewer, shown=shown)
        return write_sheet(self.store, path, sources=sources, unit=unit, coder=coder, language=language,
                           include_interviewer=include_interviewer)


class AnonymizedProject(Project):
    """A project that is an anonymized copy (:meth:`Project.anonymized`): the same methods, made
    from pseudonymised data; filters given with real values are translated."""

    scrubber = None

    def export_framework(self, path, *, case_by, themes=None, where=None, language=None, anonymize=False,
                         template=None, unreviewed="replace"):
        from .anonymize import AlreadyAnonymized
        return self._export_framework(path, case_by, themes, where, language, template, AlreadyAnonymized())

    def export_narratives(self, path, *, case_by, themes=None, where=None, language=None, anonymize=False,
                          template=None, quotes_per_theme=5, title=None, unreviewed="replace"):
        from .anonymize import AlreadyAnonymized
        return self._export_narratives(path, case_by, themes, where, language, template, quotes_per_theme,
                                       title, AlreadyAnonymized())

    def anonymized_where(self, where: dict[str, str] | None) -> dict[str, str] | None:
        """``--where municipality=Nordby`` in the copy: ``municipality=Case 2``."""
        if not where or self.scrubber is None:
            return where
        p = self.scrubber.pseudonyms
        out = {}
        for name, value in where.items():
            if name in p.hidden:
                value = p.hidden[name].get(value, value)
            elif name == p.case_by and name != "role":
                value = p.cases.get(value, value)
            elif name == "participant":
                value = p.participant(value)
            out[name] = value
        return out

    def anonymized_source(self, name: str | None) -> str | None:
        if name is None or self.scrubber is None:
            return name
        return self.scrubber.pseudonyms.sources.get(name, name)


__all__ = ["Project", "INTERVIEWER_ROLE"]
