"""Importing with worker processes that read the files ahead (``coding import --jobs N``): the same
project, the same errors for bad files, nothing stored when one fails, progress in file order; and
no workers for a small import."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import docx

from cli_helpers import run
from coding import Project
from coding.importing.reading import AUTO_MAX_JOBS, AUTO_MIN_FILES, file_reader, read_file, worker_count

ROOT = Path(__file__).resolve().parents[1]


def many_files(folder: Path, count: int = 14) -> list[str]:
    """Transcripts of every reader (Word, text, Markdown, WebVTT, SRT), some with the language in
    the file and some left to the identifier; returns their names in import order."""
    folder.mkdir(parents=True, exist_ok=True)
    names = []
    for i in range(count):
        kind = i % 5
        name = f"{i:02d}_interview." + ("docx", "txt", "md", "vtt", "srt")[kind]
        lines = [f"Interviewer: Hvordan har samarbejdet med kommune nummer {i} været i år?",
                 f"Karen Vestergaard (VK): Det har været godt, og vi har mødtes hver {i + 2}. uge hele foråret.",
                 "Interviewer: What would you change about the meetings with the employers?",
                 f"Karen Vestergaard (VK): I would keep them short and bring case number {i} every time."]
        path = folder / name
        if kind == 0:
            document = docx.Document()
            document.core_properties.language = "da-DK" if i % 2 else ""
            document.add_heading(f"Interview {i}", level=1)
            for line in lines:
                label, text = line.split(": ", 1)
                paragraph = document.add_paragraph()
                paragraph.add_run(label + ":").bold = True
                paragraph.add_run(" " + text)
            document.save(path)
        elif kind in (1, 2):
            head = "---\nkommune: Nordby\n---\n" if kind == 2 else ""
            path.write_text(head + "\n".join(lines) + "\n", encoding="utf-8")
        else:
            sep = "." if kind == 3 else ","
            cues = [f"{n + 1}\n00:00:{n * 5:02d}{sep}000 --> 00:00:{n * 5 + 4:02d}{sep}500\n{line}\n"
                    for n, line in enumerate(lines)]
            path.write_text(("WEBVTT\n\n" if kind == 3 else "") + "\n".join(cues), encoding="utf-8")
        names.append(name)
    return names


def rows(project: Path) -> dict[str, list[tuple]]:
    """Every table's rows, without the times of the import and the random ids (guid)."""
    db = sqlite3.connect(project)
    out = {}
    for (table,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"):
        columns = [c[1] for c in db.execute(f"PRAGMA table_info({table})")]
        kept = [c for c in columns if c not in ("imported_at", "applied_at", "created_at", "updated_at", "guid")]
        out[table] = sorted(db.execute(f"SELECT {', '.join(kept)} FROM {table}").fetchall(), key=repr)
    db.close()
    return out


def test_workers_import_the_same_project_in_the_same_order(tmp_path):
    names = many_files(tmp_path / "in")
    reports, seen = {}, {}
    for jobs in (1, 2):
        seen[jobs] = []
        with Project.open(tmp_path / f"p{jobs}.db") as project:
            reports[jobs] = project.import_paths([tmp_path / "in"], progress=seen[jobs].append, jobs=jobs)
    assert seen[1] == seen[2] == names      # progress in file order either way
    assert reports[2].imported == reports[1].imported == names
    assert reports[2].warnings == reports[1].warnings
    one, two = rows(tmp_path / "p1.db"), rows(tmp_path / "p2.db")
    assert len(one["sources"]) == len(names) and len(one["turns"]) >= 4 * len(names)
    assert one == two


def test_the_reader_really_uses_workers_and_gives_what_one_process_reads(tmp_path):
    names = many_files(tmp_path / "in", 6)
    files = [tmp_path / "in" / name for name in names]
    with file_reader(files, None, 2) as read:
        assert read.workers == 2
        ahead = [read(path) for path in files]
    for path, (raw, transcript) in zip(files, ahead):
        here_raw, here = read_file(path, None)
        assert raw == here_raw
        assert (transcript.text, transcript.turns, transcript.language, transcript.warnings) == \
               (here.text, here.turns, here.language, here.warnings)


def bad_folder(tmp_path: Path) -> tuple[Path, list[str]]:
    folder = tmp_path / "in"
    names = many_files(folder)
    # a cue whose time line cannot be read, in the middle of the folder
    (folder / "07_broken.vtt").write_text("WEBVTT\n\n1\n00:00:01.000 -> 00:00:04.000\nAnne: hej\n", encoding="utf-8")
    (folder / "09_notword.docx").write_bytes(b"not a zip at all")
    return folder, names


def test_a_bad_file_in_the_middle_gives_the_same_error_and_nothing_is_stored(tmp_path):
    folder, _ = bad_folder(tmp_path)
    outputs = {}
    for jobs in ("1", "2"):
        project = tmp_path / f"p{jobs}.db"
        run(project, "import", str(folder / "00_interview.docx"))   # there before: kept as it was
        before = rows(project)
        result = run(project, "import", str(folder), "--jobs", jobs, ok=False)
        assert result.exit_code == 1
        outputs[jobs] = result.output
        assert rows(project) == before
    assert outputs["2"] == outputs["1"]
    assert outputs["2"].startswith("Error: 2 of 16 files cannot be imported, so nothing was imported")
    assert (f"  {folder / '07_broken.vtt'}, cue at line 4: the cue's time line '00:00:01.000 -> 00:00:04.000' "
            "cannot be read (expected '00:00:01.000 --> 00:00:04.000')\n") in outputs["2"]
    assert f"  {folder / '09_notword.docx'}: not a Word .docx file (it is not a zip package)" in outputs["2"]


def test_skip_bad_with_workers_stores_the_good_files_as_one_process_does(tmp_path):
    folder, names = bad_folder(tmp_path)
    outputs = {}
    for jobs in ("1", "2"):
        outputs[jobs] = run(tmp_path / f"p{jobs}.db", "import", str(folder), "--jobs", jobs, "--skip-bad").output
    assert outputs["2"] == outputs["1"]
    assert "not imported 2 bad files (--skip-bad):" in outputs["2"]
    assert rows(tmp_path / "p1.db") == rows(tmp_path / "p2.db")
    assert [r[0] for r in rows(tmp_path / "p2.db")["sources"]] != []


def test_the_command_line_with_workers_in_a_process_of_its_own(tmp_path):
    folder, _ = bad_folder(tmp_path)
    project = tmp_path / "p.db"
    done = subprocess.run([sys.executable, "-m", "coding", "--project", str(project), "import", str(folder),
                           "--jobs", "2"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert f"{folder / '07_broken.vtt'}, cue at line 4" in done.stderr
    (folder / "07_broken.vtt").unlink()
    (folder / "09_notword.docx").unlink()
    done = subprocess.run([sys.executable, "-m", "coding", "--project", str(project), "import", str(folder),
                           "--jobs", "2"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("imported ") == 14


def test_no_workers_for_a_small_import_or_on_busy_cores(tmp_path):
    files = [tmp_path / "in" / name for name in many_files(tmp_path / "in", AUTO_MIN_FILES + 2)]
    assert worker_count(files, 0) == 0           # many files, but small: one process
    cores = len(os.sched_getaffinity(0))
    big = tmp_path / "big.txt"
    big.write_text("Interviewer: Hvordan går det?\nAnne: Godt.\n" * 60_000, encoding="utf-8")   # 2.5 MB
    if cores >= 2:
        assert worker_count(files + [big], 0, load=0.0) == min(cores, AUTO_MAX_JOBS)
        assert worker_count(files + [big], 0, load=cores - 0.5) == 0    # no idle core: one process
    assert worker_count(files + [big], 2, load=float(cores)) == 2        # asked for: always
    assert worker_count(files[:3], 0) == 0
    assert worker_count(files[:1], 4) == 0       # one file: never a pool
    assert worker_count(files, 1) == 0
    assert worker_count(files[:3], 8) == 3
    with file_reader(files, None, 0) as read:
        assert read.workers == 0
