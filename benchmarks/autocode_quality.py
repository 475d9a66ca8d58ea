"""Precision, recall and F1 of the auto-coder against a gold set of labelled turns.

    python benchmarks/autocode_quality.py [GOLD.yaml] [--codebook codebooks/stv.yaml] [--unit sentence]

The gold file is a YAML list of ``{id, language, role, text, themes: [...]}`` (see
tests/data/README.md). Every turn becomes a respondent turn in a temporary project, the real
auto-coder runs over it (the same code as ``coding autocode``), and a turn counts as coded with a
top-level theme when any coding inside it belongs to that theme or one of its descendants.
Prints a table per theme, macro-F1, and as the last line one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from coding import Project  # noqa: E402
from coding.importing import sha256  # noqa: E402
from coding.records import CodeTree  # noqa: E402

DEFAULT_GOLD = ROOT / "tests" / "data" / "gold_turns.yaml"
DEFAULT_CODEBOOK = ROOT / "codebooks" / "stv.yaml"


def load_gold(path: Path) -> list[dict]:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    if isinstance(data, dict):
        data = data.get("turns", [])
    if not isinstance(data, list) or not data:
        raise SystemExit(f"{path}: expected a YAML list of turns with id, language, text, themes")
    for i, item in enumerate(data, start=1):
        missing = [k for k in ("id", "language", "text", "themes") if k not in item]
        if missing:
            raise SystemExit(f"{path}: turn {i} lacks {', '.join(missing)}")
    return data


def build_project(project: Project, gold: list[dict]) -> dict[str, tuple[str, int, int]]:
    """One source per language; each gold turn is a turn of its own speaker. Returns id -> place."""
    store = project.store
    places = {}
    with store.transaction():
        for lang in sorted({str(item["language"]) for item in gold}):
            items = [item for item in gold if str(item["language"]) == lang]
            parts, turns, offset = [], [], 0
            for item in items:
                text = " ".join(str(item["text"]).split())
                turns.append({"start": offset, "end": offset + len(text), "speaker": str(item["id"])})
                parts.append(text)
                offset += len(text) + 2
            text = "\n\n".join(parts)
            name = f"gold_{lang}.txt"
            source_id = store.insert_source(name=name, path=name, format="txt", language=lang,
                                            file_sha256=sha256(text), text_sha256=sha256(text), text=text)
            store.replace_turns(source_id, turns)
            for item, turn in zip(items, turns):
                participant = store.ensure_participant(f"gold:{item['id']}")
                store.set_participant_attribute(participant, "role", str(item.get("role") or "Respondent"))
                store.map_speaker(source_id, str(item["id"]), participant)
                places[str(item["id"])] = (name, turn["start"], turn["end"])
    return places


def evaluate(gold_path: Path, codebook: Path, unit: str = "sentence") -> dict:
    gold = load_gold(gold_path)
    with tempfile.TemporaryDirectory() as tmp:
        project = Project.open(Path(tmp) / "quality.db")
        try:
            places = build_project(project, gold)
            started = time.perf_counter()
            project.autocode(codebook, unit=unit, include_interviewer=True)
            seconds = time.perf_counter() - started
            tree = CodeTree.load(project.store)
            coded: dict[str, set[str]] = {key: set() for key in places}
            by_source: dict[str, list] = {}
            for record in project.codings(origin="auto"):
                by_source.setdefault(record["source"], []).append(record)
            for key, (source, start, end) in places.items():
                for record in by_source.get(source, []):
                    if record["start"] < end and record["end"] > start:
                        top = tree.by_id[tree.ancestor_at(record["code_id"], 1)]["code"]
                        coded[key].add(top)
        finally:
            project.close()
    themes = sorted({t for item in gold for t in item["themes"]})
    rows = []
    for theme in themes:
        tp = sum(1 for item in gold if theme in item["themes"] and theme in coded[str(item["id"])])
        fp = sum(1 for item in gold if theme not in item["themes"] and theme in coded[str(item["id"])])
        fn = sum(1 for item in gold if theme in item["themes"] and theme not in coded[str(item["id"])])
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        rows.append({"theme": theme, "gold": tp + fn, "coded": tp + fp, "tp": tp, "fp": fp, "fn": fn,
                     "precision": round(precision, 3), "recall": round(recall, 3), "f1": round(f1, 3)})
    macro = sum(r["f1"] for r in rows) / len(rows) if rows else 0.0
    by_language = {}
    for lang in sorted({str(item["language"]) for item in gold}):
        items = [item for item in gold if str(item["language"]) == lang]
        f1s = []
        for theme in themes:
            tp = sum(1 for i in items if theme in i["themes"] and theme in coded[str(i["id"])])
            fp = sum(1 for i in items if theme not in i["themes"] and theme in coded[str(i["id"])])
            fn = sum(1 for i in items if theme in i["themes"] and theme not in coded[str(i["id"])])
            f1s.append(2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0)
        by_language[lang] = round(sum(f1s) / len(f1s), 3) if f1s else 0.0
    return {"gold": str(gold_path), "codebook": str(codebook), "unit": unit, "turns": len(gold),
            "themes": rows, "macro_f1": round(macro, 3), "macro_f1_by_language": by_language,
            "autocode_seconds": round(seconds, 2)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("gold", nargs="?", type=Path, default=DEFAULT_GOLD, help="gold YAML file")
    parser.add_argument("--codebook", type=Path, default=DEFAULT_CODEBOOK)
    parser.add_argument("--unit", choices=["sentence", "turn"], default="sentence",
                        help="auto-coding unit (the evaluation is always per turn)")
    args = parser.parse_args(argv)
    result = evaluate(args.gold, args.codebook, args.unit)
    print(f"gold: {result['gold']} ({result['turns']} turns), codebook: {result['codebook']}, unit: {result['unit']}")
    print(f"{'theme':<24} {'gold':>5} {'coded':>6} {'precision':>10} {'recall':>7} {'F1':>6}")
    for row in result["themes"]:
        print(f"{row['theme']:<24} {row['gold']:>5} {row['coded']:>6} {row['precision']:>10.3f} "
              f"{row['recall']:>7.3f} {row['f1']:>6.3f}")
    langs = ", ".join(f"{k} {v:.3f}" for k, v in result["macro_f1_by_language"].items())
    print(f"macro-F1 {result['macro_f1']:.3f} (by language: {langs})")
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
