"""The one output option and printer every listing command shares."""

from __future__ import annotations

import codecs
import os
from pathlib import Path
from typing import Any, Iterable, Sequence

import click

from ..export.tables import (CSV_ENCODING, iter_csv, iter_csv_columns, iter_csv_values, iter_json, iter_json_columns,
                             iter_json_values, iter_keyed_columns, render, render_json, write_xlsx)


def _remember_excel(ctx: click.Context, _param, value: bool) -> bool:
    if value:
        ctx.meta["coding.excel"] = True
    return value


def format_option(*choices: str, default: str = "table"):
    """``--format`` with the given choices (default: table, csv, json) and ``-o/--output``; with
    csv among them also ``--excel`` (read by ``emit``, so commands need no parameter for it)."""
    choices = choices or ("table", "csv", "json")

    def decorate(fn):
        if "csv" in choices:
            fn = click.option("--excel", is_flag=True, expose_value=False, callback=_remember_excel,
                              help="CSV for Excel with Danish settings: ';' between fields, decimal commas.")(fn)
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
    ctx = click.get_current_context(silent=True)
    excel = bool(ctx is not None and ctx.meta.get("coding.excel"))
    text = render_json(json_data) if fmt == "json" and json_data is not None else render(rows, fmt, columns,
                                                                                          excel=excel)
    if output is not None:
        # a CSV file gets a BOM, so that Excel reads it as UTF-8
        Path(output).write_text(text, encoding=CSV_ENCODING if fmt == "csv" else "utf-8")
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(text, nl=False)


def emit_stream(rows: Iterable[dict] | Iterable[Sequence[Sequence]] | Iterable[Sequence], fmt: str,
                output: Path | None, columns: Sequence[str], *, batches: bool = False, values: bool = False,
                keyed: bool = False) -> None:
    """``emit`` for csv or json, writing the rows as they come instead of collecting them first;
    with ``batches`` the rows come as batches of columns of plain values (str, int, None), with
    ``values`` one at a time as tuples of plain values in the columns' order, with ``keyed`` as
    ``(key, batch of columns)`` to be written in the order of the keys (see
    :func:`coding.export.tables.iter_keyed_columns`)."""
    ctx = click.get_current_context(silent=True)
    excel = bool(ctx is not None and ctx.meta.get("coding.excel"))
    if keyed:  # UTF-8 already: written as it is (newlines as a text file has them)
        encoded = iter_keyed_columns(rows, columns, fmt, excel=excel)
        if output is not None:
            with open(output, "wb") as handle:
                if fmt == "csv":
                    handle.write(codecs.BOM_UTF8)
                for data in encoded:
                    handle.write(data if os.linesep == "\n" else data.replace(b"\n", os.linesep.encode()))
            click.echo(f"wrote {output}", err=True)
        else:
            for data in encoded:
                click.echo(data, nl=False)
        return
    if batches:
        pieces = iter_csv_columns(rows, columns, excel=excel) if fmt == "csv" else iter_json_columns(rows, columns)
    elif values:
        pieces = iter_csv_values(rows, columns, excel=excel) if fmt == "csv" else iter_json_values(rows, columns)
    else:
        pieces = iter_csv(rows, columns, excel=excel) if fmt == "csv" else iter_json(rows, columns)
    if output is not None:
        with open(output, "w", encoding=CSV_ENCODING if fmt == "csv" else "utf-8") as handle:
            for piece in pieces:
                handle.write(piece)
        click.echo(f"wrote {output}", err=True)
    else:
        for piece in pieces:
            click.echo(piece, nl=False)
