"""The ``coding`` command: thin click commands over :class:`coding.Project`.

Each command module registers its commands on :data:`cli`; library errors
(:class:`coding.errors.CodingError`) become one-line messages with exit code 1.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from ..errors import CodingError
from ..project import Project


class ProjectGroup(click.Group):
    """A group that turns the library's errors into clean messages."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except CodingError as exc:
            raise click.ClickException(str(exc)) from None
        except OSError as exc:
            if exc.filename:
                raise click.ClickException(f"{exc.filename}: {exc.strerror}") from None
            raise


class State:
    """What the group passes to commands: where the project is, opened on first use."""

    def __init__(self, path: Path, quiet: bool):
        self.path = path
        self.quiet = quiet
        self._project: Project | None = None

    @property
    def project(self) -> Project:
        if self._project is None:
            # a change that must wait for another program (the workspace, another command) says so
            if not self.path.exists() and _command_name() not in CREATING:
                raise click.ClickException(f"no project at {self.path}: create one with `coding import`")
            self._project = Project.open(self.path, on_wait=lambda message: click.echo(message, err=True))
        return self._project

    def close(self) -> None:
        if self._project is not None:
            self._project.close()

    def progress(self, message: str) -> None:
        if not self.quiet and sys.stderr.isatty():
            click.echo(f"  {message}", err=True)

    def say(self, message: str) -> None:
        if not self.quiet:
            click.echo(message, err=True)


pass_state = click.make_pass_decorator(State)

# Commands that add material and so may make a new project file; every other command needs one
CREATING = {"import", "codebook import"}


def _command_name() -> str:
    """The running command's name below the group ("import", "export docx")."""
    names = []
    ctx = click.get_current_context(silent=True)
    while ctx is not None and ctx.parent is not None:
        names.append(ctx.info_name or "")
        ctx = ctx.parent
    return " ".join(reversed(names))


@click.group(cls=ProjectGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--project", "project_path", type=click.Path(dir_okay=False, path_type=Path),
              envvar="CODING_PROJECT", default="coding.db", show_default=True,
              help="The project file (SQLite); `coding import` creates it. Environment: CODING_PROJECT.")
@click.option("-q", "--quiet", is_flag=True, help="No progress or notes on stderr.")
@click.version_option(package_name="coding")
@click.pass_context
def cli(ctx: click.Context, project_path: Path, quiet: bool) -> None:
    """Qualitative coding of interview transcripts: import, code, compare, report.

    Example: coding --project eval.db import transcripts/ --manifest participants.csv
    """
    state = State(project_path, quiet)
    ctx.obj = state
    ctx.call_on_close(state.close)


def main() -> None:
    cli(prog_name="coding")


# Command modules register themselves on `cli` when imported.
from . import ingest_commands  # noqa: E402,F401
from . import coding_commands  # noqa: E402,F401
# -- command modules of other areas: add one import line each below this marker
from . import analysis_commands  # noqa: E402,F401
from . import codebook_commands  # noqa: E402,F401
from . import export_group  # noqa: E402,F401
from . import manual_commands  # noqa: E402,F401
from . import report_commands  # noqa: E402,F401
from . import refi_commands  # noqa: E402,F401
from . import pipeline_commands  # noqa: E402,F401
from . import memo_commands  # noqa: E402,F401
from . import search_commands  # noqa: E402,F401
from . import serve_commands  # noqa: E402,F401
from . import anonymize_commands  # noqa: E402,F401
from . import code_commands  # noqa: E402,F401
