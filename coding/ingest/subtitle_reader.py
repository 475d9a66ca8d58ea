"""Subtitle transcripts from Teams and Zoom: WebVTT (``<v Name>`` voice tags or ``Name: text``)
and SRT (``Name: text``; a cue without a label continues the previous speaker).

The plain text is rebuilt as one paragraph per speaker turn, ``Name: text``, the cues of one
speaker joined by spaces (subtitle cues often break mid-sentence), so that turns, quotes and
exports read like a transcript and never contain a speaker's name; each turn keeps the cue
timestamps of its first and last cue."""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import InputError
from .labels import build_turns, split_label
from .model import Block, Transcript
from .text_reader import decode

CUE_TIME = re.compile(
    r"^\s*(?P<a>(?:\d{1,2}:)?\d{1,2}:\d{2}[.,]\d{1,3})\s*-->\s*(?P<b>(?:\d{1,2}:)?\d{1,2}:\d{2}[.,]\d{1,3})"
)
VOICE = re.compile(r"<v(?:\.[\w.-]+)?\s+([^>]+)>")
TAG = re.compile(r"</?[^>]+>")


def _clock(value: str) -> str:
    value = value.replace(",", ".")
    parts = value.split(":")
    if len(parts) == 2:
        parts.insert(0, "00")
    hours, minutes, seconds = parts
    return f"{int(hours):02d}:{int(minutes):02d}:{seconds.split('.')[0].zfill(2)}"


def _cues(path: Path, text: str, fmt: str) -> list[tuple[int, str, str, str]]:
    """(line number, start, end, cue text) for each cue."""
    lines = text.split("\n")
    cues = []
    i = 0
    if fmt == "vtt":
        if not lines or not lines[0].lstrip("\ufeff").startswith("WEBVTT"):
            raise InputError(path, "a WebVTT file must start with 'WEBVTT'", "line 1")
    while i < len(lines):
        m = CUE_TIME.match(lines[i])
        if not m:
            if fmt == "vtt" and lines[i].startswith(("NOTE", "STYLE", "REGION")):
                while i < len(lines) and lines[i].strip():
                    i += 1
            i += 1
            continue
        number = i + 1
        i += 1
        body = []
        while i < len(lines) and lines[i].strip():
            body.append(lines[i].strip())
            i += 1
        cues.append((number, _clock(m.group("a")), _clock(m.group("b")), "\n".join(body)))
    if not cues:
        raise InputError(path, f"no cues with timestamps ('00:00:01{'.' if fmt == 'vtt' else ','}000 --> ...') found")
    return cues


def read_subtitles(path: Path, raw: bytes, fmt: str) -> Transcript:
    text, warnings = decode(path, raw)
    blocks: list[Block] = []
    pieces: list[str] = []
    offset = 0
    previous: str | None = None
    for line_no, start, end, body in _cues(path, text, fmt):
        speaker = None
        voice = VOICE.search(body)
        if voice:
            speaker = voice.group(1).strip()
        cue_text = " ".join(TAG.sub("", body).split())
        if not cue_text:
            continue
        if speaker is None:
            found = split_label(cue_text)
            if found is not None:
                speaker, _, cut = found
                cue_text = cue_text[cut:].strip()
        speaker = speaker or previous
        place = f"cue at line {line_no}"
        if speaker is not None and speaker == previous:
            # the same speaker goes on: the cue joins the paragraph, without repeating the name
            separator, prefix = " ", ""
        else:
            separator = "\n\n" if pieces else ""
            prefix = f"{speaker}: " if speaker is not None else ""
        block_start = offset + len(separator) + len(prefix)
        if speaker is None:
            # a cue before anyone is named: kept in the text, not a turn
            blocks.append(Block(start=block_start, text=cue_text, place=place, heading=True))
        else:
            blocks.append(Block(start=block_start, text=cue_text, place=place, speaker=speaker,
                                timestamp=start, end_timestamp=end))
            previous = speaker
        piece = separator + prefix + cue_text
        pieces.append(piece)
        offset += len(piece)
    plain = "".join(pieces)
    turns = build_turns(blocks, str(path))
    return Transcript(name=path.name, format=fmt, text=plain, turns=turns, warnings=warnings,
                      paragraph_starts=[b.start for b in blocks])
