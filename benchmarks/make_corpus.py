"""Build a synthetic corpus of interview transcripts for the benchmarks.

    python benchmarks/make_corpus.py --words 1000000 --seed 1 /tmp/corpus

Turns of the 14 sample transcripts in ``transcripts_sample/`` (read with the toolkit's own
reader) are recombined into new interviews of realistic length (3,000 to 12,000 words; focus
groups up to 15,000) in five formats (.docx, .txt, .md, .vtt, .srt), spoken by fictional people in
a dozen fictional municipalities, with a ``participants.csv`` manifest in the project's format.

* Reproducible: the same ``--words`` and ``--seed`` give a byte-identical corpus (Word files get
  fixed core properties and fixed zip entry times).
* Streamed: one transcript is built and written at a time; the manifest is written row by row.
* ``words`` counts whitespace-separated words of the text as it will be imported (speaker labels
  included); the corpus stops at the first transcript that reaches the target, the last one cut
  short to land near it.

The library API is :func:`make_corpus` (used by ``benchmarks/run.py``) and
:func:`write_transcript` for single files such as the 3-million-character transcript.
"""

from __future__ import annotations

import argparse
import csv
import datetime as _dt
import io
import json
import random
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from coding.ingest import read_transcript  # noqa: E402
from coding.ingest.labels import looks_like_interviewer, role_from_label, split_label  # noqa: E402
from coding.ingest.manifest import read_manifest  # noqa: E402

SAMPLE_DIR = ROOT / "transcripts_sample"

# Fictional municipalities with uneven sizes (weights), as a national evaluation would have.
MUNICIPALITIES = [("Nordby", 9), ("Åbæk", 6), ("Kildemose", 7), ("Lyngholt", 5), ("Vesterlund", 8),
                  ("Solhøj", 4), ("Granmose", 3), ("Birkely", 6), ("Østerå", 5), ("Mølleby", 2),
                  ("Skovlund", 4), ("Fjordvig", 3), ("Bakkedal", 2), ("Engholm", 4)]
ROLES = {"Leder": "L", "Projektleder": "PL", "Sagsbehandler": "S", "Virksomhedskonsulent": "VK",
         "Mentor": "M", "Borger": "B"}
STAFF = ["Leder", "Projektleder", "Sagsbehandler", "Virksomhedskonsulent", "Mentor"]
INDIVIDUAL_ROLES = [("Borger", 5), ("Sagsbehandler", 3), ("Virksomhedskonsulent", 3), ("Leder", 2),
                    ("Projektleder", 1), ("Mentor", 2)]
TYPES = [("individuelt", 60), ("parinterview", 15), ("fokusgruppe", 25)]
# One cycle of ten transcripts: Word dominates real evaluations, then plain text and Teams/Zoom.
FORMAT_CYCLE = ["docx", "docx", "docx", "docx", "txt", "txt", "vtt", "vtt", "md", "srt"]
FIRST_NAMES = [("Anne", "kvinde"), ("Mette", "kvinde"), ("Hanne", "kvinde"), ("Lise", "kvinde"),
               ("Sofie", "kvinde"), ("Ida", "kvinde"), ("Camilla", "kvinde"), ("Fatima", "kvinde"),
               ("Birgitte", "kvinde"), ("Tove", "kvinde"), ("Rikke", "kvinde"), ("Maja", "kvinde"),
               ("Sara", "kvinde"), ("Nina", "kvinde"), ("Louise", "kvinde"), ("Amina", "kvinde"),
               ("Peter", "mand"), ("Jens", "mand"), ("Henrik", "mand"), ("Karim", "mand"), ("Jonas", "mand"),
               ("Morten", "mand"), ("Emil", "mand"), ("Ole", "mand"), ("Ali", "mand"), ("Søren", "mand"),
               ("Mads", "mand"), ("Lars", "mand"), ("Kasper", "mand"), ("Thomas", "mand"), ("Bo", "mand"),
               ("Yusuf", "mand")]
SURNAMES = ["Holm", "Dahl", "Friis", "Storm", "Krag", "Vig", "Bak", "Lund", "Nielsen", "Demir", "Berg",
            "Skov", "Møller", "Kjær", "Juhl", "Brink", "Winther", "Lykke", "Hald", "Bech", "Toft", "Engel"]
INTERVIEWERS = 6
WORDS_PER_SECOND = 2.4
FIXED_TIME = _dt.datetime(2024, 1, 1, 12, 0, 0)
ZIP_TIME = (2024, 1, 1, 12, 0, 0)


# --------------------------------------------------------------------------- the pool of turns


@dataclass
class Pool:
    """Sample turns: interviewer questions and answers by role, each a list of paragraphs."""

    questions: list[list[str]] = field(default_factory=list)
    answers: dict[str, list[list[str]]] = field(default_factory=dict)

    def answer(self, rng: random.Random, role: str) -> list[str]:
        own = self.answers.get(role) or []
        if len(own) < 8 or rng.random() < 0.25:  # small role pools borrow from the other staff
            others = [a for r in (STAFF if role != "Borger" else ["Borger"]) for a in self.answers.get(r, [])]
            own = own + others if others else own
        return rng.choice(own)


def _paragraphs(text: str) -> list[str]:
    return [" ".join(p.split()) for p in text.split("\n") if p.strip()]


def load_pool(sample_dir: Path = SAMPLE_DIR) -> Pool:
    """Read the sample transcripts (sorted by name, so the pool's order is stable)."""
    roles: dict[tuple[str, str], str] = {}
    manifest = sample_dir / "participants.csv"
    if manifest.exists():
        for row in read_manifest(manifest):
            if row.speaker and row.attributes.get("role"):
                roles[(row.source, row.speaker)] = row.attributes["role"]
    pool = Pool()
    for path in sorted(sample_dir.iterdir()):
        if path.suffix.lower() not in (".docx", ".txt", ".md", ".vtt", ".srt") or path.name.lower() == "readme.md":
            continue
        transcript = read_transcript(path)
        for turn in transcript.turns:
            paragraphs = _paragraphs(transcript.text[turn.start:turn.end])
            if not paragraphs:
                continue
            role = roles.get((path.name, turn.speaker)) or role_from_label(turn.speaker) or ""
            if looks_like_interviewer(turn.speaker) or role == "Interviewer":
                pool.questions.append(paragraphs)
            elif role in ROLES:
                pool.answers.setdefault(role, []).append(paragraphs)
    if not pool.questions or not pool.answers:
        raise SystemExit(f"{sample_dir}: no sample turns found")
    return pool


# --------------------------------------------------------------------------- planning one transcript


@dataclass
class Speaker:
    label: str
    participant: str
    role: str
    gender: str


@dataclass
class Plan:
    name: str
    fmt: str
    municipality: str
    interview_type: str
    interviewer: Speaker
    speakers: list[Speaker]
    title: str
    date: str
    variant: int  # a per-format style switch (timestamps in Word, Teams or Zoom in WebVTT, CRLF text)


def _weighted(rng: random.Random, pairs):
    values, weights = zip(*pairs)
    return rng.choices(values, weights=weights)[0]


def _slug(name: str) -> str:
    return name.lower().replace("æ", "ae").replace("ø", "oe").replace("å", "aa")


def plan_transcript(rng: random.Random, index: int, fmt: str) -> Plan:
    municipality = _weighted(rng, MUNICIPALITIES)
    interview_type = _weighted(rng, TYPES)
    if interview_type == "individuelt":
        roles = [_weighted(rng, INDIVIDUAL_ROLES)]
    elif interview_type == "parinterview":
        roles = rng.sample(STAFF, 2) if rng.random() < 0.5 else [rng.choice(STAFF)] * 2
    else:
        roles = [rng.choice(STAFF) for _ in range(rng.randint(3, 5))]
    code = f"{_slug(municipality)[:3].upper()}{index:05d}"
    speakers: list[Speaker] = []
    used: set[str] = set()
    style = rng.randrange(3)
    for n, role in enumerate(roles, start=1):
        while True:
            first, gender = rng.choice(FIRST_NAMES)
            surname = rng.choice(SURNAMES)
            abbreviation = ROLES[role]
            if role == "Borger":
                label = first
            elif style == 0:
                label = f"{first} {surname}"
            elif style == 1:
                label = f"{first} ({abbreviation})"
            else:
                label = f"{first} {surname} ({abbreviation})"
            if label not in used:
                break
        used.add(label)
        speakers.append(Speaker(label, f"{code}-{ROLES[role]}{n}", role, gender))
    interviewer_label = "Moderator" if interview_type == "fokusgruppe" else "Interviewer"
    interviewer = Speaker(interviewer_label, f"INT-{rng.randint(1, INTERVIEWERS)}", "Interviewer", "")
    kind = {"individuelt": "Interview", "parinterview": "Parinterview", "fokusgruppe": "Fokusgruppe"}[interview_type]
    who = ", ".join(sorted({s.role.lower() for s in speakers}))
    date = (_dt.date(2024, 1, 8) + _dt.timedelta(days=rng.randrange(600))).isoformat()
    name = f"{index:05d}_{_slug(municipality)}_{interview_type}.{fmt}"
    return Plan(name=name, fmt=fmt, municipality=municipality, interview_type=interview_type,
                interviewer=interviewer, speakers=speakers, title=f"{kind} med {who}, {municipality} Kommune",
                date=date, variant=rng.randrange(2))


def _words(paragraphs: list[str]) -> int:
    return sum(len(p.split()) for p in paragraphs)


def plan_turns(rng: random.Random, pool: Pool, plan: Plan, words: int):
    """Yield (speaker, paragraphs) until about ``words`` words (labels included) are spoken."""
    spoken = 0
    previous: Speaker | None = None
    while spoken < words:
        question = rng.choice(pool.questions)
        yield plan.interviewer, question
        spoken += _words(question) + len(plan.interviewer.label.split())
        answers = 1 if len(plan.speakers) == 1 else rng.randint(1, min(3, len(plan.speakers)))
        for _ in range(answers):
            if spoken >= words:
                break
            choices = [s for s in plan.speakers if s is not previous] or plan.speakers
            speaker = rng.choice(choices)
            paragraphs = pool.answer(rng, speaker.role)
            left = words - spoken
            if _words(paragraphs) > left + 40:  # the last answer is cut to land near the target
                cut: list[str] = []
                for p in paragraphs:
                    if _words(cut) >= left:
                        break
                    cut.append(p)
                paragraphs = cut
            yield speaker, paragraphs
            spoken += _words(paragraphs) + len(speaker.label.split())
            previous = speaker


# --------------------------------------------------------------------------- writers


def _clock(seconds: float, sep: str = ".") -> str:
    ms = int(round(seconds * 1000))
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{ms:03d}"


def _safe_paragraphs(paragraphs: list[str]) -> list[str]:
    """Continuation paragraphs (and cues) must not look like a speaker label: join such to the one before."""
    out: list[str] = []
    for p in paragraphs:
        if out and split_label(p) is not None:
            out[-1] = out[-1] + " " + p
        else:
            out.append(p)
    return out


def _chunks(rng: random.Random, paragraphs: list[str]) -> list[str]:
    """Subtitle cues: 6 to 18 words each, never starting like a label."""
    words = " ".join(paragraphs).split()
    cues: list[str] = []
    i = 0
    while i < len(words):
        n = rng.randint(6, 18)
        cues.append(" ".join(words[i:i + n]))
        i += n
    return _safe_paragraphs(cues)


class TextWriter:
    def __init__(self, path: Path, plan: Plan, rng: random.Random):
        self.plan, self.rng = plan, rng
        self.crlf = plan.fmt == "txt" and plan.variant == 1
        self.file = open(path, "w", encoding="utf-8-sig" if self.crlf else "utf-8",
                         newline="\r\n" if self.crlf else "\n")
        if plan.fmt == "md":
            self.file.write(f"---\nmunicipality: {plan.municipality}\ninterview_type: {plan.interview_type}\n"
                            f"language: da\ndate: {plan.date}\n---\n\n# {plan.title}\n\n")
        else:
            self.file.write(f"{plan.title}\n\n")

    def turn(self, speaker: Speaker, paragraphs: list[str], seconds: float) -> None:
        paragraphs = _safe_paragraphs(paragraphs)
        label = f"**{speaker.label}:**" if self.plan.fmt == "md" else f"{speaker.label}:"
        self.file.write(f"{label} {paragraphs[0]}\n\n")
        for p in paragraphs[1:]:
            self.file.write(p + "\n\n")

    def close(self) -> None:
        self.file.close()


class SubtitleWriter:
    def __init__(self, path: Path, plan: Plan, rng: random.Random):
        self.plan, self.rng = plan, rng
        self.vtt = plan.fmt == "vtt"
        self.teams = self.vtt and plan.variant == 0
        self.file = open(path, "w", encoding="utf-8", newline="\n")
        self.number = 0
        if self.vtt:
            self.file.write("WEBVTT\n\n")

    def turn(self, speaker: Speaker, paragraphs: list[str], seconds: float) -> None:
        sep = "." if self.vtt else ","
        for n, cue in enumerate(_chunks(self.rng, paragraphs)):
            self.number += 1
            length = len(cue.split()) / WORDS_PER_SECOND
            times = f"{_clock(seconds, sep)} --> {_clock(seconds + length, sep)}"
            seconds += length + 0.25
            if self.teams:
                ident = "%08x-%04x-%04x" % (self.rng.getrandbits(32), self.rng.getrandbits(16), self.number)
                self.file.write(f"{ident}/{self.number}-0\n{times}\n<v {speaker.label}>{cue}</v>\n\n")
            elif self.vtt:
                self.file.write(f"{self.number}\n{times}\n{speaker.label}: {cue}\n\n")
            else:  # SRT: a cue without a label continues the speaker
                body = f"{speaker.label}: {cue}" if n == 0 else cue
                self.file.write(f"{self.number}\n{times}\n{body}\n\n")

    def close(self) -> None:
        self.file.close()


class DocxWriter:
    def __init__(self, path: Path, plan: Plan, rng: random.Random):
        import docx

        self.path, self.plan = path, plan
        self.document = docx.Document()
        self.document.add_heading(plan.title, level=1)
        self.document.add_paragraph(f"Interviewet fandt sted {plan.date} i {plan.municipality}.")
        self.timestamps = plan.variant == 1

    def turn(self, speaker: Speaker, paragraphs: list[str], seconds: float) -> None:
        paragraphs = _safe_paragraphs(paragraphs)
        label = f"{speaker.label}:"
        if self.timestamps:
            label = f"[{_clock(seconds)[:8]}] {label}"
        first = self.document.add_paragraph()
        first.add_run(label).bold = True
        first.add_run(" " + paragraphs[0])
        for p in paragraphs[1:]:
            self.document.add_paragraph(p)

    def close(self) -> None:
        props = self.document.core_properties
        props.title = self.plan.title
        props.language = "da-DK"
        props.author = "benchmarks/make_corpus.py"
        props.last_modified_by = "benchmarks/make_corpus.py"
        props.created = FIXED_TIME
        props.modified = FIXED_TIME
        props.last_printed = FIXED_TIME
        props.revision = 1
        buffer = io.BytesIO()
        self.document.save(buffer)
        self.path.write_bytes(stable_zip(buffer.getvalue()))


def stable_zip(data: bytes) -> bytes:
    """The same package with fixed entry times, so equal documents are equal bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            target.writestr(entry, source.read(info.filename))
    return out.getvalue()


WRITERS = {"txt": TextWriter, "md": TextWriter, "vtt": SubtitleWriter, "srt": SubtitleWriter, "docx": DocxWriter}


class Novelty:
    """Replaces a share of the words by new compounds (modifier + linking letter + the word), so
    that the vocabulary grows with the corpus as in real text instead of staying that of the
    samples. Its own random stream: a corpus without novel words is the same with or without it."""

    def __init__(self, pool: Pool, share: float, seed: int):
        self.share = share
        self.rng = random.Random(seed * 1_000_003 + 17)
        words = {w.lower() for paragraphs in pool.questions + [a for v in pool.answers.values() for a in v]
                 for p in paragraphs for w in p.split()}
        self.modifiers = sorted(w for w in words if w.isalpha() and len(w) >= 5)

    def paragraphs(self, paragraphs: list[str]) -> list[str]:
        if not self.share:
            return paragraphs
        out = []
        for p in paragraphs:
            words = p.split(" ")
            for i, word in enumerate(words):
                if word.isalpha() and word.islower() and len(word) >= 4 and self.rng.random() < self.share:
                    words[i] = self.rng.choice(self.modifiers) + self.rng.choice(("", "s", "e")) + word
            out.append(" ".join(words))
        return out


def write_transcript(path: Path, plan: Plan, pool: Pool, rng: random.Random, words: int,
                     novelty: Novelty | None = None) -> int:
    """Write one transcript of about ``words`` words; return the words written (labels included).

    Speakers of the plan who never got a word in are dropped from it (the manifest names only
    people who speak)."""
    spoken: set[str] = set()
    writer = WRITERS[plan.fmt](path, plan, rng)
    seconds = rng.uniform(1, 20)
    written = len(plan.title.split())
    try:
        for speaker, paragraphs in plan_turns(rng, pool, plan, words):
            if not paragraphs:
                continue
            if novelty is not None:
                paragraphs = novelty.paragraphs(paragraphs)
            writer.turn(speaker, paragraphs, seconds)
            spoken.add(speaker.label)
            n = _words(paragraphs)
            written += n + len(speaker.label.split())
            seconds += n / WORDS_PER_SECOND + rng.uniform(0.5, 3)
    finally:
        writer.close()
    plan.speakers = [s for s in plan.speakers if s.label in spoken]
    return written


def manifest_rows(plan: Plan):
    yield [plan.name, "", "", "", plan.municipality, "", plan.interview_type]
    yield [plan.name, plan.interviewer.label, plan.interviewer.participant, "Interviewer", "", "",
           plan.interview_type]
    for s in plan.speakers:
        yield [plan.name, s.label, s.participant, s.role, plan.municipality, s.gender, plan.interview_type]


MANIFEST_HEADER = ["source", "speaker", "participant", "role", "municipality", "gender", "interview_type"]


def make_corpus(words: int, seed: int, out: str | Path, *, min_words: int = 3000, max_words: int = 12000,
                novel_words: float = 0.0, sample_dir: Path = SAMPLE_DIR, progress=None) -> dict:
    """Write transcripts of ``words`` words in all and ``participants.csv`` into ``out``; return a summary.

    ``novel_words``: the share of words (of four letters or more) replaced by new compounds."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    pool = load_pool(sample_dir)
    novelty = Novelty(pool, novel_words, seed) if novel_words else None
    if words < 5 * min_words:  # tiny corpora still get one transcript of each format
        max_words = max(200, words // 5)
        min_words = max(100, max_words // 2)
    total = 0
    files = 0
    formats: dict[str, int] = {}
    cycle: list[str] = []
    with open(out / "participants.csv", "w", encoding="utf-8", newline="") as handle:
        manifest = csv.writer(handle, lineterminator="\n")
        manifest.writerow(MANIFEST_HEADER)
        while total < words:
            if not cycle:
                cycle = FORMAT_CYCLE[:]
                if files == 0:  # the first five files have five formats, so tiny corpora have them all
                    firsts = sorted(set(FORMAT_CYCLE))
                    rng.shuffle(firsts)
                    for f in firsts:
                        cycle.remove(f)
                    rng.shuffle(cycle)
                    cycle = firsts + cycle
                else:
                    rng.shuffle(cycle)
            fmt = cycle.pop(0)
            plan = plan_transcript(rng, files + 1, fmt)
            size = rng.randint(min_words, max_words)
            if plan.interview_type == "fokusgruppe":
                size = int(size * 1.25)
            size = min(size, words - total)
            written = write_transcript(out / plan.name, plan, pool, rng, max(size, 50), novelty)
            for row in manifest_rows(plan):
                manifest.writerow(row)
            total += written
            files += 1
            formats[fmt] = formats.get(fmt, 0) + 1
            if progress:
                progress(files, total)
    return {"words": total, "files": files, "formats": formats, "seed": seed, "novel_words": novel_words,
            "out": str(out)}


def big_transcript(path: Path, characters: int, seed: int, fmt: str = "txt", novel_words: float = 0.0) -> dict:
    """One transcript of about ``characters`` characters (a focus group that runs for days)."""
    rng = random.Random(seed)
    pool = load_pool()
    novelty = Novelty(pool, novel_words, seed) if novel_words else None
    path.parent.mkdir(parents=True, exist_ok=True)
    plan = plan_transcript(rng, 1, fmt)
    while plan.interview_type != "fokusgruppe":
        plan = plan_transcript(rng, 1, fmt)
    plan.name = path.name
    words = int(characters / 5.3)  # these transcripts: about 5.5 characters per word, spaces included
    written = write_transcript(path, plan, pool, rng, words, novelty)
    manifest = path.parent / "participants.csv"
    with open(manifest, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(MANIFEST_HEADER)
        for row in manifest_rows(plan):
            writer.writerow(row)
    return {"words": written, "path": str(path), "manifest": str(manifest)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", help="folder to write the corpus into (created if missing)")
    parser.add_argument("--words", type=int, required=True, help="about how many words in all")
    parser.add_argument("--seed", type=int, default=1, help="random seed (same seed, same bytes)")
    parser.add_argument("--min-words", type=int, default=3000, help="shortest transcript (words)")
    parser.add_argument("--max-words", type=int, default=12000, help="longest interview (words)")
    parser.add_argument("--novel-words", type=float, default=0.0, metavar="SHARE",
                        help="share of words (4+ letters) replaced by new compounds, e.g. 0.02, so the "
                             "vocabulary grows as in real text (default 0: the samples' words only)")
    args = parser.parse_args(argv)
    if args.words <= 0:
        parser.error("--words must be positive")
    if not 0 <= args.novel_words <= 1:
        parser.error("--novel-words must be a share from 0 to 1")
    summary = make_corpus(args.words, args.seed, args.out, min_words=args.min_words, max_words=args.max_words,
                          novel_words=args.novel_words)
    print(json.dumps(summary, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
