"""A coding sheet (.xlsx): one row per unit (turn or sentence) with source, turn, speaker, role, the
text, an empty ``code`` column offering the codebook's labels as a drop-down list, the coder's name
and an empty memo column. Filled in, it comes back with ``coding codings import`` (start and end
place each row exactly; several codes in one cell are separated by ``;``).
"""

from __future__ import annotations

from pathlib import Path

from ..analysis.sentences import sentence_spans
from ..errors import CodingError, InputError, NotFound
from ..records import INTERVIEWER_ROLE, CodeTree
from ..store import Store

COLUMNS = ("source", "turn", "speaker", "role", "start", "end", "text", "code", "coder", "memo")
WIDTHS = {"source": 24, "turn": 6, "speaker": 16, "role": 16, "start": 8, "end": 8, "text": 80, "code": 30,
          "coder": 12, "memo": 40}
MAX_CELL = 32_000   # Excel holds at most 32,767 characters in a cell


def sheet_rows(store: Store, *, sources: list[str] | None = None, unit: str = "turn",
               include_interviewer: bool = False) -> list[dict]:
    """The units to code, in source and text order."""
    if unit not in ("turn", "sentence"):
        raise CodingError(f"--unit is turn or sentence, not '{unit}'")
    rows = store.source_names()
    if sources:
        known = {r["name"]: r for r in rows}
        missing = [s for s in sources if s not in known]
        if missing:
            raise NotFound(f"no source named {', '.join(repr(m) for m in missing)} in the project")
        rows = [known[s] for s in sources]
    out = []
    for source in rows:
        text = store.source_text(source["id"])
        for turn in store.turns(source["id"]):
            if turn["role"] == INTERVIEWER_ROLE and not include_interviewer:
                continue
            spans = [(turn["start"], turn["end"])] if unit == "turn" else \
                sentence_spans(text, turn["start"], turn["end"])
            for start, end in spans:
                piece = text[start:end]
                if not piece.strip():
                    continue
                out.append({"source": source["name"], "turn": turn["idx"], "speaker": turn["speaker"],
                            "role": turn["role"] or "", "start": start, "end": end, "text": piece})
    return out


def code_choices(store: Store, language: str) -> list[str]:
    """The labels offered in the drop-down: one per codable code, its label in ``language`` where that
    label names no other code (else the code id), so that every choice leads back to its code."""
    tree = CodeTree.load(store)
    key = lambda name: "".join(str(name).split()).casefold()  # noqa: E731 - as the sheet import compares
    owners: dict[str, set[int]] = {}
    for node in tree.by_id.values():
        for name in [node["code"], *node["labels"].values()]:
            if name:
                owners.setdefault(key(name), set()).add(node["id"])
    out = []
    for node in tree.ordered():
        if not node["codable"]:
            continue
        label = node["labels"].get(language) or node["labels"].get("da") or node["labels"].get("en") or ""
        unique = label.strip() and ";" not in label and owners.get(key(label)) == {node["id"]}
        out.append(label.strip() if unique else node["code"])
    return out


def write_sheet(store: Store, path: str | Path, *, sources: list[str] | None = None, unit: str = "turn",
                coder: str = "", language: str = "da", include_interviewer: bool = False,
                shown=None) -> dict[str, int]:
    """Write the coding sheet; returns the number of rows and of codes offered. ``shown`` (rows in,
    rows out) changes what the rows show, as the anonymized sheet does."""
    import openpyxl
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise InputError(path, "a coding sheet is written as .xlsx")
    choices = code_choices(store, language)
    if not choices:
        raise CodingError("the project has no codebook yet; import one with: coding codebook import FILE")
    rows = sheet_rows(store, sources=sources, unit=unit, include_interviewer=include_interviewer)
    if shown is not None:
        rows = shown(rows)
    too_long = [r for r in rows if len(r["text"]) > MAX_CELL]
    if too_long:
        first = too_long[0]
        raise CodingError(f"{first['source']}, turn {first['turn']}: {len(first['text'])} characters, more than "
                          f"an Excel cell holds; use --unit sentence")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "codings"
    sheet.append(list(COLUMNS))
    for row in rows:
        sheet.append([row["source"], row["turn"], row["speaker"], row["role"], row["start"], row["end"],
                      row["text"], None, coder or None, None])
    for index, name in enumerate(COLUMNS, start=1):
        letter = openpyxl.utils.get_column_letter(index)
        sheet.column_dimensions[letter].width = WIDTHS[name]
        sheet.cell(row=1, column=index).font = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    text_col, code_col = COLUMNS.index("text") + 1, COLUMNS.index("code") + 1
    fill = PatternFill("solid", fgColor="FFF2CC")
    for number in range(2, len(rows) + 2):
        sheet.cell(row=number, column=text_col).alignment = wrap
        sheet.cell(row=number, column=code_col).fill = fill
    sheet.freeze_panes = "A2"
    codes = book.create_sheet("codes")
    codes.append(["code"])
    for label in choices:
        codes.append([label])
    codes.column_dimensions["A"].width = 40
    if rows:
        letter = openpyxl.utils.get_column_letter(code_col)
        validation = DataValidation(type="list", formula1=f"codes!$A$2:$A${len(choices) + 1}", allow_blank=True,
                                    showErrorMessage=True, errorStyle="information",
                                    errorTitle="Several codes?",
                                    error="Pick a code from the list; for several codes type them separated by ';'.",
                                    promptTitle="Code", prompt="Pick a code, or type several separated by ';'.",
                                    showInputMessage=True)
        validation.add(f"{letter}2:{letter}{len(rows) + 1}")
        sheet.add_data_validation(validation)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return {"rows": len(rows), "codes": len(choices)}
