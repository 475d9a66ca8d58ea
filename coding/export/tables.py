"""Tables (lists of records) as text table, CSV, JSON, Markdown or Excel.

One function serves every listing command so that ``--format`` means the same everywhere."""

from __future__ import annotations

import csv
import io
import json
import re
from itertools import islice
from json.encoder import encode_basestring  # the C encoder json.dumps uses
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

TABLE_FORMATS = ("table", "csv", "json", "md", "xlsx")


def _columns(rows: Sequence[dict], columns: Sequence[str] | None) -> list[str]:
    if columns:
        return list(columns)
    seen: dict[str, None] = {}
    for row in rows:
        for key in row:
            seen.setdefault(key, None)
    return list(seen)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.3f}".rstrip("0").rstrip(".") if value == value else ""
    if isinstance(value, (list, tuple)):
        return "; ".join(_text(v) for v in value)
    return str(value)


def render_table(rows: Sequence[dict], columns: Sequence[str] | None = None, *, width: int = 60) -> str:
    cols = _columns(rows, columns)
    if not cols:
        return "(nothing)"
    # column by column: one pass of plain loops per column rather than a call per cell
    cells = [_table_column([r.get(c) for r in rows], width) for c in cols]
    widths = [max(len(c), max(map(len, column), default=0)) for c, column in zip(cols, cells)]
    padded = [[v.ljust(w) for v in column] for column, w in zip(cells, widths)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(cols, widths)).rstrip(),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(row).rstrip() for row in zip(*padded)]
    return "\n".join(lines)


def _table_column(values: list, width: int) -> list[str]:
    """The cells of one column: :func:`_text` on one line, cut to ``width`` with an ellipsis."""
    out = []
    for value in values:
        text = value if value.__class__ is str else _text(value)
        if "\n" in text:
            text = text.replace("\n", " ")
        if len(text) > width:
            text = text[: width - 1] + "…"
        out.append(text)
    return out


CSV_ENCODING = "utf-8-sig"   # a CSV file starts with a BOM: Excel then reads it as UTF-8 (æ, ø, å)


def _excel_text(value: Any) -> str:
    """A value as Danish Excel reads it: decimal comma in numbers."""
    if isinstance(value, float) and not isinstance(value, bool):
        return _text(value).replace(".", ",")
    return _text(value)


def render_csv(rows: Sequence[dict], columns: Sequence[str] | None = None, *, excel: bool = False) -> str:
    """CSV text; ``excel``: semicolons between fields and decimal commas, as Excel with Danish (or
    most European) regional settings expects."""
    cols = _columns(rows, columns)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n", delimiter=";" if excel else ",")
    writer.writerow(cols)
    cell = _excel_text if excel else _text
    for row in rows:
        writer.writerow([cell(row.get(c)) for c in cols])
    return buffer.getvalue()


def iter_csv(rows: Iterable[dict], columns: Sequence[str], *, excel: bool = False,
             batch: int = 500) -> Iterator[str]:
    """The text of :func:`render_csv` in pieces, the rows read as they come (header first)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n", delimiter=";" if excel else ",")
    cols = list(columns)
    writer.writerow(cols)
    cell = _excel_text if excel else _text
    for n, row in enumerate(rows, start=1):
        writer.writerow([cell(row.get(c)) for c in cols])
        if n % batch == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def iter_json(rows: Iterable[dict], columns: Sequence[str], *, batch: int = 500) -> Iterator[str]:
    """The text of ``render(rows, "json", columns)`` in pieces, the rows read as they come."""
    cols = list(columns)
    pieces: list[str] = []
    first = True
    for row in rows:
        item = json.dumps({c: row.get(c) for c in cols}, ensure_ascii=False, indent=2, default=str)
        pieces.append(("[\n" if first else ",\n") + "  " + item.replace("\n", "\n  "))
        first = False
        if len(pieces) >= batch:
            yield "".join(pieces)
            pieces = []
    pieces.append("[]\n" if first else "\n]\n")
    yield "".join(pieces)


def iter_csv_values(rows: Iterable[Sequence], columns: Sequence[str], *, excel: bool = False,
                    batch: int = 500) -> Iterator[str]:
    """:func:`iter_csv` for rows of plain values (str, int or None) in column order: the same text.
    (Batches of a few hundred rows are quicker than bigger ones, whose columns stay less in the cache.)"""
    return iter_csv_columns(_as_columns(rows, batch), columns, excel=excel)


def iter_csv_columns(batches: Iterable[Sequence[Sequence]], columns: Sequence[str], *,
                     excel: bool = False) -> Iterator[str]:
    """:func:`iter_csv` for rows that come as batches of columns (each a sequence of str, int or None):
    the same text, made a column at a time (csv's writer looks at every character of every field)."""
    header, encode = _csv_batches(columns, excel)
    yield header
    for part in batches:
        text = encode(part)
        if text:
            yield text


def _csv_batches(columns: Sequence[str], excel: bool):
    """The header line of a CSV list, and a function that makes a batch of columns its lines ("" for none)."""
    delimiter = ";" if excel else ","
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n", delimiter=delimiter).writerow(list(columns))
    special = re.compile("[" + re.escape(delimiter) + '"\r\n]')

    def encode(part: Sequence[Sequence]) -> str:
        cells = [_csv_column(column, special, delimiter) for column in part]
        return "\n".join(map(delimiter.join, zip(*cells))) + "\n" if cells and len(cells[0]) else ""
    return buffer.getvalue(), encode


def _as_columns(rows: Iterable[Sequence], batch: int) -> Iterator[list[tuple]]:
    rows = iter(rows)
    while part := list(islice(rows, batch)):
        yield list(zip(*part))


def _plain_strings(values: Sequence) -> Sequence[str]:
    kinds = set(map(type, values))
    if kinds <= {str}:
        return values
    if kinds == {int}:
        return list(map(str, values))
    if kinds <= {str, type(None)}:  # text with gaps (attributes, memos): no call for each value
        return [v or "" for v in values]
    return ["" if v is None else str(v) for v in values]


def _csv_column(values: Sequence, special: re.Pattern, delimiter: str) -> Sequence[str]:
    """One column of a batch as csv writes its fields (minimal quoting)."""
    values = _plain_strings(values)
    joined = "\x00".join(values)  # (one look for each character is quicker than the pattern on it all)
    if not ('"' in joined or "\n" in joined or delimiter in joined or "\r" in joined):
        return values  # nothing to quote: the usual case for names, codes and numbers
    if "\r" not in joined:  # quoted here, without a call for each field
        return ['"' + v.replace('"', '""') + '"' if special.search(v) else v for v in values]
    return [_csv_field(v, delimiter) if special.search(v) else v for v in values]


def _csv_field(value: str, delimiter: str) -> str:
    """A field that needs quoting, as csv's writer quotes it (a lone carriage return is left to the
    writer, whose handling of it differs between Python versions)."""
    if "\r" not in value:
        return '"' + value.replace('"', '""') + '"'
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n", delimiter=delimiter).writerow([value, ""])
    return buffer.getvalue()[:-(len(delimiter) + 1)]


def iter_json_values(rows: Iterable[Sequence], columns: Sequence[str], *, batch: int = 500) -> Iterator[str]:
    """:func:`iter_json` for rows of plain values (str, int or None) in column order; the same text."""
    return iter_json_columns(_as_columns(rows, batch), columns)


_JSON_ESCAPED = re.compile(r'[\x00-\x1f\\"]')  # what json escapes in a string when ensure_ascii is off


def iter_json_columns(batches: Iterable[Sequence[Sequence]], columns: Sequence[str]) -> Iterator[str]:
    """:func:`iter_json` for rows that come as batches of columns (str, int or None); the same text."""
    encode = _json_batches(columns)
    first = True
    for part in batches:
        text = encode(part)
        if text:
            yield ("[\n" if first else ",\n") + text
            first = False
    yield "[]\n" if first else "\n]\n"


def _json_batches(columns: Sequence[str]):
    """A function that makes a batch of columns its objects of a JSON list, "," between them ("" for
    none): the list is "[\\n", the batches' texts joined by ",\\n", and "\\n]\\n"."""
    keys = ["    " + encode_basestring(c) + ": " for c in columns]

    def encoded(key: str, values: Sequence) -> list[str]:
        kinds = set(map(type, values))
        if kinds <= {str}:
            if not _JSON_ESCAPED.search("".join(values)):  # nothing to escape: the usual column
                return [f'{key}"{v}"' for v in values]
            return [key + encode_basestring(v) for v in values]
        if kinds == {int}:
            return [f"{key}{v}" for v in values]
        return [key + ("null" if v is None else encode_basestring(v) if type(v) is str else json.dumps(v))
                for v in values]

    def encode(part: Sequence[Sequence]) -> str:
        cells = [encoded(key, column) for key, column in zip(keys, part)]
        if not cells or not len(cells[0]):
            return ""
        return "  {\n" + "\n  },\n  {\n".join(map(",\n".join, zip(*cells))) + "\n  }"
    return encode


def iter_keyed_columns(parts: Iterable[tuple[int, Sequence[Sequence]]], columns: Sequence[str], fmt: str, *,
                       excel: bool = False) -> Iterator[bytes]:
    """The text of :func:`iter_csv_columns` or :func:`iter_json_columns` (``fmt``), encoded as UTF-8,
    for batches of columns that come with a key each, written in the order of the keys (the batches
    of one key in the order they come). Each batch is made its text as it comes and put in a
    temporary file, so memory holds one batch and where each one is; then the texts are read back
    in key order, as they were written (no second encoding). For a list whose order is not the
    order in which it can be made (the segments': code first, then source)."""
    import tempfile

    if fmt == "csv":
        header, encode = _csv_batches(columns, excel)
    else:
        header, encode = "", _json_batches(columns)
    with tempfile.TemporaryFile(prefix="coding-list-") as spill:
        where: list[tuple[int, int, int, int]] = []  # key, arrival, offset, length
        offset = 0
        for key, part in parts:
            text = encode(part)
            if text:
                data = text.encode("utf-8")
                spill.write(data)
                where.append((key, len(where), offset, len(data)))
                offset += len(data)
        where.sort()
        yield header.encode("utf-8")
        for i, (_, _, offset, length) in enumerate(where):
            spill.seek(offset)
            data = spill.read(length)
            yield data if fmt == "csv" else (b"[\n" if i == 0 else b",\n") + data
        if fmt != "csv":
            yield b"\n]\n" if where else b"[]\n"


def write_csv(path: str | Path, rows: Sequence[dict], columns: Sequence[str] | None = None, *,
              excel: bool = False) -> None:
    """A CSV file: UTF-8 with a BOM (see ``render_csv`` for ``excel``)."""
    Path(path).write_text(render_csv(rows, columns, excel=excel), encoding=CSV_ENCODING)


def render_md(rows: Sequence[dict], columns: Sequence[str] | None = None) -> str:
    cols = _columns(rows, columns)

    def cell(v: Any) -> str:
        return _text(v).replace("|", "\\|").replace("\n", " ")
    lines = ["| " + " | ".join(cell(c) for c in cols) + " |", "|" + "|".join("---" for _ in cols) + "|"]
    lines += ["| " + " | ".join(cell(r.get(c)) for c in cols) + " |" for r in rows]
    return "\n".join(lines) + "\n"


def render_json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n"


def fill_sheet(ws, rows: Sequence[dict], columns: Sequence[str] | None = None) -> None:
    """Write a table into a worksheet: bold frozen header, numbers as numbers, readable widths."""
    import openpyxl
    from openpyxl.styles import Font

    cols = _columns(rows, columns)
    ws.append(cols)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append([row.get(c) if isinstance(row.get(c), (int, float)) and not isinstance(row.get(c), bool)
                   else _text(row.get(c)) for c in cols])
    ws.freeze_panes = "A2"
    for i, col in enumerate(cols, start=1):
        longest = max([len(col)] + [min(60, len(_text(r.get(col)))) for r in rows[:500]])
        ws.column_dimensions[openpyxl.utils.get_column_letter(i)].width = max(8, longest + 2)


def write_xlsx(rows: Sequence[dict], path: str | Path, columns: Sequence[str] | None = None,
               sheet: str = "data") -> None:
    import openpyxl

    book = openpyxl.Workbook()
    ws = book.active
    ws.title = sheet[:31]
    fill_sheet(ws, rows, columns)
    book.save(path)


def render(rows: Sequence[dict], fmt: str, columns: Sequence[str] | None = None, *, excel: bool = False) -> str:
    """Text of a table in one of the text formats."""
    if fmt == "table":
        return render_table(rows, columns) + "\n"
    if fmt == "csv":
        return render_csv(rows, columns, excel=excel)
    if fmt == "md":
        return render_md(rows, columns)
    if fmt == "json":
        cols = _columns(rows, columns)
        return render_json([{c: r.get(c) for c in cols} for r in rows])
    raise ValueError(f"unknown text format {fmt}")
