"""A codebook's rules for one language, compiled against the language's lexicon: the words the rules
look for (items), phrases, near rules, vetoes and spaCy patterns, and which rules each word starts."""

from __future__ import annotations

import collections
from dataclasses import dataclass, field

from ..codebook import blank_nlp
from .lexicon import Lexicon
from .forms import BREAK, CLOSER, FINAL, SPACE, WORD
from .patterns import pattern_anchor
from .span_tokens import SpanTokens

FINAL_PUNCT = {".", "!", "?", "...", "…", "?!", "!?", "..", "!!", "??"}
CLOSERS = {'"', "'", ")", "]", "»", "”", "’", "›"}

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


# --------------------------------------------------------------------------- compiled rules


@dataclass
class Item:
    """One word of a rule: exact (lemma/form, maybe as a compound part) or a wildcard."""

    kind: str           # exact | prefix | suffix
    text: str
    compound: bool
    strict: bool = False  # a one-word term: its own form and lemma only, not its lemma's other forms


@dataclass(frozen=True)
class Ref:
    """What a term, an ``unless`` or a side of a near rule names: one word (``kind`` "term", ``index``
    into :attr:`LanguageRules.items`) or several in a row (``kind`` "phrase", ``index`` into
    :attr:`LanguageRules.phrases`)."""

    kind: str           # term | phrase
    index: int


@dataclass(frozen=True)
class PhraseRule:
    """One of a code's phrases: which phrase, and its text as the codebook writes it."""

    phrase: int
    text: str


@dataclass(frozen=True)
class NearRule:
    """Two lists of words that must occur within ``within`` tokens of each other in one unit."""

    first: list[Ref]
    second: list[Ref]
    within: int
    description: str    # how a coding names the rule: "near a~b ≤N"


@dataclass(frozen=True)
class UnlessNear:
    """An ``unless`` near pair: a code's matches that touch the span from a word of ``first`` to a word
    of ``second`` within ``within`` tokens (0: the same token, such as both parts of a compound) are
    vetoed."""

    first: list[Ref]
    second: list[Ref]
    within: int


@dataclass(frozen=True)
class Trigger:
    """A rule that a word starts (see :attr:`LanguageRules.item_rules`): the code (its position in
    :attr:`LanguageRules.codes`), the kind of rule, which one (a term: its item; a phrase: its phrase;
    near: the number of the code's near rule) and the text a coding shows (None for near rules)."""

    code: int
    kind: str           # term | phrase | near
    rule: int
    text: str | None


@dataclass
class CompiledCode:
    """One code's rules for one language."""

    index: int          # the code's position in the engine spec
    slug: str
    terms: dict[int, str] = field(default_factory=dict)            # item -> term text
    phrases: list[PhraseRule] = field(default_factory=list)
    near: list[NearRule] = field(default_factory=list)
    unless: list[Ref] = field(default_factory=list)
    unless_near: list[UnlessNear] = field(default_factory=list)
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

    def _ref(self, text: str, compound_ok: bool = True) -> Ref:
        """A term (one word: an item) or a phrase (several words)."""
        words = self._words(text)
        if len(words) == 1:
            return Ref("term", self._item(words[0], compound_ok, strict=True))
        items = tuple(self._item(w, False) for w in words)
        pid = self._phrase_ids.get(items)
        if pid is None:
            pid = self._phrase_ids[items] = len(self.phrases)
            self.phrases.append(items)
            # anchor on the rarest-looking word: not a stop word, then the longest
            self.phrase_trigger.append(max(range(len(words)), key=lambda k: (
                words[k].strip("*") not in self.stop_words and words[k].isalpha() or "*" in words[k],
                len(words[k]), -k)))
        return Ref("phrase", pid)

    def _compile(self, index: int, slug: str, ruleset: dict) -> None:
        code = CompiledCode(index=index, slug=slug)
        for text in list(ruleset.get("terms") or []) + list(ruleset.get("phrases") or []):
            ref = self._ref(text)
            if ref.kind == "term":
                code.terms[ref.index] = text
            else:
                code.phrases.append(PhraseRule(ref.index, text))
        for text in ruleset.get("whole_words") or []:
            ref = self._ref(text, compound_ok=False)
            if ref.kind == "term":
                code.terms[ref.index] = text
            else:
                code.phrases.append(PhraseRule(ref.index, text))
        for rule in ruleset.get("near") or []:
            first = [self._ref(t) for t in rule["terms"]]
            second = [self._ref(t) for t in rule["with"]]
            desc = f"near {rule['terms'][0]}~{rule['with'][0]} ≤{rule['within']}"
            code.near.append(NearRule(first, second, int(rule["within"]), desc))
        for item in ruleset.get("unless") or []:
            if isinstance(item, dict):
                code.unless_near.append(UnlessNear([self._ref(t) for t in item["terms"]],
                                                   [self._ref(t) for t in item["with"]], int(item["within"])))
            else:
                code.unless.append(self._ref(item))
        patterns = ruleset.get("patterns") or []
        code.patterns = len(patterns)
        code.pattern_list = patterns
        self.codes.append(code)

    def _trigger_item(self, ref: Ref) -> int:
        """The word a term or phrase is looked for by: the term's, or the phrase's anchor word."""
        return ref.index if ref.kind == "term" else self.phrases[ref.index][self.phrase_trigger[ref.index]]

    def _index(self) -> None:
        """Which rules each trigger word starts (``item_rules``: terms, each phrase's anchor word,
        the first side of a near rule), the anchor words of spaCy patterns, and the lookups from
        lemmas and forms to rule words."""
        self.item_rules: dict[int, list[Trigger]] = collections.defaultdict(list)
        for position, code in enumerate(self.codes):
            for item, text in code.terms.items():
                self.item_rules[item].append(Trigger(position, "term", item, text))
            for rule in code.phrases:
                self.item_rules[self._trigger_item(Ref("phrase", rule.phrase))].append(
                    Trigger(position, "phrase", rule.phrase, rule.text))
            for number, near in enumerate(code.near):
                for ref in near.first:
                    self.item_rules[self._trigger_item(ref)].append(Trigger(position, "near", number, None))
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
            from .matcher import BatchMatcher

            self._batch_matcher = BatchMatcher(self)
        return self._batch_matcher


