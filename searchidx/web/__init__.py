"""The web stage: ``searchidx serve``, a local page over an index.

A thin layer over :class:`searchidx.Index`, like the CLI: Starlette routes,
Jinja2 templates (autoescaped), static files from this package, served by
uvicorn. Needs the ``web`` extra (``pip install 'searchidx[web]'``); nothing
here is imported by the other commands.
"""

from __future__ import annotations

from typing import Any

from ..errors import SearchidxError

__all__ = ["create_app", "serve"]


def _require_extra() -> None:
    import importlib.util

    for module in ("starlette", "jinja2", "uvicorn"):
        if importlib.util.find_spec(module) is None:
            raise SearchidxError(f"the web page needs the 'web' extra ({module} is missing): "
                                 "pip install 'searchidx[web]'")


def create_app(index: Any, **options: Any) -> Any:
    """The ASGI app over ``index``; see :func:`searchidx.web.app.create_app`."""
    _require_extra()
    from .app import create_app as build

    return build(index, **options)


def serve(index: Any, **options: Any) -> None:
    """Serve ``index`` until interrupted; see :func:`searchidx.web.server.serve`."""
    _require_extra()
    from .server import serve as run

    run(index, **options)
