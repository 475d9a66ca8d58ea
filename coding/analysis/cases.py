"""The case model behind the framework matrix and the case-history appendix.

Cases are the values of a case attribute (``municipality``, ``participant``, ``source`` or any
participant or source attribute); themes are codes (the top-level codes unless named). A cell is
one case and one theme: its segments (a theme counts the segments of its sub-codes), the
participants they come from, the analyst's summary and the quotes. Interviewer turns are left out.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from ..records import INTERVIEWER_ROLE, CodeTree, TurnIndex, join_values
from .segments import Context, build
from .summaries import case_values, summary_map
from ..errors import NotFound
from ..ordering import natural_key


@dataclass
class Quote:
    text: str
    source: str
    turn: str
    timestamp: str | None
    role: str
    participant: str
    participants: list[str]
    order: tuple  # (source position, start): turn order within the project


@dataclass
class Theme:
    code: str
    code_id: int
    label: str


@dataclass
class Cell:
    segments: int = 0
    participants: set = field(default_factory=set)
    quotes: list[Quote] = field(default_factory=list)
    summary: str | None = None

    def best(self, limit: int = 3) -> list[Quote]:
        """Up to ``limit`` quotes, best first as ranked by :meth:`coding.Project.quotes` (whole
        sentences of readable length), from as many different people as possible; in turn order."""
        chosen: list[Quote] = []
        seen: set[str] = set()
        for q in self.quotes:
            if len(chosen) == limit:
                break
            if q.participant not in seen:
                chosen.append(q)
                seen.add(q.participant)
        for q in self.quotes:
            if len(chosen) == limit:
                break
            if q not in chosen:
                chosen.append(q)
        return sorted(chosen, key=lambda q: q.order)

    def in_turn_order(self, limit: int | None = None) -> list[Quote]:
        quotes = sorted(self.quotes, key=lambda q: q.order)
        if limit is None or len(quotes) <= limit:
            return quotes
        keep = set(id(q) for q in self.best(limit))
        return [q for q in quotes if id(q) in keep]


@dataclass
class Person:
    participant: str
    role: str
    labels: list[str]
    turns: int
    first: tuple


@dataclass
class Interview:
    source: str
    attributes: dict[str, str]
    people: list[Person]


@dataclass
class Case:
    value: str
    interviews: list[Interview]
    status: str = "draft"
    date: str | None = None
    first: tuple = ()

    @property
    def people(self) -> list[Person]:
        seen: dict[str, Person] = {}
        for interview in self.interviews:
            for person in interview.people:
                seen.setdefault(person.participant, person)
        return list(seen.values())


@dataclass
class CaseModel:
    case_by: str
    language: str
    cases: list[Case]
    themes: list[Theme]
    cells: dict[tuple[str, str], Cell]

    def cell(self, case: str, code: str) -> Cell:
        return self.cells.get((case, code)) or Cell()


def _split(value) -> list[str]:
    if value in (None, ""):
        return []
    return [v for v in str(value).split("; ") if v]


def project_language(store) -> str:
    languages = Counter(row["language"] for row in store.sources())
    return "en" if languages and languages.most_common(1)[0][0] == "en" else "da"


def resolve_themes(tree: CodeTree, themes: list[str] | None, language: str) -> list[Theme]:
    if themes:
        nodes = [tree.get(t) for t in themes]
    else:
        nodes = tree.children(None)
    if not nodes:
        raise NotFound("the project has no codes; import a codebook first (coding codebook import FILE)")
    out, seen = [], set()
    for node in nodes:
        if node["code"] not in seen:
            seen.add(node["code"])
            out.append(Theme(node["code"], node["id"], tree.label(node["id"], language)))
    return out


_SPACE = re.compile(r"\s+")
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")


def shorten(text: str, limit: int = 320) -> str:
    """A quote of at most about ``limit`` characters: whole sentences where possible."""
    text = _SPACE.sub(" ", text).strip()
    if len(text) <= limit:
        return text
    out = ""
    for sentence in _SENTENCE_END.split(text):
        if out and len(out) + 1 + len(sentence) > limit:
            break
        out = f"{out} {sentence}".strip()
    if len(out) > limit or not out:
        out = text[:limit].rsplit(" ", 1)[0].rstrip(",;:") 
    return out + " …"


def _count_cells(ctx: Context, case_by: str, theme_list: list[Theme], where: dict[str, str] | None,
                 by_case: dict) -> dict[tuple[str, str], Cell]:
    """The cells' segments and participants: each segment of a theme (its sub-codes rolled up, as
    :meth:`coding.Project.segments` lists them with ``rollup``) counts once for every case it
    belongs to, its participants (those of the turns it spans) go to the cell. Read from the segment
    columns; a segment's values over several turns are joined as the segment list joins them."""
    segs = build(ctx, where=where, mode="outline")
    pairs = segs.pairs
    theme_code = {t.code_id: t.code for t in theme_list}
    piece_code = segs.code[pairs["seg"]]
    keep = np.flatnonzero(np.isin(piece_code, np.array(sorted(theme_code), dtype=np.int64)))
    seg, pid, sid = pairs["seg"][keep], pairs["pid"][keep], pairs["sid"][keep]
    people = [ctx.participants.get(p, "") or "" if p >= 0 else "" for p in pid.tolist()]
    if case_by == "participant":
        values = people
    elif case_by == "source":
        values = [ctx.sources[s]["name"] for s in sid.tolist()]
    elif case_by in ctx.attribute_names():
        value, labels = ctx.value_codes(case_by, segs)
        shown = ["", *labels[1:]]  # (none): no value
        values = [shown[v] for v in value[keep].tolist()]
    else:
        values = [""] * len(keep)
    codes = piece_code[keep].tolist()
    edges = [0, *(np.flatnonzero(np.diff(seg)) + 1).tolist(), len(keep)]  # pieces of one segment together
    cells: dict[tuple[str, str], Cell] = {}
    split: dict[str, list[str]] = {}  # the same texts recur in many segments: each split once

    def split_once(text: str) -> list[str]:
        found = split.get(text)
        if found is None:
            found = split[text] = _split(text)
        return found

    for a, b in zip(edges, edges[1:]):
        if a == b:
            continue
        many = b - a > 1  # a segment over several turns: its values joined (one alone is as it is)
        who = split_once(join_values(people[a:b]) if many else people[a])
        if case_by == "participant":
            where_ = who
        elif case_by == "source":  # a source's name as it is
            where_ = [values[a]]
        else:
            where_ = split_once(join_values(values[a:b]) if many else values[a])
        code = theme_code[codes[a]]
        for case in where_:
            if case not in by_case:
                continue
            cell = cells.get((case, code))
            if cell is None:
                cell = cells[(case, code)] = Cell()
            cell.segments += 1
            cell.participants.update(who)
    return cells


def build_model(project, case_by: str, *, themes: list[str] | None = None,
                where: dict[str, str] | None = None, language: str | None = None,
                quote_chars: int = 300, passages=None) -> CaseModel:
    """Cases, themes and cells of a project for the framework matrix and the appendix.

    ``passages``: a :class:`coding.analysis.quotes.PassageCache` shared with other quote lists of
    the same themes (the pipeline's report), so that each theme's passages are found once."""
    store = project.store
    language = language or project_language(store)
    tree = CodeTree.load(store)
    theme_list = resolve_themes(tree, themes, language)
    values = case_values(store, case_by)  # raises NotFound for an unknown attribute
    summaries = summary_map(store, case_by)
    statuses = {r["case_value"]: r for r in store.case_statuses(case_by)}

    source_rows = store.sources()
    position = {row["name"]: i for i, row in enumerate(source_rows)}
    turns = TurnIndex(store)

    def cases_of(attrs: dict, participant: str | None, source: str) -> list[str]:
        if case_by == "participant":
            return [participant] if participant else []
        if case_by == "source":
            return [source]
        return _split(attrs.get(case_by))

    # interviews and people per case
    people: dict[tuple[str, int | None], dict] = {}
    for source_id, rows in turns.by_source.items():
        for t in rows:
            if t["role"] == INTERVIEWER_ROLE or t["participant"] is None:
                continue
            key = (source_id, t["participant_id"])
            entry = people.setdefault(key, {"participant": t["participant"], "role": t["role"] or "",
                                            "labels": [], "turns": 0, "first": (source_id, t["start"])})
            entry["turns"] += 1
            if t["speaker"] not in entry["labels"]:
                entry["labels"].append(t["speaker"])
    source_name = {row["id"]: row["name"] for row in source_rows}
    by_case: dict[str, dict[str, Interview]] = {v: {} for v in values}
    first_seen: dict[str, tuple] = {}
    for (source_id, participant_id), entry in sorted(people.items(), key=lambda kv: kv[1]["first"]):
        name = source_name[source_id]
        attrs = turns.attributes(source_id, participant_id)
        order = (position[name], entry["first"][1])
        person = Person(entry["participant"], entry["role"], entry["labels"], entry["turns"], order)
        for case in cases_of(attrs, entry["participant"], name):
            if where and any(v not in _split(attrs.get(k)) for k, v in where.items()):
                continue
            interviews = by_case.setdefault(case, {})
            interview = interviews.get(name)
            if interview is None:
                interview = interviews[name] = Interview(name, dict(turns.source_attrs.get(source_id, {})), [])
            interview.people.append(person)
            first_seen[case] = min(first_seen.get(case, order), order)

    ctx = Context.load(store)
    role_of = {pid: ctx.participant_attrs.get(id_, {}).get("role", "") for id_, pid in ctx.participants.items()}
    cells = _count_cells(ctx, case_by, theme_list, where, by_case)
    # a sentence serves one theme per table (the one whose rules hold it most strongly)
    chosen = project.quote_lists([theme.code for theme in theme_list], by=case_by, limit=None, where=where,
                                 max_chars=quote_chars, language=language, passages=passages)
    for theme in theme_list:
        quotes = chosen[theme.code]
        for row in quotes.rows:
            case = row["group"]
            if case not in by_case:
                continue
            turn = row["turn"]
            quote = Quote(
                text=shorten(row["text"], quote_chars * 2), source=row["source"],
                turn="" if turn is None or turn != turn else str(int(turn)),
                timestamp=row["timestamp"] if isinstance(row["timestamp"], str) and row["timestamp"] else None, role=role_of.get(row["participant"], ""),
                participant=row["participant"] if isinstance(row["participant"], str) else "",
                participants=[row["participant"]] if isinstance(row["participant"], str) and row["participant"] else [],
                order=(position.get(row["source"], 0), int(row["start"])))
            cells.setdefault((case, theme.code), Cell()).quotes.append(quote)
    cases = []
    for value in sorted(by_case, key=(lambda v: first_seen.get(v, (1e9,))) if case_by == "participant"
                        else natural_key):
        interviews = sorted(by_case[value].values(), key=lambda i: position.get(i.source, 0))
        if not interviews and not any(key[0] == value for key in cells):
            continue
        status = statuses.get(value)
        cases.append(Case(value, interviews, status["status"] if status else "draft",
                          status["date"] if status else None, first_seen.get(value, ())))
    for (case, code), text in ((k, v) for k, v in summaries.items()):
        theme = next((t for t in theme_list if t.code_id == code), None)
        if theme is not None and any(c.value == case for c in cases):
            cells.setdefault((case, theme.code), Cell()).summary = text
    return CaseModel(case_by, language, cases, theme_list, cells)


