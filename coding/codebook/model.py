"""The codebook model and what makes a codebook valid.

A codebook is a tree of codes. Each code has a stable ``id`` (slug), ``labels`` per language,
a ``definition`` with ``include``/``exclude`` criteria and ``examples`` (what a second coder
needs), an optional ``color``, and ``rules`` per language for the auto-coder
(:mod:`coding.autocode`). Children are nested under ``children``; a flat codebook may name a
``parent`` instead.

The data model (:class:`Codebook`, :class:`CodeDef`) is what every codebook format is turned
into: YAML (:mod:`coding.codebook.load`), REFI-QDA ``.qdc`` (build a dict of the YAML shape and
call :meth:`Codebook.from_dict`). The checks walk that dict shape and report every problem at
once, each with the line it came from when the data was read from a file (the mappings and lists
that :mod:`coding.codebook.load` makes remember their lines).
"""

from __future__ import annotations

import difflib
import json
import re
import uuid
from dataclasses import dataclass, field
from typing import Any, Iterable

from ..errors import CodingError
from ..safe_regex import regex_problem
from .languages import known_language

TOP_KEYS = ("name", "version", "description", "languages", "settings", "codes")
CODE_KEYS = ("id", "labels", "definition", "include", "exclude", "examples", "color", "codable",
             "rules", "children", "parent", "guid")
RULE_KEYS = ("terms", "whole_words", "phrases", "patterns", "near", "unless")
NEAR_KEYS = ("terms", "with", "within")
SETTING_KEYS = ("compounds", "min_part_length")
DEFAULT_SETTINGS: dict[str, Any] = {"compounds": {"da": True}, "min_part_length": 4}
SLUG = re.compile(r"^[A-Za-z0-9æøåÆØÅ][A-Za-z0-9æøåÆØÅ_.\-]*$")
COLOR = re.compile(r"^#[0-9A-Fa-f]{6}$")
# Token attributes a blank pipeline never sets: a pattern using them could never match.
UNSET_ATTRS = {"POS", "TAG", "MORPH", "DEP", "ENT_TYPE", "ENT_IOB", "ENT_ID", "ENT_KB_ID", "HEAD",
               "SENT_START", "IS_SENT_START", "IS_SENT_END"}


# --------------------------------------------------------------------------- problems


@dataclass
class Problem:
    """One thing wrong in a codebook, with where it is."""

    file: str
    line: int | None
    message: str

    def __str__(self) -> str:
        return f"{self.file}, line {self.line}: {self.message}" if self.line else f"{self.file}: {self.message}"


class CodebookError(CodingError):
    """A codebook with problems; ``problems`` lists every one of them."""

    def __init__(self, file: str, problems: list[Problem]):
        self.file = file
        self.problems = problems
        count = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
        lines = "\n".join(f"  {p}" for p in problems)
        super().__init__(f"{file}: {count} in the codebook:\n{lines}")


# --------------------------------------------------------------------------- the model


@dataclass
class CodeDef:
    """One code of a codebook, parents before their children."""

    id: str
    labels: dict[str, str]
    definition: str = ""
    include: str = ""
    exclude: str = ""
    examples: list[str] = field(default_factory=list)
    color: str | None = None
    rules: dict[str, dict] = field(default_factory=dict)
    codable: bool = True
    parent: str | None = None
    guid: str | None = None
    line: int | None = None

    def stored(self) -> dict:
        """The fields as the store keeps them."""
        return {"labels": self.labels, "definition": self.definition, "include": self.include,
                "exclude": self.exclude, "examples": self.examples, "color": self.color,
                "rules": self.rules, "codable": self.codable}


@dataclass
class Codebook:
    """A validated codebook: codes in depth-first order (parents first) and settings."""

    codes: list[CodeDef]
    name: str = ""
    version: Any = None
    description: str = ""
    languages: list[str] = field(default_factory=list)
    settings: dict = field(default_factory=lambda: json.loads(json.dumps(DEFAULT_SETTINGS)))
    file: str = "<codebook>"

    @classmethod
    def from_dict(cls, data: Any, file: str = "<codebook>") -> "Codebook":
        """Validate ``data`` (the YAML shape) and build the model; raises :class:`CodebookError`."""
        checker = _Checker(str(file))
        book = checker.check(data)
        if checker.problems or book is None:
            raise CodebookError(str(file), checker.problems)
        return book

    def by_id(self) -> dict[str, CodeDef]:
        return {c.id: c for c in self.codes}

    def children(self, parent: str | None) -> list[CodeDef]:
        return [c for c in self.codes if c.parent == parent]

    def top_level(self, code_id: str) -> str:
        codes = self.by_id()
        current, seen = codes[code_id], set()
        while current.parent and current.parent in codes and current.id not in seen:
            seen.add(current.id)
            current = codes[current.parent]
        return current.id

    def path(self, code_id: str) -> str:
        codes = self.by_id()
        chain, current = [], codes.get(code_id)
        while current is not None and current.id not in chain:
            chain.append(current.id)
            current = codes.get(current.parent) if current.parent else None
        return "/".join(reversed(chain))

    def to_dict(self, *, guids: bool = True) -> dict:
        """The nested YAML shape (what :func:`export_codebook` writes as YAML)."""

        def code_dict(code: CodeDef) -> dict:
            out: dict[str, Any] = {"id": code.id, "labels": dict(code.labels)}
            for key in ("definition", "include", "exclude"):
                if getattr(code, key):
                    out[key] = getattr(code, key)
            if code.examples:
                out["examples"] = list(code.examples)
            if code.color:
                out["color"] = code.color
            if not code.codable:
                out["codable"] = False
            if code.rules:
                out["rules"] = _plain_rules(code.rules)
            if guids and code.guid:
                out["guid"] = code.guid
            kids = self.children(code.id)
            if kids:
                out["children"] = [code_dict(k) for k in kids]
            return out

        data: dict[str, Any] = {}
        if self.name:
            data["name"] = self.name
        if self.version is not None:
            data["version"] = self.version
        if self.description:
            data["description"] = self.description
        if self.languages:
            data["languages"] = list(self.languages)
        if self.settings and self.settings != DEFAULT_SETTINGS:
            data["settings"] = self.settings
        data["codes"] = [code_dict(c) for c in self.children(None)]
        return data


def _plain_rules(rules: dict) -> dict:
    """Rules without empty lists, for writing back out."""
    out = {}
    for lang, ruleset in rules.items():
        kept = {k: v for k, v in ruleset.items() if v}
        if kept:
            out[lang] = kept
    return out


# --------------------------------------------------------------------------- data that remembers its lines


class _Map(dict):
    line: int | None = None
    key_lines: dict


class _Seq(list):
    line: int | None = None
    item_lines: list


# --------------------------------------------------------------------------- validation


def _line(node: Any, key: Any = None, index: int | None = None) -> int | None:
    if key is not None and isinstance(node, _Map):
        return node.key_lines.get(key, node.line)
    if index is not None and isinstance(node, _Seq) and index < len(node.item_lines):
        return node.item_lines[index]
    return getattr(node, "line", None)


def _suggest(key: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(str(key), list(known), n=1)
    return f"; did you mean '{close[0]}'?" if close else f" (known: {', '.join(known)})"




class _Checker:
    """Walks a codebook's data, collecting every problem with its line."""

    def __init__(self, file: str):
        self.file = file
        self.problems: list[Problem] = []
        self.seen: dict[str, int | None] = {}

    def add(self, line: int | None, message: str) -> None:
        self.problems.append(Problem(self.file, line, message))

    # -- top level
    def check(self, data: Any) -> Codebook | None:
        if data is None:
            self.add(None, "the file is empty; expected a mapping with 'codes'")
            return None
        if not isinstance(data, dict):
            self.add(_line(data), "the codebook must be a mapping with 'name', 'version' and 'codes'")
            return None
        for key in data:
            if key not in TOP_KEYS:
                self.add(_line(data, key), f"unknown key '{key}' at the top of the codebook{_suggest(key, TOP_KEYS)}")
        name = self.string(data, "name", "the codebook")
        description = self.string(data, "description", "the codebook")
        languages: list[str] = []
        if "languages" in data:
            value = data["languages"]
            if not isinstance(value, list) or not value:
                self.add(_line(data, "languages"), "'languages' must be a list such as [da, en]")
            else:
                for i, lang in enumerate(value):
                    if not known_language(lang):
                        self.add(_line(value, index=i), f"unknown language '{lang}' in 'languages' (use codes such as da, en)")
                    else:
                        languages.append(lang)
        settings = self.settings(data)
        codes: list[CodeDef] = []
        if "codes" not in data:
            self.add(_line(data), "the codebook has no 'codes' list")
        elif not isinstance(data["codes"], list) or not data["codes"]:
            self.add(_line(data, "codes"), "'codes' must be a non-empty list of codes")
        else:
            for i, node in enumerate(data["codes"]):
                self.code(node, None, codes, _line(data["codes"], index=i), nested=False)
        self.parents(codes)
        codes = self.order(codes)
        wanted = languages or sorted({lang for c in codes for lang in c.labels})
        for code in codes:
            if not code.labels:  # no labels at all was already reported
                continue
            for lang in wanted:
                if not code.labels.get(lang):
                    self.add(code.line, f"code '{code.id}' has no '{lang}' label "
                                        f"(labels are needed for {', '.join(wanted)})")
        return Codebook(codes=codes, name=name or "", version=data.get("version"), description=description or "",
                        languages=languages, settings=settings, file=self.file)

    def string(self, node: dict, key: str, where: str) -> str | None:
        if key not in node or node[key] is None:
            return None
        value = node[key]
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return str(value)
        if not isinstance(value, str):
            self.add(_line(node, key), f"'{key}' of {where} must be text")
            return None
        return value.strip()

    def settings(self, data: dict) -> dict:
        settings = json.loads(json.dumps(DEFAULT_SETTINGS))
        node = data.get("settings")
        if node is None:
            return settings
        if not isinstance(node, dict):
            self.add(_line(data, "settings"), "'settings' must be a mapping (compounds, min_part_length)")
            return settings
        for key in node:
            if key not in SETTING_KEYS:
                self.add(_line(node, key), f"unknown key '{key}' in settings{_suggest(key, SETTING_KEYS)}")
        if "compounds" in node:
            value = node["compounds"]
            if not isinstance(value, dict) or not all(isinstance(v, bool) for v in value.values()):
                self.add(_line(node, "compounds"), "'compounds' must map languages to true/false, e.g. {da: true, en: false}")
            else:
                for lang in value:
                    if not known_language(lang):
                        self.add(_line(value, lang), f"unknown language '{lang}' in settings.compounds")
                settings["compounds"] = {str(k): bool(v) for k, v in value.items()}
        if "min_part_length" in node:
            value = node["min_part_length"]
            if not isinstance(value, int) or isinstance(value, bool) or not 2 <= value <= 12:
                self.add(_line(node, "min_part_length"), "'min_part_length' must be a whole number from 2 to 12")
            else:
                settings["min_part_length"] = value
        return settings

    # -- codes
    def code(self, node: Any, parent: str | None, out: list[CodeDef], line: int | None, *, nested: bool) -> None:
        if not isinstance(node, dict):
            self.add(line, "a code must be a mapping with at least 'id' and 'labels'")
            return
        line = _line(node) or line
        for key in node:
            if key not in CODE_KEYS:
                self.add(_line(node, key), f"unknown key '{key}' in code '{node.get('id', '?')}'{_suggest(key, CODE_KEYS)}")
        code_id = node.get("id")
        valid_id = False
        if code_id is None:
            self.add(line, "a code has no 'id' (a short stable name such as 'leadership')")
        elif not isinstance(code_id, str) or not SLUG.match(code_id):
            self.add(_line(node, "id"), f"id '{code_id}' is not a slug: letters, digits, '_', '-', '.', no spaces or '/'")
        elif code_id in self.seen:
            self.add(_line(node, "id"), f"duplicate id '{code_id}' (first at line {self.seen[code_id]})")
        else:
            valid_id = True
            self.seen[code_id] = _line(node, "id")
        name = code_id if isinstance(code_id, str) else "?"
        labels = self.labels(node, name)
        texts = {key: self.string(node, key, f"code '{name}'") or "" for key in ("definition", "include", "exclude")}
        examples = self.examples(node, name)
        color = node.get("color")
        if color is not None and (not isinstance(color, str) or not COLOR.match(color)):
            self.add(_line(node, "color"), f"color '{color}' of code '{name}' is not #RRGGBB")
            color = None
        codable = node.get("codable", True)
        if not isinstance(codable, bool):
            self.add(_line(node, "codable"), f"'codable' of code '{name}' must be true or false")
            codable = True
        guid = node.get("guid")
        if guid is not None:
            try:
                guid = str(uuid.UUID(str(guid)))
            except ValueError:
                self.add(_line(node, "guid"), f"guid '{guid}' of code '{name}' is not a GUID")
                guid = None
        rules = self.rules(node, name)
        if rules and not codable:
            self.add(_line(node, "rules"), f"code '{name}' has rules but 'codable: false'; its rules would never be used")
        declared_parent = node.get("parent")
        if declared_parent is not None:
            if not isinstance(declared_parent, str):
                self.add(_line(node, "parent"), f"'parent' of code '{name}' must be the id of another code")
                declared_parent = None
            elif nested and declared_parent != parent:
                self.add(_line(node, "parent"), f"code '{name}' is nested under '{parent}' but says parent '{declared_parent}'")
                declared_parent = None
        code = CodeDef(id=name, labels=labels, definition=texts["definition"], include=texts["include"],
                       exclude=texts["exclude"], examples=examples, color=color, rules=rules, codable=codable,
                       parent=parent if nested else declared_parent, guid=guid, line=line)
        if valid_id:
            out.append(code)
        children = node.get("children")
        if children is not None:
            if not isinstance(children, list):
                self.add(_line(node, "children"), f"'children' of code '{name}' must be a list of codes")
            else:
                for i, child in enumerate(children):
                    self.code(child, name if valid_id else None, out, _line(children, index=i), nested=True)

    def labels(self, node: dict, name: str) -> dict[str, str]:
        if "labels" not in node:
            self.add(_line(node), f"code '{name}' has no 'labels' (e.g. labels: {{da: Ledelse, en: Leadership}})")
            return {}
        value = node["labels"]
        if not isinstance(value, dict) or not value:
            self.add(_line(node, "labels"), f"'labels' of code '{name}' must map languages to names, e.g. {{da: Ledelse, en: Leadership}}")
            return {}
        out = {}
        for lang, label in value.items():
            if not known_language(lang):
                self.add(_line(value, lang), f"unknown language '{lang}' in the labels of code '{name}'")
            elif not isinstance(label, str) or not label.strip():
                self.add(_line(value, lang), f"the '{lang}' label of code '{name}' is empty")
            else:
                out[lang] = label.strip()
        return out

    def examples(self, node: dict, name: str) -> list[str]:
        value = node.get("examples")
        if value is None:
            return []
        if isinstance(value, str):
            return [value.strip()]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.add(_line(node, "examples"), f"'examples' of code '{name}' must be a list of quotes")
            return []
        return [v.strip() for v in value if v.strip()]

    # -- rules
    def rules(self, node: dict, name: str) -> dict[str, dict]:
        value = node.get("rules")
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.add(_line(node, "rules"), f"'rules' of code '{name}' must map languages to rules, e.g. {{da: {{terms: [...]}}}}")
            return {}
        out = {}
        for lang, ruleset in value.items():
            if not known_language(lang):
                self.add(_line(value, lang), f"unknown language '{lang}' in the rules of code '{name}'")
                continue
            where = f"code '{name}', rules.{lang}"
            if isinstance(ruleset, list):  # shorthand: a list of terms
                ruleset = {"terms": ruleset}
                ruleset_line = _line(value, lang)
                terms_node: Any = value[lang]
            elif isinstance(ruleset, dict):
                ruleset_line = _line(ruleset)
                terms_node = ruleset.get("terms")
            else:
                self.add(_line(value, lang), f"{where} must be a mapping (terms, phrases, patterns, near, unless)")
                continue
            before = len(self.problems)
            for key in ruleset:
                if key not in RULE_KEYS:
                    self.add(_line(ruleset, key), f"unknown key '{key}' in {where}{_suggest(key, RULE_KEYS)}")
            normal = {
                "terms": self.words(terms_node, f"{where}.terms", _line(ruleset, "terms") or ruleset_line),
                "phrases": self.words(ruleset.get("phrases"), f"{where}.phrases", _line(ruleset, "phrases")),
                "patterns": self.patterns(ruleset.get("patterns"), lang, f"{where}.patterns", _line(ruleset, "patterns")),
                "near": self.near(ruleset.get("near"), f"{where}.near", _line(ruleset, "near")),
                "unless": self.unless(ruleset.get("unless"), f"{where}.unless", _line(ruleset, "unless")),
            }
            whole = self.words(ruleset.get("whole_words"), f"{where}.whole_words", _line(ruleset, "whole_words"))
            if whole:
                normal["whole_words"] = whole
            if not any(normal.get(k) for k in ("terms", "whole_words", "phrases", "patterns", "near")) \
                    and len(self.problems) == before:
                self.add(ruleset_line, f"{where} has no terms, whole_words, phrases, patterns or near rules")
            out[lang] = normal
        return out

    def words(self, value: Any, where: str, line: int | None) -> list[str]:
        if value is None:
            return []
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            self.add(line, f"{where} must be a list of words")
            return []
        out = []
        for i, item in enumerate(value):
            item_line = _line(value, index=i) or line
            if isinstance(item, (int, float)) and not isinstance(item, bool):
                item = str(item)
            if not isinstance(item, str) or not item.strip():
                self.add(item_line, f"{where}: item {i + 1} must be a non-empty word or phrase")
                continue
            term = " ".join(item.split())
            problem = term_problem(term)
            if problem:
                self.add(item_line, f"{where}: '{term}' {problem}")
                continue
            out.append(term)
        return out

    def unless(self, value: Any, where: str, line: int | None) -> list:
        """``unless`` items: words or phrases, or near rules ``{terms, with, within}`` whose pair
        (from its first to its last word) vetoes the code's matches it touches."""
        if value is None:
            return []
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            self.add(line, f"{where} must be a list of words, phrases or {{terms: [...], with: [...], within: N}}")
            return []
        out: list = []
        for i, item in enumerate(value):
            item_line = _line(value, index=i) or line
            if isinstance(item, dict):
                out.extend(self.near([item], where, item_line, number=i + 1, min_within=0))
            else:
                out.extend(self.words([item], where, item_line))
        return out

    def patterns(self, value: Any, lang: str, where: str, line: int | None) -> list[list[dict]]:
        if value is None:
            return []
        if not isinstance(value, list):
            self.add(line, f"{where} must be a list of spaCy token patterns (each a list of token dicts)")
            return []
        out = []
        for i, pattern in enumerate(value):
            item_line = _line(value, index=i) or line
            if not isinstance(pattern, list) or not pattern or not all(isinstance(t, dict) for t in pattern):
                self.add(item_line, f"{where}: pattern {i + 1} must be a list of token dicts such as "
                                    "[{LEMMA: tro}, {LOWER: på}]")
                continue
            plain = json.loads(json.dumps(pattern))
            message = pattern_problem(plain, lang)
            if message:
                self.add(item_line, f"{where}: pattern {i + 1} {message}")
                continue
            out.append(plain)
        return out

    def near(self, value: Any, where: str, line: int | None, *, number: int | None = None,
             min_within: int = 1) -> list[dict]:
        if value is None:
            return []
        if not isinstance(value, list):
            self.add(line, f"{where} must be a list of {{terms: [...], with: [...], within: N}}")
            return []
        out = []
        for i, item in enumerate(value):
            item_line = _line(value, index=i) or line
            n = number or i + 1
            if not isinstance(item, dict):
                self.add(item_line, f"{where}: item {n} must be a mapping {{terms: [...], with: [...], within: N}}")
                continue
            for key in item:
                if key not in NEAR_KEYS:
                    self.add(_line(item, key), f"unknown key '{key}' in {where}{_suggest(key, NEAR_KEYS)}")
            missing = [k for k in NEAR_KEYS if k not in item]
            if missing:
                self.add(item_line, f"{where}: item {n} lacks {', '.join(repr(m) for m in missing)}")
                continue
            within = item["within"]
            if not isinstance(within, int) or isinstance(within, bool) or not min_within <= within <= 100:
                self.add(_line(item, "within"), f"{where}: 'within' must be a whole number of tokens from {min_within} to 100")
                continue
            first = self.words(item["terms"], f"{where}.terms", _line(item, "terms"))
            second = self.words(item["with"], f"{where}.with", _line(item, "with"))
            if first and second:
                out.append({"terms": first, "with": second, "within": within})
        return out

    # -- tree
    def parents(self, codes: list[CodeDef]) -> None:
        ids = {c.id for c in codes}
        for code in codes:
            if code.parent is not None and code.parent not in ids:
                self.add(code.line, f"code '{code.id}' names parent '{code.parent}', which is not in the codebook")
                code.parent = None
        by_id = {c.id: c for c in codes}
        for code in codes:
            seen, current = [], code
            while current.parent is not None:
                if current.id in seen:
                    self.add(code.line, f"code '{code.id}' is its own ancestor ({' -> '.join(seen)})")
                    code.parent = None
                    break
                seen.append(current.id)
                current = by_id[current.parent]

    @staticmethod
    def order(codes: list[CodeDef]) -> list[CodeDef]:
        """Depth-first, keeping file order among siblings (flat codebooks may list children first)."""
        kids: dict[str | None, list[CodeDef]] = {}
        for code in codes:
            kids.setdefault(code.parent, []).append(code)
        out: list[CodeDef] = []

        def walk(parent):
            for code in kids.get(parent, []):
                if code not in out:
                    out.append(code)
                    walk(code.id)
        walk(None)
        out.extend(c for c in codes if c not in out)
        return out


def term_problem(term: str) -> str | None:
    """Why a term or phrase cannot be used (None when it can)."""
    for word in term.split():
        core = word.strip("*")
        if not core:
            return "is only a wildcard"
        if "*" in core:
            return "has '*' inside a word; a wildcard may only start or end a word"
        if word.startswith("*") and word.endswith("*") and len(word) > 1:
            return "has '*' at both ends of a word; use one wildcard per word"
        if "*" in word and len(core) < 3:
            return "has a wildcard on fewer than 3 letters, which would match almost anything"
    return None


_VOCAB: list = []


def _pattern_vocab():
    if not _VOCAB:
        from spacy.vocab import Vocab

        _VOCAB.append(Vocab())
    return _VOCAB[0]


def pattern_problem(pattern: list[dict], lang: str) -> str | None:
    """What spaCy (or a blank pipeline) has against a token pattern, or None."""
    from spacy.matcher import Matcher

    for token in pattern:
        for key in token:
            if str(key).upper() in UNSET_ATTRS:
                return (f"uses {key}, which blank pipelines (no trained model) never set; "
                        "use LEMMA, LOWER, TEXT, LIKE_NUM, IS_PUNCT, OP ...")
            value = token[key]
            if isinstance(value, dict) and "REGEX" in value:
                problem = regex_problem(str(value["REGEX"]))
                if problem:
                    return f"has a REGEX on {key} that {problem}"
    try:
        # the pattern schema is the same for every language: a bare Vocab checks it without
        # building a language's tokenizer (a third of a second each)
        matcher = Matcher(_pattern_vocab(), validate=True)
        matcher.add("check", [pattern])
    except Exception as exc:  # spaCy raises MatchPatternError / ValueError with a readable text
        text = " ".join(str(exc).split())
        return f"is rejected by spaCy: {text[:300]}"
    return None

