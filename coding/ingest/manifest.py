"""The interview list evaluators keep: one row per source and speaker (.csv or .xlsx).

Columns ``source``, ``speaker``, ``participant``; every other column is an attribute. A row with
an empty speaker gives attributes of the whole source. Row numbers are as the user sees them in
Excel or a text editor (the header is row 1). A .csv may use commas, semicolons or tabs and be
UTF-8 or cp1252 (as Danish Excel saves it); a row with fewer or more cells than the header is an
error naming the row (empty cells at the end of a row are not extra).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError
from .text_reader import decode

REQUIRED = ("source", "speaker", "participant")


@dataclass
class ManifestRow:
    row: int
    source: str
    speaker: str
    participant: str
    attributes: dict[str, str] = field(default_factory=dict)


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _table(path: Path) -> list[list[str]]:
    suffix = path.suffix.lower()
    if not path.exists():
        raise InputError(path, "manifest file not found")
    if suffix == ".csv":
        text, _ = decode(path, path.read_bytes())
        sample = text[:4096]
        try:
            dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel
        try:
            return [[_cell(c) for c in row] for row in csv.reader(io.StringIO(text), dialect)]
        except csv.Error as exc:
            raise InputError(path, f"not a readable CSV file ({exc})") from None
    if suffix in (".xlsx", ".xlsm"):
        import openpyxl

        try:
            book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:
            raise InputError(path, f"not a readable Excel file ({exc.__class__.__name__})") from None
        sheet = book.worksheets[0]
        rows = [[_cell(c) for c in row] for row in sheet.iter_rows(values_only=True)]
        book.close()
        return rows
    raise InputError(path, f"a manifest must be .csv or .xlsx, not '{path.suffix}'")


def read_manifest(path: str | Path) -> list[ManifestRow]:
    path = Path(path)
    table = _table(path)
    while table and not any(table[0]):
        table.pop(0)
    if not table:
        raise InputError(path, "the manifest is empty")
    header = [h.strip().lower() for h in table[0]]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise InputError(path, f"missing column(s) {', '.join(missing)}; the header has: "
                               f"{', '.join(h for h in header if h) or '(nothing)'}", "row 1")
    seen = set()
    for name in header:
        if name and name in seen:
            raise InputError(path, f"column '{name}' appears twice", "row 1")
        seen.add(name)
    rows = []
    width = len(header)
    while width and not header[width - 1]:
        width -= 1
    text_file = path.suffix.lower() == ".csv"
    for number, values in enumerate(table[1:], start=2):
        if not any(values):
            continue
        filled = len(values)
        while filled and not values[filled - 1]:
            filled -= 1
        if filled > width:
            raise InputError(path, f"the row has {filled} cells but the header only {width}: a cell too many "
                                   f"('{values[filled - 1]}'), or a delimiter inside a cell without quotes?",
                             f"row {number}")
        if text_file and len(values) < width:
            raise InputError(path, f"the row has {len(values)} cells but the header {width}: a cell is missing "
                                   f"(the header: {', '.join(header[:width])})", f"row {number}")
        values = values + [""] * (len(header) - len(values))
        record = {h: v for h, v in zip(header, values) if h}
        if not record["source"]:
            raise InputError(path, "the 'source' cell is empty", f"row {number}")
        if record["speaker"] and not record["participant"]:
            raise InputError(path, f"speaker '{record['speaker']}' has no participant id", f"row {number}")
        attributes = {k: v for k, v in record.items() if k not in REQUIRED and v}
        rows.append(ManifestRow(number, record["source"], record["speaker"], record["participant"], attributes))
    return rows
