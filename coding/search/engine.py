"""Text search (keyword in context) and coding the hits; word frequency is in ``frequency.py``.

What a query word finds, per source language (the rules are the auto-coder's, see
:mod:`coding.autocode`):

* by default the forms whose lemma is the word or the word's lemma ("borger" and "borgerne"
  both find borger, borgeren, borgere, borgerne, borgernes), the word's own form, and, in a
  language with closed compounds (Danish), for words of at least ``min_part_length`` letters,
  the compounds whose head has that lemma or form or whose modifier is the word ("konsulent"
  finds virksomhedskonsulenten, "virksomhed" finds virksomhedskonsulent);
* with ``exact`` only the word's own form (letter case aside);
* a word with ``*`` matches forms (and by default lemmas) with any letters in its place;
* a phrase is its words in neighbouring tokens (white space between them only);
* AND, OR and NOT combine terms within a turn (a stretch outside every turn counts as one): a
  hit of ``borger AND konsulent`` is a hit of either in a turn that holds both; ``borger NOT
  mentor`` finds borger in turns without mentor.

Only the text that passes the filters is searched: what was said (the turns; in a source without
turns its whole text), so speaker labels and headings are never hits; interviewer turns are left out unless
``include_interviewer``; ``where`` keeps text whose speaker (then source) has the attribute
values; ``code`` keeps text inside codings of that code or a code below it (any coder);
``sources`` keeps those sources.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator

import numpy as np

from ..analysis.appearance import attribute_index
from ..errors import CodingError, NotFound
from ..ordering import in_parts, natural_ranks
from ..records import INTERVIEWER_ROLE, CodeTree
from ..store import Store
from . import index as search_index
from .query import And, Not, Or, Phrase, QueryError, Word, parse, terms

DEFAULT_CONTEXT = 8         # words before and after a hit
UNITS = ("sentence", "turn")
ORIGIN = "search"           # the origin of codings made from search hits
_SHIFT = 1 << 32


@dataclass
class Hit:
    """One hit: token range [first, last] in the loaded corpus."""

    first: int
    last: int


@dataclass
class Corpus:
    """The project's indexed tokens (of the sources asked for), with the turns. Tokens are numbered
    across the sources in source id order; ``form`` holds every token's form id, and the starts
    and ends are put together only when asked for (a search needs them at its hits)."""

    store: Store
    source_ids: list[int]
    names: dict[int, str]
    languages: dict[int, str]
    tables: list[tuple]             # per indexed source: its uint32 columns start, end, form
    sids: np.ndarray                # the source id of each table
    offsets: np.ndarray             # where each table's tokens start in the numbering (and the total)
    form: np.ndarray
    turns: dict[str, np.ndarray]
    participant_attrs: dict[int, dict[str, str]]
    source_attrs: dict[int, dict[str, str]]
    _columns: dict[int, np.ndarray] = field(default_factory=dict)
    _texts: dict[int, str] = field(default_factory=dict)
    part: bool = False              # the tokens and turns of some sources only (see search_parts)

    def _column(self, k: int) -> np.ndarray:
        if k not in self._columns:
            self._columns[k] = np.concatenate([t[k] for t in self.tables]) if self.tables \
                else np.zeros(0, dtype=np.uint32)
        return self._columns[k]

    @property
    def start(self) -> np.ndarray:
        return self._column(0)

    @property
    def end(self) -> np.ndarray:
        return self._column(1)

    def table_at(self, tokens: np.ndarray) -> np.ndarray:
        """The index in ``tables`` (and ``sids``) of each of these tokens."""
        return np.searchsorted(self.offsets, tokens, "right") - 1

    def sid_at(self, tokens: np.ndarray) -> np.ndarray:
        """The source id of each of these tokens."""
        if not len(tokens):
            return np.zeros(0, dtype=np.int64)
        return self.sids[self.table_at(tokens)]

    def turn_at(self, tokens: np.ndarray) -> np.ndarray:
        """Per token: the index of its turn in ``turns``, or -1 (outside every turn)."""
        turns = self.turns
        if not len(turns["start"]) or not len(tokens):
            return np.full(len(tokens), -1, dtype=np.int64)
        sid, start = self.sid_at(tokens), self.start[tokens].astype(np.int64)
        key = sid * _SHIFT + start
        at = np.searchsorted(turns["key"], key, "right") - 1
        safe = np.maximum(at, 0)
        inside = (at >= 0) & (turns["source_id"][safe] == sid) & (turns["end"][safe] > start)
        return np.where(inside, at, -1)

    def said(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """What was said as token ranges ``[first, stop)``: one per turn (``turn``: its index in
        ``turns``), or a whole source that has no turns (``turn`` -1); with each range's source
        id. Found by a search per turn within its source's tokens, not per token."""
        turns = self.turns
        lows = np.searchsorted(turns["source_id"], self.sids, "left")
        highs = np.searchsorted(turns["source_id"], self.sids, "right")
        firsts, stops, turn_ids, sids = [], [], [], []
        for k, (sid, lo, hi) in enumerate(zip(self.sids.tolist(), lows.tolist(), highs.tolist())):
            base = int(self.offsets[k])
            if hi > lo:
                starts = self.tables[k][0]
                firsts.append(base + np.searchsorted(starts, turns["start"][lo:hi], "left"))
                stops.append(base + np.searchsorted(starts, turns["end"][lo:hi], "left"))
                turn_ids.append(np.arange(lo, hi, dtype=np.int64))
            else:
                firsts.append(np.array([base], dtype=np.int64))
                stops.append(np.array([int(self.offsets[k + 1])], dtype=np.int64))
                turn_ids.append(np.array([-1], dtype=np.int64))
            sids.append(np.full(len(turn_ids[-1]), sid, dtype=np.int64))
        if not firsts:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, empty, empty
        return tuple(np.concatenate(x).astype(np.int64) for x in (firsts, stops, turn_ids, sids))

    def texts(self, source_ids: Iterable[int]) -> dict[int, str]:
        missing = [s for s in set(int(s) for s in source_ids) if s not in self._texts]
        if missing:
            self._texts.update(self.store.texts_of(missing))
        return self._texts


def ensure_index(store: Store) -> None:
    """Index what is not indexed yet (a project from before the index, sources added by other
    means, or a new version of the lexicon), in a transaction of its own."""
    if not search_index.index_is_current(store):
        with store.transaction():
            search_index.update_index(store)


def _source_ids(store: Store, sources: Iterable[str] | None) -> list[int]:
    rows = store.source_names()
    if not sources:
        return sorted(r["id"] for r in rows)
    by_name = {r["name"]: r["id"] for r in rows}
    out = []
    for name in sources:
        if name not in by_name:
            known = ", ".join(sorted(by_name)[:10])
            raise NotFound(f"no source named '{name}' in the project" + (f" (sources: {known} ...)" if known else ""))
        out.append(by_name[name])
    return sorted(set(out))


def load_corpus(store: Store, sources: Iterable[str] | None = None) -> Corpus:
    ensure_index(store)
    ids = _source_ids(store, sources)
    rows = store.source_names()
    return _corpus(store, ids, None if not sources else ids, {r["id"]: r["name"] for r in rows},
                   {r["id"]: r["language"] for r in rows}, store.all_participant_attributes(),
                   store.all_source_attributes())


def _corpus(store: Store, ids: list[int], part: list[int] | None, names: dict[int, str],
            languages: dict[int, str], participant_attrs: dict, source_attrs: dict, kept: Any = None) -> Corpus:
    """The corpus of the sources ``ids``: the tokens of ``part`` (None: of every source) and their
    turns (the whole turn table when ``part`` is None; ``kept``: where they are in the kept table)."""
    data = store.search_token_data(part)
    tables = [search_index.unpack(blob) for _, blob in data]
    counts = np.array([len(t[2]) for t in tables], dtype=np.int64)
    form = np.concatenate([t[2] for t in tables]) if tables else np.zeros(0, dtype=np.uint32)
    table = store.turn_columns() if part is None else store.turns_of(part, labels=False, kept=kept)[0]
    turns = {name: np.asarray(values, dtype=np.int64) for name, values in table.items()}
    turns["key"] = turns["source_id"] * _SHIFT + turns["start"]
    return Corpus(store=store, source_ids=ids, names=names, languages=languages, tables=tables,
                  sids=np.array([s for s, _ in data], dtype=np.int64),
                  offsets=np.concatenate([[0], np.cumsum(counts)]).astype(np.int64), form=form, turns=turns,
                  participant_attrs=participant_attrs, source_attrs=source_attrs, part=part is not None)


# ---------------------------------------------------------------------- filters

def attribute_names(corpus: Corpus) -> list[str]:
    names = {k for attrs in corpus.participant_attrs.values() for k in attrs}
    names |= {k for attrs in corpus.source_attrs.values() for k in attrs}
    return sorted(names)


def check_attribute(corpus: Corpus, name: str, option: str) -> None:
    known = attribute_names(corpus)
    if name not in known:
        raise NotFound(f"unknown attribute '{name}' in {option}; the project's attributes are: "
                       f"{', '.join(known) or '(none yet: import a manifest)'}")


def attribute_values(corpus: Corpus, name: str, turn: np.ndarray, sid: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Per token (its turn and source): an index into the returned values, the speaker's value
    first, then the source's; 0 is '(none)'."""
    labels = ["(none)"]
    numbers: dict[str, int] = {}

    by_participant = attribute_index(corpus.participant_attrs, name, numbers, labels)
    by_source = attribute_index(corpus.source_attrs, name, numbers, labels)
    pid = np.where(turn >= 0, corpus.turns["participant_id"][np.maximum(turn, 0)], -1) \
        if len(corpus.turns["start"]) else np.full(len(turn), -1, dtype=np.int64)
    from_participant = np.full(len(turn), -1, dtype=np.int64)
    ok = (pid >= 0) & (pid < len(by_participant))
    from_participant[ok] = by_participant[pid[ok]]
    from_source = np.full(len(sid), -1, dtype=np.int64)
    ok = sid < len(by_source)
    from_source[ok] = by_source[sid[ok]]
    value = np.where(from_participant >= 0, from_participant, from_source)
    return np.maximum(value, 0), labels


def interviewer_turns(corpus: Corpus) -> np.ndarray:
    pids = corpus.turns["participant_id"]
    interviewers = [p for p, attrs in corpus.participant_attrs.items() if attrs.get("role") == INTERVIEWER_ROLE]
    return np.isin(pids, np.array(interviewers, dtype=np.int64)) if interviewers else np.zeros(len(pids), dtype=bool)


def coded_mask(corpus: Corpus, code: str, first: np.ndarray, last: np.ndarray) -> np.ndarray:
    """Whether the text from token ``first`` to ``last`` lies inside a coding of ``code`` or a code below it."""
    tree = CodeTree.load(corpus.store)
    code_ids = tree.descendants(tree.get(code)["id"])
    table = corpus.store.coding_table(source_ids=corpus.sids.tolist()) if corpus.part else corpus.store.coding_table()
    keep = np.isin(table["code_id"], np.array(code_ids, dtype=np.int64))
    sid = np.asarray(table["source_id"])[keep].astype(np.int64)
    position = sid * _SHIFT + np.asarray(table["start"])[keep]
    reach = sid * _SHIFT + np.asarray(table["end"])[keep]
    order = np.argsort(position, kind="stable")
    position, reach = position[order], np.maximum.accumulate(reach[order]) if len(reach) else reach
    if not len(position):
        return np.zeros(len(first), dtype=bool)
    sid = corpus.sid_at(first)
    begin = sid * _SHIFT + corpus.start[first]
    finish = sid * _SHIFT + corpus.end[last]
    at = np.searchsorted(position, begin, "right") - 1
    return (at >= 0) & (reach[np.maximum(at, 0)] >= finish)


@dataclass
class Filters:
    where: dict[str, str]
    code: str | None
    include_interviewer: bool

    def mask(self, corpus: Corpus, first: np.ndarray, last: np.ndarray, turn: np.ndarray) -> np.ndarray:
        # speaker labels, titles and headings lie outside the turns of a source that has turns
        with_turns = np.unique(corpus.turns["source_id"])
        sid = corpus.sid_at(first)
        keep = (turn >= 0) | ~np.isin(sid, with_turns)
        if not self.include_interviewer and len(corpus.turns["start"]):
            keep &= ~((turn >= 0) & interviewer_turns(corpus)[np.maximum(turn, 0)])
        for name, wanted in self.where.items():
            value, labels = attribute_values(corpus, name, turn, sid)
            keep &= value == (labels.index(wanted) if wanted in labels else -1)
        if self.code is not None:
            keep &= coded_mask(corpus, self.code, first, last)
        return keep

    def range_mask(self, corpus: Corpus, turn: np.ndarray, sid: np.ndarray) -> np.ndarray:
        """Which ranges of :meth:`Corpus.said` (turns, or sources without turns) the speaker filters
        keep (interviewer, ``where``; not ``code``, which goes by position)."""
        keep = np.ones(len(turn), dtype=bool)
        if not self.include_interviewer and len(corpus.turns["start"]):
            keep &= ~((turn >= 0) & interviewer_turns(corpus)[np.maximum(turn, 0)])
        for name, wanted in self.where.items():
            value, labels = attribute_values(corpus, name, turn, sid)
            keep &= value == (labels.index(wanted) if wanted in labels else -1)
        return keep

    def check(self, corpus: Corpus) -> None:
        for name in self.where:
            check_attribute(corpus, name, "--where")
        if self.code is not None:
            CodeTree.load(corpus.store).get(self.code)


# ---------------------------------------------------------------------- matching words

def _glob(text: str) -> str:
    """A query word with '*' as a GLOB pattern (its other GLOB characters taken literally)."""
    return "".join("[" + ch + "]" if ch in "?[]" else ch for ch in text)


class WordMatcher:
    """The form ids a query word stands for, per language (asked of the store once per word)."""

    def __init__(self, store: Store, languages: Iterable[str], exact: bool):
        self.store = store
        self.languages = sorted(set(languages))
        self.exact = exact
        self.compounds, self.min_part = search_index.compound_settings()
        self._lexicons: dict[str, Any] = {}
        self._found: dict[str, np.ndarray] = {}

    def _lemma(self, language: str, word: str) -> str:
        lemma = self.store.search_lemma_of(language, word)
        if lemma is None:       # not in the material: ask the lexicon (loads spaCy and the table)
            lexicon = self._lexicons.get(language)
            if lexicon is None:
                from ..autocode.lexicon import Lexicon

                lexicon = self._lexicons[language] = Lexicon(language, bool(self.compounds.get(language)),
                                                             self.min_part)
            lemma = lexicon.lemma(word)
        return lemma

    def forms(self, word: Word) -> np.ndarray:
        found = self._found.get(word.text)
        if found is not None:
            return found
        ids: set[int] = set()
        w = word.text
        for language in self.languages:
            if word.wildcard:
                ids |= self.store.search_forms_matching(language, glob=_glob(w), glob_lemma=not self.exact)
            elif self.exact:
                ids |= self.store.search_forms_matching(language, forms=[w])
            else:
                keys = {w, self._lemma(language, w)}
                parts = bool(self.compounds.get(language)) and len(w) >= self.min_part
                ids |= self.store.search_forms_matching(language, forms=[w], lemmas=keys,
                                                        head_lemmas=keys if parts else (),
                                                        part_forms=[w] if parts else ())
        found = self._found[word.text] = np.array(sorted(ids), dtype=np.int64)
        return found


def _token_mask(corpus: Corpus, form_ids: np.ndarray) -> np.ndarray:
    if not len(form_ids) or not len(corpus.form):
        return np.zeros(len(corpus.form), dtype=bool)
    lookup = np.zeros(int(max(form_ids.max(), corpus.form.max())) + 1, dtype=bool)
    lookup[form_ids] = True
    return lookup[corpus.form]


def term_hits(corpus: Corpus, matcher: WordMatcher, term) -> tuple[np.ndarray, np.ndarray]:
    """First and last token of every occurrence of a Word or Phrase."""
    words = term.words if isinstance(term, Phrase) else (term,)
    n = len(corpus.form)
    k = len(words)
    if n < k:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    masks = [_token_mask(corpus, matcher.forms(w)) for w in words]
    hit = masks[0][:n - k + 1].copy()
    for offset in range(1, k):
        hit &= masks[offset][offset:n - k + 1 + offset]
    first = np.flatnonzero(hit)
    if k > 1 and len(first):
        # neighbours: in the same source, with nothing but white space between them
        first = first[corpus.sid_at(first) == corpus.sid_at(first + (k - 1))]
        sids = corpus.sid_at(first)
        texts = corpus.texts(np.unique(sids).tolist())
        starts, ends = corpus.start, corpus.end
        gap_ok = np.ones(len(first), dtype=bool)
        for j, (i, sid) in enumerate(zip(first.tolist(), sids.tolist())):
            text = texts[sid]
            gap_ok[j] = all(not text[int(ends[i + o - 1]):int(starts[i + o])].strip() for o in range(1, k))
        first = first[gap_ok]
    return first, first + (k - 1)


# ---------------------------------------------------------------------- evaluating a query

@dataclass
class Found:
    """Hits (first and last tokens, and the scope each is in) and the scopes where the node holds."""

    first: np.ndarray
    last: np.ndarray
    scope_of: np.ndarray
    scopes: np.ndarray      # sorted distinct scope ids


def _scope(corpus: Corpus, first: np.ndarray, turn: np.ndarray) -> np.ndarray:
    """A turn's index, or for text outside every turn -(source id + 1)."""
    return np.where(turn >= 0, turn, -(corpus.sid_at(first) + 1))


def evaluate(tree, found: dict) -> Found:
    """Combine the terms' hits as the tree says, a turn at a time."""
    if isinstance(tree, (Word, Phrase)):
        return found[tree]
    if isinstance(tree, Or):
        parts = [evaluate(o, found) for o in tree.operands]
        return Found(*(np.concatenate([getattr(p, name) for p in parts]) for name in ("first", "last", "scope_of")),
                     np.unique(np.concatenate([p.scopes for p in parts])))
    if isinstance(tree, And):
        positive = [evaluate(o, found) for o in tree.operands if not isinstance(o, Not)]
        negative = [evaluate(o.operand, found) for o in tree.operands if isinstance(o, Not)]
        scopes = positive[0].scopes
        for p in positive[1:]:
            scopes = np.intersect1d(scopes, p.scopes)
        for p in negative:
            scopes = np.setdiff1d(scopes, p.scopes)
        kept = [(p, np.isin(p.scope_of, scopes)) for p in positive]
        return Found(*(np.concatenate([getattr(p, name)[keep] for p, keep in kept])
                       for name in ("first", "last", "scope_of")), scopes)
    raise QueryError("NOT only leaves text out; name something to find too")


def find(corpus: Corpus, query: str, *, exact: bool, filters: Filters,
         matcher: WordMatcher | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """First token, last token and turn of every hit, in corpus order (no duplicates). ``matcher``:
    the one of the whole search when the corpus is a part of it."""
    tree = parse(query)
    filters.check(corpus)
    if matcher is None:
        matcher = WordMatcher(corpus.store, {corpus.languages[s] for s in corpus.source_ids}, exact)
    found: dict = {}
    for term in terms(tree):
        first, last = term_hits(corpus, matcher, term)
        turn = corpus.turn_at(first)
        keep = filters.mask(corpus, first, last, turn)
        first, last, turn = first[keep], last[keep], turn[keep]
        scope_of = _scope(corpus, first, turn)
        found[term] = Found(first, last, scope_of, np.unique(scope_of))
    result = evaluate(tree, found)
    first, last = result.first, result.last
    # one hit per place: the same token range found by two terms counts once; sorted by position
    key = first * (len(corpus.form) + 1) + last
    key, index = np.unique(key, return_index=True)
    first, last = first[index], last[index]
    return first, last, corpus.turn_at(first)


# ---------------------------------------------------------------------- results

_SPACES = re.compile(r"\s+")


def _context_words(text: str, lo: int, hi: int, at: int, n: int, before: bool) -> str:
    """The ``n`` words of ``text[lo:hi]`` before (or after) position ``at``, joined by single spaces."""
    if n <= 0:
        return ""
    reach = n * 10 + 20
    while True:
        if before:
            begin = max(lo, at - reach)
            words = text[begin:at].split()
            done = begin == lo
        else:
            finish = min(hi, at + reach)
            words = text[at:finish].split()
            done = finish == hi
        if done or len(words) > n:
            return " ".join(words[-n:] if before else words[:n])
        reach *= 4


@dataclass
class TurnInfo:
    idx: int | None
    start: int
    end: int
    speaker: str | None
    timestamp: str | None
    participant: str | None
    role: str | None


def _turn_info(corpus: Corpus, turns: np.ndarray) -> dict[int, TurnInfo]:
    """Speaker, participant, role and timestamp of the turns these hits are in."""
    wanted = np.unique(turns[turns >= 0])
    columns = corpus.turns
    index = {(s, i): t for t, s, i in zip(wanted.tolist(), columns["source_id"][wanted].tolist(),
                                          columns["idx"][wanted].tolist())}
    return {index[(s, i)]: TurnInfo(i, start, end, speaker, timestamp, participant, role)
            for s, i, start, end, speaker, timestamp, participant, role in corpus.store.turns_numbered(list(index))}


def hit_records(corpus: Corpus, first: np.ndarray, last: np.ndarray, turn: np.ndarray, context: int,
                rank: np.ndarray | None = None) -> list[dict]:
    """One record per hit: source, turn, speaker, participant, role, timestamp, start, end,
    before, match, after; by source name, then position (``rank``: :func:`coding.ordering.natural_ranks` of the names, when known)."""
    sids = corpus.sid_at(first)
    rank = natural_ranks(corpus.names) if rank is None else rank
    order = np.lexsort((corpus.end[last], corpus.start[first], rank[sids]))
    first, last, turn, sids = first[order], last[order], turn[order], sids[order]
    texts = corpus.texts(np.unique(sids).tolist())
    info = _turn_info(corpus, turn)
    starts, ends = corpus.start[first].tolist(), corpus.end[last].tolist()
    records = []
    for start, end, t, sid in zip(starts, ends, turn.tolist(), sids.tolist()):
        text = texts[sid]
        ti = info.get(t)
        lo, hi = (ti.start, ti.end) if ti is not None else (0, len(text))
        before = _context_words(text, lo, hi, start, context, True)
        after = _context_words(text, lo, hi, end, context, False)
        records.append({
            "source": corpus.names[sid], "turn": ti.idx if ti else None, "speaker": ti.speaker if ti else None,
            "participant": ti.participant if ti else None, "role": ti.role if ti else None,
            "timestamp": ti.timestamp if ti else None, "start": start, "end": end,
            "before": before, "match": _SPACES.sub(" ", text[start:end]), "after": after,
        })
    return records


HIT_COLUMNS = ("source", "turn", "speaker", "participant", "role", "timestamp", "start", "end", "before",
               "match", "after")


def search(store: Store, query: str, *, where: dict[str, str] | None = None, code: str | None = None,
           source: str | Iterable[str] | None = None, context: int = DEFAULT_CONTEXT, exact: bool = False,
           include_interviewer: bool = False) -> list[dict]:
    """Every hit of ``query`` as a record (see :func:`hit_records`)."""
    if context < 0:
        raise CodingError(f"the context must be 0 words or more, not {context}")
    corpus = load_corpus(store, _names(source))
    filters = Filters(dict(where or {}), code, include_interviewer)
    first, last, turn = find(corpus, query, exact=exact, filters=filters)
    return hit_records(corpus, first, last, turn, context)


PART_TOKEN_BYTES = 4_000_000  # packed tokens (12 bytes each) of the sources searched together in search_parts
PART_SOURCES = 500              # and at most this many sources


def search_parts(store: Store, query: str, *, where: dict[str, str] | None = None, code: str | None = None,
                 source: str | Iterable[str] | None = None, context: int = DEFAULT_CONTEXT, exact: bool = False,
                 include_interviewer: bool = False) -> Iterator[list[dict]]:
    """The records of :func:`search` in their order, a few sources at a time, in memory that does
    not grow with the project: each list holds the hits of the next sources (by name, as the list
    is ordered), read and searched on their own, and let go before the next.

    What a hit is depends on its own source alone (a phrase never crosses sources; AND, OR and NOT
    hold within a turn, or a source's text outside turns; the filters look at the hit's turn,
    speaker, source and codings); the words a query word stands for are asked once, for the
    languages of every source searched. A bad query, filter or source name is refused before the
    first list is given."""
    if context < 0:
        raise CodingError(f"the context must be 0 words or more, not {context}")
    ensure_index(store)
    names = _names(source)
    ids = _source_ids(store, names)
    rows = store.source_names()
    shared = ({r["id"]: r["name"] for r in rows}, {r["id"]: r["language"] for r in rows},
              store.all_participant_attributes(), store.all_source_attributes())
    matcher = WordMatcher(store, {shared[1][s] for s in ids}, exact)
    filters = Filters(dict(where or {}), code, include_interviewer)
    sizes = dict(store.search_token_sizes())
    rank = natural_ranks(shared[0])
    by_name = sorted(ids, key=lambda s: int(rank[s]))
    # a source not indexed has no tokens, no hits
    groups = in_parts(((sid, sizes[sid]) for sid in by_name if sid in sizes), PART_TOKEN_BYTES, PART_SOURCES)

    def parts() -> Iterator[list[dict]]:
        kept = store.kept_turns()
        try:
            for part in groups or [[]]:
                corpus = _corpus(store, ids, part, *shared, kept=kept)
                first, last, turn = find(corpus, query, exact=exact, filters=filters, matcher=matcher)
                yield hit_records(corpus, first, last, turn, context, rank)
        finally:
            if kept is not None:
                kept.close()
    made = parts()
    head = next(made)  # the query and the filters are checked on the first part, before anything is written
    return itertools.chain([head], made)


def _names(source) -> list[str] | None:
    if source is None:
        return None
    if isinstance(source, str):
        return [source]
    return list(source) or None


# ---------------------------------------------------------------------- coding the hits

def code_hits(store: Store, query: str, *, code: str, coder: str, unit: str = "sentence",
              where: dict[str, str] | None = None, within: str | None = None,
              source: str | Iterable[str] | None = None, exact: bool = False,
              include_interviewer: bool = False) -> dict[str, Any]:
    """Code the sentence (or turn) around every hit with ``code`` for ``coder``; the caller
    holds the transaction. Returns hits, units, new (codings made) and already (units that
    this coder had coded with this code already)."""
    from ..analysis.sentences import sentence_spans

    if unit not in UNITS:
        raise CodingError(f"unknown unit '{unit}'; use sentence or turn")
    if not coder or not coder.strip():
        raise CodingError("coding search hits needs a coder's name (--coder NAME)")
    tree = CodeTree.load(store)
    node = tree.get(code)
    if not node["codable"]:
        raise CodingError(f"code '{node['code']}' is a heading in the codebook and is not used for coding")
    corpus = load_corpus(store, _names(source))
    filters = Filters(dict(where or {}), within, include_interviewer)
    first, last, turn = find(corpus, query, exact=exact, filters=filters)
    sids = corpus.sid_at(first)
    texts = corpus.texts(np.unique(sids).tolist())
    info = _turn_info(corpus, turn)
    units: dict[tuple[int, int, int], str] = {}
    for i, j, t, sid in zip(first.tolist(), last.tolist(), turn.tolist(), sids.tolist()):
        text = texts[sid]
        start, end = int(corpus.start[i]), int(corpus.end[j])
        ti = info.get(t)
        lo, hi = (ti.start, ti.end) if ti is not None else (0, len(text))
        if unit == "turn":
            span = (lo, hi)
        else:
            span = next(((a, b) for a, b in sentence_spans(text, lo, hi) if a <= start < b), (start, end))
            span = (min(span[0], start), max(span[1], end))
        key = (sid, *span)
        units.setdefault(key, text[start:end])
    existing: dict[int, list[tuple[int, int]]] = {}
    for row in store.codings(code_ids=[node["id"]], coder=coder):
        existing.setdefault(row["source_id"], []).append((row["start"], row["end"]))
    new_rows, already = [], 0
    for (sid, a, b), matched in sorted(units.items()):
        if any(s <= a and e >= b for s, e in existing.get(sid, ())):
            already += 1
            continue
        new_rows.append({"source_id": sid, "start": a, "end": b, "code_id": node["id"], "coder": coder,
                         "origin": ORIGIN, "rule": f"search: {query}", "matched": matched})
    if new_rows:
        store.insert_codings(new_rows)
    return {"hits": len(first), "units": len(units), "new": len(new_rows), "already": already,
            "code": node["code"], "coder": coder, "unit": unit}
