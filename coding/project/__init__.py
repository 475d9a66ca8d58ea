"""The library API: everything the CLI does, Python can do with the same names.

>>> from coding import Project
>>> project = Project.open("coding.db")
>>> report = project.import_paths(["transcripts_sample"], manifest="transcripts_sample/participants.csv")
>>> project.sources()[0]["name"]

:class:`Project` is the facade: it opens a project file and owns the transaction of every change; its
methods, one per use case and each a few lines, are grouped by concern in ``material.py`` (sources and
imports), ``coding.py`` (codebook, auto-coding, codes, memos, coding by hand), ``analysis.py`` and
``reports.py``, and call the domain packages (:mod:`coding.importing`, :mod:`coding.autocode` ...).
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Callable, Iterator

from ..errors import NotFound
from ..records import INTERVIEWER_ROLE
from ..store import Store
from .analysis import AnalysisMethods
from .coding import CodingMethods
from .material import MaterialMethods
from .reports import ReportMethods


class Project(MaterialMethods, CodingMethods, AnalysisMethods, ReportMethods):
    """One project file (SQLite). Every public method that changes it is atomic."""

    def __init__(self, store: Store):
        self.store = store

    @classmethod
    def open(cls, path: str | Path = "coding.db", *, on_wait: Callable[[str], None] | None = None) -> "Project":
        """Open (or create) a project file; never its folder (a missing folder is an error). ``on_wait``
        is told when a change has to wait for another program writing to the same project (it waits;
        it never fails with "database is locked")."""
        path = Path(path)
        if not path.parent.is_dir():
            raise NotFound(f"no folder {path.parent} for the project {path}: make the folder first")
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

    @contextlib.contextmanager
    def anonymized(self, *, case_by: str | None = None, unreviewed: str = "replace") -> Iterator["Project"]:
        """``with project.anonymized() as copy:`` a throw-away anonymized copy of the project (by the
        key; findings never reviewed replaced unless ``unreviewed="keep"``) to make outputs from."""
        from ..anonymize.copy import anonymized_copy
        with anonymized_copy(self.store, case_by=case_by, unreviewed=unreviewed) as (store, scrubber):
            copy = AnonymizedProject(store)
            copy.scrubber = scrubber
            yield copy


class AnonymizedProject(Project):
    """A project that is an anonymized copy (:meth:`Project.anonymized`): the same methods, made
    from pseudonymised data; filters given with real values are translated."""

    scrubber = None

    def export_framework(self, path, *, case_by, themes=None, where=None, language=None, anonymize=False,
                         template=None, unreviewed="replace", model=None):
        from ..anonymize import AlreadyAnonymized
        return self._export_framework(path, case_by, themes, where, language, template, AlreadyAnonymized(),
                                      model)

    def export_narratives(self, path, *, case_by, themes=None, where=None, language=None, anonymize=False,
                          template=None, quotes_per_theme=5, title=None, unreviewed="replace", model=None):
        from ..anonymize import AlreadyAnonymized
        return self._export_narratives(path, case_by, themes, where, language, template, quotes_per_theme,
                                       title, AlreadyAnonymized(), model)

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

    def anonymized_source(self, name):
        """A source name (or a list of them) as the copy calls it."""
        if name is None or self.scrubber is None:
            return name
        if not isinstance(name, str):
            return [self.scrubber.pseudonyms.sources.get(n, n) for n in name]
        return self.scrubber.pseudonyms.sources.get(name, name)


__all__ = ["Project", "INTERVIEWER_ROLE"]
