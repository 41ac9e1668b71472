"""What every view answers with: the index behind the pages, JSON as the CLI prints it,
and templates rendered; shared by the app and its views (``views/``)."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import Any

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from ..render import to_json


class Archive:
    """The index behind the pages, read by one request at a time: a Whoosh
    searcher and the caches searchidx keeps beside it are not shared between
    threads. Each read sees the latest commit (:meth:`searchidx.Index.searcher`
    reopens when the index changed on disk)."""

    def __init__(self, index: Any) -> None:
        self.index = index
        self._lock = threading.Lock()

    @contextlib.contextmanager
    def reading(self) -> Iterator[Any]:
        with self._lock:
            yield self.index

    def export(self, query: str, **options: Any) -> Iterator[dict[str, Any]]:
        """:meth:`searchidx.Index.export` over a reader of its own, opened for this
        export and closed after it: a long download neither holds the pages' lock nor
        loses its searcher when a page reopens theirs after a commit, so it is one
        result set from its first row to its last. A bad option raises now."""
        ix = self.index
        own = type(ix)(ix.path, ix.config, backend=ix.location.backend, url=ix.location.url)
        try:
            rows = own.export(query, **options)
        except BaseException:
            own.close()
            raise

        def stream() -> Iterator[dict[str, Any]]:
            try:
                yield from rows
            finally:
                own.close()

        return stream()


def wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path.startswith("/export.")


def json_response(data: Any, status_code: int = 200) -> Response:
    """JSON exactly as the CLI's ``--format json`` prints it."""
    return Response(to_json(data), status_code=status_code,
                    media_type="application/json; charset=utf-8")


def render(request: Request, template: str, status_code: int = 200,
           **context: Any) -> HTMLResponse:
    env: jinja2.Environment = request.app.state.templates
    html = env.get_template(template).render(request=request, **context)
    return HTMLResponse(html, status_code=status_code)


def archive(request: Request) -> Archive:
    return request.app.state.archive
