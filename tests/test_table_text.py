"""The text table every listing command prints (``--format table``), made column by column: the
same text as cell by cell (the former way, written out here as the reference)."""

from __future__ import annotations

import random

from coding.export.tables import _columns, _text, render_table


def cell_by_cell(rows, columns=None, *, width=60) -> str:
    cols = _columns(rows, columns)
    if not cols:
        return "(nothing)"
    cells = [[_text(r.get(c)).replace("\n", " ") for c in cols] for r in rows]
    cells = [[v if len(v) <= width else v[: width - 1] + "…" for v in row] for row in cells]
    widths = [max([len(c)] + [len(row[i]) for row in cells]) for i, c in enumerate(cols)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(cols, widths)).rstrip(),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths)).rstrip() for row in cells]
    return "\n".join(lines)


class Name(str):
    """A str subclass, as some libraries hand them out."""


VALUES = [None, True, False, 0, 7, -3, 2.5, 1 / 3, float("nan"), 100.0, "", "Åbæk", "to\nlinjer", "  ",
          "x" * 59, "y" * 60, "z" * 61, "ø" * 120, ["anna", "bo"], ("a", 1.25), [], Name("Mette"),
          "trailing   ", "tab\there"]


def test_column_by_column_is_the_same_text_as_cell_by_cell():
    rng = random.Random(12)
    for _ in range(200):
        names = rng.sample(["source", "turn", "code", "text", "coded_by", "a", "lang kolonne"], rng.randint(1, 5))
        rows = [{name: rng.choice(VALUES) for name in names if rng.random() < 0.9} for _ in range(rng.randint(0, 12))]
        columns = rng.choice([None, names, names[:1] + ["absent"]])
        width = rng.choice([60, 10, 1])
        assert render_table(rows, columns, width=width) == cell_by_cell(rows, columns, width=width)
    assert render_table([]) == "(nothing)"
    assert render_table([], ["code"]) == "code\n----"
