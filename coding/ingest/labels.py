"""Speaker labels at the start of a paragraph, line or cue, and the building of turns from them.

Every convention the readers understand (README, "Transcript conventions", has an example each):

* ``Name: text`` with up to 6 words, each capitalised or a number (``Anne Holm:``, ``Interviewer 1:``,
  ``Interviewer1 :``, ``Anne (VK):``, ``Anne - VK:``, ``Q:``, ``IP:``); a timestamp may stand before or
  after the name (``[00:01:05] Anne:``, ``00:01:05 - Anne:``, ``Anne [00:01:05]:``); the whole label
  may be Markdown bold (``**Anne:**``, ``**Anne**:``).
* lower-case labels of one or two words (``interviewer:``, ``respondent 2:``): a known role word, or a
  label used at least twice in the file.
* ``[Name] text`` and ``{Name} text`` (QualCoder's ``[id1] text``); ``[Name] 11:02:09`` alone on a line
  (Zoom closed captions); ``**Name** (00:00:01)`` alone on a line (Markdown from Teams);
  ``Anne Holm   0:03`` alone on a line (Teams .docx, layout b); ``00:00:05 Speaker 1`` alone on a
  line (Word's Transcribe); a name alone on a line followed by a line holding only a time (Zoom's
  web transcript); a cue line ``0:0:0.0 --> 0:0:1.250`` followed by a name alone on a line (Teams
  .docx, layout a); a bold name at the start of a paragraph without a colon (Word).

Conventions without a colon (brackets, braces, bold names, name-and-time lines) count only when
the same label is used at least twice in the file, so that ``[laughs]`` or a bold word does not
become a speaker. A label alone on its line starts the turn on the next line.

Turns: every label starts a turn (so a label never stands inside a turn's text, and every
paragraph's own timestamp is kept); unlabelled lines continue the current turn; a heading ends it
(unlabelled lines after a heading are in the text but in no turn until a label follows). Lines
before the first label are a title block when they are short; longer text there is a turn of
speaker ``Unknown`` with a warning. A file where labels are too few for its text is refused with
the reason (``found 1 speaker label in 865 cues: not a transcript?``).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from ..errors import InputError
from .model import Block, Turn

TIMESTAMP = r"\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?"
# Teams writes cue times without padding ("0:0:0.0 --> 0:0:1.250")
LOOSE_TIMESTAMP = r"\d{1,2}:\d{1,2}(?::\d{1,2})?(?:[.,]\d{1,3})?"
_WORD = r"[A-ZÆØÅÄÖÜÉ0-9][\w.'’\-]*"
_ANY_WORD = r"[^\W_][\w.'’\-]*"
# Lower-case name particles ("Anne van Berg", "Karen af Holm"), only between capitalised words
_PARTICLE = r"(?:van|von|der|den|de|da|di|du|af|la|le|al|el|bin|ten|ter)"
_ROLE_SUFFIX = rf"(?:[ \t]*\((?!{TIMESTAMP}\))[^()\n]{{1,40}}\)|[ \t]+[-–][ \t]+{_WORD}(?:[ \t]+{_WORD})?)"
_NAME = rf"{_WORD}(?:[ \t]+(?:{_PARTICLE}[ \t]+)?{_WORD}){{0,5}}"
_LOWER_NAME = r"[a-zæøåäöüé][\w.'’\-]*(?:[ \t]+\d{1,2})?"

LABEL_RE = re.compile(
    rf"""^[ \t]*
    (?:[\[(]?(?P<ts>{TIMESTAMP})[\])]?[ \t]*[-–]?[ \t]*)?  # optional timestamp before the name
    (?P<md>\*\*|__)?                                      # optional Markdown bold
    (?P<label>(?:{_NAME}|(?P<lower>{_LOWER_NAME})){_ROLE_SUFFIX}?)
    (?:[ \t]*[\[(](?P<ts2>{TIMESTAMP})[\])])?          # or after it: "Anne [00:01:05]:"
    [ \t]*(?:(?P=md)[ \t]*:|:[ \t]*(?P=md)|:)            # colon inside or outside the bold
    (?:[ \t]+|$|(?=[^\W\d_]))                           # "Anne:Tekst" too, but not "Kl. 10:30"
    """,
    re.VERBOSE,
)
# "[id1] text", "[Anne Holm] text", "[Anne] 11:02:09" (alone); never "[00:01]"
BRACKET_RE = re.compile(rf"^[ \t]*\[(?P<label>[^\[\]\d\s:][^\[\]:\n]{{0,50}})\][ \t]*"
                        rf"(?:(?P<ts>{TIMESTAMP})[ \t]*$|:?[ \t]*)")
BRACE_RE = re.compile(r"^[ \t]*\{(?P<label>[^{}\d\s:][^{}:\n]{0,50})\}[ \t]*:?[ \t]*")
# "**Anne Holm** (00:00:01)" or "**Anne Holm**" alone, or "**Anne** text"
BOLD_RE = re.compile(rf"^[ \t]*(?P<md>\*\*|__)(?P<label>{_NAME}{_ROLE_SUFFIX}?)(?P=md)[ \t]*"
                     rf"(?:[(\[](?P<ts>{TIMESTAMP})[)\]][ \t]*$)?")
NAME_TIME_RE = re.compile(rf"^[ \t]*(?P<label>{_NAME}{_ROLE_SUFFIX}?)[ \t]+[(\[]?(?P<ts>{TIMESTAMP})[)\]]?[ \t]*$")
TIME_NAME_RE = re.compile(rf"^[ \t]*[(\[]?(?P<ts>{TIMESTAMP})[)\]]?[ \t]+(?P<label>{_NAME}{_ROLE_SUFFIX}?)[ \t]*$")
NAME_ALONE_RE = re.compile(rf"^[ \t]*(?P<label>{_NAME}{_ROLE_SUFFIX}?)[ \t]*$")
BARE_TIME_RE = re.compile(rf"^[ \t]*[(\[]?(?P<ts>{TIMESTAMP})[)\]]?[ \t]*$")
CUE_LINE_RE = re.compile(rf"^[ \t]*(?P<a>{LOOSE_TIMESTAMP})[ \t]*-->[ \t]*(?P<b>{LOOSE_TIMESTAMP})[ \t]*$")

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
    "chapter", "kapitel", "del", "part", "side", "page", "figur", "figure", "tabel", "table", "bilag",
    "appendix", "version", "status", "i", "in", "a", "an", "to", "for", "of", "on", "at", "with",
}
# Single letters and abbreviations that are labels although they look like sentence words
LETTER_LABELS = {"i", "a", "q", "r", "ip", "iv", "int"}
# Bracketed words that are transcription notes, not speakers
NOTES = {"inaudible", "laughs", "laughter", "laughing", "crosstalk", "pause", "music", "applause", "silence",
         "unclear", "coughs", "sighs", "overlapping", "griner", "latter", "pause", "uhørligt", "utydeligt",
         "uforståeligt", "musik", "stilhed", "afbrydelse", "redacted", "anonymiseret", "navn", "name", "sic"}
# Lower-case words that are labels wherever they appear ("interviewer:"); others need two uses
ROLE_WORDS = {"interviewer", "interviewee", "respondent", "informant", "participant", "moderator",
              "facilitator", "deltager", "interviewperson", "intervieweren", "speaker", "taler", "int", "iv",
              "ip", "q", "a", "i", "r", "unknown", "ukendt"}

INTERVIEWER_LABELS = {"interviewer", "intervieweren", "int", "i", "interviewer 1", "interviewer 2",
                      "moderator", "facilitator", "int.", "iv", "q"}
UNKNOWN_SPEAKER = "Unknown"
TITLE_WORDS = 12  # a line before the first label with at most this many words is part of the title block


def _tidy(label: str) -> str:
    """White space runs as one space, none at the ends (so a dash between words stands between
    single spaces: "Anne - VK")."""
    return " ".join(label.split())


def _opener(label: str) -> bool:
    first, space, _ = label.partition(" ")
    first = first.lower()
    return first in SENTENCE_OPENERS and not (not space and first in LETTER_LABELS)


def split_label(text: str) -> tuple[str, str | None, int] | None:
    """A ``Name:`` label at the start of ``text``: (label, timestamp, offset of the text after it), or
    None. Only the colon forms; the others are found by :func:`find_label`."""
    found = _colon_label(text)
    if found is None:
        return None
    label, ts, end, _ = found
    return label, ts, end


def _colon_label(text: str) -> tuple[str, str | None, int, bool] | None:
    """(label, timestamp, end, strong) for a colon label; strong = counts on its own."""
    if ":" not in text:   # (every form has one)
        return None
    m = LABEL_RE.match(text)
    if not m:
        return None
    label = _tidy(m.group("label"))
    if _opener(label) or len(label) > 60:
        return None
    strong = True
    if m.group("lower"):
        base = re.sub(r"\s+\d+$", "", label.split(" (")[0].split(" - ")[0]).rstrip(".").lower()
        strong = base in ROLE_WORDS
    return label, m.group("ts") or m.group("ts2"), m.end(), strong


@dataclass
class Candidate:
    label: str
    timestamp: str | None
    offset: int       # where the text after the label starts in the block's text
    strong: bool      # counts even when used once
    meta: bool = False  # the block is part of a label (a time line or a cue line), not speech


def _name_like(label: str) -> bool:
    words = label.split(" ")
    return 0 < len(words) <= 6 and not _opener(label) and len(label) <= 60 and not label.endswith((".", "?", "!"))


def find_label(text: str, bold_prefix: str = "") -> Candidate | None:
    """The label a block of text starts with, in any convention of this module, or None."""
    colon = ":" in text     # the forms with a colon or a time; each other form has its mark
    found = _colon_label(text) if colon else None
    if found is not None:
        label, ts, end, strong = found
        return Candidate(label, ts, end, strong)
    m = BRACKET_RE.match(text) if "[" in text else None
    if m:
        label = _tidy(m.group("label"))
        if label.lower() not in NOTES and len(label.split(" ")) <= 6 and not label.lower().startswith(NOTES_PREFIXES):
            # "[Anne] 11:02:09" alone is Zoom's caption layout: clear on its own
            return Candidate(label, m.group("ts"), m.end(), strong=bool(m.group("ts")))
    m = BRACE_RE.match(text) if "{" in text else None
    if m:
        label = _tidy(m.group("label"))
        if label.lower() not in NOTES and len(label.split(" ")) <= 6:
            return Candidate(label, None, m.end(), strong=False)
    m = BOLD_RE.match(text) if "**" in text or "__" in text else None
    if m:
        label = _tidy(m.group("label"))
        if _name_like(label):
            return Candidate(label, m.group("ts"), m.end(), strong=bool(m.group("ts")))
    for regex in (NAME_TIME_RE, TIME_NAME_RE) if colon else ():
        m = regex.match(text)
        if m:
            label = _tidy(m.group("label"))
            if _name_like(label):
                return Candidate(label, m.group("ts"), len(text), strong=False)
    bold = bold_prefix.strip()
    if bold and text.lstrip().startswith(bold):
        label = _tidy(bold)
        if _name_like(label) and re.fullmatch(rf"{_NAME}{_ROLE_SUFFIX}?", label):
            lead = len(text) - len(text.lstrip())
            return Candidate(label, None, lead + len(bold), strong=False)
    return None


NOTES_PREFIXES = ("inaudible", "laugh", "crosstalk", "pause", "music", "griner", "uhørlig", "utydelig")

ROLE_ABBREVIATIONS = {"s": "Sagsbehandler", "sb": "Sagsbehandler", "vk": "Virksomhedskonsulent",
                      "l": "Leder", "pl": "Projektleder", "m": "Mentor", "b": "Borger",
                      "int": "Interviewer", "i": "Interviewer"}


def role_from_label(label: str) -> str | None:
    """The role a label names in parentheses or after a dash, as in "Anne (VK)" or "Anne - VK";
    None when it names none."""
    m = re.search(r"\(([^()]+)\)\s*$", label) or re.search(r"\s[-–]\s+(\S+)\s*$", label)
    if not m:
        return None
    return ROLE_ABBREVIATIONS.get(m.group(1).strip().lower().rstrip("."))


def looks_like_interviewer(label: str) -> bool:
    base = re.sub(r"\s*\(.*\)\s*$", "", label).strip().lower()
    base = re.sub(r"\s+[-–]\s+.*$", "", base)
    return (base in INTERVIEWER_LABELS or base.startswith("interviewer") and not base.startswith("interviewee")
            or re.fullmatch(r"(interviewer|int|i|moderator)\s*\d+", base) is not None)


def _words(text: str) -> int:
    return len(text.split())


def build_turns(blocks: list[Block], file: str, *, require_label: bool = True, unit: str = "paragraph",
                single_speaker: str | None = None, title_block: bool = True,
                warnings: list[str] | None = None) -> list[Turn]:
    """Turns from blocks (paragraphs, lines or cues); see the module's docstring for the rules.

    ``single_speaker`` makes every unlabelled stretch of text (headings apart) that speaker's turn
    and looks for no labels. Warnings (text before the first label given a speaker ``Unknown``) go
    to ``warnings``. Raises InputError when the file has no labels or too few for its text."""
    warnings = warnings if warnings is not None else []
    if single_speaker is not None:
        return _single_speaker_turns(blocks, single_speaker, file)
    found = _find_labels(blocks)
    counts = Counter(c.label.casefold() for c in found.values() if c is not None and not c.meta)
    labels = {i: c for i, c in found.items()
              if c is not None and (c.meta or c.strong or counts[c.label.casefold()] >= 2)}

    turns: list[Turn] = []
    current: Turn | None = None
    labelled = 0
    content_blocks = 0
    after_heading = False
    preamble: list[Block] = []  # unlabelled blocks before the first label
    unplaced: list[Block] = []  # longer unlabelled blocks after a heading, before the first label
    pending_ts: str | None = None
    label_of = labels.get
    for i, block in enumerate(blocks):
        if block.heading:
            current = None
            after_heading = True
            continue
        text = block.text
        if not text or text.isspace():
            continue
        candidate = label_of(i)
        if candidate is not None and candidate.meta:
            pending_ts = candidate.timestamp or pending_ts
            continue
        content_blocks += 1
        speaker = block.speaker
        content_start = block_start = block.start
        content = text
        timestamp = block.timestamp
        from_label = False
        if speaker is None and candidate is not None:
            speaker, offset = candidate.label, candidate.offset
            timestamp = timestamp or candidate.timestamp or pending_ts
            content_start = block_start + offset
            content = text[offset:]
            from_label = True
        pending_ts = None if speaker is not None else pending_ts
        content_start += len(content) - len(content.lstrip())
        content_end = block_start + len(text.rstrip())
        if speaker is None:
            if current is None:
                if not turns and not after_heading:
                    preamble.append(block)
                elif not turns and _words(block.text) > TITLE_WORDS:
                    unplaced.append(block)
                continue  # after a heading: in the text, in no turn, until a label follows
            if current.end == current.start:  # the label stood alone on its line: the turn starts here
                current.start = content_start
            current.end = max(current.end, content_end)
            current.end_timestamp = block.end_timestamp or current.end_timestamp
            continue
        if from_label or block.speaker is not None and not block.continued:
            labelled += 1
        if not from_label and current is not None and current.speaker == speaker:
            # a cue of the same voice goes on (subtitles): no label stands between them
            current.end = max(current.end, content_end)
            current.end_timestamp = block.end_timestamp or current.end_timestamp
            continue
        if not turns and preamble:
            _preamble_turn(preamble, turns, title_block, file, unit, warnings)
        after_heading = False
        current = Turn(start=content_start, end=max(content_start, content_end), speaker=speaker,
                       timestamp=timestamp, end_timestamp=block.end_timestamp, place=block.place)
        turns.append(current)
    spoken = [t for t in turns if t.end > t.start]
    if require_label and labelled == 0:
        raise InputError(file, "no speaker label found (expected lines such as 'Anne:', "
                               "'Anne (VK):', '[00:01:05] Anne:' or '**Anne:**'; "
                               "use --single-speaker NAME for a text by one person)")
    if require_label:
        unknown = sum(t.end - t.start for t in spoken if t.preamble) + sum(len(b.text) for b in unplaced)
        total = sum(t.end - t.start for t in spoken) + sum(len(b.text) for b in unplaced)
        _check_coverage(file, unit, labelled, content_blocks, unknown, total)
    if unplaced:
        warnings.append(f"{file}, {unplaced[0].place}: text under a heading before the first speaker label "
                        "is kept in the source but in no turn")
    return spoken


def _preamble_turn(preamble: list[Block], turns: list[Turn], title_block: bool, file: str, unit: str,
                   warnings: list[str]) -> None:
    """Text before the first label: a title block (short lines) stays out of the turns; from the
    first longer line on it is a turn of speaker Unknown, with a warning."""
    first = next((i for i, b in enumerate(preamble) if not title_block or _words(b.text) > TITLE_WORDS), None)
    if first is None:
        return
    start_block, last = preamble[first], preamble[-1]
    start = start_block.start + len(start_block.text) - len(start_block.text.lstrip())
    end = last.start + len(last.text.rstrip())
    turns.append(Turn(start=start, end=end, speaker=UNKNOWN_SPEAKER, timestamp=start_block.timestamp,
                      end_timestamp=last.end_timestamp, place=start_block.place, preamble=True))
    warnings.append(f"{file}, {start_block.place}: text before the first speaker label has no speaker; "
                    f"imported as a turn of speaker '{UNKNOWN_SPEAKER}'")


def _check_coverage(file: str, unit: str, labelled: int, content_blocks: int, unknown: int,
                    total: int) -> None:
    """Refuse a file whose few labels cannot make it a transcript (a stray "Digo:" in a film's
    subtitles, one bold "**Method:**" in a memo)."""
    spoken = total - unknown
    units = unit + ("s" if content_blocks != 1 else "")
    what = f"found {labelled} speaker label{'s' if labelled != 1 else ''} in {content_blocks} {units}"
    hint = "; use --single-speaker NAME to import it as the words of one person"
    if labelled < 3 and content_blocks >= 10 and labelled / content_blocks < 0.1:
        raise InputError(file, f"{what}: not a transcript?{hint}")
    if unknown > spoken:
        share = round(100 * unknown / (unknown + spoken))
        raise InputError(file, f"{what}, and {share} % of the text comes before the first of them: "
                               f"not a transcript?{hint}")


def _find_labels(blocks: list[Block]) -> dict[int, Candidate | None]:
    """The label candidates of the blocks, including the layouts that span two lines."""
    found: dict[int, Candidate | None] = {}
    nonempty = [i for i, b in enumerate(blocks)
                if b.text and not b.text.isspace() and not b.heading and b.speaker is None]
    for n, i in enumerate(nonempty):
        if i in found:
            continue
        text = blocks[i].text
        following = nonempty[n + 1] if n + 1 < len(nonempty) else None
        cue = CUE_LINE_RE.match(text) if "-->" in text else None
        if cue:
            # Teams .docx (a): the cue's time line, then the name alone, then the text
            found[i] = Candidate("", _pad(cue.group("a")), len(text), strong=True, meta=True)
            if following is not None:
                m = NAME_ALONE_RE.match(blocks[following].text)
                if m and _name_like(_tidy(m.group("label"))):
                    found[following] = Candidate(_tidy(m.group("label")), _pad(cue.group("a")),
                                                 len(blocks[following].text), strong=True)
            continue
        # (the next line's time first: it rules out most lines at once)
        time_line = BARE_TIME_RE.match(blocks[following].text) if following is not None else None
        m = NAME_ALONE_RE.match(text) if time_line else None
        if m and _name_like(_tidy(m.group("label"))):
            # Zoom's web transcript: the name, then the time alone, then the text
            found[i] = Candidate(_tidy(m.group("label")), time_line.group("ts"), len(text), strong=True)
            found[following] = Candidate("", time_line.group("ts"), len(blocks[following].text),
                                         strong=True, meta=True)
            continue
        found[i] = find_label(text, blocks[i].bold_prefix)
    return found


def _pad(value: str) -> str:
    """A Teams cue time ("0:0:1.250") as HH:MM:SS."""
    parts = value.replace(",", ".").split(":")
    while len(parts) < 3:
        parts.insert(0, "0")
    hours, minutes, seconds = parts
    return f"{int(hours):02d}:{int(minutes):02d}:{int(float(seconds)):02d}"


def _single_speaker_turns(blocks: list[Block], speaker: str, file: str) -> list[Turn]:
    turns: list[Turn] = []
    current: Turn | None = None
    for block in blocks:
        if block.heading:
            current = None
            continue
        if not block.text.strip():
            continue
        start = block.start + len(block.text) - len(block.text.lstrip())
        end = block.start + len(block.text.rstrip())
        if current is None:
            current = Turn(start=start, end=end, speaker=speaker, timestamp=block.timestamp,
                           end_timestamp=block.end_timestamp, place=block.place)
            turns.append(current)
        else:
            current.end = end
            current.end_timestamp = block.end_timestamp or current.end_timestamp
    if not turns:
        raise InputError(file, "the file has no text outside headings")
    return turns
