"""What the test files share: running the real CLI on a real project file."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from coding.cli import cli


def run(project: Path | None, *args: str, ok: bool = True, input: str | None = None):
    """``coding [--project PROJECT] ARGS`` through click's runner; with ``ok`` the command must succeed.
    ``input`` is what the user types (answers to confirmations)."""
    prefix = ["--project", str(project)] if project is not None else []
    result = CliRunner().invoke(cli, [*prefix, *args], catch_exceptions=False, input=input)
    if ok:
        assert result.exit_code == 0, result.output
    return result
