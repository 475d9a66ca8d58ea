"""Codings listed one row each (``coding codings``, :meth:`coding.Project.codings`): where a coding is,
its text, code, coder and origin, the turns, speakers, participants and roles it overlaps, and
their attributes.

The columns and the order are known before any row is made, so that a long list is written as it
is read, one source at a time (its codings, turns and text), in memory that does not grow with the
number of codings:

* columns: :data:`FIXED_COLUMNS`, then every attribute name the project has (of participants, of
  sources, a person's values per interview), sorted; a coding without a value has an empty cell;
* order: sources in the natural order of their names ("Interview 2" before "Interview 10"), inside
  a source by start, end and id.

A coding belongs to the participant(s) whose turns it overlaps (interviewer turns left out when
asked, unless the coding lies only in them); its attributes are the participant's values in that
source, else the participant's own, else the source's (:class:`coding.records.TurnIndex`), values
of several participants joined with "; ". A coding outside every turn has the source's attributes.
"""

from __future__ import annotations

from bisect import bisect_right
from typing import Any, Iterator

from ..errors import NotFound
from ..ordering import natural_key
from ..records import INTERVIEWER_ROLE, CodeTree, join_values
from ..store import Store

FIXED_COLUMNS = ("id", "source", "start", "end", "text", "code", "code_path", "coder", "origin", "turn",
                 "speaker", "participant", "role", "rule", "matched", "memo")
INTERNAL_FIELDS = ("source_id", "code_id", "participant_ids")  # in the records, never a column
_UNSEEN = object()


def coding_columns(store: Store) -> list[str]:
    """The list's columns: the fixed ones, then the project's attribute names (those that are no
    fixed column's name), sorted."""
    taken = {*FIXED_COLUMNS, *INTERNAL_FIELDS}
    return [*FIXED_COLUMNS, *sorted(name for name in store.attribute_names() if name not in taken)]


def coding_rows(store: Store, *, code: str | None = None, coder: str | None = None, origin: str | None = None,
                source: str | None = None, where: dict[str, str] | None = None,
                include_interviewer: bool = True, with_text: bool = True) -> tuple[list[str], Iterator[tuple]]:
    """``(columns, rows)``: each row a tuple of values in the columns' order (int, str or None), made
    one at a time in the list's order. A bad ``code`` or ``source`` raises :class:`NotFound` here,
    before any row is made; ``where`` filters on the coding's attributes, ``code`` keeps the code and
    its descendants."""
    walk = _Walk(store, code=code, coder=coder, origin=origin, source=source, where=where,
                 include_interviewer=include_interviewer, with_text=with_text)
    return walk.columns, walk.rows()


def coding_records(store: Store, *, code: str | None = None, coder: str | None = None, origin: str | None = None,
                   source: str | None = None, where: dict[str, str] | None = None,
                   include_interviewer: bool = True, with_text: bool = True) -> list[dict]:
    """One dict per coding (what :meth:`coding.Project.codings` gives): the columns' values, an
    attribute only when the coding has it, and ``source_id``, ``code_id`` and ``participant_ids``."""
    walk = _Walk(store, code=code, coder=coder, origin=origin, source=source, where=where,
                 include_interviewer=include_interviewer, with_text=with_text)
    return list(walk.records())


class _Walk:
    """The filters resolved and what every source shares, read once; then the codings source by source."""

    def __init__(self, store: Store, *, code, coder, origin, source, where, include_interviewer, with_text):
        self.store = store
        self.tree = CodeTree.load(store)
        self.code_ids = self.tree.descendants(self.tree.get(code)["id"]) if code else None
        if source is not None:
            row = store.source_by_name(source)
            if row is None:
                raise NotFound(f"no source named '{source}' in the project")
            self.sources = [(row["id"], row["name"])]
        else:  # by name, then in natural order (stable): the order of Store.sources()
            self.sources = sorted(((r["id"], r["name"]) for r in store.source_names()),
                                  key=lambda s: natural_key(s[1]))
        self.coder, self.origin = coder, origin
        self.where = list((where or {}).items())
        self.include_interviewer = include_interviewer
        self.with_text = with_text
        self.columns = coding_columns(store)
        self.attribute_names = self.columns[len(FIXED_COLUMNS):]

    def rows(self) -> Iterator[tuple]:
        return self._walk(records=False)

    def records(self) -> Iterator[dict]:
        return self._walk(records=True)

    def _walk(self, records: bool) -> Iterator:
        """The codings that pass, source by source: a tuple in the columns' order each, or with
        ``records`` a dict (see :func:`coding_records`)."""
        store = self.store
        memos = store.coding_memo_texts()
        nodes = {cid: (node["code"], node["path"]) for cid, node in self.tree.by_id.items()}
        people = _People(store)
        for sid, name in self.sources:
            part = store.coding_list_part(sid, self.code_ids, self.coder, self.origin, self.with_text)
            if part[0]:
                people.start_source(sid, part[2])
                yield from self._source(sid, name, part, nodes, memos, people, records)

    def _source(self, sid: int, name: str, part: tuple, nodes: dict, memos: dict, people: "_People",
                records: bool) -> Iterator:
        codings, turns, _, text = part
        starts = [t[1] for t in turns]
        ends = [t[2] for t in turns]
        last = len(turns) - 1
        entries: dict[Any, tuple | None] = {}  # the turns a coding overlaps (one, or a tuple) -> its entry
        for cid, start, end, code_id, coder, origin, rule, matched in codings:
            reach = end if end > start else start + 1  # an empty coding still sits in a turn
            i = bisect_right(starts, start) - 1
            if i >= 0 and ends[i] > start and (i == last or starts[i + 1] >= reach):
                hit: Any = i  # the usual case: inside one turn
            else:  # the turns from the last one to start at or before it, up to its end
                i, hit = max(i, 0), None
                while i <= last and starts[i] < reach:
                    if ends[i] > start:
                        hit = i if hit is None else (hit if type(hit) is tuple else (hit,)) + (i,)
                    i += 1
            entry = entries[hit] if hit in entries else entries.setdefault(hit, self._entry(turns, hit, people))
            if entry is None:
                continue
            if records:
                yield self._record(cid, name, start, end, text, nodes[code_id], coder, origin, rule, matched,
                                   memos.get(cid), entry, sid, code_id)
            else:
                yield (cid, name, start, end, text[start:end] if text is not None else None, *nodes[code_id],
                       coder, origin, *entry[0], rule, matched, memos.get(cid) if memos else None, *entry[1])

    @staticmethod
    def _record(cid, name, start, end, text, node, coder, origin, rule, matched, memo, entry, sid, code_id) -> dict:
        turn, speaker, participant, role = entry[0]
        record = {"id": cid, "source": name, "start": start, "end": end,
                  "text": text[start:end] if text is not None else None, "code": node[0], "code_path": node[1],
                  "coder": coder, "origin": origin, "rule": rule, "matched": matched, "memo": memo,
                  "turn": turn, "speaker": speaker, "participant": participant, "role": role,
                  "source_id": sid, "code_id": code_id, "participant_ids": list(entry[2])}
        for key, value in entry[3].items():
            record.setdefault(key, value)
        return record

    def _entry(self, turns: list[tuple], hit, people: "_People") -> tuple | None:
        """What a coding that overlaps these turns (a row of ``turns``, a tuple of rows, or None)
        shows: ``(labels, attribute values, participant ids, attributes)``, the labels being turn,
        speaker, participant and role joined; or None when the coding is left out (only in
        interviewer turns, or ``where`` does not hold)."""
        if type(hit) is int:  # one turn (the usual case): its speaker's entry, with the turn's labels
            idx, _, _, speaker = turns[hit]
            person = people.speaking(speaker)
            if person.role == INTERVIEWER_ROLE and not self.include_interviewer:
                return None
            if person.entry is _UNSEEN:
                person.entry = self._entry_of([(turns[hit], person)], people)
            shown = person.entry
            return None if shown is None else ((str(idx), speaker, *shown[0][2:]), *shown[1:])
        return self._entry_of([(turns[k], people.speaking(turns[k][3])) for k in (hit or ())], people)

    def _entry_of(self, overlapping: list[tuple[tuple, "_Person"]], people: "_People") -> tuple | None:
        """:meth:`_entry` for these turns, each with the person who speaks in it."""
        if not self.include_interviewer:
            respondents = [(t, p) for t, p in overlapping if p.role != INTERVIEWER_ROLE]
            if overlapping and not respondents:
                return None
            overlapping = respondents or overlapping
        if not overlapping:
            attrs = people.nobody().attributes
        elif len(overlapping) == 1:
            attrs = overlapping[0][1].attributes
        else:
            attrs = {}
            for _, person in overlapping:  # several people: their different values joined, in turn order
                for key, value in person.attributes.items():
                    known = attrs.get(key)
                    attrs[key] = join_values([known, value]) if key in attrs and known != value else value
        if any(value not in attrs.get(key, "").split("; ") for key, value in self.where):
            return None
        labels = (join_values(t[0] for t, _ in overlapping), join_values(t[3] for t, _ in overlapping),
                  join_values(p.name for _, p in overlapping), join_values(p.role for _, p in overlapping))
        ids = tuple(p.id for _, p in overlapping if p.id is not None)
        return labels, tuple(attrs.get(name) for name in self.attribute_names), ids, attrs


class _Person:
    """A participant (or nobody: an unmapped speaker, text outside turns) as seen in one source."""

    __slots__ = ("id", "name", "role", "attributes", "entry")

    def __init__(self, id: int | None, name: str | None, role: str | None, attributes: dict[str, str]):
        self.id, self.name, self.role, self.attributes = id, name, role, attributes
        self.entry: Any = _UNSEEN  # the entry of a coding in one turn of theirs (see _Walk._entry)


class _People:
    """Participants' names, roles and attributes as seen in one source at a time."""

    def __init__(self, store: Store):
        self.names = store.participant_ids()
        self.own = store.all_participant_attributes()
        self.appearance = store.all_appearance_attributes()
        self.source = store.all_source_attributes()
        self.sid = 0
        self.labels: dict[str, int | None] = {}
        self.known: dict[int | None, _Person] = {}

    def start_source(self, sid: int, labels: dict[str, int | None]) -> None:
        """From now on, people in source ``sid``, whose speaker labels stand for these participant ids."""
        self.sid, self.labels, self.known = sid, labels, {}

    def speaking(self, label: str) -> _Person:
        """Who speaks under this label (nobody when it is not mapped)."""
        return self.get(self.labels.get(label))

    def nobody(self) -> _Person:
        """Nobody: text outside every turn has the source's attributes alone."""
        return self.get(None)

    def get(self, pid: int | None) -> _Person:
        person = self.known.get(pid)
        if person is None:
            key = pid if pid in self.names else None  # a speaker mapped to a participant that is gone: nobody
            attributes = dict(self.source.get(self.sid, {}))
            role = None
            if key is not None:
                own, here = self.own.get(key, {}), self.appearance.get((self.sid, key), {})
                attributes.update(own)
                attributes.update(here)
                role = here["role"] if here.get("role") is not None else own.get("role")
            name = self.names.get(key) if key is not None else None
            person = self.known[pid] = _Person(key, name, role, attributes)
        return person
