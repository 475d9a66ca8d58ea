"""``coding memo``: write, list, show, edit and delete memos on the project, a source, a code or a coding."""

from __future__ import annotations

import getpass
import textwrap

import click

from ..export.tables import render_json
from . import cli, pass_state
from .output import emit, format_option

MEMO_COLUMNS = ("id", "on", "target", "author", "created_at", "updated_at", "origin", "text")


def default_author() -> str:
    """Who writes when --author is not given: CODING_AUTHOR, else the login name."""
    import os

    try:
        return os.environ.get("CODING_AUTHOR") or getpass.getuser()
    except Exception:  # no login name (some containers)
        return "unknown"


@cli.group("memo")
def memo_group():
    """Memos on the project, a source, a code or a coding: add, list, show, edit, delete.

    Example: coding memo add "Leaders talk about trust, not control" --code leadership
    """


@memo_group.command("add")
@click.argument("text")
@click.option("--source", help="On this source (file name).")
@click.option("--start", type=int, help="With --source: the memo is on the text from START ...")
@click.option("--end", type=int, help="... to END (character offsets, end exclusive).")
@click.option("--code", help="On this code (id, path or label).")
@click.option("--coding", "coding_id", type=int, help="On this coding (its id, as 'coding codings' lists it).")
@click.option("--author", help="Who wrote it (default: $CODING_AUTHOR or the login name).")
@pass_state
def memo_add_command(state, text, source, start, end, code, coding_id, author):
    """Add a memo; without --source, --code or --coding it is on the whole project.

    Example: coding memo add "Ask Nordby about the waiting list" --source nordby_leder.docx --author anna
    """
    memo = state.project.add_memo(text, source=source, code=code, coding=coding_id,
                                  author=author or default_author(), start=start, end=end)
    click.echo(f"memo {memo['id']} added on {memo['target']}")


@memo_group.command("list")
@click.option("--source", help="Only memos on this source (and its spans and codings).")
@click.option("--code", help="Only memos on this code and on its codings.")
@click.option("--author", help="Only memos by this author.")
@click.option("--on", "on", type=click.Choice(["project", "source", "span", "code", "coding"]),
              help="Only memos on this kind of thing.")
@format_option("table", "csv", "json", "xlsx", "md")
@pass_state
def memo_list_command(state, source, code, author, on, fmt, output):
    """List memos with what they are on, author and times (imported Word comments and REFI notes too).

    Example: coding memo list --code leadership --format csv
    """
    records = state.project.memos(source=source, code=code, author=author, on=on)
    rows = records if fmt in ("json", "xlsx", "csv") else [
        {**r, "text": textwrap.shorten(r["text"], 70, placeholder=" …")} for r in records]
    columns = list(MEMO_COLUMNS) if fmt == "table" else [*MEMO_COLUMNS, "source", "code", "coding", "start", "end",
                                                          "quote", "guid"]
    emit(rows, fmt, output, columns, sheet="memos", json_data=[{c: r.get(c) for c in columns} for r in records])


@memo_group.command("show")
@click.argument("memo_id", type=int)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@pass_state
def memo_show_command(state, memo_id, fmt):
    """Show one memo in full, with the text it is on.

    Example: coding memo show 3
    """
    memo = state.project.memo(memo_id)
    if fmt == "json":
        click.echo(render_json(memo), nl=False)
        return
    edited = f", edited {memo['updated_at']}" if memo["updated_at"] else ""
    click.echo(f"memo {memo['id']} on {memo['target']}")
    click.echo(f"by {memo['author'] or 'unknown'}, {memo['created_at']}{edited} ({memo['origin']})")
    if memo.get("quote"):
        click.echo(textwrap.indent(textwrap.fill(f"“{memo['quote']}”", 96), "  > "))
    click.echo("")
    click.echo(memo["text"])


@memo_group.command("edit")
@click.argument("memo_id", type=int)
@click.argument("text", required=False)
@pass_state
def memo_edit_command(state, memo_id, text):
    """Replace a memo's text (without TEXT: opens $EDITOR on it).

    Example: coding memo edit 3 "Nordby answered: the list is gone since March"
    """
    if text is None:
        current = state.project.memo(memo_id)["text"]
        text = click.edit(current)
        if text is None or text.strip() == current.strip():
            click.echo(f"memo {memo_id} unchanged")
            return
    memo = state.project.edit_memo(memo_id, text)
    click.echo(f"memo {memo['id']} on {memo['target']} changed")


@memo_group.command("delete")
@click.argument("memo_id", type=int)
@pass_state
def memo_delete_command(state, memo_id):
    """Delete a memo.

    Example: coding memo delete 3
    """
    memo = state.project.delete_memo(memo_id)
    click.echo(f"memo {memo['id']} on {memo['target']} deleted")
