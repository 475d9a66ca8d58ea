"""Speaker labels at the start of a paragraph or cue, and the merging of blocks into turns.

Recognised: ``Name:``, ``Name (VK):``, ``[00:01:05] Name:``, ``00:01:05 Name:``, ``**Name:**``,
``**Name**:``. A label is at most five words, each starting with a capital letter or a digit,
optionally followed by a parenthesis, and must not start with a common sentence opener
("Det", "Men", "So" ...), so that "Det er sådan: ..." stays text.
"""

from __future__ import annotations

import re

from ..errors import InputError
from .model import Block, Turn

TIMESTAMP = r"\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?"
_WORD = r"[A-ZÆØÅÄÖÜÉ0-9][\w.'’\-]*"
# Lower-case name particles ("Anne van Berg", "Karen af Holm"), only between capitalised words
_PARTICLE = r"(?:van|von|der|den|de|da|di|du|af|la|le|al|el|bin|ten|ter)"
LABEL_RE = re.compile(
    rf"""^[ \t]*
    (?:[\[(]?(?P<ts>{TIMESTAMP})[\])]?[ \t]*[-–]?[ \t]*)?  # optional timestamp before the name
    (?P<md>\*\*|__)?                                      # optional Markdown bold
    (?P<label>{_WORD}(?:[ \t]+(?:{_PARTICLE}[ \t]+)?{_WORD}){{0,4}}(?:[ \t]*\((?!{TIMESTAMP}\))[^()\n]{{1,40}}\))?)
    (?:[ \t]*[\[(](?P<ts2>{TIMESTAMP})[\])])?          # or after it: "Anne [00:01:05]:"
    [ \t]*(?:(?P=md)[ \t]*:|:[ \t]*(?P=md)|:)            # colon inside or outside the bold
    (?:[ \t]+|$|(?=[^\W\d_]))                           # "Anne:Tekst" too, but not "Kl. 10:30"
    """,
    re.VERBOSE,
)

# Words that open ordinary sentences; a "label" starting with one of these is text.
SENTENCE_OPENERS = {
    "det", "der", "den", "de", "men", "og", "så", "jeg", "vi", "du", "han", "hun", "når", "hvis", "fordi",
    "altså", "nej", "ja", "jo", "nu", "her", "hvad", "hvordan", "hvorfor", "eksempel", "fx", "f.eks.",
    "spørgsmål", "svar", "note", "husk", "tema", "emne", "dato", "sted", "tid", "varighed", "deltagere",
    "the", "this", "that", "it", "so", "but", "and", "we", "you", "he", "she", "they", "yes", "no",
    "well", "example", "question", "answer", "date", "place", "time", "duration", "participants", "topic",
    "theme", "kommune", "municipality", "interviewtype", "transcript", "transskription", "title", "titel",
    # days, months and other words that head a line of notes rather than name a speaker
    "mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag", "januar", "februar", "marts",
    "april", "maj", "juni", "juli", "august", "september", "oktober", "november", "december", "kl", "kl.",
    "obs", "ps", "bemærk", "baggrund", "formål", "konklusion", "resumé", "opsummering", "pause",
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "note", "summary",
}

INTERVIEWER_LABELS = {"interviewer", "intervieweren", "int", "i", "interviewer 1", "interviewer 2",
                      "moderator", "facilitator", "int.", "iv"}


def split_label(text: str) -> tuple[str, str | None, int] | None:
    """Return (label, timestamp, offset of the text after the label) or None."""
    m = LABEL_RE.match(text)
    if not m:
        return None
    label = re.sub(r"\s+", " ", m.group("label")).strip()
    first = label.split(" ")[0].lower()
    if first in SENTENCE_OPENERS:
        return None
    if len(label) > 60:
        return None
    return label, m.group("ts") or m.group("ts2"), m.end()


ROLE_ABBREVIATIONS = {"s": "Sagsbehandler", "sb": "Sagsbehandler", "vk": "Virksomhedskonsulent",
                      "l": "Leder", "pl": "Projektleder", "m": "Mentor", "b": "Borger",
                      "int": "Interviewer", "i": "Interviewer"}


def role_from_label(label: str) -> str | None:
    """The role a label names in parentheses, as in "Anne (VK)"; None when it names none."""
    m = re.search(r"\(([^()]+)\)\s*$", label)
    if not m:
        return None
    return ROLE_ABBREVIATIONS.get(m.group(1).strip().lower().rstrip("."))


def looks_like_interviewer(label: str) -> bool:
    base = re.sub(r"\s*\(.*\)\s*$", "", label).strip().lower()
    return base in INTERVIEWER_LABELS or base.startswith("interviewer")


def build_turns(blocks: list[Block], file: str, *, require_label: bool = True) -> list[Turn]:
    """Merge blocks into turns: a label starts a turn, unlabeled blocks continue the current one,
    consecutive blocks of the same speaker are one turn. Headings and text before the first
    label are not turns."""
    turns: list[Turn] = []
    current: Turn | None = None
    for block in blocks:
        if block.heading or not block.text.strip():
            continue
        speaker = block.speaker
        content_start = block.start
        content = block.text
        timestamp = block.timestamp
        if speaker is None:
            found = split_label(block.text)
            if found is not None:
                speaker, ts, offset = found
                timestamp = timestamp or ts
                content_start = block.start + offset
                content = block.text[offset:]
        stripped_lead = len(content) - len(content.lstrip())
        content_start += stripped_lead
        content_end = block.start + len(block.text.rstrip())
        if speaker is None:
            if current is None:
                continue  # title, metadata, preamble
            if current.end == current.start:  # the label stood alone on its line: the turn starts here
                current.start = content_start
            current.end = max(current.end, content_end)
            current.end_timestamp = block.end_timestamp or current.end_timestamp
            continue
        if current is not None and current.speaker == speaker:
            if content_end > content_start:
                if current.end == current.start:
                    current.start = content_start
                current.end = max(current.end, content_end)
            current.end_timestamp = block.end_timestamp or current.end_timestamp
            continue
        current = Turn(start=content_start, end=max(content_start, content_end), speaker=speaker,
                       timestamp=timestamp, end_timestamp=block.end_timestamp, place=block.place)
        turns.append(current)
    turns = [t for t in turns if t.end > t.start]
    if require_label and not turns:
        raise InputError(file, "no speaker label found (expected lines such as 'Anne:', "
                               "'Anne (VK):', '[00:01:05] Anne:' or '**Anne:**')")
    return turns
