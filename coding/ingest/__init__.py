"""Readers for transcript files. :func:`read_transcript` picks one by the file's extension."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

from ..errors import InputError
from .language import detect_language
from .model import Block, Transcript, Turn

TRANSCRIPT_EXTENSIONS = {".docx": "docx", ".txt": "txt", ".md": "md", ".markdown": "md",
                         ".vtt": "vtt", ".srt": "srt"}


def read_transcript(path: Path, raw: bytes | None = None, *, single_speaker: str | None = None) -> Transcript:
    """Read one transcript file into plain text and speaker turns; raise InputError on bad input.

    ``single_speaker`` reads a file without speaker labels (a monologue, a written answer) as the
    words of that one person."""
    path = Path(path)
    fmt = TRANSCRIPT_EXTENSIONS.get(path.suffix.lower())
    if fmt is None:
        known = ", ".join(sorted(TRANSCRIPT_EXTENSIONS))
        raise InputError(path, f"unknown file type '{path.suffix or '(none)'}' (known: {known}, .qdpx)")
    if raw is None:
        raw = path.read_bytes()
    if not raw.strip():
        raise InputError(path, "the file is empty")
    if fmt == "docx":
        from .docx_reader import read_docx
        transcript = read_docx(path, raw, single_speaker=single_speaker)
    elif fmt in ("txt", "md"):
        from .text_reader import read_text
        transcript = read_text(path, raw, fmt, single_speaker=single_speaker)
    else:
        from .subtitle_reader import read_subtitles
        transcript = read_subtitles(path, raw, fmt, single_speaker=single_speaker)
    transcript.language = normalize_language(transcript.language)
    if transcript.language is None:
        spoken = "\n".join(transcript.text[t.start:t.end] for t in transcript.turns)
        transcript.language = detect_language(spoken if _has_words(spoken, 20) else transcript.text)
    return transcript


_NON_SPACE = re.compile(r"\S+")


def _has_words(text: str, n: int) -> bool:
    """Whether ``len(text.split()) >= n``, without splitting all of a long text."""
    return sum(1 for _ in itertools.islice(_NON_SPACE.finditer(text), n)) >= n


LANGUAGE_NAMES = {"da": "da", "dansk": "da", "danish": "da", "da-dk": "da",
                  "en": "en", "engelsk": "en", "english": "en", "en-gb": "en", "en-us": "en"}


def normalize_language(value: str | None) -> str | None:
    """A language given in a file's metadata as an ISO 639-1 code ('da', 'en', 'hu'), or None."""
    if value is None:
        return None
    value = str(value).strip().lower()
    if value in LANGUAGE_NAMES:
        return LANGUAGE_NAMES[value]
    code = value.split("-")[0].split("_")[0]
    return code if len(code) == 2 and code.isalpha() else None


__all__ = ["Block", "Transcript", "Turn", "read_transcript", "detect_language", "TRANSCRIPT_EXTENSIONS"]
