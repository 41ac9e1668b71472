"""A person's page (``/person/{name}``): the articles naming and quoting them,
their quotes, when they were in the news, and the people and places beside them.

Built from what the API gives today (name filters, facets, quotes); a profile
of its own (``searchidx person``) will add to :func:`profile` when it exists.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ...analysis import name_key
from ..histogram import HISTOGRAM_FACET_LIMIT, date_histogram
from ..markup import article_url, person_url, snippet_html
from ..responses import archive, render
from ..state import SearchState

BESIDE = (("people", "People named with them", "person"), ("places", "Places", "place"),
          ("organizations", "Organisations", "org"), ("topics", "Topics", "topic"))
LISTED = 10


def _is_them(value: str, key: str) -> bool:
    """Whether a facet value is the person asked for (``Kirby`` is ``John Kirby``)."""
    value_key = name_key(value)
    return value_key == key or key in value_key.split()


def profile(ix: Any, name: str) -> dict[str, Any] | None:
    """What the index knows of ``name`` (a full name, an alias or a surname)."""
    key = name_key(name)
    naming = ix.search("", person=[name], sort="-date", limit=LISTED,
                       facets=[*(f for f, _, _ in BESIDE), "year", "month"],
                       facet_limit=HISTOGRAM_FACET_LIMIT)
    quoting = ix.search("", speaker=[name], limit=0)
    if not naming.total and not quoting.total:
        return None
    full_names = [v for v, _ in naming.facets.get("people", []) if _is_them(v, key)]
    role = None
    for hit in naming.hits[:3]:
        doc = ix.document(hit.id) or {}
        role = next((p.get("role") for p in doc.get("people", [])
                     if p["name"] in full_names and p.get("role")), None)
        if role:
            break
    beside = {facet: [(v, c) for v, c in naming.facets.get(facet, []) if not _is_them(v, key)]
              [:LISTED] for facet, _, _ in BESIDE}
    return {"name": name, "full_names": full_names, "role": role, "naming": naming,
            "quoting": quoting.total, "beside": beside,
            "quotes": ix.quotes("", speaker=[name], limit=LISTED),
            "histogram": date_histogram(ix, "", {"person": [name]}, naming.total,
                                        naming.facets, HISTOGRAM_FACET_LIMIT)}


def person_page(request: Request) -> Response:
    name = request.path_params["name"].strip()
    with archive(request).reading() as ix:
        found = profile(ix, name) if name_key(name) else None
    if found is None:
        raise HTTPException(404, f"no article names or quotes '{name}'")
    naming = SearchState(filters=(("person", name),))
    quoting = SearchState(filters=(("speaker", name),))
    beside = [(heading, [(v, c, naming.with_filter(option, v)) for v, c in found["beside"][f]])
              for f, heading, option in BESIDE if found["beside"][f]]
    return render(request, "person.html", person=found, beside=beside, naming=naming,
                  quoting=quoting, article_url=article_url, person_url=person_url,
                  snippet_html=snippet_html,
                  quotes_url="/quotes?" + urlencode([("speaker", name)]))


routes = [Route("/person/{name:path}", person_page)]
