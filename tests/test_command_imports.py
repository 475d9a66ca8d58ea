"""Listing and analysis commands load only what they use: no pandas, matplotlib, python-docx or the
importers (the format readers) for a matrix or a search written as text, CSV or JSON, and no spaCy
for a search of words the material has; the fixed cost of such a command stays small. Checked in a
fresh interpreter per command."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from cli_helpers import run

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("pandas", "matplotlib", "coding.importing", "docx", "spacy")

TEXT = ("Interviewer: Hvordan arbejder I med borgerne?\n\n"
        "Ulla: Vi ser på, hvad borgeren kan, og vi ringer til en virksomhed i nærheden.\n")
MANIFEST = ("source,speaker,participant,role,municipality\n"
            "ulla.txt,Interviewer,I1,Interviewer,Havby\nulla.txt,Ulla,U1,Jobkonsulent,Havby\n")


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("imports")
    (folder / "t").mkdir()
    (folder / "t" / "ulla.txt").write_text(TEXT, encoding="utf-8")
    (folder / "participants.csv").write_text(MANIFEST, encoding="utf-8")
    db = folder / "p.db"
    run(db, "import", str(folder / "t"), "--manifest", str(folder / "participants.csv"))
    run(db, "autocode", "--codebook", str(ROOT / "codebooks" / "stv.yaml"))
    return db


@pytest.mark.parametrize("args", [
    ["matrix"], ["matrix", "--format", "csv", "--cols", "municipality"], ["matrix", "--format", "json"],
    ["matrix", "--format", "md", "--level", "1", "--normalize", "row"],
    ["search", "virksomhed", "--format", "csv"], ["search", "virksomhed OR borgeren", "--format", "json"],
])
def test_command_loads_only_what_it_uses(project, args):
    probe = ("import json, sys\nfrom coding.cli import cli\n"
             f"cli.main(['--project', {str(project)!r}, *{args!r}], standalone_mode=False)\n"
             f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    *output, loaded = done.stdout.rstrip("\n").split("\n")
    assert json.loads(loaded) == [], args
    assert ("virksomhed" if args[0] == "search" else "belief") in "\n".join(output)
