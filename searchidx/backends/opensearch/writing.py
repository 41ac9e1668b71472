"""One ``index`` run into a cluster: workers extract, this process writes in bulk.

Extraction (people, quotes, dates …) runs in worker processes, as for Whoosh,
once a run proves large; each worker hands back the cluster documents
(:func:`.schema.source_from_fields`), which :class:`.bulk.BulkIndexer` sends with
back-pressure and retries. A commit waits for every bulk, refreshes the index so
that readers see the articles, and only then records the manifest in the
cluster: a run stopped between the two leaves the manifest behind, and the next
run reads those files again (documents are replaced by id, never duplicated).
Between the two, the commit groups its articles into stories (:mod:`.stories`).

There is no write lock: several machines may each index a part of one archive
into the same index at once (the manifest refuses two writers of one file).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import TYPE_CHECKING, Any

from ...analysis import name_key
from ...config import story_settings
from ...pipeline import extract_one
from ..whoosh.schema import document_fields
from .bulk import BulkIndexer
from .client import Client, path_id
from .manifest import ClusterManifest, manifest_index
from .schema import ensure_index, source_from_fields, template_name
from .stories import THRESHOLD_KEY, VERSION_KEY, StoryWriter, new_version, signature_fields

if TYPE_CHECKING:
    from ...config import Config
    from ...manifest import Changes
    from ...models import RawArticle
    from ..base import Failure

# a bulk answers within a minute even on a loaded machine; a bulk that times out is sent
# again whole (documents are replaced by id), so the cluster must not be given more
_BULK_DOCS, _BULK_BYTES = 100, 2 << 20
_RUN_TIMEOUT_S = 300.0
_IN_PROCESS_UP_TO = 200  # articles of a run extracted here: a pool would cost more


def _extracted(batch: list[RawArticle], config: Config, stop: frozenset[str]
               ) -> tuple[list[dict[str, Any]], list[Failure]]:
    """The cluster documents of ``batch``, and the articles whose extraction failed."""
    sources, failed = [], []
    min_words = story_settings(config).min_words
    for raw in batch:
        try:
            source = source_from_fields(document_fields(extract_one(raw, config), stop))
            source.update(signature_fields(raw.body, min_words))
            sources.append(source)
        except Exception as exc:  # a bug met by one article must not stop the run
            failed.append((raw.id, raw.path, raw.line, f"{type(exc).__name__}: {exc}"))
    return sources, failed


_worker_config: Any = None


def _start_worker(config: Config, stop: frozenset[str]) -> None:
    global _worker_config
    _worker_config = (config, stop)


def _extract_in_worker(batch: list[RawArticle]) -> tuple[list[dict[str, Any]], list[Failure]]:
    config, stop = _worker_config
    return _extracted(batch, config, stop)


@contextlib.contextmanager
def open_run(config: Config, index: str, url: str, *, rebuild: bool
             ) -> Iterator[OpenSearchRun]:
    """A run into ``index``: its template and index created when missing (both, and the
    manifest, removed first when ``rebuild``), the index's analysis checked."""
    client = Client.from_env(url, timeout=_RUN_TIMEOUT_S)
    section = config["index"]
    shards, replicas = int(section["opensearch_shards"]), int(section["opensearch_replicas"])
    try:
        if rebuild:
            for name in (index, manifest_index(index)):
                client.delete(f"/{path_id(name)}", ok=(404,))
            client.delete(f"/_index_template/{path_id(template_name(index))}", ok=(404,))
        ensure_index(client, index, shards=shards, replicas=replicas, config=config)
        run = OpenSearchRun(client, config, index, ClusterManifest(client, index,
                                                                    replicas=replicas))
        try:
            yield run
        finally:
            run.close()
    finally:
        client.close()


class OpenSearchRun:
    """The :class:`~searchidx.backends.base.IndexRun` of a cluster index."""

    def __init__(self, client: Client, config: Config, index: str,
                 manifest: ClusterManifest) -> None:
        self.client = client
        self.config = config
        self.index = index
        self.manifest = manifest
        self.notes: list[str] = []
        self.stop = frozenset(name_key(s) for s in config["italian"]["stopwords"])
        self.pool: ProcessPoolExecutor | None = None
        self.pending: list[Future[tuple[list[dict[str, Any]], list[Failure]]]] = []
        self.bulk: BulkIndexer | None = None
        self.put_ids: dict[str, tuple[str, int | None]] = {}  # since the last gather
        self.deleted: set[str] = set()
        self.failed: list[Failure] = []
        self.written = 0
        self.stories = StoryWriter(client, index, story_settings(config).threshold)
        self.removed: set[str] = set()  # deleted since the last commit
        self._use_threshold()

    def _use_threshold(self) -> None:
        """Regroup every story when ``index.stories.threshold`` is not the one they were
        grouped at (as the embedded index does)."""
        threshold = self.stories.threshold
        before = self.manifest.meta(THRESHOLD_KEY)
        if before is not None and float(before) == threshold:
            return
        if before is not None and self.stories.regroup_all():
            self.manifest.set_meta(VERSION_KEY, new_version())
            self.notes.append(f"stories regrouped at the new index.stories.threshold {threshold}")
        self.manifest.set_meta(THRESHOLD_KEY, repr(threshold))

    def _bulk(self) -> BulkIndexer:
        if self.bulk is None:
            self.bulk = BulkIndexer(self.client, self.index, max_docs=_BULK_DOCS,
                                    max_bytes=_BULK_BYTES)
        return self.bulk

    def _workers(self) -> int:
        from ..whoosh.writing import worker_count

        return worker_count(self.config)

    def put(self, articles: list[RawArticle], new_ids: frozenset[str]) -> None:
        for raw in articles:
            self.put_ids[raw.id] = (raw.path, raw.line)
            self.deleted.discard(raw.id)
        # before the new versions are sent: the stories they were in (see .stories)
        self.stories.prepare(raw.id for raw in articles)
        if self.pool is None and self.written + len(articles) <= _IN_PROCESS_UP_TO:
            self.written += len(articles)
            self._write(*_extracted(articles, self.config, self.stop))
            return
        if self.pool is None:
            import multiprocessing

            self.pool = ProcessPoolExecutor(
                self._workers(), mp_context=multiprocessing.get_context("fork"),
                initializer=_start_worker, initargs=(self.config, self.stop))
        self.written += len(articles)
        step = max(16, len(articles) // self._workers())
        for start in range(0, len(articles), step):
            self.pending.append(self.pool.submit(_extract_in_worker,
                                                 articles[start:start + step]))
        self._drain(wait=len(self.pending) > 4 * self._workers())  # back-pressure

    def _drain(self, *, wait: bool) -> None:
        """Hand the finished extractions to the bulk writer (all of them when ``wait``)."""
        still = []
        for future in self.pending:
            if wait or future.done():
                self._write(*future.result())
            else:
                still.append(future)
        self.pending = still

    def _write(self, sources: list[dict[str, Any]], failed: list[Failure]) -> None:
        self.failed.extend(failed)
        bulk = self._bulk()
        for source in sources:
            self.stories.stamp(source)
            bulk.index(source)

    def delete(self, doc_id: str) -> None:
        if doc_id not in self.put_ids:  # a put of the same run replaces it anyway
            self.deleted.add(doc_id)

    def gather(self) -> list[Failure]:
        self._drain(wait=True)
        bulk = self._bulk()
        self.stories.remember(self.deleted)
        self.removed.update(self.deleted)
        for doc_id in sorted(self.deleted):
            bulk.delete(doc_id)
        report = bulk.close()
        self.bulk = None
        failed, self.failed = self.failed, []
        for failure in report.failures:
            path, line = self.put_ids.get(failure.id, ("", None))
            failed.append((failure.id, path, line, f"the cluster refused it: {failure.reason}"))
        self.put_ids, self.deleted = {}, set()
        return failed

    def commit(self, changes: Changes, *, by_time: bool) -> None:
        """Make the written articles visible (a refresh), group them into stories, then
        record the manifest."""
        self.client.post(f"/{path_id(self.index)}/_refresh")
        removed = self.removed | {i for i, entry in changes.docs.items() if entry is None}
        self.removed = set()
        if changes.signatures and self.stories.apply(changes.signatures, removed):
            self.manifest.set_meta(VERSION_KEY, new_version())
        if changes.files or changes.docs:
            self.manifest.apply(changes.files, changes.docs)

    def finish(self, optimize: bool) -> int:
        self._stop_workers()
        if not optimize:
            return 0
        segments = self._segment_count()
        self.client.post(f"/{path_id(self.index)}/_forcemerge",
                         params={"max_num_segments": 1})
        return segments if segments > 1 else 0

    def _segment_count(self) -> int:
        shards = self.client.get(f"/{path_id(self.index)}/_segments").body["indices"]
        return sum(len(copy["segments"]) for index in shards.values()
                   for copies in index["shards"].values() for copy in copies
                   if copy["routing"]["primary"])

    def _stop_workers(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None

    def close(self) -> None:
        """Stop the workers (what was not committed is dropped) and the bulk senders."""
        self._stop_workers()
        if self.bulk is not None:
            self.bulk.__exit__(RuntimeError, None, None)
            self.bulk = None
        self.manifest.close()
