"""One ``index`` run into a Whoosh folder: workers write segments, this process commits.

New and changed articles are written into segments of their own by
:class:`.prepare.Builders` (in worker processes once the run proves large);
the run's writer deletes the versions they replace and commits those segments
with the deletions, then the manifest that describes them. The manifest is always
written *after* the commit: a crash between the two leaves the manifest behind,
and the next run simply re-reads those files (updates replace by unique id, so
nothing is duplicated).

A new id needs no deletion: Whoosh's would look the id up in every segment, a
cost that grows with the index. That is only safe while the manifest knows
every document Whoosh holds, i.e. when it recorded the Whoosh generation it was
last committed with; after a crash between the two commits, the run deletes
every id it writes (and so replaces the orphans).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from ...analysis import name_key
from ...config import story_settings
from ...locking import WriteLock
from .storage import compact_pickles

if TYPE_CHECKING:
    from ...config import Config
    from ...manifest import Changes, SqliteManifest
    from ...models import RawArticle
    from ..base import Failure
    from .folder import WhooshFolder
    from .prepare import Builders


def worker_count(config: Config) -> int:
    """``index.workers``, where 0 (or less) means one per CPU core."""
    workers = int(config["index"]["workers"])
    return workers if workers > 0 else (os.cpu_count() or 1)


def small_segment_size(config: Config) -> int:
    """The most articles of a segment that counts as small: half of what each worker
    writes in a full commit, so that the segments of a large run are never small."""
    return max(1, int(config["index"]["commit_every"]) // (2 * worker_count(config)))


@contextlib.contextmanager
def open_run(folder: WhooshFolder, *, wait: float, rebuild: bool) -> Iterator[WhooshRun]:
    """A run under the folder's write lock: the index created when missing (emptied
    first when ``rebuild``) and its analysis checked against the configuration."""
    os.makedirs(folder.path, exist_ok=True)
    with WriteLock(folder.path, wait) as lock, compact_pickles():
        if rebuild:
            folder.remove_files()
        if not folder.exists():
            folder.create()
        folder.check_analysis()
        run = WhooshRun(folder, [lock.stale_note] if lock.stale_note else [])
        try:
            yield run
        except BaseException:
            run.cancel()
            raise
        finally:
            run.close()


class WhooshRun:
    """The :class:`~searchidx.backends.base.IndexRun` of a Whoosh folder."""

    def __init__(self, folder: WhooshFolder, notes: list[str]) -> None:
        self.folder = folder
        self.notes = notes
        self.manifest: SqliteManifest = folder.manifest()
        self.story_threshold = story_settings(folder.config).threshold
        if self.manifest.use_story_threshold(self.story_threshold):
            notes.append(f"stories regrouped at the new index.stories.threshold "
                         f"{self.story_threshold}")
        # started by the first put: a run that finds nothing changed writes nothing,
        # and needs neither extraction nor worker processes
        self.builders: Builders | None = None
        self.writer: Any = None
        self.segments: list[Any] = []  # gathered, not committed yet
        self.settled: set[str] = set()  # segments of commits that came by time
        generation = str(folder.whoosh().latest_generation())
        self.in_step = self.manifest.meta("whoosh_generation") == generation

    def _writer(self) -> Any:
        if self.writer is None:
            self.writer = self.folder.writer()
        return self.writer

    def _started_builders(self) -> Builders:
        if self.builders is None:
            from .prepare import Builders

            config = self.folder.config
            stop = frozenset(name_key(s) for s in config["italian"]["stopwords"])
            self.builders = Builders(str(self.folder.path), config, stop, worker_count(config))
        return self.builders

    def put(self, articles: list[RawArticle], new_ids: frozenset[str]) -> None:
        self._started_builders().submit(articles)
        for raw in articles:
            if not (self.in_step and raw.id in new_ids):
                self._writer().delete_by_term("id", raw.id)

    def delete(self, doc_id: str) -> None:
        self._writer().delete_by_term("id", doc_id)

    def gather(self) -> list[Failure]:
        if self.builders is None:
            return []
        segments, failed = self.builders.finish()
        self.segments.extend(segments)
        return failed

    def commit(self, changes: Changes, *, by_time: bool) -> None:
        """Commit the deletions and the gathered segments, then the manifest."""
        from whoosh.writing import MERGE_SMALL

        segments, self.segments = self.segments, []
        if segments or self.writer is not None:
            self._writer().commit(
                mergetype=lambda writer, current: MERGE_SMALL(writer, current) + segments)
            self.writer = None
        if by_time:
            self.settled.update(segment.segment_id() for segment in segments)
        if changes.files or changes.docs:
            self.manifest.apply(changes.files, changes.docs, changes.signatures,
                                self.story_threshold)
        self._record_generation()
        self.in_step = True

    def _record_generation(self) -> None:
        self.manifest.set_meta("whoosh_generation",
                               str(self.folder.whoosh().latest_generation()))

    def finish(self, optimize: bool) -> int:
        if self.builders is not None:
            self.builders.close()
        if optimize:
            merged = self._optimize()
        else:
            merged = self._merge_small_segments(
                small_segment_size(self.folder.config),
                int(self.folder.config["index"]["merge_small_segments"]))
        self._keep_digest()
        return merged

    def _keep_digest(self) -> None:
        """The digest of the generation the run leaves (:mod:`.segments`), so that the
        next cold query reads the segments without Whoosh."""
        from .segments import keep_digest, read_digest

        key = self.folder.generation_key()
        if key is None or read_digest(self.folder.path, key) is not None:
            return
        reader = self.folder.whoosh().reader()
        try:
            keep_digest(self.folder.path, reader, key)
        finally:
            reader.close()

    def cancel(self) -> None:
        if self.writer is not None:
            self.writer.cancel()
            self.writer = None

    def close(self) -> None:
        """Stop the workers (a segment not committed is dropped) and close the manifest."""
        if self.builders is not None:
            self.builders.close()
        self.manifest.close()

    def _optimize(self) -> int:
        """Merge every segment into one (deleted documents dropped); the count merged.

        A single segment without deletions is left alone: merging would rewrite
        it unchanged.
        """
        segments = self.folder.whoosh()._segments()
        if len(segments) <= 1 and not any(s.has_deletions() for s in segments):
            return 0
        return self._merge(segments)

    def _merge_small_segments(self, most_docs: int, at_least: int) -> int:
        """Merge the segments of at most ``most_docs`` articles into one, when there
        are ``at_least`` of them (0: never); the count merged.

        Each commit writes a segment per worker, and Whoosh merges its small ones
        only once there are about twenty, so runs leave a tail of them.
        Every query opens a matcher per segment per term: at 100,000 articles
        the tail of ten made queries 10-20% slower and the index 13% bigger.
        The settled segments, written by this run's commits that came by time,
        are as large as the machine could make them in ``index.commit_seconds``;
        on a slow machine they may hold fewer than ``most_docs``, but they are
        never a tail (merging them made a 40,000-article run 20% slower).
        """
        small = [s for s in self.folder.whoosh()._segments()
                 if s.doc_count_all() <= most_docs and s.segment_id() not in self.settled]
        if at_least <= 0 or len(small) < at_least:
            return 0
        return self._merge(small)

    def _merge(self, segments: list[Any]) -> int:
        """Merge ``segments`` of this index into one; how many there were.

        The manifest records the new Whoosh generation, so the next run still
        adds new ids without looking them up.
        """
        from whoosh.reading import SegmentReader

        chosen = {s.segment_id() for s in segments}

        def merge_chosen(writer: Any, current: list[Any]) -> list[Any]:
            kept = []
            for segment in current:
                if segment.segment_id() in chosen:
                    reader = SegmentReader(writer.storage, writer.schema, segment)
                    writer.add_reader(reader)
                    reader.close()  # as Whoosh's own merge policies do
                else:
                    kept.append(segment)
            return kept

        self.folder.close()
        self.folder.writer().commit(mergetype=merge_chosen)
        self._record_generation()
        return len(segments)
