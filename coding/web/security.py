"""The workspace's guards, as one ASGI middleware in front of every route.

- Host: on a loopback address only ``localhost``/loopback Host headers are served (a page of
  another site whose name is made to point at 127.0.0.1, "DNS rebinding", gets 400).
- Token: when the server has one (any non-loopback ``--host``), a request needs it as
  ``Authorization: Bearer TOKEN``, as ``?token=TOKEN`` (a browser's first visit; a cookie is then
  set) or in that cookie; otherwise 401.
- Same origin: a state-changing request (POST, PUT, PATCH, DELETE) that a browser sends from
  another site is refused (403): its ``Origin`` (or ``Referer``) must be this server, and
  ``Sec-Fetch-Site`` may not say cross-site. Programs that send neither (curl, httpx) pass, as do
  requests with a valid bearer token.
- Body size: more than :data:`MAX_BODY` bytes is refused (413), whether announced in
  ``Content-Length`` or not.
"""

from __future__ import annotations

import hmac
import json
from http.cookies import SimpleCookie
from urllib.parse import parse_qs, urlsplit

MAX_BODY = 1_000_000
TOKEN_COOKIE = "coding_token"
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1", "[::1]"}


def is_loopback(host: str) -> bool:
    import ipaddress

    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _headers(scope) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in scope.get("headers", []):
        out.setdefault(key.decode("latin-1").lower(), value.decode("latin-1"))
    return out


def _host_only(netloc: str) -> str:
    netloc = netloc.strip().lower()
    if netloc.startswith("["):
        return netloc[:netloc.find("]") + 1]
    return netloc.rsplit(":", 1)[0] if netloc.count(":") == 1 else netloc


class Guard:
    """ASGI middleware: host, token, same-origin and body-size checks (see the module's text)."""

    def __init__(self, app, *, token: str | None, loopback: bool, max_body: int = MAX_BODY):
        self.app = app
        self.token = token
        self.loopback = loopback
        self.max_body = max_body

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = _headers(scope)
        host = headers.get("host", "")
        if self.loopback and _host_only(host) not in LOOPBACK_NAMES:
            return await _refuse(send, 400, f"this workspace only answers to localhost, not to the host '{host}'")
        set_cookie = False
        bearer = False
        if self.token is not None:
            given = None
            auth = headers.get("authorization", "")
            if auth.lower().startswith("bearer "):
                given, bearer = auth[7:].strip(), True
            if given is None:
                query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
                if "token" in query:
                    given, set_cookie = query["token"][0], True
            if given is None and "cookie" in headers:
                cookie = SimpleCookie()
                try:
                    cookie.load(headers["cookie"])
                except Exception:  # a malformed cookie header is no token
                    pass
                if TOKEN_COOKIE in cookie:
                    given = cookie[TOKEN_COOKIE].value
            if given is None or not hmac.compare_digest(given.encode(), self.token.encode()):
                return await _refuse(send, 401, "a token is needed: 'Authorization: Bearer TOKEN' or ?token=TOKEN "
                                                "(printed by 'coding serve')",
                                     extra=[(b"www-authenticate", b"Bearer")])
        if scope["method"] in UNSAFE and not bearer:
            problem = _cross_site(headers, host)
            if problem:
                return await _refuse(send, 403, problem)
        length = headers.get("content-length")
        if length is not None:
            try:
                too_big = int(length) > self.max_body
            except ValueError:
                return await _refuse(send, 400, "Content-Length is not a number")
            if too_big:
                return await _refuse(send, 413, f"the request body is larger than {self.max_body} bytes")

        # the body is read here, up to the limit, and handed on whole: nothing larger reaches a route
        chunks, size = [], 0
        if scope["method"] in UNSAFE or length is not None:
            while True:
                message = await receive()
                if message["type"] != "http.request":
                    return
                chunk = message.get("body", b"")
                size += len(chunk)
                if size > self.max_body:
                    return await _refuse(send, 413, f"the request body is larger than {self.max_body} bytes")
                chunks.append(chunk)
                if not message.get("more_body", False):
                    break
        body, delivered = b"".join(chunks), False

        async def replay():
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        async def send_with_cookie(message):
            if set_cookie and message["type"] == "http.response.start":
                cookie = (f"{TOKEN_COOKIE}={self.token}; Path=/; HttpOnly; SameSite=Strict").encode("latin-1")
                message = dict(message)
                message["headers"] = [*message.get("headers", []), (b"set-cookie", cookie)]
            await send(message)

        await self.app(scope, replay, send_with_cookie)


def _cross_site(headers: dict[str, str], host: str) -> str | None:
    """Why a state-changing request looks like it comes from another site (None when it does not)."""
    site = headers.get("sec-fetch-site")
    if site in ("cross-site", "same-site"):
        return f"refused: a change requested from another site (Sec-Fetch-Site: {site})"
    origin = headers.get("origin")
    if origin is None and "referer" in headers:
        origin = headers["referer"]
    if origin is None:
        return None
    if origin == "null":
        return "refused: a change requested from a page without an origin"
    parts = urlsplit(origin)
    if parts.netloc.lower() != host.lower():
        return f"refused: a change requested from another origin ({parts.scheme}://{parts.netloc})"
    return None


async def _refuse(send, status: int, message: str, extra: list | None = None) -> None:
    body = json.dumps({"error": message}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            *(extra or [])]})
    await send({"type": "http.response.body", "body": body})
