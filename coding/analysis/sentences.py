"""Sentences of a transcript: the sentence unit of agreement and of coding sheets.

A sentence ends at ``.`` ``!`` ``?`` or ``…`` (with any closing quotes or brackets after it) followed
by white space and then a capital letter or an opening quote, bracket or dash, or at a line break;
"f.eks. når" and "ca. 20" go on. Sentences lie within a turn (a source without turns is one piece)
and carry no white space at either end.

:func:`sentence_spans` says it as a regular expression over one turn; :func:`split_sources` gives
the same spans for every turn of many sources at once with numpy (no Python step per sentence),
and :func:`source_sentences` keeps them in the project (``sentence_cache``), each row tagged with
what it was made from (the splitting rule, the text's digest and the turns' bounds): a row that no
longer matches its source is split again, never used.
"""

from __future__ import annotations

import hashlib
import re
from typing import Iterable, Sequence

import numpy as np

from ..store import Store

SENTENCE_MARKS = ".!?…"
SENTENCE_CLOSERS = "\"'»”’)"   # closing quotes and brackets, after a mark
SENTENCE_OPENERS = "\"'«“‘(-–"
SENTENCE_END = re.compile(rf"(?<=[{re.escape(SENTENCE_MARKS)}])[{re.escape(SENTENCE_CLOSERS)}]*\s+|\n+")
SENTENCE_RULE = 1
"""The version of the splitting rule; kept sentences made by another version are split again."""

SPACE_LIMIT = 0x3001
"""Every code point that Python calls white space (``str.isspace``, ``\\s``) is below this."""
_SPACE, _END, _QUOTE = 1, 2, 4   # kinds of character, as bits
_KINDS = np.array([(_SPACE if chr(c).isspace() else 0) | (_END if chr(c) in SENTENCE_MARKS else 0)
                   | (_QUOTE if chr(c) in SENTENCE_CLOSERS else 0)
                   for c in range(SPACE_LIMIT)] + [0], dtype=np.uint8)   # the last: every code point above
_ASCII_STARTS = np.array([chr(c).isupper() or chr(c) in SENTENCE_OPENERS for c in range(128)], dtype=bool)
BATCH_CHARACTERS = 4_000_000  # texts split together: numpy steps over long arrays, bounded memory
SOURCES_READ_AT_ONCE = 100    # texts read from the project together to be split (and then let go)


def sentence_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Sentences of ``text[start:end]``: they end at . ! ? … before a capital letter, or at a line break."""
    spans = []
    position = start
    piece = text[start:end]
    for match in SENTENCE_END.finditer(piece):
        if "\n" not in match.group(0):
            following = piece[match.end():match.end() + 1]
            if not (following.isupper() or (following and following in SENTENCE_OPENERS)):
                continue  # "f.eks. når", "ca. 20": not a sentence end
        spans.append((position, start + match.start()))
        position = start + match.end()
    spans.append((position, end))
    out = []
    for a, b in spans:
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if b > a:
            out.append((a, b))
    return out


def code_points(text: str) -> np.ndarray:
    """The text as an array of code points (index i is ``text[i]``)."""
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<u4")


def kinds(points: np.ndarray) -> np.ndarray:
    """Per code point, bits: white space (``str.isspace``, ``\\s``), a sentence end, a closing quote."""
    return _KINDS.take(points, mode="clip")   # above the table: its last entry


def is_space(points: np.ndarray) -> np.ndarray:
    """``str.isspace`` of every code point."""
    return (kinds(points) & _SPACE).astype(bool)


class Runs:
    """The runs of consecutive positions where ``mask`` holds, to step over them."""

    def __init__(self, mask: np.ndarray):
        self.mask = mask
        self._before: np.ndarray | None = None   # positions in runs before each run
        if not len(mask):
            self.starts = self.ends = np.zeros(0, dtype=np.int64)
            return
        edges = np.flatnonzero(mask[1:] != mask[:-1]) + 1
        if mask[0]:
            edges = np.concatenate([[0], edges])
        if mask[-1]:
            edges = np.append(edges, len(mask))
        self.starts, self.ends = edges[0::2], edges[1::2]

    def count(self, at: np.ndarray) -> np.ndarray:
        """For each position: how many positions before it are in a run."""
        if not len(self.starts):
            return np.zeros(len(at), dtype=np.int64)
        if self._before is None:
            self._before = np.concatenate([[0], np.cumsum(self.ends - self.starts)])
        run = np.maximum(np.searchsorted(self.starts, at, side="right") - 1, 0)
        return self._before[run] + np.clip(at - self.starts[run], 0, self.ends[run] - self.starts[run])

    def after(self, at: np.ndarray, limit: np.ndarray) -> np.ndarray:
        """For each position: the first at or after it outside the runs, at most ``limit``."""
        out = np.minimum(at, limit)
        inside = out < limit
        inside[inside] = self.mask[out[inside]]
        run = np.searchsorted(self.starts, out[inside], side="right") - 1
        out[inside] = np.minimum(self.ends[run], limit[inside])
        return out

    def before(self, at: np.ndarray, limit: np.ndarray) -> np.ndarray:
        """For each position: the end of the last position before it outside the runs, at least ``limit``."""
        out = np.maximum(at, limit)
        inside = out > limit
        inside[inside] = self.mask[out[inside] - 1]
        run = np.searchsorted(self.starts, out[inside] - 1, side="right") - 1
        out[inside] = np.maximum(self.starts[run], limit[inside])
        return out


def _starts_sentence(points: np.ndarray) -> np.ndarray:
    """Whether each character is a capital letter (``str.isupper``) or an opening quote, bracket or dash."""
    out = _ASCII_STARTS[np.minimum(points, 127)] & (points < 128)
    others = np.flatnonzero(points >= 128)
    if len(others):
        unique, inverse = np.unique(points[others], return_inverse=True)
        out[others] = np.array([chr(c).isupper() or chr(c) in SENTENCE_OPENERS for c in unique.tolist()],
                               dtype=bool)[inverse]
    return out


def _in_pieces(positions: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The positions inside a piece, and the piece of each (pieces sorted, not overlapping)."""
    piece = np.searchsorted(starts, positions, side="right") - 1
    inside = piece >= 0
    inside[inside] = positions[inside] < ends[piece[inside]]
    return positions[inside], piece[inside]


def _split_joined(points: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, ...]:
    """The sentences of the pieces ``[starts[i], ends[i])`` of ``points`` (sorted, not overlapping) as
    (start, end, piece) arrays in piece and start order; what :func:`sentence_spans` gives per piece."""
    kind = kinds(points)
    space = Runs((kind & _SPACE).astype(bool))   # (is_space, from the kinds read already)
    quotes = Runs((kind & _QUOTE).astype(bool))
    # A match of SENTENCE_END's first branch starts right after . ! ? … in the same piece (its
    # look-behind sees only the piece), runs over closing quotes, then needs white space and takes
    # all of it up to the piece's end.
    marks, piece = _in_pieces(np.flatnonzero((kind & _END).astype(bool)), starts, ends)
    limit = ends[piece]
    after = marks + 1
    spaced = quotes.after(after, limit)
    matched = spaced < limit
    matched[matched] = space.mask[spaced[matched]]
    after, spaced, limit, piece = after[matched], spaced[matched], limit[matched], piece[matched]
    beyond = space.after(spaced, limit)
    # Such a match ends a sentence when it holds a line break or the next character opens one.
    line_breaks = np.flatnonzero(points == 10)
    next_break = np.searchsorted(line_breaks, spaced)
    ends_here = next_break < len(line_breaks)
    ends_here[ends_here] = line_breaks[next_break[ends_here]] < beyond[ends_here]
    follows = ~ends_here & (beyond < limit)
    ends_here[follows] = _starts_sentence(points[beyond[follows]])
    # Every line break ends a sentence (one inside a match above only leaves white space between).
    line_breaks, break_piece = _in_pieces(line_breaks, starts, ends)
    # Cuts [cut_start, cut_end) in piece order; a piece's own start and end are cuts of no width.
    every = np.arange(len(starts))
    cut_start = np.concatenate([starts, after[ends_here], line_breaks, ends])
    cut_end = np.concatenate([starts, beyond[ends_here], line_breaks + 1, ends])
    cut_piece = np.concatenate([every, piece[ends_here], break_piece, every])
    order_kind = np.concatenate([np.zeros(len(starts), np.int8), np.ones(len(cut_start) - 2 * len(starts), np.int8),
                                 np.full(len(starts), 2, np.int8)])
    order = np.lexsort((order_kind, cut_start, cut_piece))
    cut_start, cut_end, cut_piece, order_kind = (x[order] for x in (cut_start, cut_end, cut_piece, order_kind))
    # a sentence runs from one cut's end to the next cut's start in the same piece, without white space
    keep = order_kind[:-1] != 2
    a, b, owner = cut_end[:-1][keep], cut_start[1:][keep], cut_piece[:-1][keep]
    full = a < b
    a, b, owner = a[full], b[full], owner[full]
    a = space.after(a, b)
    b = space.before(b, a)
    full = a < b
    return a[full], b[full], owner[full]


def split_sources(texts: Sequence[str], pieces: Sequence[tuple[np.ndarray, np.ndarray]]) -> list[np.ndarray]:
    """The sentences of each text's pieces (turns: start and end arrays) as an array of rows
    ``(start, end, piece)`` per text, ``piece`` the index into the text's pieces; the same as
    :func:`sentence_spans` of every piece. Pieces that overlap are split one by one."""
    out: list[np.ndarray | None] = [None] * len(texts)
    batch: list[int] = []
    size = 0

    def flush() -> None:
        nonlocal size
        if not batch:
            return
        offsets = np.cumsum([0] + [len(texts[i]) for i in batch])
        points = code_points("".join(texts[i] for i in batch))
        starts = np.concatenate([pieces[i][0] + offsets[k] for k, i in enumerate(batch)]).astype(np.int64)
        ends = np.concatenate([pieces[i][1] + offsets[k] for k, i in enumerate(batch)]).astype(np.int64)
        counts = np.cumsum([0] + [len(pieces[i][0]) for i in batch])
        a, b, owner = _split_joined(points, starts, ends)
        text_of = np.searchsorted(counts, owner, side="right") - 1
        bounds = np.searchsorted(text_of, np.arange(len(batch) + 1))
        for k, i in enumerate(batch):
            lo, hi = bounds[k], bounds[k + 1]
            out[i] = np.stack([a[lo:hi] - offsets[k], b[lo:hi] - offsets[k], owner[lo:hi] - counts[k]], axis=1)
        batch.clear()
        size = 0

    for i, text in enumerate(texts):
        starts, ends = (np.asarray(p, dtype=np.int64) for p in pieces[i])
        ordered = len(starts) < 2 or bool(np.all(starts[1:] >= ends[:-1]))
        if not ordered:   # unusual: turns out of order or overlapping; split each on its own
            rows = [(a, b, k) for k, (s, e) in enumerate(zip(starts.tolist(), ends.tolist()))
                    for a, b in sentence_spans(text, s, e)]
            out[i] = np.array(rows, dtype=np.int64).reshape(-1, 3)
            continue
        batch.append(i)
        size += len(text)
        if size >= BATCH_CHARACTERS:
            flush()
    flush()
    return [np.asarray(rows, dtype=np.int64).reshape(-1, 3) for rows in out]


# --------------------------------------------------------------------------- kept in the project


class _Made:
    """Each wanted source's turns (in idx order) and what its kept sentences must have been made from."""

    def __init__(self, store: Store, turns: dict[str, np.ndarray], source_ids: Iterable[int] | None):
        digests = store.text_digests(source_ids)   # (None: every source)
        self.wanted = sorted(digests)
        sid = turns["source_id"]
        order = np.lexsort((turns["idx"], sid))
        lo = np.searchsorted(sid[order], self.wanted, side="left").tolist()
        hi = np.searchsorted(sid[order], self.wanted, side="right").tolist()
        self.turns: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        self.made_from: dict[int, str] = {}
        for k, source_id in enumerate(self.wanted):
            rows = order[lo[k]:hi[k]]
            idx, starts, ends = turns["idx"][rows], turns["start"][rows], turns["end"][rows]
            self.turns[source_id] = (idx, starts, ends)
            bounds = hashlib.sha256(np.stack([idx, starts, ends]).astype("<i8").tobytes()).hexdigest()
            self.made_from[source_id] = f"rule {SENTENCE_RULE}; text {digests.get(source_id, '')}; turns {bounds}"

    def split(self, store: Store, source_ids: list[int], texts: dict[int, str]) -> dict[int, np.ndarray]:
        """Split these sources (every turn; a source without turns as one piece) and keep the
        result; texts not given are read a part at a time (an import's whole study is not held)."""
        out: dict[int, np.ndarray] = {}
        for first in range(0, len(source_ids), SOURCES_READ_AT_ONCE):
            part = source_ids[first:first + SOURCES_READ_AT_ONCE]
            read = store.texts_of([s for s in part if s not in texts])
            part_texts = [texts[s] if s in texts else read.get(s, "") for s in part]
            pieces = []
            for source_id, text in zip(part, part_texts):
                idx, starts, ends = self.turns[source_id]
                pieces.append((starts, ends) if len(idx) else (np.array([0]), np.array([len(text)])))
            for source_id, found in zip(part, split_sources(part_texts, pieces)):
                idx = self.turns[source_id][0]
                found[:, 2] = idx[found[:, 2]] if len(idx) else -1
                out[source_id] = found
            store.keep_sentences([(s, self.made_from[s], out[s].astype("<i8").tobytes()) for s in part])
        return out


def source_sentences(store: Store, turns: dict[str, np.ndarray], source_ids: Iterable[int],
                     texts: dict[int, str] | None = None) -> dict[int, np.ndarray]:
    """Per source: its sentences as rows ``(start, end, turn idx)`` in turn (idx) and start order,
    over every turn (the caller leaves out the interviewer's); turn idx -1: a source without turns,
    split as one piece. ``turns``: the turn columns (:meth:`Store.turn_columns`). Read from the
    rows kept in the project where they were made from the source's present text and turns; the
    rest are split and kept for next time. ``texts``: texts the caller has read already."""
    made = _Made(store, turns, source_ids)
    out: dict[int, np.ndarray] = {}
    for source_id, made_from, data in store.kept_sentences(made.wanted):
        if made.made_from.get(source_id) == made_from and len(data) % 24 == 0:
            out[source_id] = np.frombuffer(data, dtype="<i8").reshape(-1, 3).astype(np.int64)
    out.update(made.split(store, [s for s in made.wanted if s not in out], texts or {}))
    return out


def keep_sentences(store: Store) -> int:
    """Split and keep the sentences of every source that has none kept, or none made from its
    present text and turns (imports end with it); returns how many sources were split."""
    made = _Made(store, store.turn_columns(), None)
    kept = store.sentences_made_from()
    stale = [s for s in made.wanted if kept.get(s) != made.made_from[s]]
    made.split(store, stale, {})
    return len(stale)
