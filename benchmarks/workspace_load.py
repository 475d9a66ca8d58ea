"""Load test of the workspace: simulated coders against the real server on loopback.

    python benchmarks/workspace_load.py [--coders 10] [--requests 200] [--time-limit 300]

Makes a project from the sample corpus (imported, STV codebook, auto-coded) in a temporary
folder, starts ``python -m coding --project P serve --no-browser`` on a free loopback port, and
runs ``--coders`` threads, each with its own keep-alive connection and coder name, for
``--requests`` requests each (bounded also by ``--time-limit`` seconds): reading a transcript page
(HTML) or its JSON, adding a coding at a random place with a random code, and removing one of its
own codings now and then. At the end it checks that nothing failed and no coding was lost (the
codings each coder has in the project are exactly those it added and did not remove) and prints
one JSON line: requests, errors, lost codings, and the median, 95th percentile and maximum time of
a coding request (POST or DELETE) in milliseconds. Exit status 1 when anything failed or was lost.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def build_project(path: Path) -> None:
    from coding import Project

    with Project.open(path) as project:
        project.import_paths([ROOT / "transcripts_sample"], manifest=ROOT / "transcripts_sample" / "participants.csv")
        project.autocode(ROOT / "codebooks" / "stv.yaml")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(project: Path, port: int, log: Path) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-m", "coding", "--project", str(project), "serve", "--no-browser",
                             "--port", str(port)], cwd=ROOT, stdout=open(log, "w"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while True:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited: {log.read_text()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return proc
        except OSError:
            if time.monotonic() > deadline:
                proc.kill()
                raise SystemExit(f"the server did not start: {log.read_text()}")
            time.sleep(0.1)


class Coder(threading.Thread):
    def __init__(self, number: int, port: int, requests: int, deadline: float, sources: list[dict],
                 codes: list[str], seed: int):
        super().__init__(daemon=True)
        self.name_ = f"load-{number:02d}"
        self.port = port
        self.requests = requests
        self.deadline = deadline
        self.sources = sources
        self.codes = codes
        self.random = random.Random(seed * 1000 + number)
        self.mine: list[int] = []
        self.added = 0
        self.removed = 0
        self.done = 0
        self.errors: list[str] = []
        self.timings: list[float] = []  # coding requests, seconds

    def call(self, conn: http.client.HTTPConnection, method: str, path: str, body=None) -> tuple[int, bytes]:
        headers = {"Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        conn.request(method, path, body=data, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()

    def run(self) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            while self.done < self.requests and time.monotonic() < self.deadline:
                self.done += 1
                pick = self.random.random()
                source = self.random.choice(self.sources)
                try:
                    if pick < 0.25:
                        status, _ = self.call(conn, "GET", f"/sources/{quote(source['name'])}")
                        if status != 200:
                            self.errors.append(f"GET page {status}")
                    elif pick < 0.40:
                        status, _ = self.call(conn, "GET", f"/api/sources/{quote(source['name'])}/page")
                        if status != 200:
                            self.errors.append(f"GET page json {status}")
                    elif pick < 0.85 or not self.mine:
                        start = self.random.randrange(0, source["characters"] - 50)
                        body = {"source": source["name"], "start": start, "end": start + self.random.randrange(5, 50),
                                "code": self.random.choice(self.codes), "coder": self.name_}
                        began = time.perf_counter()
                        status, data = self.call(conn, "POST", "/api/codings", body)
                        self.timings.append(time.perf_counter() - began)
                        if status == 201:
                            self.mine.append(json.loads(data)["id"])
                            self.added += 1
                        else:
                            self.errors.append(f"POST {status} {data[:200]!r}")
                    else:
                        coding = self.mine.pop(self.random.randrange(len(self.mine)))
                        began = time.perf_counter()
                        status, data = self.call(conn, "DELETE", f"/api/codings/{coding}")
                        self.timings.append(time.perf_counter() - began)
                        if status == 204:
                            self.removed += 1
                        else:
                            self.errors.append(f"DELETE {status} {data[:200]!r}")
                except (OSError, http.client.HTTPException) as exc:
                    self.errors.append(f"{type(exc).__name__}: {exc}")
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        finally:
            conn.close()


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, int(round(p / 100 * len(ordered) + 0.5)) - 1))
    return ordered[k]


def run_load(project: Path, *, coders: int, requests: int, time_limit: float, seed: int = 1) -> dict:
    port = free_port()
    server = start_server(project, port, project.parent / "serve.log")
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn.request("GET", "/api/sources")
        sources = [s for s in json.loads(conn.getresponse().read()) if s["characters"] > 200]
        conn.request("GET", "/api/codes")
        codes = [c["code"] for c in json.loads(conn.getresponse().read()) if c["codable"]]
        conn.close()
        began = time.perf_counter()
        deadline = time.monotonic() + time_limit
        threads = [Coder(k + 1, port, requests, deadline, sources, codes, seed) for k in range(coders)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(time_limit + 120)
        seconds = time.perf_counter() - began
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
    db = sqlite3.connect(project)
    have = {name: set(ids.split(",")) if ids else set() for name, ids in db.execute(
        "SELECT coder, group_concat(id) FROM codings WHERE coder LIKE 'load-%' GROUP BY coder")}
    db.close()
    # each coder's codings in the project are exactly those it added and did not remove
    lost = sum(len({str(i) for i in t.mine} ^ have.get(t.name_, set())) for t in threads)
    final = sum(len(v) for v in have.values())
    timings = [x for t in threads for x in t.timings]
    errors = [e for t in threads for e in t.errors]
    return {"coders": coders, "requests": sum(t.done for t in threads), "seconds": round(seconds, 2),
            "requests_per_s": round(sum(t.done for t in threads) / seconds, 1) if seconds else None,
            "coding_requests": len(timings), "added": sum(t.added for t in threads),
            "removed": sum(t.removed for t in threads), "errors": len(errors), "first_errors": errors[:5],
            "final_codings": final, "lost_codings": lost,
            "coding_ms_median": round(statistics.median(timings) * 1000, 1) if timings else None,
            "coding_ms_p95": round(percentile(timings, 95) * 1000, 1),
            "coding_ms_max": round(max(timings) * 1000, 1) if timings else None,
            "cpus": os.cpu_count()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--coders", type=int, default=10)
    parser.add_argument("--requests", type=int, default=200, help="requests per coder")
    parser.add_argument("--time-limit", type=float, default=300, help="seconds at most")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        project = Path(folder) / "load.db"
        build_project(project)
        result = run_load(project, coders=args.coders, requests=args.requests, time_limit=args.time_limit,
                          seed=args.seed)
    print(json.dumps(result))
    ok = not result["errors"] and not result["lost_codings"] \
        and result["final_codings"] == result["added"] - result["removed"]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
