"""The publisher of an article and the media it cites.

The publisher is what the reader found (header, footer, JSON field),
normalised to one spelling; failing that, the URL's domain if it is a known
one. Nothing else: a publisher is never guessed from the text.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from ..analysis import name_key
from .entities import Entity, display_name
from .resources import Resources


def publisher(raw_publisher: str | None, url: str | None, res: Resources) -> str | None:
    """Canonical publisher from the raw field, else from the URL's domain."""
    if raw_publisher and raw_publisher.strip():
        name = " ".join(raw_publisher.split())
        return res.publisher_keys.get(name_key(name), name)
    if url:
        try:
            host = (urlsplit(url.strip()).hostname or "").lower()
        except ValueError:
            return None
        parts = host.split(".")
        for k in range(len(parts) - 1):
            hit = res.domains.get(".".join(parts[k:]))
            if hit:
                return hit
    return None


def cited_media(entities: list[Entity]) -> list[str]:
    """Media named in the text (listed ones and those introduced as "l’agenzia X"),
    each once, in order of appearance."""
    found: dict[str, None] = {}
    for e in entities:
        if e.kind == "media":
            found.setdefault(e.canonical or display_name(e.text), None)
    return list(found)
