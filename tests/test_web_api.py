"""The workspace's JSON API and guards through Starlette's TestClient, on a real project file made
from the sample corpus: every endpoint, every bad request (4xx JSON naming the problem, nothing
written), the token rule, the same-origin check, the body limit, static files, escaping."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from coding import Project
from coding.web import create_app

from cli_helpers import run
from web_helpers import HOSTILE_LABEL, HOSTILE_NAME, IMG_TAG, ROOT, SCRIPT_TAG, sample_copy

BASE = "http://127.0.0.1:8765"
SOURCE = "kildemose_borger.txt"


@pytest.fixture
def project(tmp_path, tmp_path_factory) -> Path:
    return sample_copy(tmp_path, tmp_path_factory.getbasetemp() / "web-sample")


@pytest.fixture
def client(project):
    with TestClient(create_app(project), base_url=BASE) as c:
        yield c


def count_codings(path: Path) -> int:
    db = sqlite3.connect(path)
    try:
        return db.execute("SELECT count(*) FROM codings").fetchone()[0]
    finally:
        db.close()


def codings_cli(project: Path, *args: str) -> list[dict]:
    return json.loads(run(project, "codings", "--format", "json", *args).output)


# ---------------------------------------------------------------------------- reading


def test_sources_lists_name_format_language_turns_attributes(client):
    rows = client.get("/api/sources").json()
    by_name = {r["name"]: r for r in rows}
    assert by_name[SOURCE]["format"] == "txt"
    assert by_name[SOURCE]["language"] == "da"
    assert by_name[SOURCE]["turns"] == 32
    assert by_name[SOURCE]["municipality"] == "Kildemose"
    assert HOSTILE_NAME in by_name


def test_source_has_text_turns_and_codings(client, project):
    data = client.get(f"/api/sources/{SOURCE}").json()
    assert data["name"] == SOURCE
    assert data["text"].startswith("Borgerinterview, Kildemose")
    first = data["turns"][0]
    assert set(first) >= {"number", "speaker", "role", "start", "end", "timestamp"}
    assert first["number"] == 1 and first["speaker"] == "Interviewer"
    assert data["text"][first["start"]:first["end"]].startswith("Tak fordi du ville")
    assert data["codings"], "the sample is auto-coded"
    c = data["codings"][0]
    assert set(c) >= {"id", "start", "end", "code", "coder", "origin"}
    assert c["origin"] == "auto" and c["coder"] == "autocode"
    with Project.open(project) as p:
        assert len(data["codings"]) == len(p.codings(source=SOURCE))


def test_unknown_source_is_404_naming_it(client):
    r = client.get("/api/sources/nosuch.txt")
    assert r.status_code == 404
    assert "nosuch.txt" in r.json()["error"]
    r = client.get("/api/sources/nosuch.txt/page")
    assert r.status_code == 404


def test_source_page_and_page_of_an_offset(client):
    data = client.get(f"/api/sources/{SOURCE}/page").json()
    assert data["page"] == 1 and data["pages"] == 1
    assert data["blocks"][1]["speaker"] == "Interviewer" and data["blocks"][1]["role"] == "Interviewer"
    text = client.get(f"/api/sources/{SOURCE}").json()["text"]
    for b in data["blocks"]:
        assert text[b["start"]:b["end"]] == b["text"]
    r = client.get(f"/api/sources/{SOURCE}/page?page=x")
    assert r.status_code == 400 and "'page'" in r.json()["error"]


def test_codes_tree(client):
    codes = client.get("/api/codes").json()
    belief = next(c for c in codes if c["code"] == "belief")
    assert belief["label"] == "Tro på borgeren" and belief["color"] == "#E69F00" and belief["depth"] == 0
    child = next(c for c in codes if c["code"] == "success_stories")
    assert child["depth"] == 1 and child["path"] == "belief/success_stories"


# ---------------------------------------------------------------------------- coding by hand


def test_post_coding_201_then_listed_by_the_cli(client, project):
    r = client.post("/api/codings", json={"source": SOURCE, "start": 300, "end": 360, "code": "belief",
                                          "coder": "anna"})
    assert r.status_code == 201, r.text
    made = r.json()
    assert made["id"] > 0 and made["code"] == "belief" and made["coder"] == "anna" and made["origin"] == "manual"
    text = client.get(f"/api/sources/{SOURCE}").json()["text"]
    assert made["text"] == text[300:360]
    listed = codings_cli(project, "--coder", "anna")
    assert [(c["source"], c["start"], c["end"], c["code"]) for c in listed] == [(SOURCE, 300, 360, "belief")]
    assert client.get(f"/api/codings/{made['id']}").json()["start"] == 300


def test_code_by_label_or_id_and_coder_from_the_session(client, project):
    client.post("/api/session", json={"coder": "Bo Ærø"})
    assert client.get("/api/session").json() == {"coder": "Bo Ærø"}
    by_label = client.post("/api/codings", json={"source": SOURCE, "start": 10, "end": 20, "code": "Ledelse"})
    assert by_label.status_code == 201 and by_label.json()["code"] == "leadership"
    assert by_label.json()["coder"] == "Bo Ærø"
    code_id = next(c["id"] for c in client.get("/api/codes").json() if c["code"] == "capacity")
    by_id = client.post("/api/codings", json={"source": SOURCE, "start": 10, "end": 20, "code": code_id})
    assert by_id.json()["code"] == "capacity"
    assert len(codings_cli(project, "--coder", "Bo Ærø")) == 2


@pytest.mark.parametrize("body, status, words", [
    ({"source": "nosuch.txt", "start": 0, "end": 5, "code": "belief", "coder": "a"}, 404, "nosuch.txt"),
    ({"source": SOURCE, "start": 0, "end": 5, "code": "nosuchcode", "coder": "a"}, 404, "nosuchcode"),
    ({"source": SOURCE, "start": 0, "end": 999_999, "code": "belief", "coder": "a"}, 400, "outside the text"),
    ({"source": SOURCE, "start": -1, "end": 5, "code": "belief", "coder": "a"}, 400, "outside the text"),
    ({"source": SOURCE, "start": 50, "end": 40, "code": "belief", "coder": "a"}, 400, "start 50 is not before end 40"),
    ({"source": SOURCE, "start": 40, "end": 40, "code": "belief", "coder": "a"}, 400, "not before end"),
    ({"source": SOURCE, "start": "1", "end": 40, "code": "belief", "coder": "a"}, 400, "'start' must be a whole number"),
    ({"source": SOURCE, "start": 1.5, "end": 40, "code": "belief", "coder": "a"}, 400, "'start' must be a whole number"),
    ({"source": SOURCE, "start": 1, "end": 40, "code": "belief"}, 400, "coder name is needed"),
    ({"source": SOURCE, "start": 1, "end": 40, "code": "belief", "coder": "  "}, 400, "coder name is needed"),
    ({"source": SOURCE, "start": 1, "code": "belief", "coder": "a"}, 400, "missing 'end'"),
    ({"source": SOURCE, "start": 1, "end": 40, "code": None, "coder": "a"}, 400, "'code' must be"),
    ([1, 2], 400, "JSON object"),
])
def test_bad_codings_are_4xx_naming_the_problem_and_write_nothing(client, project, body, status, words):
    before = count_codings(project)
    r = client.post("/api/codings", json=body)
    assert r.status_code == status, r.text
    assert words in r.json()["error"]
    assert count_codings(project) == before


def test_body_that_is_not_json(client, project):
    before = count_codings(project)
    r = client.post("/api/codings", content=b"source=x", headers={"content-type": "application/x-www-form-urlencoded"})
    assert r.status_code == 400 and "not JSON" in r.json()["error"]
    assert count_codings(project) == before


def test_delete_coding_204_then_404(client, project):
    made = client.post("/api/codings", json={"source": SOURCE, "start": 5, "end": 25, "code": "belief",
                                             "coder": "anna"}).json()
    before = count_codings(project)
    assert client.delete(f"/api/codings/{made['id']}").status_code == 204
    assert count_codings(project) == before - 1
    r = client.delete(f"/api/codings/{made['id']}")
    assert r.status_code == 404 and str(made["id"]) in r.json()["error"]
    assert client.get(f"/api/codings/{made['id']}").status_code == 404
    assert client.delete("/api/codings/abc").status_code == 404  # not a coding address
    assert count_codings(project) == before - 1


def test_unknown_api_address_and_method_are_json(client):
    r = client.get("/api/nothing")
    assert r.status_code == 404 and "no such API address" in r.json()["error"]
    r = client.put("/api/codings")
    assert r.status_code == 405 and "PUT" in r.json()["error"]


# ---------------------------------------------------------------------------- review


def test_accept_and_reject_proposals_and_a_rerun_does_not_propose_them_again(client, project):
    waiting = client.get("/api/proposals?code=belief&limit=3").json()
    assert waiting["total"] > 3 and len(waiting["proposals"]) == 3
    first, second = waiting["proposals"][:2]
    assert first["rule"] and first["matched"] and first["text"]
    r = client.post("/api/reviews", json={"coding": first["id"], "decision": "accept", "coder": "anna"})
    assert r.status_code == 201 and r.json()["coding"]["coder"] == "anna" and r.json()["coding"]["origin"] == "manual"
    r = client.post("/api/reviews", json={"coding": second["id"], "decision": "reject", "coder": "anna"})
    assert r.status_code == 201 and r.json()["coding"] is None
    after = client.get("/api/proposals?code=belief").json()["total"]
    assert after == waiting["total"] - 2
    rates = {r["code"]: r for r in client.get("/api/acceptance").json()}
    assert rates[first["code"]]["accepted"] + rates[second["code"]]["accepted"] >= 1
    assert sum(r["rejected"] for r in rates.values()) == 1 and sum(r["accepted"] for r in rates.values()) == 1
    # a later auto-coding run (forced: every source again) does not propose the reviewed spans again
    run(project, "autocode", "--force")
    with Project.open(project) as p:
        auto = {(c["source"], c["start"], c["end"], c["code"]) for c in p.codings(origin="auto")}
        mine = p.codings(coder="anna")
    for reviewed in (first, second):
        assert (reviewed["source"], reviewed["start"], reviewed["end"], reviewed["code"]) not in auto
    assert [(c["start"], c["end"], c["code"]) for c in mine] == [(first["start"], first["end"], first["code"])]


def test_rerun_makes_every_unreviewed_proposal_again(client, project):
    with Project.open(project) as p:
        before = {(c["source"], c["start"], c["end"], c["code"]) for c in p.codings(origin="auto")}
    proposal = client.get("/api/proposals?limit=1").json()["proposals"][0]
    client.post("/api/reviews", json={"coding": proposal["id"], "decision": "reject", "coder": "anna"})
    run(project, "autocode", "--force")
    with Project.open(project) as p:
        after = {(c["source"], c["start"], c["end"], c["code"]) for c in p.codings(origin="auto")}
    assert after == before - {(proposal["source"], proposal["start"], proposal["end"], proposal["code"])}


@pytest.mark.parametrize("body, status, words", [
    ({"coding": 999_999, "decision": "accept", "coder": "a"}, 404, "999999"),
    ({"coding": "x", "decision": "accept", "coder": "a"}, 400, "whole number"),
    ({"coding": 1, "decision": "maybe", "coder": "a"}, 400, "'accept' or 'reject'"),
    ({"coding": 1, "decision": "accept"}, 400, "coder name"),
])
def test_bad_reviews(client, project, body, status, words):
    before = count_codings(project)
    r = client.post("/api/reviews", json=body)
    assert r.status_code == status and words in r.json()["error"]
    assert count_codings(project) == before


def test_a_manual_coding_is_not_reviewed(client, project):
    made = client.post("/api/codings", json={"source": SOURCE, "start": 5, "end": 25, "code": "belief",
                                             "coder": "anna"}).json()
    r = client.post("/api/reviews", json={"coding": made["id"], "decision": "reject", "coder": "bo"})
    assert r.status_code == 400 and "not made by the auto-coder" in r.json()["error"]
    assert client.get(f"/api/codings/{made['id']}").status_code == 200


def test_proposals_for_unknown_code_or_source(client):
    assert client.get("/api/proposals?code=nosuch").status_code == 404
    assert client.get("/api/proposals?source=nosuch.txt").status_code == 404


# ---------------------------------------------------------------------------- analysis


def test_matrix_code_by_role(client, project):
    data = client.get("/api/matrix?rows=code&cols=role").json()
    with Project.open(project) as p:
        frame = p.matrix(rows="code", cols=["role"])
    assert data["columns"] == [str(c) for c in frame.columns]
    assert data["index"] == [str(i) for i in frame.index]
    assert data["values"] == frame.values.tolist()
    assert "Borger" in data["columns"]
    r = client.get("/api/matrix?rows=code&cols=nosuchattribute")
    assert r.status_code == 404 and "nosuchattribute" in r.json()["error"]


def test_the_matrix_counts_a_coding_made_a_moment_ago(client):
    def belief_total():
        data = client.get("/api/matrix?rows=code&cols=role").json()
        return data["values"][data["index"].index("belief")][data["columns"].index("Total")]

    before = belief_total()
    client.post("/api/codings", json={"source": SOURCE, "start": 6100, "end": 6200, "code": "belief",
                                      "coder": "ny"})
    assert belief_total() == before + 1


def test_segments_of_a_cell(client, project):
    rows = client.get("/api/segments?code=belief&where.role=Borger").json()
    with Project.open(project) as p:
        assert len(rows) == len(p.segments(code="belief", where={"role": "Borger"}))
    assert rows and set(rows[0]) >= {"source", "start", "end", "text", "coder"}


def test_segments_of_every_matrix_cell_are_what_it_counts(client):
    data = client.get("/api/matrix?rows=code&cols=municipality").json()
    for name, values in zip(data["index"], data["values"]):
        code = name.split("/")[-1]
        for column, value in zip(data["columns"], values):
            if column == "Total" or not value:
                continue
            rows = client.get(f"/api/segments?code={code}&rollup=1&where.municipality={column}").json()
            assert len(rows) == value, (name, column)


def test_agreement_of_two_coders(client):
    made = client.post("/api/reviews", json={"coding": client.get("/api/proposals?limit=1").json()["proposals"][0]["id"],
                                             "decision": "accept", "coder": "anna"})
    assert made.status_code == 201
    data = client.get("/api/agreement?coders=autocode,anna").json()
    assert data["coders"] == ["autocode", "anna"] and "per_code" in data and "disagreements" in data
    assert client.get("/api/agreement?coders=autocode").status_code == 400
    assert client.get("/api/agreement?coders=autocode,nobody").status_code == 404


def test_search_and_code_the_hits(client, project):
    hits = client.get("/api/search?q=borger").json()
    assert hits and all({"source", "start", "end", "before", "match", "after"} <= set(h) for h in hits)
    with Project.open(project) as p:
        assert hits == p.search("borger")
    r = client.get("/api/search?q=" + "konsulent&where.municipality=Kildemose")
    assert r.status_code == 200 and all(h["source"].startswith("kildemose") for h in r.json())
    assert client.get("/api/search?q=").status_code == 400
    before = count_codings(project)
    r = client.post("/api/search/code", json={"q": "makkerpar", "code": "internal_collaboration", "coder": "anna"})
    assert r.status_code == 201, r.text
    assert r.json()["new"] >= 1
    assert count_codings(project) == before + r.json()["new"]
    again = client.post("/api/search/code", json={"q": "makkerpar", "code": "internal_collaboration",
                                                  "coder": "anna"}).json()
    assert again["new"] == 0 and again["already"] == r.json()["new"]
    for bad, status in (({"q": "x", "code": "nosuch", "coder": "a"}, 404), ({"code": "belief", "coder": "a"}, 400),
                        ({"q": "borger", "code": "belief"}, 400)):
        assert client.post("/api/search/code", json=bad).status_code == status
    assert count_codings(project) == before + r.json()["new"]


def test_memos(client, project):
    client.post("/api/session", json={"coder": "anna"})
    r = client.post("/api/memos", json={"source": SOURCE, "text": "Læs igen efter mødet."})
    assert r.status_code == 201 and r.json()["author"] == "anna"
    made = client.post("/api/codings", json={"source": SOURCE, "start": 5, "end": 25, "code": "belief"}).json()
    assert client.post("/api/memos", json={"coding": made["id"], "text": "Tvivlsom."}).status_code == 201
    assert client.post("/api/memos", json={"code": "belief", "text": "Husk tvivl."}).status_code == 201
    listed = client.get("/api/memos").json()
    assert {m["on"] for m in listed} >= {"source", "coding", "code"}
    assert client.post("/api/memos", json={"source": "nosuch.txt", "text": "x"}).status_code == 404
    assert client.post("/api/memos", json={"coding": "x", "text": "x"}).status_code == 400
    assert client.post("/api/memos", json={"source": SOURCE}).status_code == 400


def test_session_name_rules(client):
    assert client.post("/api/session", json={"coder": ""}).status_code == 400
    assert client.post("/api/session", json={"coder": "x" * 101}).status_code == 400


# ---------------------------------------------------------------------------- guards


def test_non_loopback_needs_a_token(project):
    from coding.errors import CodingError

    with pytest.raises(CodingError, match="needs a token"):
        create_app(project, host="0.0.0.0")


def test_token_rule(project):
    app = create_app(project, host="0.0.0.0", token="s3cret")
    with TestClient(app, base_url="http://192.0.2.10:8765") as c:
        r = c.get("/api/sources")
        assert r.status_code == 401 and "token" in r.json()["error"]
        assert c.get("/sources").status_code == 401
        assert c.get("/api/sources", headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert c.get("/api/sources?token=wrong").status_code == 401
        assert c.get("/api/sources", headers={"Authorization": "Bearer s3cret"}).status_code == 200
        first = c.get("/sources?token=s3cret")
        assert first.status_code == 200 and "coding_token" in first.headers["set-cookie"]
        assert "HttpOnly" in first.headers["set-cookie"]
        assert c.get("/api/sources").status_code == 200  # the cookie from the first visit
        c.cookies.clear()
        assert c.get("/api/sources").status_code == 401
        before = count_codings(project)
        r = c.post("/api/codings", json={"source": SOURCE, "start": 1, "end": 9, "code": "belief", "coder": "a"})
        assert r.status_code == 401 and count_codings(project) == before
        r = c.post("/api/codings", json={"source": SOURCE, "start": 1, "end": 9, "code": "belief", "coder": "a"},
                   headers={"Authorization": "Bearer s3cret", "Origin": "http://evil.example"})
        assert r.status_code == 201  # a bearer token is no ambient credential: no origin check


def test_loopback_needs_no_token_but_a_loopback_host_name(project):
    with TestClient(create_app(project), base_url="http://localhost:8765") as c:
        assert c.get("/api/sources").status_code == 200
    with TestClient(create_app(project), base_url="http://evil.example:8765") as c:
        r = c.get("/api/sources")
        assert r.status_code == 400 and "evil.example" in r.json()["error"]


@pytest.mark.parametrize("headers", [
    {"Origin": "http://evil.example"},
    {"Origin": "http://127.0.0.1:9999"},
    {"Origin": "null"},
    {"Referer": "http://evil.example/page.html"},
    {"Sec-Fetch-Site": "cross-site"},
])
def test_state_changes_from_another_origin_are_refused(client, project, headers):
    before = count_codings(project)
    body = {"source": SOURCE, "start": 1, "end": 9, "code": "belief", "coder": "a"}
    r = client.post("/api/codings", json=body, headers=headers)
    assert r.status_code == 403 and "refused" in r.json()["error"]
    made = client.post("/api/codings", json=body).json()
    assert client.delete(f"/api/codings/{made['id']}", headers=headers).status_code == 403
    assert client.post("/api/session", json={"coder": "x"}, headers=headers).status_code == 403
    assert count_codings(project) == before + 1
    assert client.get("/api/sources", headers=headers).status_code == 200  # reading is not refused


def test_same_origin_changes_pass(client):
    body = {"source": SOURCE, "start": 1, "end": 9, "code": "belief", "coder": "a"}
    r = client.post("/api/codings", json=body, headers={"Origin": BASE, "Sec-Fetch-Site": "same-origin"})
    assert r.status_code == 201


def test_body_size_limit(client, project):
    before = count_codings(project)
    big = json.dumps({"source": SOURCE, "start": 1, "end": 9, "code": "belief", "coder": "a", "memo": "x" * 2_000_000})
    r = client.post("/api/codings", content=big, headers={"content-type": "application/json"})
    assert r.status_code == 413 and "larger than" in r.json()["error"]

    def chunks():  # no Content-Length: counted as it comes
        for _ in range(30):
            yield b"x" * 100_000

    r = client.post("/api/codings", content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 413
    assert count_codings(project) == before


@pytest.mark.parametrize("path", ["/static/../app.py", "/static/%2e%2e/app.py", "/static/..%2fapp.py",
                                  "/static/%2e%2e%2f%2e%2e%2fproject.py", "/static//etc/passwd",
                                  "/static/../../../../etc/passwd", "/static/templates/base.html"])
def test_no_path_outside_static_is_served(client, path):
    r = client.get(path)
    assert r.status_code == 404
    assert "import" not in r.text and "root:" not in r.text


def test_static_files_are_served(client):
    r = client.get("/static/workspace.js")
    assert r.status_code == 200 and "function api" in r.text
    assert client.get("/static/workspace.css").status_code == 200


# ---------------------------------------------------------------------------- pages


@pytest.mark.parametrize("path", ["/sources", f"/sources/{SOURCE}", "/review", "/search", "/tables",
                                  "/tables?cols=municipality", "/agreement", "/agreement?a=autocode&b=autocode",
                                  "/codebook", f"/sources/{SOURCE}?coder=autocode&origin=auto"])
def test_pages(client, path):
    r = client.get(path)
    assert r.status_code in (200, 400), r.text
    assert r.headers["content-type"].startswith("text/html")
    assert "<nav>" in r.text


def test_unknown_source_page_is_404_with_escaped_message(client):
    r = client.get("/sources/%3Cscript%3Ealert(1)%3C%2Fscript%3E.txt")
    assert r.status_code == 404
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in r.text and "<script>alert(1)" not in r.text


def test_hostile_text_and_labels_are_escaped_in_the_html(client):
    html = client.get(f"/sources/{HOSTILE_NAME}").text
    assert SCRIPT_TAG not in html and IMG_TAG not in html
    assert "&lt;script&gt;window.__pwned = 1&lt;/script&gt;" in html
    assert "&#34;&gt;&lt;img src=x onerror=&#34;window.__pwned = 2&#34;&gt;" in html
    assert HOSTILE_LABEL not in html and "&lt;img src=x onerror=" in html
    assert HOSTILE_LABEL not in client.get("/review").text
    assert HOSTILE_LABEL not in client.get("/codebook").text


def test_a_long_transcript_is_read_a_page_at_a_time(tmp_path):
    words = "Vi har talt om borgeren og om virksomheden igen og igen i dag. "
    turns = []
    while sum(len(t) for t in turns) < 3_000_000:
        turns.append(f"Interviewer: Og hvad så?\n\nMette: {words * 30}\n\n")
    path = tmp_path / "lang_leder.txt"
    path.write_text("".join(turns), encoding="utf-8")
    one_turn = tmp_path / "en_tur.txt"
    one_turn.write_text("Mette: " + words * 50_000, encoding="utf-8")  # 3M characters in one turn
    project = tmp_path / "long.db"
    with Project.open(project) as p:
        p.import_paths([path, one_turn])
    with TestClient(create_app(project), base_url=BASE) as c:
        for name in ("lang_leder.txt", "en_tur.txt"):
            first = c.get(f"/api/sources/{name}/page").json()
            assert first["characters"] > 3_000_000 and first["pages"] > 100
            assert sum(len(b["text"]) for b in first["blocks"]) <= 25_000
            middle = c.get(f"/api/sources/{name}/page?at=1500000").json()
            assert middle["start"] <= 1_500_000 < middle["end"]
            last = c.get(f"/api/sources/{name}/page?page=99999").json()
            assert last["page"] == last["pages"] and last["characters"] - last["end"] <= 3  # the final line breaks
            html = c.get(f"/sources/{name}?page=2")
            assert html.status_code == 200 and len(html.text) < 200_000


# ---------------------------------------------------------------------------- several writers


def test_a_command_waits_for_another_writer_and_says_so(project):
    holder = sqlite3.connect(project, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another program is writing
    proc = subprocess.Popen([sys.executable, "-m", "coding", "--project", str(project), "codebook", "import",
                             str(ROOT / "codebooks" / "stv.yaml")],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        waited = ""
        for _ in range(600):  # until the command says it waits (bounded)
            time.sleep(0.1)
            if proc.poll() is not None:
                break
            line = proc.stderr.readline() if proc.stderr else ""
            waited += line
            if "waiting" in waited:
                break
        assert "another program is writing to the project; waiting" in waited, waited
        assert proc.poll() is None  # still waiting, not failed
    finally:
        holder.execute("COMMIT")
        holder.close()
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert "locked" not in err and "Traceback" not in err


def test_the_reviews_migration_is_recorded(project):
    db = sqlite3.connect(project)
    names = {r[0] for r in db.execute("SELECT name FROM migrations")}
    db.close()
    assert "m011_reviews" in names
