"""The auto-coder gives the codings of a plain reference implementation (tests/reference_autocoder.py).

The engine is built for speed (numpy over batches of tokens, forms analysed once, phrases walked
from their rarest word); the reference states the README's rules plainly on spaCy's Matcher. Both
must give the same codings -- source, unit, code and the rules that fired -- on the sample corpus,
on a corpus from benchmarks/make_corpus.py, and on text made of random words drawn from the
codebook's rules, their inflections and compounds of them, with fillers, punctuation, numbers,
line breaks and interviewer turns. The engine is used only through ``Project``.

Where the README leaves a rule open, the reference pins it as the engine has it, and
docs/decisions.md ("A reference auto-coder as the engine's oracle") lists them: the lemma fixes, the
sentence ends, the compound part lengths, phrases stepping over at most two filler words in all,
``near`` measured start to start, rules applied within the unit. The one difference found, a turn
longer than 50,000 characters, is held by an xfail test at the end.
"""

from __future__ import annotations

import functools
import gzip
import json
import random
import re
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest
import yaml

from coding import Project

from reference_autocoder import FILLERS, ReferenceCoder, words_of

ROOT = Path(__file__).resolve().parents[1]
CODEBOOK = ROOT / "codebooks" / "stv.yaml"


@pytest.fixture(scope="module")
def reference() -> ReferenceCoder:
    return ReferenceCoder(CODEBOOK)


def engine_codings(project: Project) -> set[tuple]:
    return {(c["source"], c["start"], c["end"], c["code"], frozenset(c["rule"].split("; ")))
            for c in project.codings(origin="auto")}


def differences(project: Project, reference: ReferenceCoder, unit: str, include_interviewer: bool,
                codebook: Path = CODEBOOK) -> str:
    """Auto-code the project; '' when the engine's codings are the reference's, else the first
    differences with their text (for the assertion message)."""
    project.autocode(codebook, unit=unit, include_interviewer=include_interviewer, force=True)
    engine = engine_codings(project)
    expected = reference.code_project(project, unit=unit, include_interviewer=include_interviewer)
    assert expected, "the reference found nothing: the comparison would prove nothing"
    lines = []
    for side, rows in (("engine only", engine - expected), ("reference only", expected - engine)):
        for source, start, end, code, rules in sorted(rows)[:10]:
            text = project.source(source)["text"][start:end]
            lines.append(f"{side}: {source} {start}-{end} {code} {sorted(rules)} {text[:160]!r}")
    return "\n".join(lines)


# --------------------------------------------------------------------------- the sample corpus

@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Project:
    project = Project.open(tmp_path_factory.mktemp("sample") / "coding.db")
    project.import_paths([ROOT / "transcripts_sample"], manifest=ROOT / "transcripts_sample" / "participants.csv")
    return project


@pytest.mark.parametrize("unit, include_interviewer", [("sentence", False), ("turn", False), ("sentence", True)])
def test_sample_corpus_codings_equal_the_reference(sample, reference, unit, include_interviewer):
    assert differences(sample, reference, unit, include_interviewer) == ""


# --------------------------------------------------------------------------- the benchmark corpus

def test_benchmark_corpus_codings_equal_the_reference(tmp_path, reference):
    corpus = tmp_path / "corpus"
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "make_corpus.py"), "--words", "12000",
                           "--seed", "5", "--novel-words", "0.05", str(corpus)],
                          capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert done.returncode == 0, done.stderr
    project = Project.open(tmp_path / "coding.db")
    project.import_paths([corpus], manifest=corpus / "participants.csv")
    for unit in ("sentence", "turn"):
        assert differences(project, reference, unit, False) == "", unit


# --------------------------------------------------------------------------- random text

@functools.lru_cache(maxsize=None)
def forms_by_lemma(lang: str) -> dict[str, list[str]]:
    """The spacy-lookups-data table turned round: lemma -> its forms (letters only)."""
    data = resources.files("spacy_lookups_data").joinpath("data", f"{lang}_lemma_lookup.json.gz")
    out: dict[str, list[str]] = {}
    for form, lemma in json.loads(gzip.decompress(data.read_bytes())).items():
        if form.isalpha():
            out.setdefault(lemma, []).append(form)
    return out


def inflections(lang: str, words: set[str]) -> dict[str, list[str]]:
    """Forms of each word: itself and every form the table gives it as its lemma."""
    table = forms_by_lemma(lang)
    return {w: [w] + sorted(table.get(w, [])) for w in words}


def rule_words(book_rules: list[dict], nlp) -> list[str]:
    """Every word the codebook's rules use (terms, whole words, phrases, near and unless), wildcards
    included."""
    texts = []
    for rules in book_rules:
        texts += [t for key in ("terms", "whole_words", "phrases", "unless") for t in rules.get(key) or []
                  if isinstance(t, str)]
        for near in [*(rules.get("near") or []), *(u for u in rules.get("unless") or [] if isinstance(u, dict))]:
            texts += list(near["terms"]) + list(near["with"])
    return sorted({w for t in texts for w in words_of(nlp, t)})


def random_turns(rng: random.Random, lang: str, reference: ReferenceCoder, turns: int) -> list[str]:
    """Turns of random words from the rules: whole phrases and rule words, their inflections,
    Danish compounds (modifier + word, word + linking s/e + word, hyphenated), capitalised words,
    fillers, numbers, punctuation with closing quotes, line breaks and double spaces."""
    lang_ref = reference.language(lang)
    rules = [r[lang] for _, r in reference.codes if r.get(lang)]
    words = rule_words(rules, lang_ref.nlp)
    plain = [w for w in words if w.isalpha()]
    forms = inflections(lang, set(plain))
    phrases = [p for r in rules for p in list(r.get("phrases") or []) + list(r.get("unless") or []) if isinstance(p, str)]
    fillers = sorted(FILLERS[lang] - {",", "–", "-"})
    other = ["det", "og", "jeg", "vi", "hun", "han", "de", "at", "som", "i", "på", "til", "med", "er", "har"] \
        if lang == "da" else ["it", "and", "we", "she", "he", "they", "to", "in", "on", "with", "is", "has"]

    def word() -> str:
        choice = rng.random()
        w = rng.choice(plain)
        if choice < 0.35:
            return rng.choice(forms[w])
        if choice < 0.5 and lang == "da":
            other_word = rng.choice(forms[rng.choice(plain)])
            glue = rng.choice(["", "s", "e", "-"])
            return rng.choice([w + glue + other_word, other_word + glue + rng.choice(forms[w])])
        if choice < 0.6:
            return rng.choice(fillers)
        if choice < 0.7:
            return rng.choice(other)
        if choice < 0.75:
            return rng.choice(["12", "40", "tre", "3.", "fem", "ti", "2026"])
        if choice < 0.85:
            return rng.choice(words).strip("*") + rng.choice(["", "erne", "en", "s", "ing"])
        return w

    def sentence() -> str:
        parts = []
        for _ in range(rng.randint(3, 16)):
            choice = rng.random()
            parts.append(rng.choice(phrases) if choice < 0.15 and phrases
                         else pattern_words() if choice < 0.2 and patterns else word())
            if rng.random() < 0.08:
                parts.append(rng.choice([",", " ", "–", "-"]))
        text = " ".join(parts)
        if rng.random() < 0.2:
            text = text[:1].upper() + text[1:]
        end = rng.choice([".", ".", "?", "!", "...", "…", ".\"", ".)", "?!", "", "\n", ". \"\"", ".'\")"])
        return text + end

    def pattern_words() -> str:
        """Words a spaCy pattern of the codebook could match (and near misses of it)."""
        pattern = rng.choice(patterns)
        out = []
        for token in pattern:
            if token.get("LIKE_NUM"):
                out.append(rng.choice(["12", "tre", "40", "mange"]))
            elif isinstance(token.get("LEMMA"), str):
                lemma = token["LEMMA"]
                out.append(rng.choice(inflections_of(lemma)))
            elif isinstance(token.get("LOWER"), str):
                out.append(token["LOWER"])
            elif isinstance(token.get("LOWER"), dict):
                out.append(rng.choice(token["LOWER"].get("IN") or ["hver"]))
        return " ".join(out)

    def inflections_of(lemma: str) -> list[str]:
        if lemma not in forms:
            forms.update(inflections(lang, {lemma}))
        return forms[lemma]

    patterns = [p for r in rules for p in r.get("patterns") or []]
    out = []
    for n in range(turns):
        speaker = "Interviewer" if n % 3 == 0 else rng.choice(["Anne (VK)", "Bo", "Carla (L)"])
        body = " ".join(sentence() for _ in range(rng.randint(1, 6)))
        if rng.random() < 0.3:
            body += "\n" + " ".join(sentence() for _ in range(rng.randint(1, 3)))
        out.append(f"{speaker}: {body.strip()}")
    return out


def random_project(folder: Path, rng: random.Random, reference: ReferenceCoder, turns: int) -> Project:
    folder.mkdir()
    for number, lang in enumerate(["da", "da", "da", "en"]):
        lines = random_turns(rng, lang, reference, turns if lang == "da" else turns * 2 // 3)
        (folder / f"random_{lang}_{number}.txt").write_text(
            f"---\nlanguage: {lang}\nmunicipality: Testby\n---\n" + "\n\n".join(lines) + "\n", encoding="utf-8")
    project = Project.open(folder.parent / "coding.db")
    project.import_paths([folder])
    return project


@pytest.mark.parametrize("seed", [1, 2])
def test_random_text_of_rule_words_codes_as_the_reference(tmp_path, reference, seed):
    project = random_project(tmp_path / "texts", random.Random(seed), reference, 40)
    for unit, interviewer in (("sentence", False), ("turn", False), ("sentence", True)):
        assert differences(project, reference, unit, interviewer) == "", (unit, interviewer)


def test_the_readme_codebook_on_random_text_of_its_words_codes_as_the_reference(tmp_path):
    """The README's example codebook (an unless near pair, wildcards, a pattern; a Danish whole word
    added) on random text made of its words: few words, so their compounds and near pairs come often."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Codebook and auto-coding", 1)[1]
    book = yaml.safe_load(re.search(r"```yaml\n(.*?)```", section, re.S).group(1))
    assert any("whole_words" in r for c in book["codes"] for r in c["rules"].values())
    book["codes"][0]["rules"]["da"]["whole_words"] = ["team"]      # (compounds count in Danish only)
    path = tmp_path / "readme.yaml"
    path.write_text(yaml.safe_dump(book, allow_unicode=True), encoding="utf-8")
    reference = ReferenceCoder(path)
    project = random_project(tmp_path / "texts", random.Random(3), reference, 60)
    for unit in ("sentence", "turn"):
        assert differences(project, reference, unit, False, path) == "", unit


# --------------------------------------------------------------------------- a known difference

def long_turn(snippet: str, cut_after: str) -> str:
    """One respondent turn of about 52,000 characters in which the last '. ' before its 50,000th
    character is the one ending ``cut_after`` inside ``snippet``."""
    filler = "Vi cyklede en tur rundt om søen i går. "
    head = snippet[:snippet.index(cut_after) + len(cut_after)]
    pad = 49_990 - len(head)
    body = filler * (pad // len(filler)) + "x" * (pad % len(filler) - 1) + " " + snippet + " " + filler * 40
    assert body.rfind(". ", 25_000, 50_000) == len(body) - len(filler) * 40 - 1 - len(snippet) + len(head) - 2
    return "---\nlanguage: da\n---\nInterviewer: Fortæl.\n\nAnne (VK): " + body + "\n"


@pytest.mark.xfail(strict=True, reason="the engine cuts a turn over 50,000 characters at the last '. ' "
                   "(or line break, '? ', '! ', ' ') in its second half and matches the pieces apart: "
                   "a sentence cut after an abbreviation is coded from the cut, and a near pair or "
                   "phrase across the cut is lost (reported; see docs/decisions.md)")
@pytest.mark.parametrize("unit, snippet, cut_after", [
    ("sentence", "Jeg har ca. 40 sager lige nu.", "ca. "),                       # span starts at '40'
    ("turn", "Hun har tiltro til, at jeg tror. Hun kan godt arbejde.", "tror. "),  # near tro~hun kan lost
])
def test_a_turn_longer_than_a_chunk_codes_as_the_reference(tmp_path, reference, unit, snippet, cut_after):
    folder = tmp_path / "texts"
    folder.mkdir()
    (folder / "long.txt").write_text(long_turn(snippet, cut_after), encoding="utf-8")
    project = Project.open(tmp_path / "coding.db")
    project.import_paths([folder])
    assert differences(project, reference, unit, False) == ""
