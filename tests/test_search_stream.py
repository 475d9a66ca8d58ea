"""``coding search --format csv|json`` searched and written a few sources at a time (memory that does
not grow with the project): the same text as every hit found at once (:meth:`coding.Project.search`),
whatever the query and the filters, and however the sources are cut into parts. On the sample
corpus (Danish interviews in five formats), with codings made from search hits for ``--code``."""

from __future__ import annotations

from pathlib import Path

import pytest

from coding import Project
from coding.export.tables import render_csv, render_json
from coding.search import HIT_COLUMNS, engine

from cli_helpers import run

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "transcripts_sample"


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("search_stream") / "sample.db"
    run(path, "import", str(SAMPLE), "--manifest", str(SAMPLE / "participants.csv"))
    run(path, "codebook", "import", str(ROOT / "codebooks" / "stv.yaml"))
    run(path, "search", "konsulent", "--code-as", "consultant_staffing", "--coder", "anna")
    return path


SEARCHES = [
    ["borger"],
    ["borger AND virksomhed"],
    ['"tæt på"'],
    ["borg*", "--context", "3"],
    ["borger NOT leder", "--include-interviewer"],
    ["borger", "--where", "role=Sagsbehandler"],
    ["borger", "--code", "consultant_staffing"],
    ["borger", "--exact", "--source", "nordby_leder.docx", "--source", "kildemose_borger.txt"],
    ["virksomhed OR arbejdsgiver", "--where", "municipality=Nordby"],
    ["xyzzyq"],
]


def _keywords(args: list[str]) -> dict:
    options: dict = {"where": {}, "source": []}
    for at, arg in enumerate(args):
        if arg == "--where":
            name, value = args[at + 1].split("=")
            options["where"][name] = value
        elif arg == "--source":
            options["source"].append(args[at + 1])
        elif arg in ("--code", "--context"):
            options[arg[2:]] = int(args[at + 1]) if arg == "--context" else args[at + 1]
        elif arg in ("--exact", "--include-interviewer"):
            options[arg[2:].replace("-", "_")] = True
    return options


@pytest.mark.parametrize("part_bytes", [1, 50_000, 10**9])
@pytest.mark.parametrize("args", SEARCHES, ids=lambda a: " ".join(a))
def test_streamed_hits_are_every_hit(sample_db, tmp_path, monkeypatch, args, part_bytes):
    with Project.open(sample_db) as project:
        records = project.search(args[0], **_keywords(args[1:]))
    assert records or args[0] == "xyzzyq"
    monkeypatch.setattr(engine, "PART_TOKEN_BYTES", part_bytes)
    csv_text, json_text = render_csv(records, list(HIT_COLUMNS)), render_json(records)
    result = run(sample_db, "search", *args, "--format", "csv")
    assert result.stdout == csv_text
    sources = len({r["source"] for r in records})
    assert f"{len(records)} hits in {sources} source" in result.stderr
    assert run(sample_db, "search", *args, "--format", "json").stdout == json_text
    run(sample_db, "search", *args, "--format", "json", "-o", str(tmp_path / "h.json"))
    assert (tmp_path / "h.json").read_text(encoding="utf-8") == json_text


def test_each_source_searched_on_its_own(sample_db, monkeypatch):
    """A part per source: as many parts as indexed sources, the hits of each from that source alone."""
    monkeypatch.setattr(engine, "PART_TOKEN_BYTES", 1)
    with Project.open(sample_db) as project:
        parts = list(project.search_parts("borger"))
        assert len(parts) == len(project.sources())
        assert all(len({r["source"] for r in part}) <= 1 for part in parts)
        assert [r for part in parts for r in part] == project.search("borger")


@pytest.mark.parametrize("args, message", [
    (["NOT borger"], "NOT only leaves text out"),
    (["borger AND"], "AND at column 8 has nothing after it"),
    (["borger", "--where", "colour=blue"], "unknown attribute 'colour' in --where"),
    (["borger", "--code", "no_such_code"], "no code 'no_such_code'"),
    (["borger", "--source", "nowhere.docx"], "no source named 'nowhere.docx'"),
])
def test_a_bad_search_writes_nothing(sample_db, tmp_path, monkeypatch, args, message):
    monkeypatch.setattr(engine, "PART_TOKEN_BYTES", 1)
    out = tmp_path / "h.csv"
    result = run(sample_db, "search", *args, "--format", "csv", "-o", str(out), ok=False)
    assert result.exit_code == 1 and message in result.output and "Traceback" not in result.output
    assert not out.exists()
