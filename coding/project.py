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
from .records import INTERVIEWER_ROLE, CodeTree, coding_records
from .store import Store


class Project:
    """One project file (SQLite). Every public method that changes it is atomic."""

    def __init__(self, store: Store):
        self.store = store

    @classmethod
    def open(cls, path: str | Path = "coding.db") -> "Project":
        path = Path(path)
        if path.parent and not path.parent.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
        return cls(Store(path))

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
        with self.store.transaction():
            return importing.import_paths(self.store, list(paths), manifest=manifest, replace=replace,
                                          progress=progress)

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
        attrs = self.store.all_source_attributes()
        out = []
        for row in self.store.sources():
            record = {"name": row["name"], "format": row["format"], "language": row["language"],
                      "turns": row["turns"], "speakers": row["speakers"], "codings": row["codings"],
                      "characters": row["characters"]}
            record.update(attrs.get(row["id"], {}))
            out.append(record)
        return out

    def participants(self) -> list[dict]:
        attrs = self.store.all_participant_attributes()
        out = []
        for row in self.store.participants():
            record = {"participant": row["pid"], "turns": row["turns"], "appears_in": row["appears_in"] or "",
                      "from_manifest": not row["auto"]}
            record.update(attrs.get(row["id"], {}))
            record.setdefault("role", "")
            out.append(record)
        return out

    def show(self, name: str) -> dict:
        """A source as turns with speaker, participant, role, timestamps, text and codes."""
        source = self.source(name)
        text = source["text"]
        codings = self.store.source_codings(source["id"])
        turns = []
        for t in self.store.turns(source["id"]):
            codes = sorted({c["code"] for c in codings if c["start"] < t["end"] and c["end"] > t["start"]})
            turns.append({"index": t["idx"], "speaker": t["speaker"], "participant": t["participant"],
                          "role": t["role"], "start": t["start"], "end": t["end"], "timestamp": t["timestamp"],
                          "text": text[t["start"]:t["end"]], "codes": codes})
        return {"source": source["name"], "format": source["format"], "language": source["language"],
                "attributes": self.store.source_attributes(source["id"]), "turns": turns}

    def codes(self) -> CodeTree:
        return CodeTree.load(self.store)

    def codings(self, *, code: str | None = None, coder: str | None = None, origin: str | None = None,
                source: str | None = None, where: dict[str, str] | None = None,
                include_interviewer: bool = True) -> list[dict]:
        """Codings with their text, code path, coder, origin and who spoke (see coding.records)."""
        return coding_records(self.store, code=code, coder=coder, origin=origin, source=source,
                              where=where, include_interviewer=include_interviewer)

    # ------------------------------------------------------------------ codebook and auto-coding (issue 3)

    # ------------------------------------------------------------------ analysis (issue 4)

    # ------------------------------------------------------------------ summaries, case status, reports (issue 5)

    # ------------------------------------------------------------------ manual coding, agreement (issue 6)

    # ------------------------------------------------------------------ REFI-QDA (issue 7)


__all__ = ["Project", "INTERVIEWER_ROLE"]
