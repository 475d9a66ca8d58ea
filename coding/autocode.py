"""Lemma-aware auto-coding: codebook rules matched on lemmas, compounds and phrases.

How a text is matched
  * Texts are tokenised by a blank spaCy pipeline (``spacy.blank(lang)``), many turns at a time
    (joined into chunks and passed through ``nlp.pipe``).
  * Every distinct word form is analysed once and cached: its lemma from the spacy-lookups-data
    lookup table (lower-cased first, so a capitalised sentence opener is lemmatised too), and for
    languages with closed compounds (Danish) its parts: "virksomhedskonsulenterne" has the head
    "konsulenterne" (lemma "konsulent") and the modifier "virksomhed" (linking -s- removed);
    "sagsstammen" is not in the table, so its lemma is built from its known head: "sagsstamme".
  * A term matches a token whose lemma equals the term or whose form equals the term, or -- for
    terms of at least ``min_part_length`` letters in a compounding language -- a compound whose head
    or modifier is the term. ``virksomhed*`` and ``*konsulent`` are explicit prefix/suffix
    wildcards. A one-word term written in an inflected form stands for that form only ("staffing"
    does not find "staff", "mødes" does not find "statusmøde"); inside a phrase a word also finds
    the other forms of its lemma ("hun kan godt" finds "hun kunne godt"). Phrases are sequences of
    such words and may skip up to two filler words (particles, negation, commas: "tror ikke på" is
    "tro på"); ``near`` asks for two terms within N tokens; ``patterns`` are spaCy Matcher token
    patterns (LEMMA is the lemma described here); ``unless`` vetoes a code's matches that touch
    one of its words, phrases or near pairs (a near pair within 0 tokens may be one word holding
    both, such as the compound "butikschefen").
    ``whole_words`` are terms that never match as part of a compound ("chef" but not "kokkechef").
  * A unit (a sentence, or a whole turn) gets one coding per code whose rules fire in it, with the
    rules and the matched words recorded.

Running
  * Respondent turns only unless asked; the interviewer's questions would otherwise echo every theme.
  * Each source's fingerprint (text hash, unit, options, turn selection, settings) and each code's
    rule hash are stored; a re-run redoes only sources or codes whose fingerprint changed.
  * Work is streamed source by source, in tasks of about 250,000 characters (parts of one or more
    sources), optionally spread over worker processes (``jobs``), which match with numpy
    (``coding/matching.py``); codings are written with ``executemany``.
"""

from __future__ import annotations

import collections
import contextlib
import gc
import hashlib
import json
import multiprocessing
import os
import pickle
import time
from dataclasses import dataclass, field
from typing import Callable, Iterator

import numpy as np

from .store import coding_table
from .codebook import Codebook, blank_nlp
from .errors import CodingError
from .lemmas import lemma_table
from .matching import BREAK, CLOSER, FINAL, SPACE, WORD, Codings, pattern_anchor
from .records import INTERVIEWER_ROLE
from .span_tokens import SpanTokens, token_columns
from .store import Store, code_hashes_json

ENGINE_VERSION = "autocode-2"
CODER = "autocode"
ORIGIN = "auto"
UNITS = ("sentence", "turn")
CHUNK_CHARS = 50_000        # text tokenised as one Doc
TASK_CHARS = 250_000        # the least text handed to a worker at a time (see task_chars)
TASK_CHARS_MAX = 600_000    # the most
TASKS_PER_WORKER = 16       # a run is cut into at least this many tasks per worker, where it can be
PIPE_BATCH = 8              # chunks per nlp.pipe batch
AUTO_JOBS_MIN_CHARS = 2_000_000   # below this, --jobs auto stays in one process

FINAL_PUNCT = {".", "!", "?", "...", "…", "?!", "!?", "..", "!!", "??"}
CLOSERS = {'"', "'", ")", "]", "»", "”", "’", "›"}
LINKING = "se"

# Words a phrase skips: discourse particles, degree adverbs and negation, which spoken answers put
# between the words of a phrase ("kan sagtens arbejde", "taler ikke sammen", "believe really in"),
# and commas. Negation is skipped on purpose: doubt belongs to a theme as much as belief does.
FILLERS: dict[str, frozenset[str]] = {
    "da": frozenset(("ikke jo nu da godt vel faktisk stadig også altså bare sagtens nok helt rigtig "
                     "virkelig meget lige egentlig simpelthen aldrig altid ofte tit slet gerne måske "
                     "heller bestemt , – -").split()),
    "en": frozenset(("not n't really still actually also just even probably always never often truly "
                     "genuinely definitely certainly quite , – -").split()),
}


# --------------------------------------------------------------------------- lexicon

class Lexicon:
    """Lemmas and compound parts of word forms for one language."""

    def __init__(self, lang: str, compounds: bool, min_part: int):
        self.lang = lang
        self.table = lemma_table(lang)
        self.compounds = compounds
        self.min_part = min_part

    def known(self, form: str) -> bool:
        return form in self.table or self.table.is_lemma(form)

    def _head_split(self, form: str) -> int | None:
        """Where the longest known head of an unknown compound starts (modifier >= 3 letters)."""
        for i in range(3, len(form) - 2):
            if self.known(form[i:]):
                return i
        return None

    def lemma(self, form: str) -> str:
        found = self.table.get(form)
        if found is not None:
            return found
        if "-" in form.strip("-"):
            head = form.rsplit("-", 1)
            return head[0] + "-" + self.lemma(head[1]) if head[1] else form
        if self.compounds and len(form) >= 6:
            i = self._head_split(form)
            if i is not None:
                return form[:i] + self.table.get(form[i:], form[i:])
        return form

    def parts(self, form: str) -> tuple[list[tuple[str, str]], set[str]]:
        """Heads as (form, lemma) and modifiers (stems without a linking letter) of a compound."""
        heads: list[tuple[str, str]] = []
        modifiers: set[str] = set()
        if "-" in form.strip("-"):
            pieces = [p for p in form.split("-") if p]
            if len(pieces) > 1:
                last = pieces[-1]
                heads.append((last, self.lemma(last)))
                more_heads, more_mods = self.parts(last)
                heads.extend(more_heads)
                modifiers |= more_mods
                for piece in pieces[:-1]:
                    modifiers.add(piece)
                    modifiers.add(self.lemma(piece))
                return heads, modifiers
        m = self.min_part
        n = len(form)
        for i in range(3, n - m + 1):          # head = form[i:], at least m letters
            head = form[i:]
            if self.known(head):
                heads.append((head, self.table.get(head, head)))
        for j in range(m, n - 2):               # modifier = form[:j], rest at least 3 letters
            rest = form[j:]
            if self.known(rest) or (rest[0] in LINKING and len(rest) > 3 and self.known(rest[1:])):
                modifiers.add(form[:j])
        return heads, modifiers


# --------------------------------------------------------------------------- compiled rules


@dataclass
class Item:
    """One word of a rule: exact (lemma/form, maybe as a compound part) or a wildcard."""

    kind: str           # exact | prefix | suffix
    text: str
    compound: bool
    strict: bool = False  # a one-word term: its own form and lemma only, not its lemma's other forms


@dataclass
class CompiledCode:
    index: int
    slug: str
    terms: dict[int, str] = field(default_factory=dict)            # item -> term text
    phrases: list[tuple[tuple[int, ...], str]] = field(default_factory=list)
    near: list[tuple[list, list, int, str]] = field(default_factory=list)
    unless: list = field(default_factory=list)
    unless_near: list[tuple[list, list, int]] = field(default_factory=list)
    patterns: int = 0
    pattern_list: list = field(default_factory=list)


class LanguageRules:
    """A codebook's rules for one language, compiled against that language's lexicon."""

    def __init__(self, lang: str, codes: list[dict], settings: dict):
        self.lang = lang
        compounds = bool((settings.get("compounds") or {}).get(lang, False))
        self.lexicon = Lexicon(lang, compounds, int(settings.get("min_part_length") or 4))
        self.nlp = blank_nlp(lang)
        self.items: list[Item] = []
        self._item_ids: dict[tuple, int] = {}
        self.phrases: list[tuple[int, ...]] = []
        self.phrase_trigger: list[int] = []     # which word of a phrase is looked for first
        self._phrase_ids: dict[tuple[int, ...], int] = {}
        self.stop_words = {w.lower() for w in getattr(self.nlp.Defaults, "stop_words", set())}
        self.fillers = {self.nlp.vocab.strings.add(w) for w in FILLERS.get(lang, ())}
        self.codes: list[CompiledCode] = []
        for index, code in enumerate(codes):
            ruleset = (code.get("rules") or {}).get(lang)
            if ruleset:
                self._compile(index, code["slug"], ruleset)
        self.slugs = [code.slug for code in self.codes]
        self._index()
        self._batch_matcher = None
        self._span_tokens: SpanTokens | None = None

    # -- compiling
    def _item(self, word: str, compound_ok: bool, strict: bool = False) -> int:
        if word.startswith("*"):
            key = ("suffix", word[1:], False, False)
        elif word.endswith("*"):
            key = ("prefix", word[:-1], False, False)
        else:
            eligible = compound_ok and self.lexicon.compounds and len(word) >= self.lexicon.min_part
            key = ("exact", word, eligible, strict)
        found = self._item_ids.get(key)
        if found is None:
            found = self._item_ids[key] = len(self.items)
            self.items.append(Item(*key))
        return found

    def _words(self, text: str) -> list[str]:
        words: list[str] = []
        for chunk in text.lower().split():
            if "*" in chunk:
                words.append(chunk)
            else:
                words.extend(t.lower_ for t in self.nlp.make_doc(chunk) if not t.is_space)
        return words

    def _ref(self, text: str, compound_ok: bool = True):
        """A term (one word: an item) or a phrase (several words) as ('t', item) / ('p', phrase)."""
        words = self._words(text)
        if len(words) == 1:
            return ("t", self._item(words[0], compound_ok, strict=True))
        items = tuple(self._item(w, False) for w in words)
        pid = self._phrase_ids.get(items)
        if pid is None:
            pid = self._phrase_ids[items] = len(self.phrases)
            self.phrases.append(items)
            # anchor on the rarest-looking word: not a stop word, then the longest
            self.phrase_trigger.append(max(range(len(words)), key=lambda k: (
                words[k].strip("*") not in self.stop_words and words[k].isalpha() or "*" in words[k],
                len(words[k]), -k)))
        return ("p", pid)

    def _compile(self, index: int, slug: str, ruleset: dict) -> None:
        code = CompiledCode(index=index, slug=slug)
        for text in list(ruleset.get("terms") or []) + list(ruleset.get("phrases") or []):
            ref = self._ref(text)
            if ref[0] == "t":
                code.terms[ref[1]] = text
            else:
                code.phrases.append((ref[1], text))
        for text in ruleset.get("whole_words") or []:
            ref = self._ref(text, compound_ok=False)
            if ref[0] == "t":
                code.terms[ref[1]] = text
            else:
                code.phrases.append((ref[1], text))
        for rule in ruleset.get("near") or []:
            first = [self._ref(t) for t in rule["terms"]]
            second = [self._ref(t) for t in rule["with"]]
            desc = f"near {rule['terms'][0]}~{rule['with'][0]} ≤{rule['within']}"
            code.near.append((first, second, int(rule["within"]), desc))
        for item in ruleset.get("unless") or []:
            if isinstance(item, dict):
                code.unless_near.append(([self._ref(t) for t in item["terms"]],
                                          [self._ref(t) for t in item["with"]], int(item["within"])))
            else:
                code.unless.append(self._ref(item))
        patterns = ruleset.get("patterns") or []
        code.patterns = len(patterns)
        code.pattern_list = patterns
        self.codes.append(code)

    def _trigger_item(self, ref) -> int:
        return ref[1] if ref[0] == "t" else self.phrases[ref[1]][self.phrase_trigger[ref[1]]]

    def _index(self) -> None:
        """Which rules each trigger word starts (``item_rules``: terms, each phrase's anchor word,
        the first side of a near rule), the anchor words of spaCy patterns, and the lookups from
        lemmas and forms to rule words."""
        self.item_rules: dict[int, list[tuple]] = collections.defaultdict(list)
        for position, code in enumerate(self.codes):
            for item, text in code.terms.items():
                self.item_rules[item].append((position, "term", item, text))
            for pid, text in code.phrases:
                self.item_rules[self._trigger_item(("p", pid))].append((position, "phrase", pid, text))
            for number, (first, _, _, _) in enumerate(code.near):
                for ref in first:
                    self.item_rules[self._trigger_item(ref)].append((position, "near", number, None))
        # spaCy patterns count only in units holding one of their literal words (LEMMA/LOWER/ORTH/
        # TEXT of a token that must occur); a pattern without such a word counts everywhere
        self.pattern_anchors: set[int] = set()
        for code in self.codes:
            for pattern in code.pattern_list:
                anchor = pattern_anchor(pattern)
                if anchor is not None:
                    self.pattern_anchors.add(self._item(anchor, False))
        lex = self.lexicon
        self.by_lemma: dict[str, set[int]] = collections.defaultdict(set)
        self.by_form: dict[str, set[int]] = collections.defaultdict(set)
        self.part_lemma: dict[str, set[int]] = collections.defaultdict(set)
        self.part_form: dict[str, set[int]] = collections.defaultdict(set)
        self.wildcards: list[tuple[int, Item]] = []
        for i, item in enumerate(self.items):
            if item.kind != "exact":
                self.wildcards.append((i, item))
                continue
            lemma = item.text if item.strict else lex.lemma(item.text)
            for key in {item.text, lemma}:
                self.by_lemma[key].add(i)
                if item.compound:
                    self.part_lemma[key].add(i)
            self.by_form[item.text].add(i)
            if item.compound:
                self.part_form[item.text].add(i)
        self.any_parts = bool(self.part_form)

    # -- analysing word forms
    def analyse(self, form: str) -> tuple:
        """(kind, rule words (items) it stands for, lemma) of a lower-cased word form."""
        if not form.strip():
            return (BREAK if "\n" in form else SPACE, (), form)
        kind = FINAL if form in FINAL_PUNCT else CLOSER if form in CLOSERS else WORD
        lex = self.lexicon
        lemma = lex.lemma(form)
        found: set[int] = set()
        found |= self.by_lemma.get(lemma, set())
        found |= self.by_form.get(form, set())
        if self.any_parts and len(form) >= lex.min_part + 3:
            heads, modifiers = lex.parts(form)
            for head, head_lemma in heads:
                found |= self.part_lemma.get(head_lemma, set())
                found |= self.part_form.get(head, set())
            for modifier in modifiers:
                found |= self.part_form.get(modifier, set())
        for i, item in self.wildcards:
            if item.kind == "prefix" and (form.startswith(item.text) or lemma.startswith(item.text)):
                found.add(i)
            elif item.kind == "suffix" and (form.endswith(item.text) or lemma.endswith(item.text)):
                found.add(i)
        return (kind, tuple(sorted(found)), lemma)

    @property
    def span_tokens(self) -> SpanTokens:
        """The tokenizer remembered per span (built on first use)."""
        if self._span_tokens is None:
            self._span_tokens = SpanTokens(self.nlp)
        return self._span_tokens

    @property
    def batch_matcher(self):
        """The rules as arrays for matching a batch of docs (built on first use)."""
        if self._batch_matcher is None:
            from .matching import BatchMatcher

            self._batch_matcher = BatchMatcher(self)
        return self._batch_matcher


# --------------------------------------------------------------------------- the engine


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


_ENGINE: Engine | None = None


def _engine_for(spec: dict) -> Engine:
    global _ENGINE
    if _ENGINE is None or _ENGINE.key != spec_key(spec):
        _ENGINE = Engine(spec)
    return _ENGINE


def _prepare_engine(spec: dict, languages: list[str]) -> None:
    engine = _engine_for(spec)
    for lang in languages:
        rules = engine.rules(lang)
        if not rules.batch_matcher.needs_docs:
            rules.span_tokens


def _init_worker(spec: dict, languages: list[str]) -> None:
    _prepare_engine(spec, languages)
    _settle_worker()


def _warm_worker(languages: list[str]) -> None:
    """Load what any codebook's rules for these languages need (lemma tables, blank pipelines),
    before the codebook is known."""
    for lang in languages:
        lemma_table(lang)
        blank_nlp(lang)
    _settle_worker()


def _settle_worker() -> None:
    """Python's cyclic garbage collector off in a worker, its loaded tables frozen out of it.

    A task allocates millions of objects (tokens, rows) and frees them by reference counting; the
    automatic collector ran on every few hundred of them and walked every object the worker holds
    (0.6 s of each worker's 7 at 10M words). Each task ends with one collection instead. A worker
    forked by :func:`_fork_pool` has its parent's objects frozen already: no full collection then."""
    if not gc.get_freeze_count():
        gc.collect()
    gc.freeze()
    gc.disable()


def _run_task(key: str, spec: bytes, task: Task):
    """Run a task in a worker. ``spec`` comes pickled (once for the run, not once per task, as
    ``pickle.dumps(engine_spec)``) and is read only by a worker whose engine is for another one."""
    global _ENGINE
    if _ENGINE is None or _ENGINE.key != key:
        _ENGINE = Engine(pickle.loads(spec))
    try:
        return _ENGINE.run(task)
    finally:
        gc.collect(1)  # the young objects only: the task's cycles, if it made any


@dataclass
class Workers:
    """Worker processes for auto-coding, started by :func:`early_workers`."""

    pool: object
    jobs: int


@contextlib.contextmanager
def early_workers(store: Store, jobs: int) -> Iterator[Workers | None]:
    """Start the worker processes of a run before its codebook is read and its sources planned,
    so that they load their lemma tables and tokenizers (a few tenths of a second each) meanwhile.
    Done only when some source has never been auto-coded (a first run is sure to need them); otherwise
    ``run_autocode`` starts them after planning, if any work is left. Yields None when the run
    stays in one process."""
    if jobs == 1:
        yield None
        return
    if not store.sources_never_autocoded():
        yield None
        return
    if jobs <= 0:
        jobs = min(os.cpu_count() or 1, 8) if store.total_characters() >= AUTO_JOBS_MIN_CHARS else 1
    languages = sorted({lang for lang in store.source_languages() if lang})
    if jobs == 1 or not languages:
        yield None
        return
    import spacy  # noqa: F401  (this process needs it to read the codebook; forked workers inherit it)

    with _fork_pool(jobs, _warm_worker, (languages,)) as pool:
        yield Workers(pool, jobs)


def _fork_pool(jobs: int, initializer: Callable, initargs: tuple):
    """A pool of ``jobs`` worker processes. This process's objects are frozen out of the garbage
    collector while the workers are forked and given back after (a caller's own frozen objects stay
    frozen): a forked worker inherits them frozen and need not walk them all once before it starts
    (0.12 s a worker at 10M words)."""
    thaw = not gc.get_freeze_count()
    gc.freeze()
    try:
        return _context().Pool(processes=jobs, initializer=initializer, initargs=initargs)
    finally:
        if thaw:
            gc.unfreeze()


# --------------------------------------------------------------------------- planning


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
        return _cut_chunks(text, units.tolist(), owner)
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


def _cut_chunks(text: str, units: list, owner: int) -> list[Chunk]:
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


def task_chars(characters: int, jobs: int) -> int:
    """How many characters of text to hand a worker at a time, in a run of ``characters`` with
    ``jobs`` processes.

    Each task has a cost of its own besides its text: the matcher's steps per rule and pattern are
    numpy calls whatever the number of tokens, and the task and its results pass between the
    processes. Counted in instructions over 200 sources of the 10M-word benchmark corpus, the
    engine did 2.5 % less work in tasks of 600,000 characters than of 250,000 (2.9 % less at
    1,000,000); tasks of 1.4-2 million characters ran slower in timed runs, their arrays too large
    for the processor's caches. Smaller runs keep at least TASKS_PER_WORKER tasks per worker (but
    none under TASK_CHARS), so that the workers share the work evenly to its end; a run in one
    process has nothing to share."""
    if jobs <= 1:
        return TASK_CHARS_MAX
    return max(TASK_CHARS, min(TASK_CHARS_MAX, characters // (jobs * TASKS_PER_WORKER)))


def source_parts(source_id: int, language: str, text: str, units: np.ndarray,
                 wanted: set[str] | None, size: int = TASK_CHARS) -> list[Part]:
    """A source's units (an array of idx, start, end) in parts of about ``size`` characters,
    each with the stretch of text it covers."""
    if not len(units):
        return []
    sizes = units[:, 2] - units[:, 1]
    group = (np.cumsum(sizes) - sizes) // size
    bounds = np.flatnonzero(np.diff(group)) + 1
    out = []
    for lo, hi in zip([0, *bounds.tolist()], [*bounds.tolist(), len(units)]):
        block = units[lo:hi]
        base, end = int(block[:, 1].min()), int(block[:, 2].max())
        shifted = block - np.array([0, base, base], dtype=block.dtype)
        out.append(Part(source_id, language, text[base:end], base, shifted, wanted))
    return out


@dataclass
class SourcePlan:
    source_id: int
    name: str
    language: str
    characters: int              # in the units to code
    mode: str                    # full | partial | skip
    fingerprint: str
    code_hashes: dict[str, str]
    wanted: set[str] | None = None
    replace_codes: set[str] = field(default_factory=set)
    units: np.ndarray | None = None         # idx, start, end of the units to code
    existing: int = 0            # automatic codings of this coder the source has now
    stored: list = field(default_factory=list)  # (start, end, code id) arrays this run stored, for the kept row
    deleted: int = 0             # codings this run deleted
    code_hashes_json: str = ""   # code_hashes as stored (one string for all sources of a language)


@dataclass
class AutocodeReport:
    """What an auto-coding run did (or, with ``dry_run``, would do)."""

    unit: str
    dry_run: bool
    jobs: int = 1
    coded: list[str] = field(default_factory=list)
    partial: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    codings: int = 0
    replaced: int = 0
    by_code: collections.Counter = field(default_factory=collections.Counter)
    by_top_level: dict[str, int] = field(default_factory=dict)
    totals_by_top_level: dict[str, int] = field(default_factory=dict)
    tokens: int = 0
    characters: int = 0
    seconds: float = 0.0
    # every automatic coding the project holds after the run, per code slug, when the run made
    # them all (it replaced every earlier one); None otherwise
    auto_after: collections.Counter | None = None
    planned: list[dict] | None = None
    codebook: str = ""

    def summary_rows(self, labels: dict[str, str] | None = None) -> list[dict]:
        rows = []
        labels = labels or {}
        for code, n in self.by_top_level.items():
            row = {"code": code, "label": labels.get(code, ""),
                   ("would_code" if self.dry_run else "codings"): n}
            if not self.dry_run:
                row["total_auto"] = self.totals_by_top_level.get(code, 0)
            rows.append(row)
        return rows

    def lines(self) -> list[str]:
        verb = "would code" if self.dry_run else "coded"
        out = [f"{'dry run: ' if self.dry_run else ''}{verb} {len(self.coded)} source(s) in full, "
               f"{len(self.partial)} in part (changed codes only), skipped {len(self.skipped)} unchanged; "
               f"unit {self.unit}, {self.jobs} process(es), {self.seconds:.1f} s"]
        out.append(f"{'would create' if self.dry_run else 'created'} {self.codings} automatic codings"
                   + (f", replacing {self.replaced} earlier ones" if self.replaced else ""))
        return out


def _hash(value) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()[:20]


def _fingerprint(run_key: bytes, text_sha256: str, units: np.ndarray) -> str:
    """What a source's codings depend on besides the rules: the run's settings (``run_key``), the
    text and where the units to code start and end (their bytes hashed as they are, not written
    out as JSON first, which cost 0.13 s at 10M words on every run)."""
    digest = hashlib.sha256(run_key)
    digest.update(b"\0" + text_sha256.encode() + b"\0")
    digest.update(np.ascontiguousarray(units[:, 1:], dtype="<i8").tobytes())
    return digest.hexdigest()[:20]


@dataclass
class Planning:
    """Every source's plan, and how many automatic codings of the auto-coder's the project holds
    before the run."""

    plans: list[SourcePlan]
    mine: int


def plan_sources(store: Store, codebook: Codebook, *, unit: str, include_interviewer: bool,
                 force: bool) -> Planning:
    """Decide for each source: code in full, only changed codes, or skip."""
    states = store.autocode_states()
    counts = store.auto_coding_counts(CODER)
    codable = [c for c in codebook.codes if c.codable]
    hashes_by_lang: dict[str, tuple[dict[str, str], str, bytes]] = {}
    plans = []
    # every source's turns in one query (not one joined query per source)
    turn_units = store.turn_units_by_source(None if include_interviewer else INTERVIEWER_ROLE)
    for row in store.autocode_sources():
        lang = row["language"]
        if lang not in hashes_by_lang:
            by_code = {c.id: _hash(c.rules.get(lang)) for c in codable}
            settings = {"compounds": (codebook.settings.get("compounds") or {}).get(lang, False),
                        "min_part_length": codebook.settings.get("min_part_length")}
            run_key = _hash([ENGINE_VERSION, lang, unit, include_interviewer, settings]).encode()
            hashes_by_lang[lang] = (by_code, code_hashes_json(by_code), run_key)
        code_hashes, hashes_json, run_key = hashes_by_lang[lang]
        units = turn_units.get(row["id"])
        if units is None:       # no turns: the whole text
            length = store.source_length(row["id"])
            units = np.array([(0, 0, length)] if length else [], dtype=np.int64).reshape(-1, 3)
        fingerprint = _fingerprint(run_key, row["text_sha256"], units)
        plan = SourcePlan(row["id"], row["name"], lang, int((units[:, 2] - units[:, 1]).sum()), "full", fingerprint, code_hashes,
                          units=units, existing=counts.get(row["id"], 0), code_hashes_json=hashes_json)
        state = states.get(row["id"])
        if not force and state is not None and state["fingerprint"] == fingerprint \
                and counts.get(row["id"], 0) == state["codings"]:
            old = json.loads(state["code_hashes"] or "{}")
            changed = {slug for slug in set(old) | set(code_hashes) if old.get(slug) != code_hashes.get(slug)}
            if not changed:
                plan.mode = "skip"
            else:
                plan.mode = "partial"
                plan.replace_codes = changed
                plan.wanted = changed & set(code_hashes)
        plans.append(plan)
    return Planning(plans, sum(counts.values()))


# --------------------------------------------------------------------------- running


def _context():
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """Automatic garbage collection off inside; back as it was (and the young objects collected) after."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
            gc.collect(1)


@paused_gc()
def run_autocode(store: Store, codebook: Codebook, *, unit: str = "sentence", dry_run: bool = False,
                 include_interviewer: bool = False, jobs: int = 1, force: bool = False,
                 code_ids: dict[str, int] | None = None, collect: bool = False,
                 progress: Callable[[str], None] | None = None, workers: Workers | None = None) -> AutocodeReport:
    """Auto-code the project's sources with ``codebook``; the caller holds the transaction.

    Python's cyclic garbage collector is paused meanwhile (:func:`paused_gc`): the run frees what it
    makes by reference counting, and the collector, started every few hundred new objects (rows,
    results from the workers), walked all objects of the process each time it reached the oldest
    generation.

    ``code_ids`` maps code slugs to stored code ids (needed unless ``dry_run``). ``jobs`` > 1 uses
    that many worker processes; 0 means one per core when there is enough text to pay for them.
    ``workers`` (from :func:`early_workers`) are used instead of starting new ones."""
    if unit not in UNITS:
        raise CodingError(f"unknown unit '{unit}' (use {' or '.join(UNITS)})")
    started = time.perf_counter()
    report = AutocodeReport(unit=unit, dry_run=dry_run, codebook=codebook.name or codebook.file)
    if collect:
        report.planned = []
    spec = engine_spec(codebook)
    if not spec["codes"]:
        raise CodingError("the codebook has no rules to auto-code with; add 'rules' to its codes "
                          "(see README, 'Codebook and auto-coding')")
    planning = plan_sources(store, codebook, unit=unit, include_interviewer=include_interviewer, force=force)
    plans = planning.plans
    # whether the totals after the run need a count of the table: not when the run replaces every
    # automatic coding of the auto-coder's and no other coder has any (asked before this run's are
    # stored, and only when the first holds)
    count_after = dry_run or not all(p.mode == "full" or not p.existing for p in plans) \
        or store.other_auto_codings(CODER)
    work = [p for p in plans if p.mode != "skip"]
    report.skipped = [p.name for p in plans if p.mode == "skip"]
    characters = sum(p.characters for p in work)
    if workers is not None:
        jobs = workers.jobs
    elif jobs <= 0:
        jobs = min(os.cpu_count() or 1, 8) if characters >= AUTO_JOBS_MIN_CHARS else 1
    jobs = max(1, jobs) if work else 1
    report.jobs = jobs
    ids = code_ids or {}
    task_size = task_chars(characters, jobs)

    languages = {lang for code in spec["codes"] for lang, rules in code["rules"].items() if rules}

    def parts_of(plan: SourcePlan) -> list[Part]:
        if plan.language not in languages or plan.units is None or not len(plan.units):
            return []       # no rules for this language, or nothing to code: nothing to tokenise
        report.characters += int((plan.units[:, 2] - plan.units[:, 1]).sum())
        return source_parts(plan.source_id, plan.language, store.source_text(plan.source_id), plan.units,
                            plan.wanted, task_size)

    def tasks() -> Iterator[tuple[Task | None, list[tuple[SourcePlan, bool, bool]]]]:
        """Tasks of about ``task_size`` characters in source order, each with (plan, first part of
        the plan?, last part?) per part; a plan with nothing to code comes with no task."""
        parts: list[Part] = []
        marks: list[tuple[SourcePlan, bool, bool]] = []
        held = 0
        for plan in work:
            mine = parts_of(plan)
            if not mine:
                if parts:
                    yield Task(unit, parts), marks
                    parts, marks, held = [], [], 0
                yield None, [(plan, True, True)]
                continue
            for i, part in enumerate(mine):
                parts.append(part)
                marks.append((plan, i == 0, i == len(mine) - 1))
                held += len(part.text)
                if held >= task_size:
                    yield Task(unit, parts), marks
                    parts, marks, held = [], [], 0
        if parts:
            yield Task(unit, parts), marks

    def begin(plan: SourcePlan) -> None:
        if plan.mode == "full":
            report.coded.append(plan.name)
        else:
            report.partial.append(plan.name)
        if dry_run or not plan.existing:        # nothing to replace: no query
            return
        if plan.mode == "full":
            deleted = store.delete_auto_codings(plan.source_id, CODER)
        else:
            deleted = store.delete_auto_codings(plan.source_id, CODER, [ids[s] for s in plan.replace_codes if s in ids])
        plan.existing -= deleted
        plan.deleted = deleted
        report.replaced += deleted

    slugs = [code["slug"] for code in spec["codes"]]
    stored_id = np.array([ids.get(slug, -1) for slug in slugs] or [-1], dtype=np.int64)  # spec code -> codes.id

    def store_result(plan: SourcePlan, found: Found) -> None:
        report.tokens += found.tokens
        report.codings += len(found.code)
        if not len(found.code):
            return
        counts = np.bincount(found.code, minlength=len(slugs))
        present = np.flatnonzero(counts)
        report.by_code.update({slugs[k]: n for k, n in zip(present.tolist(), counts[present].tolist())})
        if collect and report.planned is not None:
            report.planned.extend({"source": plan.name, "start": s, "end": e, "code": slug, "rule": r,
                                   "matched": m} for s, e, slug, r, m in found.rows(slugs))
        if not dry_run:
            code_ids = stored_id[found.code]
            if (code_ids < 0).any():
                missing = sorted({slugs[k] for k in found.code[code_ids < 0].tolist()})
                raise CodingError(f"codes {', '.join(missing)} are not in the project's codebook")
            plan.existing += store.insert_auto_codings(plan.source_id, found.start, found.end, code_ids,
                                                       found.rule, found.matched, CODER, ORIGIN)
            plan.stored.append((found.start, found.end, code_ids))

    def finish(plan: SourcePlan) -> None:
        if progress:
            progress(f"autocode {plan.name}")
        if not dry_run:
            # the count a re-run checks: what the source had, less what was deleted, plus what was stored
            states.append((plan.source_id, plan.fingerprint, plan.code_hashes_json, plan.existing))
            keep_row(plan)

    states: list[tuple] = []  # written at the end (the run is one transaction: all or nothing)
    kept_rows: list[tuple] = []
    codings_before: dict[int, int] = {}

    def keep_row(plan: SourcePlan) -> None:
        """The source's kept coding row (written at the end of the run), made from what was stored
        when that is all the source has now: everything it had before was deleted. Cheaper than
        the first analysis reading the codings back."""
        stored, plan.stored = plan.stored, []
        if codings_before.get(plan.source_id, 0) != plan.deleted:
            return
        start, end, code_ids = ([np.concatenate(column) for column in zip(*stored)] if stored
                                else [np.zeros(0, dtype=np.int64)] * 3)
        row = coding_table.source_row(plan.source_id, start, end, code_ids, CODER, ORIGIN)
        if row is not None:
            kept_rows.append(row)

    def deliver(marks, results) -> None:
        for k, (plan, first, last) in enumerate(marks):
            if first:
                begin(plan)
            if results is not None:
                store_result(plan, results[k])
            if last:
                finish(plan)

    if not dry_run and work:
        codings_before.update(store.coding_counts_by_source())
        store.forget_coding_rows([p.source_id for p in work])  # at once, not one source at a time
    if jobs == 1:
        engine = _engine_for(spec)
        for task, marks in tasks():
            deliver(marks, engine.run(task) if task is not None else None)
            gc.collect(1)  # the collector is paused (run_autocode): the task's cycles, if any
    else:
        # Workers started here get the rules and lemma tables built in this process, once (forked
        # workers inherit them; a spawned worker builds its own). Results are taken in order, up
        # to 8 tasks per worker ahead, so that the workers rarely wait while this process stores.
        key, packed = spec_key(spec), pickle.dumps(spec, protocol=pickle.HIGHEST_PROTOCOL)
        with contextlib.ExitStack() as stack:
            if workers is not None:
                pool = workers.pool
            else:
                wanted_languages = sorted({p.language for p in work} & languages)
                _prepare_engine(spec, wanted_languages)
                pool = stack.enter_context(_fork_pool(jobs, _init_worker, (spec, wanted_languages)))
            pending: collections.deque = collections.deque()
            window = jobs * 8
            for task, marks in tasks():
                pending.append((None if task is None else pool.apply_async(_run_task, (key, packed, task)), marks))
                while len(pending) > window:
                    handle, done = pending.popleft()
                    deliver(done, None if handle is None else handle.get())
            while pending:
                handle, done = pending.popleft()
                deliver(done, None if handle is None else handle.get())
    if states:
        store.set_autocode_states(states)
    if kept_rows:
        store.keep_coding_rows(kept_rows)
    if not count_after and report.replaced == planning.mine:
        report.auto_after = report.by_code
    tops = {c.id: codebook.top_level(c.id) for c in codebook.codes}
    order = [c.id for c in codebook.codes if c.parent is None]
    by_top = collections.Counter()
    for slug, n in report.by_code.items():
        by_top[tops.get(slug, slug)] += n
    report.by_top_level = {code: by_top.get(code, 0) for code in order}
    report.seconds = time.perf_counter() - started
    return report
