"""REFI-QDA exchange: .qdpx projects and .qdc codebooks, with the files NVivo and ATLAS.ti wrote."""

from __future__ import annotations

import json
import sqlite3
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from coding import Project

from cli_helpers import run
from shared_files import refi_fixture

NS = {"q": "urn:QDA-XML:project:1.0"}


def schema(name: str) -> etree.XMLSchema:
    # The schemas are among the fixtures in ../shared/: absent in a bare clone (the test skips),
    # present in CI (where an absence fails: tests/shared_files.py)
    return etree.XMLSchema(etree.parse(str(refi_fixture(name))))


def assert_valid_qdpx(path: Path) -> etree._Element:
    with zipfile.ZipFile(path) as archive:
        root = etree.fromstring(archive.read("project.qde"))
        names = set(archive.namelist())
    checker = schema("Project-mrt2019.xsd")
    assert checker.validate(root.getroottree()), checker.error_log
    for source in root.iterfind(".//q:TextSource", NS):
        assert source.get("plainTextPath").startswith("internal://")
        assert "sources/" + source.get("plainTextPath")[len("internal://"):] in names
    return root


def snapshot(db: Path) -> list[str]:
    """Everything in the project file, to prove a refused import changed nothing."""
    connection = sqlite3.connect(db)
    try:
        return list(connection.iterdump())
    finally:
        connection.close()


# --------------------------------------------------------------------------- our own project

A_TXT = ("Interviewer: Hvordan arbejder I med borgerne i Nordby?\n"
         "Anne (VK): Vi tror på borgerne 😀 og vi følger op hver uge.\n"
         "Det kræver tid, men det betaler sig.\n"
         "Interviewer: Og ledelsen?\n"
         "Anne (VK): Lederen bakker op 👍 hele vejen.\n")
B_TXT = ("Interviewer: Hvad gør I over for virksomhederne i Åbæk?\n"
         "Bo: Vi ringer til dem hver måned. Det virker 👍 tit.\n"
         "Carl: Vi mangler konsulenter, især om sommeren.\n")
MANIFEST = ("source,speaker,participant,role,municipality,age,start_date\n"
            "a.txt,,,,Nordby,,\n"
            "a.txt,Interviewer,INT-1,Interviewer,,,\n"
            "a.txt,Anne (VK),NOR-VK-1,Virksomhedskonsulent,Nordby,41,2024-03-01\n"
            "b.txt,,,,Åbæk,,\n"
            "b.txt,Interviewer,INT-1,Interviewer,,,\n"
            "b.txt,Bo,AAB-S-1,Sagsbehandler,Åbæk,35,2019-08-15\n"
            "b.txt,Carl,AAB-VK-1,Virksomhedskonsulent,Åbæk,52,2021-01-04\n")


def build_project(tmp_path: Path) -> Path:
    folder = tmp_path / "interviews"
    folder.mkdir()
    (folder / "a.txt").write_text(A_TXT, encoding="utf-8")
    (folder / "b.txt").write_text(B_TXT, encoding="utf-8")
    (tmp_path / "participants.csv").write_text(MANIFEST, encoding="utf-8")
    db = tmp_path / "own.db"
    run(db, "import", str(folder), "--manifest", str(tmp_path / "participants.csv"))
    project = Project.open(db)
    store = project.store
    with project.transaction():
        trust = store.upsert_code(code="tillid", parent_id=None, labels={"da": "Tillid", "en": "Trust"},
                                  definition="Tro på borgernes egne kræfter.", color="#AA3300",
                                  include="Udsagn om tiltro", exclude="Tillid til systemet")
        follow = store.upsert_code(code="opfoelgning", parent_id=trust, labels={"da": "Opfølgning"},
                                   rules={"lemmas": ["følge op"]})
        resources = store.upsert_code(code="ressourcer", parent_id=None, labels={"da": "Ressourcer"},
                                      codable=False, position=1)
        shortage = store.upsert_code(code="mangel", parent_id=resources, labels={"da": "Mangel", "en": "Shortage"})
        a, b = project.source("a.txt"), project.source("b.txt")

        def at(source, piece):
            start = source["text"].index(piece)
            return start, start + len(piece)

        rows = []
        for source, piece, code, coder, origin in [
            (a, "Vi tror på borgerne 😀", trust, "mette", "manual"),
            (a, "vi følger op hver uge", follow, "mette", "auto"),
            (a, "Lederen bakker op 👍 hele vejen.", trust, "jonas", "manual"),
            (b, "Det virker 👍 tit.", trust, "jonas", "manual"),
            (b, "Vi mangler konsulenter", shortage, "mette", "manual"),
        ]:
            start, end = at(source, piece)
            rows.append({"source_id": source["id"], "start": start, "end": end, "code_id": code, "coder": coder,
                         "origin": origin, "rule": "følge op" if origin == "auto" else None,
                         "memo": "Gælder hele teamet." if code == shortage else None})
        store.insert_codings(rows)
        start, end = at(b, "Vi ringer til dem hver måned.")
        store.insert_memo(text="Spørg om ringelisterne.", source_id=b["id"], start=start, end=end, author="mette")
        store.insert_memo(text="Kilden er transskriberet af Mette.", source_id=a["id"])
        store.insert_memo(text="Projektnote: to kommuner.")
    project.close()
    return db


def state(db: Path) -> dict:
    """What a project holds, without its internal ids."""
    project = Project.open(db)
    try:
        tree = project.codes()
        codes = sorted((n["guid"], n["code"], n["path"], json.dumps(n["labels"], sort_keys=True), n["definition"],
                        n["include"], n["exclude"], json.dumps(n["rules"]), n["color"], n["codable"], n["position"])
                       for n in tree.by_id.values())
        sources = [{k: v for k, v in s.items()} for s in project.sources()]
        texts = {row["name"]: (row["guid"], row["text"], row["format"], row["language"])
                 for row in project.store.sources() for row in [project.store.source_by_id(row["id"])]}
        shows = [project.show(s["name"]) for s in sources]
        codings = sorted((c["source"], c["start"], c["end"], c["text"], c["code"], c["coder"], c["origin"],
                          c["rule"] or "", c["memo"] or "", c["participant"], c["role"])
                         for c in project.codings())
        guids = sorted(r["guid"] for r in project.store.codings())
        memos = sorted((m["guid"], m["text"], m["start"], m["end"], m["author"] or "", m["origin"],
                        project.store.source_by_id(m["source_id"])["name"] if m["source_id"] else "")
                       for m in project.store.memos())
        return {"codes": codes, "sources": sources, "texts": texts, "shows": shows, "codings": codings,
                "coding_guids": guids, "participants": project.participants(), "cases": project.refi_cases(),
                "memos": memos}
    finally:
        project.close()


def test_export_validates_and_the_project_comes_back_identical(tmp_path, refi_fixtures):
    db = build_project(tmp_path)
    out = tmp_path / "export" / "evaluering.qdpx"
    result = run(db, "export", "qdpx", "-o", str(out))
    assert "2 sources, 4 codes, 5 codings, 6 cases" in result.output
    root = assert_valid_qdpx(out)
    # what another tool sees: users, nested codes, typed variables, cases with sources, notes
    assert [u.get("name") for u in root.iterfind("q:Users/q:User", NS)] == ["jonas", "mette"]
    top = root.findall("q:CodeBook/q:Codes/q:Code", NS)
    assert [(c.get("name"), c.get("isCodable")) for c in top] == [("Tillid", "true"), ("Ressourcer", "false")]
    assert top[0].get("color") == "#AA3300"
    assert top[0].findtext("q:Description", namespaces=NS) == "Tro på borgernes egne kræfter."
    assert [c.get("name") for c in top[0].iterfind("q:Code", NS)] == ["Opfølgning"]
    variables = {v.get("name"): v.get("typeOfVariable") for v in root.iterfind("q:Variables/q:Variable", NS)}
    assert variables == {"age": "Integer", "municipality": "Text", "role": "Text", "start_date": "Date"}
    cases = {c.get("name"): c for c in root.iterfind("q:Cases/q:Case", NS)}
    assert set(cases) == {"Nordby", "Åbæk", "INT-1", "NOR-VK-1", "AAB-S-1", "AAB-VK-1"}
    assert len(cases["INT-1"].findall("q:SourceRef", NS)) == 2
    assert cases["AAB-S-1"].findtext("q:VariableValue/q:IntegerValue", namespaces=NS) == "35"
    assert len(root.findall("q:Notes/q:Note", NS)) == 4  # three memos and one coding memo
    assert len(root.findall("q:NoteRef", NS)) == 1  # the project note
    with zipfile.ZipFile(out) as archive:
        for source in root.iterfind(".//q:TextSource", NS):
            text = archive.read("sources/" + source.get("plainTextPath")[11:]).decode("utf-8")
            assert text == Project.open(db).source(source.get("name"))["text"]

    fresh = tmp_path / "fresh.db"
    imported = run(fresh, "import", str(out))
    assert "imported a.txt" in imported.output and "imported b.txt" in imported.output
    assert "5 coding(s), 4 memo(s), 6 case(s)" in imported.output  # a coding's memo is a memo too
    before, after = state(db), state(fresh)
    for key in before:
        assert after[key] == before[key], key
    assert {c[3] for c in after["codings"]} >= {"Vi tror på borgerne 😀", "Det virker 👍 tit."}

    # exporting the imported project gives the same file, byte for byte
    again = tmp_path / "again.qdpx"
    run(fresh, "export", "qdpx", "-o", str(again))  # the project name came along too
    assert again.read_bytes() == out.read_bytes()


def guid_map(root: etree._Element) -> dict[str, str]:
    """Element kind + identifying name -> GUID, for everything in a project.qde."""
    found = {}
    for node in root.iter():
        if not isinstance(node.tag, str) or node.get("guid") is None:
            continue
        kind = etree.QName(node).localname
        if kind == "PlainTextSelection":
            key = (node.get("startPosition"), node.get("endPosition"),
                   tuple(c.get("guid") for c in node.iterfind("q:Coding", NS)))
        elif kind == "Coding":
            key = node.find("q:CodeRef", NS).get("targetGUID") + node.getparent().get("startPosition")
        else:
            key = node.get("name")
        found[f"{kind}:{key}"] = node.get("guid")
    return found


def test_guids_are_stable_across_exports(tmp_path, refi_fixtures):
    db = build_project(tmp_path)
    run(db, "export", "qdpx", "-o", str(tmp_path / "one.qdpx"))
    run(db, "export", "qdpx", "-o", str(tmp_path / "two.qdpx"))
    one, two = assert_valid_qdpx(tmp_path / "one.qdpx"), assert_valid_qdpx(tmp_path / "two.qdpx")
    assert guid_map(one) == guid_map(two)
    kinds = {key.split(":")[0] for key in guid_map(one)}
    assert kinds >= {"User", "Code", "Variable", "Case", "TextSource", "PlainTextSelection", "Coding", "Note"}
    # a change elsewhere in the project leaves every earlier GUID where it was
    project = Project.open(db)
    with project.transaction():
        project.store.upsert_code(code="ny", parent_id=None, labels={"da": "Ny kode"})
        project.store.insert_memo(text="Endnu en note.")
    project.close()
    run(db, "export", "qdpx", "-o", str(tmp_path / "three.qdpx"))
    three = guid_map(assert_valid_qdpx(tmp_path / "three.qdpx"))
    assert guid_map(one).items() <= three.items()
    assert len(set(guid_map(one).values())) == len(guid_map(one))  # no GUID used twice


def without_extras(source: Path, target: Path) -> Path:
    with zipfile.ZipFile(source) as archive, zipfile.ZipFile(target, "w") as out:
        for name in archive.namelist():
            if name != "coding.json":
                out.writestr(name, archive.read(name))
    return target


def test_refi_content_alone_carries_codes_sources_codings_attributes_and_cases(tmp_path, refi_fixtures):
    """What another tool would give back (no coding.json): the REFI part on its own."""
    db = build_project(tmp_path)
    run(db, "export", "qdpx", "-o", str(tmp_path / "full.qdpx"))
    plain = without_extras(tmp_path / "full.qdpx", tmp_path / "plain.qdpx")
    fresh = tmp_path / "fresh.db"
    run(fresh, "import", str(plain))
    original, copy = Project.open(db), Project.open(fresh)
    tree_a, tree_b = original.codes(), copy.codes()
    assert {n["guid"]: (n["labels"]["da"], n["definition"], n["color"], n["codable"], n["depth"])
            for n in tree_a.by_id.values()} == {
        n["guid"]: (next(iter(n["labels"].values())), n["definition"], n["color"], n["codable"], n["depth"])
        for n in tree_b.by_id.values()}
    assert {(s["guid"], s["name"], s["text_sha256"]) for s in original.store.sources()} == {
        (s["guid"], s["name"], s["text_sha256"]) for s in copy.store.sources()}
    texts = lambda p: sorted((c["source"], c["text"], p.codes().by_id[c["code_id"]]["guid"], c["coder"])
                             for c in p.codings())
    assert texts(copy) == texts(original)
    for name in ("a.txt", "b.txt"):
        assert copy.show(name)["attributes"] == original.show(name)["attributes"]
        # turns come back from the speaker labels in the text
        assert [t["speaker"] for t in copy.show(name)["turns"]] == [t["speaker"] for t in original.show(name)["turns"]]
    # participant cases become participants with their attributes; municipality cases are recognised
    people = {p["participant"]: p for p in copy.participants()}
    assert people["NOR-VK-1"]["age"] == "41" and people["AAB-S-1"]["role"] == "Sagsbehandler"
    assert "Nordby" not in people and "Åbæk" not in people
    assert {c["name"] for c in copy.refi_cases()} >= {c["name"] for c in original.refi_cases()}
    original.close()
    copy.close()
    run(fresh, "export", "qdpx", "-o", str(tmp_path / "back.qdpx"))
    assert_valid_qdpx(tmp_path / "back.qdpx")


def test_import_into_existing_project_matches_sources_by_text_and_codes_by_name(tmp_path):
    db = build_project(tmp_path)
    run(db, "export", "qdpx", "-o", str(tmp_path / "theirs.qdpx"))
    # a colleague's project: the same a.txt imported on its own (other GUIDs), one code by the same name
    mine = tmp_path / "mine.db"
    run(mine, "import", str(tmp_path / "interviews" / "a.txt"))
    project = Project.open(mine)
    with project.transaction():
        project.store.upsert_code(code="trust_mine", parent_id=None, labels={"da": "Tillid"})
    own_guid = project.source("a.txt")["guid"]
    project.close()
    result = run(mine, "import", str(tmp_path / "theirs.qdpx"))
    assert "imported b.txt" in result.output
    assert "a.txt: already in the project; 3 coding(s) added to it" in result.output
    assert "3 new code(s), 1 matched" in result.output
    project = Project.open(mine)
    assert project.source("a.txt")["guid"] == own_guid
    codes = {n["code"] for n in project.codes().by_id.values()}
    assert "trust_mine" in codes and "tillid" not in codes
    trust = [c for c in project.codings() if c["code"] == "trust_mine"]
    assert {c["text"] for c in trust} == {"Vi tror på borgerne 😀", "Lederen bakker op 👍 hele vejen.",
                                          "Det virker 👍 tit."}
    assert project.codes().get("opfoelgning")["parent_id"] == project.codes().get("trust_mine")["id"]
    count = len(project.codings())
    project.close()
    # the same file again adds nothing
    again = run(mine, "import", str(tmp_path / "theirs.qdpx"))
    assert "0 coding(s), 5 coding(s) already there" in again.output
    assert len(Project.open(mine).codings()) == count


# --------------------------------------------------------------------------- files other tools wrote


def nvivo_selections() -> list[tuple[str, int, int, str, str]]:
    """(source name, start, end, code GUID, the text NVivo coded) read straight from the fixture:
    NVivo counts UTF-16 units in the text as stored, CRLF line ends and all."""
    out = []
    with zipfile.ZipFile(refi_fixture("nvivo12_export.qdpx")) as archive:
        root = etree.fromstring(archive.read("project.qde"))
        for source in root.iterfind(".//q:TextSource", NS):
            raw = archive.read("Sources/" + source.get("plainTextPath")[len("internal://"):])
            units = raw.decode("utf-8-sig").encode("utf-16-le")
            for selection in source.iterfind("q:PlainTextSelection", NS):
                start, end = int(selection.get("startPosition")), int(selection.get("endPosition"))
                coded = units[2 * start:2 * end].decode("utf-16-le").replace("\r\n", "\n")
                for coding in selection.iterfind("q:Coding", NS):
                    out.append((source.get("name"), start, end, coding.find("q:CodeRef", NS).get("targetGUID"), coded))
    return out


def test_nvivo12_export_imports_every_code_and_coding_with_the_text_nvivo_coded(tmp_path, refi_fixtures):
    db = tmp_path / "nvivo.db"
    result = run(db, "import", str(refi_fixture("nvivo12_export.qdpx")))
    assert "152 new code(s)" in result.output and "303 coding(s)" in result.output
    assert "videos_10_selected: selection offsets read as UTF-16 units" in result.output
    project = Project.open(db)
    codes = project.codes().by_id.values()
    assert sum(1 for n in codes if n["codable"]) == 151 and len(codes) == 152
    codings = project.codings()
    assert len(codings) == 303
    expected = nvivo_selections()
    assert len(expected) == 303
    by_code_guid = {n["id"]: n["guid"] for n in codes}
    got = sorted((c["source"], c["text"], by_code_guid[c["code_id"]]) for c in codings)
    assert got == sorted((name, text, guid) for name, _, _, guid, text in expected)
    texts = {row["name"]: project.source(row["name"])["text"] for row in project.store.sources()}
    for coding in codings:
        text = texts[coding["source"]]
        assert 0 <= coding["start"] < coding["end"] <= len(text)
        assert coding["text"].strip()
        assert "\r" not in text
    assert any(c["text"].startswith("Senkit nem lehet kötelezni oltásra") for c in codings)
    assert any(c["text"] == "Zacher - az egy magyar név?" for c in codings)
    # counting code points instead would have cut most of these codings in the wrong place
    with zipfile.ZipFile(refi_fixture("nvivo12_export.qdpx")) as archive:
        raw = archive.read("Sources/68bbdc14-c361-4432-b4dd-ae1dbfc12890.txt").decode("utf-8-sig")
    naive = {raw[s:e].replace("\r\n", "\n") for name, s, e, _, _ in expected if name == "videos_10_selected"}
    assert len(naive - {c["text"] for c in codings}) > 100
    assert {c["coder"] for c in codings} <= {"Gergo", "floriansipos"}
    project.close()
    # exported again it validates and keeps NVivo's GUIDs for codes, codings, sources and users
    run(db, "export", "qdpx", "-o", str(tmp_path / "back.qdpx"))
    root = assert_valid_qdpx(tmp_path / "back.qdpx")
    with zipfile.ZipFile(refi_fixture("nvivo12_export.qdpx")) as archive:
        original = etree.fromstring(archive.read("project.qde"))
    for path in (".//q:Code", ".//q:Coding", ".//q:TextSource"):
        assert {e.get("guid") for e in original.iterfind(path, NS)} == {e.get("guid") for e in root.iterfind(path, NS)}
    # users are the coders; NVivo's GUID for the one who coded is kept
    users = lambda r: {e.get("name"): e.get("guid") for e in r.iterfind("q:Users/q:User", NS)}
    assert users(root) == {"Gergo": users(original)["Gergo"]}


def test_utf16_counting_is_recognised_without_the_nvivo_name(tmp_path, refi_fixtures):
    """The same NVivo file with its origin removed: the selections alone show how it counted."""
    copy = tmp_path / "anonymous.qdpx"
    with zipfile.ZipFile(refi_fixture("nvivo12_export.qdpx")) as archive, zipfile.ZipFile(copy, "w") as out:
        for name in archive.namelist():
            data = archive.read(name)
            if name == "project.qde":
                data = data.replace(b'origin="NVivo for Windows 12.6"', b'origin="some tool"')
                assert b"NVivo" not in data
            out.writestr(name, data)
    db = tmp_path / "p.db"
    result = run(db, "import", str(copy))
    assert "videos_10_selected: selection offsets read as UTF-16 units; the selections fit UTF-16 units clearly better" in result.output
    got = sorted(c["text"] for c in Project.open(db).codings())
    assert got == sorted(text for *_, text in nvivo_selections())


def test_atlasti_codes_only_file_imports_its_codes(tmp_path, refi_fixtures):
    db = tmp_path / "atlas.db"
    run(db, "import", str(refi_fixture("atlasti23_codes_only.qdpx")))
    project = Project.open(db)
    tree = project.codes()
    ordered = [(n["depth"], next(iter(n["labels"].values())), n["guid"]) for n in tree.ordered()]
    assert ordered == [(1, "Commits", "a182cd3a-d83c-4d8c-bc80-26d9103ec6d6"),
                       (2, "2022-05-10T02:05:59Z 19e4dce", "2d2466f0-d77f-4f8c-bdf9-628966b6b74d"),
                       (2, "2022-02-11T10:39:25Z cdbfd92", "086ac733-7b1c-4749-a138-d7182f63a5c9")]
    assert project.sources() == []
    project.close()
    # ATLAS.ti writes upper-case GUIDs; the export keeps the same GUIDs, and the users
    run(db, "export", "qdpx", "-o", str(tmp_path / "back.qdpx"))
    root = assert_valid_qdpx(tmp_path / "back.qdpx")
    assert {c.get("guid") for c in root.iterfind(".//q:Code", NS)} == {g for _, _, g in ordered}


# --------------------------------------------------------------------------- hand-made files


def make_qdpx(path: Path, body: str, files: dict[str, bytes] | None = None, *, origin: str = "MAXQDA 2022",
              base_path: str | None = None) -> Path:
    base = f' basePath="{base_path}"' if base_path is not None else ""
    xml = (f'<?xml version="1.0" encoding="utf-8"?>\n<Project xmlns="urn:QDA-XML:project:1.0" name="t" '
           f'origin="{origin}"{base}>\n{body}\n</Project>\n')
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("project.qde", xml.encode("utf-8"))
        for name, data in (files or {}).items():
            archive.writestr(name, data)
    return path


CODEBOOK = ('<CodeBook><Codes><Code guid="11111111-1111-1111-1111-111111111111" name="Barrierer" isCodable="true"/>'
            '</Codes></CodeBook>')
G = "22222222-2222-2222-2222-2222222222{:02d}"


def selection(n: int, start: int, end: int, name: str = "") -> str:
    return (f'<PlainTextSelection guid="{G.format(n)}" name="{name}" startPosition="{start}" endPosition="{end}">'
            f'<Coding guid="{G.format(n + 50)}"><CodeRef targetGUID="11111111-1111-1111-1111-111111111111"/>'
            f'</Coding></PlainTextSelection>')


def test_offsets_in_utf16_units_crlf_and_selections_that_fit_neither(tmp_path):
    text = "Borger: Jeg fik et job 🎉🎉 efter tre måneder.\r\nKonsulent: Det var flot 💪 klaret.\r\n"
    units = text.encode("utf-16-le")

    def u16(piece):  # NVivo's way: UTF-16 units in the CRLF text
        return len(text[:text.index(piece)].encode("utf-16-le")) // 2

    job, flot = "efter tre måneder.", "flot 💪 klaret."
    body = CODEBOOK + (
        '<Sources><TextSource guid="33333333-3333-3333-3333-333333333333" name="borger.txt" '
        'plainTextPath="internal://b.txt">'
        + selection(1, u16(job), u16(job) + len(job))
        + selection(2, u16(flot), u16(flot) + len(flot.encode("utf-16-le")) // 2)
        + selection(3, 10, len(units) // 2 + 40)
        + '</TextSource></Sources>')
    path = make_qdpx(tmp_path / "nvivo.qdpx", body, {"Sources/b.txt": b"\xef\xbb\xbf" + text.encode("utf-8")},
                     origin="NVivo 14")
    db = tmp_path / "p.db"
    result = run(db, "import", str(path))
    assert (f"fit neither UTF-16 units ({len(units) // 2}) nor characters ({len(text)}) of source 'borger.txt'; "
            "skipped with its 1 coding(s)") in result.output
    assert "project.qde line 3, <PlainTextSelection guid=\"22222222-2222-2222-2222-222222222203\">" in result.output
    codings = Project.open(db).codings()
    assert sorted(c["text"] for c in codings) == sorted([job, flot])
    assert "\r" not in Project.open(db).source("borger.txt")["text"]


def test_code_points_from_other_tools_and_paths_relative_absolute_and_inline(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "rel.txt").write_text("Leder: Vi har 🚀 fart på nu.\n", encoding="utf-8")
    (tmp_path / "abs.txt").write_text("Mentor: Borgerne 🌱 vokser.\n", encoding="utf-8")
    body = CODEBOOK + (
        '<Sources>'
        '<TextSource guid="33333333-3333-3333-3333-333333333301" name="rel" plainTextPath="relative://rel.txt">'
        + selection(1, 14, 27) + '</TextSource>'
        f'<TextSource guid="33333333-3333-3333-3333-333333333302" name="abs" '
        f'plainTextPath="absolute://{tmp_path / "abs.txt"}">' + selection(2, 8, 18, "Borgerne 🌱") + '</TextSource>'
        '<TextSource guid="33333333-3333-3333-3333-333333333303" name="inline"><PlainTextContent>'
        'Sagsbehandler: Det går fint.</PlainTextContent>' + selection(3, 15, 28) + '</TextSource>'
        '</Sources>')
    body = body.replace("</Sources>", '<PDFSource guid="33333333-3333-3333-3333-333333333304" name="p" '
                                      'path="internal://p.pdf"/></Sources>')
    path = make_qdpx(tmp_path / "maxqda.qdpx", body, base_path=str(outside))
    db = tmp_path / "p.db"
    result = run(db, "import", str(path))
    assert "1 × PDFSource not imported (only text sources with plain text are)" in result.output
    texts = sorted(c["text"] for c in Project.open(db).codings())
    assert texts == ["Borgerne 🌱", "Det går fint.", "🚀 fart på nu."]
    missing = make_qdpx(tmp_path / "missing.qdpx", CODEBOOK + (
        '<Sources><TextSource guid="33333333-3333-3333-3333-333333333309" name="x" '
        'plainTextPath="internal://nowhere.txt"/></Sources>'))
    result = run(tmp_path / "q.db", "import", str(missing), ok=False)
    assert result.exit_code == 1
    assert ("project.qde line 3, <TextSource name=\"x\">: the archive has no file 'nowhere.txt' in sources/"
            in result.output)


def test_two_codes_with_one_name_in_a_file_stay_two(tmp_path):
    body = ('<CodeBook><Codes><Code guid="11111111-1111-1111-1111-111111111101" name="Andet" isCodable="true"/>'
            '<Code guid="11111111-1111-1111-1111-111111111102" name="Andet" isCodable="true" color="#00ff00"/>'
            '</Codes></CodeBook>')
    db = tmp_path / "p.db"
    run(db, "import", str(make_qdpx(tmp_path / "dup.qdpx", body)))
    tree = Project.open(db).codes()
    assert sorted((n["code"], n["guid"][-2:], n["color"]) for n in tree.by_id.values()) == [
        ("andet", "01", None), ("andet_2", "02", "#00ff00")]


def test_turns_of_imported_sources_from_labels_or_one_unknown_speaker(tmp_path):
    labelled = "Interviewer: Hvordan går det?\nLise: Det går godt.\nHun er glad.\nInterviewer: Tak.\n"
    plain = "Notat fra mødet i Kildemose.\nVi talte om: ressourcer og tid.\nIntet blev besluttet.\n"
    body = ('<Sources>'
            '<TextSource guid="33333333-3333-3333-3333-333333333301" name="samtale" plainTextPath="internal://s.txt"/>'
            '<TextSource guid="33333333-3333-3333-3333-333333333302" name="notat" plainTextPath="internal://n.txt"/>'
            '</Sources>')
    path = make_qdpx(tmp_path / "t.qdpx", body, {"sources/s.txt": labelled.encode(), "sources/n.txt": plain.encode()})
    db = tmp_path / "p.db"
    result = run(db, "import", str(path))
    assert "notat: no speaker labels found; the whole text is one turn of 'Unknown speaker'" in result.output
    project = Project.open(db)
    turns = project.show("samtale")["turns"]
    assert [(t["speaker"], t["text"]) for t in turns] == [
        ("Interviewer", "Hvordan går det?"), ("Lise", "Det går godt.\nHun er glad."), ("Interviewer", "Tak.")]
    assert turns[0]["role"] == "Interviewer"
    note = project.show("notat")["turns"]
    assert [(t["speaker"], t["text"]) for t in note] == [("Unknown speaker", plain.strip())]


# --------------------------------------------------------------------------- safety


def evil_zip(path: Path, entry: str) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("project.qde", f'<Project xmlns="urn:QDA-XML:project:1.0" name="x">{CODEBOOK}</Project>')
        archive.writestr(zipfile.ZipInfo(entry), b"pwned")
    return path


@pytest.mark.parametrize("entry,problem", [
    ("../../outside.txt", "contains '..'"),
    ("sources/../../etc/cron.d/x", "contains '..'"),
    ("/etc/passwd", "is an absolute path"),
    ("C:/Windows/evil.txt", "is an absolute path"),
])
def test_zip_entries_outside_the_archive_are_refused_and_nothing_changes(tmp_path, entry, problem):
    db = build_project(tmp_path)
    before = snapshot(db)
    path = evil_zip(tmp_path / "evil.qdpx", entry)
    result = run(db, "import", str(path), ok=False)
    assert result.exit_code == 1
    assert result.output.strip() == (f"Error: {path}: zip entry '{entry}' {problem}; an archive that could write "
                                     "outside its folder is refused and nothing was imported")
    assert snapshot(db) == before
    assert not (tmp_path / "outside.txt").exists()


@pytest.mark.parametrize("entity", [
    '<!ENTITY secret SYSTEM "file:///etc/passwd">',
    '<!ENTITY secret SYSTEM "http://example.invalid/x">',
    '<!ENTITY a "aaaaaaaaaa"><!ENTITY secret "&a;&a;&a;&a;&a;&a;&a;&a;">',
])
def test_xml_with_entities_is_refused_and_nothing_changes(tmp_path, entity):
    db = build_project(tmp_path)
    before = snapshot(db)
    xml = (f'<?xml version="1.0"?>\n<!DOCTYPE Project [{entity}]>\n<Project xmlns="urn:QDA-XML:project:1.0" '
           f'name="&secret;">{CODEBOOK}</Project>')
    path = tmp_path / "xxe.qdpx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("project.qde", xml)
    result = run(db, "import", str(path), ok=False)
    assert result.exit_code == 1
    assert result.output.strip() == (f"Error: {path}, project.qde line 2: has a DOCTYPE declaration; REFI-QDA files "
                                     "need none, and entities (external files, network addresses) are refused")
    assert snapshot(db) == before
    qdc = tmp_path / "xxe.qdc"
    qdc.write_text(xml.replace("Project", "CodeBook").replace("project:1.0", "codebook:1.0"), encoding="utf-8")
    project = Project.open(db)
    with pytest.raises(Exception) as raised:
        project.import_qdc(qdc)
    assert "DOCTYPE" in str(raised.value) and "line 2" in str(raised.value)
    project.close()
    assert snapshot(db) == before


@pytest.mark.parametrize("body,message", [
    ('<CodeBook><Codes><Code guid="nope" name="A" isCodable="true"/></Codes></CodeBook>',
     "project.qde line 3, <Code name=\"A\">: guid='nope' is not a GUID"),
    ('<CodeBook><Codes><Code guid="11111111-1111-1111-1111-111111111111" name="A" isCodable="maybe"/></Codes>'
     '</CodeBook>', "project.qde line 3, <Code name=\"A\">: isCodable='maybe' is not true or false"),
    (CODEBOOK + '<Sources><TextSource guid="33333333-3333-3333-3333-333333333333" name="s">'
     '<PlainTextContent>Anne: Hej.</PlainTextContent><PlainTextSelection guid="44444444-4444-4444-4444-444444444444" '
     'startPosition="0" endPosition="x"/></TextSource></Sources>',
     "project.qde line 3, <PlainTextSelection guid=\"44444444-4444-4444-4444-444444444444\">: endPosition='x' is not a whole number"),
    (CODEBOOK + '<Sources><TextSource guid="33333333-3333-3333-3333-333333333333" name="s">'
     '<PlainTextContent>Anne: Hej.</PlainTextContent><PlainTextSelection guid="44444444-4444-4444-4444-444444444444" '
     'startPosition="0" endPosition="4"><Coding guid="55555555-5555-5555-5555-555555555555"><CodeRef '
     'targetGUID="66666666-6666-6666-6666-666666666666"/></Coding></PlainTextSelection></TextSource></Sources>',
     "project.qde line 3, <Coding guid=\"55555555-5555-5555-5555-555555555555\">: refers to the code "
     "66666666-6666-6666-6666-666666666666, which is not in the <CodeBook>"),
    ('<CodeBook><Codes><Code guid="11111111-1111-1111-1111-111111111111" name="A" isCodable="true">'
     '</Codes></CodeBook>', "project.qde line 3: not well-formed XML"),
])
def test_bad_project_xml_names_the_element_and_line_and_changes_nothing(tmp_path, body, message):
    db = build_project(tmp_path)
    before = snapshot(db)
    path = make_qdpx(tmp_path / "bad.qdpx", body)
    result = run(db, "import", str(path), ok=False)
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: {path}, {message}")
    assert "Traceback" not in result.output
    assert snapshot(db) == before


def test_sizes_are_bounded(tmp_path, monkeypatch):
    from coding.refi import reader

    monkeypatch.setattr(reader, "MAX_SOURCE_BYTES", 1000)
    body = ('<Sources><TextSource guid="33333333-3333-3333-3333-333333333301" name="stor" '
            'plainTextPath="internal://stor.txt"/></Sources>')
    path = make_qdpx(tmp_path / "big.qdpx", body, {"sources/stor.txt": ("Anne: " + "bla " * 400).encode()})
    result = run(tmp_path / "p.db", "import", str(path), ok=False)
    assert result.exit_code == 1
    assert "source 'sources/stor.txt' is larger than" in result.output and "refused" in result.output
    assert Project.open(tmp_path / "p.db").sources() == []


def test_a_file_that_is_not_a_zip_is_refused(tmp_path):
    path = tmp_path / "broken.qdpx"
    path.write_bytes(b"<Project/>")
    result = run(tmp_path / "p.db", "import", str(path), ok=False)
    assert result.output.strip() == (f"Error: {path}: not a REFI-QDA project (.qdpx is a zip archive; "
                                     "this file is not one)")


# --------------------------------------------------------------------------- codebooks (.qdc)


def test_qdc_codebook_validates_and_comes_back(tmp_path, refi_fixtures):
    db = build_project(tmp_path)
    project = Project.open(db)
    qdc = tmp_path / "kodebog.qdc"
    assert project.export_qdc(qdc) == 4
    checker = schema("Codebook-v1.0.xsd")
    document = etree.parse(str(qdc))
    assert checker.validate(document), checker.error_log
    fresh = Project.open(tmp_path / "fresh.db")
    assert fresh.import_qdc(qdc) == {"new": 4, "matched": 0}
    shape = lambda p: sorted((n["guid"], n["depth"], n["definition"], n["color"], n["codable"],
                              next(iter(n["labels"].values())) if p is fresh else n["labels"]["da"])
                             for n in p.codes().by_id.values())
    assert shape(fresh) == shape(project)
    assert fresh.import_qdc(qdc) == {"new": 0, "matched": 4}  # GUIDs match the second time
    project.close()
    fresh.close()


def test_codebook_commands_write_and_read_qdc(tmp_path, refi_fixtures):
    db = build_project(tmp_path)
    qdc = tmp_path / "kodebog.qdc"
    written = run(db, "codebook", "export", "--format", "qdc", "-o", str(qdc), "--language", "en")
    assert f"wrote {qdc}: 4 codes" in written.output
    document = etree.parse(str(qdc))
    assert schema("Codebook-v1.0.xsd").validate(document)
    names = [c.get("name") for c in document.iter("{urn:QDA-XML:codebook:1.0}Code")]
    assert names == ["Trust", "Opfølgning", "Ressourcer", "Shortage"]  # English labels where there are any
    fresh = tmp_path / "fresh.db"
    result = run(fresh, "codebook", "import", str(qdc))
    assert result.output.strip() == f"{qdc}: 4 new code(s), 0 matched (left as they are)"
    tree = Project.open(fresh).codes()
    assert [n["path"] for n in tree.ordered()] == ["trust", "trust/opfoelgning", "ressourcer", "ressourcer/shortage"]
    refused = run(fresh, "codebook", "import", str(qdc), "--prune", ok=False)
    assert refused.exit_code == 2 and "--prune works with YAML codebooks" in refused.output
