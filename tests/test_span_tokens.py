"""The tokenizer remembered per span (coding/autocode/span_tokens.py) gives spaCy's tokens exactly: the same
lower-case forms, starts and lengths as ``nlp.tokenizer(text)``, for plain prose, odd white space,
abbreviations and emoticons (spaCy's special cases), and texts where a special case could reach
across a space, which go to spaCy whole."""

from __future__ import annotations

import random

import numpy as np
import pytest

from coding.codebook import blank_nlp
from coding.autocode import span_tokens
from coding.autocode.span_tokens import SpanTokens, token_columns

PIECES = {
    "da": ["Jeg", "tror", "på", "det.", "f.eks.", "bl.a.", "m.m.", "osv.", "kl.", "14.00", "d.", "3.", "maj",
           "ca.", "30", "pct.", "(bl.a.)", "'f.eks.'", "»nej«.", "”Det”", "sagde:", ":)", ":-)", "(:", ":D", ";-)",
           "e-mail:", "a@b.dk.", "http://example.com/a.b?c=d,", "Lederen", "samarbejdet,", "...", "–", "-",
           "f.eks", ".", "bl.a", ":", "-)", "(", ")", "'", "''", "İstanbul", "nr.", "2", "A.", "o.l.", "jf.", "S."],
    "en": ["I", "don't", "believe", "it.", "e.g.", "i.e.", "a.m.", "p.m.", "Mr.", "Dr.", "U.S.", "'cause", "'bout",
           "(e.g.)", ":)", ":-)", "can't", "won't", "y'all", "ma'am", "etc.", "Inc.", "'s", "’s", "'", "e.g", ".",
           "i.e", ":", "-)", "(", ")", "http://example.com/x.y", "3", "p.m", "N.Y.", "o'clock", "'em"],
}
SPACES = [" ", " ", " ", " ", "  ", "\n", "\n\n", "\t", "\xa0", " \n", "\u3000", "\u2003", " \t "]


def same(tokens: SpanTokens, nlp, text: str) -> bool:
    mine, theirs = tokens(text), token_columns(nlp.tokenizer(text))
    return mine.dtype == theirs.dtype and mine.shape == theirs.shape and bool((mine == theirs).all())


@pytest.mark.parametrize("lang", ["da", "en"])
def test_random_texts_of_tricky_pieces_tokenise_as_spacy_does(lang):
    nlp = blank_nlp(lang)
    tokens = SpanTokens(nlp)
    rng = random.Random(7)
    for _ in range(400):
        parts = []
        if rng.random() < 0.2:
            parts.append(rng.choice(SPACES))                   # white space at the very start
        for _ in range(rng.randint(1, 40)):
            parts.append(rng.choice(PIECES[lang]) if rng.random() < 0.8 else "".join(
                rng.choice(PIECES[lang]) for _ in range(2)))   # glued pieces: new spans
            parts.append(rng.choice(SPACES))
        if rng.random() < 0.5:
            parts.pop()
        text = "".join(parts)
        assert same(tokens, nlp, text), repr(text)
    assert len(tokens.ids) > 50            # spans were remembered and reused


def test_prose_needs_no_fallback_and_is_read_from_memory():
    nlp = blank_nlp("da")
    tokens = SpanTokens(nlp)
    text = ("Jeg tror på, at vi kan løfte flere borgere i job. Lederen siger det tit.\n\n"
            "Samarbejdet med virksomhederne er blevet bedre, f.eks. med faste kontaktpersoner.")
    assert same(tokens, nlp, text)
    known = len(tokens.ids)
    assert same(tokens, nlp, text + " " + text)
    assert len(tokens.ids) == known and tokens.fallbacks == 0


@pytest.mark.parametrize("text", ["Det var f.eks . sådan", "Hun smilede : -) bagefter", "bl.a . ( : ) "])
def test_a_special_case_that_could_reach_across_a_space_sends_the_text_to_spacy(text):
    nlp = blank_nlp("da")
    tokens = SpanTokens(nlp)
    assert same(tokens, nlp, text)
    assert tokens.fallbacks == 1


def test_long_spans_and_characters_beyond_the_table_tokenise_as_spacy_does():
    nlp = blank_nlp("da")
    tokens = SpanTokens(nlp)
    url = "https://example.org/" + "evaluering/" * 12 + "rapport.pdf"          # longer than hashed spans
    texts = [f"Se {url} og {url}.", "Emoji 😀😀 og 中文字 og ﬁ-ligatur 𝔘𝔫𝔦𝔠𝔬𝔡𝔢.", "x" * 70 + " " + "x" * 70,
             "Ærø Åbenrå Øster ÆRØ åbenrå"]
    for _ in range(2):                                      # learnt, then read from memory
        for text in texts:
            assert same(tokens, nlp, text), repr(text)
    assert tokens.fallbacks == 0


def test_empty_and_white_space_only_texts():
    nlp = blank_nlp("da")
    tokens = SpanTokens(nlp)
    for text in ["", " ", "  ", "\n", " \n\n ", "\t\t"]:
        assert same(tokens, nlp, text), repr(text)


def test_past_the_limit_texts_go_to_spacy_and_nothing_more_is_remembered():
    nlp = blank_nlp("da")
    tokens = SpanTokens(nlp, limit=5)
    assert same(tokens, nlp, "en to tre")
    assert same(tokens, nlp, "fire fem seks syv otte")         # would pass the limit
    assert len(tokens.ids) <= 5 and tokens.fallbacks == 1
    columns = tokens("en to tre en")
    assert np.array_equal(columns, token_columns(nlp.tokenizer("en to tre en")))


def test_a_crowded_hash_table_finds_the_rest_by_text(monkeypatch):
    """With four slots most spans are not in the hash table: they are found by their text, each
    offered to the table once, and the columns are still spaCy's."""
    monkeypatch.setattr(span_tokens, "SLOT_BITS", 2)
    nlp = blank_nlp("da")
    tokens = SpanTokens(nlp)
    rng = random.Random(3)
    texts = [" ".join(rng.choice(PIECES["da"]) for _ in range(30)) for _ in range(50)]
    for text in texts + texts:
        assert same(tokens, nlp, text), repr(text)
    assert tokens.hashes.slots.filled <= 4 < len(tokens.ids)
    offered = sum(len(hashes) for hashes, _ in tokens.hashes.slots._held)
    assert offered <= len(tokens.ids)      # not again with every text that holds them


def test_special_case_cuts_are_made_once_per_tokenizer_and_again_when_its_cases_change():
    import spacy

    nlp = spacy.blank("da")
    first, second = SpanTokens(nlp), SpanTokens(nlp)
    assert first.risk.pairs is second.risk.pairs          # worked out once, shared
    assert first.risk.end_keys is not second.risk.end_keys  # the keys each grows are its own
    text = "Vi mødes kl. 14.00, dvs. om to timer :-) bl.a. med Anne."
    assert same(second, nlp, text)
    nlp.tokenizer.add_special_case("dvs.", [{"ORTH": "dvs"}, {"ORTH": "."}])
    third = SpanTokens(nlp)
    assert third.risk.pairs is not first.risk.pairs and ("dvs", ".") in third.risk.pairs
    assert same(third, nlp, text)
    assert SpanTokens(spacy.blank("da")).risk.pairs is not first.risk.pairs   # another tokenizer
