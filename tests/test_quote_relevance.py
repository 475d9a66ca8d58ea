"""Quotes ranked by relevance to their theme, spread over interviews, one theme per sentence."""

from __future__ import annotations

from pathlib import Path

from coding import Project

from cli_helpers import run

ROOT = Path(__file__).resolve().parent.parent
STV = ROOT / "codebooks" / "stv.yaml"

# Three interviews of our own. "aaa_" sorts first: before relevance ranking its weak sentence won.
TEXTS = {
    "aaa_borger.txt": ("Interviewer: Hvordan gik det?\n\n"
                       "Borger: Min onkel har en lille kultur af at spille kort om fredagen, og det var hyggeligt "
                       "at være med til.\n"),
    "bbb_sagsbehandler.txt": ("Interviewer: Hvad tænker du om målgruppen?\n\n"
                              "Sagsbehandler: Jeg tror virkelig på, at de fleste kan arbejde nogle timer, hvis vi "
                              "giver dem en chance og ser på det, de kan.\n\n"
                              "Interviewer: Og kollegerne?\n\n"
                              "Sagsbehandler: Vi holder sagsmøde hver uge med konsulenterne og taler sammen om "
                              "hver eneste borger.\n"),
    "ccc_leder.txt": ("Interviewer: Hvad er din rolle?\n\n"
                      "Leder: Jeg tror på, at alle kan noget, og det siger jeg højt til mine medarbejdere på "
                      "hvert personalemøde.\n"),
}
MANIFEST = ("source,speaker,participant,role,municipality\n"
            "aaa_borger.txt,Borger,B1,Borger,Nordvig\naaa_borger.txt,Interviewer,I1,Interviewer,\n"
            "bbb_sagsbehandler.txt,Sagsbehandler,S1,Sagsbehandler,Nordvig\n"
            "bbb_sagsbehandler.txt,Interviewer,I1,Interviewer,\n"
            "ccc_leder.txt,Leder,L1,Leder,Nordvig\nccc_leder.txt,Interviewer,I1,Interviewer,\n")


def make_project(tmp_path: Path) -> Path:
    folder = tmp_path / "t"
    folder.mkdir()
    for name, text in TEXTS.items():
        (folder / name).write_text(text, encoding="utf-8")
    (tmp_path / "participants.csv").write_text(MANIFEST, encoding="utf-8")
    db = tmp_path / "p.db"
    run(db, "import", str(folder), "--manifest", str(tmp_path / "participants.csv"))
    run(db, "autocode", "--codebook", str(STV))
    return db


def test_strong_rules_outrank_a_weak_single_word_and_interviews_take_turns(tmp_path):
    db = make_project(tmp_path)
    with Project.open(db) as project:
        frame = project.quotes("belief", by="municipality")
    texts = frame["text"].tolist()
    # the card-playing "kultur" is a weak one-word match: last, with a penalty in its evidence
    assert texts[-1].startswith("Min onkel har en lille kultur")
    assert "weak: one word only" in frame["evidence"].iloc[-1]
    assert frame["relevance"].iloc[-1] < 1 <= min(frame["relevance"].iloc[:-1])
    # the two strong quotes come from two interviews, each with several rules behind it
    assert {frame["source"].iloc[0], frame["source"].iloc[1]} == {"bbb_sagsbehandler.txt", "ccc_leder.txt"}
    assert all("phrase tro på" in e for e in frame["evidence"].iloc[:2])
    assert frame["score"].iloc[0] >= frame["score"].iloc[1] > frame["score"].iloc[2]


def test_a_hand_coded_passage_comes_before_automatic_ones(tmp_path):
    db = make_project(tmp_path)
    sheet = tmp_path / "hand.csv"
    sheet.write_text("source,code,coder,turn\naaa_borger.txt,belief,anna,2\n", encoding="utf-8")
    run(db, "codings", "import", str(sheet))
    with Project.open(db) as project:
        frame = project.quotes("belief", by="municipality", limit=1)
    assert frame["source"].tolist() == ["aaa_borger.txt"] and frame["reviewed"].tolist() == ["hand"]
    assert "coded by anna" in frame["evidence"].iloc[0]


def test_one_sentence_serves_one_theme_in_a_table(tmp_path):
    """The sagsmøde sentence is internal collaboration only; the belief sentence of the same turn
    list is belief only; no text is quoted under two themes."""
    db = make_project(tmp_path)
    with Project.open(db) as project:
        alone = {code: project.quotes(code, by="municipality", limit=2)
                 for code in ("belief", "internal_collaboration", "leadership")}
        table = project.quotes_for_themes(["belief", "internal_collaboration", "leadership"], by="municipality",
                                          limit=2)
    # leadership alone would quote the leader's belief sentence ("mine medarbejdere")
    assert any("alle kan noget" in t for t in alone["leadership"]["text"])
    seen: dict[str, str] = {}
    for code, frame in table.items():
        for text in frame["text"]:
            assert text not in seen, f"{text!r} under {seen.get(text)} and {code}"
            seen[text] = code
    assert seen["Jeg tror på, at alle kan noget, og det siger jeg højt til mine medarbejdere på hvert "
                "personalemøde."] == "belief"
    assert any("sagsmøde" in t for t in table["internal_collaboration"]["text"])


def test_quotes_explain_says_why(tmp_path):
    db = make_project(tmp_path)
    out = run(db, "quotes", "--code", "belief", "--by", "municipality", "--limit", "1", "--explain").output
    assert "[score " in out and "= relevance " in out and "phrase tro på" in out
    assert "[score" not in run(db, "quotes", "--code", "belief", "--limit", "1").output


def test_sample_report_quotes_are_on_topic_and_spread(tmp_path):
    """The sample's best quote per theme and municipality: no parking story, no company manager,
    no weak one-word match, and no interview supplies most of them."""
    db = tmp_path / "s.db"
    run(db, "import", str(ROOT / "transcripts_sample"), "--manifest", str(ROOT / "transcripts_sample" / "participants.csv"))
    run(db, "autocode", "--codebook", str(STV))
    themes = ["belief", "leadership", "internal_collaboration", "capacity"]
    with Project.open(db) as project:
        table = project.quotes_for_themes(themes, by="municipality", limit=1)
    rows = [row for code in themes for row in table[code].to_dict("records")]
    assert len(rows) == 16
    assert not any("parker" in r["text"] or "butikschef" in r["text"] for r in rows)
    assert all(r["relevance"] >= 1.5 and "weak" not in r["evidence"] for r in rows)
    texts = [r["text"] for r in rows]
    assert len(set(texts)) == len(texts)
    # alphabetically first interview of each municipality: ties used to go to it (14 of 20 quotes)
    first_interviews = {"aabaek_fokusgruppe.srt", "kildemose_borger.txt", "lyngholt_borger.srt", "nordby_borger.txt"}
    assert sum(r["source"] in first_interviews for r in rows) < len(rows) / 2


def test_accepted_proposals_come_first_and_rejected_ones_are_never_quoted(tmp_path):
    db = make_project(tmp_path)
    with Project.open(db) as project:
        proposals = {row["source"]: row["id"] for row in
                     (project.store.coding_with_source(c["id"]) for c in project.codings(origin="auto", code="belief"))}
        project.review(proposals["ccc_leder.txt"], "accept", "anna")
        project.review(proposals["bbb_sagsbehandler.txt"], "reject", "anna")
        frame = project.quotes("belief", by="municipality")
    assert frame["source"].tolist()[0] == "ccc_leder.txt" and frame["reviewed"].tolist()[0] == "accepted"
    assert "accepted in review" in frame["evidence"].iloc[0]
    assert "bbb_sagsbehandler.txt" not in frame["source"].tolist()


def test_sentence_breaks_read_once_per_turn_widen_passages_as_reading_up_to_each_did():
    """``expand`` with the breaks of the whole turn (read once for many passages) gives what reading
    the turn up to each passage gave, for every passage of texts full of awkward punctuation; and
    the break pattern, written to start with one character class, finds what the readable one finds."""
    import itertools
    import random
    import re

    from coding.analysis.quotes import SENTENCE_BREAK, expand, sentence_breaks

    readable = re.compile(r"[.!?…]+[\"'»”’)]*\s+|\n\s*")
    alphabet = ".!?…\"»)’ \n\taB"
    draw = random.Random(24)
    texts = ["".join(t) for n in range(1, 4) for t in itertools.product(alphabet, repeat=n)]
    texts += ["".join(draw.choice(alphabet) for _ in range(draw.randint(4, 30))) for _ in range(3000)]
    for text in texts:
        for lo in range(len(text) + 1):
            hi = draw.randint(lo, len(text) + 1)
            assert [m.span() for m in SENTENCE_BREAK.finditer(text, lo, hi)] == \
                [m.span() for m in readable.finditer(text, lo, hi)], (text, lo, hi)
    turn = ("Ja. Altså… jeg tror på det!  \"Det kan de godt.\" Og så?\n\nNej —  (men) ja.»  Hun sagde: "
            "»Vi prøver.« Slut! ...Og mere? Ja.\tnej\n  igen. ")
    inside_spaces = turn.index("!  ") + 2   # a turn that ends between the spaces after a sentence
    for lo, hi in ((0, len(turn)), (5, 60), (17, 18), (30, len(turn) - 3), (0, inside_spaces)):
        for start in range(lo, hi + 1):
            for end in range(start, hi + 1):
                for until in (end + 1, hi):
                    breaks = sentence_breaks(turn, lo, min(until, hi))
                    assert expand(turn, lo, hi, start, end, breaks) == expand(turn, lo, hi, start, end), \
                        (lo, hi, start, end, until)


def test_quote_list_is_the_frame_without_pandas(tmp_path):
    """``Project.quote_list`` (what ``coding quotes`` prints) has the rows and attrs of
    ``Project.quotes``, in the same order, for several groupings and limits; reviewed, hand-coded
    and rejected passages included."""
    import math

    db = make_project(tmp_path)
    sheet = tmp_path / "hand.csv"
    sheet.write_text("source,code,coder,turn\naaa_borger.txt,belief,anna,2\n", encoding="utf-8")
    run(db, "codings", "import", str(sheet))
    with Project.open(db) as project:
        proposals = [c["id"] for c in project.codings(origin="auto", code="internal_collaboration")]
        project.review(proposals[0], "accept", "anna")
        for code, by, limit in (("belief", "municipality", None), ("belief", "role", 1),
                                ("internal_collaboration", "role", None), ("leadership", "municipality", 2),
                                ("leader_support", "role", None)):
            frame = project.quotes(code, by=by, limit=limit)
            listed = project.quote_list(code, by=by, limit=limit)
            assert listed.attrs == frame.attrs and len(listed) == len(frame)
            assert all(list(row) == list(frame.columns) for row in listed.rows)
            for row, expected in zip(listed.rows, frame.to_dict("records")):
                for name, value in expected.items():
                    if isinstance(value, float) and math.isnan(value):
                        assert row[name] is None, (name, row)
                    else:
                        assert row[name] == value, (name, row[name], value)


def test_quotes_command_loads_no_pandas_and_no_readers(tmp_path):
    """``coding quotes`` (text, md) needs neither pandas nor the importers (yaml, lxml, the readers):
    the command's fixed cost stays small."""
    import subprocess
    import sys

    db = make_project(tmp_path)
    probe = ("import sys\nfrom coding.cli import cli\n"
             f"cli.main(['--project', {str(db)!r}, 'quotes', '--code', 'belief', '--explain', '--format', 'md'], "
             "standalone_mode=False)\n"
             "print('LOADED', [m for m in ('pandas', 'coding.importing', 'yaml', 'docx', 'spacy') if m in sys.modules])")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert "> Jeg tror på, at alle kan noget" in done.stdout and "*score " in done.stdout
    assert done.stdout.rstrip().endswith("LOADED []"), done.stdout[-300:]
