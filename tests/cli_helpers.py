"""What the test files share: running the real CLI on a real project file."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from coding.cli import cli


def run(project: Path | None, *args: str, ok: bool = True):
    """``coding [--project PROJECT] ARGS`` through click's runner; with ``ok`` the command must succeed."""
    prefix = ["--project", str(project)] if project is not None else []
    result = CliRunner().invoke(cli, [*prefix, *args], catch_exceptions=False)
    if ok:
        assert result.exit_code == 0, result.output
    return result
