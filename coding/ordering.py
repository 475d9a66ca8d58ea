"""Natural order of names: "Interview 2" before "Interview 10".

Pseudonyms ("Interview 1".."Interview 12", "Case 10", "Sagsbehandler 11") and file names with
numbers ("borger_2.docx", "borger_10.docx") are listed in the order a reader counts them: runs
of digits compare as numbers, the rest without regard to letter case.

>>> sorted(["Case 10", "Case 2", "case 1"], key=natural_key)
['case 1', 'Case 2', 'Case 10']
"""

from __future__ import annotations

import re
from typing import Iterable

_DIGITS = re.compile(r"([0-9]+)")


def natural_key(text) -> tuple:
    """A sort key: the text's letters casefolded and its digit runs as numbers, then the text itself
    (so that equal keys, "Case 2" and "case 2" or "Case 02", still have one order)."""
    text = "" if text is None else str(text)
    parts = _DIGITS.split(text.casefold())
    # split() alternates text, digits, text ...: positions line up between two keys
    return tuple(int(p) if i % 2 else p for i, p in enumerate(parts)), text


def natural_sorted(values, key=None) -> list:
    """``sorted(values)`` in natural order; ``key`` picks the name of each value."""
    if key is None:
        return sorted(values, key=natural_key)
    return sorted(values, key=lambda v: natural_key(key(v)))


def natural_ranks(names: dict[int, str]):
    """Per id (a numpy array indexed by id): its place when the ``names`` are in natural order; ids
    without a name get 0. What lists ordered by source name sort their rows by."""
    import numpy as np  # here: the module is read by commands that need no numpy

    by_name = sorted(names, key=lambda i: natural_key(names[i]))
    rank = np.zeros(max(by_name, default=0) + 1, dtype=np.int64)
    rank[by_name] = np.arange(len(by_name))
    return rank


def in_parts(sized: Iterable[tuple[int, int]], budget: int, most: int) -> list[list[int]]:
    """Ids with their sizes, in a list's order, cut into consecutive parts of at most ``budget`` in
    all (a part with one id may hold more) and at most ``most`` ids: the sources a long list is
    made from together, a part at a time, in the list's order."""
    parts: list[list[int]] = []
    size = 0
    for item, item_size in sized:
        if not parts or size + item_size > budget or len(parts[-1]) >= most:
            parts.append([])
            size = 0
        parts[-1].append(item)
        size += item_size
    return parts
