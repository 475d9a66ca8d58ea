"""Agreement between coders: percent agreement, Cohen's kappa and Krippendorff's alpha (nominal).

Units are turns, sentences (within turns) or characters (non-space characters within turns) of the
sources that at least two of the compared coders coded (a coder "coded" a source when they have any
coding in it). For every unit, coder and code the value is 1 (a coding of that code by that coder
overlaps the unit) or 0; a coder who did not code the source gives a missing value there.

``exclusive``: the codes are one categorical variable; a unit's value for a coder is the code they
gave it (two or more codes given at once count as one combined category ``a+b``); a unit the coder
left uncoded is missing.

The coefficients are computed here from their definitions:

* Krippendorff's alpha (nominal) from the coincidence matrix: each unit with ``m >= 2`` values adds
  ``1/(m-1)`` for every ordered pair of its values; ``alpha = 1 - (n-1) * sum_{c!=k} o_ck /
  sum_{c!=k} n_c n_k``. Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability".
* Cohen's kappa for exactly two coders: ``(p_o - p_e) / (1 - p_e)`` with ``p_e`` from each coder's
  own marginal distribution (not ``1/categories``), over units both coded.
* Percent agreement: the share of units with two or more values where all values are equal.

Units carry a weight (1, or the number of characters of a character segment) so that character
units are counted exactly without one entry per character.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Hashable, Iterable, Iterator, Sequence

import numpy as np

from ..errors import CodingError, NotFound
from ..store import Store
from .segments import Context
from .sentences import BATCH_CHARACTERS, Runs, code_points, is_space, source_sentences

UNITS = ("turn", "sentence", "character")

Values = Sequence[Hashable | None]


# --------------------------------------------------------------------------- coefficients


def coincidences(units: Iterable[tuple[Values, float]]) -> dict[tuple[Hashable, Hashable], float]:
    """Krippendorff's coincidence matrix ``o[c, k]`` of weighted units (missing values are None)."""
    matrix: dict[tuple[Hashable, Hashable], float] = defaultdict(float)
    for values, weight in units:
        counts = Counter(v for v in values if v is not None)
        m = sum(counts.values())
        if m < 2:
            continue
        for c, n_c in counts.items():
            for k, n_k in counts.items():
                pairs = n_c * (n_k - 1) if c == k else n_c * n_k
                if pairs:
                    matrix[(c, k)] += weight * pairs / (m - 1)
    return dict(matrix)


def krippendorff_alpha_nominal(units: Iterable[tuple[Values, float]]) -> float | None:
    """Nominal alpha; None when undefined (fewer than two pairable values, or no variation at all)."""
    matrix = coincidences(units)
    marginals: dict[Hashable, float] = defaultdict(float)
    for (c, _), value in matrix.items():
        marginals[c] += value
    n = sum(marginals.values())
    if n <= 1:
        return None
    observed = sum(value for (c, k), value in matrix.items() if c != k)
    expected = (n * n - sum(v * v for v in marginals.values())) / (n - 1)
    if expected <= 1e-12:
        return None
    return 1.0 - observed / expected


def cohen_kappa(pairs: Iterable[tuple[Hashable, Hashable, float]]) -> float | None:
    """Cohen's kappa of two coders' values ``(a, b, weight)``; None when undefined (p_e = 1 or no units)."""
    total = agree = 0.0
    first: dict[Hashable, float] = defaultdict(float)
    second: dict[Hashable, float] = defaultdict(float)
    for a, b, weight in pairs:
        total += weight
        agree += weight if a == b else 0.0
        first[a] += weight
        second[b] += weight
    if total <= 0:
        return None
    p_o = agree / total
    p_e = sum(first[c] * second.get(c, 0.0) for c in first) / (total * total)
    if p_e >= 1 - 1e-12:
        return None
    return (p_o - p_e) / (1 - p_e)


def percent_agreement(units: Iterable[tuple[Values, float]]) -> float | None:
    """Percent of pairable units (two or more values) whose values are all equal."""
    total = agree = 0.0
    for values, weight in units:
        present = [v for v in values if v is not None]
        if len(present) < 2:
            continue
        total += weight
        if all(v == present[0] for v in present):
            agree += weight
    return 100.0 * agree / total if total else None


def collapse(units: Iterable[tuple[Values, float]]) -> list[tuple[tuple, float]]:
    """Identical units merged into one with the summed weight (the coefficients only see patterns)."""
    patterns: dict[tuple, float] = defaultdict(float)
    for values, weight in units:
        patterns[tuple(values)] += weight
    return list(patterns.items())


def summarize(units: Iterable[tuple[Values, float]]) -> dict:
    """units, percent agreement, kappa (two coders) and alpha of one variable."""
    pairable = [(v, w) for v, w in collapse(units) if sum(x is not None for x in v) >= 2]
    kappa = None
    if pairable and len(pairable[0][0]) == 2:
        kappa = cohen_kappa((v[0], v[1], w) for v, w in pairable)
    return {"units": _number(sum(w for _, w in pairable)),
            "percent_agreement": percent_agreement(pairable),
            "cohen_kappa": kappa,
            "krippendorff_alpha": krippendorff_alpha_nominal(pairable)}


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


# --------------------------------------------------------------------------- units

MAX_CODERS = 62   # a unit's coders are bits of one 64-bit integer
_SHIFT = np.int64(1) << np.int64(32)   # positions in a source are below 2**32
_NOT_SPACE = re.compile(r"\S")


@dataclass
class Units:
    """The units of the compared sources as columns, in source, turn (idx) and position order:
    ``source_id``, ``start``, ``end``, ``turn`` (idx, -1 for a source without turns), ``weight``."""

    source_id: np.ndarray
    start: np.ndarray
    end: np.ndarray
    turn: np.ndarray
    weight: np.ndarray

    @classmethod
    def of(cls, rows: list[tuple[np.ndarray, ...]]) -> "Units":
        if not rows:
            return cls(*(np.zeros(0, dtype=np.int64) for _ in range(5)))
        return cls(*(np.concatenate(column).astype(np.int64) for column in zip(*rows)))


def _turns_of(ctx: Context, source_ids: list[int], include_interviewer: bool) -> dict[int, tuple[np.ndarray, ...]]:
    """Per source: its turns' (idx, start, end) in idx order, the interviewer's left out unless
    ``include_interviewer``; a source without any turn is one piece (idx -1) over its text."""
    turns = ctx.turns
    sid = turns["source_id"]
    order = np.lexsort((turns["idx"], sid))
    lo = np.searchsorted(sid[order], source_ids, side="left").tolist()
    hi = np.searchsorted(sid[order], source_ids, side="right").tolist()
    out = {}
    for k, source_id in enumerate(source_ids):
        rows = order[lo[k]:hi[k]]
        if not include_interviewer:
            rows = rows[~turns["interviewer"][rows]]
        out[source_id] = (turns["idx"][rows], turns["start"][rows], turns["end"][rows], hi[k] > lo[k])
    return out


def _units(ctx: Context, unit: str, source_ids: list[int], texts: dict[int, str], include_interviewer: bool,
           cut_keys: np.ndarray) -> Units:
    """The units (see module doc) of these sources. ``cut_keys``: the starts and ends of the compared
    codings as ``source_id * 2**32 + position``, sorted (character units end at each of them)."""
    own = _turns_of(ctx, source_ids, include_interviewer)
    pieces = {}
    for source_id in source_ids:
        idx, start, end, any_turn = own[source_id]
        pieces[source_id] = (idx, start, end) if any_turn else \
            (np.array([-1]), np.array([0]), np.array([len(texts[source_id])]))
    rows = []
    if unit == "turn":
        for source_id in source_ids:
            idx, start, end = pieces[source_id]
            text = texts[source_id]
            keep = np.array([_NOT_SPACE.search(text, a, b) is not None
                             for a, b in zip(start.tolist(), end.tolist())], dtype=bool)
            rows.append((np.full(int(keep.sum()), source_id), start[keep], end[keep], idx[keep],
                         np.ones(int(keep.sum()), dtype=np.int64)))
    elif unit == "sentence":
        kept = source_sentences(ctx.store, ctx.turns, source_ids, texts)
        for source_id in source_ids:
            found = kept[source_id]
            idx = pieces[source_id][0]
            found = found[np.isin(found[:, 2], idx)]   # the turns taken (not the interviewer's)
            rows.append((np.full(len(found), source_id), found[:, 0], found[:, 1], found[:, 2],
                         np.ones(len(found), dtype=np.int64)))
    else:
        for batch in _batches(source_ids, texts):
            rows.append(_character_units(batch, pieces, texts, cut_keys))
    return Units.of(rows)


def _batches(source_ids: list[int], texts: dict[int, str]) -> Iterator[list[int]]:
    """The sources in runs of about BATCH_CHARACTERS characters, to be read as one array."""
    batch: list[int] = []
    size = 0
    for source_id in source_ids:
        batch.append(source_id)
        size += len(texts[source_id])
        if size >= BATCH_CHARACTERS:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def _character_units(batch: list[int], pieces: dict, texts: dict[int, str], cut_keys: np.ndarray) -> tuple:
    """Character units of these sources: each turn cut at every start and end of a compared coding
    in it; a piece's weight is its non-space characters, its ends trimmed of white space."""
    offsets = np.cumsum([0] + [len(texts[s]) for s in batch])
    space = Runs(is_space(code_points("".join(texts[s] for s in batch))))
    sid = np.concatenate([np.full(len(pieces[s][0]), s) for s in batch]).astype(np.int64)
    offset = np.concatenate([np.full(len(pieces[s][0]), offsets[k]) for k, s in enumerate(batch)]).astype(np.int64)
    idx, start, end = (np.concatenate([pieces[s][i] for s in batch]).astype(np.int64) for i in range(3))
    # the cuts strictly inside each turn, with the turn's own ends, in turn and position order
    lo = np.searchsorted(cut_keys, sid * _SHIFT + start, side="right")
    hi = np.maximum(np.searchsorted(cut_keys, sid * _SHIFT + end, side="left"), lo)
    inner = hi - lo
    turn_of = np.repeat(np.arange(len(idx)), inner + 2)
    first = np.cumsum(inner + 2) - (inner + 2)
    within = np.arange(len(turn_of)) - first[turn_of]
    points = (cut_keys[np.minimum(lo[turn_of] + within - 1, len(cut_keys) - 1)] & (_SHIFT - 1)) \
        if len(cut_keys) else np.zeros(len(turn_of), dtype=np.int64)
    points = np.where(within == 0, start[turn_of], np.where(within == inner[turn_of] + 1, end[turn_of], points))
    same = turn_of[1:] == turn_of[:-1]
    owner = turn_of[:-1][same]
    a = points[:-1][same] + offset[owner]
    b = points[1:][same] + offset[owner]
    weight = (b - a) - (space.count(b) - space.count(a))
    full = weight > 0
    a, b, owner, weight = a[full], b[full], owner[full], weight[full]
    a = space.after(a, b)
    b = space.before(b, a)
    return sid[owner], a - offset[owner], b - offset[owner], idx[owner], weight


# --------------------------------------------------------------------------- agreement


def _bits(mask: int, coders: Sequence[str]) -> list[str]:
    return [c for k, c in enumerate(coders) if mask >> k & 1]


def agreement(store: Store, coders: Sequence[str], *, unit: str = "turn", codes: Sequence[str] | None = None,
              exclusive: bool = False, include_interviewer: bool = False) -> dict:
    """Agreement of two or more coders on the sources at least two of them coded (see module doc)."""
    coders = [c.strip() for c in coders]
    if len(coders) < 2:
        raise CodingError("agreement needs at least two coders (--coder A --coder B)")
    if len(set(coders)) != len(coders):
        raise CodingError(f"a coder is named twice: {', '.join(coders)}")
    if len(coders) > MAX_CODERS:
        raise CodingError(f"agreement compares at most {MAX_CODERS} coders at once, not {len(coders)}")
    if unit not in UNITS:
        raise CodingError(f"unknown unit '{unit}' (units: {', '.join(UNITS)})")
    ctx = Context.load(store)
    tree = ctx.tree
    table = ctx.codings
    names = table["coders"]
    coder_of = np.full(len(names) + 1, -1, dtype=np.int64)   # the table's coder index -> ours
    for k, coder in enumerate(coders):
        if coder in names:
            coder_of[names.index(coder)] = k
    ours = coder_of[table["coder"]]
    counts = np.bincount(ours[ours >= 0], minlength=len(coders))
    for k, coder in enumerate(coders):
        if not counts[k]:
            known = store.coders()
            raise NotFound(f"coder '{coder}' has no codings in the project"
                           + (f" (coders: {', '.join(known)})" if known else ""))
    if codes:
        from ..importing import CodeNames

        code_names = CodeNames(tree)
        code_ids = []
        for name in codes:
            node, problem = code_names.find(name)
            if node is None:
                raise NotFound(problem)
            code_ids.append(node["id"])
        code_ids = list(dict.fromkeys(code_ids))
    else:
        code_ids = None

    mine = ours >= 0
    sid_all, coder_all, code_all = table["source_id"][mine], ours[mine], table["code_id"][mine]
    pairs = _distinct(sid_all * MAX_CODERS + coder_all)   # (source, coder) that coded it
    coded_sid, coded_by = pairs // MAX_CODERS, pairs % MAX_CODERS
    first = _run_starts(coded_sid)
    sources_all = coded_sid[first]
    presence = np.bitwise_or.reduceat(np.left_shift(1, coded_by), first) if len(first) else first
    many = np.array([bin(int(m)).count("1") >= 2 for m in presence.tolist()], dtype=bool)
    source_ids = sources_all[many].tolist()
    present_of = dict(zip(source_ids, presence[many].tolist()))
    if not source_ids:
        raise CodingError(f"no source was coded by at least two of {', '.join(coders)}")
    in_compared = np.isin(sid_all, source_ids)
    if code_ids is None:
        used = _distinct(code_all[in_compared]).tolist()
        order = {n["id"]: i for i, n in enumerate(tree.ordered())}
        code_ids = sorted(used, key=lambda i: (order.get(i, len(order)), tree.by_id[i]["code"]))
    position_of = {code_id: i for i, code_id in enumerate(code_ids)}
    selected = in_compared & np.isin(code_all, code_ids)
    c_sid, c_coder = sid_all[selected], coder_all[selected]
    position = np.full(int(max(code_ids, default=0)) + 1, -1, dtype=np.int64)
    position[code_ids] = np.arange(len(code_ids))
    c_code = position[code_all[selected]]
    c_start, c_end = table["start"][mine][selected], table["end"][mine][selected]

    sources = [ctx.sources[sid]["name"] for sid in source_ids]
    texts = store.texts_of(source_ids)
    cut_keys = _distinct(np.concatenate([c_sid * _SHIFT + c_start, c_sid * _SHIFT + c_end])) \
        if unit == "character" else np.zeros(0, dtype=np.int64)
    units = _units(ctx, unit, source_ids, texts, include_interviewer, cut_keys)
    marks = _marks(units, c_sid, c_start, c_end, c_coder, c_code, len(coders), len(code_ids))
    source_rank = np.searchsorted(np.asarray(source_ids, dtype=np.int64), units.source_id)
    present = np.asarray([present_of[s] for s in source_ids], dtype=np.int64)[source_rank] \
        if len(units.source_id) else np.zeros(0, dtype=np.int64)
    code_name = {i: tree.by_id[i]["code"] for i in code_ids}
    counted = _Counted(coders, code_ids, code_name, units, present, marks)
    per_code, overall = counted.categorical() if exclusive else counted.presence()
    for code_id in code_ids:
        coded = counted.coded[position_of[code_id]]
        per_code[code_name[code_id]]["coded"] = {c: _number(v) for c, v in zip(coders, coded)}
    disagreements = counted.disagreements(exclusive, unit == "character", sources, source_rank, texts)
    return {"unit": unit, "coders": list(coders), "mode": "exclusive" if exclusive else "presence",
            "sources": sources, "per_code": per_code, "overall": overall, "disagreements": disagreements}


def _marks(units: Units, sid, start, end, coder, code, n: int, m: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Which coder gave which code to which unit: a coding marks every unit it overlaps. Returns
    (unit, code, coders) per unit and code that any coder gave it, ``coders`` as bits, in unit and
    code order."""
    key_start = units.source_id * _SHIFT + units.start
    key_end = units.source_id * _SHIFT + units.end
    order = np.argsort(key_start, kind="stable")
    reach = np.maximum.accumulate(key_end[order]) if len(order) else key_end
    c_start, c_end = sid * _SHIFT + start, sid * _SHIFT + end
    lo = np.searchsorted(reach, c_start, side="right")
    hi = np.maximum(np.searchsorted(key_start[order], c_end, side="left"), lo)
    coding = np.repeat(np.arange(len(lo)), hi - lo)
    step = np.arange(len(coding)) - np.repeat(np.cumsum(hi - lo) - (hi - lo), hi - lo)
    unit = order[lo[coding] + step]
    touching = key_end[unit] > c_start[coding]   # all of them unless units overlap each other
    unit, coding = unit[touching], coding[touching]
    key = _distinct((unit * m + code[coding]) * n + coder[coding])
    group, who = key // n, key % n
    first = _run_starts(group)
    groups = group[first]
    bits = np.bitwise_or.reduceat(np.left_shift(1, who), first) if len(first) else first
    return groups // m, groups % m, bits


def _distinct(values: np.ndarray) -> np.ndarray:
    """The distinct values, sorted (np.unique, by sorting: it is faster here than its hashing)."""
    values = np.sort(values)
    return values[_run_starts(values)]


def _run_starts(values: np.ndarray) -> np.ndarray:
    """Where each run of equal values in ``values`` starts."""
    if not len(values):
        return np.zeros(0, dtype=np.int64)
    return np.flatnonzero(np.concatenate([[True], values[1:] != values[:-1]]))


def _groups(*columns: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows equal in every column form a group: (each group's first row, each row's group), the
    groups numbered in the order they first appear."""
    n = len(columns[0])
    if n == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    order = np.lexsort(columns[::-1])   # stable: the rows of a group stay in their order
    change = np.zeros(n, dtype=bool)
    change[0] = True
    for column in columns:
        ordered = column[order]
        change[1:] |= ordered[1:] != ordered[:-1]
    first = order[change]
    rank = np.argsort(first, kind="stable")
    number = np.empty(len(first), dtype=np.int64)
    number[rank] = np.arange(len(first))
    group = np.empty(n, dtype=np.int64)
    group[order] = number[np.cumsum(change) - 1]
    return first[rank], group


def _popcount(values: np.ndarray, n: int) -> np.ndarray:
    return sum(((values >> k) & 1 for k in range(n)), np.zeros(len(values), dtype=np.int64))


class _Counted:
    """The units and their marks (which coders gave which code to which unit), counted."""

    def __init__(self, coders: list[str], code_ids: list[int], code_name: dict[int, str], units: Units,
                 present: np.ndarray, marks: tuple[np.ndarray, np.ndarray, np.ndarray]):
        self.coders, self.code_ids, self.code_name = coders, code_ids, code_name
        self.units, self.present = units, present   # present: per unit, the coders who coded its source
        self.unit, self.code, self.bits = marks
        n, m = len(coders), len(code_ids)
        weight = units.weight[self.unit].astype(float)
        by_coder = [np.bincount(self.code, weights=np.where((self.bits >> k) & 1, weight, 0.0), minlength=m)
                    for k in range(n)] if m else []
        self.coded = [[by_coder[k][j] for k in range(n)] for j in range(m)]   # code -> coder -> units

    def _values(self, present: int, given: int | None = None) -> tuple:
        """A unit's values for one code: None for a coder who did not code the source, else 0 or
        whether they gave it (``given`` None: nobody did)."""
        return tuple(None if not present >> k & 1 else (0 if given is None else given >> k & 1)
                     for k in range(len(self.coders)))

    def presence(self) -> tuple[dict, dict]:
        """Each code a variable of its own (1: given, 0: not given), and all of them pooled."""
        weight = self.units.weight.astype(float)
        first, group = _groups(self.present)
        nobody: dict[tuple, float] = {}   # most units carry no coding of a code: start from "nobody coded it"
        for start, total in zip(first.tolist(), np.bincount(group, weights=weight).tolist()):
            nobody[self._values(int(self.present[start]))] = total
        per_code: dict[str, dict] = {}
        pooled: list[tuple[Values, float]] = []
        for j, code_id in enumerate(self.code_ids):
            at = np.flatnonzero(self.code == j)
            units, bits = self.unit[at], self.bits[at]
            present, w = self.present[units], weight[units]
            patterns = defaultdict(float, nobody)
            base_first, base = _groups(present)
            for start, total in zip(base_first.tolist(), np.bincount(base, weights=w).tolist()):
                patterns[self._values(int(present[start]))] -= total
            val_first, val = _groups(present, bits)
            for start, total in zip(val_first.tolist(), np.bincount(val, weights=w).tolist()):
                patterns[self._values(int(present[start]), int(bits[start]))] += total
            values = [(k, w) for k, w in patterns.items() if w > 0]
            pooled.extend(values)
            per_code[self.code_name[code_id]] = summarize(values)
        overall = summarize(pooled)
        overall["units"] = _number(int(self.units.weight[_popcount(self.present, len(self.coders)) >= 2].sum()))
        return per_code, overall

    def categorical(self) -> tuple[dict, dict]:
        """The codes one categorical variable: a unit's value for a coder is the set of codes they
        gave it (missing when none)."""
        n, total = len(self.coders), len(self.units.weight)
        # (unit, coder, code) for every code a coder gave a unit, in that order
        rows = [np.flatnonzero((self.bits >> k) & 1) for k in range(n)]
        unit = np.concatenate([self.unit[r] for r in rows])
        coder = np.concatenate([np.full(len(r), k) for k, r in enumerate(rows)]).astype(np.int64)
        code = np.concatenate([self.code[r] for r in rows])
        order = np.lexsort((code, coder, unit))
        unit, coder, code = unit[order], coder[order], code[order]
        starts = np.flatnonzero(np.concatenate([[True], (unit[1:] != unit[:-1]) | (coder[1:] != coder[:-1])])) \
            if len(unit) else np.zeros(0, dtype=np.int64)
        sizes = np.diff(np.append(starts, len(unit)))
        # a set of codes as a number: a single code its position, a combination one after the codes
        category = code[starts].copy()
        sets: list[frozenset] = [frozenset([code_id]) for code_id in self.code_ids]
        several = np.flatnonzero(sizes > 1)
        if len(several):
            widest = int(sizes.max())
            table = np.full((len(several), widest), -1, dtype=np.int64)
            for w in range(widest):
                has = sizes[several] > w
                table[has, w] = code[starts[several][has] + w]
            combos, which = np.unique(table, axis=0, return_inverse=True)
            category[several] = len(sets) + which.reshape(-1)
            sets += [frozenset(self.code_ids[j] for j in combo if j >= 0) for combo in combos.tolist()]
        change = np.zeros(len(starts), dtype=bool)
        change[_run_starts(unit[starts])] = True
        marked, unit_row = unit[starts][change], np.cumsum(change) - 1
        matrix = np.full((len(marked), n), -1, dtype=np.int64)
        matrix[unit_row, coder[starts]] = category
        weight = self.units.weight.astype(float)
        first, group = _groups(*matrix.T) if len(marked) else (np.zeros(0, dtype=np.int64),) * 2
        keys = [tuple(None if c < 0 else sets[c] for c in matrix[f].tolist()) for f in first.tolist()]
        weights = np.bincount(group, weights=weight[marked], minlength=len(first)).tolist()
        appears = marked[first].tolist()
        unmarked = np.ones(total, dtype=bool)
        unmarked[marked] = False
        if unmarked.any():   # units nobody gave a code: every value missing
            keys.append((None,) * n)
            weights.append(float(weight[unmarked].sum()))
            appears.append(int(np.argmax(unmarked)))
        categorical = [(keys[i], weights[i]) for i in np.argsort(appears, kind="stable").tolist()]
        overall = summarize([([_category_name(v, self.code_name) for v in values], w) for values, w in categorical])
        per_code = {}
        for code_id in self.code_ids:
            values = [([None if v is None else int(code_id in v) for v in vals], w) for vals, w in categorical]
            per_code[self.code_name[code_id]] = summarize(values)
        combined = np.zeros(total, dtype=bool)
        combined[unit[starts[several]]] = True
        overall["combined_categories"] = _number(int(self.units.weight[combined].sum()))
        return per_code, overall

    def disagreements(self, exclusive: bool, character: bool, sources: list[str], source_rank: np.ndarray,
                      texts: dict[int, str]) -> list[dict]:
        """Per unit and code: the coders who gave it and those who did not, among the coders who
        coded the source (``exclusive``: who gave the unit any code), where two or more did; in
        unit and code order. Character units: next to each other (or apart by white space only)
        with the same disagreement, one span, by source, start and code."""
        n = len(self.coders)
        present = self.present
        if exclusive:
            present = np.zeros(len(present), dtype=np.int64)
            np.bitwise_or.at(present, self.unit, self.bits)
        own = present[self.unit]
        differ = (_popcount(own, n) >= 2) & ((self.bits & own) != 0) & ((own & ~self.bits) != 0)
        unit = self.unit[differ]
        row = {"unit": unit, "code": self.code[differ], "by": self.bits[differ], "own": own[differ],
               "start": self.units.start[unit], "end": self.units.end[unit], "sid": self.units.source_id[unit],
               "rank": source_rank[unit], "turn": self.units.turn[unit]}
        if character:
            row = self._merged(row, sources, texts)
        every = (1 << n) - 1
        names: dict[int, list[str]] = {}

        def who(mask: int) -> list[str]:
            if mask not in names:
                names[mask] = _bits(mask, self.coders)
            return list(names[mask])

        rows = []
        columns = ("start", "end", "sid", "rank", "turn", "code", "by", "own")
        for a, b, source_id, r, t, j, given, coded in zip(*(row[c].tolist() for c in columns)):
            rows.append({"source": sources[r], "turn": None if t < 0 else t, "start": a, "end": b,
                         "code": self.code_name[self.code_ids[j]], "coded_by": who(given),
                         "not_coded_by": who(coded & ~given), "missing": who(every & ~coded),
                         "text": _short(" ".join(texts[source_id][a:b].split()))})
        return rows

    def _merged(self, row: dict[str, np.ndarray], sources: list[str], texts: dict[int, str]) -> dict[str, np.ndarray]:
        """Character disagreements by source name, code name and start, those next to each other (or
        apart by white space only) with the same code, turn and coders made one; then by source
        name, start and code name."""
        by_name = np.argsort(np.argsort(np.array(sources, dtype=object), kind="stable"), kind="stable")
        code_names = np.array([self.code_name[i] for i in self.code_ids], dtype=object)
        code_by_name = np.argsort(np.argsort(code_names, kind="stable"), kind="stable")
        row["source_name"], row["code_name"] = by_name[row["rank"]], code_by_name[row["code"]]
        order = np.lexsort((row["start"], row["code_name"], row["source_name"]))
        row = {k: v[order] for k, v in row.items()}
        merge = np.zeros(len(row["start"]), dtype=bool)
        merge[1:] = np.all([row[k][1:] == row[k][:-1] for k in ("sid", "code", "turn", "by", "own")], axis=0)
        start, end, sid = row["start"], row["end"], row["sid"]
        for i in np.flatnonzero(merge).tolist():   # ... and only white space between them
            merge[i] = _NOT_SPACE.search(texts[int(sid[i])], int(end[i - 1]), int(start[i])) is None
        heads = np.flatnonzero(~merge)
        last = np.append(heads[1:], len(merge)) - 1
        row = {k: (v[last] if k == "end" else v[heads]) for k, v in row.items()}
        order = np.lexsort((row["code_name"], row["start"], row["source_name"]))
        return {k: v[order] for k, v in row.items()}


def _category_name(value: frozenset | None, names: dict[int, str]) -> str | None:
    return None if value is None else "+".join(sorted(names[i] for i in value))


def _short(text: str, width: int = 200) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def agreement_rows(result: dict) -> list[dict]:
    """The per-code table plus an ``(overall)`` row, for table/xlsx output."""
    coders = result["coders"]
    rows = []
    for code, stats in result["per_code"].items():
        row = {"code": code, "units": stats["units"], "percent_agreement": stats["percent_agreement"],
               "cohen_kappa": stats["cohen_kappa"], "krippendorff_alpha": stats["krippendorff_alpha"]}
        for coder in coders:
            row[f"coded_by_{coder}"] = stats["coded"][coder]
        rows.append(row)
    overall = result["overall"]
    rows.append({"code": "(overall)", "units": overall["units"],
                 "percent_agreement": overall["percent_agreement"], "cohen_kappa": overall["cohen_kappa"],
                 "krippendorff_alpha": overall["krippendorff_alpha"]})
    return rows


def disagreement_rows(result: dict) -> list[dict]:
    return [{"source": d["source"], "turn": d["turn"], "start": d["start"], "end": d["end"], "code": d["code"],
             "coded_by": ", ".join(d["coded_by"]), "not_coded_by": ", ".join(d["not_coded_by"]),
             "text": d["text"]} for d in result["disagreements"]]
