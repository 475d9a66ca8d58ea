"""Write docs/cli.md from the commands' own --help (run after changing a command)."""

from pathlib import Path

from coding.cli.reference import cli_reference

if __name__ == "__main__":
    target = Path(__file__).resolve().parents[1] / "docs" / "cli.md"
    target.write_text(cli_reference(), encoding="utf-8")
    print(f"wrote {target}")
