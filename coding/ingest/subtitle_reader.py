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

_TIME = r"(?:(\d{1,2}):)?(\d{1,2}):(\d{2})[.,](\d{1,3})"  # hours (optional), minutes, seconds, fraction
CUE_TIME = re.compile(rf"^\s*(?P<a>{_TIME})\s*-->\s*(?P<b>{_TIME})")
# a line meant as a cue's time line but not readable as one ("00:00:04.000 -> 00:00:07.000")
TIME_LINE_LIKE = re.compile(r"^\s*\d{1,2}:\d{2}[\d:.,]*\s*(?:-+>|–|—|-|to)\s*\d{1,2}:\d{2}|-->")
VOICE = re.compile(r"<v(?:\.[\w.-]+)?\s+([^>]+)>")
TAG = re.compile(r"</?[^>]+>")


def _time(hours: str | None, minutes: str, seconds: str, fraction: str) -> tuple[str, float | None]:
    """A cue time (its parts as CUE_TIME finds them) as HH:MM:SS, the fraction cut, and its seconds
    (None when a minute or second is 60 or more)."""
    h, m = int(hours) if hours else 0, int(minutes)
    whole = float(seconds + "." + fraction)
    clock = f"{h:02d}:{m:02d}:{seconds}"
    if m >= 60 or whole >= 60:
        return clock, None
    return clock, h * 3600 + m * 60 + whole


def _cues(path: Path, text: str, fmt: str, warnings: list[str]) -> list[tuple[int, str, str, str]]:
    """(line number, start, end, cue text) for each cue. A time line that cannot be read, or holds
    an impossible time, is an error naming the line; a cue ending before it starts is a warning.
    Text lines outside any cue (after a blank line inside a cue) join the cue before them."""
    lines = text.split("\n")
    cues: list[list] = []
    i = 0
    if fmt == "vtt":
        if not lines or not lines[0].lstrip("\ufeff").startswith("WEBVTT"):
            raise InputError(path, "a WebVTT file must start with 'WEBVTT'", "line 1")
        while i < len(lines) and lines[i].strip():
            i += 1  # the header block ("WEBVTT", "Kind: captions" ...)
    count = len(lines)
    ahead: tuple[int, re.Match | None] = (-1, None)   # the next line's match, when it was tried
    while i < count:
        line = lines[i]
        if not line or line.isspace():   # (a blank line: no time line, no text)
            i += 1
            continue
        m = ahead[1] if ahead[0] == i else CUE_TIME.match(line)
        if not m:
            if TIME_LINE_LIKE.search(line):
                raise InputError(path, f"the cue's time line '{line.strip()}' cannot be read (expected "
                                       f"'00:00:01{'.' if fmt == 'vtt' else ','}000 --> 00:00:04"
                                       f"{'.' if fmt == 'vtt' else ','}000')", f"cue at line {i + 1}")
            if fmt == "vtt" and line.startswith(("NOTE", "STYLE", "REGION")):
                while i < len(lines) and lines[i].strip():
                    i += 1
                continue
            following = lines[i + 1] if i + 1 < count else ""
            ahead = (i + 1, CUE_TIME.match(following))
            if line.strip() and not ahead[1] and not TIME_LINE_LIKE.search(following):
                if cues:
                    cues[-1][3].append(line.strip())  # a cue's text after a blank line
                elif not (fmt == "srt" and line.strip().isdigit()):
                    raise InputError(path, f"text before the first cue: '{line.strip()[:60]}'", f"line {i + 1}")
            i += 1
            continue
        number = i + 1
        parts = m.groups()
        (start_clock, start), (end_clock, end) = _time(*parts[1:5]), _time(*parts[6:10])
        if start is None or end is None:
            bad = m.group("a") if start is None else m.group("b")
            raise InputError(path, f"impossible time '{bad}' in the cue's time line", f"cue at line {number}")
        if end < start:
            warnings.append(f"{path.name}, cue at line {number}: ends ({m.group('b')}) before it starts "
                            f"({m.group('a')}); its text is kept")
        i += 1
        body = []
        while i < len(lines):
            stripped = lines[i].strip()
            if not stripped:
                break
            body.append(stripped)
            i += 1
        cues.append([number, start_clock, end_clock, body])
    if not cues:
        raise InputError(path, f"no cues with timestamps ('00:00:01{'.' if fmt == 'vtt' else ','}000 --> ...') found")
    return [(n, a, b, "\n".join(body)) for n, a, b, body in cues]


def read_subtitles(path: Path, raw: bytes, fmt: str, *, single_speaker: str | None = None) -> Transcript:
    text, warnings = decode(path, raw)
    blocks: list[Block] = []
    pieces: list[str] = []
    offset = 0
    previous: str | None = None
    for line_no, start, end, body in _cues(path, text, fmt, warnings):
        speaker = None
        tagged = "<" in body      # (voice tags and other tags)
        voice = VOICE.search(body) if tagged else None
        if voice:
            speaker = voice.group(1).strip()
        cue_text = " ".join((TAG.sub("", body) if tagged else body).split())
        if not cue_text:
            continue
        if speaker is None and single_speaker is None:
            found = split_label(cue_text)
            if found is not None:
                speaker, _, cut = found
                cue_text = cue_text[cut:].strip()
        continued = speaker is None
        speaker = speaker or previous or single_speaker
        place = f"cue at line {line_no}"
        if speaker is not None and speaker == previous:
            # the same speaker goes on: the cue joins the paragraph, without repeating the name
            separator, prefix = " ", ""
        else:
            separator = "\n\n" if pieces else ""
            prefix = f"{speaker}: " if speaker is not None else ""
        block_start = offset + len(separator) + len(prefix)
        if speaker is None:
            # a cue before anyone is named: a turn of speaker Unknown if labels follow
            blocks.append(Block(start=block_start, text=cue_text, place=place, timestamp=start,
                                end_timestamp=end))
        else:
            blocks.append(Block(start=block_start, text=cue_text, place=place, speaker=speaker,
                                timestamp=start, end_timestamp=end, continued=continued))
            previous = speaker
        piece = separator + prefix + cue_text
        pieces.append(piece)
        offset += len(piece)
    plain = "".join(pieces)
    turns = build_turns(blocks, str(path), unit="cue", title_block=False, warnings=warnings,
                        require_label=single_speaker is None)
    return Transcript(name=path.name, format=fmt, text=plain, turns=turns, warnings=warnings,
                      paragraph_starts=[b.start for b in blocks])
