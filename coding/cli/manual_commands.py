"""Coding by hand: ``coding codings import``, ``coding export docx`` and ``coding agreement``."""

from __future__ import annotations

from pathlib import Path

import click

from ..export.tables import render_json, render_table
from . import cli, pass_state
from .anonymize_commands import anonymize_option, unreviewed_option
from .coding_commands import codings_group
from .export_group import export_group


@codings_group.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@pass_state
def codings_import_command(state, file):
    """Add codings from a spreadsheet (.xlsx/.csv): source, code, coder, and start+end or turn.

    A filled coding sheet ('coding export sheet') comes back this way: empty code cells are skipped,
    several codes in one cell are separated by ';', codes are ids or labels in either language.

    Example: coding codings import second_coder.xlsx
    """
    counts = state.project.import_codings(file)
    extra = "".join(f", {counts[k]} {what}" for k, what in (("skipped", "rows without a code skipped"),
                                                          ("memos", "memos without a code kept on their text"))
                    if counts.get(k))
    click.echo(f"{file.name}: {counts['rows']} rows, {counts['added']} codings added, "
               f"{counts['already_present']} already present{extra}")


@export_group.command("docx")
@click.argument("source")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The .docx file to write.")
@click.option("--coder", help="Only this coder's codings and memos (default: every coder's).")
@anonymize_option
@unreviewed_option
@pass_state
def export_docx_command(state, source, output, coder, anonymize, unreviewed):
    """Write a transcript with its codings as Word comments (author = coder), to review and import back.

    Example: coding export docx nordby_leder.docx -o nordby_review.docx --coder anna
    """
    counts = state.project.export_docx(source, output, coder=coder, anonymize=anonymize, unreviewed=unreviewed)
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
@click.option("--include-interviewer/--no-interviewer", default=False, show_default=True,
              help="Count interviewer turns as units too (left out by default, as in every analysis).")
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


@export_group.command("sheet")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The .xlsx file to write.")
@click.option("--source", "sources", multiple=True, help="Only this source (repeatable; default: every source).")
@click.option("--unit", type=click.Choice(["turn", "sentence"]), default="turn", show_default=True,
              help="One row per turn or per sentence.")
@click.option("--coder", default="", help="The name filled into the coder column.")
@click.option("--language", help="Language of the code labels in the drop-down (default: the sources').")
@click.option("--include-interviewer", is_flag=True, help="Rows for interviewer turns too.")
@anonymize_option
@unreviewed_option
@pass_state
def export_sheet_command(state, output, sources, unit, coder, language, include_interviewer, anonymize, unreviewed):
    """Write a coding sheet (.xlsx): one row per unit, a code column with the codebook's labels as a drop-down.

    Fill in the code column (several codes separated by ';'), then: coding codings import FILE.
    With --anonymize the sheet shows interviews, speakers and text anonymized (by the key); it
    imports back all the same, as long as no interview is added or removed in between.

    Example: coding export sheet --source nordby_leder.docx --unit sentence --coder bo -o nordby_bo.xlsx
    """
    counts = state.project.export_sheet(output, sources=list(sources) or None, unit=unit, coder=coder,
                                        language=language, include_interviewer=include_interviewer,
                                        anonymize=anonymize, unreviewed=unreviewed)
    click.echo(f"wrote {output}: {counts['rows']} rows to code, {counts['codes']} codes in the drop-down", err=True)
