"""Commands that bring transcripts in and look at them: import, sources, participants, show."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import click

from ..export.tables import render_json
from . import cli, pass_state
from .output import emit, format_option


@cli.command("import")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--manifest", type=click.Path(dir_okay=False, path_type=Path),
              help="Interview list (.csv/.xlsx): source, speaker, participant, attributes.")
@click.option("--replace", is_flag=True, help="Replace changed files of the same name, keeping codings where their text is found.")
@click.option("--survey", is_flag=True,
              help="The file (.xlsx/.csv) is a survey: one row per respondent, answers in text columns.")
@click.option("--id-column", help="Survey: the respondent id column (default: id/respondent/..., else the first).")
@click.option("--text-columns", metavar="Q1,Q2", help="Survey: the free-text question columns (default: "
              "columns with answers of several words).")
@click.option("--attribute-columns", metavar="A,B", help="Survey: background columns that become the "
              "respondent's attributes (default: the other columns).")
@click.option("--by", type=click.Choice(["question", "respondent"]), default="question", show_default=True,
              help="Survey: one source per question, or one per respondent.")
@click.option("--single-speaker", metavar="NAME",
              help="Read files without speaker labels (a monologue, a written answer) as the words of NAME.")
@click.option("--skip-bad", is_flag=True,
              help="Import the good files and list the bad ones (default: nothing is imported when any file fails).")
@click.option("--jobs", type=click.IntRange(min=0), default=0, show_default=True,
              help="Worker processes reading the files ahead; 0 = one per core for many files while a core "
                   "is idle (else 1).")
@pass_state
def import_command(state, paths, manifest, replace, survey, id_column, text_columns, attribute_columns, by,
                   single_speaker, skip_bad, jobs):
    """Import transcripts (.docx .txt .md .vtt .srt .qdpx; folders recursively), or a survey with --survey.

    Every file is checked and every problem reported in one run. Creates the project file if there
    is none (not its folder).

    With --survey each respondent becomes a participant with the attribute columns and each non-empty
    answer a turn of that respondent; empty answers are skipped and counted.

    Example: coding import transcripts_sample/ --manifest transcripts_sample/participants.csv

    Example: coding import survey.xlsx --survey --id-column ID --text-columns Q1,Q2 --attribute-columns kommune,alder
    """
    if survey:
        if len(paths) != 1 or manifest is not None:
            raise click.UsageError("--survey imports one file (.xlsx or .csv) and takes no --manifest")
        split = lambda value: [c.strip() for c in value.split(",") if c.strip()] if value else None  # noqa: E731
        report = state.project.import_survey(paths[0], id_column=id_column, text_columns=split(text_columns),
                                             attribute_columns=split(attribute_columns), by=by, replace=replace)
        for line in report.lines():
            click.echo(line)
        return
    if id_column or text_columns or attribute_columns or by != "question":
        raise click.UsageError("--id-column, --text-columns, --attribute-columns and --by go with --survey")
    if not paths and manifest is None:
        raise click.UsageError("name files or folders to import, or --manifest to apply")
    bar = FileBar(state.quiet)
    try:
        report = state.project.import_paths(paths, manifest=manifest, replace=replace, progress=bar.step,
                                            single_speaker=single_speaker, skip_bad=skip_bad, count=bar.start,
                                            jobs=jobs)
    finally:
        bar.close()
    for line in report.lines():
        click.echo(line)
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)


class FileBar:
    """A progress bar on stderr for an import of more than a few files (a terminal only, not --quiet)."""

    def __init__(self, quiet: bool):
        self.quiet = quiet
        self.bar = None

    def start(self, total: int) -> None:
        from ..importing import FEW_FILES

        if total > FEW_FILES and not self.quiet and sys.stderr.isatty():
            self.bar = click.progressbar(length=total, label="importing", file=sys.stderr,
                                         item_show_func=lambda name: name)
            self.bar.__enter__()

    def step(self, name: str) -> None:
        # after the files, the search index reports its own steps: the bar stays full
        if self.bar is not None and self.bar.pos < self.bar.length:
            self.bar.update(1, name)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


@cli.group("manifest")
def manifest_group():
    """The interview list kept in the project (given with `coding import --manifest FILE`).

    Example: coding manifest status
    """


@manifest_group.command("status")
@format_option()
@pass_state
def manifest_status_command(state, fmt, output):
    """List the interview list's rows that wait for sources not imported yet.

    They are applied when those sources are imported. Example: coding manifest status --format csv
    """
    rows = state.project.manifest_status()
    if not rows and fmt == "table" and output is None:
        click.echo("no rows wait: every source the interview list names is imported")
        return
    emit(rows, fmt, output)


@cli.command("sources")
@format_option()
@pass_state
def sources_command(state, fmt, output):
    """List the imported sources with format, language, turns and attributes.

    Example: coding sources --format csv
    """
    emit(state.project.sources(), fmt, output)


@cli.command("participants")
@format_option()
@pass_state
def participants_command(state, fmt, output):
    """List participants with their attributes and where they speak.

    Example: coding participants --format json
    """
    emit(state.project.participants(), fmt, output)


@cli.command("show")
@click.argument("source")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@pass_state
def show_command(state, source, fmt):
    """Show one source (by file name) as numbered turns with speakers, roles and codes.

    Example: coding show nordby_leder_interview.docx --format json
    """
    data = state.project.show(source)
    if fmt == "json":
        click.echo(render_json(data), nl=False)
        return
    attrs = ", ".join(f"{k}={v}" for k, v in data["attributes"].items())
    click.echo(f"{data['source']} ({data['format']}, {data['language']}){' — ' + attrs if attrs else ''}")
    for turn in data["turns"]:
        who = turn["speaker"] + (f" [{turn['role']}]" if turn["role"] else "")
        stamp = f" {turn['timestamp']}" if turn["timestamp"] else ""
        noted = {c["code"]: c["memos"] for c in turn.get("codings_with_memos", [])}
        marked = [code + (f" [memo {', '.join(map(str, noted[code]))}]" if code in noted else "")
                  for code in turn["codes"]]
        codes = f"  {{{', '.join(marked)}}}" if marked else ""
        click.echo(f"\n{turn['index']:>4}{stamp} {who}:{codes}")
        click.echo(textwrap.indent(textwrap.fill(turn["text"], 96), "      "))
