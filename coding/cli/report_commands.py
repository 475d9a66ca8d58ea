"""Report documents: analyst summaries, case status, ``export framework`` and ``export narratives``."""

from __future__ import annotations

from pathlib import Path

import click

from . import cli, pass_state
from .coding_commands import parse_where
from .export_group import export_group
from .anonymize_commands import unreviewed_option
from .output import emit, format_option

CASE_BY_HELP = ("The case attribute: municipality, any participant or source attribute, participant "
                "(one case per person) or source (one per interview).")


def case_by_option(fn):
    return click.option("--case-by", default="municipality", show_default=True, metavar="ATTR",
                        help=CASE_BY_HELP)(fn)


def split_themes(values: tuple[str, ...]) -> list[str] | None:
    themes = [t.strip() for v in values for t in v.split(",") if t.strip()]
    return themes or None


@cli.group("summary")
def summary_group() -> None:
    """The analyst's summaries of each case and theme (the text of a framework cell).

    Example: coding summary set Nordby belief "Ledelsen tror på, at alle kan noget."
    """


@summary_group.command("set")
@click.argument("case")
@click.argument("theme")
@click.argument("text")
@case_by_option
@pass_state
def summary_set(state, case, theme, text, case_by):
    """Write the summary of one case and theme; an empty TEXT removes it.

    Example: coding summary set Nordby belief "Ledelsen tror på, at alle kan noget."
    """
    result = state.project.set_summary(case, theme, text, case_by=case_by)
    what = "removed" if not result["text"] else "set"
    click.echo(f"summary {what}: {case_by} {result['case']}, theme {result['code']}")


@summary_group.command("list")
@click.option("--case-by", default=None, metavar="ATTR", help="Only summaries of this case attribute.")
@format_option("table", "csv", "json", "md", "xlsx")
@pass_state
def summary_list(state, case_by, fmt, output):
    """List the analyst's summaries by case and theme.

    Example: coding summary list --format csv
    """
    emit(state.project.summaries(case_by), fmt, output,
         ["case_by", "case", "code", "theme", "text", "updated_at"], sheet="summaries")


@summary_group.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@pass_state
def summary_import(state, file):
    """Read summaries back from a framework workbook (coding export framework -o FILE.xlsx).

    Example: coding summary import framework.xlsx
    """
    counts = state.project.import_summaries(file)
    click.echo(f"{file}: {counts['set']} summaries set, {counts['removed']} removed, "
               f"{counts['unchanged']} unchanged ({counts['case_by']} cases)")


@cli.group("case")
def case_group() -> None:
    """The validation status of each case history (draft, sent to the informants, approved).

    Example: coding case status Nordby approved --date 2026-11-20
    """


@case_group.command("status")
@click.argument("case")
@click.argument("status", type=click.Choice(["draft", "sent", "approved"]))
@click.option("--date", metavar="YYYY-MM-DD", help="When it was sent or approved (default: today).")
@case_by_option
@pass_state
def case_status(state, case, status, date, case_by):
    """Record the status of one case: draft, sent (for approval) or approved.

    Example: coding case status Nordby sent --date 2026-11-20
    """
    result = state.project.set_case_status(case, status, date=date, case_by=case_by)
    click.echo(f"{case_by} {result['case']}: {result['status']} ({result['date']})")


@case_group.command("list")
@case_by_option
@format_option("table", "csv", "json", "md")
@pass_state
def case_list(state, case_by, fmt, output):
    """List every case with its validation status (a case never set is a draft).

    Example: coding case list --case-by municipality
    """
    emit(state.project.case_statuses(case_by), fmt, output, ["case", "status", "date"])


def document_options(fn):
    for option in reversed([
        case_by_option,
        click.option("--themes", multiple=True, metavar="CODE[,CODE]",
                     help="Themes (codes) across, in this order; default: the top-level codes."),
        click.option("--where", multiple=True, metavar="ATTR=VALUE",
                     help="Only segments and people with this attribute value (repeatable)."),
        click.option("--language", type=click.Choice(["da", "en"]),
                     help="Language of the theme labels and headings (default: the sources' language)."),
        click.option("--anonymize", is_flag=True,
                     help="Cases as Case 1..N, people as role and number, personal data in the text replaced "
                          "by the anonymization key (see 'coding anonymize')."),
        unreviewed_option,
        click.option("--template", type=click.Path(dir_okay=False, exists=True, path_type=Path),
                     help="A Word .docx whose styles (Title, Heading 1/2, Quote, Table Grid) restyle the document."),
        click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
                     help="The file to write."),
    ]):
        fn = option(fn)
    return fn


@export_group.command("framework")
@document_options
@pass_state
def export_framework(state, case_by, themes, where, language, anonymize, unreviewed, template, output):
    """The framework matrix, cases down and themes across, as .docx or .xlsx.

    Each cell: the analyst's summary, segments and participants, up to three quotes with attribution.
    The .xlsx has a summary column per theme to fill in and read back with `coding summary import`.

    Example: coding export framework --case-by municipality -o framework.xlsx
    """
    model = state.project.export_framework(output, case_by=case_by, themes=split_themes(themes),
                                           where=parse_where(where), language=language,
                                           anonymize=anonymize, template=template, unreviewed=unreviewed)
    click.echo(f"wrote {output}: {len(model.cases)} cases x {len(model.themes)} themes", err=True)


@export_group.command("narratives")
@document_options
@click.option("--quotes", "quotes_per_theme", type=click.IntRange(min=0), default=5, show_default=True,
              help="Quotes per theme and case (0: all).")
@click.option("--title", help="The document title (default: Casehistorier / Case histories).")
@pass_state
def export_narratives(state, case_by, themes, where, language, anonymize, unreviewed, template, output,
                      quotes_per_theme, title):
    """The case-history appendix (.docx): a chapter per case with status, interviews, themes, quotes.

    Example: coding export narratives --case-by municipality --anonymize -o appendix.docx
    """
    model = state.project.export_narratives(output, case_by=case_by, themes=split_themes(themes),
                                            where=parse_where(where), language=language,
                                            anonymize=anonymize, template=template,
                                            quotes_per_theme=quotes_per_theme or None, title=title,
                                            unreviewed=unreviewed)
    click.echo(f"wrote {output}: {len(model.cases)} case histories", err=True)
