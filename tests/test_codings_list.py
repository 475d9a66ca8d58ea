"""``coding codings`` written as it is made: the streamed csv and json are the list a plain
implementation collects first (every coding against every turn, as the list was made before it was
streamed), the columns are the project's attribute names whatever the filter, and the order is the
sources' natural order ("Interview 2" before "Interview 10"), by start inside a source.

The project is built through the CLI from text files and an interview list written here:

* Interview 1.txt (Birkely): Interviewer + Lone (Leder, team Nord in this interview).
* Interview 2.txt (Birkely): Interviewer + Lone (team Syd here) + Jonas (Sagsbehandler).
* Interview 10.txt (Havnby, dated): a heading outside every turn, Interviewer + Sara
  (Virksomhedskonsulent) + a guest the list does not name (a participant of the source, no role).
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from coding import Project
from coding.errors import NotFound
from coding.export.tables import CSV_ENCODING, render_csv, render_json
from coding.ordering import natural_key
from coding.records import INTERVIEWER_ROLE, CodeTree, TurnIndex, join_values
from coding.store import Store

from cli_helpers import run

TEXTS = {
    "Interview 1.txt": ("Interviewer: Hvordan arbejder I sammen med virksomhederne?\n\n"
                        "Lone: Vi har faste aftaler med tre virksomheder, og vi ringer til dem hver uge.\n\n"
                        "Interviewer: Hvad mangler I mest?\n\n"
                        "Lone: Tid. Vi har for få hænder til opfølgningen.\n"),
    "Interview 2.txt": ("Interviewer: Fortæl om jeres team.\n\n"
                        "Lone: Teamet er nyt, men vi deler viden hver fredag.\n\n"
                        "Jonas: Jeg sidder ved siden af konsulenterne, så vi taler sammen hele tiden.\n\n"
                        "Lone: Det gør en stor forskel for borgerne, siger de selv.\n"),
    "Interview 10.txt": ("Referat fra Havnby, kort udgave\n\n"
                         "Interviewer: How do you reach new employers?\n\n"
                         "Sara: I visit the small firms in the harbour, and I bring a colleague along.\n\n"
                         "Gæst: Jeg er kun med for at lytte.\n\n"
                         "Sara: We need more time for the \"follow-up\", honestly.\n"),
}
MANIFEST = ("source,speaker,participant,role,municipality,team,date\n"
            "Interview 1.txt,,,,Birkely,,\n"
            "Interview 1.txt,Interviewer,INT-1,Interviewer,,,\n"
            "Interview 1.txt,Lone,BIR-L1,Leder,,Nord,\n"
            "Interview 2.txt,,,,Birkely,,\n"
            "Interview 2.txt,Interviewer,INT-1,Interviewer,,,\n"
            "Interview 2.txt,Lone,BIR-L1,Leder,,Syd,\n"
            "Interview 2.txt,Jonas,BIR-S1,Sagsbehandler,,,\n"
            "Interview 10.txt,,,,Havnby,,2025-03-04\n"
            "Interview 10.txt,Interviewer,INT-1,Interviewer,,,\n"
            "Interview 10.txt,Sara,HAV-VK1,Virksomhedskonsulent,,,\n")
CODEBOOK = """name: Test
version: 1
languages: [da, en]
codes:
  - id: samarbejde
    labels: {da: Samarbejde, en: Collaboration}
    definition: Working together.
    children:
      - id: virksomheder
        labels: {da: Virksomheder, en: Employers}
        definition: Working with employers.
  - id: ressourcer
    labels: {da: Ressourcer, en: Resources}
    definition: Time and people.
"""
FIXED = ["id", "source", "start", "end", "text", "code", "code_path", "coder", "origin", "turn", "speaker",
         "participant", "role", "rule", "matched", "memo"]
ATTRIBUTES = ["date", "municipality", "team"]  # role is a fixed column


def span(text: str, phrase: str, until: str | None = None) -> tuple[int, int]:
    start = text.index(phrase)
    return start, (text.index(until, start) + len(until) if until else start + len(phrase))


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("codings_list")
    corpus = folder / "corpus"
    corpus.mkdir()
    for name, text in TEXTS.items():
        (corpus / name).write_text(text, encoding="utf-8")
    (folder / "participants.csv").write_text(MANIFEST, encoding="utf-8")
    (folder / "codebook.yaml").write_text(CODEBOOK, encoding="utf-8")
    db = folder / "p.db"
    run(db, "import", str(corpus), "--manifest", str(folder / "participants.csv"))
    run(db, "codebook", "import", str(folder / "codebook.yaml"))
    with Project.open(db) as p:
        texts = {row["name"]: p.store.source_text(row["id"]) for row in p.store.sources()}
        one, two, ten = texts["Interview 1.txt"], texts["Interview 2.txt"], texts["Interview 10.txt"]
        # added out of order: the list orders them by start (then end, then id) in each source
        add = [
            ("Interview 10.txt", span(ten, "We need more time"), "ressourcer", "anne"),
            ("Interview 10.txt", span(ten, "I visit the small firms", "Jeg er kun med"), "virksomheder", "anne"),
            ("Interview 10.txt", span(ten, "Referat fra Havnby"), "samarbejde", "bo"),          # in no turn
            ("Interview 10.txt", span(ten, "Jeg er kun med for at lytte."), "samarbejde", "bo"),  # the guest
            ("Interview 2.txt", span(two, "Jeg sidder ved siden af", "forskel for borgerne"), "samarbejde", "anne"),
            ("Interview 2.txt", span(two, "Fortæl om jeres team.", "Teamet er nyt"), "samarbejde", "bo"),
            ("Interview 2.txt", span(two, "Fortæl om jeres team."), "samarbejde", "anne"),       # interviewer only
            ("Interview 1.txt", span(one, "Tid."), "ressourcer", "anne"),
            ("Interview 1.txt", span(one, "Vi har faste aftaler"), "virksomheder", "bo"),
            ("Interview 1.txt", span(one, "Vi har faste aftaler"), "virksomheder", "anne"),      # same span: by id
            ("Interview 1.txt", span(one, "faste aftaler"), "samarbejde", "bo"),
        ]
        ids = [p.add_coding(source, start, end, code, coder)["id"] for source, (start, end), code, coder in add]
    run(db, "memo", "add", "Lone taler om to teams.", "--coding", str(ids[4]))
    run(db, "memo", "add", "Se også \"opfølgning\",\nnæste møde.", "--coding", str(ids[4]))
    run(db, "memo", "add", "Kort.", "--coding", str(ids[0]))
    return db


def reference(db: Path, *, code=None, coder=None, origin=None, source=None, where=None,
              include_interviewer=True) -> list[dict]:
    """The list as a plain implementation makes it: every coding of the filters, the turns it
    overlaps found by walking them, attributes merged turn by turn, sorted by source at the end."""
    store = Store(str(db))
    try:
        tree = CodeTree.load(store)
        code_ids = tree.descendants(tree.get(code)["id"]) if code else None
        source_id = store.source_by_name(source)["id"] if source else None
        turns, texts = TurnIndex(store), store.source_texts()
        memos = {}
        for row in store.db.execute("SELECT coding_id, text FROM memos WHERE coding_id IS NOT NULL ORDER BY id"):
            memos[row[0]] = memos[row[0]] + "\n\n" + row[1] if row[0] in memos else row[1]
        out = []
        for c in store.codings(code_ids=code_ids, coder=coder, origin=origin, source_id=source_id):
            overlapping = [t for t in turns.by_source.get(c["source_id"], [])
                           if t["end"] > c["start"] and t["start"] < max(c["end"], c["start"] + 1)]
            respondents = [t for t in overlapping if t["role"] != INTERVIEWER_ROLE]
            if not include_interviewer:
                if overlapping and not respondents:
                    continue
                overlapping = respondents or overlapping
            attrs: dict[str, str] = {}
            for t in overlapping:
                for k, v in turns.attributes(c["source_id"], t["participant_id"]).items():
                    attrs[k] = join_values([attrs[k], v]) if k in attrs and attrs[k] != v else v
            if not overlapping:
                attrs = turns.attributes(c["source_id"], None)
            if any(v not in attrs.get(k, "").split("; ") for k, v in (where or {}).items()):
                continue
            node = tree.by_id[c["code_id"]]
            record = {"id": c["id"], "source": c["source"], "start": c["start"], "end": c["end"],
                      "text": texts[c["source_id"]][c["start"]:c["end"]], "code": node["code"],
                      "code_path": node["path"], "coder": c["coder"], "origin": c["origin"], "rule": c["rule"],
                      "matched": c["matched"], "memo": memos.get(c["id"]),
                      "turn": join_values(t["idx"] for t in overlapping),
                      "speaker": join_values(t["speaker"] for t in overlapping),
                      "participant": join_values(t["participant"] for t in overlapping),
                      "role": join_values(t["role"] for t in overlapping),
                      "source_id": c["source_id"], "code_id": c["code_id"],
                      "participant_ids": [t["participant_id"] for t in overlapping if t["participant_id"] is not None]}
            for k, v in attrs.items():
                record.setdefault(k, v)
            out.append(record)
        return sorted(out, key=lambda r: (natural_key(r["source"]), r["start"], r["end"], r["id"]))
    finally:
        store.close()


FILTERS = [
    ({}, []),
    ({"code": "samarbejde"}, ["--code", "samarbejde"]),
    ({"coder": "bo"}, ["--coder", "bo"]),
    ({"origin": "manual", "source": "Interview 2.txt"}, ["--origin", "manual", "--source", "Interview 2.txt"]),
    ({"where": {"role": "Leder"}}, ["--where", "role=Leder"]),
    ({"where": {"team": "Syd", "municipality": "Birkely"}}, ["--where", "team=Syd", "--where", "municipality=Birkely"]),
    ({"include_interviewer": False}, ["--no-interviewer"]),
    ({"code": "virksomheder", "include_interviewer": False}, ["--code", "virksomheder", "--no-interviewer"]),
]


@pytest.mark.parametrize("filters,options", FILTERS)
def test_streamed_csv_and_json_are_the_collected_list(project, tmp_path, filters, options):
    expected = reference(project, **filters)
    columns = FIXED + ATTRIBUTES
    with Project.open(project) as p:
        assert p.codings(**filters) == expected  # the library's records: the same dicts, in the same order
    csv_text = render_csv(expected, columns)
    assert run(project, "codings", *options, "--format", "csv").output == csv_text
    run(project, "codings", *options, "--format", "csv", "-o", str(tmp_path / "c.csv"))
    assert (tmp_path / "c.csv").read_text(encoding=CSV_ENCODING) == csv_text
    assert (tmp_path / "c.csv").read_bytes().startswith("\ufeff".encode())
    json_text = render_json([{c: r.get(c) for c in columns} for r in expected])
    assert run(project, "codings", *options, "--format", "json").output == json_text
    run(project, "codings", *options, "--format", "json", "-o", str(tmp_path / "c.json"))
    assert (tmp_path / "c.json").read_text(encoding="utf-8") == json_text
    excel = run(project, "codings", *options, "--format", "csv", "--excel").output
    assert excel == render_csv(expected, columns, excel=True)


def test_what_the_list_shows_of_spanning_unnamed_and_outside_codings(project):
    rows = json.loads(run(project, "codings", "--source", "Interview 10.txt", "--format", "json").output)
    heading, firms, guest, time = rows
    assert heading["text"] == "Referat fra Havnby" and heading["turn"] == heading["speaker"] == ""
    assert heading["municipality"] == "Havnby" and heading["date"] == "2025-03-04" and heading["team"] is None
    assert firms["turn"] == "2; 3" and firms["speaker"] == "Sara; Gæst"
    assert firms["participant"] == "HAV-VK1; Interview 10:Gæst" and firms["role"] == "Virksomhedskonsulent"
    assert guest["speaker"] == "Gæst" and guest["role"] == "" and guest["municipality"] == "Havnby"
    assert time["text"] == "We need more time" and time["memo"] == "Kort."
    two = json.loads(run(project, "codings", "--source", "Interview 2.txt", "--format", "json").output)
    spanning = next(r for r in two if r["text"].startswith("Jeg sidder"))
    assert spanning["participant"] == "BIR-S1; BIR-L1" and spanning["team"] == "Syd"
    assert spanning["memo"] == "Lone taler om to teams.\n\nSe også \"opfølgning\",\nnæste møde."
    question = [r for r in two if r["text"].startswith("Fortæl om jeres team.")]
    assert [r["role"] for r in question] == ["Interviewer", "Interviewer; Leder"]
    answers = json.loads(run(project, "codings", "--source", "Interview 2.txt", "--no-interviewer",
                             "--format", "json").output)
    # the question alone is left out; the question with its answer counts for the answer
    assert [r["role"] for r in answers if r["text"].startswith("Fortæl")] == ["Leder"]


def test_a_filtered_list_has_every_attribute_column(project):
    """The columns come from the project's attribute names, not from the codings listed: an
    attribute no listed coding has is an empty column (null in json)."""
    text = run(project, "codings", "--source", "Interview 1.txt", "--format", "csv").output
    table = list(csv.DictReader(io.StringIO(text)))
    assert list(table[0]) == FIXED + ATTRIBUTES
    assert {r["date"] for r in table} == {""} and {r["team"] for r in table} <= {"", "Nord"}
    records = json.loads(run(project, "codings", "--source", "Interview 1.txt", "--format", "json").output)
    assert all(r["date"] is None for r in records) and list(records[0]) == FIXED + ATTRIBUTES
    nothing = run(project, "codings", "--where", "role=Borgmester", "--format", "csv").output
    assert nothing == ",".join(FIXED + ATTRIBUTES) + "\n"
    assert run(project, "codings", "--where", "role=Borgmester", "--format", "json").output == "[]\n"
    md = run(project, "codings", "--source", "Interview 1.txt", "--format", "md").output
    assert md.splitlines()[0] == "| " + " | ".join(FIXED + ATTRIBUTES) + " |"


def test_sources_in_natural_order_and_codings_by_start_end_and_id(project):
    rows = list(csv.DictReader(io.StringIO(run(project, "codings", "--format", "csv").output)))
    sources = list(dict.fromkeys(r["source"] for r in rows))
    assert sources == ["Interview 1.txt", "Interview 2.txt", "Interview 10.txt"]
    for name in sources:
        keys = [(int(r["start"]), int(r["end"]), int(r["id"])) for r in rows if r["source"] == name]
        assert keys == sorted(keys)
    same_span = [r for r in rows if r["text"].startswith("Vi har faste aftaler")]
    assert [r["coder"] for r in same_span] == ["bo", "anne"] and int(same_span[0]["id"]) < int(same_span[1]["id"])


def test_rows_are_made_when_asked_for(project):
    """Project.coding_rows gives the columns at once and the rows one at a time: a bad filter fails
    before any row, and the rows are the list's."""
    with Project.open(project) as p:
        columns, rows = p.coding_rows(code="samarbejde")
        assert columns == FIXED + ATTRIBUTES and iter(rows) is rows
        first = next(rows)
        assert first[1] == "Interview 1.txt" and first[6] == "samarbejde/virksomheder"
        assert [first, *rows] == [tuple(r.get(c) for c in columns) for r in p.codings(code="samarbejde")]
        with pytest.raises(NotFound, match="no source named 'Interview 3.txt'"):
            p.coding_rows(source="Interview 3.txt")
    bad = run(project, "codings", "--code", "nothing", "--format", "csv", ok=False)
    assert bad.exit_code == 1 and "no code 'nothing'" in bad.output and "id,source" not in bad.output
