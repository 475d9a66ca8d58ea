"""The agreement of coders computed plainly, one Python object per unit, to check the fast
:func:`coding.analysis.agreement.agreement` against (a test helper, not shipped with the package).

This is the implementation the toolkit had before agreement was made fast (commit 4afa700), kept
as it was apart from its imports: units are built per source from ``store.turns`` and
:func:`sentence_spans` of every turn, every coding marks the units it overlaps one by one, and the
coefficients are summed per unit. The coefficient functions themselves (which published values
check in test_agreement.py) are the package's."""

from __future__ import annotations

import bisect
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Sequence

from coding.analysis.agreement import UNITS, Values, _category_name, _number, _short, collapse, summarize
from coding.analysis.sentences import sentence_spans
from coding.errors import CodingError, NotFound
from coding.records import INTERVIEWER_ROLE, CodeTree
from coding.store import Store


@dataclass
class Unit:
    source_id: int
    source: str
    start: int
    end: int
    turn: int | None
    weight: int = 1
    marks: dict[str, set[int]] = field(default_factory=dict)  # coder -> codes whose codings overlap




def _units_of_source(store: Store, source, unit: str, include_interviewer: bool,
                     cuts: set[int]) -> list[Unit]:
    text = source["text"]
    turns = [t for t in store.turns(source["id"]) if include_interviewer or t["role"] != INTERVIEWER_ROLE]
    spans = [(t["start"], t["end"], t["idx"]) for t in turns]
    if not spans and not store.turns(source["id"]):
        spans = [(0, len(text), None)]
    out: list[Unit] = []
    for start, end, turn in spans:
        if unit == "turn":
            if text[start:end].strip():
                out.append(Unit(source["id"], source["name"], start, end, turn))
        elif unit == "sentence":
            out.extend(Unit(source["id"], source["name"], a, b, turn) for a, b in sentence_spans(text, start, end))
        else:
            points = sorted({start, end} | {c for c in cuts if start < c < end})
            for a, b in zip(points, points[1:]):
                weight = sum(not ch.isspace() for ch in text[a:b])
                if weight:
                    while text[a].isspace():
                        a += 1
                    while text[b - 1].isspace():
                        b -= 1
                    out.append(Unit(source["id"], source["name"], a, b, turn, weight))
    return out


# --------------------------------------------------------------------------- agreement


def reference_agreement(store: Store, coders: Sequence[str], *, unit: str = "turn", codes: Sequence[str] | None = None,
              exclusive: bool = False, include_interviewer: bool = False) -> dict:
    """Agreement of two or more coders on the sources at least two of them coded (see module doc)."""
    coders = [c.strip() for c in coders]
    if len(coders) < 2:
        raise CodingError("agreement needs at least two coders (--coder A --coder B)")
    if len(set(coders)) != len(coders):
        raise CodingError(f"a coder is named twice: {', '.join(coders)}")
    if unit not in UNITS:
        raise CodingError(f"unknown unit '{unit}' (units: {', '.join(UNITS)})")
    tree = CodeTree.load(store)
    codings_by_coder = {coder: list(store.codings(coder=coder)) for coder in coders}
    for coder, rows in codings_by_coder.items():
        if not rows:
            known = store.coders()
            raise NotFound(f"coder '{coder}' has no codings in the project"
                           + (f" (coders: {', '.join(known)})" if known else ""))
    if codes:
        from coding.importing import CodeNames

        names = CodeNames(tree)
        code_ids = []
        for name in codes:
            node, problem = names.find(name)
            if node is None:
                raise NotFound(problem)
            code_ids.append(node["id"])
        code_ids = list(dict.fromkeys(code_ids))
    else:
        code_ids = None

    coded_sources: dict[str, set[int]] = {c: {r["source_id"] for r in rows} for c, rows in codings_by_coder.items()}
    counted = Counter(sid for sids in coded_sources.values() for sid in sids)
    source_ids = sorted(sid for sid, n in counted.items() if n >= 2)
    if not source_ids:
        raise CodingError(f"no source was coded by at least two of {', '.join(coders)}")
    if code_ids is None:
        used = {r["code_id"] for rows in codings_by_coder.values() for r in rows if r["source_id"] in counted
                and counted[r["source_id"]] >= 2}
        order = {n["id"]: i for i, n in enumerate(tree.ordered())}
        code_ids = sorted(used, key=lambda i: (order.get(i, len(order)), tree.by_id[i]["code"]))
    selected = set(code_ids)

    by_source: dict[int, list[tuple[str, int, int, int]]] = defaultdict(list)
    for coder, rows in codings_by_coder.items():
        for r in rows:
            if r["code_id"] in selected:
                by_source[r["source_id"]].append((coder, r["code_id"], r["start"], r["end"]))
    units: list[Unit] = []
    sources = []
    texts: dict[int, str] = {}
    for sid in source_ids:
        source = store.source_by_id(sid)
        sources.append(source["name"])
        texts[sid] = source["text"]
        relevant = by_source.get(sid, [])
        cuts = {r[2] for r in relevant} | {r[3] for r in relevant}
        source_units = _units_of_source(store, source, unit, include_interviewer, cuts)
        starts = [u.start for u in source_units]
        for coder in coders:
            if sid in coded_sources[coder]:
                for u in source_units:
                    u.marks[coder] = set()
        for coder, code_id, start, end in relevant:
            i = max(0, bisect.bisect_right(starts, start) - 1)
            while i < len(source_units) and source_units[i].start < end:
                if source_units[i].end > start:
                    source_units[i].marks[coder].add(code_id)
                i += 1
        units.extend(source_units)

    def category(u: Unit, coder: str) -> frozenset | None:
        given = u.marks.get(coder)
        return frozenset(given) if given else None

    code_name = {i: tree.by_id[i]["code"] for i in code_ids}
    position = {code_id: i for i, code_id in enumerate(code_ids)}
    per_code: dict[str, dict] = {}
    disagreements: list[dict] = []
    coded_units = {c: defaultdict(float) for c in coders}  # coder -> code -> units they coded with it
    for u in units:
        for c in coders:
            for code_id in u.marks.get(c, ()):
                coded_units[c][code_id] += u.weight
    if not exclusive:
        pooled: list[tuple[Values, float]] = []
        # Most units carry no coding of a given code: start from "nobody coded it" and correct the rest.
        nobody: dict[tuple, float] = defaultdict(float)
        marked: dict[int, list[Unit]] = defaultdict(list)
        for u in units:
            nobody[tuple(0 if c in u.marks else None for c in coders)] += u.weight
            for code_id in set().union(*u.marks.values()) if u.marks else ():
                marked[code_id].append(u)
        for code_id in code_ids:
            patterns = defaultdict(float, nobody)
            for u in marked[code_id]:
                patterns[tuple(0 if c in u.marks else None for c in coders)] -= u.weight
                patterns[tuple(None if c not in u.marks else int(code_id in u.marks[c]) for c in coders)] += u.weight
            values = [(k, w) for k, w in patterns.items() if w > 0]
            pooled.extend(values)
            per_code[code_name[code_id]] = summarize(values)
        overall = summarize(pooled)
        overall["units"] = _number(sum(u.weight for u in units if sum(c in u.marks for c in coders) >= 2))
    else:
        categorical = collapse((tuple(category(u, c) for c in coders), u.weight) for u in units)
        overall = summarize([([_category_name(v, code_name) for v in values], w) for values, w in categorical])
        for code_id in code_ids:
            values = [([None if v is None else int(code_id in v) for v in vals], w) for vals, w in categorical]
            per_code[code_name[code_id]] = summarize(values)
        overall["combined_categories"] = _number(sum(
            u.weight for u in units if any(len(u.marks.get(c, ())) > 1 for c in coders)))
    for code_id in code_ids:
        per_code[code_name[code_id]]["coded"] = {c: _number(coded_units[c][code_id]) for c in coders}

    for u in units:
        present = [c for c in coders if c in u.marks and (u.marks[c] or not exclusive)]
        if len(present) < 2:
            continue
        for code_id in sorted(set().union(*(u.marks[c] for c in present)), key=position.__getitem__):
            by = [c for c in present if code_id in u.marks[c]]
            not_by = [c for c in present if c not in by]
            if by and not_by:
                piece = " ".join(texts[u.source_id][u.start:u.end].split())
                disagreements.append({"source": u.source, "turn": u.turn, "start": u.start, "end": u.end,
                                      "code": code_name[code_id], "coded_by": by, "not_coded_by": not_by,
                                      "missing": [c for c in coders if c not in present],
                                      "text": _short(piece)})
    if unit == "character":
        disagreements = _merge_spans(disagreements, {u.source: texts[u.source_id] for u in units})

    return {"unit": unit, "coders": list(coders), "mode": "exclusive" if exclusive else "presence",
            "sources": sources, "per_code": per_code, "overall": overall, "disagreements": disagreements}


def _merge_spans(rows: list[dict], texts: dict[str, str]) -> list[dict]:
    """Character segments next to each other (or apart by spaces only) with the same disagreement
    become one span. ``texts``: source name -> plain text."""
    def key(row: dict) -> tuple:
        return (row["source"], row["code"], row["turn"], tuple(row["coded_by"]), tuple(row["not_coded_by"]),
                tuple(row["missing"]))

    merged: list[dict] = []
    for row in sorted(rows, key=lambda r: (r["source"], r["code"], r["start"])):
        last = merged[-1] if merged else None
        text = texts[row["source"]]
        if last is not None and key(last) == key(row) and not text[last["end"]:row["start"]].strip():
            last["end"] = row["end"]
            last["text"] = _short(" ".join(text[last["start"]:last["end"]].split()))
            continue
        merged.append(dict(row))
    merged.sort(key=lambda r: (r["source"], r["start"], r["code"]))
    return merged


