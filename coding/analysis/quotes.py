"""Quotes for a theme, grouped by role or municipality and attributed, ready for a report.

Each segment of the code (its sub-codes included) is cut at the edges of the respondent turns it
spans; each piece is widened to whole sentences inside its turn, overlapping pieces of one turn are
joined (two coders, a code and its sub-code), so are neighbouring ones while the passage stays within
``max_chars``, and the quotes are ranked: complete sentences of a
readable length (``min_chars`` to ``max_chars``) first, fragments and very long passages last, and
each person's best quote before anyone's second, so that a short list has as many voices as possible.
A widened passage longer than ``2 * max_chars`` is not used; the coded words are quoted as they are.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError
from ..store import Store
from .segments import NONE_VALUE, Context, build, present

SENTENCE_BREAK = re.compile(r"[.!?…]+[\"'»”’)]*\s+|\n\s*")
SENTENCE_END = re.compile(r"[.!?…]+[\"'»”’)]*(?=\s|$)")
ATTRIBUTION = ("role", "municipality", "kommune")
QUOTE_FORMATS = ("text", "md", "docx")
HEADINGS = {"da": ("Citater", "citat", "citater", "tur", "(ingen citater)"),
            "en": ("Quotes", "quote", "quotes", "turn", "(no quotes)")}


def expand(text: str, lo: int, hi: int, start: int, end: int) -> tuple[int, int]:
    """Widen ``[start, end)`` to sentence boundaries inside ``[lo, hi)``."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    new_start = lo
    for m in SENTENCE_BREAK.finditer(text, lo, start + 1):
        if m.end() <= start:
            new_start = m.end()
    new_end = hi
    if end > start and text[end - 1] in ".!?…":
        new_end = end
    else:
        m = SENTENCE_END.search(text, end, hi)
        if m is not None:
            new_end = m.end()
    while new_end > new_start and text[new_end - 1].isspace():
        new_end -= 1
    while new_start < new_end and text[new_start].isspace():
        new_start += 1
    return new_start, new_end


def score(text: str, min_chars: int, max_chars: int) -> tuple[float, bool]:
    """Readability of a quote: 1 inside the length window (less outside it), +0.5 if it is whole
    sentences (starts with a capital letter or digit and ends with . ! ? or …)."""
    n = len(text)
    window = 1.0 if min_chars <= n <= max_chars else (n / min_chars if n < min_chars else max_chars / n)
    stripped = text.lstrip("\"'«“‘(–- ")
    complete = bool(stripped) and (stripped[0].isupper() or stripped[0].isdigit()) \
        and text.rstrip("\"'»”’) ")[-1:] in (".", "!", "?", "…")
    return round(window + (0.5 if complete else 0.0), 3), complete


def quotes(store: Store, *, code: str, by: str = "role", limit: int | None = None, coder: str | None = None,
           origin: str | None = None, source: str | None = None, where: dict[str, str] | None = None,
           include_interviewer: bool = False, min_chars: int = 60, max_chars: int = 400,
           language: str | None = None) -> pd.DataFrame:
    """See :meth:`coding.Project.quotes`."""
    ctx = Context.load(store)
    ctx.check_dimension(by, "--by", allow_code=False)
    node = ctx.tree.get(code)
    segs = build(ctx, code=code, coder=coder, origin=origin, source=source, where=where,
                 include_interviewer=include_interviewer, mode="level", level=node["depth"])
    pairs = segs.pairs
    group_value, group_labels = ctx.value_codes(by, segs)
    known = set(ctx.attribute_names())
    place = next((a for a in ATTRIBUTION[1:] if a in known), None)
    attribution_names = [a for a in ("role", place) if a in known]
    attribution_values = {a: ctx.value_codes(a, segs) for a in attribution_names}
    turns = ctx.turns
    speakers, timestamps = ctx.turn_labels()
    texts = ctx.texts(present(pairs["sid"]).tolist())
    piece_start, piece_end = segs.spans()
    # widen every piece, then join overlapping pieces of the same turn
    pieces: dict[tuple, list] = {}
    for i in range(len(pairs["seg"])):
        sid, turn = int(pairs["sid"][i]), int(pairs["turn"][i])
        text = texts[sid]
        if turn >= 0:
            lo, hi = int(turns["start"][turn]), int(turns["end"][turn])
        else:
            lo, hi = _paragraph(text, int(piece_start[i]), int(piece_end[i]))
        s, e = int(piece_start[i]), int(piece_end[i])
        ws, we = expand(text, lo, hi, s, e)
        if we - ws > 2 * max_chars:
            ws, we = expand(text, s, e, s, e)  # the coded words alone
        pieces.setdefault((sid, turn, int(pairs["pid"][i]), int(group_value[i])), []).append(
            (ws, we, i))
    rows = []
    for (sid, turn, pid, gv), spans in pieces.items():
        spans.sort()
        merged: list[list] = []
        text = texts[sid]
        for ws, we, i in spans:
            if merged and (ws < merged[-1][1] or (  # overlapping, or next to each other and still readable
                    not text[merged[-1][1]:ws].strip() and max(we, merged[-1][1]) - merged[-1][0] <= max_chars)):
                merged[-1][1] = max(merged[-1][1], we)
            else:
                merged.append([ws, we, i])
        for ws, we, i in merged:
            text = " ".join(texts[sid][ws:we].split())
            if not text:
                continue
            value, complete = score(text, min_chars, max_chars)
            attribution = ", ".join(labels[v[i]] for v, labels in attribution_values.values()
                                    if labels[v[i]] != NONE_VALUE)
            rows.append({
                "group": group_labels[gv], "text": text, "attribution": attribution,
                "source": ctx.sources[sid]["name"],
                "turn": int(turns["idx"][turn]) if turn >= 0 else None,
                "timestamp": timestamps[turn] if turn >= 0 else None,
                "speaker": speakers[turn] if turn >= 0 else None,
                "participant": ctx.participants.get(pid, "") if pid >= 0 else "",
                "start": ws, "end": we, "score": value, "complete": complete,
            })
    frame = pd.DataFrame(rows, columns=["group", "text", "attribution", "source", "turn", "timestamp", "speaker",
                                        "participant", "start", "end", "score", "complete"])
    if len(frame):
        frame["_none"] = frame["group"] == NONE_VALUE
        frame = frame.sort_values(["_none", "group", "score", "source", "start"],
                                  ascending=[True, True, False, True, True], kind="stable")
        # each person's best quote before anyone's second: as many voices as possible
        frame["_nth"] = frame.groupby(["group", "participant"], sort=False).cumcount()
        frame = frame.sort_values(["_none", "group", "_nth"], kind="stable")
        frame = frame.drop(columns=["_none", "_nth"])
        if limit is not None:
            frame = frame.groupby("group", sort=False).head(limit)
        frame = frame.reset_index(drop=True)
    lang = ctx.language(language)
    frame.attrs.update({"code": node["path"], "label": ctx.tree.label(node["id"], lang), "by": by,
                        "language": lang})
    return frame


def _paragraph(text: str, start: int, end: int) -> tuple[int, int]:
    lo = text.rfind("\n\n", 0, start)
    hi = text.find("\n\n", end)
    return (0 if lo < 0 else lo + 2), (len(text) if hi < 0 else hi)


def _where(row, words: tuple = HEADINGS["en"]) -> str:
    parts = [row["source"]]
    if row["turn"] is not None and row["turn"] == row["turn"]:
        parts.append(f"{words[3]} {int(row['turn'])}")
    if isinstance(row["timestamp"], str) and row["timestamp"]:
        parts.append(row["timestamp"])
    return ", ".join(parts)


def _groups(frame: pd.DataFrame):
    for group, part in frame.groupby("group", sort=False):
        yield group, [row for _, row in part.iterrows()]


def _heading(frame: pd.DataFrame) -> tuple[str, tuple]:
    words = HEADINGS.get(frame.attrs.get("language", "en"), HEADINGS["en"])
    return f"{words[0]}: {frame.attrs.get('label', '')} ({frame.attrs.get('code', '')})", words


def render_quotes(frame: pd.DataFrame, fmt: str) -> str:
    """The quotes as plain text or Markdown, one section per group."""
    title, words = _heading(frame)
    lines: list[str] = []
    if fmt == "md":
        lines += [f"# {title}", ""]
        for group, rows in _groups(frame):
            lines += [f"## {group} ({len(rows)})", ""]
            for row in rows:
                lines += [f"> {row['text']}", ">", f"> — {row['attribution'] or '?'} ({_where(row, words)})", ""]
    else:
        lines += [title, "=" * len(title), ""]
        for group, rows in _groups(frame):
            lines += [f"{group} ({len(rows)} {words[1] if len(rows) == 1 else words[2]})", ""]
            for row in rows:
                lines += [f"  “{row['text']}”", f"      — {row['attribution'] or '?'} ({_where(row, words)})", ""]
    if frame.empty:
        lines.append(words[4])
    return "\n".join(lines).rstrip("\n") + "\n"


def write_quotes_docx(frame: pd.DataFrame, path: str | Path) -> Path:
    """The quotes as a Word document: a heading per group, each quote in the Quote style."""
    import docx
    from docx.shared import Pt

    path = Path(path)
    if path.suffix.lower() != ".docx":
        raise InputError(path, "quotes in Word format are written to a .docx file")
    title, words = _heading(frame)
    document = docx.Document()
    document.add_heading(title, level=1)
    for group, rows in _groups(frame):
        document.add_heading(str(group), level=2)
        for row in rows:
            document.add_paragraph(f"“{row['text']}”", style="Quote")
            attribution = document.add_paragraph()
            run = attribution.add_run(f"— {row['attribution'] or '?'} ({_where(row, words)})")
            run.italic = True
            run.font.size = Pt(9)
    if frame.empty:
        document.add_paragraph(words[4])
    document.save(path)
    return path
