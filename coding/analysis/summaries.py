"""Analyst summaries per case and theme, and the validation status of each case.

A case is a value of a case attribute (``municipality`` by default): the attribute of a
participant or a source, or the special attributes ``participant`` (one case per person) and
``source`` (one case per interview). The summary of a framework cell is written by the analyst
and never by the tool; the status records where a case history stands with its informants
(draft, sent for approval, approved).
"""

from __future__ import annotations

import datetime as _dt
import re
from pathlib import Path

from ..errors import InputError, NotFound
from ..records import CodeTree, case_values  # noqa: F401  (case_values: imported from here too)
from ..store import Store

DEFAULT_CASE_BY = "municipality"
STATUSES = ("draft", "sent", "approved")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def resolve_case(store: Store, case_by: str, case: str) -> str:
    """The case value as stored, matching case and spacing loosely; NotFound lists the cases."""
    values = case_values(store, case_by)
    if case in values:
        return case
    wanted = " ".join(case.split()).casefold()
    found = [v for v in values if " ".join(v.split()).casefold() == wanted]
    if len(found) == 1:
        return found[0]
    shown = ", ".join(values[:20]) + (" ..." if len(values) > 20 else "")
    raise NotFound(f"'{case}' is not a {case_by} in the project ({case_by} values: {shown})")


def set_summary(store: Store, case_by: str, case: str, theme: str, text: str) -> dict:
    """Write (or with empty text remove) the analyst's summary of one case and theme."""
    value = resolve_case(store, case_by, case)
    node = CodeTree.load(store).get(theme)
    text = text.strip()
    if text:
        store.set_summary(case_by, value, node["id"], text)
    else:
        store.delete_summary(case_by, value, node["id"])
    return {"case_by": case_by, "case": value, "code": node["code"], "text": text}


def list_summaries(store: Store, case_by: str | None = None) -> list[dict]:
    tree = CodeTree.load(store)
    return [{"case_by": r["case_by"], "case": r["case_value"], "code": r["code"],
             "theme": tree.label(r["code_id"]), "text": r["text"], "updated_at": r["updated_at"]}
            for r in store.summaries(case_by)]


def summary_map(store: Store, case_by: str) -> dict[tuple[str, int], str]:
    """{(case, code_id): text} for one case attribute."""
    return {(r["case_value"], r["code_id"]): r["text"] for r in store.summaries(case_by)}


def import_summaries(store: Store, path: str | Path) -> dict[str, int]:
    """Read the summary cells of a framework workbook back (see coding.export.framework for the
    layout). Every problem names its sheet cell; nothing is changed unless the whole sheet is
    valid. A summary cell left empty removes that summary."""
    from ..importing.framework_sheet import read_framework_xlsx

    path = Path(path)
    sheet = read_framework_xlsx(path)
    tree = CodeTree.load(store)
    try:
        known = case_values(store, sheet.case_by)
    except NotFound as exc:
        raise InputError(path, str(exc), f"{sheet.name}!A1") from None
    codes: dict[str, int] = {}
    problems = []
    for ref, code in sheet.codes.items():
        try:
            codes[code] = tree.get(code)["id"]
        except NotFound:
            problems.append((ref, f"no code '{code}' in the project's codebook"))
    for ref, case in sheet.cases.items():
        if case not in known:
            problems.append((ref, f"'{case}' is not a {sheet.case_by} in the project"))
    if problems:
        ref, message = problems[0]
        more = f" (and {len(problems) - 1} more problem(s): " + "; ".join(
            f"{r}: {m}" for r, m in problems[1:4]) + ")" if len(problems) > 1 else ""
        raise InputError(path, message + more, f"{sheet.name}!{ref}")
    current = summary_map(store, sheet.case_by)
    counts = {"set": 0, "unchanged": 0, "removed": 0, "empty": 0}
    for cell in sheet.cells:
        code_id = codes[cell.code]
        before = current.get((cell.case, code_id))
        text = cell.text.strip()
        if text:
            if before == text:
                counts["unchanged"] += 1
            else:
                store.set_summary(sheet.case_by, cell.case, code_id, text)
                counts["set"] += 1
        elif before is not None:
            store.delete_summary(sheet.case_by, cell.case, code_id)
            counts["removed"] += 1
        else:
            counts["empty"] += 1
    counts["case_by"] = sheet.case_by  # type: ignore[assignment]
    return counts


def set_case_status(store: Store, case_by: str, case: str, status: str, date: str | None = None) -> dict:
    status = status.strip().lower()
    if status not in STATUSES:
        raise InputError("status", f"'{status}' is not one of {', '.join(STATUSES)}")
    if date is None:
        date = _dt.date.today().isoformat()
    elif not DATE_RE.match(date):
        raise InputError("--date", f"'{date}' is not a date as YYYY-MM-DD")
    else:
        try:
            _dt.date.fromisoformat(date)
        except ValueError:
            raise InputError("--date", f"'{date}' is not a date in the calendar") from None
    value = resolve_case(store, case_by, case)
    store.set_case_status(case_by, value, status, date)
    return {"case_by": case_by, "case": value, "status": status, "date": date}


def case_statuses(store: Store, case_by: str) -> list[dict]:
    """Every case of the attribute with its status; a case nobody has set is a draft."""
    stored = {r["case_value"]: r for r in store.case_statuses(case_by)}
    out = []
    for value in case_values(store, case_by):
        row = stored.get(value)
        out.append({"case": value, "status": row["status"] if row else "draft",
                    "date": row["date"] if row else None})
    return out
