"""read -> extract without indexing: what ``searchidx extract`` prints."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator

from .config import Config, load_config
from .errors import ReadError
from .models import Article


def extract(paths: Iterable[str | os.PathLike[str]], config: Config | None = None
            ) -> Iterator[Article | ReadError]:
    """Read and extract every article under ``paths`` (``-`` reads standard input).

    Bad files and records come out as :class:`ReadError` items, in order, so a
    caller can report them and go on.
    """
    from .extraction import extract_article
    from .read import discover, read_source, read_stdin_bytes

    config = config or load_config()
    items: list[str | os.PathLike[str]] = list(paths)
    for item in items:
        if str(item) == "-":
            for raw in read_stdin_bytes(sys.stdin.buffer.read(), config):
                yield raw if isinstance(raw, ReadError) else extract_article(raw, config)
            continue
        sources, errors = discover([item], config)
        yield from errors
        for src in sources:
            for raw in read_source(src, config):
                yield raw if isinstance(raw, ReadError) else extract_article(raw, config)
