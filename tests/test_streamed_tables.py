"""Tables written as they are made (``coding segments --format csv|json``): the text is the same as
the whole table rendered at once, whatever the values hold."""

from __future__ import annotations

import json
import random

import pytest

from coding.export.tables import (iter_csv_columns, iter_csv_values, iter_json_columns, iter_json_values,
                                  iter_keyed_columns, render_csv, render_json)

COLUMNS = ["source", "start", "text", "speaker", "note"]


def _rows(seed: int, n: int) -> list[tuple]:
    rng = random.Random(seed)
    pieces = ["Vi", "ringer", ",", ";", '"', "\n", "\r", "\r\n", " ", "æøå", "’", "\t", "", "x" * 30, "\\"]
    rows = []
    for i in range(n):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))
        rows.append((f"interview {i % 7}.txt", rng.randint(0, 10**6), text,
                     rng.choice(["Mette", "Bo, leder", 'Eva "E"', ""]), rng.choice([None, "", "ok"])))
    return rows


@pytest.mark.parametrize("excel", [False, True])
@pytest.mark.parametrize("batch", [1, 7, 5000])
def test_csv_from_values_is_the_csv_writers_text(excel, batch):
    rows = _rows(batch, 400)
    expected = render_csv([dict(zip(COLUMNS, row)) for row in rows], COLUMNS, excel=excel)
    assert "".join(iter_csv_values(rows, COLUMNS, excel=excel, batch=batch)) == expected
    columns = [list(zip(*rows[i:i + batch])) for i in range(0, len(rows), batch)]
    assert "".join(iter_csv_columns(columns, COLUMNS, excel=excel)) == expected


@pytest.mark.parametrize("batch", [1, 3, 5000])
def test_json_from_values_is_json_dumps_text(batch):
    rows = _rows(batch + 1, 300)
    expected = render_json([dict(zip(COLUMNS, row)) for row in rows])
    assert "".join(iter_json_values(rows, COLUMNS, batch=batch)) == expected
    assert json.loads(expected)[0]["source"] == "interview 0.txt"


def test_empty_tables():
    assert "".join(iter_csv_values([], COLUMNS)) == render_csv([], COLUMNS)
    assert "".join(iter_json_values([], COLUMNS)) == "[]\n"
    assert "".join(iter_json_columns([[[] for _ in COLUMNS]], COLUMNS)) == "[]\n"


def test_json_writer_knows_which_characters_json_escapes():
    """A column with none of these characters is written without asking json about each value."""
    from json.encoder import encode_basestring

    from coding.export.tables import _JSON_ESCAPED

    for point in [*range(0x3000), 0x2028, 0x2029, 0xFEFF, 0x1F600, 0x10FFFF]:
        char = chr(point)
        assert (encode_basestring(char) != f'"{char}"') == bool(_JSON_ESCAPED.search(char)), hex(point)


@pytest.mark.parametrize("fmt,excel", [("csv", False), ("csv", True), ("json", False)])  # --excel is for csv
def test_keyed_batches_are_written_in_the_order_of_their_keys(fmt, excel):
    """Batches that come out of order (a key each) are written as if they had come sorted by key,
    those of one key in the order they came; empty batches and no batches at all too."""
    rows = _rows(11, 500)
    rng = random.Random(3)
    parts, at = [], 0
    while at < len(rows):
        size = rng.choice([0, 1, 5, 40])
        parts.append((rng.randint(0, 6), [list(c) for c in zip(*rows[at:at + size])] or [[] for _ in COLUMNS]))
        at += size
    in_order = [batch for _, batch in sorted(parts, key=lambda p: p[0])]  # stable: arrival within a key
    assert [k for k, _ in parts] != sorted(k for k, _ in parts)
    expected = "".join(iter_csv_columns(in_order, COLUMNS, excel=excel) if fmt == "csv"
                       else iter_json_columns(in_order, COLUMNS))
    assert b"".join(iter_keyed_columns(parts, COLUMNS, fmt, excel=excel)).decode("utf-8") == expected
    flat = [row for batch in in_order for row in zip(*batch)]
    assert expected == (render_csv([dict(zip(COLUMNS, r)) for r in flat], COLUMNS, excel=excel) if fmt == "csv"
                        else render_json([dict(zip(COLUMNS, r)) for r in flat]))
    empty = b"".join(iter_keyed_columns([], COLUMNS, fmt, excel=excel)).decode("utf-8")
    assert empty == ("".join(iter_csv_values([], COLUMNS, excel=excel)) if fmt == "csv" else "[]\n")
