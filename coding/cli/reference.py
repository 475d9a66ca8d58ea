"""The command reference (docs/cli.md), generated from the commands' own help."""

from __future__ import annotations

import click


def walk(command: click.Command, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], click.Command]]:
    """Every command under ``command`` with its full name, depth first in name order."""
    found = [(path, command)]
    if isinstance(command, click.Group):
        for name in sorted(command.commands):
            found.extend(walk(command.commands[name], path + (name,)))
    return found


def help_text(command: click.Command, path: tuple[str, ...]) -> str:
    """The ``--help`` text of one command, as the terminal shows it."""
    from . import cli

    parent = click.Context(cli, info_name="coding", terminal_width=80, max_content_width=80,
                           help_option_names=["-h", "--help"])
    ctx = parent
    for name in path:
        ctx = click.Context(ctx.command.commands[name] if isinstance(ctx.command, click.Group) else command,
                            info_name=name, parent=ctx)
    return command.get_help(ctx)


def cli_reference() -> str:
    from . import cli

    lines = ["# Command reference", "",
             "Generated from each command's `--help` by `python tools/make_cli_docs.py`; do not edit by hand.", ""]
    for path, command in walk(cli):
        title = " ".join(("coding",) + path)
        lines += [f"## `{title}`", "", "```text", help_text(command, path).rstrip(), "```", ""]
    return "\n".join(lines)
