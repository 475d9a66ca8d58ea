"""Segments, matrices, co-occurrence and quotes against a small project counted by hand.

The project (built from real text files and a real manifest through the CLI):

* nordby_leder.txt, Nordby, individual interview: Interviewer + Mette (Leder).
* aabaek_fokus.txt, Åbæk, focus group: Interviewer + Bo (Sagsbehandler), Carl
  (Virksomhedskonsulent), Dorte (Leder): three roles in one source.
* kildemose_vk.txt, Kildemose: Interviewer + Eva (Virksomhedskonsulent).

Codes: samarbejde (parent) with samarbejde/virksomheder and samarbejde/borgere; ressourcer.
Codings are numbered c1..c14 below; the hand counts are worked out next to each test.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import docx
import networkx as nx
import openpyxl
import pytest

from coding import Project

from cli_helpers import run

NORDBY = ("Interviewer: Hvordan samarbejder I med virksomhederne?\n\n"
          "Mette: Vi ringer til virksomhederne hver uge. Det giver gode praktikker. Borgerne er glade for det.\n\n"
          "Interviewer: Hvad mangler I?\n\n"
          "Mette: Vi mangler flere konsulenter.\n")
AABAEK = ("Interviewer: Fortæl om jeres samarbejde.\n\n"
          "Bo: Vi holder møder med jobcentret hver måned.\n\n"
          "Carl: Jeg besøger virksomhederne. Jeg kender mange arbejdsgivere.\n\n"
          "Dorte: Som leder ser jeg, at det virker. Men vi har for få ressourcer.\n")
KILDEMOSE = ("Interviewer: Hvordan går det?\n\n"
             "Eva: Vi samarbejder med borgerne om deres mål. Det tager tid.\n")
MANIFEST = ("source,speaker,participant,role,municipality\n"
            "nordby_leder.txt,,,,Nordby\n"
            "nordby_leder.txt,Interviewer,INT-1,Interviewer,\n"
            "nordby_leder.txt,Mette,NOR-L-1,Leder,\n"
            "aabaek_fokus.txt,,,,Åbæk\n"
            "aabaek_fokus.txt,Interviewer,INT-1,Interviewer,\n"
            "aabaek_fokus.txt,Bo,AAB-S-1,Sagsbehandler,\n"
            "aabaek_fokus.txt,Carl,AAB-VK-1,Virksomhedskonsulent,\n"
            "aabaek_fokus.txt,Dorte,AAB-L-1,Leder,\n"
            "kildemose_vk.txt,,,,Kildemose\n"
            "kildemose_vk.txt,Interviewer,INT-1,Interviewer,\n"
            "kildemose_vk.txt,Eva,KIL-VK-1,Virksomhedskonsulent,\n")

VK, BO, RES, SAM = "samarbejde/virksomheder", "samarbejde/borgere", "ressourcer", "samarbejde"


def span(text: str, phrase: str, until: str | None = None, *, from_: int = 0) -> tuple[int, int]:
    start = text.index(phrase, from_)
    end = text.index(until, start) + len(until) if until else start + len(phrase)
    return start, end


def build_project(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    for name, text in (("nordby_leder.txt", NORDBY), ("aabaek_fokus.txt", AABAEK), ("kildemose_vk.txt", KILDEMOSE)):
        (folder / name).write_text(text, encoding="utf-8")
    (tmp_path / "participants.csv").write_text(MANIFEST, encoding="utf-8")
    path = tmp_path / "p.db"
    run(path, "import", str(folder), "--manifest", str(tmp_path / "participants.csv"))
    with Project.open(path) as project, project.transaction():
        store = project.store
        sam = store.upsert_code(code="samarbejde", parent_id=None, position=1,
                                labels={"da": "Samarbejde", "en": "Collaboration"})
        vk = store.upsert_code(code="virksomheder", parent_id=sam, position=2,
                               labels={"da": "Samarbejde med virksomheder", "en": "Employers"})
        bo = store.upsert_code(code="borgere", parent_id=sam, position=3,
                               labels={"da": "Samarbejde med borgere", "en": "Citizens"})
        res = store.upsert_code(code="ressourcer", parent_id=None, position=4,
                                labels={"da": "Ressourcer", "en": "Resources"})
        ids = {r["name"]: r["id"] for r in store.source_names()}
        texts = store.source_texts()
        n, a, k = ids["nordby_leder.txt"], ids["aabaek_fokus.txt"], ids["kildemose_vk.txt"]
        tn, ta, tk = texts[n], texts[a], texts[k]
        c1 = span(tn, "Vi ringer til virksomhederne hver uge.")
        c2 = (c1[1], span(tn, "Det giver gode praktikker.")[1])  # touches c1: one segment
        codings = [
            (n, c1, vk, "anne"),                                                       # c1
            (n, c2, vk, "anne"),                                                       # c2
            (n, span(tn, "Borgerne er glade for det."), bo, "anne"),                   # c3
            (n, span(tn, "Vi mangler flere konsulenter."), res, "anne"),               # c4
            (n, span(tn, "Hvordan samarbejder I med virksomhederne?"), vk, "anne"),    # c5 interviewer only
            (n, span(tn, "ringer til virksomhederne"), vk, "auto"),                    # c6 second coder
            (a, span(ta, "Vi holder møder med jobcentret hver måned."), sam, "anne"),  # c7 on the parent
            (a, span(ta, "Jeg besøger virksomhederne.", "at det virker."), vk, "anne"),  # c8 Carl -> Dorte
            (a, span(ta, "Jeg kender mange arbejdsgivere."), vk, "anne"),              # c9 inside c8
            (a, span(ta, "Jeg besøger virksomhederne."), bo, "anne"),                  # c10 sub-code inside c8
            (a, span(ta, "Men vi har for få ressourcer."), res, "anne"),               # c11
            (a, span(ta, "for få ressourcer"), res, "auto"),                           # c12 second coder
            (k, span(tk, "Vi samarbejder med borgerne om deres mål."), bo, "anne"),    # c13
            (k, span(tk, "Det tager tid."), bo, "anne"),                               # c14 gap: own segment
        ]
        store.insert_codings({"source_id": sid, "start": s, "end": e, "code_id": cid, "coder": coder,
                              "origin": "auto" if coder == "auto" else "manual"}
                             for sid, (s, e), cid, coder in codings)
    return path


@pytest.fixture()
def project_path(tmp_path) -> Path:
    return build_project(tmp_path)


def cells(frame) -> dict:
    return {(row, col): frame.at[row, col] for row in frame.index for col in frame.columns}


# --------------------------------------------------------------------------- segments
def test_segments_merge_overlapping_and_touching_per_coder(project_path):
    with Project.open(project_path) as project:
        segs = project.segments()
    # c1+c2 touch -> one; c8+c9 overlap -> one; c5 lies only in an interviewer turn -> left out;
    # c6 (auto) inside c1 stays its own segment: another coder.
    assert len(segs) == 11  # 14 codings - 2 merges - c5
    vk = segs[segs["code"] == "virksomheder"].sort_values(["source", "coder", "start"])
    assert list(zip(vk["source"], vk["coder"], vk["codings"])) == [
        ("aabaek_fokus.txt", "anne", 2), ("nordby_leder.txt", "anne", 2), ("nordby_leder.txt", "auto", 1)]
    first = vk.iloc[1]
    assert first["text"] == "Vi ringer til virksomhederne hver uge. Det giver gode praktikker."
    assert first["role"] == "Leder" and first["municipality"] == "Nordby" and first["participant"] == "NOR-L-1"
    spanning = vk.iloc[0]
    assert spanning["participant"] == "AAB-VK-1; AAB-L-1"
    assert spanning["role"] == "Virksomhedskonsulent; Leder" and spanning["turn"] == "3; 4"
    # 7 words in Carl's part + 7 in Dorte's; the label "Dorte:" between the turns is no one's words
    assert spanning["words"] == 14


def test_segments_interviewer_and_rollup(project_path):
    with Project.open(project_path) as project:
        with_interviewer = project.segments(code="virksomheder", include_interviewer=True)
        assert len(with_interviewer) == 4
        assert "Interviewer" in set(with_interviewer["role"])
        rolled = project.segments(code="samarbejde", level=1)
        # c1+c2 | c3 | c6 (auto) | c7 | c8+c9+c10 | c13 | c14: seven segments, all under the parent
        assert len(rolled) == 7 and set(rolled["code"]) == {"samarbejde"}
        assert sorted(rolled["codings"].tolist()) == [1, 1, 1, 1, 1, 2, 3]


# --------------------------------------------------------------------------- matrix by hand
# Segments per code and role (interviewer left out):
#   virksomheder: Nordby anne (c1+c2, Leder), Nordby auto (c6, Leder), Åbæk anne (c8+c9: Carl VK and
#                 Dorte Leder) -> Leder 3, VK 1, Total 3 (the spanning segment counts once)
#   borgere:      c3 (Leder), c10 (VK), c13, c14 (VK) -> Leder 1, VK 3, Total 4
#   samarbejde:   c1+c2, c3, c6 (Leder), c7 (Sagsbehandler), c8+c9+c10 (VK, Leder: c10 lies inside
#                 c8, so not counted twice), c13, c14 (VK) -> Leder 4, S 1, VK 3, Total 7
#   ressourcer:   c4, c11, c12 (Leder) -> Leder 3, Total 3
def test_matrix_segments_by_role(project_path):
    with Project.open(project_path) as project:
        frame = project.matrix("code", ["role"])
    assert frame.index.name == "code"
    assert list(frame.index) == [SAM, VK, BO, RES]
    assert list(frame.columns) == ["Leder", "Sagsbehandler", "Virksomhedskonsulent", "Total"]
    assert frame.loc[VK].tolist() == [3, 0, 1, 3]
    assert frame.loc[BO].tolist() == [1, 0, 3, 4]
    assert frame.loc[SAM].tolist() == [4, 1, 3, 7]
    assert frame.loc[RES].tolist() == [3, 0, 0, 3]


def test_matrix_participants_sources_words(project_path):
    with Project.open(project_path) as project:
        participants = project.matrix("code", ["role"], count="participants")
        sources = project.matrix("code", ["role"], count="sources")
        words = project.matrix("code", ["role"], count="words")
    # participants: virksomheder Mette+Dorte / Carl; samarbejde Mette+Dorte / Bo / Carl+Eva (5 people)
    assert participants.loc[VK].tolist() == [2, 0, 1, 3]
    assert participants.loc[SAM].tolist() == [2, 1, 2, 5]
    assert participants.loc[RES].tolist() == [2, 0, 0, 2]
    # sources: virksomheder Nordby+Åbæk / Åbæk -> Total 2 distinct sources, not 3
    assert sources.loc[VK].tolist() == [2, 0, 1, 2]
    assert sources.loc[BO].tolist() == [1, 0, 2, 3]
    # words (overlaps once, across coders): virksomheder Nordby 10 + Dorte's part 7 / Carl's part 7
    assert words.loc[VK].tolist() == [17, 0, 7, 24]
    assert words.loc[RES].tolist() == [10, 0, 0, 10]        # c12 lies inside c11
    assert words.loc[BO].tolist() == [5, 0, 13, 18]
    assert words.loc[SAM].tolist() == [22, 7, 17, 46]       # 15 + 7 | 7 | 7 + 10


def test_matrix_interviewer_coder_level_where(project_path):
    with Project.open(project_path) as project:
        both = project.matrix("code", ["role"], include_interviewer=True)
        assert both.loc[VK].tolist() == [1, 3, 0, 1, 4]  # c5 in the interviewer's turn
        assert list(both.columns)[0] == "Interviewer"
        anne = project.matrix("code", ["role"], coder="anne")
        assert anne.loc[VK].tolist() == [2, 0, 1, 2]
        assert anne.loc[RES].tolist() == [2, 0, 0, 2]
        top = project.matrix("code", ["role"], level=1)
        assert list(top.index) == [SAM, RES]
        assert top.loc[SAM].tolist() == [4, 1, 3, 7]
        aabaek = project.matrix("code", ["role"], where={"municipality": "Åbæk"})
        assert list(aabaek.columns) == ["Leder", "Sagsbehandler", "Virksomhedskonsulent", "Total"]
        assert aabaek.loc[SAM].tolist() == [1, 1, 1, 2]


def test_matrix_two_column_attributes_and_transposed(project_path):
    with Project.open(project_path) as project:
        frame = project.matrix("code", ["municipality", "role"])
        assert list(frame.columns) == ["Kildemose / Virksomhedskonsulent", "Nordby / Leder", "Åbæk / Leder",
                                       "Åbæk / Sagsbehandler", "Åbæk / Virksomhedskonsulent", "Total"]
        assert frame.loc[SAM].tolist() == [2, 3, 1, 1, 1, 7]
        by_role = project.matrix("role", ["code"])
    # Total per role = all codes together: Leder has c1+c2, c3, c4 and c6 in Nordby, the Dorte part
    # of c8+c9+c10 and c11, c12 in Åbæk -> 7, though the cells add up to 11
    assert by_role.index.name == "role"
    assert list(by_role.columns) == [SAM, VK, BO, RES, "Total"]
    assert by_role.loc["Leder"].tolist() == [4, 3, 1, 3, 7]
    assert by_role.loc["Sagsbehandler"].tolist() == [1, 0, 0, 0, 1]
    assert by_role.loc["Virksomhedskonsulent"].tolist() == [3, 1, 3, 0, 3]


def test_matrix_normalize(project_path):
    with Project.open(project_path) as project:
        row = project.matrix("code", ["role"], normalize="row")
        col = project.matrix("code", ["role"], normalize="col")
        total = project.matrix("code", ["role"], normalize="total")
    assert row.loc[SAM].tolist() == [57.1, 14.3, 42.9, 100.0]           # 4/7, 1/7, 3/7
    # columns: all codes together per role: Leder 7, Sagsbehandler 1, VK 3; everything: 10 segments
    assert col.loc[SAM].tolist() == [57.1, 100.0, 100.0, 70.0]
    assert col.loc[RES].tolist() == [42.9, 0.0, 0.0, 30.0]
    assert total.loc[SAM].tolist() == [40.0, 10.0, 30.0, 70.0]


def test_codings_and_matrix_agree(project_path):
    """The participants the codings listing shows for a code are the matrix's participant Total."""
    records = json.loads(run(project_path, "codings", "--code", "samarbejde", "--no-interviewer",
                             "--format", "json").output)
    people = {p for r in records for p in r["participant"].split("; ") if r["role"] != "Interviewer"}
    with Project.open(project_path) as project:
        frame = project.matrix("code", ["role"], count="participants")
    assert len(people) == frame.at[SAM, "Total"] == 5


# --------------------------------------------------------------------------- CLI shapes
def test_matrix_csv_json_md_xlsx_through_cli(project_path, tmp_path):
    text = run(project_path, "matrix", "--rows", "code", "--cols", "municipality", "--cols", "role",
               "--format", "csv").output
    table = list(csv.reader(io.StringIO(text)))
    # for people: the code's label in the project's language beside its id, the total named in it
    assert table[0] == ["code", "label", "Kildemose / Virksomhedskonsulent", "Nordby / Leder", "Åbæk / Leder",
                        "Åbæk / Sagsbehandler", "Åbæk / Virksomhedskonsulent", "I alt"]
    assert table[1] == [SAM, "Samarbejde", "2", "3", "1", "1", "1", "7"]
    english = list(csv.reader(io.StringIO(run(project_path, "matrix", "--cols", "role", "--language", "en",
                                              "--format", "csv").output)))
    assert english[0][:2] == ["code", "label"] and english[0][-1] == "Total"
    assert [r[1] for r in english[1:]] == ["Collaboration", "Employers", "Citizens", "Resources"]
    assert [r[0] for r in table[1:]] == [SAM, VK, BO, RES]
    records = json.loads(run(project_path, "matrix", "--cols", "role", "--format", "json").output)
    assert {"code": VK, "role": "Leder", "count": 3} in records
    assert {"code": VK, "role": "Sagsbehandler", "count": 0} in records
    assert len(records) == 4 * 3 and all(set(r) == {"code", "role", "count"} for r in records)
    md = run(project_path, "matrix", "--cols", "role", "--format", "md").output
    assert md.splitlines()[0] == "| code | label | Leder | Sagsbehandler | Virksomhedskonsulent | I alt |"
    out = tmp_path / "m.xlsx"
    run(project_path, "matrix", "--rows", "role", "--cols", "code", "--format", "xlsx", "-o", str(out))
    sheet = openpyxl.load_workbook(out).active
    assert [c.value for c in sheet[1]] == ["role", SAM, VK, BO, RES, "I alt"]
    assert [c.value for c in sheet[2]] == ["Leder", 4, 3, 1, 3, 7]
    table = run(project_path, "matrix", "--cols", "role", "--count", "participants").output
    assert table.splitlines()[0].split() == ["code", "label", "Leder", "Sagsbehandler", "Virksomhedskonsulent",
                                             "I", "alt"]


def test_matrix_table_is_the_frame_without_pandas(project_path):
    """``Project.matrix_table`` (what ``coding matrix`` prints) has the DataFrame's row ids, columns,
    values (their type too) and attrs for counts, normalisations and either direction, and gives
    the same records; also when a column value is named Total (here a coder), which the frame's
    Total column replaces."""
    from coding.analysis.matrix import matrix_records, matrix_rows

    with Project.open(project_path) as project:
        text = project.source("nordby_leder.txt")["text"]
        project.add_coding("nordby_leder.txt", *span(text, "Vi mangler flere konsulenter."), "ressourcer", "Total")
        for args, options in [((), {}), (("code", ["municipality", "role"]), {"count": "participants"}),
                              (("role", ["code"]), {"normalize": "row"}),
                              ((), {"count": "words", "normalize": "col"}),
                              (("municipality", ["role"]), {"level": 1, "normalize": "total"}),
                              (("code", ["coder"]), {}), (("code", ["coder"]), {"normalize": "row"})]:
            frame = project.matrix(*args, **options)
            table = project.matrix_table(*args, **options)
            assert (table.name, table.index, table.columns) == (frame.index.name, list(frame.index),
                                                                list(frame.columns))
            assert table.attrs == frame.attrs
            assert table.values.dtype == frame.to_numpy().dtype and (table.values == frame.to_numpy()).all()
            assert matrix_rows(table, for_people=True) == matrix_rows(frame, for_people=True)
            assert matrix_records(table) == matrix_records(frame)
        clash = project.matrix_table(cols=["coder"])
        assert "Total" in clash.labels and clash.columns == clash.labels  # the case above was there


def test_heatmap_png(project_path, tmp_path):
    png = tmp_path / "heat.png"
    run(project_path, "matrix", "--cols", "role", "--heatmap", str(png), "--format", "csv")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    import matplotlib.image
    image = matplotlib.image.imread(png)
    assert image.shape[0] > 300 and image.shape[1] > 600


@pytest.mark.parametrize("args,name,option,builtin", [
    (["--cols", "kommune"], "kommune", "--cols", "code, source, participant, coder"),
    (["--rows", "region", "--cols", "code"], "region", "--rows", "code, source, participant, coder"),
    (["--cols", "role", "--where", "rolle=Leder"], "rolle", "--where", "source, participant, coder"),
])
def test_matrix_unknown_attribute_is_a_clear_error(project_path, args, name, option, builtin):
    before = run(project_path, "matrix", "--cols", "role", "--format", "csv").output
    result = run(project_path, "matrix", *args, ok=False)
    assert result.exit_code == 1
    assert result.output.strip() == (
        f"Error: unknown attribute '{name}' in {option}; the project's attributes are: "
        f"municipality, role (and {builtin})")
    assert run(project_path, "matrix", "--cols", "role", "--format", "csv").output == before


def test_matrix_bad_combinations(project_path):
    result = run(project_path, "matrix", "--rows", "code", "--cols", "code", ok=False)
    assert result.exit_code == 1 and "'code' is given twice" in result.output
    result = run(project_path, "matrix", "--cols", "role", "--format", "xlsx", ok=False)
    assert result.exit_code == 2 and "needs -o" in result.output
    result = run(project_path, "matrix", "--cols", "role", "--code", "ukendt", ok=False)
    assert result.exit_code == 1 and "no code 'ukendt'" in result.output


# --------------------------------------------------------------------------- co-occurrence
# Respondent turns with codes: Mette 1 {virksomheder, borgere}, Mette 2 {ressourcer}, Bo {samarbejde},
# Carl {virksomheder, borgere}, Dorte {virksomheder, ressourcer}, Eva {borgere}.
#   virksomheder-borgere: 2 turns, n 3 and 3 -> Jaccard 2 / 4 = 0.5
#   virksomheder-ressourcer: 1 turn, n 3 and 2 -> Jaccard 1 / 4 = 0.25
def test_cooccurrence_turns(project_path):
    with Project.open(project_path) as project:
        frame = project.cooccurrence()
    rows = {(r["code_a"], r["code_b"]): (r["count"], r["n_a"], r["n_b"], r["jaccard"])
            for r in frame.to_dict("records")}
    assert rows == {(VK, BO): (2, 3, 3, 0.5), (VK, RES): (1, 3, 2, 0.25)}
    assert frame.attrs["frequency"] == {SAM: 1, VK: 3, BO: 3, RES: 2}


# Overlapping segments: Nordby c1+c2 with c6 {virksomheder}; Åbæk c8+c9 with c10 {virksomheder,
# borgere}, c11 with c12 {ressourcer}; the rest alone -> virksomheder in 2 units, borgere in 4.
def test_cooccurrence_segments_and_level(project_path):
    with Project.open(project_path) as project:
        frame = project.cooccurrence(unit="segment")
        assert frame[["code_a", "code_b", "count", "n_a", "n_b", "jaccard"]].values.tolist() == [
            [VK, BO, 1, 2, 4, 0.2]]
        top = project.cooccurrence(level=1)
    # top-level themes per turn: samarbejde in 5 turns, ressourcer in 2, together in Dorte's turn
    assert top[["code_a", "code_b", "count", "n_a", "n_b"]].values.tolist() == [[SAM, RES, 1, 5, 2]]


def test_cooccurrence_cli_and_graphs(project_path, tmp_path):
    text = run(project_path, "cooccurrence", "--format", "csv").output
    table = list(csv.DictReader(io.StringIO(text)))
    assert table[0]["code_a"] == VK and table[0]["code_b"] == BO and table[0]["jaccard"] == "0.5"
    graphml = tmp_path / "g.graphml"
    run(project_path, "cooccurrence", "--graph", str(graphml))
    g = nx.read_graphml(graphml)
    assert g.nodes[VK]["frequency"] == 3 and g.nodes[VK]["label"] == "Samarbejde med virksomheder"
    assert g.edges[VK, BO]["weight"] == 2 and g.edges[VK, BO]["jaccard"] == 0.5
    gexf = tmp_path / "g.gexf"
    run(project_path, "cooccurrence", "--graph", str(gexf))
    assert nx.read_gexf(gexf).number_of_edges() == 2
    png = tmp_path / "g.png"
    run(project_path, "cooccurrence", "--graph", str(png))
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    result = run(project_path, "cooccurrence", "--graph", str(tmp_path / "g.svg"), ok=False)
    assert result.exit_code == 1 and "g.svg: a graph is written as .graphml, .gexf, .png" in result.output
    assert not (tmp_path / "g.svg").exists()


# --------------------------------------------------------------------------- quotes
def test_quotes_grouped_attributed_whole_sentences(project_path):
    with Project.open(project_path) as project:
        frame = project.quotes("samarbejde", by="role")
    groups = list(dict.fromkeys(frame["group"]))
    assert groups == ["Leder", "Sagsbehandler", "Virksomhedskonsulent"]
    leder = frame[frame["group"] == "Leder"]
    texts = leder["text"].tolist()
    # c6 ("ringer til virksomhederne") widens to its sentence and joins c1+c2; c3 follows right after
    # in the same turn: one readable passage instead of three pieces
    assert texts[0] == "Vi ringer til virksomhederne hver uge. Det giver gode praktikker. Borgerne er glade for det."
    assert len(texts) == 2  # Mette's passage and Dorte's part of c8 (Dorte's and Carl's words apart)
    dorte = leder.iloc[1]
    assert dorte["text"] == "Som leder ser jeg, at det virker." and dorte["participant"] == "AAB-L-1"
    assert dorte["attribution"] == "Leder, Åbæk" and dorte["turn"] == 4 and dorte["source"] == "aabaek_fokus.txt"
    vk = frame[frame["group"] == "Virksomhedskonsulent"]
    # the complete passage of readable length ranks first
    assert vk["text"].tolist() == ["Jeg besøger virksomhederne. Jeg kender mange arbejdsgivere.",
                                   "Vi samarbejder med borgerne om deres mål. Det tager tid."]
    assert vk["score"].tolist() == sorted(vk["score"].tolist(), reverse=True)
    assert frame["complete"].all()


def test_quotes_widen_fragments_unless_too_long(project_path):
    """c12 codes three words ("for få ressourcer"); its quote is the whole sentence (29 characters)
    unless that is longer than 2 * max_chars, then the coded words are quoted as a fragment."""
    with Project.open(project_path) as project:
        widened = project.quotes("ressourcer", coder="auto", max_chars=20)
        fragment = project.quotes("ressourcer", coder="auto", max_chars=12)
    assert widened["text"].tolist() == ["Men vi har for få ressourcer."] and widened["complete"].all()
    assert fragment["text"].tolist() == ["for få ressourcer"] and not fragment["complete"].any()
    assert fragment["score"].iloc[0] < widened["score"].iloc[0]


def test_quotes_give_each_voice_a_turn(project_path):
    """With max_chars 50 Eva's two sentences stay apart and both outscore Carl's 59 characters;
    a list of two still quotes both people."""
    with Project.open(project_path) as project:
        frame = project.quotes("samarbejde", where={"role": "Virksomhedskonsulent"}, min_chars=10,
                               max_chars=50)
        two = project.quotes("samarbejde", where={"role": "Virksomhedskonsulent"}, min_chars=10,
                             max_chars=50, limit=2)
    assert frame["participant"].tolist() == ["KIL-VK-1", "AAB-VK-1", "KIL-VK-1"]
    assert frame["score"].tolist()[1] < frame["score"].tolist()[2]
    assert two["text"].tolist() == ["Vi samarbejder med borgerne om deres mål.",
                                    "Jeg besøger virksomhederne. Jeg kender mange arbejdsgivere."]


def test_quotes_cli_formats(project_path, tmp_path):
    text = run(project_path, "quotes", "--code", "samarbejde", "--by", "municipality", "--limit", "1").output
    assert "Kildemose (1 citat)" in text
    assert "— Virksomhedskonsulent, Kildemose (kildemose_vk.txt, tur 2)" in text
    assert text.count("“") == 3  # one per municipality
    md = run(project_path, "quotes", "--code", "borgere", "--format", "md").output
    assert md.startswith("# Citater: Samarbejde med borgere (samarbejde/borgere)")
    assert "> Vi samarbejder med borgerne om deres mål." in md
    out = tmp_path / "q.docx"
    run(project_path, "quotes", "--code", "ressourcer", "--format", "docx", "-o", str(out))
    paragraphs = [p.text for p in docx.Document(out).paragraphs]
    assert "“Men vi har for få ressourcer.”" in paragraphs
    assert "— Leder, Åbæk (aabaek_fokus.txt, tur 4)" in paragraphs
    result = run(project_path, "quotes", "--code", "ressourcer", "--by", "kommune", ok=False)
    assert result.exit_code == 1 and "unknown attribute 'kommune' in --by" in result.output


# --------------------------------------------------------------------------- edges and internals
def test_results_follow_changes_to_the_project(project_path):
    """Segments are kept between calls on one open project only while nothing changes."""
    with Project.open(project_path) as project:
        assert project.matrix("code", ["role"]).at[RES, "Total"] == 3
        store = project.store
        text = store.source_texts()[store.source_by_name("kildemose_vk.txt")["id"]]
        start, end = span(text, "Det tager tid.")
        with project.transaction():
            store.insert_codings([{"source_id": store.source_by_name("kildemose_vk.txt")["id"], "start": start,
                                   "end": end, "code_id": store.code_by_code("ressourcer")["id"],
                                   "coder": "anne", "origin": "manual"}])
        again = project.matrix("code", ["role"])
        assert again.at[RES, "Total"] == 4 and again.at[RES, "Virksomhedskonsulent"] == 1
    # a change made through another connection is seen too
    with Project.open(project_path) as project:
        assert project.matrix("code", ["role"]).at[RES, "Total"] == 4
        with Project.open(project_path) as other, other.transaction():
            other.store.delete_codings(coder="auto")
        assert project.matrix("code", ["role"]).at[RES, "Total"] == 3


def test_analysis_cache_goes_with_the_project(project_path):
    """What an analysis keeps for the next call (turn columns, segments) is freed when the project
    is closed, or dropped without closing; opening and analysing project after project in one
    process must not pile them up."""
    import gc
    import weakref

    from coding.analysis.segments import Context

    contexts = []
    for _ in range(3):
        project = Project.open(project_path)
        assert project.matrix("code", ["role"]).at[RES, "Total"] == 3
        ctx = Context.load(project.store)
        assert Context.load(project.store) is ctx  # kept while the project is open and unchanged
        contexts.append(weakref.ref(ctx))
        del ctx
        project.close()
        assert project.store.memo == {}
    gc.collect()
    assert [ref() for ref in contexts] == [None, None, None]
    # a project dropped without close() takes its cache along (a reference cycle gc can free)
    project = Project.open(project_path)
    project.matrix("code", ["role"])
    dropped = weakref.ref(Context.load(project.store))
    del project
    gc.collect()
    assert dropped() is None


def test_reads_on_a_second_connection_and_the_one_turn_shortcut_count_alike(project_path, monkeypatch):
    """Big projects read turns and half the codings on a second connection in a thread, merge and
    attribute in two threads, turns come in table order and are sorted afterwards, and segments
    within one turn take a shortcut: the columns and the hand-worked counts must be the same as
    read and counted in one go."""
    from coding.analysis import segments
    from coding.store import Store

    monkeypatch.setattr(Store, "PARALLEL_READ_MIN", 1)  # split even these 14 codings
    monkeypatch.setattr(segments, "THREADED_MIN", 1)  # merge and attribute in two threads too
    with Project.open(project_path) as project:
        store = project.store
        first = min(r["id"] for r in store.source_names())
        with project.transaction():  # the first source's turns move to the end of the table
            store.replace_turns(first, [dict(t) for t in store.turns(first)])
        assert store.can_read_in_thread()
        turns = store.turn_columns()
        codings = store.coding_columns()
        with project.transaction():  # inside a transaction everything is read on this connection
            assert not store.can_read_in_thread()
            assert {k: v.tolist() for k, v in store.turn_columns().items()} == {
                k: v.tolist() for k, v in turns.items()}
            alone = store.coding_columns()
            assert alone["coders"] == codings["coders"] == ["anne", "auto"]
            for name in ("position", "source_id", "start", "end", "code_id", "coder"):
                assert alone[name].tolist() == codings[name].tolist()
        expected = [(r["source_id"], r["idx"], r["start"], r["end"], r["participant_id"] or -1)
                    for r in store.all_turns()]
        assert list(zip(*(turns[k].tolist() for k in ("source_id", "idx", "start", "end", "participant_id")))) \
            == expected
        assert len(codings["position"]) == 14
        frame = project.matrix("code", ["role"])
        assert frame.loc[VK].tolist() == [3, 0, 1, 3] and frame.loc[SAM].tolist() == [4, 1, 3, 7]
        # every segment of these lies within one turn: the shortcut (c3, c10, c13, c14 as above)
        assert project.matrix("code", ["role"], code="borgere").loc[BO].tolist() == [1, 3, 4]
        # c1+c2 and c6 in Mette's turn; c5 in the interviewer's turn counts only when asked for
        assert len(project.segments(code="virksomheder", source="nordby_leder.txt")) == 2
        with_interviewer = project.segments(code="virksomheder", source="nordby_leder.txt", include_interviewer=True)
        assert sorted(with_interviewer["role"]) == ["Interviewer", "Leder", "Leder"]


def test_coding_columns_find_coders_a_sample_would_miss(tmp_path):
    """Coders are guessed from a sample of rows; a coder with a few codings between sampled rows
    must still be read, with the right codings."""
    path = build_project(tmp_path)
    with Project.open(path) as project, project.transaction():
        store = project.store
        sid = store.source_by_name("nordby_leder.txt")["id"]
        code_id = store.code_by_code("ressourcer")["id"]
        store.delete_codings()
        rows = [{"source_id": sid, "start": i % 150, "end": i % 150 + 5, "code_id": code_id,
                 "coder": "auto", "origin": "auto"} for i in range(5000)]
        for i in (1, 2, 3):  # the 2nd-4th codings: between the first two sampled rows
            rows[i] = dict(rows[i], coder="sjælden", start=200 + i, end=210 + i)
        store.insert_codings(rows)
    with Project.open(path) as project:
        columns = project.store.coding_columns()
        assert columns["coders"] == ["auto", "sjælden"]
        rare = columns["coder"] == 1
        assert sorted(columns["start"][rare].tolist()) == [201, 202, 203]
        assert (columns["end"] - columns["start"]).tolist() == [5] * 4997 + [10] * 3
        frame = project.segments(coder="sjælden")
    assert frame["codings"].tolist() == [3] and frame["start"].tolist() == [201]  # touching: one segment


def test_overlapping_turns_and_text_outside_turns(tmp_path):
    """Simultaneous speech (turns that overlap, e.g. from a REFI project) and a coded heading."""
    folder = tmp_path / "c"
    folder.mkdir()
    (folder / "lyngholt.txt").write_text(
        "Interview i Lyngholt\n\nInterviewer: Hvad tænker I?\n\nAnne: Vi deler opgaverne.\n\n"
        "Bo: Og vi taler sammen hver dag.\n", encoding="utf-8")
    path = tmp_path / "p.db"
    run(path, "import", str(folder))
    with Project.open(path) as project, project.transaction():
        store = project.store
        sid = store.source_by_name("lyngholt.txt")["id"]
        text = store.source_texts()[sid]
        code = store.upsert_code(code="deling", parent_id=None, labels={"da": "Deling"})
        turns = store.turns(sid)
        anne, bo = turns[1], turns[2]
        # Anne's turn now runs to the end of Bo's (they talk at once); Bo's stays inside it
        store.replace_turns(sid, [{"start": turns[0]["start"], "end": turns[0]["end"], "speaker": "Interviewer"},
                                  {"start": anne["start"], "end": bo["end"], "speaker": "Anne"},
                                  {"start": bo["start"], "end": bo["start"] + 2, "speaker": "Bo"}])
        store.insert_codings([
            {"source_id": sid, **dict(zip(("start", "end"), span(text, "Interview i Lyngholt"))),
             "code_id": code, "coder": "anne", "origin": "manual"},
            {"source_id": sid, **dict(zip(("start", "end"), span(text, "vi taler sammen"))),
             "code_id": code, "coder": "anne", "origin": "manual"},
        ])
    with Project.open(path) as project:
        frame = project.segments()
        participants = project.matrix("code", ["participant"], count="participants")
        segments = project.matrix("code", ["participant"])
    heading, talk = frame.iloc[0], frame.iloc[1]
    assert heading["text"] == "Interview i Lyngholt" and heading["participant"] == "" and heading["turn"] == ""
    # "vi taler sammen" lies in Anne's long turn, not in Bo's two characters
    assert talk["participant"] == "lyngholt:Anne" and talk["turn"] == "2"
    assert list(segments.columns) == ["lyngholt:Anne", "(none)", "Total"]
    assert segments.loc["deling"].tolist() == [1, 1, 2]
    assert participants.loc["deling"].tolist() == [1, 0, 1]  # the heading has no participant


def test_word_bounds_agree_with_the_regular_expression():
    import random

    from coding.analysis.segments import WORD_RE, word_bounds

    rng = random.Random(4)
    alphabet = "ab -'’.,\nÆø1_é—日\u0301"
    texts = ["Vi ringer til virksomhederne.", "co-operation don't a--b 'x' l’été 3.5 x_y", ""]
    texts += ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40))) for _ in range(2000)]
    for text in texts:
        starts, ends = word_bounds(text)
        assert list(zip(starts.tolist(), ends.tolist())) == [m.span() for m in WORD_RE.finditer(text)], text


def test_segments_command_csv(project_path):
    text = run(project_path, "segments", "--code", "borgere", "--format", "csv").output
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [(r["source"], r["text"], r["role"]) for r in rows] == [
        ("aabaek_fokus.txt", "Jeg besøger virksomhederne.", "Virksomhedskonsulent"),
        ("kildemose_vk.txt", "Vi samarbejder med borgerne om deres mål.", "Virksomhedskonsulent"),
        ("kildemose_vk.txt", "Det tager tid.", "Virksomhedskonsulent"),
        ("nordby_leder.txt", "Borgerne er glade for det.", "Leder"),
    ]
    assert rows[0]["label"] == "Samarbejde med borgere" and rows[0]["municipality"] == "Åbæk"


def test_words_by_coder_and_an_empty_project(project_path):
    with Project.open(project_path) as project:
        by_coder = project.matrix("coder", ["code"], count="words", level=1)
        # anne: Nordby 10 + 5, Åbæk 7 + 7 + 7, Kildemose 7 + 3; auto: "ringer til virksomhederne"
        assert by_coder.loc["anne"].tolist() == [46, 10, 56]
        assert by_coder.loc["auto"].tolist() == [3, 3, 6]
        with project.transaction():
            project.store.delete_codings()
        assert project.matrix("code", ["role"]).to_dict("index") == {p: {"Total": 0} for p in [SAM, VK, BO, RES]}
        assert project.matrix("role", ["code"]).empty and project.cooccurrence().empty
    result = run(project_path, "quotes", "--code", "ressourcer")
    assert result.output.endswith("(ingen citater)\n")


def test_counting_without_the_distinct_pairs_sort_gives_the_same_tables(project_path, monkeypatch):
    """When every unit comes once (segments each within one turn), the matrix counts without
    sorting (group, unit) pairs; forced through the sort, every table must be the same."""
    from coding.analysis import matrix as matrix_module

    calls = []
    ascending = matrix_module._ascending

    def recording(values):
        calls.append(ascending(values))
        return calls[-1]

    tables = [dict(rows="code", cols=["role"], count=count) for count in ("segments", "participants", "sources")]
    tables += [dict(rows="code", cols=["role"], code="borgere"), dict(rows="role", cols=["code"]),
               dict(rows="code", cols=["municipality", "role"], normalize="row")]
    with Project.open(project_path) as project:
        monkeypatch.setattr(matrix_module, "_ascending", recording)
        fast = [project.matrix(**t) for t in tables]
        assert set(calls) == {True, False}            # both ways were taken
        monkeypatch.setattr(matrix_module, "_ascending", lambda values: False)
        project.store.memo.clear()
        slow = [project.matrix(**t) for t in tables]
    for a, b in zip(fast, slow):
        assert a.equals(b)
    assert fast[3].loc[BO].tolist() == [1, 3, 4]       # the hand count above, through the short cut


@pytest.mark.parametrize("args", [[], ["--include-interviewer"], ["--code", "samarbejde", "--level", "1"],
                                  ["--code", "samarbejde", "--rollup"]])
def test_segments_written_as_made_equal_the_whole_table(project_path, args):
    """csv and json are written a batch of rows at a time, the values picked by numpy; the text is
    what the whole table gives, also for a segment over several turns (values joined)."""
    from coding.export.tables import render_csv, render_json

    options = dict(include_interviewer="--include-interviewer" in args,
                   code="samarbejde" if "--code" in args else None,
                   level=1 if "--level" in args else None, rollup="--rollup" in args)
    with Project.open(project_path) as project:
        frame = project.segments(**options)
    records = frame.to_dict("records")
    assert records
    # c8 runs from Carl's turn into Dorte's: its values are joined, each once, in turn order
    c8 = [r for r in records if r["text"].startswith("Jeg besøger") and r["text"].endswith("at det virker.")]
    assert [(r["speaker"], r["role"], r["participant"], len(r["turn"].split("; "))) for r in c8] == [
        ("Carl; Dorte", "Virksomhedskonsulent; Leder", "AAB-VK-1; AAB-L-1", 2)] * len(c8) and c8
    assert run(project_path, "segments", *args, "--format", "csv").output == render_csv(records, list(frame.columns))
    assert run(project_path, "segments", *args, "--format", "json").output == render_json(records)
