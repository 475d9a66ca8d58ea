"""The codebook as stored, who speaks in which turn, and sources and participants as flat records.

Every listing and analysis starts here (the list of codings: coding.analysis.coding_list). A coding
belongs to the participant(s) whose turns it overlaps; attributes come from the participant first,
then from the source.
"""

from __future__ import annotations

import bisect
import json
from dataclasses import dataclass
from typing import Iterable

from .errors import NotFound
from .ordering import natural_key
from .store import Store

INTERVIEWER_ROLE = "Interviewer"


@dataclass
class CodeTree:
    """The codebook as stored: ids, parents, paths and labels."""

    by_id: dict[int, dict]
    by_code: dict[str, dict]

    @classmethod
    def load(cls, store: Store) -> "CodeTree":
        by_id = {}
        for row in store.codes():
            by_id[row["id"]] = {
                "id": row["id"], "code": row["code"], "parent_id": row["parent_id"], "guid": row["guid"],
                "labels": json.loads(row["labels"] or "{}"), "definition": row["definition"],
                "include": row["include"], "exclude": row["exclude"],
                "examples": json.loads(row["examples"] or "[]"), "color": row["color"],
                "rules": json.loads(row["rules"] or "{}"), "codable": bool(row["codable"]),
                "position": row["position"],
            }
        for node in by_id.values():
            chain, seen, cur = [], set(), node
            while cur is not None and cur["id"] not in seen:
                seen.add(cur["id"])
                chain.append(cur["code"])
                cur = by_id.get(cur["parent_id"])
            node["path"] = "/".join(reversed(chain))
            node["depth"] = len(chain)
        return cls(by_id, {n["code"]: n for n in by_id.values()})

    def get(self, code: str) -> dict:
        node = self.by_code.get(code)
        if node is None:
            lowered = code.casefold()
            node = next((n for n in self.by_id.values()
                         if n["path"].casefold() == lowered
                         or any(str(v).casefold() == lowered for v in n["labels"].values())), None)
        if node is None:
            raise NotFound(f"no code '{code}' in the project's codebook")
        return node

    def children(self, code_id: int | None) -> list[dict]:
        return sorted((n for n in self.by_id.values() if n["parent_id"] == code_id),
                      key=lambda n: (n["position"], n["id"]))

    def descendants(self, code_id: int) -> list[int]:
        """The code and every code below it."""
        out, stack = [], [code_id]
        while stack:
            current = stack.pop()
            out.append(current)
            stack.extend(n["id"] for n in self.by_id.values() if n["parent_id"] == current)
        return out

    def ancestor_at(self, code_id: int, level: int) -> int:
        """The code's ancestor at depth ``level`` (1 = top level), or the code itself if shallower."""
        chain = []
        cur = self.by_id.get(code_id)
        while cur is not None:
            chain.append(cur["id"])
            cur = self.by_id.get(cur["parent_id"])
        chain.reverse()
        return chain[min(level, len(chain)) - 1]

    def label(self, code_id: int, language: str = "da") -> str:
        node = self.by_id[code_id]
        return node["labels"].get(language) or next(iter(node["labels"].values()), node["code"])

    def ordered(self) -> list[dict]:
        """Depth-first in codebook order."""
        out: list[dict] = []

        def walk(parent):
            for node in self.children(parent):
                out.append(node)
                walk(node["id"])
        walk(None)
        return out


class TurnIndex:
    """Turns per source with participant attributes, for attributing spans to speakers."""

    def __init__(self, store: Store):
        self.source_attrs = store.all_source_attributes()
        self.participant_attrs = store.all_participant_attributes()
        self.appearance_attrs = store.all_appearance_attributes()
        self.by_source: dict[int, list] = {}
        for row in store.all_turns():
            self.by_source.setdefault(row["source_id"], []).append(row)
        self.starts = {sid: [t["start"] for t in turns] for sid, turns in self.by_source.items()}

    def overlapping(self, source_id: int, start: int, end: int) -> list:
        turns = self.by_source.get(source_id, [])
        if not turns:
            return []
        i = max(0, bisect.bisect_right(self.starts[source_id], start) - 1)
        out = []
        while i < len(turns) and turns[i]["start"] < max(end, start + 1):
            t = turns[i]
            if t["end"] > start and t["start"] < max(end, start + 1):
                out.append(t)
            i += 1
        return out

    def attributes(self, source_id: int, participant_id: int | None) -> dict[str, str]:
        merged = dict(self.source_attrs.get(source_id, {}))
        if participant_id is not None:
            merged.update(self.participant_attrs.get(participant_id, {}))
            merged.update(self.appearance_attrs.get((source_id, participant_id), {}))
        return merged


def join_values(values: Iterable) -> str:
    """The distinct non-empty values, in order, joined with "; " (the turns, speakers ... a span covers)."""
    values = list(values)
    if len(values) == 1:  # most spans lie in one turn: no joining, no duplicates to drop
        value = values[0]
        return "" if value is None or value == "" else str(value)
    return "; ".join(dict.fromkeys(str(v) for v in values if v not in (None, "")))


def source_records(store: Store) -> list[dict]:
    """One record per source: name, format, language, counts, and its attributes."""
    attrs = store.all_source_attributes()
    out = []
    for row in store.sources():
        record = {"name": row["name"], "format": row["format"], "language": row["language"],
                  "turns": row["turns"], "speakers": row["speakers"], "codings": row["codings"],
                  "characters": row["characters"]}
        record.update(attrs.get(row["id"], {}))
        out.append(record)
    rule_languages = _rule_languages(store)
    if rule_languages and any(r["language"] not in rule_languages for r in out):
        # the codebook has rules, but none in some source's language: auto-coding skips that source
        for record in out:
            record["rules"] = ("yes" if record["language"] in rule_languages
                               else f"none in {record['language']}: not auto-coded")
    return out


def _rule_languages(store: Store) -> set[str]:
    """Languages the codebook has auto-coding rules in."""
    import json

    languages: set[str] = set()
    for code in store.codes():
        rules = json.loads(code["rules"] or "{}")
        if isinstance(rules, dict):
            languages |= {lang for lang, value in rules.items() if value}
    return languages


def participant_records(store: Store) -> list[dict]:
    """One record per participant: id, turns, where they appear, whether the manifest named them, attributes."""
    attrs = store.all_participant_attributes()
    # a value that differs between the sources a participant speaks in, shown per source
    per_source: dict[int, dict[str, list[str]]] = {}
    names = {r["id"]: r["name"] for r in store.source_names()}
    for (sid, pid), values in sorted(store.all_appearance_attributes().items()):
        for name, value in values.items():
            per_source.setdefault(pid, {}).setdefault(name, []).append(f"{value} ({names.get(sid, sid)})")
    out = []
    for row in store.participants():
        record = {"participant": row["pid"], "turns": row["turns"], "appears_in": row["appears_in"] or "",
                  "from_manifest": not row["auto"]}
        record.update(attrs.get(row["id"], {}))
        record.update({k: "; ".join(v) for k, v in per_source.get(row["id"], {}).items()})
        record.setdefault("role", "")
        out.append(record)
    return out


def source_view(store: Store, source) -> dict:
    """A source (its stored row) as turns with speaker, participant, role, timestamps, text and codes."""
    text = source["text"]
    codings = store.source_codings(source["id"])
    memo_ids = {cid: [m["id"] for m in rows] for cid, rows in store.coding_memos(source["id"]).items()}
    turns = []
    for t, inside in _codings_per_turn(list(store.turns(source["id"])), codings):
        codes = sorted({c["code"] for c in inside})
        with_memo = [{"coding": c["id"], "code": c["code"], "memos": memo_ids[c["id"]]}
                     for c in inside if c["id"] in memo_ids]
        turns.append({"index": t["idx"], "speaker": t["speaker"], "participant": t["participant"],
                      "role": t["role"], "start": t["start"], "end": t["end"], "timestamp": t["timestamp"],
                      "text": text[t["start"]:t["end"]], "codes": codes, "codings_with_memos": with_memo})
    return {"source": source["name"], "format": source["format"], "language": source["language"],
            "attributes": store.source_attributes(source["id"]), "turns": turns}


def _codings_per_turn(turns: list, codings: list):
    """Each turn with the codings that overlap it (in the codings' order), in one sweep over both
    sorted by start rather than every coding tested against every turn."""
    order = sorted(range(len(codings)), key=lambda i: codings[i]["start"])
    inside: dict[int, list] = {}
    active: list[int] = []
    next_coding = 0
    for ti in sorted(range(len(turns)), key=lambda i: turns[i]["start"]):
        start, end = turns[ti]["start"], turns[ti]["end"]
        while next_coding < len(order) and codings[order[next_coding]]["start"] < end:
            active.append(order[next_coding])
            next_coding += 1
        # turns come by start, so a coding that ends before this one starts overlaps no later turn
        active = [i for i in active if codings[i]["end"] > start]
        inside[ti] = [codings[i] for i in sorted(active) if codings[i]["start"] < end]
    for ti, turn in enumerate(turns):
        yield turn, inside[ti]


def case_values(store: Store, case_by: str) -> list[str]:
    """Every case of a case attribute, sorted; raises NotFound for an attribute nobody has."""
    if case_by == "participant":
        values = []
        attrs = store.all_participant_attributes()
        for row in store.participants():
            if attrs.get(row["id"], {}).get("role") == INTERVIEWER_ROLE:
                continue
            values.append(row["pid"])
        return sorted(values, key=natural_key)
    if case_by == "source":
        return [row["name"] for row in store.sources()]
    values = store.attribute_values(case_by)
    if not values:
        names = ", ".join(n for n in store.attribute_names() if n != "role") or "(none)"
        raise NotFound(f"no participant or source has the attribute '{case_by}' "
                       f"(attributes in the project: {names}, or use participant or source)")
    return values
