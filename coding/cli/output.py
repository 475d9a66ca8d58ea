"""The one output option and printer every listing command shares."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import click

from ..export.tables import render, render_json, write_xlsx


def format_option(*choices: str, default: str = "table"):
    """``--format`` with the given choices (default: table, csv, json) and ``-o/--output``."""
    choices = choices or ("table", "csv", "json")

    def decorate(fn):
        fn = click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
                          help="Write to this file instead of the terminal (needed for xlsx/docx/png).")(fn)
        fn = click.option("--format", "fmt", type=click.Choice(choices), default=default, show_default=True,
                          help="Output format.")(fn)
        return fn
    return decorate


def emit(rows: Sequence[dict], fmt: str, output: Path | None = None, columns: Sequence[str] | None = None,
         json_data: Any = None, sheet: str = "data") -> None:
    """Print or write a table; ``json_data`` replaces the records for ``--format json``."""
    if fmt == "xlsx":
        if output is None:
            raise click.UsageError("--format xlsx needs -o FILE.xlsx")
        write_xlsx(rows, output, columns, sheet=sheet)
        click.echo(f"wrote {output}", err=True)
        return
    text = render_json(json_data) if fmt == "json" and json_data is not None else render(rows, fmt, columns)
    if output is not None:
        Path(output).write_text(text, encoding="utf-8")
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(text, nl=False)
