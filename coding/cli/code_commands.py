"""Reorganising codes after coding (``coding code rename|merge|move|delete``) and removing codings
(``coding uncode``, ``coding codings delete``)."""

from __future__ import annotations

import click

from . import cli, pass_state
from .coding_commands import codings_group


@cli.group("code")
def code_group():
    """Rename, merge, move and delete codes, keeping their codings; the codebook follows.

    Example: coding code merge samarbejde internal_collaboration
    """


def _codebook_hint(state) -> None:
    """After a change: the codebook file the project came from no longer says what the project holds."""
    file = state.project.codebook_file()
    if file:
        state.say(f"note: {file} no longer matches the project's codes; to bring it in step: "
                  f"coding codebook export --format yaml -o {file}")


@code_group.command("rename")
@click.argument("old")
@click.argument("new")
@click.option("--label", "labels", multiple=True, metavar="[LANG=]TEXT",
              help="A new label: da=Ledelse, en=Leadership, or TEXT for the language of the sources (repeatable).")
@pass_state
def code_rename_command(state, old, new, labels):
    """Give a code a new id (its codings, memos and GUID stay); --label changes labels too.

    Example: coding code rename leadership management --label en=Management --label da=Ledelse
    """
    from ..codebook.manage import parse_labels
    from ..refi.reader import project_language

    result = state.project.rename_code(old, new, labels=parse_labels(labels, project_language(state.project.store)))
    shown = ", ".join(f"{k}: {v}" for k, v in result["labels"].items())
    click.echo(f"code {result['old']} -> {result['new']} ({shown})")
    _codebook_hint(state)


@code_group.command("merge")
@click.argument("source_code", metavar="A")
@click.argument("target_code", metavar="B")
@pass_state
def code_merge_command(state, source_code, target_code):
    """Merge code A into code B: A's codings move to B (duplicates become one), A disappears.

    Memos on A, its summaries, its child codes and its auto-coding rules go to B too.

    Example: coding code merge samarbejde internal_collaboration
    """
    r = state.project.merge_code(source_code, target_code)
    click.echo(f"merged {r['merged']} into {r['into']}: {r['moved']} codings moved, {r['duplicates']} of them "
               f"already on {r['into']} (now one); {r['into']} has {r['after']} codings (had {r['before']})")
    extra = [f"{n} {what}" for what, n in (("memos", r["memos"]), ("summaries", r["summaries"]),
                                           ("child codes", r["children"])) if n]
    if r["rules_added"]:
        extra.append("its auto-coding rules")
    if extra:
        click.echo(f"also moved to {r['into']}: {', '.join(extra)}")
    _codebook_hint(state)


@code_group.command("move")
@click.argument("code")
@click.option("--parent", help="The new parent code (id, path or label).")
@click.option("--top", is_flag=True, help="Make it a top-level code.")
@pass_state
def code_move_command(state, code, parent, top):
    """Put a code (with its children and codings) under another parent, or at the top level.

    Example: coding code move caseload --parent capacity
    """
    if bool(parent) == bool(top):
        raise click.UsageError("give --parent CODE or --top")
    r = state.project.move_code(code, None if top else parent)
    click.echo(f"code {r['code']} is now {r['path']}")
    _codebook_hint(state)


@code_group.command("delete")
@click.argument("code")
@click.option("--with-codings", is_flag=True, help="Delete its codings too (refused without it if it has any).")
@click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
@pass_state
def code_delete_command(state, code, with_codings, yes):
    """Delete a code; refused while it has codings unless --with-codings. Child codes move up.

    Example: coding code delete old_theme --with-codings --yes
    """
    plan = state.project.code_delete_plan(code)
    if plan["codings"] and with_codings:
        click.echo(f"code {plan['code']}: {plan['codings_text']} codings will be deleted", err=True)
        if not yes:
            click.confirm("Delete them?", abort=True, err=True)
    r = state.project.delete_code(code, with_codings=with_codings)
    parts = [f"{r['deleted_codings']} codings"]
    if r["memos"] or r["coding_memos"]:
        parts.append(f"{r['memos'] + r['coding_memos']} memos")
    if r["summaries"]:
        parts.append(f"{r['summaries']} summaries")
    moved = f"; child codes moved up: {', '.join(r['children'])}" if r["children"] else ""
    click.echo(f"deleted code {r['code']} with {', '.join(parts)}{moved}")
    _codebook_hint(state)


def _confirm_and_remove(state, yes: bool, **filters) -> None:
    plan = state.project.count_codings(**filters)
    if plan["missing"]:
        raise click.ClickException(f"no coding with id {', '.join(map(str, plan['missing']))} in the project; "
                                   "nothing deleted")
    if not plan["codings"]:
        click.echo("no codings match; nothing deleted")
        return
    click.echo(f"{plan['text']} codings will be deleted", err=True)
    if not yes:
        click.confirm("Delete them?", abort=True, err=True)
    r = state.project.remove_codings(**filters)
    memos = f" and {r['memos']} memos on them" if r["memos"] else ""
    click.echo(f"deleted {r['deleted']} codings{memos}")


@cli.command("uncode")
@click.argument("ids", nargs=-1, type=int, required=True)
@click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
@pass_state
def uncode_command(state, ids, yes):
    """Remove codings by id (the id column of 'coding codings'), with their memos.

    Example: coding uncode 412 413 --yes
    """
    _confirm_and_remove(state, yes, ids=list(ids))


@codings_group.command("delete")
@click.option("--coder", help="Codings by this coder.")
@click.option("--code", help="Codings of this code (id, path or label) and its descendants.")
@click.option("--source", help="Codings in this source (file name).")
@click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
@pass_state
def codings_delete_command(state, coder, code, source, yes):
    """Remove every coding that matches all the filters given, after showing how many.

    Example: coding codings delete --coder bo --code leadership --source nordby_leder.docx
    """
    if not (coder or code or source):
        raise click.UsageError("say which codings: --coder, --code and/or --source")
    _confirm_and_remove(state, yes, coder=coder, code=code, source=source)
