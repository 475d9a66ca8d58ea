"""Agreement's units made fast: sentences split with numpy and kept in the project, units and
coefficients as columns. Checked against the plain implementation (tests/reference_agreement.py)
and the regular expression :func:`sentence_spans`, on the sample transcripts and on random text."""

from __future__ import annotations

import json
import random
import re
import shutil
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from coding import Project
from coding.analysis.sentences import is_space, sentence_spans, source_sentences, split_sources
from coding.errors import CodingError
from coding.store import SCHEMA_VERSION

from cli_helpers import run
from reference_agreement import reference_agreement

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "transcripts_sample"

# characters that matter to the sentence rule, and some that do not
ALPHABET = (list("abcæøå ABCÆØÅ .!?…\"'»”’)«“‘(-–\n\n   ,:;0") + ["\xa0", "\u3000", "\u2028", "\r\n", "\t", "É", "ß",
            "ǅ", "f.eks. ", "ca. 20", "Nej. ", "Ja!\n", "... ", "» Og", "“Hvad?” Han", "(se) "])
LINE_BREAKS = "[\n\r\u2028\u2029\x85\x0b\x0c\x1c\x1d\x1e]"   # what str.splitlines splits at: one turn, one line


def random_text(rng: random.Random, size: int) -> str:
    return "".join(rng.choice(ALPHABET) for _ in range(size))


def random_pieces(rng: random.Random, length: int) -> tuple[np.ndarray, np.ndarray]:
    """Sorted pieces that do not overlap, with gaps and empty pieces now and then."""
    cuts = sorted(rng.sample(range(length + 1), min(length + 1, rng.randint(1, 12))))
    starts, ends = [], []
    for a, b in zip(cuts, cuts[1:]):
        if rng.random() < 0.8:
            starts.append(a)
            ends.append(b if rng.random() < 0.8 else rng.randint(a, b))
    return np.array(starts, dtype=np.int64), np.array(ends, dtype=np.int64)


def spans_by_regex(text: str, starts, ends) -> list[tuple[int, int, int]]:
    return [(a, b, k) for k, (s, e) in enumerate(zip(list(starts), list(ends))) for a, b in sentence_spans(text, s, e)]


# --------------------------------------------------------------------------- splitting


def test_white_space_is_what_python_calls_white_space_at_every_code_point():
    found = np.flatnonzero(is_space(np.arange(0x110000, dtype=np.uint32))).tolist()
    assert found == [c for c in range(0x110000) if chr(c).isspace()]


def test_split_sources_gives_what_the_regular_expression_gives_on_written_text():
    texts = ["Vi har f.eks. travlt. Det går ca. 20 gange om ugen! \"Nej\", sagde hun.\nJa",
             "Hvad så?» Hun gik.  Og så…   Æblet faldt. «Kom!» – sagde han. (Ja.) ok. Øh.",
             "It went well.\u2028Then it did not. \xa0The end.\u3000Yes? no. \"Quoted.\"\tNext",
             "Én linje\r\nog en til.\r\n\r\nSlut.", "", "   ", "Slutter med punktum.",
             "Turen. Anden tur starter. Her."]
    pieces = [(np.array([0]), np.array([len(t)])) for t in texts]
    pieces[-1] = (np.array([0, 7]), np.array([7, len(texts[-1])]))   # the look-behind stops at a turn's start
    found = split_sources(texts, pieces)
    for text, (starts, ends), rows in zip(texts, pieces, found):
        assert [tuple(r) for r in rows.tolist()] == spans_by_regex(text, starts, ends)
    assert [texts[0][a:b] for a, b, _ in found[0].tolist()] == \
        ["Vi har f.eks. travlt.", "Det går ca. 20 gange om ugen!", "\"Nej\", sagde hun.", "Ja"]


def test_split_sources_gives_what_the_regular_expression_gives_on_random_text():
    rng = random.Random(24)
    texts, pieces = [], []
    for _ in range(400):
        text = random_text(rng, rng.randint(0, 120))
        texts.append(text)
        pieces.append(random_pieces(rng, len(text)))
    for text, (starts, ends), rows in zip(texts, pieces, split_sources(texts, pieces)):
        assert [tuple(r) for r in rows.tolist()] == spans_by_regex(text, starts, ends), (text, starts, ends)


def test_overlapping_pieces_are_split_one_by_one():
    text = "Først. Så kommer Anden. Tredje!"
    starts, ends = np.array([0, 5, 20]), np.array([22, len(text), 25])
    rows = split_sources([text], [(starts, ends)])[0]
    assert [tuple(r) for r in rows.tolist()] == spans_by_regex(text, starts, ends)


# --------------------------------------------------------------------------- kept in the project


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    """The sample transcripts imported and auto-coded, and a second coder's codings: the
    auto-coder's moved, dropped and swapped by a seeded random choice."""
    path = tmp_path_factory.mktemp("sample") / "sample.db"
    run(path, "--quiet", "import", str(SAMPLE), "--manifest", str(SAMPLE / "participants.csv"))
    run(path, "--quiet", "autocode", "--codebook", str(REPO / "codebooks" / "stv.yaml"))
    rng = random.Random(6)
    with Project.open(path) as project, project.transaction():
        store = project.store
        codes = sorted(store.coded_code_ids())
        rows = []
        for row in store.codings(coder="autocode"):
            if rng.random() < 0.2:
                continue
            length = store.source_length(row["source_id"])
            start = max(0, row["start"] - rng.choice([0, 0, 3, 40]))
            end = min(length, row["end"] + rng.choice([0, 0, 5, 80]))
            code = row["code_id"] if rng.random() < 0.85 else rng.choice(codes)
            rows.append({"source_id": row["source_id"], "start": start, "end": end, "code_id": code,
                         "coder": "bo", "origin": "manual"})
        store.insert_codings(rows)
    return path


def fresh_sentences(project: Project) -> dict[int, list[tuple[int, int, int]]]:
    """Every source's sentences by the regular expression, turn by turn (idx order)."""
    out = {}
    for source in project.store.source_names():
        text = project.store.source_text(source["id"])
        turns = project.store.turns(source["id"])
        out[source["id"]] = [(a, b, t["idx"]) for t in turns for a, b in sentence_spans(text, t["start"], t["end"])]
    return out


def kept_rows(path: Path) -> dict[int, str]:
    with sqlite3.connect(path) as db:
        return dict(db.execute("SELECT source_id, made_from FROM sentence_cache"))


def test_import_keeps_each_sources_sentences_as_the_regular_expression_splits_them(sample):
    with Project.open(sample) as project:
        ids = [r["id"] for r in project.store.source_names()]
        assert sorted(kept_rows(sample)) == sorted(ids)
        kept = source_sentences(project.store, project.store.turn_columns(), ids)
        assert {s: [tuple(r) for r in rows.tolist()] for s, rows in kept.items()} == fresh_sentences(project)


def copy_of(sample: Path, tmp_path: Path) -> Path:
    path = tmp_path / "copy.db"
    shutil.copy(sample, path)
    return path


def agreement_json(path: Path, *args: str) -> dict:
    return json.loads(run(path, "agreement", "--coder", "autocode", "--coder", "bo", "--format", "json", *args).output)


def test_a_replaced_text_is_split_again(sample, tmp_path):
    path = copy_of(sample, tmp_path)
    changed = tmp_path / "nordby_borger.txt"
    original = (SAMPLE / "nordby_borger.txt").read_text(encoding="utf-8")
    # one sentence more in every turn: all of the source's sentences move
    changed.write_text(original.replace(": ", ": Nyt fra Nordby. Ja. ", 3), encoding="utf-8")
    before = kept_rows(path)
    run(path, "--quiet", "import", str(changed), "--replace")
    with Project.open(path) as project:
        source_id = project.source("nordby_borger.txt")["id"]
        after = kept_rows(path)
        assert after[source_id] != before[source_id]
        assert {s: m for s, m in after.items() if s != source_id} == {s: m for s, m in before.items() if s != source_id}
        kept = source_sentences(project.store, project.store.turn_columns(), [source_id])
        assert [tuple(r) for r in kept[source_id].tolist()] == fresh_sentences(project)[source_id]
        with project.transaction():   # a text changed in place by another program: its row goes at once
            project.store.db.execute("UPDATE sources SET text = text || ' Slut.' WHERE id = ?", (source_id,))
        assert source_id not in kept_rows(path)
        expected = reference_agreement(project.store, ["autocode", "bo"], unit="sentence")
    assert agreement_json(path, "--unit", "sentence") == json.loads(json.dumps(expected))


def test_sentences_kept_from_other_turns_are_not_used(sample, tmp_path):
    path = copy_of(sample, tmp_path)
    with Project.open(path) as project:
        source_id = project.source("lyngholt_leder.txt")["id"]
        first = project.store.turns(source_id)[1]
    with sqlite3.connect(path) as db:   # another program moves a turn's end; the text stays
        db.execute('UPDATE turns SET "end" = "end" - 5 WHERE source_id = ? AND idx = ?', (source_id, first["idx"]))
    with Project.open(path) as project:
        kept = source_sentences(project.store, project.store.turn_columns(), [source_id])
        assert [tuple(r) for r in kept[source_id].tolist()] == fresh_sentences(project)[source_id]
        assert kept_rows(path)[source_id] != kept_rows(sample)[source_id]


def test_a_project_from_before_the_kept_sentences_opens_and_agrees_the_same(sample, tmp_path):
    path = copy_of(sample, tmp_path)
    expected = {unit: agreement_json(sample, "--unit", unit) for unit in ("sentence", "character")}
    with sqlite3.connect(path) as db:   # as the project was before the migration (and the ones after it)
        db.execute("DROP TRIGGER sources_text_drops_sentences")
        db.execute("DROP TABLE sentence_cache")
        db.execute("DROP INDEX speakers_participant")  # m015
        db.execute("DELETE FROM migrations WHERE name IN ('m014_sentence_cache', 'm015_speakers_by_participant')")
        db.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION - 2),))
    for unit, result in expected.items():
        assert agreement_json(path, "--unit", unit) == result
    with Project.open(path) as project:
        assert project.store.schema_version() == SCHEMA_VERSION
        assert sorted(kept_rows(path)) == sorted(r["id"] for r in project.store.source_names())


# --------------------------------------------------------------------------- agreement against the plain one


def compare(path: Path, coders: list[str], **options) -> None:
    with Project.open(path) as project:
        expected = reference_agreement(project.store, coders, **options)
        project.store.memo.clear()
        got = project.agreement(coders, **options)
    assert json.dumps(got) == json.dumps(expected), options


@pytest.mark.parametrize("unit", ["turn", "sentence", "character"])
def test_agreement_equals_the_plain_implementation_on_the_sample(sample, unit):
    for exclusive in (False, True):
        for include_interviewer in (False, True):
            compare(sample, ["autocode", "bo"], unit=unit, exclusive=exclusive,
                    include_interviewer=include_interviewer)
    compare(sample, ["bo", "autocode"], unit=unit, codes=["capacity", "Match og progression", "belief"])


@pytest.fixture(scope="module")
def scrambled(tmp_path_factory) -> Path:
    """Random text in turns of two speakers (one an interviewer), a source without turns, four codes
    (one under another), and three coders with random spans: carl codes only some sources."""
    folder = tmp_path_factory.mktemp("scrambled")
    path = folder / "p.db"
    rng = random.Random(2024)
    files = []
    for n in range(6):
        turns = [f"{'Interviewer' if k % 2 == 0 else 'Mette'}: {random_text(rng, rng.randint(5, 90)).strip() or 'Ja.'}"
                 for k in range(rng.randint(2, 9))]
        file = folder / f"kilde_{n}.txt"
        file.write_text("\n\n".join(re.sub(LINE_BREAKS, " ", t) for t in turns) + "\n", encoding="utf-8")
        files.append(str(file))
    manifest = folder / "participants.csv"
    manifest.write_text("source,speaker,participant,role\n" + "".join(
        f"kilde_{n}.txt,Interviewer,INT,Interviewer\nkilde_{n}.txt,Mette,M{n},Borger\n" for n in range(6)),
        encoding="utf-8")
    run(path, "--quiet", "import", *files, "--manifest", str(manifest))
    with Project.open(path) as project, project.transaction():
        store = project.store
        for position, (code, parent) in enumerate([("ledelse", None), ("tillid", None), ("tillid_borger", "tillid"),
                                                  ("samarbejde", None)]):
            store.upsert_code(code=code, parent_id=store.code_by_code(parent)["id"] if parent else None,
                              labels={"da": code.capitalize()}, position=position)
        text = "Ingen talere her. Bare tekst.\nOg en linje mere."
        store.insert_source(name="uden_ture.txt", path="", format="txt", language="da", file_sha256="-",
                            text_sha256="-", text=text)
        code_ids = [store.code_by_code(c)["id"] for c in ("ledelse", "tillid", "tillid_borger", "samarbejde")]
        rows = []
        for source in store.source_names():
            length = store.source_length(source["id"])
            for coder in ("anna", "bo", "carl"):
                if coder == "carl" and source["id"] % 2:
                    continue
                for _ in range(rng.randint(1, 14)):
                    start = rng.randint(0, length)
                    end = min(length, start + rng.choice([0, 1, 4, 15, 40, 200]))
                    rows.append({"source_id": source["id"], "start": start, "end": end,
                                 "code_id": rng.choice(code_ids), "coder": coder, "origin": "manual"})
        store.insert_codings(rows)
    return path


@pytest.mark.parametrize("unit", ["turn", "sentence", "character"])
def test_agreement_equals_the_plain_implementation_on_random_codings(scrambled, unit):
    for coders in (["anna", "bo"], ["anna", "bo", "carl"], ["carl", "anna"]):
        for exclusive in (False, True):
            for include_interviewer in (False, True):
                compare(scrambled, coders, unit=unit, exclusive=exclusive, include_interviewer=include_interviewer)
    compare(scrambled, ["anna", "bo", "carl"], unit=unit, codes=["tillid_borger", "ledelse"])


def test_more_coders_than_fit_in_a_unit_are_refused(scrambled, tmp_path):
    path = copy_of(scrambled, tmp_path)
    with Project.open(path) as project:
        with project.transaction():
            project.store.insert_codings([{"source_id": 1, "start": 0, "end": 5, "code_id": 1, "coder": f"k{i}",
                                           "origin": "manual"} for i in range(63)])
        with pytest.raises(CodingError, match="at most 62 coders"):
            project.agreement([f"k{i}" for i in range(63)])
        assert project.agreement([f"k{i}" for i in range(62)])["overall"]["percent_agreement"] == 100.0


def test_sentences_split_a_part_at_a_time_are_the_same(sample, tmp_path, monkeypatch):
    from coding.analysis import sentences

    path = copy_of(sample, tmp_path)
    with sqlite3.connect(path) as db:
        db.execute("DELETE FROM sentence_cache")
    monkeypatch.setattr(sentences, "SOURCES_READ_AT_ONCE", 3)
    monkeypatch.setattr(sentences, "BATCH_CHARACTERS", 5000)
    with Project.open(path) as project:
        assert sentences.keep_sentences(project.store) == len(project.store.source_names())
        assert sentences.keep_sentences(project.store) == 0
        ids = [r["id"] for r in project.store.source_names()]
        kept = source_sentences(project.store, project.store.turn_columns(), ids)
        assert {s: [tuple(r) for r in rows.tolist()] for s, rows in kept.items()} == fresh_sentences(project)
