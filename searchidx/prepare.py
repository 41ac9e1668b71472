"""Extraction and analysis in worker processes, so indexing uses every core.

The expensive per-article work — extraction (people, quotes, topics …) and the
Italian analysis of title, body and quotes into Whoosh postings — is pure
function of the article and needs no index state, so it runs in a process
pool. The main process only feeds the writer, which Whoosh requires to be one.
Small runs (a few articles) stay in-process: a pool would cost more than it saves.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable
from typing import Any

from .config import Config
from .index import PreAnalyzed, document_fields
from .models import RawArticle
from .pipeline import extract_one

PREANALYZED_FIELDS = ("title", "body", "quotes")
Prepared = tuple[str, str, str, dict[str, Any]]  # id, path, content hash, Whoosh fields

_state: tuple[Config, Any, frozenset[str]] | None = None


def _init(config: Config, schema: Any, stop: frozenset[str]) -> None:
    global _state
    _state = (config, schema, stop)


def prepare(raw: RawArticle) -> Prepared:
    """Extract one article and analyse its text fields into postings."""
    assert _state is not None, "prepare() runs after _init()"
    config, schema, stop = _state
    fields = document_fields(extract_one(raw, config), stop)
    for name in PREANALYZED_FIELDS:
        text = fields.get(name)
        if text:
            fields[name] = PreAnalyzed(list(schema[name].index(text)))
            if schema[name].stored:
                fields[f"_stored_{name}"] = text
        else:
            fields.pop(name, None)
    return raw.id, raw.path, raw.content_hash, fields


class Preparer:
    """Runs :func:`prepare` over batches, in a pool once the run proves large."""

    POOL_AFTER = 200  # articles seen before a pool is worth starting

    def __init__(self, config: Config, schema: Any, stop: frozenset[str], workers: int) -> None:
        self.args = (config, schema, stop)
        self.workers = workers if workers > 0 else (os.cpu_count() or 1)
        self.pool: Any = None
        self.seen = 0
        _init(*self.args)

    @property
    def units_ahead(self) -> int:
        """Units to have in preparation while the writer works: one per worker, and one
        more, so no worker waits while the writer commits a segment."""
        return self.workers + 1 if self.pool is not None else 0

    def submit(self, batch: list[RawArticle]) -> Callable[[], list[Prepared]]:
        """Start preparing ``batch``; the returned function waits for the results."""
        self.seen += len(batch)
        if self.pool is None and self.workers > 1 and self.seen >= self.POOL_AFTER:
            methods = multiprocessing.get_all_start_methods()
            context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
            self.pool = context.Pool(self.workers, initializer=_init, initargs=self.args)
        if self.pool is None:
            done = [prepare(raw) for raw in batch]
            return lambda: done
        pending = self.pool.map_async(prepare, batch, chunksize=16)
        return pending.get

    def close(self) -> None:
        if self.pool is not None:
            self.pool.terminate()
            self.pool.join()
            self.pool = None
