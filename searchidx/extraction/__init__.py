"""Extraction: from a :class:`~searchidx.models.RawArticle` to an :class:`Article`.

Fills people (with every mention), speakers and quotes, places, organisations,
cited media, publisher, topics, key phrases and the dates written in the text.
All Italian knowledge comes from the configuration (``names``, ``people``,
``speech``, ``sources``, ``gazetteer``, ``topics``, ``mentioned_dates``) and the
shipped tagger model; it is compiled once per Config, so the cost per article
is a tokenisation, a tagger pass over capitalised words and a few regex scans.
"""

from __future__ import annotations

from ..analysis import name_key
from ..config import Config
from ..models import Article, RawArticle
from .entities import (
    Entity,
    add_repeated_names,
    display_name,
    find_entities,
    one_sense_per_article,
    organisations_by_article,
    surnames,
)
from .mentioned_dates import dates_mentioned
from .people import build_people
from .quotes import reported_speech
from .resources import resources_for
from .sources import cited_media, publisher
from .text import tokenize
from .topics import keyphrases, topics

__all__ = ["extract_article"]


def _names(entities: list[Entity], kind: str) -> list[str]:
    """Distinct names of one kind, in order; "MODENA" in a dateline is "Modena"."""
    seen: dict[str, str] = {}
    for e in entities:
        if e.kind == kind:
            name = e.canonical or display_name(e.text)
            seen.setdefault(name_key(name), name)
    return list(seen.values())


def extract_article(raw: RawArticle, config: Config) -> Article:
    """The article with every extracted field filled; never raises on odd text."""
    res = resources_for(config)
    article = Article.from_raw(raw)
    body = raw.body or ""
    title = raw.title or ""
    body_tokens = tokenize(body)
    title_tokens = tokenize(title)
    body_entities = find_entities(body, body_tokens, res)
    title_entities = find_entities(title, title_tokens, res)
    known = surnames(body_entities, body_tokens) | surnames(title_entities, title_tokens)
    body_entities = add_repeated_names(body, body_tokens, body_entities, known, res)
    title_entities = add_repeated_names(title, title_tokens, title_entities, known, res)
    body_entities = organisations_by_article(body_tokens, body_entities, known, res)
    title_entities = organisations_by_article(title_tokens, title_entities, known, res)
    title_entities, body_entities = one_sense_per_article(
        (title_tokens, title_entities), (body_tokens, body_entities), known, res)
    people, body_person, title_person = build_people(body_tokens, body_entities,
                                                     title_entities, res)
    article.people = people
    article.quotes, article.speakers, article.sources = reported_speech(
        body, body_tokens, body_entities, body_person,
        title, title_tokens, title_entities, title_person, res,
        date=raw.date.start.isoformat() if raw.date is not None else None)
    both = title_entities + body_entities
    article.places = _names(both, "place")
    article.organizations = _names(both, "org")
    article.cited_media = cited_media(both)
    article.publisher = publisher(raw.publisher, raw.url, res)
    # the text the index analyses too (analysis remembers the last text's words)
    article.topics = topics(f"{title}\n{body}" if title else body, res, config)
    article.keyphrases = keyphrases(title_tokens + body_tokens, res)
    article.dates_mentioned = dates_mentioned(body, raw.date, res)
    return article
