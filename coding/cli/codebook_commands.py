"""``coding codebook ...`` (validate, import, show, export) and ``coding autocode``."""

from __future__ import annotations

from pathlib import Path

import click

from ..export.tables import render_json, render_table
from . import cli, pass_state
from .output import emit


@cli.group("codebook")
def codebook_group():
    """Codebooks: validate a YAML file, import it, show or export the project's codes.

    Example: coding codebook import codebooks/stv.yaml
    """


@codebook_group.command("validate")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_obj
def validate_command(state, file):
    """Check a YAML codebook and list every problem with its line; changes nothing.

    When the project file exists and holds transcripts, also lists the codes that nothing reaches
    there (no coding, and no rule that would fire in its text); tables leave them out unless
    --empty-codes.

    Example: coding codebook validate codebooks/stv.yaml
    """
    from ..codebook import CodebookError, load_codebook

    try:
        book = load_codebook(file)
    except CodebookError as exc:
        raise click.ClickException(str(exc)) from None
    top = [c.id for c in book.codes if c.parent is None]
    rules = sum(1 for c in book.codes if c.rules)
    click.echo(f"{file}: valid, {len(book.codes)} codes ({len(top)} top-level: {', '.join(top)}), "
               f"{rules} with rules")
    if state is not None and Path(state.path).exists():
        unreached = state.project.unreached_codes(book)
        if unreached:
            click.echo(f"{len(unreached)} code(s) that no rule or coding reaches in {state.path}: "
                       f"{', '.join(unreached)} (left out of tables unless --empty-codes)")


@codebook_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--prune", is_flag=True,
              help="Delete codes that are no longer in the codebook even if they have codings (and those codings).")
@pass_state
def import_command(state, file, prune):
    """Make a YAML codebook the project's codes (GUIDs kept; removed codes with codings refuse unless --prune).

    Example: coding codebook import codebooks/stv.yaml
    """
    if file.suffix.lower() == ".qdc":  # REFI-QDA codebook (issue 7): codes matched by GUID, then name
        if prune:
            raise click.UsageError("--prune works with YAML codebooks; a .qdc only adds codes")
        counts = state.project.import_qdc(file)
        click.echo(f"{file}: {counts['new']} new code(s), {counts['matched']} matched (left as they are)")
        return
    report = state.project.import_codebook(file, prune=prune)
    for line in report.lines():
        click.echo(line)


@codebook_group.command("show")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv", "md"]), default="table",
              show_default=True, help="table/csv/md: one row per code; json: the codebook in its YAML shape.")
@click.option("--language", default="da", show_default=True, help="Language of the labels in the table.")
@pass_state
def show_command(state, fmt, language):
    """Show the project's codebook: codes as a tree with labels, rules and coding counts.

    Example: coding codebook show --format json
    """
    project = state.project
    if fmt == "json":
        click.echo(render_json(project.codebook().to_dict()), nl=False)
        return
    rows = project.codebook_records(language)
    if not rows:
        click.echo("the project has no codebook yet; import one with: coding codebook import FILE", err=True)
        return
    if fmt == "table":
        click.echo(render_table(rows, ["label", "code", "codings", "auto", "rules"], width=70))
        state.say("codings: the code's own codings, every coder and origin (auto: the auto-coder's), sub-codes "
                  "not included; 'coding matrix' counts segments (overlapping codings of one coder merged, a "
                  "theme with its sub-codes) in respondents' turns")
        return
    emit(rows, fmt, None, ["path", "label", *[k for k in rows[0] if k.startswith("label_")], "definition",
                           "include", "exclude", "examples", "color", "rules", "codings", "auto", "guid"])


@codebook_group.command("export")
@click.option("--format", "fmt", type=click.Choice(["yaml", "docx", "xlsx", "qdc"]), required=True,
              help="yaml (to edit and re-import), docx (the report's codebook appendix), xlsx or qdc "
                   "(REFI-QDA, for NVivo, ATLAS.ti, MAXQDA).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The file to write.")
@click.option("--language", default="da", show_default=True, help="Language of labels and headings (docx/xlsx).")
@pass_state
def export_command(state, fmt, output, language):
    """Write the project's codebook as YAML, a Word appendix table or an Excel sheet.

    Example: coding codebook export --format docx -o kodebog.docx
    """
    if fmt == "qdc":  # REFI-QDA codebook (issue 7)
        count = state.project.export_qdc(output, language=language)
        click.echo(f"wrote {output}: {count} codes", err=True)
        return
    path = state.project.export_codebook(fmt, output, language)
    click.echo(f"wrote {path}", err=True)


@cli.command("autocode")
@click.option("--codebook", "codebook", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Import this YAML codebook first (same transaction); default: the project's codebook.")
@click.option("--unit", type=click.Choice(["sentence", "turn"]), default="sentence", show_default=True,
              help="Code sentences or whole turns.")
@click.option("--dry-run", is_flag=True, help="Report what would be coded; change nothing.")
@click.option("--include-interviewer", is_flag=True, help="Code the interviewer's turns too.")
@click.option("--jobs", type=click.IntRange(min=0), default=0, show_default=True,
              help="Worker processes; 0 = one per core when there is enough text (else 1).")
@click.option("--force", is_flag=True, help="Redo every source, even those whose fingerprint is unchanged.")
@click.option("--prune", is_flag=True, help="With --codebook: delete codes no longer in it, with their codings.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True,
              help="json: the full report (with --dry-run, every would-be coding).")
@pass_state
def autocode_command(state, codebook, unit, dry_run, include_interviewer, jobs, force, prune, fmt):
    """Auto-code respondents' sentences (or turns) with the codebook's lemma-aware rules.

    Example: coding autocode --codebook codebooks/stv.yaml --jobs 2
    """
    project = state.project
    report = project.autocode(codebook, unit=unit, dry_run=dry_run, include_interviewer=include_interviewer,
                              jobs=jobs, force=force, prune=prune, collect=dry_run and fmt == "json",
                              progress=state.progress)
    book = project.codebook() if not dry_run or codebook is None else None
    if book is None:
        from ..codebook import load_codebook

        book = load_codebook(codebook)
    labels = {c.id: c.labels.get("da") or next(iter(c.labels.values()), c.id) for c in book.codes}
    if fmt == "json":
        data = {"dry_run": report.dry_run, "unit": report.unit, "jobs": report.jobs,
                "sources_coded": report.coded, "sources_partial": report.partial,
                "sources_skipped": report.skipped, "codings": report.codings, "replaced": report.replaced,
                "by_top_level": report.by_top_level, "by_code": dict(report.by_code),
                "totals_by_top_level": report.totals_by_top_level, "tokens": report.tokens,
                "seconds": round(report.seconds, 3)}
        if report.planned is not None:
            data["planned"] = report.planned
        click.echo(render_json(data), nl=False)
        return
    for line in report.lines():
        click.echo(line)
    click.echo(render_table(report.summary_rows(labels)))
