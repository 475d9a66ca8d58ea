"""Reorganising codes after coding, through the real CLI on the sample corpus: rename, merge, move,
delete, uncode, codings delete; and the codebook written back into its YAML file with its comments."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from cli_helpers import run

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "transcripts_sample"
CODEBOOK = ROOT / "codebooks" / "stv.yaml"


@pytest.fixture(scope="module")
def coded_sample(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("sample") / "sample.db"
    run(db, "import", str(SAMPLE), "--manifest", str(SAMPLE / "participants.csv"))
    run(db, "codebook", "import", str(CODEBOOK))
    run(db, "autocode")
    return db


@pytest.fixture
def sample(coded_sample, tmp_path) -> Path:
    db = tmp_path / "p.db"
    shutil.copy(coded_sample, db)
    return db


def codings(db: Path, *args: str) -> list[dict]:
    return json.loads(run(db, "codings", "--format", "json", *args).output)


def counts(db: Path) -> dict[str, int]:
    out: dict[str, int] = {}
    for c in codings(db):
        out[c["code"]] = out.get(c["code"], 0) + 1
    return out


def paths(db: Path) -> dict[str, str]:
    from coding import Project

    with Project.open(db) as project:
        return {code: node["path"] for code, node in project.codes().by_code.items()}


def add_by_hand(db: Path, tmp_path: Path, rows: list[tuple[str, str, str, str]]) -> None:
    sheet = tmp_path / "hand.csv"
    sheet.write_text("source,code,coder,turn\n" + "".join(",".join(r) + "\n" for r in rows), encoding="utf-8")
    run(db, "codings", "import", str(sheet))


def test_rename_keeps_codings_memos_and_guid_and_changes_labels(sample):
    before = counts(sample)
    run(sample, "memo", "add", "Sagsstammen fylder.", "--code", "caseload")
    out = run(sample, "code", "rename", "caseload", "workload", "--label", "en=Workload").output
    assert out.startswith("code caseload -> workload (da: Sagsstamme, en: Workload)\n")
    assert f"note: {CODEBOOK} no longer matches the project's codes" in out   # the file came from YAML
    after = counts(sample)
    assert "caseload" not in after and after["workload"] == before["caseload"]
    memos = json.loads(run(sample, "memo", "list", "--format", "json").output)
    assert memos[0]["target"] == "code workload"
    # a plain --label is the sources' language (Danish here)
    run(sample, "code", "rename", "workload", "workload", "--label", "Arbejdsbyrde")
    shown = run(sample, "codebook", "show").output
    assert "Arbejdsbyrde" in shown and "Sagsstamme" not in shown
    taken = run(sample, "code", "rename", "workload", "leadership", ok=False)
    assert taken.exit_code == 1 and "there is already a code 'leadership'" in taken.output
    bad = run(sample, "code", "rename", "workload", "two words", ok=False)
    assert bad.exit_code == 1 and "is not a code id" in bad.output


def test_merge_moves_codings_and_makes_duplicates_one(sample, tmp_path):
    # anna codes turn 3 of one interview with both codes, and turn 5 only with role_clarity
    add_by_hand(sample, tmp_path, [("nordby_leder.docx", "role_clarity", "anna", "3"),
                                   ("nordby_leder.docx", "internal_collaboration", "anna", "3"),
                                   ("nordby_leder.docx", "role_clarity", "anna", "5")])
    before = counts(sample)
    a, b = before["role_clarity"], before["internal_collaboration"]
    out = run(sample, "code", "merge", "role_clarity", "internal_collaboration").output
    assert f"{a} codings moved, 1 of them already on internal_collaboration (now one)" in out
    after = counts(sample)
    assert "role_clarity" not in after
    assert after["internal_collaboration"] == a + b - 1
    assert sum(after.values()) == sum(before.values()) - 1
    anna = codings(sample, "--coder", "anna")
    assert sorted(c["turn"] for c in anna) == ["3", "5"] and {c["code"] for c in anna} == {"internal_collaboration"}
    tree = run(sample, "codebook", "show").output
    assert "role_clarity" not in tree
    same = run(sample, "code", "merge", "capacity", "capacity", ok=False)
    assert same.exit_code == 1 and "into itself" in same.output
    down = run(sample, "code", "merge", "capacity", "company_network", ok=False)
    assert down.exit_code == 1 and "below 'capacity'" in down.output
    assert counts(sample) == after  # refused merges changed nothing


def test_move_and_delete_keep_the_tree_whole(sample):
    run(sample, "code", "move", "caseload", "--parent", "capacity")
    assert paths(sample)["caseload"] == "capacity/caseload"
    loop = run(sample, "code", "move", "capacity", "--parent", "caseload", ok=False)
    assert loop.exit_code == 1 and "below it" in loop.output
    run(sample, "code", "move", "caseload", "--top")
    assert paths(sample)["caseload"] == "caseload"

    n = counts(sample)["ordinary_hours"]
    refused = run(sample, "code", "delete", "ordinary_hours", ok=False)
    assert refused.exit_code == 1 and f"has {n} (auto {n}) codings; nothing deleted" in refused.output
    assert counts(sample)["ordinary_hours"] == n
    out = run(sample, "code", "delete", "ordinary_hours", "--with-codings", "--yes")
    assert f"deleted code ordinary_hours with {n} codings" in out.output
    assert "ordinary_hours" not in counts(sample)
    # a parent's children move up to its parent
    children = [code for code, path in paths(sample).items() if path.startswith("match_progression/")]
    assert children
    run(sample, "code", "delete", "match_progression", "--with-codings", "--yes")
    after = paths(sample)
    assert "match_progression" not in after and all(after[c] == c for c in children)


def test_uncode_and_codings_delete_count_and_confirm(sample, tmp_path):
    add_by_hand(sample, tmp_path, [("nordby_leder.docx", "leadership", "bo", "3"),
                                   ("nordby_leder.docx", "capacity", "bo", "5"),
                                   ("kildemose_leder.docx", "leadership", "bo", "3")])
    total = len(codings(sample))
    ids = [c["id"] for c in codings(sample, "--coder", "bo")]
    # no --yes: asked, and "no" deletes nothing
    declined = run(sample, "uncode", str(ids[0]), ok=False, input="n\n")
    assert "1 (spreadsheet 1) codings will be deleted" in declined.output and declined.exit_code == 1
    assert len(codings(sample)) == total
    missing = run(sample, "uncode", str(ids[0]), "999999", "--yes", ok=False)
    assert missing.exit_code == 1 and "no coding with id 999999" in missing.output
    assert len(codings(sample)) == total
    assert run(sample, "uncode", str(ids[0]), "--yes").output.endswith("\ndeleted 1 codings\n")
    assert len(codings(sample)) == total - 1

    out = run(sample, "codings", "delete", "--coder", "bo", "--code", "leadership", input="y\n").output
    assert "1 (spreadsheet 1) codings will be deleted" in out and "deleted 1 codings" in out
    assert [c["code"] for c in codings(sample, "--coder", "bo")] == ["capacity"]
    auto = len(codings(sample, "--coder", "autocode", "--source", "nordby_leder.docx"))
    out = run(sample, "codings", "delete", "--coder", "autocode", "--source", "nordby_leder.docx", "--yes").output
    assert f"deleted {auto} codings" in out
    assert codings(sample, "--coder", "autocode", "--source", "nordby_leder.docx") == []
    assert len(codings(sample)) == total - 2 - auto


def test_the_codebook_goes_back_into_its_yaml_with_comments(sample, tmp_path):
    run(sample, "code", "rename", "caseload", "workload", "--label", "en=Workload")
    run(sample, "code", "merge", "role_clarity", "internal_collaboration")
    run(sample, "code", "move", "workload", "--parent", "capacity")
    run(sample, "code", "delete", "ordinary_hours", "--with-codings", "--yes")
    out = tmp_path / "codebook.yaml"
    run(sample, "codebook", "export", "--format", "yaml", "-o", str(out))
    text = out.read_text(encoding="utf-8")
    original = CODEBOOK.read_text(encoding="utf-8")
    comments = [line.strip() for line in original.splitlines() if line.strip().startswith("#")]
    assert comments and all(c in text for c in comments)       # every comment of the file kept
    data = yaml.safe_load(text)
    tops = {c["id"]: c for c in data["codes"]}
    ids = [c["id"] for top in data["codes"] for c in [top, *top.get("children", [])]]
    assert "role_clarity" not in ids and "ordinary_hours" not in ids and "caseload" not in ids
    capacity_children = [c["id"] for c in tops["capacity"]["children"]]
    assert capacity_children == ["consultant_staffing", "company_network", "workload"]
    workload = tops["capacity"]["children"][2]
    assert workload["labels"] == {"da": "Sagsstamme", "en": "Workload"}
    before = {c["id"]: c for c in yaml.safe_load(original)["codes"]}
    role = next(c for c in before["internal_collaboration"]["children"] if c["id"] == "role_clarity")
    merged = tops["internal_collaboration"]["rules"]["da"]["terms"]
    assert set(role["rules"]["da"]["terms"]) <= set(merged)   # B finds what A found
    assert set(before["internal_collaboration"]["rules"]["da"]["terms"]) <= set(merged)
    # importing it back changes nothing: it says exactly what the project holds
    again = run(sample, "codebook", "import", str(out)).output
    assert "0 added, 0 updated, 16 unchanged, 0 removed" in again
