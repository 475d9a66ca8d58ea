"""A reference auto-coder, written plainly on spaCy, to check the fast engine against (a test helper,
not shipped with the package).

It implements the rules as README ("Codebook and auto-coding") states them, with nothing made fast:

* Text is tokenised by ``spacy.blank(lang)``. A component sets each token's lemma from the lookup
  table of spacy-lookups-data (the table spaCy's lookup lemmatizer loads), looked up on the
  lower-cased form; LEMMA_FIXES come first. A form the table does not know is lemmatised from its
  last hyphenated part ("it-systemerne" -> "it-system") or, in a compounding language, from its
  longest known head ("sagsstammen" -> "sags" + "stamme").
* The same component gives each token the set of keys it can stand for (``token._.keys``): its
  lemma ``L:``, its form ``F:``, its compound parts ``C:`` (heads of at least ``min_part_length``
  letters after a modifier of at least three, and their lemmas; modifiers of at least
  ``min_part_length`` letters before a known rest, a linking -s- or -e- taken off; every piece of
  a hyphenated word), the wildcards of the codebook it fits (``P:`` prefix, ``S:`` suffix, on its
  form or lemma), and ``SKIP`` for a filler word a phrase may step over.
* A rule word is a set of keys, and a token stands for it when they share one. A one-word term
  stands for its own lemma or form (``L:t F:t``), and, in a compounding language when it has at
  least ``min_part_length`` letters, for compounds holding it (``C:t``); a word inside a phrase
  also stands for the other forms of its lemma (``L:lemma(w)``).
* Phrases are spaCy ``Matcher`` patterns, one per way of placing at most two filler words between
  their words; the Matcher is run on a window of each unit from every token that stands for the
  phrase's first word (one Matcher over whole texts with the hundreds of phrases of a codebook
  evaluates every pattern's first token at every token: minutes for the sample corpus).
* ``near``: a span of the ``terms`` side and a span of the ``with`` side in the same unit whose
  starts are at most ``within`` tokens apart (not the same span). ``unless``: a match of the code
  that shares a token with a span of its ``unless`` words does not count, nor one that shares a
  token with an ``unless`` near pair (from its first to its last token; both sides may be one
  token). ``whole_words`` are terms without the compound keys. ``patterns``: the codebook's token
  patterns in a spaCy ``Matcher`` on each unit, on the lemmas above.
* Units: a turn, or a sentence within a turn: a sentence ends after final punctuation (with up to
  two closing quotes or brackets after it) and at a line break; it is coded from its first to its
  last token that is not white space. Interviewer turns are left out unless asked for.

Each coding is (start, end, code, rules): the unit, the code, and the rules that fired, named as the
engine names them (``term X``, ``phrase X``, ``near A~B ≤N``, ``pattern N``).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path

import spacy
import yaml
from spacy.lookups import load_lookups
from spacy.matcher import Matcher
from spacy.tokens import Token

INTERVIEWER = "Interviewer"
FINAL = {".", "!", "?", "...", "…", "?!", "!?", "..", "!!", "??"}
CLOSERS = {'"', "'", ")", "]", "»", "”", "’", "›"}
LINKING = "se"
MAX_GAP = 2

# Words a phrase may step over (at most MAX_GAP in all): particles, degree adverbs, negation and
# commas, which spoken answers put between the words of a phrase ("tror ikke på" is "tro på").
FILLERS = {
    "da": set(("ikke jo nu da godt vel faktisk stadig også altså bare sagtens nok helt rigtig virkelig meget "
               "lige egentlig simpelthen aldrig altid ofte tit slet gerne måske heller bestemt , – -").split()),
    "en": set(("not n't really still actually also just even probably always never often truly genuinely "
               "definitely certainly quite , – -").split()),
}

# The engine's corrections of the lookup tables (docs/decisions.md, issue 3): they come first.
LEMMA_FIXES = {
    "da": {
        "syge": "syg", "gode": "god", "sparret": "sparre", "lederne": "leder", "ledernes": "leder",
        "rådgiver": "rådgiver", "rådgiveren": "rådgiver", "rådgivere": "rådgiver", "rådgiverne": "rådgiver",
        "timerne": "time", "kolleger": "kollega", "kollegerne": "kollega", "kollegers": "kollega",
        "kollegernes": "kollega", "kollegaerne": "kollega", "borger": "borger", "sagsbehandler": "sagsbehandler",
        "mindset": "mindset", "målepunkter": "målepunkt", "målepunkterne": "målepunkt",
    },
    "en": {
        "staffing": "staffing", "backing": "backing", "sparring": "sparring", "caseworkers": "caseworker",
        "co-located": "co-located", "data": "data",
    },
}

if not Token.has_extension("keys"):
    Token.set_extension("keys", default=frozenset())


@dataclass(frozen=True)
class Coding:
    start: int
    end: int
    code: str
    rules: frozenset


class Lexicon:
    """Lemmas and compound parts of lower-cased forms, from the spacy-lookups-data table."""

    def __init__(self, lang: str, compounds: bool, min_part: int):
        try:
            self.table = load_lookups(lang, ["lemma_lookup"]).get_table("lemma_lookup")
        except (ValueError, KeyError):
            self.table = {}
        self.fixes = LEMMA_FIXES.get(lang, {})
        self.lemmas = set(self.table.values()) | set(self.fixes.values())
        self.compounds, self.min_part = compounds, min_part

    def lookup(self, form: str) -> str | None:
        return self.fixes.get(form) or self.table.get(form)

    def known(self, form: str) -> bool:
        return self.lookup(form) is not None or form in self.lemmas

    def lemma(self, form: str) -> str:
        found = self.lookup(form)
        if found is not None:
            return found
        if "-" in form.strip("-"):
            before, last = form.rsplit("-", 1)
            return before + "-" + self.lemma(last) if last else form
        if self.compounds and len(form) >= 6:
            for i in range(3, len(form) - 2):           # the longest known head
                if self.known(form[i:]):
                    return form[:i] + (self.lookup(form[i:]) or form[i:])
        return form

    def parts(self, form: str) -> set[str]:
        """The compound parts a form holds: heads (and their lemmas) and modifiers."""
        if "-" in form.strip("-"):
            pieces = [p for p in form.split("-") if p]
            if len(pieces) > 1:
                last = pieces[-1]
                found = {last, self.lemma(last)} | self.parts(last)
                for piece in pieces[:-1]:
                    found |= {piece, self.lemma(piece)}
                return found
        found: set[str] = set()
        m = self.min_part
        for i in range(3, len(form) - m + 1):            # head: form[i:], at least m letters
            head = form[i:]
            if self.known(head):
                found |= {head, self.lookup(head) or head}
        for j in range(m, len(form) - 2):                # modifier: form[:j], a known rest of 3+
            rest = form[j:]
            if self.known(rest) or (rest[0] in LINKING and len(rest) > 3 and self.known(rest[1:])):
                found.add(form[:j])
        return found


def words_of(nlp, text: str) -> list[str]:
    """A rule's words: lower-cased, split as the tokenizer splits them; a wildcard stays whole."""
    words: list[str] = []
    for chunk in text.lower().split():
        if "*" in chunk:
            words.append(chunk)
        else:
            words.extend(t.lower_ for t in nlp.make_doc(chunk) if not t.is_space)
    return words


class LanguageReference:
    """A codebook's rules for one language on a blank spaCy pipeline."""

    def __init__(self, lang: str, codes: list[tuple[str, dict]], settings: dict):
        self.lang = lang
        compounds = bool((settings.get("compounds") or {}).get(lang, False))
        self.lexicon = Lexicon(lang, compounds, int(settings.get("min_part_length") or 4))
        self.fillers = FILLERS.get(lang, set())
        self.nlp = spacy.blank(lang)
        self.wildcards: set[str] = set()
        self.analysed: dict[str, tuple[str, frozenset]] = {}
        self.codes = []
        for slug, rules in codes:
            if rules.get(lang):
                self.codes.append((slug, self._compile(rules[lang])))
        self.phrases: dict[tuple, Matcher] = {}          # phrase (keys of each word) -> its Matcher
        for _, code in self.codes:
            for refs in [code["terms"], *(near[0] + near[1] for near in code["near"] + code["unless_near"]),
                         code["unless"]]:
                for ref in refs:
                    if ref[0] == "phrase" and ref[1] not in self.phrases:
                        self.phrases[ref[1]] = self._phrase_matcher(ref[1])
        self.patterns = Matcher(self.nlp.vocab)
        for slug, code in self.codes:
            for number, pattern in enumerate(code["patterns"], start=1):
                self.patterns.add(f"{slug}\t{number}", [pattern])

    # -- rules
    def term_keys(self, word: str, compounds: bool = True) -> frozenset:
        if word.startswith("*"):
            self.wildcards.add(word)
            return frozenset({"S:" + word[1:]})
        if word.endswith("*"):
            self.wildcards.add(word)
            return frozenset({"P:" + word[:-1]})
        keys = {"L:" + word, "F:" + word}
        if compounds and self.lexicon.compounds and len(word) >= self.lexicon.min_part:
            keys.add("C:" + word)
        return frozenset(keys)

    def phrase_word_keys(self, word: str) -> frozenset:
        if "*" in word:
            return self.term_keys(word)
        return frozenset({"L:" + word, "L:" + self.lexicon.lemma(word), "F:" + word})

    def ref(self, text: str, compounds: bool = True) -> tuple:
        """('term', keys) for one word, ('phrase', (keys, ...)) for several."""
        words = words_of(self.nlp, text)
        if len(words) == 1:
            return ("term", self.term_keys(words[0], compounds))
        return ("phrase", tuple(self.phrase_word_keys(w) for w in words))

    def _compile(self, ruleset: dict) -> dict:
        code = {"terms": [], "names": [], "near": [], "unless": [], "unless_near": [],
                "patterns": list(ruleset.get("patterns") or [])}
        words = [(text, True) for text in list(ruleset.get("terms") or []) + list(ruleset.get("phrases") or [])]
        for text, compounds in words + [(text, False) for text in ruleset.get("whole_words") or []]:
            ref = self.ref(text, compounds)
            code["terms"].append(ref)
            code["names"].append(f"{ref[0]} {text}")
        for rule in ruleset.get("near") or []:
            code["near"].append(([self.ref(t) for t in rule["terms"]], [self.ref(t) for t in rule["with"]],
                                 int(rule["within"]), f"near {rule['terms'][0]}~{rule['with'][0]} ≤{rule['within']}"))
        for item in ruleset.get("unless") or []:
            if isinstance(item, dict):                    # a near pair
                code["unless_near"].append(([self.ref(t) for t in item["terms"]], [self.ref(t) for t in item["with"]],
                                            int(item["within"])))
            else:
                code["unless"].append(self.ref(item))
        # the keys one of which a unit must hold for a term, phrase or near rule to fire there
        starts = code["terms"] + [ref for near in code["near"] for ref in near[0]]
        code["keys"] = set().union(*[ref[1] if ref[0] == "term" else ref[1][0] for ref in starts])
        return code

    def _phrase_matcher(self, words: tuple) -> Matcher:
        """The phrase as Matcher patterns: its words in order, with at most MAX_GAP filler tokens
        placed between them in every possible way."""
        matcher = Matcher(self.nlp.vocab)
        slots = len(words) - 1
        patterns = []
        for gaps in itertools.product(range(MAX_GAP + 1), repeat=slots):
            if sum(gaps) > MAX_GAP:
                continue
            pattern = [{"_": {"keys": {"INTERSECTS": sorted(words[0])}}}]
            for gap, keys in zip(gaps, words[1:]):
                pattern += [{"_": {"keys": {"INTERSECTS": ["SKIP"]}}}] * gap
                pattern.append({"_": {"keys": {"INTERSECTS": sorted(keys)}}})
            patterns.append(pattern)
        matcher.add("phrase", patterns)
        return matcher

    # -- lemmas and keys of every token
    def analyse(self, form: str) -> tuple[str, frozenset]:
        """(lemma, keys) of a lower-cased form."""
        if form not in self.analysed:
            lex = self.lexicon
            lemma = lex.lemma(form)
            keys = {"L:" + lemma, "F:" + form}
            if lex.compounds and len(form) >= lex.min_part + 3:
                keys |= {"C:" + part for part in lex.parts(form)}
            for wildcard in self.wildcards:
                stem = wildcard.strip("*")
                if wildcard.endswith("*") and (form.startswith(stem) or lemma.startswith(stem)):
                    keys.add("P:" + stem)
                elif wildcard.startswith("*") and (form.endswith(stem) or lemma.endswith(stem)):
                    keys.add("S:" + stem)
            if form in self.fillers or (not form.strip() and "\n" not in form):
                keys.add("SKIP")
            self.analysed[form] = (lemma, frozenset(keys))
        return self.analysed[form]

    def doc(self, text: str):
        """The text tokenised by the blank pipeline, each token with its lemma and keys."""
        doc = self.nlp(text)
        for token in doc:
            token.lemma_, token._.keys = self.analyse(token.lower_)
        return doc

    # -- units
    @staticmethod
    def sentences(doc) -> list[tuple[int, int]]:
        """Token ranges of the sentences: a new one after final punctuation (and up to two closing
        marks after it) and after a line break."""
        forms = [t.lower_ for t in doc]

        def ends_sentence(i: int) -> bool:      # final punctuation, then at most two closing marks
            closers = 0
            while i >= 0 and forms[i] in CLOSERS and closers < 2:
                i, closers = i - 1, closers + 1
            return i >= 0 and forms[i] in FINAL

        units, start = [], 0
        for i in range(1, len(doc)):
            after_final = ends_sentence(i - 1) and forms[i] not in FINAL and forms[i] not in CLOSERS
            after_break = doc[i - 1].is_space and "\n" in doc[i - 1].text
            if after_final or after_break:
                units.append((start, i))
                start = i
        if len(doc):
            units.append((start, len(doc)))
        return units

    # -- matching
    def spans(self, doc, ref, a: int, b: int, at: dict, cache: dict) -> list[tuple[int, int]]:
        """Where a rule word or phrase occurs in tokens [a, b); ``at`` lists the tokens of the unit
        holding each key."""
        if ref not in cache:
            kind, keys = ref
            if kind == "term":
                cache[ref] = [(i, i + 1) for i in sorted({i for k in keys for i in at.get(k, ())})]
            else:
                found = set()
                reach = len(keys) + MAX_GAP
                for i in sorted({i for k in keys[0] for i in at.get(k, ())}):
                    window = doc[i:min(b, i + reach)]
                    found |= {(i, i + end) for _, start, end in self.phrases[keys](window) if start == 0}
                cache[ref] = sorted(found)
        return cache[ref]

    def code_unit(self, doc, a: int, b: int) -> list[tuple[str, frozenset]]:
        """(code, rules that fired) for each code whose rules fire in tokens [a, b)."""
        cache: dict = {}
        at: dict[str, list[int]] = {}
        for i in range(a, b):
            for key in doc[i]._.keys:
                at.setdefault(key, []).append(i)
        patterns: dict[str, list] = {}
        for match_id, start, end in self.patterns(doc[a:b]) if len(self.patterns) else ():
            slug, number = self.nlp.vocab.strings[match_id].split("\t")
            patterns.setdefault(slug, []).append((f"pattern {number}", [(a + start, a + end)]))
        out = []
        for slug, code in self.codes:
            if slug not in patterns and code["keys"].isdisjoint(at):
                continue                                  # (a shortcut: nothing could fire)
            events = []                                   # (rule name, the spans it needs)
            for ref, name in zip(code["terms"], code["names"]):
                events += [(name, [span]) for span in self.spans(doc, ref, a, b, at, cache)]
            for first, second, within, name in code["near"]:
                left = {s for ref in first for s in self.spans(doc, ref, a, b, at, cache)}
                right = {s for ref in second for s in self.spans(doc, ref, a, b, at, cache)}
                events += [(name, [x, y]) for x in left for y in right if abs(x[0] - y[0]) <= within and x != y]
            events += patterns.get(slug, [])
            vetoed = {i for ref in code["unless"] for s, e in self.spans(doc, ref, a, b, at, cache) for i in range(s, e)}
            for first, second, within in code["unless_near"]:     # from the pair's first to last token
                left = {s for ref in first for s in self.spans(doc, ref, a, b, at, cache)}
                right = {s for ref in second for s in self.spans(doc, ref, a, b, at, cache)}
                vetoed |= {i for x in left for y in right if abs(x[0] - y[0]) <= within
                           for i in range(min(x[0], y[0]), max(x[1], y[1]))}
            fired = {name for name, spans in events
                     if not any(i in vetoed for s, e in spans for i in range(s, e))}
            if fired:
                out.append((slug, frozenset(fired)))
        return out

    def code_text(self, text: str, unit: str, offset: int = 0) -> list[Coding]:
        """The codings of one turn's text (offsets + ``offset``)."""
        doc = self.doc(text)
        units = self.sentences(doc) if unit == "sentence" else [(0, len(doc))]
        codings = []
        for a, b in units:
            found = self.code_unit(doc, a, b)
            if not found:
                continue
            if unit == "sentence":
                solid = [t for t in doc[a:b] if not t.is_space]
                start, end = solid[0].idx, solid[-1].idx + len(solid[-1])
            else:
                start, end = 0, len(text)
            codings += [Coding(offset + start, offset + end, slug, rules) for slug, rules in found]
        return codings


def codable_codes(codes: list[dict]) -> list[tuple[str, dict]]:
    """(id, rules) of every codable code with rules, children included, in codebook order."""
    out = []
    for code in codes:
        if code.get("rules") and code.get("codable", True):
            out.append((code["id"], code["rules"]))
        out += codable_codes(code.get("children") or [])
    return out


class ReferenceCoder:
    """The reference auto-coder for one codebook (a YAML path or its dict)."""

    def __init__(self, codebook):
        book = codebook if isinstance(codebook, dict) else yaml.safe_load(Path(codebook).read_text(encoding="utf-8"))
        self.codes = codable_codes(book.get("codes") or [])
        self.settings = book.get("settings") or {}
        self.languages: dict[str, LanguageReference] = {}

    def language(self, lang: str) -> LanguageReference:
        if lang not in self.languages:
            self.languages[lang] = LanguageReference(lang, self.codes, self.settings)
        return self.languages[lang]

    def code_text(self, text: str, lang: str, unit: str = "sentence") -> list[Coding]:
        return self.language(lang).code_text(text, unit)

    def code_project(self, project, unit: str = "sentence", include_interviewer: bool = False) -> set[tuple]:
        """(source, start, end, code, rules) of every coding the rules give the project's turns,
        read through the public interface (``Project.sources`` and ``Project.show``)."""
        found = set()
        for source in project.sources():
            shown = project.show(source["name"])
            for turn in shown["turns"]:
                if turn["end"] <= turn["start"] or (turn["role"] == INTERVIEWER and not include_interviewer):
                    continue
                for c in self.language(shown["language"]).code_text(turn["text"], unit, turn["start"]):
                    found.add((source["name"], c.start, c.end, c.code, c.rules))
        return found
