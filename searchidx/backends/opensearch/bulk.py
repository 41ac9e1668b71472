"""Bulk indexing into the cluster, with back-pressure and bounded retries.

Documents are sent in ``_bulk`` requests of a bounded size, at most ``in_flight`` at
a time: when the cluster is slower than the extraction workers, :meth:`add` blocks
(back-pressure instead of an unbounded queue). The items a bulk answer refuses with
429 (the cluster's write queue is full) or a 5xx are sent again after an exponential,
bounded back-off; the others (a document the mapping refuses) are reported, not
retried, and the run goes on.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from .client import RETRY_STATUSES, Client, ClusterUnavailableError, path_id
from .schema import document_id


@dataclass
class BulkFailure:
    """A document the cluster would not take: its article id, the status and why."""

    id: str
    status: int
    reason: str


@dataclass
class BulkReport:
    indexed: int = 0
    deleted: int = 0
    requests: int = 0
    retried_items: int = 0  # item sends repeated after a 429/5xx answer for them
    failures: list[BulkFailure] = field(default_factory=list)


@dataclass
class _Action:
    article_id: str
    lines: list[Any]  # the action line and, for an index, the source
    size: int


class BulkIndexer:
    """Index and delete articles of one index in bulk; use as a context manager.

    >>> with BulkIndexer(client, "news") as bulk:          # doctest: +SKIP
    ...     bulk.index(source)                               # a schema.article_source
    >>> bulk.report.indexed                                  # doctest: +SKIP
    """

    def __init__(self, client: Client, index: str, *, max_docs: int = 500,
                 max_bytes: int = 5 << 20, in_flight: int = 2,
                 refresh: bool | str = False,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.client = client
        self.index_name = index
        self.max_docs = max_docs
        self.max_bytes = max_bytes
        self.refresh = refresh
        self.report = BulkReport()
        self._sleep = sleep
        self._batch: list[_Action] = []
        self._batch_bytes = 0
        self._slots = threading.Semaphore(in_flight)
        self._lock = threading.Lock()
        self._pending: list[Future[None]] = []
        self._pool = ThreadPoolExecutor(max_workers=in_flight,
                                        thread_name_prefix="searchidx-bulk")

    def __enter__(self) -> BulkIndexer:
        return self

    def __exit__(self, kind: object, *_: object) -> None:
        if kind is None:
            self.close()
        else:  # an error of the caller's: stop sending, keep the error
            self._pool.shutdown(wait=True, cancel_futures=True)

    def index(self, source: dict[str, Any]) -> None:
        """Queue one article document (``schema.article_source``) to be written."""
        article_id = source["id"]
        action = {"index": {"_index": self.index_name, "_id": document_id(article_id)}}
        size = len(json.dumps(source, ensure_ascii=False).encode("utf-8")) + 80
        self._add(_Action(article_id, [action, source], size))

    def update(self, article_id: str, fields: dict[str, Any]) -> None:
        """Queue a change of some fields of one article (its other fields stay)."""
        action = {"update": {"_index": self.index_name, "_id": document_id(article_id)}}
        body = {"doc": fields}
        self._add(_Action(article_id, [action, body],
                          len(json.dumps(body).encode("utf-8")) + 80))

    def delete(self, article_id: str) -> None:
        """Queue the removal of one article (absent already is fine)."""
        action = {"delete": {"_index": self.index_name, "_id": document_id(article_id)}}
        self._add(_Action(article_id, [action], 80))

    def _add(self, action: _Action) -> None:
        if self._batch and (len(self._batch) >= self.max_docs
                            or self._batch_bytes + action.size > self.max_bytes):
            self.flush()
        self._batch.append(action)
        self._batch_bytes += action.size

    def flush(self) -> None:
        """Hand the queued documents to a sender, waiting while ``in_flight`` are busy."""
        if not self._batch:
            return
        batch, self._batch, self._batch_bytes = self._batch, [], 0
        self._raise_failed_sends()
        self._slots.acquire()  # back-pressure: no more than in_flight bulks at once
        try:
            future = self._pool.submit(self._send, batch)
        except BaseException:
            self._slots.release()
            raise
        future.add_done_callback(lambda _: self._slots.release())
        self._pending.append(future)

    def close(self) -> BulkReport:
        """Send what is queued, wait for every bulk, refresh if asked; the report."""
        self.flush()
        try:
            for future in self._pending:
                future.result()
        finally:
            self._pool.shutdown(wait=True)
            self._pending = []
        if self.refresh:
            self.client.post(f"/{path_id(self.index_name)}/_refresh")
        return self.report

    def _raise_failed_sends(self) -> None:
        done = [f for f in self._pending if f.done()]
        self._pending = [f for f in self._pending if not f.done()]
        for future in done:
            future.result()  # a sender that gave up: its error, now

    def _send(self, batch: list[_Action]) -> None:
        """One bulk, and again for its items refused with 429/5xx, until the back-off ends."""
        pauses = iter(self.client.backoff.pauses())
        while batch:
            answer = self.client.post("/_bulk", ndjson=[line for a in batch for line in a.lines])
            with self._lock:
                self.report.requests += 1
            again: list[_Action] = []
            for action, item in zip(batch, answer.body["items"], strict=True):
                (kind, result), = item.items()
                status = result.get("status", 500)
                if status in RETRY_STATUSES:
                    again.append(action)
                    continue
                with self._lock:
                    if 200 <= status < 300 or (kind == "delete" and status == 404):
                        if kind == "delete":
                            self.report.deleted += 1
                        else:
                            self.report.indexed += 1
                    else:
                        error = result.get("error") or {}
                        self.report.failures.append(BulkFailure(
                            action.article_id, status,
                            f"{error.get('type', 'error')}: {error.get('reason', error)}"))
            if again:
                pause = next(pauses, None)
                if pause is None:
                    raise ClusterUnavailableError(
                        f"OpenSearch at {self.client.url}: {len(again)} documents still "
                        f"refused (429/5xx) after {self.client.backoff.attempts} tries; "
                        "the cluster is overloaded or read-only: run the index again later")
                with self._lock:
                    self.report.retried_items += len(again)
                self._sleep(pause)
            batch = again
