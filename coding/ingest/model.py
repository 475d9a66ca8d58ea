"""What every reader produces: the plain text of a transcript and its speaker turns."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Block:
    """A paragraph (Word, text) or a cue (subtitles) placed in the plain text at ``start``.

    ``speaker`` is set when the format names the speaker outside the text (a WebVTT voice tag);
    otherwise the turn parser looks for a label at the start of ``text``.
    """

    start: int
    text: str
    place: str
    speaker: str | None = None
    timestamp: str | None = None
    end_timestamp: str | None = None
    heading: bool = False
    bold_prefix: str = ""
    continued: bool = False  # ``speaker`` carried on from the cue before (no label of its own)


@dataclass
class Turn:
    start: int
    end: int
    speaker: str
    timestamp: str | None = None
    end_timestamp: str | None = None
    place: str = ""
    preamble: bool = False  # text before the first label, given to speaker Unknown

    def as_dict(self) -> dict:
        return {"start": self.start, "end": self.end, "speaker": self.speaker,
                "timestamp": self.timestamp, "end_timestamp": self.end_timestamp}

    def __reduce__(self):
        # pickled as its fields in order (a worker process sends its transcripts' turns): about
        # half the work of pickling the instance's __dict__
        return Turn, (self.start, self.end, self.speaker, self.timestamp, self.end_timestamp, self.place,
                      self.preamble)


@dataclass
class Transcript:
    """A read transcript: plain text (code points), turns, source attributes and warnings."""

    name: str
    format: str
    text: str
    turns: list[Turn]
    attributes: dict[str, str] = field(default_factory=dict)
    language: str | None = None
    warnings: list[str] = field(default_factory=list)
    paragraph_starts: list[int] = field(default_factory=list)
    # the opened Word document (.docx only), so that its comments are read without opening the
    # file a second time; dropped once they are read
    document: object | None = field(default=None, repr=False, compare=False)
