"""The workspace as an ASGI application: ``create_app(project_path)`` (served by ``coding serve``).

Pages (:mod:`.pages`) and the JSON API (:mod:`.api`) are thin routes over :class:`coding.Project`;
:class:`.security.Guard` checks host, token, origin and body size before any route runs; static
files come only from the package's ``static`` folder (Starlette's ``StaticFiles`` refuses paths
that leave it)."""

from __future__ import annotations

import contextlib
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from ..errors import CodingError
from . import api, pages
from .context import Workspace, error_status
from .security import Guard, is_loopback

STATIC = Path(__file__).parent / "static"


async def coding_error(request: Request, exc: Exception):
    """A library error as ``{"error": "..."}`` with 404 (unknown thing) or 400; HTML pages show it."""
    status = error_status(exc)
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": str(exc)}, status_code=status)
    return pages.error_page(request, str(exc), status)


async def http_error(request: Request, exc: HTTPException):
    if request.url.path.startswith("/api/"):
        message = {404: f"no such API address: {request.url.path}",
                   405: f"{request.method} is not allowed on {request.url.path}"}.get(exc.status_code, exc.detail)
        return JSONResponse({"error": message}, status_code=exc.status_code)
    return pages.error_page(request, exc.detail or "not found", exc.status_code)


def _lifespan(workspace: Workspace):
    @contextlib.asynccontextmanager
    async def lifespan(app):
        yield
        workspace.close()

    return lifespan


def create_app(project_path: str | Path, *, host: str = "127.0.0.1", token: str | None = None,
               coder: str | None = None):
    """The workspace over one project file. A non-loopback ``host`` needs a ``token``."""
    loopback = is_loopback(host)
    if not loopback and not token:
        raise CodingError(f"serving on '{host}' (not loopback) needs a token")
    workspace = Workspace(project_path, token=token, coder=coder, loopback=loopback)
    app = Starlette(
        routes=[*api.routes, *pages.routes, Mount("/static", app=StaticFiles(directory=STATIC), name="static")],
        exception_handlers={CodingError: coding_error, HTTPException: http_error},
        lifespan=_lifespan(workspace),
    )
    app.state.workspace = workspace
    return Guard(app, token=token, loopback=loopback)
