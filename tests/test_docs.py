"""The README's quick start, CI script and command reference stay true to the code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from coding.cli import cli
from coding.cli.reference import cli_reference, walk

ROOT = Path(__file__).resolve().parents[1]


def quick_start_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return [block.strip() for block in re.findall(r"```bash\n(.*?)```", section, re.S)]


def test_quick_start_has_two_commands_and_ci_runs_the_test_one():
    commands = quick_start_commands()
    assert len(commands) == 2
    install_and_run, install_and_test = commands
    assert "pip install" in install_and_run and "transcripts_sample" in install_and_run
    assert "pytest" in install_and_test
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert install_and_test in ci.splitlines()


@pytest.mark.parametrize("path, command", walk(cli)[1:], ids=lambda v: " ".join(v) if isinstance(v, tuple) else "")
def test_every_command_has_a_summary_and_an_example(path, command):
    text = command.help or ""
    assert text.strip(), f"coding {' '.join(path)} has no help"
    assert "Example:" in text, f"coding {' '.join(path)} has no 'Example:' line in its help"


def test_command_reference_is_up_to_date():
    written = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    assert written == cli_reference(), "docs/cli.md is stale: run python tools/make_cli_docs.py"


def test_every_top_level_command_is_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [name for name in cli.commands if f"coding {name}" not in readme and f"coding --project eval.db {name}" not in readme]
    assert not missing, f"commands not shown in README.md: {missing}"
