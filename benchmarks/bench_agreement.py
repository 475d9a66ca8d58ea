"""Time ``coding agreement`` on a synthetic project: two coders, many turns, many codes.

    python benchmarks/bench_agreement.py --sources 60 --turns 200 --codes 25

Prints the project size and the seconds per unit (turn, sentence, character); asserts nothing.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

from coding import Project

WORDS = ("vi har travlt med borgerne og lederen lytter men der mangler tid til samarbejde på tværs af "
         "afdelingerne i kommunen").split()


def sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(6, 18))]
    return words[0].capitalize() + " " + " ".join(words[1:]) + "."


def build(folder: Path, sources: int, turns: int, codes: int, seed: int) -> Project:
    rng = random.Random(seed)
    for s in range(sources):
        lines = [f"{('Interviewer', 'Mette')[t % 2]}: " + " ".join(sentence(rng) for _ in range(rng.randint(1, 5)))
                 for t in range(turns)]
        (folder / f"interview_{s:03}.txt").write_text("\n\n".join(lines) + "\n", encoding="utf-8")
    project = Project.open(folder / "bench.db")
    project.import_paths([folder])
    with project.transaction():
        ids = [project.store.upsert_code(code=f"kode{c}", parent_id=None, labels={"da": f"Kode {c}"})
               for c in range(codes)]
        rows = []
        for source in project.store.sources():
            for turn in project.store.turns(source["id"]):
                for code_id in ids:
                    if rng.random() < 0.08:
                        for coder in ("anna", "bo"):
                            if rng.random() < 0.85:
                                rows.append({"source_id": source["id"], "start": turn["start"],
                                             "end": turn["end"], "code_id": code_id, "coder": coder,
                                             "origin": "manual"})
        project.store.insert_codings(rows)
    return project


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", type=int, default=60)
    parser.add_argument("--turns", type=int, default=200)
    parser.add_argument("--codes", type=int, default=25)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        project = build(Path(tmp), args.sources, args.turns, args.codes, args.seed)
        characters = sum(s["characters"] for s in project.sources())
        codings = len(project.codings())
        print(f"{args.sources} sources, {args.sources * args.turns} turns, {characters} characters, "
              f"{args.codes} codes, {codings} codings by 2 coders")
        for unit in ("turn", "sentence", "character"):
            began = time.perf_counter()
            result = project.agreement(["anna", "bo"], unit=unit)
            took = time.perf_counter() - began
            print(f"  {unit:<9} {took:6.2f} s  overall alpha {result['overall']['krippendorff_alpha']:.3f}, "
                  f"{len(result['disagreements'])} disagreements")
        project.close()


if __name__ == "__main__":
    main()
