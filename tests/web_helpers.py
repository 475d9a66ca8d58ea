"""What the workspace tests share: a real project made from the sample corpus (imported, codebook,
auto-coded), a hostile transcript, a free port and the real server started as a subprocess."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from coding import Project

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "transcripts_sample"
CODEBOOK = ROOT / "codebooks" / "stv.yaml"

HOSTILE_NAME = "hostile_borger.txt"
SCRIPT_TAG = "<script>window.__pwned = 1</script>"
IMG_TAG = '"><img src=x onerror="window.__pwned = 2">'
HOSTILE_TEXT = (
    "Interview om et skema, Testrup Kommune (fiktivt)\n\n"
    "Interviewer: Hvad skrev du i feltet på skemaet?\n\n"
    f"Mads: Jeg skrev {SCRIPT_TAG} i feltet, bare for sjov.\n\n"
    "Interviewer: Og i det næste felt?\n\n"
    f"Mads: Der skrev jg {IMG_TAG} og så trykkede jeg send.\n"
)
HOSTILE_LABEL = '<img src=x onerror="window.__pwned = 3">'


def build_sample(path: Path) -> Path:
    """The sample corpus imported with its manifest, the STV codebook, auto-coded; plus the
    hostile transcript and a code whose label is markup."""
    extra = path.parent / "hostile"
    extra.mkdir(exist_ok=True)
    (extra / HOSTILE_NAME).write_text(HOSTILE_TEXT, encoding="utf-8")
    with Project.open(path) as project:
        project.import_paths([SAMPLE, extra / HOSTILE_NAME], manifest=SAMPLE / "participants.csv")
        project.autocode(CODEBOOK)
        with project.transaction():
            project.store.upsert_code(code="hostile_label", parent_id=None, labels={"da": HOSTILE_LABEL},
                                      position=999)
    return path


_CACHE: dict[str, Path] = {}


def sample_copy(tmp_path: Path, cache_dir: Path) -> Path:
    """A fresh copy of the built sample project (built once per test session)."""
    key = str(cache_dir)
    if key not in _CACHE:
        cache_dir.mkdir(parents=True, exist_ok=True)
        _CACHE[key] = build_sample(cache_dir / "sample.db")
    target = tmp_path / "project.db"
    shutil.copy(_CACHE[key], target)
    return target


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``python -m coding --project P serve --no-browser --port N`` as a subprocess."""

    def __init__(self, project: Path, *extra: str, host: str = "127.0.0.1"):
        self.port = free_port()
        self.host = host
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = project.parent / f"serve-{self.port}.log"
        self._log = open(self.log, "w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "coding", "--project", str(project), "serve", "--no-browser", "--host", host,
             "--port", str(self.port), *extra],
            cwd=ROOT, stdout=self._log, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"})
        deadline = time.monotonic() + 60
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"coding serve exited: {self.log.read_text()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"coding serve did not start: {self.log.read_text()}")
                time.sleep(0.1)

    def output(self) -> str:
        return self.log.read_text()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()  # SIGTERM: uvicorn shuts down as on Ctrl-C
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()


def get(url: str, headers: dict | None = None):
    request = urllib.request.Request(url, headers=headers or {})
    return urllib.request.urlopen(request, timeout=30)
