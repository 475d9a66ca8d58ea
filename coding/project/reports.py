"""Reports: summaries and case statuses, the framework matrix and case histories, anonymized copies.

Mixed into :class:`coding.Project`; each method a few lines that call the domain packages and own
the transaction."""

from __future__ import annotations

from pathlib import Path

from ..store import Store


class ReportMethods:
    store: Store

    # ------------------------------------------------------------------ summaries, case status, reports (issue 5)
    def set_summary(self, case: str, theme: str, text: str, *, case_by: str = "municipality") -> dict:
        """Write the analyst's summary of one case and theme (empty text removes it)."""
        from ..analysis import summaries
        with self.store.transaction():
            return summaries.set_summary(self.store, case_by, case, theme, text)

    def summaries(self, case_by: str | None = None) -> list[dict]:
        from ..analysis import summaries
        return summaries.list_summaries(self.store, case_by)

    def import_summaries(self, path: str | Path) -> dict:
        """Read the summary cells of a framework workbook back, all or nothing."""
        from ..analysis import summaries
        with self.store.transaction():
            return summaries.import_summaries(self.store, path)

    def set_case_status(self, case: str, status: str, *, date: str | None = None,
                        case_by: str = "municipality") -> dict:
        """Record where a case history stands with its informants: draft, sent or approved."""
        from ..analysis import summaries
        with self.store.transaction():
            return summaries.set_case_status(self.store, case_by, case, status, date)

    def case_statuses(self, case_by: str = "municipality") -> list[dict]:
        from ..analysis import summaries
        return summaries.case_statuses(self.store, case_by)

    def report(self, out: str | Path | None = None, *, language: str | None = None, anonymize: bool = False,
               unreviewed: str = "replace", step=None):
        """Rebuild the report files (matrices, network, framework, appendix, report.html/.md) from
        the project as it is, into ``out`` (default: the project file's folder); the project itself,
        with its summaries, case statuses and codings by people, is read and never changed.
        Returns the pipeline's result (files, counts)."""
        from ..export.pipeline_report import rebuild_report

        folder = Path(out) if out is not None else Path(self.path).resolve().parent
        return rebuild_report(self, folder, language=language, anonymize=anonymize, unreviewed=unreviewed,
                              step=step)

    def case_model(self, case_by: str, *, themes: list[str] | None = None,
                   where: dict[str, str] | None = None, language: str | None = None, passages=None):
        """Cases x themes with counts, participants, summaries and quotes (coding.analysis.cases);
        ``passages``: a :class:`coding.analysis.quotes.PassageCache` shared with other quote lists."""
        from ..analysis.cases import build_model
        return build_model(self, case_by, themes=themes, where=where, language=language, passages=passages)

    def export_framework(self, path: str | Path, *, case_by: str, themes: list[str] | None = None,
                         where: dict[str, str] | None = None, language: str | None = None,
                         anonymize: bool = False, template: str | Path | None = None,
                         unreviewed: str = "replace", model=None):
        """The framework matrix as .docx (landscape table) or .xlsx (with summary cells to fill in).

        ``model``: a :meth:`case_model` built with the same case_by, themes, where and language, to
        write several documents from one computation (not used with ``anonymize``)."""
        from ..errors import InputError
        suffix = Path(path).suffix.lower()
        if suffix not in (".docx", ".xlsx"):
            raise InputError(path, f"the framework matrix is written as .docx or .xlsx, not '{suffix or '(none)'}'")
        if anonymize:
            from ..anonymize import AlreadyAnonymized
            with self.anonymized(case_by=case_by, unreviewed=unreviewed) as copy:
                return copy._export_framework(path, case_by, themes, copy.anonymized_where(where), language,
                                              template, AlreadyAnonymized())
        return self._export_framework(path, case_by, themes, where, language, template, None, model)

    def _export_framework(self, path, case_by, themes, where, language, template, names, model=None):
        from ..export import framework
        if model is None:
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
                          unreviewed: str = "replace", model=None):
        """The case-history appendix (.docx): a chapter per case with status, interviews and quotes.

        ``model``: as for :meth:`export_framework`."""
        from ..errors import InputError
        if Path(path).suffix.lower() != ".docx":
            raise InputError(path, "the case-history appendix is written as .docx")
        if anonymize:
            from ..anonymize import AlreadyAnonymized
            with self.anonymized(case_by=case_by, unreviewed=unreviewed) as copy:
                return copy._export_narratives(path, case_by, themes, copy.anonymized_where(where), language,
                                               template, quotes_per_theme, title, AlreadyAnonymized())
        return self._export_narratives(path, case_by, themes, where, language, template, quotes_per_theme,
                                       title, None, model)

    def _export_narratives(self, path, case_by, themes, where, language, template, quotes_per_theme, title, names,
                           model=None):
        from ..export import narratives
        if model is None:
            model = self.case_model(case_by, themes=themes, where=where, language=language)
        narratives.write_docx(model, path, template=template, anonymizer=names,
                              quotes_per_theme=quotes_per_theme, title=title)
        return model

    # ------------------------------------------------------------------ anonymization (issue 23)
    def anonymize_scan(self, *, only_new: bool = False) -> list:
        """Find personal data in the sources and store the findings; returns one review row per
        distinct finding (kind, text, count, sources, context, proposed replacement, decision)."""
        from ..anonymize.key import scan
        with self.store.transaction():
            return scan(self.store, only_new=only_new)

    def write_anonymization_review(self, rows: list, path: str | Path) -> Path:
        """The review workbook (.xlsx) of :meth:`anonymize_scan`'s rows."""
        from ..anonymize.key import project_language
        from ..anonymize.sheet import write_review
        return write_review(rows, path, project_language(self.store))

    def anonymize_apply(self, path: str | Path) -> dict:
        """Store the decisions of a filled-in review workbook as the project's anonymization key;
        a bad row refuses the whole sheet (every bad row named with its row number)."""
        from ..anonymize.key import apply_decisions
        from ..anonymize.sheet import read_review
        rows = read_review(path)
        with self.store.transaction():
            return apply_decisions(self.store, rows)

    def anonymize_status(self) -> dict:
        """What is not reviewed: sources not scanned since they changed, findings without a decision."""
        from ..anonymize.key import status
        return status(self.store)
