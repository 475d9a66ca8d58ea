"""The case-history appendix (.docx): one chapter per case, validated by its informants.

Layout: Title; a table-of-contents field; the validation status of every case (a table); then per
case a Heading 1 chapter with its status, a table of its interviews and participants by role, and
per theme a Heading 2 with the analyst's summary and quotes (style Quote) attributed by role,
interview, turn and timestamp. With ``case_by="participant"`` each chapter is one person's
history: themes in the order the person first speaks about them, quotes in turn order.

Only built-in styles are used (Title, Heading 1, Heading 2, Quote, Caption, Table Grid), so a
``template`` restyles the whole document.
"""

from __future__ import annotations

import datetime as _dt
from pathlib import Path

from . import docx_util
from ..analysis.cases import Case, CaseModel
from .framework import Names, attribution
from .wording import attribute_label, count_phrase, words

DEFAULT_QUOTES_PER_THEME = 5


def write_docx(model: CaseModel, path: str | Path, *, template: str | Path | None = None,
               anonymizer=None, quotes_per_theme: int | None = DEFAULT_QUOTES_PER_THEME,
               title: str | None = None) -> None:
    w = words(model.language)
    names = Names(anonymizer)
    document = docx_util.new_document(template)
    add = docx_util.Paragraphs(document).add
    document.core_properties.title = names.text(title) if title else w["appendix_title"]
    add(names.text(title) if title else w["appendix_title"], "Title")
    about = w["about"].format(date=_dt.date.today().isoformat(), cases=len(model.cases),
                              case_by=attribute_label(model.language, model.case_by), themes=len(model.themes))
    add(about + (" " + w["about_anonymized"] if anonymizer else ""))
    add(w["contents"], "Caption")
    docx_util.add_toc(document, w["toc_placeholder"])

    add(w["status_heading"], "Heading 1")
    width = docx_util.usable_width(document.sections[-1])
    docx_util.add_table(
        document, [w["case"], w["status"], w["date"]],
        [[names.case(c.value), w.get(c.status, c.status), c.date or ""] for c in model.cases],
        widths=[int(width * 0.5), int(width * 0.3), int(width * 0.2)])

    for case in model.cases:
        _chapter(document, model, case, names, w, quotes_per_theme, width, add)
    docx_util.save_document(document, path, model.language)


def _chapter(document, model: CaseModel, case: Case, names: Names, w: dict, quotes_per_theme, width,
             add) -> None:
    add(names.case(case.value), "Heading 1")
    status = f"{w['status']}: {w.get(case.status, case.status)}" + (f" ({case.date})" if case.date else "")
    add(status).runs[0].bold = True

    add(w["interviews_caption"], "Caption")
    rows = []
    for interview in case.interviews:
        by_role: dict[str, list[str]] = {}
        for person in interview.people:
            by_role.setdefault(person.role or w["participant"], []).append(
                names.person(person.participant, "") if names.anon else person.participant)
        people = "; ".join(f"{role}: {', '.join(ps)}" for role, ps in sorted(by_role.items()))
        details = ", ".join(str(v) for k, v in sorted(interview.attributes.items())
                            if k not in (model.case_by, "municipality", "kommune", "language"))
        rows.append([names.source(interview.source), names.text(details), names.text(people)])
    docx_util.add_table(document, [w["interview"], w["details"], w["participants"]], rows,
                        widths=[int(width * 0.32), int(width * 0.23), int(width * 0.45)])

    themes = list(model.themes)
    if model.case_by == "participant":
        def first_order(theme):
            quotes = model.cell(case.value, theme.code).quotes
            return min((q.order for q in quotes), default=(float("inf"),))
        themes.sort(key=first_order)
    empty = []
    for theme in themes:
        cell = model.cell(case.value, theme.code)
        if not cell.quotes and not cell.summary:
            empty.append(names.text(theme.label))
            continue
        add(names.text(theme.label), "Heading 2")
        if cell.summary:
            add(names.text(cell.summary))
        else:
            add().add_run(w["no_summary"]).italic = True
        add().add_run(count_phrase(w, cell.segments, len(cell.participants))).italic = True
        for quote in cell.in_turn_order(quotes_per_theme):
            paragraph = add(style="Quote")
            paragraph.add_run(f"“{names.text(quote.text)}”")
            paragraph.add_run().add_break()
            paragraph.add_run(f"— {attribution(quote, names, w)}").italic = False
    if empty:
        add(f"{w['not_coded']}: {', '.join(empty)}.").runs[0].italic = True
