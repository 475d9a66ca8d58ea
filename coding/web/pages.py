"""The workspace's HTML pages: Jinja2 templates with autoescaping (transcript text, codes, memos
and names are always escaped), each route a few lines over :class:`coding.Project`."""

from __future__ import annotations

from pathlib import Path

import jinja2
from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.routing import Route
from starlette.templating import Jinja2Templates

from ..annotate.codings import BadRequest
from .context import coder_of, int_param, workspace
from .render import code_list, mark_style, pieces

TEMPLATES = Jinja2Templates(env=jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"), autoescape=True,
    trim_blocks=True, lstrip_blocks=True))


def page(request: Request, name: str, status: int = 200, **context):
    project = workspace(request).project()
    context.setdefault("codes", code_list(project.codes()))
    return TEMPLATES.TemplateResponse(request, name, {"coder": coder_of(request), **context}, status_code=status)


def error_page(request: Request, message: str, status: int):
    return TEMPLATES.TemplateResponse(request, "error.html", {"coder": coder_of(request), "message": message,
                                                              "status": status, "codes": []}, status_code=status)


def sources(request: Request):
    project = workspace(request).project()
    rows = project.sources()
    fixed = {"name", "format", "language", "turns", "speakers", "codings", "characters"}
    attributes = sorted({k for r in rows for k in r if k not in fixed})
    wanted = {k[6:]: v for k, v in request.query_params.items() if k.startswith("where.") and v}
    rows = [r for r in rows if all(str(r.get(k, "")) == v for k, v in wanted.items())]
    values = {a: sorted({str(r[a]) for r in project.sources() if r.get(a)}) for a in attributes}
    return page(request, "sources.html", rows=rows, attributes=attributes, values=values, wanted=wanted,
                by_coder=project.coder_counts())


def transcript(request: Request):
    project = workspace(request).project()
    q = request.query_params
    coder, origin = q.get("coder") or None, q.get("origin") or None
    view = project.source_page(request.path_params["name"], int_param(request, "page", 1), coder=coder,
                               origin=origin, at=int_param(request, "at"))
    codes = code_list(project.codes())
    colours = {c["code"]: c["color"] for c in codes}
    labels = {c["code"]: c["label"] for c in codes}
    for block in view["blocks"]:
        block["pieces"] = [dict(p, style=mark_style(p["codings"], colours) if p["codings"] else "",
                                ids=" ".join(str(c["id"]) for c in p["codings"]),
                                title="; ".join(f"{labels.get(c['code'], c['code'])} ({c['coder']})"
                                                for c in p["codings"]))
                           for p in pieces(block, view["codings"])]
        block["margin"] = [c for c in view["codings"] if block["start"] <= c["start"] < block["end"]
                           or (c["start"] < block["start"] and block is view["blocks"][0])]
    return page(request, "transcript.html", view=view, codes=codes, colours=colours, labels=labels,
                coders=project.coders(), coder_filter=coder or "", origin_filter=origin or "",
                source_memos=project.memos(source=view["source"], on="source"),
                mark=int_param(request, "at"), mark_end=int_param(request, "end"))


def review(request: Request):
    project = workspace(request).project()
    q = request.query_params
    waiting = project.proposals(code=q.get("code") or None, source=q.get("source") or None, limit=1,
                                after=int_param(request, "after", 0))
    context = None
    if waiting["proposals"]:
        p = waiting["proposals"][0]
        view = project.source_page(p["source"], at=p["start"])
        context = next((b for b in view["blocks"] if b["start"] <= p["start"] < b["end"]), None)
    return page(request, "review.html", waiting=waiting, context=context, acceptance=project.acceptance(),
                sources=[r["name"] for r in project.sources()], code_filter=q.get("code", ""),
                source_filter=q.get("source", ""))


def search(request: Request):
    project = workspace(request).project()
    q = request.query_params.get("q", "").strip()
    hits = project.search(q) if q else []
    return page(request, "search.html", q=q, hits=hits)


def tables(request: Request):
    project = workspace(request).project()
    q = request.query_params
    col = q.get("cols", "role")
    frame = project.matrix(rows="code", cols=[col])
    attributes = sorted({k for r in project.participants() for k in r} - {"participant", "turns", "appears_in",
                                                                          "from_manifest"}
                        | {k for r in project.sources() for k in r} - {"name", "format", "language", "turns",
                                                                          "speakers", "codings", "characters"})
    keys = frame.attrs.get("col_keys") or [(str(c),) for c in frame.columns]
    labels = {c["code"]: c["label"] for c in code_list(project.codes())}
    return page(request, "tables.html", frame=frame, col=col, attributes=attributes, labels=labels,
                columns=[str(c) for c in frame.columns], keys=[k[0] if isinstance(k, tuple) else k for k in keys],
                rows=[(str(i), [int(v) if float(v).is_integer() else v for v in frame.loc[i].tolist()])
                      for i in frame.index])


def agreement(request: Request):
    project = workspace(request).project()
    q = request.query_params
    coders = project.coders()
    a, b = q.get("a") or "", q.get("b") or ""
    result = None
    if a and b:
        if a == b:
            raise BadRequest("pick two different coders")
        result = project.agreement([a, b])
    return page(request, "agreement.html", coders=coders, a=a, b=b, result=result)


def codebook(request: Request):
    project = workspace(request).project()
    memos = project.memos(on="code")
    return page(request, "codebook.html", memos=memos, acceptance={r["code"]: r for r in project.acceptance()})


def home(request: Request):
    return RedirectResponse("/sources", status_code=302)


routes = [
    Route("/", home),
    Route("/sources", sources),
    Route("/sources/{name:path}", transcript),
    Route("/review", review),
    Route("/search", search),
    Route("/tables", tables),
    Route("/agreement", agreement),
    Route("/codebook", codebook),
]

__all__ = ["routes", "error_page"]
