"""Plain text and Markdown transcripts: UTF-8 (with or without BOM) or cp1252, LF or CRLF,
optional YAML front matter between ``---`` lines giving source attributes."""

from __future__ import annotations

from pathlib import Path

import yaml

from ..errors import InputError
from .labels import build_turns
from .model import Block, Transcript


def decode(path: Path, raw: bytes) -> tuple[str, list[str]]:
    """Text of a file and the warnings it gave: UTF-8 first, cp1252 as a fallback."""
    warnings: list[str] = []
    if not raw.strip():
        raise InputError(path, "the file is empty")
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        try:
            text = raw.decode("cp1252")
        except UnicodeDecodeError:
            line = raw[: exc.start].count(b"\n") + 1
            raise InputError(path, "not UTF-8 and not cp1252 text", f"line {line}") from None
        warnings.append(f"{path.name}: not UTF-8; read as cp1252 (Windows) text")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if text.startswith("\ufeff"):
        text = text[1:]
    return text, warnings


def split_front_matter(path: Path, text: str) -> tuple[dict[str, str], str, int]:
    """Attributes from a leading ``---`` YAML block, the body, and the body's first line number."""
    if not text.startswith("---\n"):
        return {}, text, 1
    end = text.find("\n---", 4)
    if end < 0:
        raise InputError(path, "front matter starts with '---' but has no closing '---'", "line 1")
    block = text[4:end]
    try:
        data = yaml.safe_load(block) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        place = f"line {mark.line + 2}" if mark is not None else "front matter"
        raise InputError(path, f"front matter is not valid YAML ({getattr(exc, 'problem', exc)})", place) from None
    if not isinstance(data, dict):
        raise InputError(path, "front matter must be 'key: value' lines", "line 2")
    attributes = {str(k): str(v) for k, v in data.items() if v is not None and not isinstance(v, (dict, list))}
    rest = text[end + 4:]
    newline = rest.find("\n")
    rest = rest[newline + 1:] if newline >= 0 else ""
    body_line = text[: len(text) - len(rest)].count("\n") + 1
    return attributes, rest, body_line


def read_text(path: Path, raw: bytes, fmt: str) -> Transcript:
    text, warnings = decode(path, raw)
    attributes, body, first_line = split_front_matter(path, text)
    if not body.strip():
        raise InputError(path, "the file has no transcript text")
    blocks: list[Block] = []
    offset = 0
    for number, line in enumerate(body.split("\n"), start=first_line):
        heading = fmt == "md" and line.lstrip().startswith("#")
        blocks.append(Block(start=offset, text=line, place=f"line {number}", heading=heading))
        offset += len(line) + 1
    turns = build_turns(blocks, str(path))
    language = attributes.pop("language", None)
    return Transcript(name=path.name, format=fmt, text=body, turns=turns, attributes=attributes,
                      language=language, warnings=warnings,
                      paragraph_starts=[b.start for b in blocks])
