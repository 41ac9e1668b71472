"""The ASGI application: routes, templates, static files and the security rules.

Every page is a thin view over :class:`searchidx.Index` (``views/``), and each
has a JSON twin under ``/api/`` answering what the CLI's ``--format json``
prints. The app only reads: it has no route that accepts anything but GET.
"""

from __future__ import annotations

import hashlib
import os
import sys
from dataclasses import dataclass
from importlib import resources
from typing import Any

import jinja2
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..errors import QueryError, SearchidxError
from ..render import quote_author, quote_kind
from .responses import Archive, json_response, render, wants_json

# Scripts only from our own files (no inline script, no handler attribute), styles
# likewise, nothing from elsewhere, no framing, forms only to this server.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
]
LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1"})
_STATIC_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8",
                 ".svg": "image/svg+xml"}


@dataclass(frozen=True)
class StaticFile:
    body: bytes
    media_type: str
    version: str


def _load_static() -> dict[str, StaticFile]:
    """The package's static files, read once: no request path ever reaches the disk."""
    out = {}
    for item in resources.files("searchidx.web").joinpath("static").iterdir():
        suffix = "." + item.name.rsplit(".", 1)[-1]
        if item.is_file() and suffix in _STATIC_TYPES:
            body = item.read_bytes()
            out[item.name] = StaticFile(body, _STATIC_TYPES[suffix],
                                        hashlib.sha1(body).hexdigest()[:10])
    return out


def _templates(static: dict[str, StaticFile]) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("searchidx.web", "templates"),
        autoescape=True, undefined=jinja2.StrictUndefined,
        trim_blocks=True, lstrip_blocks=True)
    env.globals["static"] = lambda name: f"/static/{name}?v={static[name].version}"
    env.globals["quote_author"] = quote_author
    env.globals["quote_kind"] = quote_kind
    env.filters["number"] = lambda n: f"{n:,}"
    return env


class HostCheck:
    """Refuse requests whose Host header names another server (DNS rebinding: a
    web page elsewhere reaching a loopback server through a name of its own),
    and add the security headers to every response."""

    def __init__(self, app: Any, allowed_hosts: frozenset[str] | None) -> None:
        self.app = app
        self.allowed_hosts = allowed_hosts

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.allowed_hosts is not None:
            host = _host_name(dict(scope["headers"]).get(b"host", b"").decode("latin-1"))
            if host not in self.allowed_hosts:
                response = Response("unknown host: this server answers as 127.0.0.1 "
                                    "or localhost\n", status_code=400, media_type="text/plain")
                await response(scope, receive, _with_headers(send))
                return
        try:
            await self.app(scope, receive, _with_headers(send))
        except Exception as exc:  # already answered as a 500 page: say so in one line
            if os.environ.get("SEARCHIDX_DEBUG"):
                raise
            print(f"searchidx: error: unexpected {type(exc).__name__} on {scope['path']}: "
                  f"{exc} (set SEARCHIDX_DEBUG=1 for a traceback)", file=sys.stderr)


def _with_headers(send: Any) -> Any:
    async def sending(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            message["headers"] = [*message.get("headers", []), *SECURITY_HEADERS]
        await send(message)

    return sending


def _host_name(header: str) -> str:
    """``[::1]:8765`` -> ``::1``, ``localhost:8765`` -> ``localhost``."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1:header.find("]")] if "]" in header else header
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


async def _error(request: Request, exc: Exception) -> Response:
    headers = None
    if isinstance(exc, HTTPException):
        status, message, headers = exc.status_code, str(exc.detail), exc.headers
        if status == 404 and message == "Not Found":
            message = f"no page at {request.url.path}"
    elif isinstance(exc, QueryError):
        status, message = 400, str(exc)
    elif isinstance(exc, SearchidxError):  # a missing or damaged index
        status, message = 503, str(exc)
    else:  # a bug: one line, as the CLI does, never a traceback
        status, message = 500, f"unexpected {type(exc).__name__}: {exc} (please report it)"
    if wants_json(request):
        response = json_response({"error": message}, status)
    else:
        response = render(request, "error.html", status, status=status, message=message)
    response.headers.update(headers or {})
    return response


def create_app(index: Any, *, allowed_hosts: frozenset[str] | None = LOOPBACK_NAMES) -> Any:
    """The web app over ``index`` (a :class:`searchidx.Index`).

    ``allowed_hosts``: the Host names it answers to (None: any, for a server
    listening on every address).
    """
    from .views import article, person, quotes, search

    static = _load_static()

    def static_file(request: Request) -> Response:
        found = static.get(request.path_params["name"])
        if found is None:
            raise HTTPException(404)
        return Response(found.body, media_type=found.media_type,
                        headers={"cache-control": "public, max-age=86400"})

    routes = [
        *search.routes, *article.routes, *quotes.routes, *person.routes,
        Route("/static/{name}", static_file, name="static"),
    ]
    app = Starlette(routes=routes, exception_handlers={
        Exception: _error, HTTPException: _error, SearchidxError: _error})
    app.state.archive = Archive(index)
    app.state.templates = _templates(static)
    return HostCheck(app, allowed_hosts)
