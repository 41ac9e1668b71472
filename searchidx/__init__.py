"""searchidx: full-text search with faceted filters for Italian news.

The Python API the CLI is built on::

    from searchidx import Index, extract
    ix = Index(".searchidx")
    ix.update(["seeds/"])
    result = ix.search("munizioni", speaker=["Kirby"], facets=["people"])
    for article in extract(["seeds/"]):
        print(article.id, article.speakers)

Heavy modules (Whoosh, dateparser) load on first use, so importing the
package and starting the CLI stay fast.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING to type checkers; typing is not imported

__version__ = "0.2.0"
__all__ = ["Index", "extract", "load_config", "__version__"]

if TYPE_CHECKING:
    from typing import Any

    from .config import load_config
    from .index import Index
    from .pipeline import extract


def __getattr__(name: str) -> Any:
    if name == "Index":
        from .index import Index

        return Index
    if name == "extract":
        from .pipeline import extract

        return extract
    if name == "load_config":
        from .config import load_config

        return load_config
    raise AttributeError(name)
