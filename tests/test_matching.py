"""The vectorised rule matcher (coding/autocode/matcher.py): spaCy patterns tested with arrays agree with
spaCy's own Matcher, units and phrases behave at the edges of docs and turns, and tasks that hold
several sources give each source its own codings."""

from __future__ import annotations

import numpy as np

from pathlib import Path

from coding import Project
from coding.autocode import Chunk, Engine, LanguageRules, Part, Task, build_chunks
from coding.autocode import forms
from coding.autocode.matcher import BatchMatcher, TokenBatch, array_pattern
from coding.autocode.span_tokens import token_columns

PATTERNS = [
    [{"LIKE_NUM": True}, {"LEMMA": "sag"}],
    [{"LIKE_NUM": True}, {"LEMMA": "borger"}, {"LOWER": {"IN": ["hver", "pr", "per", "pr."]}}],
    [{"IS_DIGIT": True}, {"LOWER": "timer"}],
    [{"ORTH": "Jobcenter"}, {"LOWER": {"NOT_IN": ["nord", "syd"]}}],
    [{"IS_STOP": True}, {"LEMMA": "led"}, {"IS_PUNCT": True}],
    [{"TEXT": "STV"}],
    [{"IS_DIGIT": True}, {"IS_ALPHA": True}, {"LOWER": {"NOT_IN": ["sager", "borgere", "timer"]}}],  # no literal word
]

TEXT = ("Jeg har 25 sager lige nu, og tre sager mere på vej. Vi taler om 40 borgere pr. konsulent, "
        "nogle gange 45 borgere hver. Hun kan arbejde 12 timer, ikke 12 Timer i Jobcenter Vest. "
        "Men Jobcenter nord er anderledes. Hvad gør en leder? Min leder! STV og stv er ikke det samme. "
        "Ti sager\n\n7 borgere per uge")


def rules_with(patterns: list[list[dict]]) -> LanguageRules:
    codes = [{"slug": f"p{i}", "rules": {"da": {"patterns": [p]}}} for i, p in enumerate(patterns)]
    return LanguageRules("da", codes, {"compounds": {"da": True}, "min_part_length": 4})


def rows_of(blocks: list, rules: LanguageRules) -> list[tuple]:
    """(unit start, unit end, code, [rules], [words]) of what a matcher found for one owner."""
    return [row for block in blocks for row in block.rows(rules.slugs)]


def as_dict(rows: list[tuple]) -> dict:
    """{(unit start, unit end): {code: [rules, words]}} of a matcher's rows."""
    out: dict = {}
    for start, end, slug, names, words in rows:
        out.setdefault((start, end), {})[slug] = [names, words]
    return out


def code_text(matcher: BatchMatcher, rules: LanguageRules, text: str, unit: str = "sentence") -> dict:
    chunks = build_chunks(text, [(0, 0, len(text))])
    docs = [rules.nlp(c.text) for c in chunks]
    found = [[]]
    matcher.code([token_columns(d) for d in docs], chunks, unit, None, found, docs)
    return as_dict(rows_of(found[0], rules))


def test_every_pattern_here_is_tested_with_arrays():
    rules = rules_with(PATTERNS)
    assert all(array_pattern(p, rules.nlp.vocab.strings) is not None for p in PATTERNS)
    assert len(BatchMatcher(rules).array_patterns) == len(PATTERNS)
    assert BatchMatcher(rules, array_patterns=False).array_patterns == []


def test_array_patterns_find_what_spacys_matcher_finds():
    rules = rules_with(PATTERNS)
    with_arrays = code_text(BatchMatcher(rules), rules, TEXT)
    with_spacy = code_text(BatchMatcher(rules, array_patterns=False), rules, TEXT)
    assert with_arrays == with_spacy
    coded = {slug for codes in with_arrays.values() for slug in codes}
    assert coded == {f"p{i}" for i in range(len(PATTERNS))}        # each pattern fires somewhere
    words = {w for codes in with_arrays.values() for _, ws in codes.values() for w in ws}
    assert {"25 sager", "45 borgere hver", "12 timer", "Jobcenter Vest", "en leder?", "STV"} <= words
    assert "Jobcenter nord" not in words and "stv" not in words and "12 Timer" in words   # LOWER ignores case


def test_patterns_with_operators_still_go_to_spacys_matcher():
    pattern = [{"LIKE_NUM": True}, {"LOWER": "nye", "OP": "?"}, {"LEMMA": "sag"}]
    rules = rules_with([pattern])
    matcher = BatchMatcher(rules)
    assert array_pattern(pattern, rules.nlp.vocab.strings) is None and matcher.fallback is not None
    found = code_text(matcher, rules, "Jeg fik 3 nye sager i går. Og så 2 sager mere.")
    words = sorted(w for codes in found.values() for _, ws in codes.values() for w in ws)
    assert words == ["2 sager", "3 nye sager"]


def test_a_pattern_never_spans_two_sentences_or_two_docs():
    rules = rules_with([[{"LIKE_NUM": True}, {"LEMMA": "sag"}]])
    matcher = BatchMatcher(rules)
    text = "Vi nåede 3.\nSager kommer hele tiden, 4 sager om ugen."
    found = code_text(matcher, rules, text)
    assert [w for codes in found.values() for _, ws in codes.values() for w in ws] == ["4 sager"]
    # two docs in one batch: the number ends the first doc, the noun starts the second
    chunks = [Chunk("Det var 3", [(0, 0, 9, 0, 0)], np.array([0])),
              Chunk("sager i alt", [(1, 10, 21, 10, 0)], np.array([0]))]
    found = [[]]
    docs = [rules.nlp(c.text) for c in chunks]
    matcher.code([token_columns(d) for d in docs], chunks, "sentence", None, found, docs)
    assert found == [[]]


def test_a_phrase_stops_at_the_end_of_its_turn():
    codes = [{"slug": "belief", "rules": {"da": {"phrases": ["tro på"]}}}]
    rules = LanguageRules("da", codes, {"compounds": {"da": True}, "min_part_length": 4})
    text = "Jeg tror\nPå mandag kommer hun. Jeg tror ikke på det."
    chunks = build_chunks(text, [(0, 0, 8), (1, 9, len(text))])
    found = [[]]
    BatchMatcher(rules).code([rules.span_tokens(c.text) for c in chunks], chunks, "turn", None, found)
    assert rows_of(found[0], rules) == [(9, len(text), "belief", ["phrase tro på"], ["tror ikke på"])]


def test_a_task_of_several_sources_keeps_each_sources_codings_apart(tmp_path):
    codes = [{"slug": "leadership", "rules": {"da": {"terms": ["leder"]}, "en": {"terms": ["manager"]}}}]
    engine = Engine({"version": "t", "codes": codes, "settings": {"compounds": {"da": True}}})
    first, second, third = "Min leder lytter.", "Lederen var væk. En leder kom.", "My manager listens."
    task = Task("sentence", [Part(1, "da", first, 0, [(0, 0, len(first))]),
                             Part(2, "da", "xx " + second, 100, [(0, 3, 3 + len(second))]),
                             Part(3, "en", third, 0, [(0, 0, len(third))])])
    results = engine.run(task)
    assert [(found.source_id, [row[:3] for row in found.rows(engine.slugs)]) for found in results] == [
        (1, [(0, 17, "leadership")]),
        (2, [(103, 119, "leadership"), (120, 133, "leadership")]),      # offsets from the part's base
        (3, [(0, 19, "leadership")]),
    ]
    assert all(found.tokens > 0 for found in results)


def test_many_small_sources_coded_in_one_process_or_two_agree(tmp_path):
    folder = tmp_path / "t"
    folder.mkdir()
    for i in range(12):
        (folder / f"i{i:02d}.txt").write_text(
            f"I: Hvordan går det?\nBorger {i}: Min leder tror på, at jeg kan arbejde {i + 2} timer. "
            "Vi har for mange sager, 30 sager per konsulent.\n", encoding="utf-8")
    one, two = (Project.open(tmp_path / name) for name in ("one.db", "two.db"))
    results = []
    for project, jobs in ((one, 1), (two, 2)):
        project.import_paths([folder])
        project.autocode(Path(__file__).resolve().parent.parent / "codebooks" / "stv.yaml", jobs=jobs)
        results.append(sorted((c["source"], c["start"], c["end"], c["code"], c["rule"], c["matched"])
                              for c in project.codings()))
    assert results[0] == results[1] and len(results[0]) >= 24


def test_a_partial_rerun_in_worker_processes_redoes_the_changed_code_alike(tmp_path):
    folder = tmp_path / "t"
    folder.mkdir()
    for i in range(6):
        (folder / f"i{i}.txt").write_text(
            f"I: Fortæl.\nBorger {i}: Min leder har travlt. Jeg var i praktik i {i + 2} uger hos en virksomhed.\n",
            encoding="utf-8")
    book = tmp_path / "book.yaml"
    text = ("name: t\ncodes:\n"
            "  - id: leadership\n    labels: {da: Ledelse}\n    rules: {da: {terms: [leder]}}\n"
            "  - id: capacity\n    labels: {da: Kapacitet}\n    rules: {da: {terms: [travlt]}}\n")
    results = []
    for name, jobs in (("one.db", 1), ("two.db", 2)):
        project = Project.open(tmp_path / name)
        project.import_paths([folder])
        book.write_text(text, encoding="utf-8")
        project.autocode(book, jobs=jobs)
        book.write_text(text.replace("terms: [travlt]", "terms: [travlt, praktik]"), encoding="utf-8")
        report = project.autocode(book, jobs=jobs)
        assert len(report.partial) == 6 and not report.coded and report.jobs == jobs
        results.append(sorted((c["source"], c["start"], c["code"], c["matched"]) for c in project.codings()))
        project.close()
    assert results[0] == results[1]
    assert sum(1 for r in results[0] if r[2] == "capacity" and "praktik" in r[3]) == 6


def test_form_lookup_through_a_crowded_slot_table_gives_the_same_ids_and_codings(monkeypatch):
    """The direct-address table in front of the sorted form hashes is only a short cut: with four
    slots nearly every form shares its slot with another and is found by binary search, and the
    form ids and codings are the same as with the full table."""
    import coding.autocode.forms as matching

    codes = [{"slug": "lead", "rules": {"da": {"terms": ["leder", "ledelse"], "phrases": ["tro på"],
                                               "patterns": PATTERNS[:2]}}}]
    settings = {"compounds": {"da": True}, "min_part_length": 4}
    texts = [TEXT, "Afdelingslederen tror på borgerne. Ledelsen tror ikke på 25 sager.", TEXT.upper()]

    def coded():
        rules = LanguageRules("da", codes, settings)
        matcher = BatchMatcher(rules)
        results = [code_text(matcher, rules, t) for t in texts]
        hashes = np.array([w.lower for t in texts for w in rules.nlp(t)], dtype=np.uint64)
        return results, matcher.forms.ids(hashes), matcher.forms
    full, full_ids, full_forms = coded()
    monkeypatch.setattr(matching, "SLOT_BITS", 2)
    crowded, crowded_ids, crowded_forms = coded()
    assert crowded == full and any(full)
    assert crowded_forms.slots.filled <= 4 < len(crowded_forms.kind)
    # the same form gets the same id both ways (ids are handed out in the order forms are met)
    assert crowded_ids.tolist() == full_ids.tolist()


def test_holds_answers_exactly_what_the_forms_hold_behind_its_filter(monkeypatch):
    """The key filter only lets through keys that may be held; every answer is checked against
    the full list of (form, item) keys, with a filter grown on the way (a filter made large for
    few keys here)."""
    monkeypatch.setattr(forms, "FILTER_LOAD", 2048)
    book = Path(__file__).resolve().parent.parent / "codebooks" / "stv.yaml"
    from coding.autocode import engine_spec
    from coding.codebook import load_codebook

    rules = Engine(engine_spec(load_codebook(book))).rules("da")
    matcher = BatchMatcher(rules)
    text = TEXT + " Borgerne tror på at de kan noget, og lederen bakker op om samarbejdet på tværs."
    chunks = build_chunks(text, [(0, 0, len(text))])
    batch = TokenBatch(matcher.forms, [rules.span_tokens(c.text) for c in chunks], chunks, "sentence")
    tokens = np.repeat(np.arange(batch.n), matcher.ni)
    items = np.tile(np.arange(matcher.ni), batch.n)
    held = set(matcher.forms.keys.tolist())
    expected = np.array([f * matcher.ni + i in held for f, i in zip(batch.form[tokens].tolist(), items.tolist())])
    assert expected.any() and (batch.holds(tokens, items) == expected).all()
    assert matcher.forms.filter_bits > 12
    assert matcher.forms.key_filter.mean() < 0.01          # it lets few keys through


def test_chunks_are_packed_alike_with_or_without_a_unit_to_cut(monkeypatch):
    """build_chunks packs units in one search per chunk unless a unit must be cut; then it goes one
    unit at a time. Both give the same chunks, and every piece is the source text it points at."""
    import random

    from coding.autocode import engine as autocode

    monkeypatch.setattr(autocode, "CHUNK_CHARS", 60)
    rng = random.Random(5)
    words = ["Jeg", "tror", "på", "borgerne.", "Lederen", "siger", "det", "tit.", "\n"]
    text = " ".join(rng.choice(words) for _ in range(400))
    for _ in range(30):
        cuts = sorted(rng.sample(range(len(text)), 40))
        units = [(k, a, b) for k, (a, b) in enumerate(zip(cuts[::2], cuts[1::2])) if b - a <= 60]
        fast, slow = build_chunks(text, units, owner=3), autocode.cut_chunks(text, units, 3)
        assert [(c.text, c.pieces.tolist(), c.piece_starts.tolist(), c.owner) for c in fast] == \
               [(c.text, c.pieces.tolist(), c.piece_starts.tolist(), c.owner) for c in slow]
        assert all(len(c.text) <= 60 for c in fast)
    long_units = [(0, 0, 200), (1, 210, 230)]                   # the first is cut at line or sentence ends
    chunks = build_chunks(text, long_units)
    pieces = [(c, p) for c in chunks for p in c.pieces.tolist()]
    assert {p[0] for _, p in pieces} == {0, 1} and len(pieces) > 3
    for chunk, (key, ustart, uend, pstart, at) in pieces:
        assert ustart <= pstart < uend and chunk.text[at:at + 5] == text[pstart:pstart + 5]
