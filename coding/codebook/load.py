"""Reading a YAML codebook: every mapping and list remembers its line, so that each problem the
checks find (:mod:`coding.codebook.model`) names the file and the line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from ..errors import InputError
from .model import Codebook, CodebookError, Problem, _Checker, _Map, _Seq


class _LineLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """A safe loader whose mappings and lists remember their line numbers (and duplicate keys).
    libyaml's parser where PyYAML has it (a tenth of the time for a codebook of a hundred codes)."""

    def __init__(self, stream):
        super().__init__(stream)
        self.duplicates: list[tuple[int, Any, int]] = []


def _construct_map(loader: _LineLoader, node: yaml.MappingNode) -> _Map:
    loader.flatten_mapping(node)
    out = _Map()
    out.line = node.start_mark.line + 1
    out.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            key = str(key)
        line = key_node.start_mark.line + 1
        if key in out.key_lines:
            loader.duplicates.append((line, key, out.key_lines[key]))
        out[key] = loader.construct_object(value_node, deep=True)
        out.key_lines[key] = line
    return out


def _construct_seq(loader: _LineLoader, node: yaml.SequenceNode) -> _Seq:
    out = _Seq(loader.construct_object(child, deep=True) for child in node.value)
    out.line = node.start_mark.line + 1
    out.item_lines = [child.start_mark.line + 1 for child in node.value]
    return out


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_map)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_seq)


def read_yaml(path: str | Path) -> tuple[Any, list[Problem]]:
    """The file's data with line numbers attached, and the problems found while reading."""
    file = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(file, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    loader = _LineLoader(text)
    try:
        data = loader.get_single_data()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        context = getattr(exc, "context", None)
        message = f"not valid YAML: {problem}" + (f" ({context})" if context else "")
        return None, [Problem(file, mark.line + 1 if mark else None, message)]
    finally:
        loader.dispose()
    problems = [Problem(file, line, f"key '{key}' appears twice in one mapping (first at line {first}); "
                                    "the later one would win")
                for line, key, first in loader.duplicates]
    return data, problems


def load_codebook(path: str | Path) -> Codebook:
    """Read and validate a YAML codebook; every problem is reported at once."""
    data, problems = read_yaml(path)
    checker = _Checker(str(path))
    checker.problems.extend(problems)
    book = checker.check(data) if data is not None or not problems else None
    if checker.problems or book is None:
        raise CodebookError(str(path), sorted(checker.problems, key=lambda p: (p.line or 0)))
    return book


def codebook_problems(path: str | Path) -> list[Problem]:
    """Every problem of a YAML codebook (empty when it is valid)."""
    try:
        load_codebook(path)
    except CodebookError as exc:
        return exc.problems
    return []


