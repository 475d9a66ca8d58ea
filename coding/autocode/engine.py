"""The engine: compiled rules applied to a task's parts (tokens in, codings out). Units are joined
into chunks that are tokenised together, the chunks of one language matched as one batch
(:mod:`coding.autocode.matcher`), and each part's codings returned as columns in source offsets."""


from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Iterator

import numpy as np

from ..codebook import Codebook
from .matcher import Codings
from .rules import LanguageRules
from .span_tokens import token_columns

ENGINE_VERSION = "autocode-2"   # part of every fingerprint: a new version redoes every source
CODER = "autocode"
ORIGIN = "auto"
UNITS = ("sentence", "turn")
CHUNK_CHARS = 50_000        # text tokenised as one Doc
PIPE_BATCH = 8              # chunks per nlp.pipe batch

@dataclass
class Chunk:
    """Text tokenised as one Doc: pieces are rows of (unit key, unit start, unit end, source start,
    chunk start); ``owner`` is the part of the task the chunk belongs to."""

    text: str
    pieces: np.ndarray
    piece_starts: np.ndarray
    owner: int = 0


@dataclass
class Part:
    """Units of one source handed to the engine: ``text`` is the source's text from ``base`` on,
    and the units' offsets are counted from ``base``."""

    source_id: int
    language: str
    text: str
    base: int
    units: np.ndarray            # idx, start, end of each unit
    wanted: set[str] | None = None


@dataclass
class Task:
    """What a worker codes at a time: parts of one or more sources, a few hundred thousand
    characters in all."""

    unit: str
    parts: list[Part]


@dataclass
class Found:
    """One part's codings as columns, ordered by start, end and code slug: ``code`` indexes the
    engine spec's codes; ``rule`` and ``matched`` are the texts stored with each coding."""

    source_id: int
    start: np.ndarray
    end: np.ndarray
    code: np.ndarray
    rule: list[str]
    matched: list[str]
    tokens: int

    def rows(self, slugs: list[str]) -> list[tuple]:
        """(start, end, code slug, rule, matched) per coding."""
        return list(zip(self.start.tolist(), self.end.tolist(), [slugs[c] for c in self.code.tolist()],
                        self.rule, self.matched))


class Engine:
    """Compiled rules for every language, built lazily; what a worker process holds."""

    def __init__(self, spec: dict):
        self.spec = spec
        self.key = spec_key(spec)
        self.languages: dict[str, LanguageRules] = {}
        self.slugs = [code["slug"] for code in spec["codes"]]
        self.slug_index = {slug: i for i, slug in enumerate(self.slugs)}
        self.code_indexes: dict[str, np.ndarray] = {}
        self.slug_rank = np.argsort(np.argsort(np.array(self.slugs, dtype=object), kind="stable"), kind="stable")

    def rules(self, lang: str) -> LanguageRules:
        compiled = self.languages.get(lang)
        if compiled is None:
            compiled = self.languages[lang] = LanguageRules(lang, self.spec["codes"], self.spec["settings"])
        return compiled

    def code_index(self, lang: str) -> np.ndarray:
        """The engine's index of each of a language's compiled codes (``LanguageRules.codes``)."""
        index = self.code_indexes.get(lang)
        if index is None:
            index = self.code_indexes[lang] = np.array(
                [self.slug_index[slug] for slug in self.rules(lang).slugs] or [0], dtype=np.int64)
        return index

    def run(self, task: Task) -> list[Found]:
        """Code one task: the codings of each part, in source offsets. The parts of one language
        and code selection are tokenised and matched together."""
        found: list[list] = [[] for _ in task.parts]
        tokens = [0] * len(task.parts)
        groups: dict[tuple, list[int]] = {}
        for i, part in enumerate(task.parts):
            wanted = None if part.wanted is None else tuple(sorted(part.wanted))
            groups.setdefault((part.language, wanted), []).append(i)
        for (language, wanted), members in groups.items():
            rules = self.rules(language)
            chunks = [chunk for i in members
                      for chunk in build_chunks(task.parts[i].text, task.parts[i].units, owner=i)]
            matcher = rules.batch_matcher
            docs = None
            if matcher.needs_docs:
                docs = list(rules.nlp.pipe((c.text for c in chunks), batch_size=PIPE_BATCH))
                tables = [token_columns(doc) for doc in docs]
            else:
                tables = [rules.span_tokens(c.text) for c in chunks]
            for chunk, table in zip(chunks, tables):
                tokens[chunk.owner] += len(table)
            matcher.code(tables, chunks, task.unit, None if wanted is None else set(wanted), found, docs)
        results = []
        for i, part in enumerate(task.parts):
            blocks: list[Codings] = found[i]
            if task.unit == "turn" and blocks:
                # one coding per turn and code: the pieces of a long turn merged
                rows = _merge_pieces([row for block in blocks for row in block.rows(self.rules(part.language).slugs)])
                start, end, slugs, names, words = map(list, zip(*rows))
                code = np.fromiter(map(self.slug_index.__getitem__, slugs), dtype=np.int64, count=len(rows))
            elif blocks:
                start = np.concatenate([block.start for block in blocks])
                end = np.concatenate([block.end for block in blocks])
                code = self.code_index(part.language)[np.concatenate([block.code for block in blocks])]
                names = [x for block in blocks for x in block.rules]
                words = [x for block in blocks for x in block.words]
            else:
                empty = np.zeros(0, dtype=np.int64)
                results.append(Found(part.source_id, empty, empty, empty, [], [], tokens[i]))
                continue
            start = np.asarray(start, dtype=np.int64) + part.base
            end = np.asarray(end, dtype=np.int64) + part.base
            order = np.lexsort((self.slug_rank[code], end, start)).tolist()
            results.append(Found(part.source_id, start[order], end[order], code[order],
                                 ["; ".join(names[k]) for k in order], [", ".join(words[k]) for k in order],
                                 tokens[i]))
        return results


def _merge_pieces(rows: list[tuple]) -> list[tuple]:
    """One row per turn and code: a turn cut into pieces gave a row per piece; their rules and
    words are joined in piece order without repeats."""
    merged: dict[tuple, tuple] = {}
    for start, end, slug, names, words in rows:
        entry = merged.get((start, end, slug))
        if entry is None:
            merged[(start, end, slug)] = (start, end, slug, names, words)
        else:
            entry[3].extend(r for r in names if r not in entry[3])
            entry[4].extend(w for w in words if w not in entry[4])
    return list(merged.values()) if len(merged) < len(rows) else rows



def spec_key(spec: dict) -> str:
    return hashlib.sha256(json.dumps(spec, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def engine_spec(codebook: Codebook) -> dict:
    """What the engine needs from a codebook: codable codes with rules, and the settings."""
    codes = [{"slug": c.id, "rules": c.rules} for c in codebook.codes if c.codable and c.rules]
    return {"version": ENGINE_VERSION, "codes": codes, "settings": codebook.settings}





def _split_long(text: str, start: int, end: int, limit: int) -> Iterator[tuple[int, int]]:
    """Cut [start, end) into pieces of at most ``limit`` characters at line or sentence ends."""
    while end - start > limit:
        cut = -1
        for sep in ("\n", ". ", "? ", "! ", " "):
            cut = text.rfind(sep, start + limit // 2, start + limit)
            if cut != -1:
                cut += len(sep)
                break
        if cut <= start:
            cut = start + limit
        yield start, cut
        start = cut
    if end > start:
        yield start, end


def build_chunks(text: str, units, owner: int = 0) -> list[Chunk]:
    """Join units (key, start, end) into chunks of at most CHUNK_CHARS characters (a unit longer
    than that is cut at line or sentence ends), two line breaks between pieces."""
    units = np.asarray(units, dtype=np.int64).reshape(-1, 3)
    units = units[units[:, 2] > units[:, 1]]
    sizes = units[:, 2] - units[:, 1]
    if len(units) and int(sizes.max()) > CHUNK_CHARS:
        return cut_chunks(text, units.tolist(), owner)
    # no unit needs cutting: a chunk from unit a on takes the units whose running size (each with
    # the two characters after it) stays within CHUNK_CHARS + 2, found by one search per chunk
    chunks: list[Chunk] = []
    running = np.cumsum(sizes + 2)
    a = 0
    while a < len(units):
        before = int(running[a - 1]) if a else 0
        b = max(int(np.searchsorted(running, before + CHUNK_CHARS + 2, side="right")), a + 1)
        block = units[a:b]
        at = running[a:b] - sizes[a:b] - 2 - before          # where each piece starts in the chunk
        joined = "\n\n".join([text[u0:u1] for u0, u1 in zip(block[:, 1].tolist(), block[:, 2].tolist())])
        chunks.append(Chunk(joined, np.column_stack([block, block[:, 1], at]), at, owner))
        a = b
    return chunks


def cut_chunks(text: str, units: list, owner: int) -> list[Chunk]:
    """:func:`build_chunks` one unit at a time, cutting the units longer than CHUNK_CHARS."""
    chunks: list[Chunk] = []
    parts: list[str] = []
    pieces: list[tuple] = []
    size = 0

    def close_chunk():
        nonlocal parts, pieces, size
        if pieces:
            rows = np.array(pieces, dtype=np.int64).reshape(-1, 5)
            chunks.append(Chunk("".join(parts), rows, rows[:, 4], owner))
        parts, pieces, size = [], [], 0

    for key, ustart, uend in units:
        cuts = ((ustart, uend),) if uend - ustart <= CHUNK_CHARS else _split_long(text, ustart, uend, CHUNK_CHARS)
        for pstart, pend in cuts:
            piece = text[pstart:pend]
            if size and size + len(piece) + 2 > CHUNK_CHARS:
                close_chunk()
            if size:
                parts.append("\n\n")
                size += 2
            pieces.append((key, ustart, uend, pstart, size))
            parts.append(piece)
            size += len(piece)
    close_chunk()
    return chunks


