"""``coding codings``: list codings with filters, in every table format.

Subcommands of the group (``coding codings import``) are registered by other command modules."""

from __future__ import annotations

import click

from . import cli
from .anonymize_commands import anonymize_option, unreviewed_option
from .output import emit, format_option

INTERNAL_FIELDS = ("source_id", "code_id", "participant_ids")
LEADING_COLUMNS = ("id", "source", "start", "end", "text", "code", "code_path", "coder", "origin", "turn",
                   "speaker", "participant", "role")


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


def coding_columns(records: list[dict]) -> list[str]:
    extra: dict[str, None] = {}
    for record in records:
        for key in record:
            if key not in LEADING_COLUMNS and key not in INTERNAL_FIELDS and key not in ("rule", "matched", "memo"):
                extra.setdefault(key, None)
    return [*LEADING_COLUMNS, "rule", "matched", "memo", *sorted(extra)]


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

    Example: coding codings --code leadership --where role=Leder --format csv
    """
    if ctx.invoked_subcommand is not None:
        return
    state = ctx.obj
    records = state.project.codings(code=code, coder=coder, origin=origin, source=source,
                                    where=parse_where(where), include_interviewer=include_interviewer,
                                    anonymize=anonymize, unreviewed=unreviewed)
    columns = coding_columns(records)
    emit(records, fmt, output, columns, sheet="codings",
         json_data=[{c: r.get(c) for c in columns} for r in records])
