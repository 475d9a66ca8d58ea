"""Sources: importing transcripts, manifests, Word comments, spreadsheets, survey answers and REFI-QDA projects; looking at what is there; coding sheets.

Mixed into :class:`coding.Project`; each method a few lines that call the domain packages and own
the transaction."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable

from ..errors import NotFound
from ..records import participant_records, source_records, source_view, CodeTree
from ..store import Store

if TYPE_CHECKING:  # the readers of every format are loaded by the methods that import, not by every command
    from .. import importing


class MaterialMethods:
    store: Store

    # ------------------------------------------------------------------ import
    def import_paths(self, paths: Iterable[str | Path], *, manifest: str | Path | None = None,
                     replace: bool = False,
                     progress: Callable[[str], None] | None = None,
                     single_speaker: str | None = None, skip_bad: bool = False,
                     count: Callable[[int], None] | None = None, jobs: int = 1) -> importing.ImportReport:
        """Import transcripts (files or folders) and optionally apply a manifest, all or nothing:
        every file is checked and every problem reported at once (:class:`importing.ImportFailed`);
        ``skip_bad`` imports the good files and lists the bad ones in the report instead.
        ``single_speaker`` reads files without speaker labels as the words of that one person.
        ``jobs`` > 1 reads the files ahead in that many worker processes; 0: one per core when
        there are enough files to pay for them."""
        from .. import importing
        from ..analysis.sentences import keep_sentences
        from ..search import update_index

        with self.store.transaction():
            report = importing.import_paths(self.store, list(paths), manifest=manifest, replace=replace,
                                            progress=progress, single_speaker=single_speaker,
                                            skip_bad=skip_bad, count=count, jobs=jobs)
            update_index(self.store, progress=progress)     # the search index of new or changed texts
            keep_sentences(self.store)   # and their sentences (agreement by sentence reads them)
            if self.store.anonymization_scans():  # a scanned project: scan what is new, at once
                from ..anonymize.key import scan
                scan(self.store, only_new=True)
            return report

    def manifest_status(self) -> list[dict]:
        """Rows of the kept interview list that wait for sources not imported yet."""
        from .. import importing

        return importing.manifest_status(self.store)

    def apply_manifest(self, manifest: str | Path) -> importing.ImportReport:
        from .. import importing

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
                include_interviewer: bool = True, anonymize: bool = False, unreviewed: str = "replace") -> list[dict]:
        """Codings with their text, code path, coder, origin and who spoke, one dict each (see
        coding.analysis.coding_list): sources in natural order, by start inside a source."""
        from ..analysis.coding_list import coding_records

        if anonymize:
            with self.anonymized(unreviewed=unreviewed) as copy:
                return copy.codings(code=code, coder=coder, origin=origin, source=copy.anonymized_source(source),
                                    where=copy.anonymized_where(where), include_interviewer=include_interviewer)
        return coding_records(self.store, code=code, coder=coder, origin=origin, source=source,
                              where=where, include_interviewer=include_interviewer)

    def coding_rows(self, *, code: str | None = None, coder: str | None = None, origin: str | None = None,
                    source: str | None = None, where: dict[str, str] | None = None,
                    include_interviewer: bool = True, anonymize: bool = False,
                    unreviewed: str = "replace") -> tuple[list[str], Iterable[tuple]]:
        """``(columns, rows)``: what :meth:`codings` lists as a table whose columns are known first
        (the fixed ones, then every attribute name of the project), each row a tuple in the columns'
        order made as it is read, so that a long list is written without being held (an anonymized
        list is made in full while its throw-away copy is open)."""
        from ..analysis.coding_list import coding_rows

        if anonymize:
            with self.anonymized(unreviewed=unreviewed) as copy:
                columns, rows = copy.coding_rows(code=code, coder=coder, origin=origin,
                                                 source=copy.anonymized_source(source),
                                                 where=copy.anonymized_where(where),
                                                 include_interviewer=include_interviewer)
                return columns, list(rows)
        return coding_rows(self.store, code=code, coder=coder, origin=origin, source=source, where=where,
                           include_interviewer=include_interviewer)

    # ------------------------------------------------------------------ manual coding, agreement (issue 6)
    def import_codings(self, path: str | Path) -> dict[str, int]:
        """Add codings from a spreadsheet (.xlsx/.csv: source, code, coder, start+end or turn); all or nothing."""
        from ..importing import import_codings_sheet

        with self.store.transaction():
            return import_codings_sheet(self.store, path)

    def export_docx(self, source: str, path: str | Path, *, coder: str | None = None, anonymize: bool = False,
                    unreviewed: str = "replace") -> dict[str, int]:
        """Write a source as .docx with its codings (of one coder, or all) as Word comments."""
        from ..export.docx_comments import export_docx

        self.source(source)
        if anonymize:
            with self.anonymized(unreviewed=unreviewed) as copy:
                return copy.export_docx(copy.anonymized_source(source), path, coder=coder)
        return export_docx(self.store, source, path, coder=coder)

    def agreement(self, coders: list[str], *, unit: str = "turn", codes: list[str] | None = None,
                  exclusive: bool = False, include_interviewer: bool = False) -> dict:
        """Percent agreement, Cohen's kappa and Krippendorff's alpha per code and overall, and
        disagreements; over respondents' turns unless ``include_interviewer``."""
        from ..analysis.agreement import agreement

        return agreement(self.store, coders, unit=unit, codes=codes, exclusive=exclusive,
                         include_interviewer=include_interviewer)


    # ------------------------------------------------------------------ REFI-QDA (issue 7)
    def export_qdpx(self, path: str | Path, *, name: str | None = None, language: str | None = None,
                    anonymize: bool = False, unreviewed: str = "replace") -> dict:
        """Write the project as a REFI-QDA project (.qdpx); returns counts of what was written.

        ``language`` picks the code label that becomes the REFI code name (default: the sources' main
        language). ``anonymize`` writes the anonymized project: texts by the key, codings moved with
        them, pseudonyms for cases, people and interviews."""
        from ..refi import export_qdpx

        if anonymize:
            with self.anonymized(unreviewed=unreviewed) as copy:
                return export_qdpx(copy.store, path, name=copy.scrubber.scrub(name) if name else None,
                                   language=language)
        return export_qdpx(self.store, path, name=name, language=language)

    def import_qdpx(self, path: str | Path) -> importing.ImportReport:
        """Import a REFI-QDA project (.qdpx) into this project, all or nothing."""
        from .. import importing
        from ..analysis.sentences import keep_sentences
        from ..refi import import_qdpx
        from ..search import update_index

        report = importing.ImportReport()
        with self.store.transaction():
            import_qdpx(self.store, Path(path), report)
            update_index(self.store)
            keep_sentences(self.store)
        return report

    def export_qdc(self, path: str | Path, *, language: str | None = None) -> int:
        """Write the codebook as a REFI-QDA codebook (.qdc); returns the number of codes."""
        from ..refi import write_qdc
        from ..refi.writer import project_language

        return write_qdc(self.codes(), path, language=language or project_language(self.store))

    def import_qdc(self, path: str | Path, *, language: str | None = None) -> dict[str, int]:
        """Add the codes of a REFI-QDA codebook (.qdc): matched by GUID, then by name under the same
        parent; matched codes are left as they are. Returns {"new": n, "matched": m}."""
        from ..refi import import_qdc
        from ..refi.writer import project_language

        with self.store.transaction():
            return import_qdc(self.store, path, language=language or project_language(self.store))

    def refi_cases(self) -> list[dict]:
        """The cases a REFI export writes: one per municipality and one per participant."""
        from ..refi import project_cases

        return project_cases(self.store)

    # ------------------------------------------------------------------ survey answers (issue 25)
    def import_survey(self, path: str | Path, *, id_column: str | None = None,
                      text_columns: list[str] | None = None, attribute_columns: list[str] | None = None,
                      by: str = "question", replace: bool = False):
        """Import a survey export (.xlsx/.csv, one row per respondent): respondents become participants
        with the attribute columns, each non-empty answer a turn of its respondent, one source per
        question (``by="question"``) or per respondent; all or nothing. Returns a SurveyReport."""
        from ..importing.survey import import_survey
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
        from ..export.coding_sheet import write_sheet
        from ..refi.reader import project_language
        language = language or project_language(self.store)
        if anonymize:
            from ..anonymize.copy import AnonymizedSheet
            with self.anonymized(unreviewed=unreviewed) as copy:
                shown = AnonymizedSheet(self.store, copy.store, copy.scrubber).rows
                return write_sheet(self.store, path, sources=sources, unit=unit, coder=coder, language=language,
                                   include_interviewer=include_interviewer, shown=shown)
        return write_sheet(self.store, path, sources=sources, unit=unit, coder=coder, language=language,
                           include_interviewer=include_interviewer)
