"""``coding anonymize scan|apply|status``: find personal data, review it in Excel, store the key."""

from __future__ import annotations

from pathlib import Path

import click

from . import cli, pass_state
from .output import emit, format_option

UNREVIEWED_HELP = ("With --anonymize: what to do with findings nobody has reviewed: replace them "
                   "(the default, safe) or keep them as written.")


anonymize_option = click.option(
    "--anonymize", is_flag=True,
    help="Pseudonyms for cases, people and interviews, personal data in the text replaced by the "
         "anonymization key (see 'coding anonymize').")


def unreviewed_option(fn):
    """``--unreviewed replace|keep`` for every command that has ``--anonymize``."""
    return click.option("--unreviewed", type=click.Choice(["replace", "keep"]), default="replace",
                        show_default=True, help=UNREVIEWED_HELP)(fn)


@cli.group("anonymize")
def anonymize_group() -> None:
    """Find names, CPR and phone numbers, addresses ... review them, and keep the decisions as the key.

    Every output with --anonymize uses the key.

    Example: coding anonymize scan -o review.xlsx
    """


@anonymize_group.command("scan")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the review workbook (.xlsx) to fill in and give to 'anonymize apply'.")
@click.option("--new", "only_new", is_flag=True, help="Scan only sources imported or changed since the last scan.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True,
              help="How to print the findings when there is no -o.")
@pass_state
def scan_command(state, output, only_new, fmt):
    """Scan the transcripts for personal data; list every finding with a proposed replacement.

    Example: coding anonymize scan -o review.xlsx
    """
    rows = state.project.anonymize_scan(only_new=only_new)
    new = sum(1 for r in rows if not r.reviewed)
    if output is not None:
        state.project.write_anonymization_review(rows, output)
        click.echo(f"wrote {output}: {len(rows)} findings, {new} not reviewed; edit it and run "
                   f"'coding anonymize apply {output}'", err=True)
        return
    records = [{"kind": r.kind, "text": r.text, "replacement": r.replacement, "decision": r.decision,
                "status": "reviewed" if r.reviewed else "new", "count": r.count, "sources": "; ".join(r.sources),
                "context": r.context} for r in rows]
    emit(records, fmt, None, ["kind", "text", "replacement", "decision", "status", "count", "sources", "context"])


@anonymize_group.command("apply")
@click.argument("review", type=click.Path(dir_okay=False, path_type=Path))
@pass_state
def apply_command(state, review):
    """Store the decisions of a filled-in review workbook as the project's anonymization key.

    Nothing is stored if a row is bad; the message names every bad row.

    Example: coding anonymize apply review.xlsx
    """
    counts = state.project.anonymize_apply(review)
    click.echo(f"{review}: {counts['rows']} decisions stored ({counts['replace']} replace, {counts['keep']} keep; "
               f"{counts['changed']} new or changed)")


@anonymize_group.command("status")
@format_option("table", "csv", "json")
@pass_state
def status_command(state, fmt, output):
    """Say what is not reviewed: findings without a decision, sources not scanned since they changed.

    Example: coding anonymize status
    """
    result = state.project.anonymize_status()
    state.say(f"{result['sources']} sources, {len(result['not_scanned'])} not scanned since they changed; "
              f"{result['distinct']} distinct findings, {result['decisions']} decisions in the key, "
              f"{len(result['unreviewed'])} findings not reviewed")
    if result["not_scanned"]:
        state.say("not scanned: " + ", ".join(result["not_scanned"]) + " (run 'coding anonymize scan')")
    emit(result["unreviewed"], fmt, output, ["kind", "text", "count", "sources"], sheet="unreviewed")
