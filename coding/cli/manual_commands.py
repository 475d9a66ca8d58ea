"""Coding by hand: ``coding codings import``, ``coding export docx`` and ``coding agreement``."""

from __future__ import annotations

from pathlib import Path

import click

from ..export.tables import render_json, render_table
from . import cli, pass_state
from .coding_commands import codings_group
from .export_group import export_group


@codings_group.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@pass_state
def codings_import_command(state, file):
    """Add codings from a spreadsheet (.xlsx/.csv): source, code, coder, and start+end or turn.

    Example: coding codings import second_coder.xlsx
    """
    counts = state.project.import_codings(file)
    click.echo(f"{file.name}: {counts['rows']} rows, {counts['added']} codings added, "
               f"{counts['already_present']} already present")


@export_group.command("docx")
@click.argument("source")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The .docx file to write.")
@click.option("--coder", help="Only this coder's codings and memos (default: every coder's).")
@pass_state
def export_docx_command(state, source, output, coder):
    """Write a transcript with its codings as Word comments (author = coder), to review and import back.

    Example: coding export docx nordby_leder.docx -o nordby_review.docx --coder anna
    """
    counts = state.project.export_docx(source, output, coder=coder)
    click.echo(f"wrote {output}: {counts['comments']} comments ({counts['codings']} codings, "
               f"{counts['memos']} memos)", err=True)
    if counts["skipped"]:
        click.echo(f"warning: {counts['skipped']} codings mark only whitespace and were left out", err=True)


@cli.command("agreement")
@click.option("--coder", "coders", multiple=True, required=True,
              help="A coder to compare (repeat: --coder A --coder B [--coder C ...]).")
@click.option("--unit", type=click.Choice(["turn", "sentence", "character"]), default="turn", show_default=True,
              help="What one judgement is about.")
@click.option("--codes", help="Comma-separated codes (ids or labels); default: every code the coders used.")
@click.option("--exclusive", is_flag=True,
              help="The codes are one categorical variable (mutually exclusive); uncoded units are missing.")
@click.option("--include-interviewer/--no-interviewer", default=True, show_default=True,
              help="Count interviewer turns as units.")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "xlsx"]), default="table", show_default=True,
              help="Output format.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to this file instead of the terminal (needed for xlsx).")
@pass_state
def agreement_command(state, coders, unit, codes, exclusive, include_interviewer, fmt, output):
    """Agreement between coders per code: percent, Cohen's kappa, Krippendorff's alpha; disagreements.

    Example: coding agreement --coder anna --coder bo --unit turn --format json
    """
    code_list = [c.strip() for c in codes.split(",") if c.strip()] if codes else None
    result = state.project.agreement(list(coders), unit=unit, codes=code_list, exclusive=exclusive,
                                     include_interviewer=include_interviewer)
    if fmt == "xlsx":
        if output is None:
            raise click.UsageError("--format xlsx needs -o FILE.xlsx")
        from ..export.agreement_xlsx import write_agreement_xlsx

        write_agreement_xlsx(result, output)
        click.echo(f"wrote {output}", err=True)
        return
    if fmt == "json":
        text = render_json(result)
    else:
        from ..analysis.agreement import agreement_rows, disagreement_rows

        head = (f"Agreement of {', '.join(result['coders'])} by {result['unit']} ({result['mode']}), "
                f"{len(result['sources'])} sources: {', '.join(result['sources'])}")
        parts = [head, "", render_table(agreement_rows(result))]
        rows = disagreement_rows(result)
        parts += ["", f"Disagreements ({len(rows)}):"]
        if rows:
            parts.append(render_table(rows))
        text = "\n".join(parts) + "\n"
    if output is not None:
        output.write_text(text, encoding="utf-8")
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(text, nl=False)
