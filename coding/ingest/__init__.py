"""Readers for transcript files. :func:`read_transcript` picks one by the file's extension."""

from __future__ import annotations

from pathlib import Path

from ..errors import InputError
from .language import detect_language
from .model import Block, Transcript, Turn

TRANSCRIPT_EXTENSIONS = {".docx": "docx", ".txt": "txt", ".md": "md", ".markdown": "md",
                         ".vtt": "vtt", ".srt": "srt"}


def read_transcript(path: Path, raw: bytes | None = None) -> Transcript:
    """Read one transcript file into plain text and speaker turns; raise InputError on bad input."""
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
        transcript = read_docx(path, raw)
    elif fmt in ("txt", "md"):
        from .text_reader import read_text
        transcript = read_text(path, raw, fmt)
    else:
        from .subtitle_reader import read_subtitles
        transcript = read_subtitles(path, raw, fmt)
    transcript.language = normalize_language(transcript.language)
    if transcript.language not in ("da", "en"):
        transcript.language = detect_language(transcript.text)
    return transcript


LANGUAGE_NAMES = {"da": "da", "dansk": "da", "danish": "da", "da-dk": "da",
                  "en": "en", "engelsk": "en", "english": "en", "en-gb": "en", "en-us": "en"}


def normalize_language(value: str | None) -> str | None:
    if value is None:
        return None
    return LANGUAGE_NAMES.get(str(value).strip().lower())


__all__ = ["Block", "Transcript", "Turn", "read_transcript", "detect_language", "TRANSCRIPT_EXTENSIONS"]
