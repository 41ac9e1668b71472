"""read -> extract: what ``searchidx extract`` prints and what the indexer stores."""

from __future__ import annotations

import dataclasses
import os
import sys
from collections.abc import Iterable, Iterator

from .config import Config, load_config
from .errors import ReadError
from .models import Article, RawArticle


def extraction_cut(raw: RawArticle, config: Config) -> str | None:
    """The warning for an article too long to extract entities from all of it."""
    limit = int(config["index"]["extract_max_chars"])
    if len(raw.body) <= limit:
        return None
    return (f"article '{raw.id}' has {len(raw.body):,} characters; people, quotes and "
            f"topics come from the first {limit:,} (index.extract_max_chars)")


def extract_one(raw: RawArticle, config: Config) -> Article:
    """Extract one article, looking at no more than ``index.extract_max_chars`` of it."""
    from .extraction import extract_article

    limit = int(config["index"]["extract_max_chars"])
    if len(raw.body) <= limit:
        return extract_article(raw, config)
    article = extract_article(dataclasses.replace(raw, body=raw.body[:limit]), config)
    article.body = raw.body  # offsets stay valid: they fall in the prefix
    return article


def extract(paths: Iterable[str | os.PathLike[str]], config: Config | None = None
            ) -> Iterator[Article | ReadError]:
    """Read and extract every article under ``paths`` (``-`` reads standard input).

    Bad files and records come out as :class:`ReadError` items, in order, so a
    caller can report them and go on.
    """
    from .read import discover, read_source, read_stdin_bytes

    config = config or load_config()
    items: list[str | os.PathLike[str]] = list(paths)
    for item in items:
        if str(item) == "-":
            for raw in read_stdin_bytes(sys.stdin.buffer.read(), config):
                yield raw if isinstance(raw, ReadError) else extract_one(raw, config)
            continue
        sources, errors = discover([item], config)
        yield from errors
        for src in sources:
            for raw in read_source(src, config):
                yield raw if isinstance(raw, ReadError) else extract_one(raw, config)
