"""What every route shares: the project (one connection per server thread), the write lock, the
coder of a request and turning the library's errors into 4xx answers."""

from __future__ import annotations

import contextlib
import json
import threading
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import quote, unquote

from starlette.requests import Request

from ..annotate.codings import BadRequest
from ..errors import NotFound
from ..project import Project

CODER_COOKIE = "coding_coder"


class Workspace:
    """The served project. SQLite connections belong to one thread, and the server answers from a
    pool of threads: each thread opens the project once. Changes from this server take turns on a
    lock (short transactions, one at a time) rather than polling SQLite's lock; other programs
    (a command run meanwhile) are waited for by SQLite's busy timeout."""

    def __init__(self, path: str | Path, *, token: str | None = None, coder: str | None = None,
                 loopback: bool = True):
        self.path = Path(path)
        self.token = token
        self.coder = coder
        self.loopback = loopback
        self.write_lock = threading.Lock()
        self._local = threading.local()
        self._opened: list[Project] = []
        self._opened_lock = threading.Lock()
        Project.open(self.path).close()  # create or migrate once, before any request

    def project(self) -> Project:
        project = getattr(self._local, "project", None)
        if project is None:
            project = self._local.project = Project.open(self.path)
            with self._opened_lock:
                self._opened.append(project)
        return project

    @contextlib.contextmanager
    def writing(self) -> Iterator[Project]:
        with self.write_lock:
            yield self.project()

    def close(self) -> None:
        with self._opened_lock:
            for project in self._opened:
                with contextlib.suppress(Exception):
                    project.close()  # another thread's connection: sqlite3 may refuse
            self._opened.clear()


def workspace(request: Request) -> Workspace:
    return request.app.state.workspace


def coder_of(request: Request, given: Any = None) -> str | None:
    """The coder a request acts for: given in the body, else the name kept in the cookie, else the
    server's ``--coder``."""
    if isinstance(given, str) and given.strip():
        return given.strip()
    kept = request.cookies.get(CODER_COOKIE)
    if kept:
        return unquote(kept)
    return workspace(request).coder


def coder_cookie(name: str) -> str:
    return quote(name, safe="")


async def json_body(request: Request) -> dict:
    raw = await request.body()
    try:
        data = json.loads(raw or b"null")
    except (ValueError, UnicodeDecodeError):
        raise BadRequest("the request body is not JSON") from None
    if not isinstance(data, dict):
        raise BadRequest("the request body must be a JSON object")
    return data


def error_status(exc: Exception) -> int:
    return 404 if isinstance(exc, NotFound) else 400


def int_param(request: Request, name: str, default: int | None = None) -> int | None:
    value = request.query_params.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise BadRequest(f"'{name}' must be a whole number, not '{value}'") from None


__all__ = ["Workspace", "workspace", "coder_of", "json_body", "int_param", "error_status"]
