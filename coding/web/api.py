"""The JSON API (documented in docs/api.md). Each route reads the request, calls :class:`Project`
and answers; library errors become 4xx ``{"error": "..."}`` (see :func:`app.coding_error`)."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ..annotate.codings import BadRequest
from .context import CODER_COOKIE, coder_cookie, coder_of, int_param, json_body, workspace
from .render import code_list, frame_records, where_of


def sources(request: Request):
    return JSONResponse(workspace(request).project().sources())


def source(request: Request):
    return JSONResponse(workspace(request).project().source_record(request.path_params["name"]))


def source_page(request: Request):
    q = request.query_params
    page = workspace(request).project().source_page(
        request.path_params["name"], int_param(request, "page", 1), coder=q.get("coder") or None,
        origin=q.get("origin") or None, at=int_param(request, "at"))
    return JSONResponse(page)


def codes(request: Request):
    return JSONResponse(code_list(workspace(request).project().codes()))


async def add_coding(request: Request):
    body = await json_body(request)
    coder = coder_of(request, body.get("coder"))
    missing = [k for k in ("source", "start", "end", "code") if k not in body]
    if missing:
        raise BadRequest(f"missing {', '.join(repr(k) for k in missing)} (a coding needs source, start, end, code)")

    def write():
        with workspace(request).writing() as project:
            return project.add_coding(body["source"], body["start"], body["end"], body["code"], coder,
                                      memo=body.get("memo"))

    return JSONResponse(await run_in_threadpool(write), status_code=201)


def get_coding(request: Request):
    return JSONResponse(workspace(request).project().coding(request.path_params["id"]))


def delete_coding(request: Request):
    with workspace(request).writing() as project:
        project.delete_coding(request.path_params["id"])
    return Response(status_code=204)


def proposals(request: Request):
    q = request.query_params
    return JSONResponse(workspace(request).project().proposals(
        code=q.get("code") or None, source=q.get("source") or None, limit=int_param(request, "limit", 50),
        after=int_param(request, "after", 0)))


async def review(request: Request):
    body = await json_body(request)
    reviewer = coder_of(request, body.get("coder"))

    def write():
        with workspace(request).writing() as project:
            return project.review(body.get("coding"), str(body.get("decision", "")), reviewer)

    return JSONResponse(await run_in_threadpool(write), status_code=201)


def acceptance(request: Request):
    return JSONResponse(workspace(request).project().acceptance(request.query_params.get("language", "da")))


def search(request: Request):
    q = request.query_params
    if not q.get("q", "").strip():
        raise BadRequest("'q' (what to search for) is empty")
    where = {k[6:]: v for k, v in q.items() if k.startswith("where.") and v}
    return JSONResponse(workspace(request).project().search(
        q["q"], where=where or None, exact=q.get("exact") in ("1", "true"), **where_of(q, "source", "code")))


async def code_search(request: Request):
    """Code the sentence around every hit of a search: ``{"q", "code", "coder"?, "unit"?}``."""
    body = await json_body(request)
    coder = coder_of(request, body.get("coder"))
    for key in ("q", "code"):
        if not isinstance(body.get(key), str) or not body[key].strip():
            raise BadRequest(f"'{key}' is missing")
    if not coder:
        raise BadRequest("a coder name is needed ('coder')")

    def write():
        with workspace(request).writing() as project:
            return project.code_search_hits(body["q"], code_as=body["code"], coder=coder,
                                            unit=str(body.get("unit") or "sentence"), exact=bool(body.get("exact")))

    return JSONResponse(await run_in_threadpool(write), status_code=201)


def matrix(request: Request):
    q = request.query_params
    cols = [c for c in q.get("cols", "role").split(",") if c]
    frame = workspace(request).project().matrix(rows=q.get("rows", "code"), cols=cols,
                                                count=q.get("count", "segments"), **where_of(q, "coder", "origin"))
    return JSONResponse({"rows": frame.index.name, "cols": cols, "columns": [str(c) for c in frame.columns],
                         "index": [str(i) for i in frame.index], "values": frame.values.tolist()})


def segments(request: Request):
    q = request.query_params
    where = {k[6:]: v for k, v in q.items() if k.startswith("where.")}
    project = workspace(request).project()
    code = q.get("code") or None
    if code and q.get("rollup") in ("1", "true"):
        # as the matrix counts: the code's whole subtree merged, listed under the code
        node = project.codes().get(code)
        frame = project.segments(code=code, where=where or None, level=node["depth"], rollup=True,
                                 **where_of(q, "coder", "origin", "source"))
        frame = frame[frame["code"] == node["code"]]
    else:
        frame = project.segments(code=code, where=where or None, **where_of(q, "coder", "origin", "source"))
    keep = ["source", "code", "coder", "start", "end", "turn", "speaker", "text"]
    return JSONResponse(frame_records(frame[[c for c in keep if c in frame.columns]]))


def agreement(request: Request):
    coders = [c for c in request.query_params.get("coders", "").split(",") if c]
    if len(coders) != 2:
        raise BadRequest("'coders' names two coders, separated by a comma")
    return JSONResponse(workspace(request).project().agreement(coders), )


async def add_memo(request: Request):
    body = await json_body(request)
    author = coder_of(request, body.get("author") or body.get("coder"))

    for key in ("source", "code"):
        if body.get(key) is not None and not isinstance(body[key], str):
            raise BadRequest(f"'{key}' must be a name")
    if body.get("coding") is not None and (not isinstance(body["coding"], int) or isinstance(body["coding"], bool)):
        raise BadRequest("'coding' must be a coding id (a whole number)")
    if not isinstance(body.get("text"), str):
        raise BadRequest("'text' (the memo) is missing")

    def write():
        with workspace(request).writing() as project:
            return project.add_memo(body["text"], source=body.get("source"), code=body.get("code"),
                                    coding=body.get("coding"), author=author)

    return JSONResponse(await run_in_threadpool(write), status_code=201)


def memos(request: Request):
    q = request.query_params
    project = workspace(request).project()
    return JSONResponse(project.memos(source=q.get("source") or None, code=q.get("code") or None))


async def session(request: Request):
    """Name yourself: ``{"coder": NAME}``; kept in a cookie for a year."""
    body = await json_body(request)
    name = body.get("coder")
    if not isinstance(name, str) or not name.strip() or len(name.strip()) > 100:
        raise BadRequest("'coder' must be a name of 1 to 100 characters")
    response = JSONResponse({"coder": name.strip()})
    response.set_cookie(CODER_COOKIE, coder_cookie(name.strip()), max_age=365 * 24 * 3600, samesite="strict",
                        httponly=True)
    return response


def me(request: Request):
    return JSONResponse({"coder": coder_of(request)})


routes = [
    Route("/api/sources", sources),
    Route("/api/sources/{name:path}/page", source_page),
    Route("/api/sources/{name:path}", source),
    Route("/api/codes", codes),
    Route("/api/codings", add_coding, methods=["POST"]),
    Route("/api/codings/{id:int}", get_coding, methods=["GET"]),
    Route("/api/codings/{id:int}", delete_coding, methods=["DELETE"]),
    Route("/api/proposals", proposals),
    Route("/api/reviews", review, methods=["POST"]),
    Route("/api/acceptance", acceptance),
    Route("/api/search", search),
    Route("/api/search/code", code_search, methods=["POST"]),
    Route("/api/matrix", matrix),
    Route("/api/segments", segments),
    Route("/api/agreement", agreement),
    Route("/api/memos", add_memo, methods=["POST"]),
    Route("/api/memos", memos, methods=["GET"]),
    Route("/api/session", session, methods=["POST"]),
    Route("/api/session", me, methods=["GET"]),
]
