"""``coding pipeline``: import, auto-code and write every report file in one command."""

from __future__ import annotations

from pathlib import Path

import click

from . import cli
from .anonymize_commands import unreviewed_option


@cli.command("pipeline")
@click.argument("input", type=click.Path(path_type=Path))
@click.option("--codebook", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The codebook (YAML) to auto-code with.")
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="The folder for the project (coding.db) and the report files.")
@click.option("--manifest", type=click.Path(dir_okay=False, path_type=Path),
              help="Interview list (.csv/.xlsx): source, speaker, participant, role, municipality ...")
@click.option("--language", type=click.Choice(["da", "en"]),
              help="Language of labels and headings (default: the sources' language).")
@click.option("--force", is_flag=True,
              help="Replace OUT/coding.db even if it holds work added after an earlier pipeline run.")
@click.option("--anonymize", is_flag=True,
              help="Every document anonymized (pseudonyms, personal data in the text replaced); "
                   "OUT/coding.db keeps the original text.")
@unreviewed_option
@click.pass_obj
def pipeline_command(state, input, codebook, out, manifest, language, force, anonymize, unreviewed):
    """Import transcripts, auto-code them and write matrices, network, framework, appendix and report.

    Makes a new project OUT/coding.db (--project is not used). An OUT/coding.db from an earlier
    pipeline run is replaced; one with summaries, case status or codings by people is kept
    unless --force.

    Example: coding pipeline transcripts_sample --manifest transcripts_sample/participants.csv --codebook codebooks/stv.yaml --out reports/sample
    """
    from ..pipeline import run_pipeline

    def step(n: int, total: int, message: str) -> None:
        state.say(f"[{n}/{total}] {message}")

    result = run_pipeline(input, codebook=codebook, out=out, manifest=manifest, force=force,
                          language=language, step=step, progress=state.progress, notify=state.say,
                          anonymize=anonymize, unreviewed=unreviewed)
    counts = result.counts
    click.echo(f"{counts.get('sources', 0)} sources, {counts.get('codings', 0)} codings; "
               f"{len(result.files)} files in {out} ({result.seconds:.1f} s)")
    click.echo(f"open {out / 'report.html'}")


@cli.command("report")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="The folder for the report files (default: the project file's folder).")
@click.option("--language", type=click.Choice(["da", "en"]),
              help="Language of labels and headings (default: the sources' language).")
@click.option("--anonymize", is_flag=True, help="Every document anonymized (the project keeps the original text).")
@unreviewed_option
@click.pass_obj
def report_command(state, out, language, anonymize, unreviewed):
    """Rebuild the report and its documents from the project as it is now.

    Writes what the pipeline writes (matrices, network, framework, appendix, report.html/.md),
    with the analyst's summaries, case statuses and codings by hand as they are in the project,
    which is not changed. Use it after editing summaries or codings instead of running the
    pipeline again.

    Example: coding --project reports/sample/coding.db report --out reports/sample
    """
    def step(n: int, total: int, message: str) -> None:
        state.say(f"[{n}/{total}] {message}")

    result = state.project.report(out, language=language, anonymize=anonymize, unreviewed=unreviewed, step=step)
    counts = result.counts
    click.echo(f"{counts.get('sources', 0)} sources, {counts.get('codings', 0)} codings; "
               f"{len(result.files)} files in {result.out} ({result.seconds:.1f} s)")
    click.echo(f"open {result.out / 'report.html'}")
