"""``coding segments``, ``coding matrix``, ``coding cooccurrence``, ``coding quotes``."""

from __future__ import annotations

from pathlib import Path

import click

from . import cli
from .coding_commands import filter_options, parse_where
from .anonymize_commands import anonymize_option, unreviewed_option
from .output import emit, emit_stream, format_option

interviewer_option = click.option(
    "--include-interviewer", is_flag=True,
    help="Count interviewer turns too (left out by default).")
level_option = click.option("--level", type=click.IntRange(min=1),
                            help="Codes down to this depth only (1 = top-level themes), sub-codes rolled up.")
language_option = click.option("--language", help="Language of code labels (default: most sources' language).")


@cli.command("segments")
@filter_options
@interviewer_option
@level_option
@click.option("--rollup", is_flag=True, help="List under every code the merged segments of its whole subtree.")
@language_option
@anonymize_option
@unreviewed_option
@format_option("table", "csv", "json", "xlsx", "md")
@click.pass_obj
def segments_command(state, code, coder, origin, source, where, include_interviewer, level, rollup, language,
                     anonymize, unreviewed, fmt, output):
    """List coded segments (overlapping or touching codings merged) with speaker and attributes.

    Example: coding segments --code samarbejde --level 1 --format csv -o segments.csv
    """
    if not anonymize and fmt in ("csv", "json"):  # made a few sources at a time, put in list order on disk
        columns, parts = state.project.segment_parts(
            code=code, coder=coder, origin=origin, source=source, where=parse_where(where),
            include_interviewer=include_interviewer, level=level, rollup=rollup, language=language)
        emit_stream(parts, fmt, output, columns, keyed=True)
        return
    if not anonymize:  # rows made as they are read (no pandas)
        columns, rows = state.project.segment_records(
            code=code, coder=coder, origin=origin, source=source, where=parse_where(where),
            include_interviewer=include_interviewer, level=level, rollup=rollup, language=language)
        emit(list(rows), fmt, output, columns, sheet="segments")
        return
    frame = state.project.segments(code=code, coder=coder, origin=origin, source=source,
                                   where=parse_where(where), include_interviewer=include_interviewer,
                                   level=level, rollup=rollup, language=language, anonymize=anonymize,
                                   unreviewed=unreviewed)
    records = frame.to_dict("records")
    emit(records, fmt, output, list(frame.columns), sheet="segments")


@cli.command("matrix")
@click.option("--rows", default="code", show_default=True,
              help="Row dimension: code, an attribute (role, municipality ...), source, participant or coder.")
@click.option("--cols", multiple=True, metavar="DIM",
              help="Column dimension (repeatable: --cols municipality --cols role). Default: role.")
@click.option("--count", type=click.Choice(["segments", "participants", "sources", "words"]), default="segments",
              show_default=True, help="What each cell counts.")
@level_option
@filter_options
@click.option("--normalize", type=click.Choice(["none", "row", "col", "total"]), default="none",
              show_default=True, help="Percent of the row's Total, the column's or everything's.")
@interviewer_option
@language_option
@click.option("--heatmap", type=click.Path(dir_okay=False, path_type=Path),
              help="Also draw the matrix as a heatmap (.png).")
@click.option("--empty-codes", is_flag=True,
              help="Keep codes that have no coding in the project (left out by default).")
@click.option("--quotes", "with_quotes", is_flag=True,
              help="With --format docx: the best quote of each theme and column in its cell.")
@anonymize_option
@unreviewed_option
@format_option("table", "csv", "json", "xlsx", "md", "docx")
@click.pass_obj
def matrix_command(state, rows, cols, count, level, code, coder, origin, source, where, normalize,
                   include_interviewer, language, heatmap, empty_codes, with_quotes, anonymize, unreviewed, fmt,
                   output):
    """Count segments (or participants, sources, words) by code and role, municipality or any attribute.

    --format docx writes the table as the reports' CASE tables: cases (or roles) across, themes
    down, counts, "I alt"/"Total", a caption; --quotes adds the best quote per cell.

    Example: coding matrix --rows code --cols municipality --cols role --format csv -o matrix.csv
    Example: coding matrix --cols municipality --level 1 --format docx --quotes -o cases.docx
    """
    from ..analysis.matrix import matrix_records, matrix_rows

    if heatmap is not None and heatmap.suffix.lower() != ".png":
        raise click.BadParameter(f"'{heatmap}' must be a .png file", param_hint="--heatmap")
    if with_quotes and fmt != "docx":
        raise click.UsageError("--quotes goes with --format docx")
    if fmt == "docx":
        if output is None:
            raise click.UsageError("--format docx needs -o FILE.docx")
        state.project.export_matrix_docx(output, rows, list(cols) or ["role"], quotes=with_quotes,
                                         anonymize=anonymize, unreviewed=unreviewed, count=count, level=level,
                                         code=code, coder=coder, origin=origin, source=source,
                                         where=parse_where(where), normalize=normalize,
                                         include_interviewer=include_interviewer, language=language,
                                         empty_codes=empty_codes)
        state.say(f"wrote {output}")
        return
    table = state.project.matrix_table(rows, list(cols) or ["role"], count=count, level=level, code=code,
                                       coder=coder, origin=origin, source=source, where=parse_where(where),
                                       normalize=normalize, include_interviewer=include_interviewer,
                                       language=language, empty_codes=empty_codes, anonymize=anonymize,
                                       unreviewed=unreviewed)
    records, columns = matrix_rows(table, for_people=True)
    emit(records, fmt, output, columns, sheet="matrix", json_data=matrix_records(table))
    if heatmap is not None:
        from ..export.plots import heatmap_png  # matplotlib and pandas only for the figure

        heatmap_png(table.frame(), heatmap)
        state.say(f"wrote {heatmap}")


@cli.command("cooccurrence")
@click.option("--unit", type=click.Choice(["turn", "segment"]), default="turn", show_default=True,
              help="Codes co-occur in the same respondent turn, or in overlapping segments.")
@level_option
@filter_options
@interviewer_option
@language_option
@click.option("--graph", "graph_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the network: .graphml, .gexf or .png.")
@click.option("--min-count", type=click.IntRange(min=1), default=1, show_default=True,
              help="Edges in the graph need at least this many co-occurrences.")
@format_option("table", "csv", "json", "xlsx", "md")
@click.pass_obj
def cooccurrence_command(state, unit, level, code, coder, origin, source, where, include_interviewer, language,
                         graph_path, min_count, fmt, output):
    """Pairs of codes that occur together, with counts and Jaccard index; optionally the network.

    Example: coding cooccurrence --unit turn --level 1 --graph themes.png
    """
    from ..analysis.cooccurrence import graph
    from ..export.plots import write_graph
    from ..export.plots import words

    frame = state.project.cooccurrence(unit=unit, level=level, code=code, coder=coder, origin=origin,
                                       source=source, where=parse_where(where),
                                       include_interviewer=include_interviewer, language=language)
    if graph_path is not None:  # check the suffix before printing anything
        write_graph(graph(frame, min_count=min_count), graph_path,
                    title=words(frame.attrs["language"])["cooccurrence"])
    emit(frame.to_dict("records"), fmt, output, list(frame.columns), sheet="cooccurrence")
    if graph_path is not None:
        state.say(f"wrote {graph_path}")


@cli.command("quotes")
@click.option("--code", required=True, help="The code (id, path or label); its sub-codes are included.")
@click.option("--by", default="role", show_default=True, help="Group the quotes by this attribute.")
@click.option("--limit", type=click.IntRange(min=1), help="At most this many quotes per group (best first).")
@click.option("--coder", help="Only codings by this coder.")
@click.option("--origin", help="Only codings of this origin.")
@click.option("--source", help="Only this source.")
@click.option("--where", multiple=True, metavar="ATTR=VALUE", help="Only speakers/sources with this value.")
@interviewer_option
@click.option("--min-chars", type=click.IntRange(min=1), default=60, show_default=True,
              help="Shorter quotes rank lower.")
@click.option("--max-chars", type=click.IntRange(min=20), default=400, show_default=True,
              help="Longer quotes rank lower.")
@language_option
@click.option("--explain", is_flag=True,
              help="Show why each quote was chosen: score, relevance and the rules or coders behind it.")
@anonymize_option
@unreviewed_option
@format_option("text", "md", "docx", default="text")
@click.pass_obj
def quotes_command(state, code, by, limit, coder, origin, source, where, include_interviewer, min_chars,
                   max_chars, language, explain, anonymize, unreviewed, fmt, output):
    """Quotes for a theme, grouped by role or municipality, attributed, most relevant first.

    Ranked by how strongly the theme's own rules (or a person's coding) hold the passage, spread
    over people and interviews; reviewed and hand-coded passages first, rejected ones never.

    Example: coding quotes --code samarbejde --by municipality --limit 3 --explain
    """
    from ..analysis.quotes import render_quotes

    if fmt == "docx" and output is None:
        raise click.UsageError("--format docx needs -o FILE.docx")
    quotes = state.project.quote_list(code, by=by, limit=limit, coder=coder, origin=origin, source=source,
                                      where=parse_where(where), include_interviewer=include_interviewer,
                                      min_chars=min_chars, max_chars=max_chars, language=language,
                                      anonymize=anonymize, unreviewed=unreviewed)
    if fmt == "docx":
        from ..export.quotes_docx import write_quotes_docx

        write_quotes_docx(quotes, output)
        state.say(f"wrote {output}")
        return
    text = render_quotes(quotes, fmt, explain=explain)
    if output is not None:
        output.write_text(text, encoding="utf-8")
        state.say(f"wrote {output}")
    else:
        click.echo(text, nl=False)
