"""The engines an index can live in, behind one interface (:mod:`.base`).

Reading and extraction are shared by every engine; a backend stores the
extracted articles and answers queries that the query language has parsed into
an engine-neutral tree (:mod:`searchidx.query`). Whoosh (:mod:`.whoosh`) is the
embedded default: nothing to install, one folder; OpenSearch (:mod:`.opensearch`)
holds it in a cluster that several machines index into and many people search.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING to type checkers; typing is not imported
if TYPE_CHECKING:
    import os
    from typing import Any

    from ..config import Config
    from .base import SORTS, Backend, Found, FoundHit, SearchPlan, Table

__all__ = ["SORTS", "Backend", "Found", "FoundHit", "SearchPlan", "Table", "open_backend"]


BACKENDS = ("whoosh", "opensearch")


def open_backend(config: Config, path: str | os.PathLike[str], name: str = "whoosh",
                 url: str = "") -> Backend:
    """The backend ``name`` of the index at ``path``: a Whoosh folder, or for
    ``opensearch`` the index of that name in the cluster at ``url``. The cluster's
    client is imported only here, so Whoosh commands never load it."""
    if name == "opensearch":
        from .opensearch.backend import OpenSearchBackend

        return OpenSearchBackend(config, str(path), url)
    from .whoosh.backend import WhooshBackend

    return WhooshBackend(config, path)


def __getattr__(name: str) -> Any:
    """The interface's names (:mod:`.base`), loaded when first asked for: opening an
    index to count its articles needs none of them."""
    if name in __all__:
        from . import base

        return getattr(base, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
