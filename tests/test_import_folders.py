"""Folders of mixed real files, all problems in one run, --skip-bad, and projects that do not exist
(issue 27), through the real CLI."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import docx

from cli_helpers import run


def mixed_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "interviews"
    (folder / "round 2").mkdir(parents=True)
    (folder / "a.txt").write_text("Interviewer: Hvordan går det?\nAnne: Godt, tak.\n", encoding="utf-8")
    document = docx.Document()
    document.add_paragraph("Interviewer: Hvad laver du?")
    document.add_paragraph("Bo (VK): Jeg besøger virksomheder.")
    document.save(folder / "round 2" / "b.docx")
    # what programs leave beside documents: passed over without a word
    (folder / "~$b.docx").write_bytes(b"\x00lock")
    (folder / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    (folder / "Thumbs.db").write_bytes(b"\xd0\xcf\x11\xe0")
    (folder / "a.txt.bak").write_text("Interviewer: old\n", encoding="utf-8")
    (folder / "round 2" / "b.docx~").write_bytes(b"old")
    # other files: listed once
    (folder / "notes.odt").write_bytes(b"PK\x03\x04")
    (folder / "round 2" / "audio.m4a").write_bytes(b"\x00\x00\x00\x20ftypM4A ")
    # bad transcripts
    (folder / "c_nolabels.txt").write_text("Bare tekst uden talere.\nMere tekst.\n", encoding="utf-8")
    (folder / "round 2" / "d_utf16.txt").write_bytes("Anne: hej\n".encode("utf-16-le"))
    # a link leading out of the folder
    secret = tmp_path / "secret.txt"
    secret.write_text("Root: x\nDaemon: y\n", encoding="utf-8")
    os.symlink(secret, folder / "link.txt")
    return folder


def sources(project: Path) -> list[str]:
    if not project.exists():
        return []
    return [r[0] for r in sqlite3.connect(project).execute("SELECT name FROM sources ORDER BY name")]


def test_every_problem_in_one_run_and_nothing_imported(tmp_path):
    folder = mixed_folder(tmp_path)
    project = tmp_path / "p.db"
    run(project, "import", str(folder / "a.txt"))
    result = run(project, "import", str(folder), ok=False)
    assert result.exit_code == 1
    lines = result.output.strip().split("\n")
    assert lines[0] == ("Error: 3 of 5 files cannot be imported, so nothing was imported "
                        "(--skip-bad imports the others):")
    assert sorted(lines[1:]) == sorted([
        f"  {folder / 'c_nolabels.txt'}: no speaker label found (expected lines such as 'Anne:', 'Anne (VK):', "
        "'[00:01:05] Anne:' or '**Anne:**'; use --single-speaker NAME for a text by one person)",
        f"  {folder / 'round 2' / 'd_utf16.txt'}, line 1: the file holds NUL bytes: UTF-16 or UTF-32 text "
        "without a byte-order mark, or not a text file; save it as UTF-8",
        f"  {folder / 'link.txt'}: a link to {tmp_path / 'secret.txt'}, outside the folder being imported: "
        "not followed"])
    assert sources(project) == ["a.txt"]


def test_skip_bad_imports_the_good_files_and_lists_the_rest(tmp_path):
    folder = mixed_folder(tmp_path)
    project = tmp_path / "p.db"
    result = run(project, "import", str(folder), "--skip-bad")
    out = result.output
    assert "imported a.txt" in out and "imported b.docx" in out
    assert "skipped 2 files not imported: notes.odt, round 2/audio.m4a" in out
    assert out.count("skipped") == 1
    assert "not imported 3 bad files (--skip-bad):" in out
    assert f"  {folder / 'c_nolabels.txt'}: no speaker label found" in out
    for junk in ("~$b.docx", ".DS_Store", "Thumbs.db", ".bak", "b.docx~"):
        assert junk not in out
    assert "secret" not in " ".join(sources(project)) and sources(project) == ["a.txt", "b.docx"]
    shown = json.loads(run(project, "show", "b.docx", "--format", "json").output)
    assert [t["speaker"] for t in shown["turns"]] == ["Interviewer", "Bo (VK)"]


def test_a_link_inside_the_folder_is_followed(tmp_path):
    folder = tmp_path / "f"
    folder.mkdir()
    (folder / "real").mkdir()
    (folder / "real" / "a.txt").write_text("I: Hej.\nIP: Hej med dig.\n", encoding="utf-8")
    os.symlink(folder / "real" / "a.txt", folder / "same.txt")
    project = tmp_path / "p.db"
    run(project, "import", str(folder))
    assert sources(project) == ["a.txt", "same.txt"]


def test_no_progress_bar_when_stderr_is_not_a_terminal(tmp_path):
    folder = tmp_path / "f"
    folder.mkdir()
    for i in range(6):
        (folder / f"t{i}.txt").write_text("I: Hej.\nIP: Hej med dig.\n", encoding="utf-8")
    result = run(tmp_path / "p.db", "import", str(folder))
    assert "importing" not in result.output
    assert result.output.count("imported t") == 6


def test_read_commands_need_an_existing_project(tmp_path):
    missing = tmp_path / "nothing.db"
    for args in (["sources"], ["show", "a.txt"], ["matrix"], ["participants"], ["export", "qdpx", "-o",
                                                                                  str(tmp_path / "x.qdpx")],
                 ["autocode", "--codebook", str(Path(__file__).resolve().parents[1] / "codebooks" / "stv.yaml")]):
        result = run(missing, *args, ok=False)
        assert result.exit_code == 1, args
        assert result.output.strip() == f"Error: no project at {missing}: create one with `coding import`", args
        assert not missing.exists()


def test_import_makes_the_project_but_not_its_folder(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("I: Hej.\nIP: Hej med dig.\n", encoding="utf-8")
    nested = tmp_path / "no" / "such" / "p.db"
    result = run(nested, "import", str(path), ok=False)
    assert result.exit_code == 1
    assert f"no folder {nested.parent} for the project {nested}" in result.output
    assert not (tmp_path / "no").exists()
    run(tmp_path / "p.db", "import", str(path))
    assert sources(tmp_path / "p.db") == ["a.txt"]
