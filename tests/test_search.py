"""Text search and word frequency (issue 25) through the real CLI on the sample corpus."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
from pathlib import Path

import pytest

from cli_helpers import run
from coding import Project

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "transcripts_sample"


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("search") / "sample.db"
    run(path, "import", str(SAMPLE), "--manifest", str(SAMPLE / "participants.csv"))
    return path


@pytest.fixture()
def project(sample_db, tmp_path) -> Path:
    """A copy of the sample project that a test may change."""
    path = tmp_path / "p.db"
    with sqlite3.connect(sample_db) as source, sqlite3.connect(path) as target:
        source.backup(target)
    return path


def hits(path: Path, *args: str) -> list[dict]:
    return json.loads(run(path, "search", *args, "--format", "json").stdout)


def turns(path: Path) -> dict[tuple[str, int], dict]:
    """Every turn of the project as (source, turn number) -> show's record."""
    out = {}
    with Project.open(path) as project:
        for source in project.sources():
            for turn in project.show(source["name"])["turns"]:
                out[(source["name"], turn["index"])] = turn
    return out


def matches(found: list[dict]) -> set[str]:
    return {h["match"].lower() for h in found}


def test_a_word_finds_its_inflections(sample_db):
    found = hits(sample_db, "borger")
    assert {"borger", "borgeren", "borgere", "borgerne", "borgerens"} <= matches(found)
    assert all(m.startswith("borger") for m in matches(found))
    # an inflected query stands for its lemma too
    assert matches(hits(sample_db, "borgerne")) >= {"borger", "borgeren", "borgerens"}
    # the hit records: where, who, and the words around the match
    hit = next(h for h in found if h["source"] == "nordby_fokusgruppe.docx")
    assert set(hit) == {"source", "turn", "speaker", "participant", "role", "timestamp", "start", "end",
                        "before", "match", "after"}
    text = turns(sample_db)[(hit["source"], hit["turn"])]
    assert text["start"] <= hit["start"] < hit["end"] <= text["end"]
    assert hit["speaker"] == text["speaker"] and hit["role"] == text["role"]
    assert hit["before"] and hit["after"]
    turn_text = " ".join(text["text"].split())
    assert re.search(re.escape(hit["before"]) + r"\s?" + re.escape(hit["match"]) + r"\s?" + re.escape(hit["after"]),
                     turn_text)
    # the terminal table lines the matches up in one column
    table = run(sample_db, "search", "borger", "--source", "nordby_fokusgruppe.docx").stdout.splitlines()
    assert table[0].split()[:4] == ["source", "#turn", "speaker", "/"]
    column = table[0].index("match")
    assert len(table) == 1 + len(hits(sample_db, "borger", "--source", "nordby_fokusgruppe.docx"))
    assert all(line[column:].lower().startswith("borger") for line in table[1:])


def test_offsets_point_at_the_match(sample_db):
    with Project.open(sample_db) as project:
        texts = {s["name"]: project.store.source_text(project.source(s["name"])["id"]) for s in project.sources()}
    for hit in hits(sample_db, "virksomhed*", "--context", "3"):
        assert texts[hit["source"]][hit["start"]:hit["end"]] == hit["match"]
        assert len(hit["before"].split()) <= 3 and len(hit["after"].split()) <= 3


def test_danish_compounds_as_the_auto_coder_finds_them(sample_db):
    found = matches(hits(sample_db, "konsulent"))
    assert {"konsulent", "konsulenten", "konsulenterne", "virksomhedskonsulent", "virksomhedskonsulenter",
            "konsulentstilling", "konsulenttimer"} <= found
    # the moderator's question holds virksomhedskonsulentens
    assert "virksomhedskonsulentens" in matches(hits(sample_db, "konsulent", "--include-interviewer"))
    # a modifier too: "virksomhed" finds virksomhedskonsulent
    assert "virksomhedskonsulent" in matches(hits(sample_db, "virksomhed"))


def test_exact_finds_the_literal_form_only(sample_db):
    found = hits(sample_db, "konsulent", "--exact")
    assert found and matches(found) == {"konsulent"}
    assert len(found) < len(hits(sample_db, "konsulent"))


def test_a_phrase_is_its_words_side_by_side(sample_db):
    found = hits(sample_db, '"tæt på"')
    assert found and matches(found) == {"tæt på"}
    # the same count as a plain look in the respondents' turns
    expected = sum(len(re.findall(r"\btæt\s+på\b", t["text"], flags=re.IGNORECASE))
                   for t in turns(sample_db).values() if t["role"] != "Interviewer")
    assert len(found) == expected


def test_wildcards(sample_db):
    found = matches(hits(sample_db, "virksomhed*"))
    assert {"virksomheden", "virksomhederne", "virksomhedskonsulent"} <= found
    assert all(m.startswith("virksomhed") for m in found)
    assert all(m.endswith("konsulent") or m.endswith("konsulenten") or "konsulent" in m
               for m in matches(hits(sample_db, "*konsulent")))


def test_and_or_not_within_a_turn(sample_db):
    all_turns = turns(sample_db)
    borger, konsulent = hits(sample_db, "borger"), hits(sample_db, "konsulent")
    both = hits(sample_db, "borger AND konsulent")
    assert both and len(both) < len(borger) + len(konsulent)
    for hit in both:
        text = all_turns[(hit["source"], hit["turn"])]["text"].lower()
        assert "borger" in text and "konsulent" in text
    # two words side by side mean AND
    assert hits(sample_db, "borger konsulent") == both

    def places(found):
        return {(h["source"], h["start"], h["end"]) for h in found}
    assert places(hits(sample_db, "borger OR konsulent")) == places(borger) | places(konsulent)

    without = hits(sample_db, "borger NOT mentor*")
    assert without and len(without) < len(borger)
    for hit in without:
        assert "mentor" not in all_turns[(hit["source"], hit["turn"])]["text"].lower()
    grouped = hits(sample_db, 'borger AND (mentor OR "tæt på")')
    for hit in grouped:
        text = all_turns[(hit["source"], hit["turn"])]["text"].lower()
        assert "mentor" in text or "tæt på" in text


def test_interviewer_turns_are_left_out_unless_asked(sample_db):
    default = hits(sample_db, "borger")
    assert default and all(h["role"] != "Interviewer" for h in default)
    everyone = hits(sample_db, "borger", "--include-interviewer")
    assert len(everyone) > len(default)
    assert any(h["role"] == "Interviewer" for h in everyone)
    # speaker labels are not what was said: "Interviewer:" is never a hit
    assert hits(sample_db, "interviewer", "--include-interviewer", "--exact") == []


def test_where_and_source(sample_db):
    found = hits(sample_db, "borger", "--where", "role=Sagsbehandler")
    assert found and {h["role"] for h in found} == {"Sagsbehandler"}
    nordby = hits(sample_db, "borger", "--where", "municipality=Nordby", "--where", "role=Leder")
    assert nordby and {h["source"] for h in nordby} == {"nordby_leder.docx"}
    one = hits(sample_db, "borger", "--source", "nordby_fokusgruppe.docx")
    assert one and {h["source"] for h in one} == {"nordby_fokusgruppe.docx"}
    result = run(sample_db, "search", "borger", "--where", "colour=blue", ok=False)
    assert result.exit_code == 1 and "unknown attribute 'colour' in --where" in result.output
    result = run(sample_db, "search", "borger", "--source", "nowhere.docx", ok=False)
    assert result.exit_code == 1 and "no source named 'nowhere.docx'" in result.output


def test_code_filter_and_coding_the_hits(project, tmp_path):
    run(project, "codebook", "import", str(ROOT / "codebooks" / "stv.yaml"))
    # --code-as codes the sentence around each hit; a second run finds them coded already
    first = run(project, "search", "konsulent", "--code-as", "consultant_staffing", "--coder", "anna").output
    made = re.match(r"(\d+) hits in (\d+) sentences: (\d+) new codings of 'consultant_staffing' by anna, "
                    r"(\d+) already coded", first)
    assert made, first
    n_hits, units, new, already = map(int, made.groups())
    assert n_hits == len(hits(project, "konsulent")) and 0 < units <= n_hits and new == units and already == 0
    again = run(project, "search", "konsulent", "--code-as", "consultant_staffing", "--coder", "anna").output
    assert f": 0 new codings of 'consultant_staffing' by anna, {units} already coded" in again
    codings = json.loads(run(project, "codings", "--coder", "anna", "--format", "json").stdout)
    assert len(codings) == units
    assert all("konsulent" in c["text"].lower() and c["origin"] == "search" for c in codings)
    # whole turns: each coding is a turn of the speaker
    by_turn = run(project, "search", "borger", "--code-as", "belief", "--coder", "bo", "--unit", "turn").output
    assert "turns:" in by_turn
    all_turns = turns(project)
    for c in json.loads(run(project, "codings", "--coder", "bo", "--format", "json").stdout):
        turn = all_turns[(c["source"], int(c["turn"]))]
        assert (c["start"], c["end"]) == (turn["start"], turn["end"])
    # --code: only text coded with that code (here: anna's sentences)
    inside = hits(project, "borger", "--code", "consultant_staffing")
    assert inside and len(inside) < len(hits(project, "borger"))
    spans = {(c["source"], c["start"], c["end"]) for c in codings}
    for hit in inside:
        assert any(s == hit["source"] and a <= hit["start"] and hit["end"] <= b for s, a, b in spans)
    result = run(project, "search", "borger", "--code-as", "belief", ok=False)
    assert result.exit_code == 2 and "--code-as and --coder go together" in result.output
    result = run(project, "search", "borger", "--code-as", "no_such_code", "--coder", "x", ok=False)
    assert result.exit_code == 1 and "no code 'no_such_code'" in result.output


@pytest.mark.parametrize("query, message", [
    ("", "the search query is empty"),
    ("   ", "the search query is empty"),
    ('"tæt på', "the quote at column 1 is never closed"),
    ("borger AND", "AND at column 8 has nothing after it"),
    ("OR borger", "OR at column 1 needs a word before it"),
    ("(borger OR konsulent", "the parenthesis at column 1 is never closed"),
    ("borger)", "the parenthesis at column 7 closes nothing"),
    ("NOT borger", "NOT only leaves text out"),
    ("*", "is a wildcard without letters"),
])
def test_bad_queries_are_clear_errors(sample_db, query, message):
    result = run(sample_db, "search", query, ok=False)
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output


def test_words_by_lemma_without_stop_words(sample_db, tmp_path):
    data = json.loads(run(sample_db, "words", "--top", "40", "--format", "json").stdout)
    words = {w["word"]: w for w in data["words"]}
    assert "borger" in words
    assert {"borgeren", "borgerne"} <= set(words["borger"]["forms"].split(", "))
    for stop in ("og", "det", "jeg", "at", "er", "the", "and"):
        assert stop not in words
    counts = [w["count"] for w in data["words"]]
    assert counts == sorted(counts, reverse=True) and len(counts) == 40
    # the count is the search's: every form of the lemma in respondents' turns
    assert words["borger"]["count"] == len(hits(sample_db, "borger", "--exact")) + sum(
        len(hits(sample_db, form, "--exact")) for form in words["borger"]["forms"].split(", ") if form != "borger")
    everyone = json.loads(run(sample_db, "words", "--top", "40", "--include-interviewer", "--format", "json").stdout)
    assert everyone["total_words"] > data["total_words"]


def test_words_by_role(sample_db, tmp_path):
    data = json.loads(run(sample_db, "words", "--by", "role", "--top", "5", "--format", "json").stdout)
    assert data["by"] == "role"
    assert {"Sagsbehandler", "Leder", "Borger", "Virksomhedskonsulent"} <= set(data["groups"])
    assert "Interviewer" not in data["groups"]
    for word in data["words"]:
        assert word["count"] == sum(word[g] for g in data["groups"])
    for group in data["groups"]:  # each role's own top five are listed
        top = sorted(data["words"], key=lambda w: -w[group])[:5]
        assert all(w[group] > 0 for w in top)
    leaders = json.loads(run(sample_db, "words", "--where", "role=Leder", "--top", "5", "--format", "json").stdout)
    by_role = {w["word"]: w["Leder"] for w in data["words"]}
    for word in leaders["words"]:
        if word["word"] in by_role:
            assert word["count"] == by_role[word["word"]]
    result = run(sample_db, "words", "--by", "shoe_size", ok=False)
    assert result.exit_code == 1 and "unknown attribute 'shoe_size' in --by" in result.output


def test_words_xlsx_and_chart(sample_db, tmp_path):
    from openpyxl import load_workbook

    out, chart = tmp_path / "words.xlsx", tmp_path / "words.png"
    run(sample_db, "words", "--by", "municipality", "--top", "8", "--format", "xlsx", "-o", str(out),
        "--chart", str(chart))
    sheet = load_workbook(out).active
    header = [c.value for c in sheet[1]]
    assert header[:5] == ["word", "count", "share", "sources", "forms"] and "Nordby" in header
    assert sheet.max_row > 8
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    result = run(sample_db, "words", "--chart", str(tmp_path / "words.svg"), ok=False)
    assert result.exit_code == 2 and "must be a .png file" in result.output


def test_english_and_replaced_sources_and_older_projects(tmp_path):
    folder = tmp_path / "t"
    folder.mkdir()
    (folder / "elm_manager.txt").write_text(
        "---\nlanguage: en\n---\nInterviewer: How do you work with the citizens?\n\n"
        "Dana: Our caseworkers meet each citizen every week. The citizens' plans are written together.\n",
        encoding="utf-8")
    (folder / "birk_leder.txt").write_text(
        "Interviewer: Hvordan går det?\n\nSofus: Vores virksomhedskonsulenter ringer til borgerne hver uge.\n",
        encoding="utf-8")
    path = tmp_path / "p.db"
    run(path, "import", str(folder))
    english = hits(path, "citizen")
    assert matches(english) >= {"citizens", "citizen"} and all(h["speaker"] == "Dana" for h in english)
    assert matches(hits(path, "caseworker")) == {"caseworkers"}
    assert matches(hits(path, "konsulent")) == {"virksomhedskonsulenter"}
    # a replaced text is searched as it is now
    (folder / "birk_leder.txt").write_text(
        "Interviewer: Hvordan går det?\n\nSofus: Nu har vi mentorer til borgerne.\n", encoding="utf-8")
    run(path, "import", str(folder / "birk_leder.txt"), "--replace")
    assert hits(path, "konsulent") == [] and matches(hits(path, "mentor")) == {"mentorer"}
    # a project from before the index (no tokens kept) is indexed on the first search
    with sqlite3.connect(path) as db:
        db.execute("DELETE FROM search_tokens")
        db.execute("DELETE FROM meta WHERE key = 'search_index'")
    assert matches(hits(path, "mentor")) == {"mentorer"}
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT count(*) FROM search_tokens").fetchone()[0] == 2


def test_library_api(sample_db):
    with Project.open(sample_db) as project:
        found = project.search("borger", where={"role": "Leder"}, context=2)
        assert found and all(h["role"] == "Leder" for h in found)
        assert all(len(h["before"].split()) <= 2 for h in found)
        frequency = project.words(by="role", top=3)
        assert frequency.by == "role" and frequency.records
        assert project.update_search_index() == 0


def test_benchmark_script_runs_at_a_tiny_size(tmp_path):
    """benchmarks/search.py keeps working (its figures are never checked)."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "search.py"), "--words", "3000", "--repeat", "1",
                           "--work", str(tmp_path)], capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["tokens"] > 3000 and result["forms"] > 100
    assert result["commands"]["search borger"]["rows"] == result["commands"]["first search borger (index built)"]["rows"]
    assert {"import_s", "first_search_s", "sources_s", "slowest_search_or_words_s"} <= set(result)


def test_the_index_version_reads_the_module_that_holds_the_lemma_fixes():
    """The index is made again when the lemma fixes change: its version hashes their module's file,
    found by name without importing it (nor spaCy); a move of that module must move the name too."""
    import subprocess
    import sys

    from coding.search.index import LEXICON_MODULE, module_file

    path = module_file(LEXICON_MODULE)
    assert path and "LEMMA_FIXES" in Path(path).read_text(encoding="utf-8")
    assert Path(module_file("spacy.about")).name == "about.py"
    # a search does not load spaCy: checking the index version imports neither it nor the auto-coder
    probe = ("import sys; from coding.search.index import index_version; index_version(); "
             "print('spacy' in sys.modules, 'coding.autocode' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT)
    assert done.stdout.split() == ["False", "False"], done.stderr


def test_overlapping_turns_count_each_word_once(tmp_path):
    """Turns that overlap (as a REFI file can bring) still give each word to one turn and value."""
    folder = tmp_path / "t"
    folder.mkdir()
    (folder / "moe_fokus.txt").write_text(
        "Interviewer: Hvad laver I?\n\nAnna (S): Jeg ringer til borgerne hver dag.\n\n"
        "Bo (VK): Jeg ringer til virksomhederne og borgerne.\n", encoding="utf-8")
    (tmp_path / "m.csv").write_text(
        "source,speaker,participant,role\nmoe_fokus.txt,Interviewer,I1,Interviewer\n"
        "moe_fokus.txt,Anna (S),A1,Sagsbehandler\nmoe_fokus.txt,Bo (VK),B1,Virksomhedskonsulent\n", encoding="utf-8")
    path = tmp_path / "p.db"
    run(path, "import", str(folder), "--manifest", str(tmp_path / "m.csv"))
    before = json.loads(run(path, "words", "--by", "role", "--format", "json").stdout)
    with Project.open(path) as project, project.transaction():
        sid = project.source("moe_fokus.txt")["id"]
        turns = [dict(t) for t in project.store.turns(sid)]
        turns[1]["end"] = turns[2]["start"] + 9          # Anna's turn reaches into Bo's
        project.store.replace_turns(sid, turns)
    after = json.loads(run(path, "words", "--by", "role", "--format", "json").stdout)
    assert after["total_words"] == before["total_words"]
    borger = next(w for w in after["words"] if w["word"] == "borger")
    assert borger["count"] == 2 and borger["Sagsbehandler"] + borger["Virksomhedskonsulent"] == 2
    assert len(hits(path, "borger")) == 2
