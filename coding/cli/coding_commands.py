"""``coding codings``: list codings with filters, in every table format.

Subcommands of the group (``coding codings import``) are registered by other command modules."""

from __future__ import annotations

import click

from . import cli
from .anonymize_commands import anonymize_option, unreviewed_option
from .output import emit, emit_stream, format_option


def parse_where(values: tuple[str, ...]) -> dict[str, str]:
    """``--where role=Virksomhedskonsulent`` (repeatable) as a dict."""
    where: dict[str, str] = {}
    for item in values:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise click.BadParameter(f"'{item}' is not ATTRIBUTE=VALUE", param_hint="--where")
        where[name.strip()] = value.strip()
    return where


def filter_options(fn):
    """The filters every coding-based command shares."""
    for option in reversed([
        click.option("--code", help="Only this code (id, path or label) and its descendants."),
        click.option("--coder", help="Only codings by this coder."),
        click.option("--origin", help="Only codings of this origin (auto, manual, word-comment, spreadsheet, refi)."),
        click.option("--source", help="Only this source (file name)."),
        click.option("--where", multiple=True, metavar="ATTR=VALUE",
                     help="Only codings whose speaker or source has this attribute value (repeatable)."),
    ]):
        fn = option(fn)
    return fn


@cli.group("codings", invoke_without_command=True)
@filter_options
@click.option("--include-interviewer/--no-interviewer", default=True, show_default=True,
              help="List codings that fall only in interviewer turns.")
@anonymize_option
@unreviewed_option
@format_option("table", "csv", "json", "xlsx", "md")
@click.pass_context
def codings_group(ctx, code, coder, origin, source, where, include_interviewer, anonymize, unreviewed, fmt, output):
    """List codings with their text, code path, coder, origin, speaker, role and attributes.

    One column per attribute of the project; sources in natural order, codings by position; csv and
    json are written row by row as they are made.

    Example: coding codings --code leadership --where role=Leder --format csv
    """
    if ctx.invoked_subcommand is not None:
        return
    columns, rows = ctx.obj.project.coding_rows(code=code, coder=coder, origin=origin, source=source,
                                                where=parse_where(where), include_interviewer=include_interviewer,
                                                anonymize=anonymize, unreviewed=unreviewed)
    if fmt in ("csv", "json"):  # rows written as they are made
        emit_stream(rows, fmt, output, columns, values=True)
        return
    emit([dict(zip(columns, row)) for row in rows], fmt, output, columns, sheet="codings")
