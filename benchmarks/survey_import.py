"""Survey import at scale: a generated survey export (.xlsx) of N answers imported with
``coding import FILE --survey``, and ``coding sources`` on the same project, each timed as a user
runs it (a new process, wall-clock). Prints one JSON line of figures.

    python benchmarks/survey_import.py --answers 10000 [--questions 4] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PIECES = ["Konsulenten hjalp mig med at finde en praktikplads", "jeg ventede længe på et svar",
          "min sagsbehandler ringede hver uge", "mødet i jobcentret var kort og handlede om papirer",
          "lederen på arbejdspladsen tog godt imod mig", "the placement ended without any follow-up",
          "jeg fik en mentor, som jeg kunne ringe til", "det var svært at komme igennem på telefonen",
          "samarbejdet mellem kommunen og virksomheden fungerede", "I was told I could work again"]


def make_survey(path: Path, answers: int, questions: int, seed: int = 25) -> int:
    import openpyxl

    rnd = random.Random(seed)
    respondents = -(-answers // questions)
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(["ID", "kommune", "alder", "rolle", *[f"Q{q}" for q in range(1, questions + 1)]])
    left = answers
    for i in range(1, respondents + 1):
        row = [f"R{i:05d}", rnd.choice(("Nordby", "Åbæk", "Lyngholt", "Kildemose")), rnd.randint(18, 66),
               rnd.choice(("Borger", "Pårørende"))]
        for _ in range(questions):
            row.append(". ".join(rnd.sample(PIECES, rnd.randint(1, 3))) + "." if left > 0 else None)
            left -= 1
        sheet.append(row)
    book.save(path)
    return respondents


def timed(*args: str) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "coding", *args], cwd=ROOT, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"coding {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return elapsed, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--answers", type=int, default=10_000)
    parser.add_argument("--questions", type=int, default=4)
    parser.add_argument("--keep", type=Path, help="Write the survey and the project here (default: a temporary folder).")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        survey, project = folder / "survey.xlsx", folder / "survey.db"
        for leftover in folder.glob("survey.db*"):
            leftover.unlink()
        respondents = make_survey(survey, args.answers, args.questions)
        import_s, out = timed("--project", str(project), "import", str(survey), "--survey")
        sources_s, listing = timed("--project", str(project), "sources")
        second_s, _ = timed("--project", str(project), "sources")
        figures = {"answers": args.answers, "respondents": respondents, "questions": args.questions,
                   "survey_import_s": round(import_s, 2), "sources_s": round(sources_s, 2),
                   "sources_again_s": round(second_s, 2),
                   "summary": [line for line in out.splitlines() if "respondents" in line][0]}
    print(listing, end="", file=sys.stderr)
    print(json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    main()
