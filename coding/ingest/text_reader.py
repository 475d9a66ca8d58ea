"""Plain text and Markdown transcripts: UTF-8 (with or without BOM), UTF-16 with BOM or cp1252, LF or CRLF,
optional YAML front matter between ``---`` lines giving source attributes."""

from __future__ import annotations

from pathlib import Path

import yaml

from ..errors import InputError
from .labels import build_turns
from .model import Block, Transcript


def decode(path: Path, raw: bytes) -> tuple[str, list[str]]:
    """Text of a file and the warnings it gave: UTF-8 (with or without BOM), UTF-16 LE/BE with a
    BOM, else cp1252 (Windows) with a warning; anything else is an error naming the problem."""
    warnings: list[str] = []
    if not raw.strip():
        raise InputError(path, "the file is empty")
    if raw.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        raise InputError(path, "the file is UTF-32 text; save it as UTF-8")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16-le" if raw.startswith(b"\xff\xfe") else "utf-16-be"
        try:
            text = raw[2:].decode(encoding)
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n\x00" if encoding.endswith("le") else b"\x00\n") + 1
            raise InputError(path, f"starts as {encoding.upper()} text (byte-order mark) but is not valid "
                                   f"{encoding.upper()} ({exc.reason})", f"line {line}") from None
        return _normalise(text), warnings
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    if b"\x00" in raw[:4096]:
        line = raw[: raw.index(b"\x00")].count(b"\n") + 1
        raise InputError(path, "the file holds NUL bytes: UTF-16 or UTF-32 text without a byte-order mark, or "
                               "not a text file; save it as UTF-8", f"line {line}")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        try:
            text = raw.decode("cp1252")
        except UnicodeDecodeError as bad:
            bad_line = raw[: bad.start].count(b"\n") + 1
            raise InputError(path, f"neither UTF-8 (line {line}: {exc.reason}) nor cp1252 text "
                                   f"(byte 0x{raw[bad.start]:02x} has no cp1252 character); save it as UTF-8",
                             f"line {bad_line}") from None
        warnings.append(f"{path.name}: not UTF-8 (line {line}); read as cp1252 (Windows) text")
    return _normalise(text), warnings


def _normalise(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if text.startswith("\ufeff"):
        text = text[1:]
    return text


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


def read_text(path: Path, raw: bytes, fmt: str, *, single_speaker: str | None = None) -> Transcript:
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
    turns = build_turns(blocks, str(path), unit="line", single_speaker=single_speaker, warnings=warnings)
    language = attributes.pop("language", None)
    return Transcript(name=path.name, format=fmt, text=body, turns=turns, attributes=attributes,
                      language=language, warnings=warnings,
                      paragraph_starts=[b.start for b in blocks])
