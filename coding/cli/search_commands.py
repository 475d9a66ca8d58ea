"""``coding search`` (keyword in context, and coding the hits) and ``coding words`` (word frequency)."""

from __future__ import annotations

from pathlib import Path

import click

from . import cli
from .coding_commands import parse_where
from .anonymize_commands import anonymize_option, unreviewed_option
from .output import emit, emit_stream, format_option

KWIC_SIDE = 45      # characters of context shown each side in the terminal table


def _kwic_table(records: list[dict]) -> str:
    """Hits as a keyword-in-context table: the matches lined up in one column."""
    if not records:
        return "(no hits)\n"

    def cut_left(text: str) -> str:
        return text if len(text) <= KWIC_SIDE else "…" + text[-(KWIC_SIDE - 1):]

    def cut_right(text: str) -> str:
        return text if len(text) <= KWIC_SIDE else text[:KWIC_SIDE - 1] + "…"

    where = [f"{r['source']}" + (f" #{r['turn']}" if r["turn"] is not None else "") for r in records]
    who = [" / ".join(x for x in (r["speaker"], r["role"]) if x) for r in records]
    before = [cut_left(r["before"]) for r in records]
    after = [cut_right(r["after"]) for r in records]
    w_where = max(len("source #turn"), *map(len, where))
    w_who = min(max(len("speaker / role"), *map(len, who)), 40)
    w_before = max(map(len, before))
    w_match = max(len(r["match"]) for r in records)
    lines = [f"{'source #turn'.ljust(w_where)}  {'speaker / role'.ljust(w_who)}  {'before'.rjust(w_before)}  "
             f"{'match'.ljust(w_match)}  after".rstrip()]
    for r, a, b, c, d in zip(records, where, who, before, after):
        lines.append(f"{a.ljust(w_where)}  {b[:w_who].ljust(w_who)}  {c.rjust(w_before)}  "
                     f"{r['match'].ljust(w_match)}  {d}".rstrip())
    return "\n".join(lines) + "\n"


@cli.command("search")
@click.argument("query")
@click.option("--where", multiple=True, metavar="ATTR=VALUE",
              help="Only speakers (or sources) with this attribute value (repeatable).")
@click.option("--code", help="Only text coded with this code (id, path or label) or a code below it.")
@click.option("--source", multiple=True, metavar="NAME", help="Only this source (file name; repeatable).")
@click.option("--context", type=click.IntRange(min=0), default=8, show_default=True,
              help="Words shown before and after each hit (within the turn).")
@click.option("--exact", is_flag=True, help="The literal word forms only (no other inflections or compounds).")
@click.option("--include-interviewer", is_flag=True, help="Search interviewer turns too (left out by default).")
@click.option("--code-as", metavar="CODE", help="Code the hits with this code (needs --coder).")
@click.option("--coder", metavar="NAME", help="Whose codings --code-as makes.")
@click.option("--unit", type=click.Choice(["sentence", "turn"]), default="sentence", show_default=True,
              help="What --code-as codes around each hit.")
@anonymize_option
@unreviewed_option
@format_option("table", "csv", "json", "xlsx", "md")
@click.pass_obj
def search_command(state, query, where, code, source, context, exact, include_interviewer, code_as, coder, unit,
                   anonymize, unreviewed, fmt, output):
    """Find words, phrases and wildcards in what was said, shown in context (keyword in context).

    Lemma-aware in Danish and English: "borger" finds borgeren, borgerne, borgernes, and Danish
    compounds as the auto-coder finds them ("konsulent" finds virksomhedskonsulenten). Write
    "two words" for a phrase, word* for a wildcard, and combine terms with AND, OR, NOT and
    parentheses (within a turn; two words side by side mean AND). --exact finds the literal form.
    With --code-as CODE --coder NAME the sentence (or --unit turn) around each hit is coded;
    the command reports how many codings are new and how many were there already.

    Example: coding search 'borger AND (konsulent OR "tæt på")' --where role=Sagsbehandler
    """
    if (code_as is None) != (coder is None):
        raise click.UsageError("--code-as and --coder go together: --code-as CODE --coder NAME")
    if code_as is not None and anonymize:
        raise click.UsageError("--code-as codes the project's own text; it does not go with --anonymize")
    if code_as is not None:
        report = state.project.code_search_hits(query, code_as=code_as, coder=coder, unit=unit,
                                                where=parse_where(where), code=code, source=list(source),
                                                exact=exact, include_interviewer=include_interviewer)
        click.echo(f"{report['hits']} hits in {report['units']} {report['unit']}s: {report['new']} new codings of "
                   f"'{report['code']}' by {report['coder']}, {report['already']} already coded")
        return
    if fmt in ("csv", "json") and not anonymize:  # written a few sources at a time, as they are searched
        from ..search import HIT_COLUMNS

        parts = state.project.search_parts(query, where=parse_where(where), code=code, source=list(source),
                                           context=context, exact=exact, include_interviewer=include_interviewer)
        seen = {"hits": 0, "sources": set()}

        def values():
            for part in parts:
                seen["hits"] += len(part)
                seen["sources"].update(r["source"] for r in part)
                yield from (tuple(r[c] for c in HIT_COLUMNS) for r in part)
        emit_stream(values(), fmt, output, list(HIT_COLUMNS), values=True)
        hits, sources = seen["hits"], len(seen["sources"])
        state.say(f"{hits} hits in {sources} source{'s' if sources != 1 else ''}")
        return
    records = state.project.search(query, where=parse_where(where), code=code, source=list(source),
                                   context=context, exact=exact, include_interviewer=include_interviewer,
                                   anonymize=anonymize, unreviewed=unreviewed)
    sources = len({r["source"] for r in records})
    state.say(f"{len(records)} hits in {sources} source{'s' if sources != 1 else ''}")
    from ..search import HIT_COLUMNS

    if fmt == "table":
        text = _kwic_table(records)
        if output is not None:
            Path(output).write_text(text, encoding="utf-8")
            state.say(f"wrote {output}")
        else:
            click.echo(text, nl=False)
        return
    if fmt in ("csv", "json"):  # the hits' plain values, written a column at a time (the same text)
        emit_stream((tuple(r[c] for c in HIT_COLUMNS) for r in records), fmt, output, list(HIT_COLUMNS),
                    values=True)
        return
    emit(records, fmt, output, list(HIT_COLUMNS), sheet="search")


@cli.command("words")
@click.option("--where", multiple=True, metavar="ATTR=VALUE",
              help="Only speakers (or sources) with this attribute value (repeatable).")
@click.option("--by", metavar="ATTR", help="Count per value of this attribute (role, municipality ...).")
@click.option("--top", type=click.IntRange(min=1), default=30, show_default=True,
              help="The most frequent words (with --by: of every value).")
@click.option("--code", help="Only text coded with this code (id, path or label) or a code below it.")
@click.option("--source", multiple=True, metavar="NAME", help="Only this source (file name; repeatable).")
@click.option("--include-interviewer", is_flag=True, help="Count interviewer turns too (left out by default).")
@click.option("--chart", type=click.Path(dir_okay=False, path_type=Path),
              help="Also draw the words as a bar chart (.png; with --by one panel per value).")
@anonymize_option
@unreviewed_option
@format_option("table", "csv", "json", "xlsx", "md")
@click.pass_obj
def words_command(state, where, by, top, code, source, include_interviewer, chart, anonymize, unreviewed, fmt,
                  output):
    """Word frequency by lemma in what was said, stop words left out, optionally per attribute value.

    Words are counted by lemma (borger, borgeren and borgerne are one word); spaCy's stop words of
    each source's language are left out, and so are interviewer turns unless --include-interviewer.
    With --by role the top words of every role are listed with a count per role. With --anonymize
    the anonymized text is counted, without its placeholders ([navn 3], [telefon], [Borger 1]).

    Example: coding words --by role --top 20 --chart words.png --format xlsx -o words.xlsx
    """
    if chart is not None and chart.suffix.lower() != ".png":
        raise click.BadParameter(f"'{chart}' must be a .png file", param_hint="--chart")
    frequency = state.project.words(where=parse_where(where), by=by, top=top, code=code, source=list(source),
                                    include_interviewer=include_interviewer, anonymize=anonymize,
                                    unreviewed=unreviewed)
    state.say(f"{frequency.total} words counted" + (
        "; per value: " + ", ".join(f"{k} {v}" for k, v in frequency.groups.items()) if by else ""))
    emit(frequency.records, fmt, output, frequency.columns, sheet="words", json_data=frequency.as_json())
    if chart is not None:
        from ..search import words_chart

        words_chart(frequency, chart)
        state.say(f"wrote {chart}")
