"""Coded segments: the unit every count in the analysis is made of.

Rules (also in the README, section "Analysis"):

* A **segment** is a stretch of text where codings of the same code by the same coder in one source
  overlap or touch (one ends where the next starts); such codings are merged into one segment.
* A segment **belongs to the participant(s) whose turns it overlaps**. Interviewer turns (role
  ``Interviewer``) are left out unless ``include_interviewer``: a segment that lies only in interviewer
  turns does not count, and a segment that spans a question and its answer counts for the answer.
  A segment outside every turn (a source without turns, a heading) belongs to the source alone.
* A **parent code** counts the segments of its descendants rolled up: the codings of the code and of
  every code below it are merged as if they were one code, so text coded with two sub-codes counts
  once for the parent.
* An attribute value of a segment comes from the participant first, then from the source.

Everything here works on numpy columns (no Python object per coding) so that a matrix over a
million codings stays well under a second.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any, Iterable

import numpy as np

from .appearance import attribute_index, interviewer_by_appearance, values_by_appearance
from ..store.coding_table import select
from ..errors import CodingError, NotFound
from ..ordering import natural_key, natural_sorted
from ..records import INTERVIEWER_ROLE, CodeTree
from ..store import Store

ROOT = 0  # the virtual code above every code: "all codes together"
NONE_VALUE = "(none)"
BUILTIN_DIMENSIONS = ("code", "source", "participant", "coder")
WORD_RE = re.compile(r"\w+(?:[-'’]\w+)*")
_SHIFT = np.int64(1) << np.int64(32)  # positions in a source are below 2**32
_LOW = _SHIFT - 1
THREADED_MIN = 400_000  # intervals or segments; below this a second thread costs more than it saves


# Per open store, in ``store.memo[_MEMO_KEY]``: the context and the last segment builds, valid while
# its change stamp holds, so that a second matrix (by municipality after by role) or a heatmap after
# a table costs little. It lives on the store (not in a module-level dict keyed by the store, which
# the context's own reference to the store would keep alive for ever): Store.close() drops it, and
# a project dropped without closing takes it along.
_MEMO_KEY = "analysis"
_MEMO_SEGMENTS = 2


class UnknownAttribute(NotFound):
    """An attribute named in cols/rows/where/by that no participant or source has."""


def _cummax_by_group(group: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Running maximum of ``values`` restarting at each new ``group`` (groups sorted ascending)."""
    if len(values) == 0:
        return values.copy()
    base = values.min()
    span = np.int64(values.max() - base + 1)
    packed = group.astype(np.int64) * span + (values - base)
    return np.maximum.accumulate(packed) - group.astype(np.int64) * span + base


def distinct(values: np.ndarray) -> np.ndarray:
    """Sorted distinct values, by sorting (numpy's hash-based ``unique`` is slow on big int arrays)."""
    if len(values) == 0:
        return values.copy()
    ordered = np.sort(values)
    keep = np.empty(len(ordered), dtype=bool)
    keep[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]


def dense(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For small integers >= -1 (ids): the sorted distinct values and each element's index into them."""
    if len(values) == 0:
        return values.copy(), np.zeros(0, dtype=np.int64)
    shifted = values + 1
    seen = np.bincount(shifted) > 0
    position = np.cumsum(seen) - 1
    return np.flatnonzero(seen) - 1, position[shifted]


def present(values: np.ndarray) -> np.ndarray:
    """For small integers >= -1 (ids): the sorted distinct values (:func:`dense` without the index
    of each element, which costs a copy of the whole array)."""
    if len(values) == 0:
        return values.copy()
    shift = 1 if values.min() < 0 else 0  # -1 (none) is the only negative id; no copy without it
    return np.flatnonzero(np.bincount(values + shift if shift else values)) - shift


def merge_intervals(major: np.ndarray, position: np.ndarray, end: np.ndarray, *, presorted: bool = False,
                    rows: np.ndarray | None = None):
    """Merge overlapping or touching intervals within each (``major``, source) group.

    ``major`` is a small non-negative integer (code rank and coder), ``position`` is
    ``source_id * 2**32 + start``. With ``rows``, interval ``i`` is ``position[rows[i]]`` to
    ``end[rows[i]]`` (one coding counted for several codes, without copying it for each). With
    ``presorted`` (intervals in position order) a linear radix sort on ``major`` is enough.
    Returns ``(major, position, end, members)`` of the merged intervals in (major, position)
    order, ``members`` being how many input intervals each holds."""
    n = len(major)
    if n == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty, empty
    size = int(major.max()) + 1
    if presorted:
        order = np.argsort(major.astype(np.uint16) if size <= 65536 else major, kind="stable")
    else:
        order = np.lexsort((position if rows is None else position[rows], major))
    counts = np.bincount(major, minlength=size)
    bounds = np.concatenate([[0], np.cumsum(counts)])

    def merge(low: int, high: int):
        """Merge the intervals of majors ``low`` to ``high`` - 1 (each major on its own)."""
        a, b = int(bounds[low]), int(bounds[high])
        picked = order[a:b] if rows is None else rows[order[a:b]]  # straight to the coding
        pos = position[picked]
        reach = (pos & ~_LOW) + end[picked]  # packed end; its running maximum per major follows
        for m in (np.flatnonzero(counts[low:high]) + low).tolist():
            part = reach[bounds[m] - a:bounds[m + 1] - a]
            np.maximum.accumulate(part, out=part)
        new = np.empty(b - a, dtype=bool)
        if b == a:
            return (np.zeros(0, dtype=np.int64),) * 4
        new[0] = True
        np.greater(pos[1:], reach[:-1], out=new[1:])
        new[bounds[low:high][counts[low:high] > 0] - a] = True
        first = np.flatnonzero(new)
        last = np.append(first[1:], b - a) - 1
        majors = np.searchsorted(bounds, first + a, "right") - 1
        return majors, pos[first], reach[last] & _LOW, np.diff(np.append(first, b - a))

    split = int(np.searchsorted(bounds, n // 2))  # majors below `split` hold about half the rows
    if n < THREADED_MIN or not 0 < split < size:
        return merge(0, size)
    import threading  # the second half of the majors in a thread: numpy's loops let go of the lock

    box: dict[str, Any] = {}

    def second() -> None:
        try:
            box["merged"] = merge(split, size)
        except BaseException as exc:  # raised again below
            box["error"] = exc
    thread = threading.Thread(target=second, name="coding-merge", daemon=True)
    thread.start()
    merged = merge(0, split)
    thread.join()
    if "error" in box:
        raise box["error"]
    return tuple(np.concatenate([x, y]) for x, y in zip(merged, box["merged"]))


@dataclass
class Context:
    """What the analysis needs from the project besides the codings, loaded once."""

    store: Store
    tree: CodeTree
    sources: dict[int, dict]
    participants: dict[int, str]
    participant_attrs: dict[int, dict[str, str]]
    source_attrs: dict[int, dict[str, str]]
    _turns: Any  # the turn columns, or a function that waits for them (read in a thread)
    _codings: Any  # every coding (Store.coding_table), or a function that waits for it (read in a thread)
    _texts: dict[int, str] = field(default_factory=dict)
    _labels: tuple | None = None
    # a participant's attributes in one source (an interview list whose values differ between the
    # sources a person speaks in): {(source id, participant id): {name: value}}
    appearance_attrs: dict[tuple[int, int], dict[str, str]] = field(default_factory=dict)
    # per attribute name, what value_codes looks its values up in (shared with the contexts of parts)
    _attribute_tables: dict[str, tuple] = field(default_factory=dict)

    @classmethod
    def load(cls, store: Store) -> "Context":
        """The context of the project as it is now (kept while the project does not change)."""
        stamp = store.change_stamp()
        memo = store.memo.get(_MEMO_KEY)
        if memo is not None and memo["stamp"] == stamp:
            return memo["context"]
        store.memo.pop(_MEMO_KEY, None)  # the old context goes before the new one is read
        ctx = cls._read(store)
        store.memo[_MEMO_KEY] = {"stamp": stamp, "context": ctx, "segments": {}}
        return ctx

    @classmethod
    def _read(cls, store: Store) -> "Context":
        # the codings and the turns are read on connections of their own while this one reads the rest
        return cls.without_tables(store, codings=store.in_thread("coding_table"),
                                  turns=store.in_thread("turn_columns"))

    @classmethod
    def without_tables(cls, store: Store, *, codings: Any = None, turns: Any = None) -> "Context":
        """The project's codebook, sources, participants and attributes; the codings and the turns are
        read when first asked for (``codings``, ``turns``: functions that wait for them), or for a few
        sources at a time (:meth:`for_sources`)."""
        return cls(store=store, tree=CodeTree.load(store),
                   sources={r["id"]: {"name": r["name"], "language": r["language"]} for r in store.source_names()},
                   participants=store.participant_ids(), participant_attrs=store.all_participant_attributes(),
                   source_attrs=store.all_source_attributes(), _turns=turns or store.turn_columns,
                   _codings=codings or store.coding_table, appearance_attrs=store.all_appearance_attributes())

    def for_sources(self, source_ids: Iterable[int], kept: Any = None) -> "Context":
        """This context with the codings of these sources only, the turns of those with codings (``kept``:
        Store.kept_turns, to read them from), texts of its own; codebook, sources and people shared."""
        codings = self.store.coding_table(source_ids=source_ids)
        columns, speakers, timestamps = self.store.turns_of(present(codings["source_id"]).tolist(), kept=kept)
        return replace(self, _codings=codings, _turns=lambda: columns, _texts={}, _labels=(speakers, timestamps))

    @property
    def codings(self) -> dict[str, Any]:
        """Every coding as columns (see :meth:`Store.coding_table`); filter with
        :func:`coding.store.coding_table.select`."""
        if callable(self._codings):
            self._codings = self._codings()
        return self._codings

    @property
    def turns(self) -> dict[str, Any]:
        """Every turn as columns (see :meth:`Store.turn_columns`) with ``interviewer`` (bool),
        ``key_start`` and ``key_reach`` (packed positions: start, and the furthest end so far in
        the source) and ``monotone`` (no turn reaches past the next one)."""
        if callable(self._turns):
            turns = self._turns()
            uniq, inverse = dense(turns["participant_id"])
            interviewer = np.array([self.participant_attrs.get(int(p), {}).get("role") == INTERVIEWER_ROLE
                                    for p in uniq.tolist()], dtype=bool)
            turns["interviewer"] = interviewer[inverse] if len(uniq) else np.zeros(0, dtype=bool)
            interviewer_by_appearance(turns, self.appearance_attrs)  # a role given per source
            sid = turns["source_id"]
            turns["key_start"] = sid * _SHIFT + turns["start"]
            reach = _cummax_by_group(sid, turns["end"])
            turns["key_reach"] = sid * _SHIFT + reach
            turns["monotone"] = bool(np.all(reach == turns["end"]))
            turns["key_start_padded"] = np.append(turns["key_start"], [np.iinfo(np.int64).max] * 2)
            self._turns = turns
        return self._turns

    # ------------------------------------------------------------------ names
    def attribute_names(self) -> list[str]:
        names = {k for attrs in self.participant_attrs.values() for k in attrs}
        names |= {k for attrs in self.source_attrs.values() for k in attrs}
        names |= {k for attrs in self.appearance_attrs.values() for k in attrs}
        return sorted(names)

    def check_dimension(self, name: str, option: str, *, allow_code: bool = True) -> None:
        known = self.attribute_names()
        if name in known or name in BUILTIN_DIMENSIONS and (allow_code or name != "code"):
            return
        builtin = [b for b in BUILTIN_DIMENSIONS if allow_code or b != "code"]
        raise UnknownAttribute(
            f"unknown attribute '{name}' in {option}; the project's attributes are: "
            f"{', '.join(known) or '(none yet: import a manifest)'} (and {', '.join(builtin)})")

    def known_values(self, name: str) -> list[str] | None:
        """The values the project has for a dimension (None when it cannot say: coder)."""
        if name == "source":
            return natural_sorted(src["name"] for src in self.sources.values())
        if name == "participant":
            return natural_sorted(set(self.participants.values()))
        if name in ("coder", "code"):
            return None
        values = {attrs[name] for attrs in self.participant_attrs.values() if attrs.get(name)}
        values |= {attrs[name] for attrs in self.source_attrs.values() if attrs.get(name)}
        return sorted(values, key=natural_key)

    def check_value(self, name: str, value: str, option: str) -> None:
        """A filter value that matches nothing is a mistake (a typo, the wrong case): say which
        values there are, and which one was probably meant."""
        known = self.known_values(name)
        if known is None or value in known or value == NONE_VALUE:
            return
        import difflib

        def fold(text: str) -> str:     # case, and Danish letters as they are typed without them
            return text.casefold().replace("æ", "ae").replace("ø", "oe").replace("å", "aa")

        folded = {fold(k): k for k in known}
        guess = folded.get(fold(value))
        if guess is None:
            close = difflib.get_close_matches(fold(value), list(folded), n=1, cutoff=0.6)
            guess = folded[close[0]] if close else None
        shown = ", ".join(known[:30]) + (" ..." if len(known) > 30 else "")
        raise UnknownAttribute(f"no {name} is '{value}' in the project ({option} {name}={value}); "
                               f"the values are: {shown or '(none)'}"
                               + (f". Did you mean '{guess}'?" if guess else ""))

    def language(self, language: str | None = None) -> str:
        """The language for labels: the one asked for, else the majority of the sources' languages."""
        if language:
            return language
        counts: dict[str, int] = {}
        for src in self.sources.values():
            counts[src["language"]] = counts.get(src["language"], 0) + 1
        if counts:
            return max(sorted(counts), key=lambda k: counts[k])
        return "da"

    def turn_labels(self) -> tuple[list[str], list[str | None]]:
        """Speaker labels and timestamps per turn (loaded on first use)."""
        if self._labels is None:
            self._labels = self.store.turn_labels()
        return self._labels

    def texts(self, source_ids: Iterable[int]) -> dict[int, str]:
        missing = [int(s) for s in set(int(s) for s in source_ids) if s not in self._texts]
        if missing:
            self._texts.update(self.store.texts_of(missing))
        return self._texts

    # ------------------------------------------------------------------ code filter and targets
    def subtree(self, code_id: int) -> set[int]:
        children: dict[int | None, list[int]] = {}
        for node in self.tree.by_id.values():
            children.setdefault(node["parent_id"], []).append(node["id"])
        out, stack = set(), [code_id]
        while stack:
            cur = stack.pop()
            if cur not in out:
                out.add(cur)
                stack.extend(children.get(cur, []))
        return out

    def targets(self, code_ids: Iterable[int], *, mode: str, level: int | None, top: int | None,
                root: bool) -> dict[int, list[int]]:
        """The codes each coded code counts for.

        ``own``: the code itself. ``level``: its ancestor at depth ``level`` (the code itself if
        shallower), never above ``top`` (the code filter). ``outline``: the code and every ancestor
        down from ``top`` at depth <= ``level``. ``only-root``: nothing but the virtual root. With
        ``root`` every code also counts for the virtual root (all codes together)."""
        by_id = self.tree.by_id
        top_depth = by_id[top]["depth"] if top is not None else 1
        out: dict[int, list[int]] = {}
        for cid in code_ids:
            chain = []
            cur = by_id.get(cid)
            while cur is not None:
                chain.append(cur)
                if cur["id"] == top:
                    break
                cur = by_id.get(cur["parent_id"])
            chain.reverse()  # from the top (or the code filter) down to the code
            if mode == "own":
                targets = [cid]
            elif mode == "only-root":
                targets = []
            elif mode == "level":
                depth = max(min(level or 10**6, by_id[cid]["depth"]), top_depth)
                targets = [next(n["id"] for n in chain if n["depth"] == depth)]
            elif mode == "outline":
                limit = max(level or 10**6, top_depth)
                targets = [n["id"] for n in chain if n["depth"] <= limit]
            else:
                raise ValueError(mode)
            if root:
                targets.append(ROOT)
            out[cid] = targets
        return out

    def displayed_codes(self, *, mode: str, level: int | None, top: int | None) -> list[int]:
        """Codes that are rows (or columns) of a table, in codebook order."""
        nodes = self.tree.ordered()
        allowed = self.subtree(top) if top is not None else None
        top_depth = self.tree.by_id[top]["depth"] if top is not None else 1
        limit = max(level or 10**6, top_depth)
        out = []
        for node in nodes:
            if allowed is not None and node["id"] not in allowed:
                continue
            if mode == "outline" and node["depth"] > limit:
                continue
            if mode == "level" and node["depth"] > limit:
                continue
            out.append(node["id"])
        return out

    # ------------------------------------------------------------------ values of a dimension
    def value_codes(self, name: str, segs: "Segments") -> tuple[np.ndarray, list[str]]:
        """Per attributed piece: an index into the returned list of values (``(none)`` included)."""
        pairs = segs.pairs
        if name == "code":
            uniq, inv = dense(segs.code[pairs["seg"]])
            labels = [self.tree.by_id[int(u)]["path"] if int(u) != ROOT else "(all codes)" for u in uniq]
            return inv, labels
        if name == "source":
            uniq, inv = dense(pairs["sid"])
            return inv, [self.sources[int(u)]["name"] for u in uniq]
        if name == "coder":
            uniq, inv = dense(segs.coder[pairs["seg"]])
            return inv, [segs.coders[int(u)] if u >= 0 else NONE_VALUE for u in uniq]
        if name == "participant":
            uniq, inv = dense(pairs["pid"])
            return inv, [self.participants.get(int(u), NONE_VALUE) if u >= 0 else NONE_VALUE for u in uniq]
        if name not in self._attribute_tables:  # participants' values numbered first, then sources'
            values, labels = {NONE_VALUE: 0}, [NONE_VALUE]
            self._attribute_tables[name] = (attribute_index(self.participant_attrs, name, values, labels),
                                            attribute_index(self.source_attrs, name, values, labels), values, labels)
        by_participant, by_source, values, labels = self._attribute_tables[name]
        values, labels = dict(values), list(labels)  # values_by_appearance adds to them
        pid = pairs["pid"]
        sid = pairs["sid"]
        from_participant = np.full(len(pid), -1, dtype=np.int64)
        ok = (pid >= 0) & (pid < len(by_participant))
        from_participant[ok] = by_participant[pid[ok]]
        from_source = np.full(len(sid), -1, dtype=np.int64)
        ok = sid < len(by_source)
        from_source[ok] = by_source[sid[ok]]
        value = np.where(from_participant >= 0, from_participant, from_source)
        value = values_by_appearance(name, self.appearance_attrs, sid, pid, value, values, labels)
        value[value < 0] = 0
        return value, labels


@dataclass
class Segments:
    """Merged segments and their attributed pieces (segment x turn), as numpy columns.

    Segment columns: ``code`` (the code it counts for; ``ROOT`` = all codes), ``sid``, ``coder``
    (index into ``coders``, -1 when merged across coders), ``start``, ``end``, ``codings``.
    ``pairs``: one row per segment and overlapping respondent turn (``turn`` = row in the context's
    turn columns, -1 outside turns) with ``seg``, ``sid``, ``pid`` (-1 unknown), ``start``/``end``
    clipped to the turn."""

    ctx: Context
    code: np.ndarray
    sid: np.ndarray
    coder: np.ndarray
    start: np.ndarray
    end: np.ndarray
    codings: np.ndarray
    coders: list[str]
    pairs: dict[str, np.ndarray]

    def __len__(self) -> int:
        return len(self.code)

    def select_pairs(self, mask: np.ndarray) -> "Segments":
        """Keep only the attributed pieces in ``mask`` (segments without pieces stop counting)."""
        pairs = {k: v[mask] for k, v in self.pairs.items()}
        return Segments(self.ctx, self.code, self.sid, self.coder, self.start, self.end, self.codings,
                        self.coders, pairs)

    def live(self) -> np.ndarray:
        """Indices of the segments that still have an attributed piece, in order."""
        return distinct(self.pairs["seg"])  # pieces are in segment order: cheap

    def spans(self) -> tuple[np.ndarray, np.ndarray]:
        """Start and end of each attributed piece: the segment clipped to its turn."""
        seg, turn = self.pairs["seg"], self.pairs["turn"]
        start, end = self.start[seg], self.end[seg]
        if len(self.ctx.turns["start"]):
            inside = turn >= 0
            safe = np.maximum(turn, 0)
            start = np.where(inside, np.maximum(start, self.ctx.turns["start"][safe]), start)
            end = np.where(inside, np.minimum(end, self.ctx.turns["end"][safe]), end)
        return start, np.maximum(end, start)

    def words(self) -> np.ndarray:
        """Words in each attributed piece (a word cut by the piece's edge counts).

        One source at a time, its word positions let go before the next: memory stays that of the
        largest source, not of the corpus."""
        pairs = self.pairs
        out = np.zeros(len(pairs["seg"]), dtype=np.int64)
        if len(out) == 0:
            return out
        piece_start, piece_end = self.spans()
        by_source = np.argsort(pairs["sid"], kind="stable")
        sids = pairs["sid"][by_source]
        edges = np.flatnonzero(np.diff(sids)) + 1
        texts = self.ctx.texts(present(sids).tolist())
        for rows in np.split(by_source, edges):
            word_start, word_end = word_bounds(texts[int(pairs["sid"][rows[0]])])
            counted = (np.searchsorted(word_start, piece_end[rows], "left")
                       - np.searchsorted(word_end, piece_start[rows], "right"))
            out[rows] = np.maximum(counted, 0)
        return out


_WORD_CHARS: np.ndarray | None = None


def word_bounds(text: str) -> tuple[np.ndarray, np.ndarray]:
    """Starts and ends of the words of ``text``, as ``WORD_RE`` finds them, computed with numpy.

    A word is a run of word characters (``str.isalnum`` or ``_``); a hyphen or apostrophe between
    two word characters joins them ("co-operation", "don't")."""
    global _WORD_CHARS
    if _WORD_CHARS is None:
        _WORD_CHARS = np.array([chr(c).isalnum() or c == 95 for c in range(0x3000)], dtype=bool)
    points = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    inword = np.zeros(len(points), dtype=bool)
    low = points < len(_WORD_CHARS)
    inword[low] = _WORD_CHARS[points[low]]
    if not low.all():
        high = points[~low]
        uniq = dense(high.astype(np.int64))[0] if high.max() < 10_000_000 else np.unique(high)
        ok = np.array([chr(int(c)).isalnum() for c in uniq], dtype=bool)
        inword[~low] = ok[np.searchsorted(uniq, high)]
    if len(points) > 2:
        joiner = (points[1:-1] == 45) | (points[1:-1] == 39) | (points[1:-1] == 0x2019)
        inword[1:-1] |= joiner & inword[:-2] & inword[2:]
    edges = np.diff(np.concatenate([[0], inword.astype(np.int8), [0]]))
    return np.flatnonzero(edges == 1).astype(np.int64), np.flatnonzero(edges == -1).astype(np.int64)


def code_filter(ctx: Context, code: str | None) -> tuple[int | None, list[int] | None]:
    if code is None:
        return None, None
    node = ctx.tree.get(code)
    return node["id"], sorted(ctx.subtree(node["id"]))


def source_filter(ctx: Context, source: str | None) -> int | None:
    if source is None:
        return None
    for sid, src in ctx.sources.items():
        if src["name"] == source:
            return sid
    known = ", ".join(sorted(s["name"] for s in ctx.sources.values())[:10])
    raise NotFound(f"no source named '{source}' in the project" + (f" (sources: {known} ...)" if known else ""))


def check_filters(ctx: Context, *, level: int | None, where: dict[str, str] | None,
                  where_option: str = "--where") -> dict[str, str]:
    """The ``where`` as a new dict, once a bad level, attribute or value is refused."""
    if level is not None and level < 1:
        raise CodingError(f"--level must be 1 or more, not {level}")
    where = dict(where or {})
    for name, value in where.items():
        ctx.check_dimension(name, where_option, allow_code=False)
        ctx.check_value(name, value, where_option)
    return where


def build(ctx: Context, *, code: str | None = None, coder: str | None = None, origin: str | None = None,
          source: str | None = None, where: dict[str, str] | None = None, include_interviewer: bool = False,
          mode: str = "own", level: int | None = None, root: bool = False, by_coder: bool = True,
          where_option: str = "--where") -> Segments:
    """Segments of the codings that pass the filters, attributed to respondents' turns.

    ``mode``/``level``/``root``: which codes a coding counts for (see :meth:`Context.targets`);
    ``by_coder=False`` merges the codings of different coders too (coded text, for word counts)."""
    where = check_filters(ctx, level=level, where=where, where_option=where_option)
    key = (code, coder, origin, source, tuple(sorted(where.items())), include_interviewer, mode, level, root,
           by_coder)
    memo = ctx.store.memo.get(_MEMO_KEY)
    cached = memo["segments"] if memo is not None and memo["context"] is ctx else None
    if cached is not None and key in cached:
        return cached[key]
    segs = _build(ctx, code=code, coder=coder, origin=origin, source=source, where=where,
                  include_interviewer=include_interviewer, mode=mode, level=level, root=root, by_coder=by_coder)
    if cached is not None:
        while len(cached) >= _MEMO_SEGMENTS:
            cached.pop(next(iter(cached)))
        cached[key] = segs
    return segs


def _build(ctx: Context, *, code, coder, origin, source, where, include_interviewer, mode, level, root,
           by_coder) -> Segments:
    top, code_ids = code_filter(ctx, code)
    cols = select(ctx.codings, code_ids=code_ids, coder=coder, origin=origin, source_id=source_filter(ctx, source))
    coders = cols["coders"]
    codes_present = present(cols["code_id"]).tolist()
    targets = ctx.targets(codes_present, mode=mode, level=level, top=top, root=root or mode == "only-root")
    if mode == "only-root":
        targets = {k: [ROOT] for k in targets}
    # expand each coding to the codes it counts for (CSR over code ids)
    size = (max(codes_present) + 1) if codes_present else 1
    counts = np.zeros(size, dtype=np.int64)
    for cid, ts in targets.items():
        counts[cid] = len(ts)
    offsets = np.concatenate([[0], np.cumsum(counts)])
    flat = np.zeros(int(offsets[-1]), dtype=np.int64)
    for cid, ts in targets.items():
        flat[offsets[cid]:offsets[cid] + len(ts)] = ts
    code_id = cols["code_id"]
    position, end = cols["position"], cols["end"]
    coder_idx = cols["coder"] if by_coder else np.zeros(len(code_id), dtype=np.int64)
    presorted = bool(np.all(position[1:] >= position[:-1])) if len(position) else True
    # codes as dense ranks so that the sort key stays small
    target_ids, flat_rank = dense(flat)
    if len(code_id) and int(counts.max()) == 1 and int(counts[code_id].min()) == 1:
        target_rank = flat_rank[offsets[code_id]]  # one code each: no expansion
        row = None
    else:  # one row per coding and code it counts for, in coding order; positions are not copied
        reps = counts[code_id]
        row = np.repeat(np.arange(len(code_id)), reps)
        first_rep = np.cumsum(reps) - reps
        in_flat = np.arange(len(row)) + np.repeat(offsets[code_id] - first_rep, reps)
        target_rank = flat_rank[in_flat] if len(row) else np.zeros(0, dtype=np.int64)
        coder_idx = coder_idx[row]
    n_coder = max(len(coders), 1)
    major, seg_pos, e, members = merge_intervals(target_rank * n_coder + coder_idx, position, end,
                                                 presorted=presorted, rows=row)
    seg_coder = major % n_coder if by_coder else np.full(len(major), -1, dtype=np.int64)
    seg_code = target_ids[major // n_coder] if len(major) else np.zeros(0, dtype=np.int64)
    seg_sid, s = seg_pos >> 32, seg_pos & _LOW
    pairs = attribute_in_parallel(ctx, seg_sid, s, e, include_interviewer, packed=seg_pos)
    segs = Segments(ctx, seg_code, seg_sid, seg_coder, s, e, members, coders, pairs)
    for name, wanted in where.items():
        value, labels = ctx.value_codes(name, segs)
        if wanted in labels:
            segs = segs.select_pairs(value == labels.index(wanted))
        else:
            segs = segs.select_pairs(np.zeros(len(value), dtype=bool))
    return segs


def attribute_in_parallel(ctx: Context, sid: np.ndarray, start: np.ndarray, end: np.ndarray,
                     include_interviewer: bool, packed: np.ndarray) -> dict[str, np.ndarray]:
    """:func:`attribute`, the second half of the segments in a thread (numpy lets go of Python's
    lock in its loops, so two cores work); the pieces are the same, in the same order."""
    n = len(sid)
    if n < THREADED_MIN:
        return attribute(ctx, sid, start, end, include_interviewer, packed=packed)
    import threading

    ctx.turns  # read (and wait for) the turns before two threads look at them
    mid = n // 2
    box: dict[str, Any] = {}

    def second() -> None:
        try:
            box["pairs"] = attribute(ctx, sid[mid:], start[mid:], end[mid:], include_interviewer,
                                     packed=packed[mid:])
        except BaseException as exc:  # raised again below
            box["error"] = exc
    thread = threading.Thread(target=second, name="coding-attribute", daemon=True)
    thread.start()
    first = attribute(ctx, sid[:mid], start[:mid], end[:mid], include_interviewer, packed=packed[:mid])
    thread.join()
    if "error" in box:
        raise box["error"]
    later = box["pairs"]
    later["seg"] = later["seg"] + mid
    return {k: np.concatenate([first[k], later[k]]) for k in first}


def attribute(ctx: Context, sid: np.ndarray, start: np.ndarray, end: np.ndarray,
              include_interviewer: bool, packed: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Pieces of each segment per overlapping turn (interviewer turns dropped unless asked).

    One row per (segment, turn) in segment order: ``seg``, ``turn`` (-1: the segment lies outside
    every turn), ``sid``, ``pid`` (-1: no participant). ``packed``: ``sid * 2**32 + start`` when
    the caller has it already."""
    turns = ctx.turns
    n = len(sid)
    if packed is None:
        packed = sid * _SHIFT + start
    reach_end = np.maximum(end, start + 1)  # an empty coding still sits in a turn
    lo = np.searchsorted(turns["key_reach"], packed, "right")  # turns before lo end before the segment
    stop = packed + (reach_end - start)
    k = None
    if turns["monotone"]:  # turns lo, lo + 1, ... start before the segment ends? Two look-ups, no search
        key_start = turns["key_start_padded"]
        second = key_start[lo + 1] < stop
        if not second.any():
            k = (key_start[lo] < stop).astype(np.int64)
    if k is None:
        hi = np.searchsorted(turns["key_start"], stop, "left")
        k = np.maximum(hi - lo, 0)
    if turns["monotone"] and n and int(k.max()) <= 1:
        # the usual case: every segment within one turn (or none): one piece each, no expansion
        seg = np.arange(n)
        turn = np.where(k == 1, lo, -1)
        if not include_interviewer and len(turns["start"]):
            keep = (k == 0) | ~turns["interviewer"][np.minimum(lo, len(turns["start"]) - 1)]
            seg, turn = seg[keep], turn[keep]
        pid = turns["participant_id"][np.maximum(turn, 0)] if len(turns["start"]) else np.full(len(turn), -1)
        return {"seg": seg, "turn": turn, "sid": sid[seg], "pid": np.where(turn >= 0, pid, -1)}
    if not turns["monotone"]:  # turns that overlap each other: keep only real overlaps
        seg = np.repeat(np.arange(n), k)
        turn = np.arange(len(seg)) + np.repeat(lo - (np.cumsum(k) - k), k)
        real = (turns["end"][turn] > start[seg]) & (turns["start"][turn] < reach_end[seg])
        k = np.bincount(seg[real], minlength=n)
        lo = np.where(k > 0, lo, 0)
        turn_kept = turn[real]
    room = np.maximum(k, 1)  # a segment outside every turn keeps one piece, turn -1
    offset = np.cumsum(room) - room
    seg = np.repeat(np.arange(n), room)
    if turns["monotone"]:
        turn = np.arange(len(seg)) + np.repeat(lo - offset, room)
    else:
        turn = np.zeros(len(seg), dtype=np.int64)
        turn[np.flatnonzero(np.repeat(k > 0, room))] = turn_kept
    turn[offset[k == 0]] = -1
    if not include_interviewer and len(turns["start"]):
        keep = (turn < 0) | ~turns["interviewer"][np.maximum(turn, 0)]
        seg, turn = seg[keep], turn[keep]
    pid = turns["participant_id"][np.maximum(turn, 0)] if len(turns["start"]) else np.full(len(turn), -1)
    return {"seg": seg, "turn": turn, "sid": sid[seg], "pid": np.where(turn >= 0, pid, -1)}
