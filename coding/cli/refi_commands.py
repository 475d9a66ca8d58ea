"""``coding export qdpx``: the project as a REFI-QDA file for NVivo, ATLAS.ti, MAXQDA or QualCoder.

Import needs no command of its own: ``coding import FILE.qdpx``. Codebooks (.qdc) go through
``coding codebook export --format qdc`` and ``coding codebook import FILE.qdc``."""

from __future__ import annotations

from pathlib import Path

import click

from . import pass_state
from .anonymize_commands import anonymize_option, unreviewed_option
from .export_group import export_group


@export_group.command("qdpx")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The .qdpx file to write.")
@click.option("--name", help="Project name inside the file (default: the name it was imported with, "
                             "else the project file's name).")
@click.option("--language", type=click.Choice(["da", "en"]),
              help="Which code label becomes the code name (default: the sources' main language).")
@anonymize_option
@unreviewed_option
@pass_state
def export_qdpx_command(state, output, name, language, anonymize, unreviewed):
    """Write the project as a REFI-QDA project (.qdpx) with sources, codes, codings, cases and memos.

    With --anonymize the file is an anonymized project: texts by the anonymization key, codings
    moved with them, pseudonyms for cases, people and interviews.

    Example: coding export qdpx -o evaluering.qdpx
    """
    counts = state.project.export_qdpx(output, name=name, language=language, anonymize=anonymize,
                                       unreviewed=unreviewed)
    click.echo(f"wrote {output}: {counts.get('sources', 0)} sources, {counts.get('codes', 0)} codes, "
               f"{counts.get('codings', 0)} codings, {counts.get('cases', 0)} cases, "
               f"{counts.get('variables', 0)} variables, {counts.get('memos', 0)} memos")
