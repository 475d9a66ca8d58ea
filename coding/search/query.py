"""Search queries: words, "phrases", wildcards and AND / OR / NOT with parentheses.

Grammar (operators in capitals; two terms side by side are joined by AND)::

    query  := either ("OR" either)*
    either := negated (["AND"] negated)*
    negated:= "NOT" negated | "(" query ")" | '"' word+ '"' | word

A word may hold ``*`` for any letters (``borger*``, ``*konsulent``). NOT cannot stand alone: a
query has to name something to find.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import CodingError

OPERATORS = ("AND", "OR", "NOT")
# punctuation around a word that is not part of it (a search for "borgeren," is one for borgeren)
_EDGE = re.compile(r"^[^\w*]+|[^\w*]+$")


class QueryError(CodingError):
    """A search query that cannot be read; says what and where."""


@dataclass(frozen=True)
class Word:
    text: str           # lower case; may hold '*'

    @property
    def wildcard(self) -> bool:
        return "*" in self.text


@dataclass(frozen=True)
class Phrase:
    words: tuple[Word, ...]
    text: str


@dataclass(frozen=True)
class Not:
    operand: object


@dataclass(frozen=True)
class And:
    operands: tuple


@dataclass(frozen=True)
class Or:
    operands: tuple


def _lex(query: str) -> list[tuple[str, str, int]]:
    """(kind, text, column) tokens: word, phrase, op, ( and )."""
    tokens = []
    i, n = 0, len(query)
    while i < n:
        ch = query[i]
        if ch.isspace():
            i += 1
        elif ch in "()":
            tokens.append((ch, ch, i))
            i += 1
        elif ch in '"“”':
            close = min((j for j in (query.find(q, i + 1) for q in '"“”') if j >= 0), default=-1)
            if close < 0:
                raise QueryError(f"search query {query!r}: the quote at column {i + 1} is never closed")
            tokens.append(("phrase", query[i + 1:close], i))
            i = close + 1
        else:
            j = i
            while j < n and not query[j].isspace() and query[j] not in '()"“”':
                j += 1
            text = query[i:j]
            tokens.append(("op" if text in OPERATORS else "word", text, i))
            i = j
    return tokens


def _word(text: str, query: str, column: int) -> Word | None:
    cleaned = _EDGE.sub("", text).lower()
    if not cleaned.strip("*"):
        if "*" in cleaned:
            raise QueryError(f"search query {query!r}: '{text}' at column {column + 1} is a wildcard "
                             "without letters; write some letters with it, e.g. borger*")
        return None     # punctuation alone: nothing to look for
    if re.search(r"\*\*", cleaned):
        cleaned = re.sub(r"\*+", "*", cleaned)
    return Word(cleaned)


def parse(query: str):
    """The query as a tree of Word, Phrase, Not, And and Or; raises QueryError."""
    if not query or not query.strip():
        raise QueryError("the search query is empty; give a word, a \"phrase\" or word* to look for")
    tokens = _lex(query)
    position = 0

    def peek():
        return tokens[position] if position < len(tokens) else None

    def take():
        nonlocal position
        position += 1
        return tokens[position - 1]

    def fail(message: str):
        raise QueryError(f"search query {query!r}: {message}")

    def either_():
        operands = [negated()]
        while True:
            tok = peek()
            if tok is None or tok[0] == ")" or (tok[0] == "op" and tok[1] == "OR"):
                break
            if tok[0] == "op" and tok[1] == "AND":
                take()
                if peek() is None:
                    fail(f"AND at column {tok[2] + 1} has nothing after it")
            operands.append(negated())
        operands = [o for o in operands if o is not None]
        if not operands:
            return None
        return operands[0] if len(operands) == 1 else And(tuple(operands))

    def query_():
        operands = [either_()]
        while peek() is not None and peek()[0] == "op" and peek()[1] == "OR":
            tok = take()
            if peek() is None or peek()[0] == ")":
                fail(f"OR at column {tok[2] + 1} has nothing after it")
            operands.append(either_())
        operands = [o for o in operands if o is not None]
        if not operands:
            return None
        return operands[0] if len(operands) == 1 else Or(tuple(operands))

    def negated():
        tok = peek()
        if tok is None:
            fail("it ends where a word was expected")
        if tok[0] == "op":
            if tok[1] != "NOT":
                fail(f"{tok[1]} at column {tok[2] + 1} needs a word before it")
            take()
            if peek() is None:
                fail(f"NOT at column {tok[2] + 1} has nothing after it")
            inner = negated()
            return None if inner is None else Not(inner)
        if tok[0] == "(":
            take()
            inner = query_()
            if peek() is None or peek()[0] != ")":
                fail(f"the parenthesis at column {tok[2] + 1} is never closed")
            take()
            if inner is None:
                fail(f"the parentheses at column {tok[2] + 1} hold nothing to look for")
            return inner
        if tok[0] == ")":
            fail(f"the parenthesis at column {tok[2] + 1} closes nothing")
        take()
        if tok[0] == "phrase":
            words = [w for w in (_word(part, query, tok[2]) for part in tok[1].split()) if w is not None]
            if not words:
                fail(f"the quotes at column {tok[2] + 1} hold no words")
            if len(words) == 1:
                return words[0]
            return Phrase(tuple(words), " ".join(w.text for w in words))
        return _word(tok[1], query, tok[2])

    tree = query_()
    if position < len(tokens):
        tok = tokens[position]
        fail(f"the parenthesis at column {tok[2] + 1} closes nothing" if tok[0] == ")"
             else f"unexpected '{tok[1]}' at column {tok[2] + 1}")
    if tree is None:
        fail("it holds no words to look for")
    if not _finds_something(tree):
        fail("NOT only leaves text out; name something to find too (e.g. borger NOT mentor)")
    return tree


def _finds_something(node) -> bool:
    """Whether a hit can come out of this node (an And needs one operand that finds, an Or all)."""
    if isinstance(node, Not):
        return False
    if isinstance(node, And):
        return any(_finds_something(o) for o in node.operands)
    if isinstance(node, Or):
        return all(_finds_something(o) for o in node.operands)
    return True


def terms(node) -> list:
    """Every Word and Phrase of a tree (NOT's operands too), each once, in order."""
    out: list = []

    def walk(n):
        if isinstance(n, (Word, Phrase)):
            if n not in out:
                out.append(n)
        elif isinstance(n, Not):
            walk(n.operand)
        else:
            for o in n.operands:
                walk(o)
    walk(node)
    return out
