"""An anonymized copy of a project: what every ``--anonymize`` output is made from.

The project file is copied (SQLite's backup) into a temporary folder and the copy is rewritten:
every source's text with the key's replacements (codings, turns and memos moved to the new
offsets), source names as "Interview n", participants as role and number, the values of the case
attribute and the hidden attributes (municipality) as "Case n" / "Kommune n", name columns
dropped, every other attribute value, memo, summary and coding note scrubbed the same way, new
GUIDs for sources and participants. The outputs then run unchanged on the copy, so a person has
the same pseudonym in every table, document and REFI file; the project itself is never changed.
The copy is deleted when the ``with`` block ends.
"""

from __future__ import annotations

import contextlib
import hashlib
import sqlite3
import tempfile
from pathlib import Path
from typing import Iterator

from ..ingest.labels import INTERVIEWER_LABELS
from ..store import Store, new_guid
from .key import Scrubber
from .pseudonyms import HIDDEN_ATTRIBUTES, NAME_COLUMNS


@contextlib.contextmanager
def anonymized_copy(store: Store, *, case_by: str | None = None, unreviewed: str = "replace",
                    scrubber: Scrubber | None = None) -> Iterator[tuple[Store, Scrubber]]:
    """``with anonymized_copy(store) as (copy, scrubber): ...``: a rewritten copy, deleted afterwards."""
    scrubber = scrubber or Scrubber(store, case_by=case_by, unreviewed=unreviewed)
    with tempfile.TemporaryDirectory(prefix="coding-anonymized-") as folder:
        path = Path(folder) / "anonymized.db"
        target = sqlite3.connect(path)
        try:
            store.db.backup(target)
        finally:
            target.close()
        copy = Store(path)
        try:
            with copy.transaction():
                rewrite(copy, scrubber)
            yield copy, scrubber
        finally:
            copy.close()


def _unique(value: str, taken: set[str]) -> str:
    candidate, n = value, 2
    while candidate in taken:
        candidate, n = f"{value} ({n})", n + 1
    taken.add(candidate)
    return candidate


def rewrite(copy: Store, scrubber: Scrubber) -> None:
    p = scrubber.pseudonyms
    scrub = scrubber.scrub

    def attribute_value(name: str, value: str) -> str:
        if name.casefold() in NAME_COLUMNS:
            return ""
        if name in p.hidden:
            return p.hidden[name].get(value, scrub(value))
        if name == p.case_by and name != "role":
            return p.cases.get(value, scrub(value))
        if name == "role":
            return value
        return scrub(value)

    def case_value(case_by: str, value: str) -> str:
        if case_by == "participant":
            return p.participant(value)
        if case_by == "source":
            return p.source(value)
        return attribute_value(case_by, value) or value

    # sources: text, name, GUID; remember how offsets move
    maps = {}
    sources = copy.sources()
    for s in sources:  # names are UNIQUE: out of the way first
        copy.anon_set_source(s["id"], name=f"\x00{s['id']}", text=copy.source_text(s["id"]),
                             text_sha256=s["text_sha256"], guid=s["guid"])
    for s in sources:
        text = copy.source_text(s["id"])
        findings = scrubber.found.get(s["id"], (None, None, None))[2]
        new_text, offsets = scrubber.scrub_mapped(text, s["language"], findings)
        maps[s["id"]] = offsets
        scrubber.offsets[s["id"]] = offsets
        copy.anon_set_source(s["id"], name=p.source(s["name"]), text=new_text,
                             text_sha256=hashlib.sha256(new_text.encode("utf-8")).hexdigest(), guid=new_guid())

    # speakers and turns: labels become the participant's pseudonym
    participant_of = {row["id"]: row["pid"] for row in copy.participants()}
    interviewer = {w.casefold() for w in INTERVIEWER_LABELS}
    labels: dict[tuple[int, str], str] = {}
    taken: dict[int, set[str]] = {}
    for sp in copy.anon_speakers():
        label = sp["label"]
        if sp["participant_id"] is not None:
            new = p.participant(participant_of[sp["participant_id"]])
        elif label.casefold() in interviewer or label.casefold() in p.roles:
            new = label
        else:
            new = scrub(label)
        labels[(sp["source_id"], label)] = _unique(new, taken.setdefault(sp["source_id"], set()))
    for (source_id, label), new in labels.items():
        copy.anon_set_speaker_label(source_id, label, f"\x00{label}")
    for (source_id, label), new in labels.items():
        copy.anon_set_speaker_label(source_id, f"\x00{label}", new)
    copy.anon_set_turns(
        (maps[t["source_id"]](t["start"], "start"), maps[t["source_id"]](t["end"], "end"),
         labels.get((t["source_id"], t["speaker"]), scrub(t["speaker"])), t["id"])
        for t in copy.anon_turns())

    # codings and memos at their new offsets
    copy.anon_set_codings(
        (maps[c["source_id"]](c["start"], "start"), maps[c["source_id"]](c["end"], "end"),
         scrub(c["memo"]) if c["memo"] else c["memo"], scrub(c["matched"]) if c["matched"] else c["matched"], c["id"])
        for c in copy.anon_codings())
    memos = []
    for m in copy.anon_memos():
        start, end = m["start"], m["end"]
        if m["source_id"] is not None and start is not None:
            start, end = maps[m["source_id"]](start, "start"), maps[m["source_id"]](end, "end")
        memos.append((start, end, scrub(m["text"]), m["id"]))
    copy.anon_set_memos(memos)

    # participants and attributes
    rows = copy.participants()
    for row in rows:
        copy.anon_set_participant(row["id"], f"\x00{row['id']}", row["guid"])
    for row in rows:
        copy.anon_set_participant(row["id"], p.participant(row["pid"]), new_guid())
    for table, attributes in (("participant_attributes", copy.all_participant_attributes()),
                              ("source_attributes", copy.all_source_attributes())):
        copy.anon_set_attributes(table, [(attribute_value(name, value), owner, name)
                                         for owner, values in attributes.items() for name, value in values.items()])

    # the analyst's summaries and case status, under the cases' pseudonyms
    copy.anon_set_summaries((case_value(r["case_by"], r["case_value"]), scrub(r["text"]), r["rowid"])
                            for r in copy.anon_summaries())
    for r in copy.anon_case_statuses():
        copy.anon_set_case_status_value(r["rowid"], case_value(r["case_by"], r["case_value"]))
    for r in copy.anon_meta():
        if r["value"] and r["key"] != "schema_version" and r["value"][:1] not in "{[":
            copy.anon_set_meta_text(r["key"], scrub(r["value"]))
    copy.anon_forget()


class AnonymizedSheet:
    """A coding sheet's rows from the anonymized copy, and the way back when the sheet returns.

    The rows keep the project's own offsets (start, end: numbers, not personal data) and show the
    anonymized text, speaker and interview name; :meth:`source` finds the source an interview
    pseudonym stands for, and :meth:`text` the anonymized text at original offsets, so that the
    import can check each row against what the sheet showed."""

    def __init__(self, store: Store, copy: Store | None = None, scrubber: Scrubber | None = None):
        self.store = store
        self.scrubber = scrubber
        self.copy = copy
        self._texts: dict[int, str] = {}
        self._names = {r["name"]: r["id"] for r in store.sources()}

    def _ready(self) -> None:
        if self.scrubber is None:   # on the way back: the same rewriting, text by text
            self.scrubber = Scrubber(self.store)
        self._pseudonyms = {v: k for k, v in self.scrubber.pseudonyms.sources.items()}

    def _text(self, source_id: int) -> str:
        if source_id not in self._texts:
            if self.copy is not None:
                self._texts[source_id] = self.copy.source_text(source_id)
            else:
                row = self.store.source_by_id(source_id)
                findings = self.scrubber.found.get(source_id, (None, None, None))[2]
                text, offsets = self.scrubber.scrub_mapped(row["text"], row["language"], findings)
                self.scrubber.offsets[source_id] = offsets
                self._texts[source_id] = text
        return self._texts[source_id]

    def text(self, source_id: int, start: int, end: int) -> str:
        """The anonymized text the sheet showed for the project's offsets ``start``-``end``."""
        self._ready()
        text = self._text(source_id)
        offsets = self.scrubber.offsets[source_id]
        return text[offsets(start, "start"):offsets(end, "end")]

    def source(self, pseudonym: str):
        """The project's source that an interview pseudonym ("Interview 2") stands for, or None."""
        self._ready()
        name = self._pseudonyms.get(pseudonym)
        return self.store.source_by_name(name) if name is not None else None

    def rows(self, rows: list[dict]) -> list[dict]:
        """Sheet rows of the project made anonymized: interview pseudonym, speaker and text."""
        self._ready()
        speakers: dict[int, dict[int, str]] = {}
        out = []
        for row in rows:
            source_id = self._names[row["source"]]
            if source_id not in speakers:
                speakers[source_id] = {t["idx"]: t["speaker"] for t in self.copy.turns(source_id)}
            out.append({**row, "source": self.scrubber.pseudonyms.source(row["source"]),
                        "speaker": speakers[source_id].get(row["turn"], row["speaker"]),
                        "text": self.text(source_id, row["start"], row["end"])})
        return out


__all__ = ["anonymized_copy", "AnonymizedSheet", "HIDDEN_ATTRIBUTES"]
