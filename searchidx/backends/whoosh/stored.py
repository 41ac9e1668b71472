"""An article's stored form in a Whoosh index, unpacked: Whoosh's stored fields of one
document (its ``id``, ``path``, ``title``, ``date``, the zlib-compressed ``body_z`` and
``data``) as the article users see. Apart from :mod:`.schema`, which builds the
schema with Whoosh's field classes, so that a reader of the segment files
(:mod:`.segments`) unpacks articles without importing Whoosh."""

from __future__ import annotations

import zlib

TYPE_CHECKING = False  # typing.TYPE_CHECKING to type checkers; typing is not imported
if TYPE_CHECKING:
    from typing import Any

# Bumped whenever what is stored changes shape; an index of another version must be rebuilt.
SCHEMA_VERSION = 4


def stored_article(stored: dict[str, Any], body: str | None = None) -> dict[str, Any]:
    """A stored Whoosh document as the article dict users see (``show``, JSON);
    ``body``, when the caller has already unpacked it."""
    data = unpack_data(stored)
    return {"id": stored["id"], "path": stored.get("path"), "title": stored.get("title") or None,
            "date": stored.get("date"), **data,
            "body": unpack_body(stored) if body is None else body}


def unpack_data(stored: dict[str, Any]) -> dict[str, Any]:
    """The extracted fields (people, quotes …) from their stored, compressed form."""
    import json  # not for a text answer's hits, which need no extracted fields

    packed = stored.get("data")
    return json.loads(zlib.decompress(packed)) if packed else {}


def unpack_body(stored: dict[str, Any]) -> str:
    """The article body from its stored, compressed form."""
    packed = stored.get("body_z")
    return zlib.decompress(packed).decode("utf-8") if packed else ""
