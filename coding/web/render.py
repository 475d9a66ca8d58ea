"""Helpers that shape library results for the pages and the API (no SQL, no files)."""

from __future__ import annotations

import math
import re
from typing import Any

PALETTE = ["#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#42d4f4", "#f032e6", "#9a6324",
           "#469990", "#808000", "#000075", "#bfef45"]
HEX = re.compile(r"^#[0-9a-fA-F]{6}$")


def code_list(tree, language: str = "da") -> list[dict]:
    """The codebook depth-first: id, code, path, label, colour (a safe #rrggbb), depth, codable."""
    out: list[dict] = []
    counter = [0]

    def walk(parent, depth, inherited):
        for node in tree.children(parent):
            colour = node["color"] if isinstance(node["color"], str) and HEX.match(node["color"] or "") else None
            if colour is None:
                colour = inherited or PALETTE[counter[0] % len(PALETTE)]
                counter[0] += 1
            labels = node["labels"] or {}
            out.append({"id": node["id"], "code": node["code"], "path": node["path"],
                        "label": labels.get(language) or next(iter(labels.values()), node["code"]),
                        "labels": labels, "color": colour, "depth": depth, "codable": node["codable"],
                        "definition": node["definition"]})
            walk(node["id"], depth + 1, colour)

    walk(None, 0, None)
    return out


def frame_records(frame) -> list[dict]:
    """A DataFrame as JSON-safe records (NaN as null)."""
    out = []
    for record in frame.to_dict(orient="records"):
        out.append({k: (None if isinstance(v, float) and math.isnan(v) else
                        v.item() if hasattr(v, "item") else v) for k, v in record.items()})
    return out


def where_of(query, *names: str) -> dict[str, Any]:
    """The named query parameters that are given and not empty."""
    return {n: query[n] for n in names if query.get(n)}


def pieces(block: dict, codings: list[dict]) -> list[dict]:
    """A block's text cut where codings begin and end: each piece with the ids of the codings on it."""
    start, end = block["start"], block["end"]
    cuts = {start, end}
    inside = [c for c in codings if c["start"] < end and c["end"] > start]
    for c in inside:
        cuts.add(min(max(c["start"], start), end))
        cuts.add(min(max(c["end"], start), end))
    edges = sorted(cuts)
    out = []
    for a, b in zip(edges, edges[1:]):
        on = [c for c in inside if c["start"] < b and c["end"] > a]
        out.append({"start": a, "text": block["text"][a - start:b - start], "codings": on})
    return out


def mark_style(on: list[dict], colours: dict[str, str]) -> str:
    """Background from the first code's colour, one underline per further code: overlapping
    codings stay readable. Colours are checked #rrggbb values, so the style cannot be escaped from."""
    codes = list(dict.fromkeys(c["code"] for c in on))
    first = colours.get(codes[0], "#888888")
    shadows = [f"inset 0 -{3 * (k + 1)}px 0 {colours.get(code, '#888888')}" for k, code in enumerate(codes[:4])]
    return f"background-color:{first}33;box-shadow:{','.join(shadows)};padding-bottom:{3 * min(len(codes), 4)}px"
