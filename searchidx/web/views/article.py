"""The article page (``/article/{id}``) and its JSON (``/api/article/{id}``), with the
article's other versions (``/api/story/{id}``) and the articles like it
(``/api/similar/{id}``), as ``searchidx show``, ``story`` and ``similar`` answer."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..markup import article_spans, article_url, marked_paragraphs, person_url, safe_link
from ..responses import archive, json_response, render
from ..state import FILTERS, Params, SearchState

# extracted lists shown as links to a search filtered by them: (field, heading, option)
LINKED_FIELDS = (("speakers", "Speakers", "speaker"), ("places", "Places", "place"),
                 ("organizations", "Organisations", "org"), ("cited_media", "Cited media", "media"),
                 ("topics", "Topics", "topic"), ("tags", "Tags", "tag"))
SIMILAR_LISTED = 5  # on the page; /api/similar takes the CLI's --limit (default 10)


def _missing(doc_id: str) -> HTTPException:
    return HTTPException(404, f"no article with id '{doc_id}'; find ids with a search")


def _found(answer: Any, doc_id: str) -> Any:
    """``answer``, or a 404 when the API said the index holds no such id (None)."""
    if answer is None:
        raise _missing(doc_id)
    return answer


def article_page(request: Request) -> Response:
    doc_id = request.path_params["doc_id"]
    with archive(request).reading() as ix:
        doc = _found(ix.document(doc_id), doc_id)
        story = ix.story(doc_id)
        similar = ix.similar(doc_id, SIMILAR_LISTED) or []
    quotes, mentions = article_spans(doc)
    search = SearchState()
    linked = [(heading, [(value, search.with_filter(option, value)) for value in doc[key]])
              for key, heading, option in LINKED_FIELDS if doc.get(key)]
    versions = story["versions"] if story and len(story["versions"]) > 1 else []
    return render(request, "article.html", doc=doc, linked=linked,
                  paragraphs=marked_paragraphs(doc.get("body") or "", quotes, mentions),
                  link=safe_link(doc.get("url")), person_url=person_url,
                  article_url=article_url, versions=versions, similar=similar,
                  api_url=lambda kind: f"/api/{kind}/{quote(doc['id'], safe='')}",
                  publisher_url=(search.with_filter("publisher", doc["publisher"])
                                 if doc.get("publisher") else None))


def api_article(request: Request) -> Response:
    """What ``searchidx show ID --format json`` prints."""
    doc_id = request.path_params["doc_id"]
    with archive(request).reading() as ix:
        return json_response(_found(ix.document(doc_id), doc_id))


def api_story(request: Request) -> Response:
    """What ``searchidx story ID --format json`` prints."""
    doc_id = request.path_params["doc_id"]
    with archive(request).reading() as ix:
        return json_response(_found(ix.story(doc_id), doc_id))


def api_similar(request: Request) -> Response:
    """What ``searchidx similar ID --format json`` prints for the same options
    (``limit=``, the filters, ``from=``, ``to=``)."""
    doc_id = request.path_params["doc_id"]
    params = Params(request.query_params, ("limit", "from", "to", *FILTERS))
    filters: dict[str, Any] = {option: [v.strip() for v in params.texts(option)]
                               for option in FILTERS}
    filters.update(date_from=params.date("from"), date_to=params.date("to"))
    limit = params.integer("limit", 10, 1, 1000)
    with archive(request).reading() as ix:
        similar = _found(ix.similar(doc_id, limit, **filters), doc_id)
    return json_response({"id": doc_id, "similar": similar})


routes = [
    Route("/article/{doc_id:path}", article_page),
    Route("/api/article/{doc_id:path}", api_article),
    Route("/api/story/{doc_id:path}", api_story),
    Route("/api/similar/{doc_id:path}", api_similar),
]
