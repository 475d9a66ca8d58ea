"""People and places in the spoken text, found without a downloaded model.

What counts as a name (see :func:`name_spans`):

* a word after a title or a relation: "min sagsbehandler Bente", "fru Holm", "my caseworker Paul";
* a given name from the shipped list (``data/given_names.txt``), anywhere; a given name that is
  also an ordinary word ("Birk", "Mose", "Holm", "Storm", "Rose", "Will": :data:`AMBIGUOUS_NAMES`)
  only with context: a title before it, a surname after it, or a capital letter in the middle of
  a sentence (where Danish and English write common nouns in lower case);
* a capitalised word in the middle of a sentence that the language's lexicon (the spaCy lookup
  tables of ``spacy-lookups-data``) does not know: a *possible* name, for the analyst to review;
* capitalised words right after a name join it ("Bente Hansen").

Places: the shipped list of Danish municipalities and larger towns (``data/places_dk.txt``);
"Aarhus Kommune" is a municipality. Words that are never names: the shipped
``data/never_touch.txt`` (Jobcenter, months, ...) and whatever the project adds (theme words,
role names).
"""

from __future__ import annotations

import functools
import gzip
import json
import re
from importlib import resources
from pathlib import Path
from typing import Iterable

# names that are also ordinary words: taken as names only with context
AMBIGUOUS_NAMES = frozenset(w.casefold() for w in """
Birk Mose Holm Storm Bo Ask Sol Rose Mark Will Bill Hope Grace Joy Frank Bent Per Tom Line Liv Lykke
Lærke Stig Sten Dan Kaj Lis Iris Ruby Holly Daisy Lily Poppy Carol Ebbe Mille Tage Palle Rune Bob Ben
Jack Pat Sue Dawn Ray Art Guy Lind Skov Dal Ravn Vang Krog Sand Signe Lone Hans Karl Ellen Kim Agnes
""".split())
# places that are also ordinary words (Skive: a disc; Ringe: rings; Vejen: the road)
AMBIGUOUS_PLACES = frozenset(w.casefold() for w in """
Skive Ringe Stege Hals Tarm Brande Give Vejen Greve Odder Ry Hammel Nibe Hellerup Holte Viby Lyngby
""".split())

# a sentence-initial word that is both a name and an ordinary word, followed by one of these, is the
# ordinary word ("Will you ...", "Mark the date", "Hope you are well")
NOT_AFTER_A_NAME = frozenset("""
you we they i he she it there the a an your our this that these those me us him them
""".split()) | {""}

# words after which a capitalised word is a person's name
TITLE_WORDS = frozenset(w.casefold() for w in """
hr hr. fru fru. frk frk. mr mr. mrs mrs. ms ms. miss dr dr.
sagsbehandler sagsbehandleren sagsbehandlerne rådgiver rådgiveren mentor mentoren kontaktperson
kontaktpersonen jobkonsulent jobkonsulenten virksomhedskonsulent virksomhedskonsulenten konsulent
konsulenten leder lederen chef chefen mellemleder koordinator koordinatoren kollega kollegaen
kollegerne makker læge lægen psykolog psykologen sygeplejerske sygeplejersken terapeut terapeuten
fysioterapeut fysioterapeuten underviser underviseren lærer læreren pædagog pædagogen vejleder
vejlederen støttekontaktperson bostøtte bostøtten mester arbejdsgiver arbejdsgiveren ven vennen
veninde veninden kæreste kæresten mand manden kone konen hustru søster søsteren bror broderen broder
mor moren far faren datter datteren søn sønnen moster faster onkel tante nabo naboen hedder
caseworker adviser advisor mentor counsellor counselor coach manager boss colleague doctor nurse
therapist teacher supervisor friend partner husband wife sister brother mother father mum mom dad
daughter son aunt uncle neighbour neighbor named called
""".split())

_TOKEN = re.compile(r"[^\W\d_]+(?:['’\-\.][^\W\d_]+)*\.?")
_GENITIVE = ("s", "'s", "’s", "'", "’")
_GENITIVE_EN = ("'s", "’s", "'", "’")
_SENTENCE_END = re.compile(r"(?:^|[.!?:;…\n\"“”«»(\[–\-])[\s\"“”'‘’«»()\[\]–\-*_#>]*$")
_ABBREVIATED_TITLES = frozenset({"hr", "fru", "frk", "mr", "mrs", "ms", "dr"})


def _data(name: str) -> str:
    return resources.files("coding.anonymize").joinpath("data", name).read_text(encoding="utf-8")


def _words(name: str) -> list[str]:
    out = []
    for line in _data(name).splitlines():
        if line.strip().startswith("#"):
            continue
        out.extend(w.replace("_", " ") for w in line.split())
    return out


@functools.lru_cache(maxsize=None)
def given_names() -> frozenset[str]:
    return frozenset(_words("given_names.txt"))


@functools.lru_cache(maxsize=None)
def surnames() -> frozenset[str]:
    return frozenset(_words("surnames.txt"))


@functools.lru_cache(maxsize=None)
def places() -> frozenset[str]:
    return frozenset(_words("places_dk.txt"))


@functools.lru_cache(maxsize=None)
def never_touch() -> frozenset[str]:
    return frozenset(w.casefold() for w in _words("never_touch.txt"))


@functools.lru_cache(maxsize=2)
def lexicon(language: str) -> frozenset[str]:
    """The word forms the language's spaCy lookup tables know, lower-cased."""
    import spacy_lookups_data

    folder = Path(spacy_lookups_data.__file__).parent / "data"
    if language == "en":
        lookup = json.loads(gzip.open(folder / "en_lemma_lookup.json.gz").read())
        # the lookup table's forms and lemmas only: the lemma index (WordNet) also lists proper
        # nouns (london, paul), which would hide names
        words = set(lookup) | set(lookup.values())
    else:
        words = set(json.loads(gzip.open(folder / "da_lemma_lookup.json.gz").read()))
    return frozenset(w.casefold() for w in words)


def ordinary(name: str) -> bool:
    """Whether a name has a word that is also an ordinary Danish or English word ("Bo", "Birk",
    "Rose"): such names are matched with their capital letter only; others ("Bente", "Mette
    Hansen") in any letter case, "BENTE" and "bente" included."""
    words = re.findall(r"[^\W\d_]+", name.casefold())
    return not words or any(w in lexicon("da") or w in lexicon("en") for w in words)


def _base(word: str, known: Iterable[str] | frozenset[str], language: str = "da") -> str:
    """A word without its genitive ending when the bare word is known ("Bentes" -> "Bente"). A word
    that is a name itself keeps its final s ("Jens", "Williams", "Roberts": not "William" + s), and
    English text has only the genitive with an apostrophe ("Bente's"; "Adams" is not "Adam" + s)."""
    if word in known or word in given_names() or word in surnames():
        return word
    for ending in (_GENITIVE if language != "en" else _GENITIVE_EN):
        if word.endswith(ending) and word[: -len(ending)] in known:
            return word[: -len(ending)]
    return word


def _compound(word: str, lex: frozenset[str]) -> bool:
    """Whether a Danish word is two known words joined ("virksomhedsservice"): an institution or a
    thing, rarely a person. Parts of at least 3 and 4 letters; a linking s is allowed."""
    for cut in range(3, len(word) - 3):
        head, tail = word[:cut], word[cut:]
        if tail in lex and (head in lex or (head.endswith("s") and head[:-1] in lex)):
            return True
    return False


def sentence_initial(text: str, start: int) -> bool:
    """Whether the word at ``start`` opens a sentence, a line, a quote or a turn."""
    return bool(_SENTENCE_END.search(text[max(0, start - 12):start]))


def name_spans(text: str, language: str, never: frozenset[str] | set[str]) -> list[tuple[int, int, str, str]]:
    """``(start, end, kind, key)`` for names and places; ``key`` is the name without a genitive."""
    lex = lexicon(language)
    given, family, place_list = given_names(), surnames(), places()
    blocked = never_touch() | never
    tokens = [(m.start(), m.start() + len(m.group().rstrip(".")), m.group().rstrip("."))
              for m in _TOKEN.finditer(text)]
    out: list[tuple[int, int, str, str]] = []
    i = 0

    def capitalised(word: str) -> bool:
        # not an abbreviation, nor a compound that starts with one ("IT-ting", "EU-midler")
        return (len(word) >= 2 and word[0].isupper() and not word.isupper()
                and not word.split("-", 1)[0].isupper())

    def adjacent(a: int, b: int) -> bool:
        return b < len(tokens) and text[tokens[a][1]:tokens[b][0]] in (" ", "-")

    def blocked_word(word: str) -> bool:
        return word.casefold() in blocked or _base(word, ()).casefold() in blocked

    while i < len(tokens):
        start, end, word = tokens[i]
        if not capitalised(word) or blocked_word(word):
            i += 1
            continue
        initial = sentence_initial(text, start)
        previous = tokens[i - 1][2].casefold() if i > 0 else ""
        between = text[tokens[i - 1][1]:start] if i > 0 else "."
        titled = i > 0 and previous in TITLE_WORDS and (
            between.strip() == "" or (previous in _ABBREVIATED_TITLES and between.strip() == "."))
        # places: two-word names first
        two = f"{word} {tokens[i + 1][2]}" if i + 1 < len(tokens) and adjacent(i, i + 1) else None
        place = two if two in place_list else _base(word, place_list, language)
        if place in place_list and not titled:
            if place.casefold() in AMBIGUOUS_PLACES and initial:
                i += 1
                continue
            last = i + (1 if two == place else 0)
            kind = "place"
            if last + 1 < len(tokens) and adjacent(last, last + 1) and tokens[last + 1][2].casefold() in (
                    "kommune", "kommunes", "municipality", "council"):
                last += 1
                kind = "municipality"
            key = text[start:tokens[last][1]].rstrip(".") if kind == "municipality" else place
            out.append((start, tokens[last][1], kind, key))
            i = last + 1
            continue
        base = _base(word, given, language)
        if base not in given and "-" in word and all(capitalised(p) for p in word.split("-")) and any(
                p in given for p in word.split("-")):
            base = word   # "Lise-Lotte", "Anne-Sofie": a double name with a given name in it
            given = given | {word}
        following = tokens[i + 1][2] if i + 1 < len(tokens) and adjacent(i, i + 1) else ""
        next_is_name = (capitalised(following) and not blocked_word(following) and following not in place_list)
        kind = None
        if titled:
            kind = "name"
        elif base in given:
            if base.casefold() not in AMBIGUOUS_NAMES or not initial or next_is_name:
                kind = "name"
            elif following.casefold() not in NOT_AFTER_A_NAME:
                # "Rose came", "Storm er hans ven": probably the name; "Will you", "Mark the date": not
                kind = "name_candidate"
        elif word.casefold() not in lex and _base(word, family, language) in family:
            kind = "name"   # a surname that is no ordinary word, even first in a sentence ("Madsen")
        elif not initial and next_is_name and _base(following, family, language) in family:
            kind = "name"   # "til Mose Larsen": an ordinary word before a surname
        elif (not initial and word.casefold() not in lex and len(word) >= 3 and "." not in word
              and not (language == "da" and _compound(word.casefold(), lex))):
            kind = "name_candidate"   # an unknown capitalised word: not an abbreviation, not a compound
        if kind is None:
            i += 1
            continue
        # join the capitalised words that follow ("Bente Hansen", "Anne-Marie Holm Jensen")
        last = i
        while (last + 1 < len(tokens) and last - i < 3 and adjacent(last, last + 1)
               and capitalised(tokens[last + 1][2]) and not blocked_word(tokens[last + 1][2])
               and tokens[last + 1][2] not in place_list
               and (kind == "name" or _base(tokens[last + 1][2], family, language) in family
                    or _base(tokens[last + 1][2], given, language) in given or tokens[last + 1][2].casefold() not in lex)):
            last += 1
        if last > i and kind == "name_candidate":
            kind = "name"
        if last == i:
            key = base if kind == "name" and base in given else _base(word, family, language)
        else:
            key = " ".join(t[2] for t in tokens[i:last])
            key += " " + _base(tokens[last][2], family | given, language)
        out.append((start, tokens[last][1], kind, key))
        i = last + 1
    return out
