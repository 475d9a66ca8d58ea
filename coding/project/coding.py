"""Codes and codings: the codebook, auto-coding, managing codes, memos, and coding by hand in the workspace.

Mixed into :class:`coding.Project`; each method a few lines that call the domain packages and own
the transaction."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from ..store import Store


class CodingMethods:
    store: Store

    # ------------------------------------------------------------------ codebook and auto-coding (issue 3)
    def import_codebook(self, codebook, prune: bool = False):
        """Make a codebook (YAML path, dict of that shape, or Codebook) the project's codes, all or nothing.

        Codes that leave the codebook while they have codings refuse the import unless ``prune``."""
        from ..codebook import import_codebook

        with self.store.transaction():
            return import_codebook(self.store, codebook, prune=prune)

    def codebook_problems(self, path: str | Path) -> list:
        """Every problem of a YAML codebook, with file and line (empty when valid); changes nothing."""
        from ..codebook import codebook_problems

        return codebook_problems(path)

    def codebook(self):
        """The project's codebook as a :class:`coding.codebook.Codebook`."""
        from ..codebook import codebook_from_store

        return codebook_from_store(self.store)

    def codebook_records(self, language: str = "da") -> list[dict]:
        """One row per code (depth-first) with labels, definition, rules and coding counts."""
        from ..codebook import codebook_records

        return codebook_records(self.store, language)

    def export_codebook(self, fmt: str, path: str | Path, language: str = "da") -> Path:
        """Write the codebook as yaml, docx (report appendix table) or xlsx."""
        from ..export.codebook import export_codebook

        return export_codebook(self.store, fmt, path, language)

    def autocode(self, codebook=None, unit: str = "sentence", dry_run: bool = False,
                 include_interviewer: bool = False, jobs: int = 1, progress: Callable[[str], None] | None = None,
                 force: bool = False, prune: bool = False, collect: bool = False):
        """Auto-code respondent turns with the codebook's rules; returns an AutocodeReport.

        ``codebook`` (a YAML path, dict or Codebook) is imported first (in the same transaction);
        without it the project's codebook is used. Earlier automatic codings are replaced, other
        codings never touched; unchanged sources are skipped unless ``force``. ``dry_run`` changes
        nothing (``collect`` keeps the would-be codings in ``report.planned``)."""
        from ..autocode import autocode_dry_run, autocode_project, early_workers

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
        from ..autocode import unreached_codes

        return unreached_codes(self.store, codebook)

    # ------------------------------------------------------------------ memos (issue 25)
    def add_memo(self, text: str, *, source: str | None = None, code: str | None = None,
                 coding: int | None = None, author: str | None = None, start: int | None = None,
                 end: int | None = None) -> dict:
        """Add a memo on the project (no target), a source (or a span of it: start, end), a code or a
        coding (by id); returns it as a record (id, on, target, author, created_at, text ...)."""
        from ..annotate import memos
        with self.store.transaction():
            return memos.add_memo(self.store, text, source=source, code=code, coding=coding, author=author,
                                  start=start, end=end)

    def memos(self, *, source: str | None = None, code: str | None = None, author: str | None = None,
              on: str | None = None) -> list[dict]:
        """Every memo with what it is on (project, source, span, code, coding), author and times."""
        from ..annotate import memos
        return memos.list_memos(self.store, source=source, code=code, author=author, on=on)

    def memo(self, memo_id: int) -> dict:
        from ..annotate import memos
        return memos.get_memo(self.store, memo_id)

    def edit_memo(self, memo_id: int, text: str) -> dict:
        from ..annotate import memos
        with self.store.transaction():
            return memos.edit_memo(self.store, memo_id, text)

    def delete_memo(self, memo_id: int) -> dict:
        from ..annotate import memos
        with self.store.transaction():
            return memos.delete_memo(self.store, memo_id)

    # ------------------------------------------------------------------ the workspace: coding by hand, review (issue 26)
    def add_coding(self, source: str, start: int, end: int, code, coder: str, *, memo: str | None = None) -> dict:
        """Code characters [start, end) of ``source`` with ``code`` (slug, path, label or id) as ``coder``.

        >>> project.add_coding("nordby_borger.txt", 120, 180, "belief", "anna")["id"]

        Bad offsets, an unknown source or code raise (:class:`coding.annotate.codings.BadRequest`,
        :class:`coding.errors.NotFound`) and nothing is written."""
        from ..annotate import codings as annotate

        with self.store.transaction(keep_copies=False):
            return annotate.add_coding(self.store, source, start, end, code, coder, memo)

    def delete_coding(self, coding_id: int) -> dict:
        """Remove one coding by id; returns what it was."""
        from ..annotate import codings as annotate

        with self.store.transaction(keep_copies=False):
            return annotate.delete_coding(self.store, coding_id)

    def coding(self, coding_id: int) -> dict:
        """One coding by id, with its text."""
        from ..annotate import codings as annotate

        return annotate.coding_record(self.store, coding_id)

    def proposals(self, *, code: str | None = None, source: str | None = None, limit: int = 50,
                  after: int = 0) -> dict:
        """The auto-coder's codings waiting for review, with rule and matched words: {"total", "proposals"}."""
        from ..annotate import codings as annotate

        return annotate.proposals(self.store, code=code, source=source, limit=limit, after=after)

    def review(self, coding_id: int, decision: str, reviewer: str) -> dict:
        """Accept (it becomes the reviewer's own coding) or reject an automatic coding; recorded
        either way, and a later auto-coding run does not propose that span and code again."""
        from ..annotate import codings as annotate

        with self.store.transaction(keep_copies=False):
            return annotate.review(self.store, coding_id, decision, reviewer)

    def reviews(self) -> list[dict]:
        """Every review: source, start, end, code, decision, reviewer, rule, matched, time."""
        return [{k: r[k] for k in ("source", "start", "end", "code", "decision", "reviewer", "rule", "matched",
                                   "coding_id", "created_at")} for r in self.store.reviews()]

    def acceptance(self, language: str = "da") -> list[dict]:
        """Per code: accepted, rejected and waiting proposals and the acceptance rate."""
        from ..annotate import codings as annotate

        return annotate.acceptance(self.store, language)

    def coder_counts(self) -> dict[str, dict[str, int]]:
        """Codings per source and coder: {source name: {coder: n}}."""
        from ..annotate import codings as annotate

        return annotate.coder_counts(self.store)

    def coders(self) -> list[str]:
        """Everyone who has codings in the project (the auto-coder too)."""
        return self.store.coders()

    def source_record(self, name: str) -> dict:
        """A source whole, for programs: text, attributes, turns and codings with their ids."""
        from ..annotate import codings as annotate

        return annotate.source_record(self.store, name)

    def source_page(self, name: str, page: int = 1, *, coder: str | None = None, origin: str | None = None,
                    at: int | None = None) -> dict:
        """One page of a source for reading: its blocks (turns, or parts of a long turn) with speaker,
        role and text, and the codings on them (filtered by coder and origin). ``at`` (a character
        offset) picks the page that holds it."""
        from ..annotate import reading

        return reading.source_page(self.store, name, page, coder=coder, origin=origin, at=at)


    # ------------------------------------------------------------------ code management (issue 25)
    def rename_code(self, old: str, new: str, *, labels: dict[str, str] | None = None) -> dict:
        """Give a code a new id (and with ``labels`` {lang: text} new labels); codings stay on it."""
        from ..codebook import manage as codes
        with self.store.transaction():
            return codes.rename_code(self.store, old, new, labels)

    def merge_code(self, source: str, target: str) -> dict:
        """Move code ``source``'s codings (memos, summaries, child codes, rules) to ``target``;
        codings that become equal are one; ``source`` disappears. Returns counts."""
        from ..codebook import manage as codes
        with self.store.transaction():
            return codes.merge_codes(self.store, source, target)

    def move_code(self, code: str, parent: str | None) -> dict:
        """Put a code under ``parent`` (None: at the top level)."""
        from ..codebook import manage as codes
        with self.store.transaction():
            return codes.move_code(self.store, code, parent)

    def codebook_file(self) -> str | None:
        """The YAML file the codebook came from (its text is kept to write changes back into), or None."""
        from ..codebook.roundtrip import source_file
        return source_file(self.store)

    def code_delete_plan(self, code: str) -> dict:
        from ..codebook import manage as codes
        return codes.code_delete_plan(self.store, code)

    def delete_code(self, code: str, *, with_codings: bool = False) -> dict:
        """Delete a code; refused while it has codings unless ``with_codings``; children move up."""
        from ..codebook import manage as codes
        with self.store.transaction():
            return codes.delete_code(self.store, code, with_codings=with_codings)

    def count_codings(self, *, coder: str | None = None, code: str | None = None, source: str | None = None,
                      ids: list[int] | None = None) -> dict:
        """How many codings :meth:`remove_codings` would delete (``text``: by origin; ``missing`` ids)."""
        from ..codebook import manage as codes
        return codes.count_codings(self.store, coder=coder, code=code, source=source, ids=ids)

    def remove_codings(self, *, coder: str | None = None, code: str | None = None, source: str | None = None,
                       ids: list[int] | None = None) -> dict:
        """Delete codings by id, or by coder / code (with descendants) / source, with their memos."""
        from ..codebook import manage as codes
        with self.store.transaction():
            return codes.remove_codings(self.store, coder=coder, code=code, source=source, ids=ids)
