"""The index stage: the incremental writer and the :class:`Index` API.

An index folder holds the Whoosh segments and ``manifest.sqlite3``, which
remembers each source file's fingerprint and the ids of the articles it gave.
The manifest is always written *after* the Whoosh commit it describes: a crash
between the two leaves the manifest behind, and the next run simply re-reads
those files (updates replace by unique id, so nothing is duplicated).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .analysis import italian_analyzer, name_key
from .backends.whoosh.backend import MANIFEST, WhooshBackend
from .backends.whoosh.schema import SCHEMA_VERSION, build_schema
from .config import Config, load_config
from .errors import Interrupted, ReadError, SearchidxError
from .fields import FACETS, normalise_facet
from .locking import LOCK_NAME, WriteLock
from .manifest import SqliteManifest
from .models import RawArticle, printable_path
from .storage import compact_pickles

if TYPE_CHECKING:
    from .prepare import Builders, Failure

ENV_INDEX = "SEARCHIDX_INDEX"


def worker_count(config: Config) -> int:
    """``index.workers``, where 0 (or less) means one per CPU core."""
    workers = int(config["index"]["workers"])
    return workers if workers > 0 else (os.cpu_count() or 1)


def small_segment_size(config: Config) -> int:
    """The most articles of a segment that counts as small: half of what each worker
    writes in a full commit, so that the segments of a large run are never small."""
    return max(1, int(config["index"]["commit_every"]) // (2 * worker_count(config)))


def resolve_index_path(index: str | os.PathLike[str] | None, config: Config) -> Path:
    """``--index`` wins, then ``$SEARCHIDX_INDEX``, then ``index.path`` from the config."""
    chosen = index or os.environ.get(ENV_INDEX) or config["index"]["path"]
    return Path(chosen).expanduser()


@dataclass
class IndexReport:
    """Counts of one ``index`` run, and the errors met (the run went on)."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    failed: int = 0
    errors: list[ReadError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0
    merged_segments: int = 0  # segments merged into one (small ones, or all by ``optimize``)
    committed: int = 0  # articles of this run written and committed so far

    def summary(self) -> str:
        merged = (f", {self.merged_segments} segments merged into one"
                  if self.merged_segments else "")
        return (f"{self.added} added, {self.updated} updated, {self.unchanged} unchanged, "
                f"{self.removed} removed, {self.failed} failed{merged} in {self.seconds:.1f}s")

    def to_dict(self) -> dict[str, Any]:
        return {"added": self.added, "updated": self.updated, "unchanged": self.unchanged,
                "removed": self.removed, "failed": self.failed,
                "merged_segments": self.merged_segments, "committed": self.committed,
                "seconds": round(self.seconds, 3),
                "errors": [str(e) for e in self.errors], "warnings": self.warnings}


_FileDone = tuple[str, str, int, list[str]]  # path, sha1, size, ids that left the file


class _Batch:
    """Whoosh writes and manifest changes that are committed together.

    New and changed articles are written into segments by
    :class:`searchidx.prepare.Builders`; this writer deletes the versions they
    replace and commits those segments with the deletions. A new id needs no
    deletion: Whoosh's would look the id up in every segment, a cost that grows
    with the index. That is only safe while the manifest knows every document
    Whoosh holds, i.e. when it recorded the Whoosh generation it was last
    committed with; after a crash between the two commits, the run deletes
    every id it writes (and so replaces the orphans).
    """

    def __init__(self, index: Index, manifest: SqliteManifest) -> None:
        self.index = index
        self.manifest = manifest
        self.writer: Any = None
        self.files: dict[str, tuple[str, int] | None] = {}
        self.docs: dict[str, tuple[str, str] | None] = {}
        self.size = 0
        self.started = time.monotonic()  # of the batch: commits come by count or by time
        self.failed_files: set[str] = set()  # this run's, whose manifest entry is dropped
        generation = str(index._whoosh().latest_generation())
        self.in_step = manifest.meta("whoosh_generation") == generation

    def _writer(self) -> Any:
        if self.writer is None:
            self.writer = self.index._open_writer()
        return self.writer

    def put(self, doc_id: str, path: str, content_hash: str) -> None:
        """Record an article handed to the builders, deleting the version it replaces."""
        new = self.in_step and doc_id not in self.docs and self.manifest.owner(doc_id) is None
        if not new:
            self._writer().delete_by_term("id", doc_id)
        self.docs[doc_id] = (path, content_hash)
        self.size += 1

    def delete(self, doc_id: str) -> None:
        self._writer().delete_by_term("id", doc_id)
        self.docs[doc_id] = None
        self.size += 1

    def commit(self, segments: list[Any], failed: list[Failure]) -> int:
        """Commit the deletions and ``segments`` (the builders' work), then the manifest;
        how many articles were written.

        An article in ``failed`` is not in the index (a version it replaced is
        deleted all the same): the manifest forgets it, and forgets its file,
        which the next run reads again.
        """
        from whoosh.writing import MERGE_SMALL

        for doc_id, path, _, _ in failed:
            self.docs[doc_id] = None
            self.failed_files.add(path)
        for path in self.failed_files & self.files.keys():
            self.files[path] = None
        if segments or self.writer is not None:
            self._writer().commit(
                mergetype=lambda writer, current: MERGE_SMALL(writer, current) + segments)
            self.writer = None
        if self.files or self.docs:
            self.manifest.apply(self.files, self.docs)
        generation = str(self.index._whoosh().latest_generation())
        self.manifest.set_meta("whoosh_generation", generation)
        self.in_step = True
        written = sum(1 for entry in self.docs.values() if entry is not None)
        self.files, self.docs, self.size = {}, {}, 0
        self.started = time.monotonic()
        return written

    def cancel(self) -> None:
        if self.writer is not None:
            self.writer.cancel()
            self.writer = None


class Index:
    """A searchidx index folder: build it with :meth:`update`, query it with :meth:`search`.

    >>> ix = Index(".searchidx")            # doctest: +SKIP
    >>> ix.update(["seeds/"]).summary()     # doctest: +SKIP
    >>> ix.search("munizioni", speaker=["Kirby"]).total  # doctest: +SKIP
    """

    def __init__(self, path: str | os.PathLike[str] | None = None,
                 config: Config | None = None) -> None:
        self.config = config or load_config()
        self.path = resolve_index_path(path, self.config)
        self._backend: WhooshBackend | None = None
        self._stop = frozenset(name_key(s) for s in self.config["italian"]["stopwords"])

    # -- opening ----------------------------------------------------------
    def exists(self) -> bool:
        return self.backend().exists()

    def backend(self) -> WhooshBackend:
        """The engine holding this index."""
        if self._backend is None:
            self._backend = WhooshBackend(self.config, self.path)
        return self._backend

    def _whoosh(self) -> Any:
        return self.backend().whoosh()

    def _check_analysis(self) -> None:
        """Refuse to add articles analysed otherwise than the ones already indexed.

        The index keeps the analyzer it was built with (queries use it); new
        postings come from the configuration. A changed ``italian`` section would
        mix two analyses silently, so it asks for a rebuild instead.
        """
        stored = self._whoosh().schema["body"].analyzer
        if stored != italian_analyzer(self.config):
            raise SearchidxError(
                f"index at {self.path} was built with other 'italian' settings (stemmer, "
                f"stopwords or elisions) than the configuration; rebuild it with "
                f"'searchidx index --rebuild'")

    def _create(self) -> None:
        """A new, empty index. Its manifest is written aside and moved into place whole:
        the index exists (:meth:`exists`) only once it names its format, so a run
        stopped here leaves no index that later reads as another version's."""
        from whoosh import index as windex

        self.path.mkdir(parents=True, exist_ok=True)
        created = windex.create_in(str(self.path), build_schema(self.config))
        draft = self.path / f"{MANIFEST}.new"
        draft.unlink(missing_ok=True)
        manifest = SqliteManifest(draft)
        manifest.apply({}, {})
        manifest.set_meta("schema_version", str(SCHEMA_VERSION))
        manifest.set_meta("whoosh_generation", str(created.latest_generation()))
        manifest.close()
        os.replace(draft, self.path / MANIFEST)

    def _optimize(self) -> int:
        """Merge every segment into one (deleted documents dropped); the count merged.

        A single segment without deletions is left alone: merging would rewrite
        it unchanged.
        """
        segments = self._whoosh()._segments()
        if len(segments) <= 1 and not any(s.has_deletions() for s in segments):
            return 0
        return self._merge(segments)

    def _merge_small_segments(self, most_docs: int, at_least: int,
                              settled: frozenset[str] = frozenset()) -> int:
        """Merge the segments of at most ``most_docs`` articles into one, when there
        are ``at_least`` of them (0: never); the count merged.

        Each commit writes a segment per worker, and Whoosh merges its small ones
        only once there are about twenty, so runs leave a tail of them.
        Every query opens a matcher per segment per term: at 100,000 articles
        the tail of ten made queries 10-20% slower and the index 13% bigger.
        The ``settled`` segments, written by this run's commits that came by time,
        are as large as the machine could make them in ``index.commit_seconds``;
        on a slow machine they may hold fewer than ``most_docs``, but they are
        never a tail (merging them made a 40,000-article run 20% slower).
        """
        small = [s for s in self._whoosh()._segments()
                 if s.doc_count_all() <= most_docs and s.segment_id() not in settled]
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

        self.close()
        self._open_writer().commit(mergetype=merge_chosen)
        manifest = SqliteManifest(self.path / MANIFEST)
        try:
            manifest.set_meta("whoosh_generation", str(self._whoosh().latest_generation()))
        finally:
            manifest.close()
        return len(segments)

    def _open_writer(self) -> Any:
        from whoosh.index import LockError

        try:
            return self._whoosh().writer(limitmb=int(self.config["index"]["writer_memory_mb"]))
        except LockError:
            raise SearchidxError(
                f"index at {self.path} is being written by another process; "
                f"wait for it to finish and run again") from None

    def close(self) -> None:
        if self._backend is not None:
            self._backend.close()

    def __enter__(self) -> Index:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writing ----------------------------------------------------------
    def indexed_roots(self) -> list[str]:
        """The files and folders given to earlier ``update`` runs."""
        if not self.exists():
            return []
        manifest = SqliteManifest(self.path / MANIFEST)
        try:
            return manifest.roots()
        finally:
            manifest.close()

    def update(self, paths: Iterable[str | os.PathLike[str]], *, rebuild: bool = False,
               wait: float = 0.0, optimize: bool = False,
               progress: Callable[[int, int], None] | None = None) -> IndexReport:
        """Bring the index in line with ``paths``: add new, re-index changed (content
        hash), skip unchanged, remove articles whose files left an indexed folder.

        A run ends by merging its small segments into one when it leaves
        ``index.merge_small_segments`` of them; ``optimize`` instead merges the
        whole index into one segment (Elasticsearch's force-merge): the run takes
        longer, the index gets smaller and faster.
        Only one process writes at a time: another waits up to ``wait`` seconds
        for the lock, then fails with a message naming the holder.
        """
        started = time.perf_counter()
        report = IndexReport()
        paths = list(paths) or self.indexed_roots()
        if not paths:
            raise SearchidxError("nothing to index: give files or folders, "
                                 "e.g. 'searchidx index seeds/'")
        self.path.mkdir(parents=True, exist_ok=True)
        try:
            with WriteLock(self.path, wait) as lock, compact_pickles():
                if lock.stale_note:
                    report.warnings.append(lock.stale_note)
                if rebuild:
                    self.close()
                    self._remove_index_files()
                if not self.exists():
                    self._create()
                self._check_analysis()
                settled = self._update(paths, report, progress)
                section = self.config["index"]
                report.merged_segments = (
                    self._optimize() if optimize else
                    self._merge_small_segments(small_segment_size(self.config),
                                               int(section["merge_small_segments"]), settled))
        except KeyboardInterrupt as stop:  # Ctrl-C, or a signal the caller made an Interrupted
            signum = stop.signum if isinstance(stop, Interrupted) else signal.SIGINT
            raise Interrupted(signum, report.committed) from None
        report.failed = len(report.errors)
        report.seconds = time.perf_counter() - started
        return report

    def _update(self, paths: Iterable[str | os.PathLike[str]], report: IndexReport,
                progress: Callable[[int, int], None] | None) -> frozenset[str]:
        """The run's reading and writing; the ids of the segments written by commits that
        came by time (see :meth:`_merge_small_segments`)."""
        from .prepare import Builders
        from .read import discover

        roots = [Path(p).resolve() for p in paths]
        sources, errors = discover(roots, self.config)
        report.errors.extend(errors)
        manifest = SqliteManifest(self.path / MANIFEST)
        manifest.add_roots(printable_path(r) for r in roots if r.exists())
        batch = _Batch(self, manifest)
        section = self.config["index"]
        commit_every = max(1, int(section["commit_every"]))
        commit_seconds = float(section["commit_seconds"])
        builders = Builders(str(self.path), self.config, self._stop, worker_count(self.config))
        seen_files = {printable_path(s.path) for s in sources}
        settled: set[str] = set()
        try:
            for root in roots:
                if root.is_dir():
                    for gone in manifest.files_under(printable_path(root)):
                        if gone not in seen_files:
                            for doc_id in manifest.docs_of(gone):
                                batch.delete(doc_id)
                                report.removed += 1
                            batch.files[gone] = None
            for jobs, finished in self._units(sources, manifest, report, progress):
                while jobs:  # commits fall every commit_every changes, mid-unit too
                    if batch.size >= commit_every:
                        self._commit(batch, builders, report)
                    elif (batch.size and commit_seconds > 0
                          and time.monotonic() - batch.started >= commit_seconds):
                        settled.update(self._commit(batch, builders, report))
                    room = commit_every - batch.size
                    part, jobs = jobs[:room], jobs[room:]
                    builders.submit(part)
                    for raw in part:
                        batch.put(raw.id, raw.path, raw.content_hash)
                for key, sha1, size, stale in finished:
                    for doc_id in stale:
                        batch.delete(doc_id)
                    batch.files[key] = (sha1, size)
            self._commit(batch, builders, report)
        except BaseException:
            batch.cancel()
            raise
        finally:
            builders.close()
            manifest.close()
        return frozenset(settled)

    @staticmethod
    def _commit(batch: _Batch, builders: Builders, report: IndexReport) -> list[str]:
        """Commit what the builders wrote; the ids of the segments they wrote."""
        segments, failed = builders.finish()
        for doc_id, path, line, reason in failed:
            report.errors.append(ReadError(
                path, f"article '{doc_id}' could not be indexed ({reason}); skipped, and "
                      "the file is read again next run", line))
            if batch.manifest.owner(doc_id) is None:  # counted when it was read
                report.added -= 1
            else:
                report.updated -= 1
        report.committed += batch.commit(segments, failed)
        return [segment.segment_id() for segment in segments]

    def _units(self, sources: list[Any], manifest: SqliteManifest, report: IndexReport,
               progress: Callable[[int, int], None] | None, size: int = 256
               ) -> Iterator[tuple[list[RawArticle], list[_FileDone]]]:
        """Articles that need (re-)indexing, in units of ``size``, with the files each
        unit completes; unchanged files and records are counted and skipped here."""
        from .pipeline import extraction_cut
        from .read import read_source

        jobs: list[RawArticle] = []
        finished: list[_FileDone] = []
        claimed: dict[str, str] = {}  # id -> file, for this run
        for done, src in enumerate(sources, 1):
            if progress:
                progress(done, len(sources))
            key = printable_path(src.path)
            try:
                data = src.path.read_bytes()
            except OSError as exc:
                report.errors.append(ReadError(key, f"cannot read ({exc.strerror or exc})"))
                continue
            sha1 = hashlib.sha1(data).hexdigest()
            if manifest.file_sha1(key) == sha1:
                known = manifest.docs_of(key)
                report.unchanged += len(known)
                for doc_id in known:
                    claimed.setdefault(doc_id, key)
                continue
            old = manifest.docs_of(key)
            in_file: set[str] = set()
            for item in read_source(src, self.config, data):
                if isinstance(item, ReadError):
                    report.errors.append(item)
                    continue
                report.warnings.extend(f"{key}: {w}" for w in item.warnings)
                cut = extraction_cut(item, self.config)
                if cut:
                    report.warnings.append(f"{key}: {cut}")
                if item.id in in_file:
                    report.errors.append(ReadError(
                        key, f"duplicate id '{item.id}' in the same file; skipped: "
                             "the first record with an id keeps it", item.line))
                    continue
                in_file.add(item.id)
                owner = claimed.get(item.id) or manifest.owner(item.id)
                if owner is not None and owner != key:
                    report.errors.append(ReadError(
                        key, f"duplicate id '{item.id}' (already indexed from {owner}); "
                             "skipped: the first file to give an id keeps it", item.line))
                    continue
                claimed[item.id] = key
                previous = old.pop(item.id, None)
                if previous == item.content_hash:
                    report.unchanged += 1
                    continue
                if previous is None:
                    report.added += 1
                else:
                    report.updated += 1
                jobs.append(item)
                if len(jobs) >= size:
                    yield jobs, finished
                    jobs, finished = [], []
            report.removed += len(old)  # records that left a changed file
            finished.append((key, sha1, len(data), list(old)))
        if jobs or finished:
            yield jobs, finished

    def _remove_index_files(self) -> None:
        """Empty the index folder for ``--rebuild``, but only of what searchidx made."""
        for child in self.path.iterdir():
            if child.name == LOCK_NAME:
                continue
            if child.name.startswith(MANIFEST) or child.name.startswith(("MAIN_", "_MAIN_")):
                if child.is_dir():
                    shutil.rmtree(child)
                else:
                    child.unlink()

    # -- reading ----------------------------------------------------------
    def document(self, doc_id: str) -> dict[str, Any] | None:
        """Every stored field of one article, or None."""
        backend = self.backend()
        with backend.reading():
            return backend.document(doc_id)

    def stats(self) -> dict[str, Any]:
        """Documents, date range, size on disk, fields, last update."""
        backend = self.backend()
        with backend.reading():
            figures = backend.stats()
        manifest = SqliteManifest(self.path / MANIFEST)
        try:
            updated = manifest.meta("updated")
            files = manifest.file_count()
            roots = manifest.roots()
        finally:
            manifest.close()
        return {
            "index": str(self.path),
            "documents": figures["documents"],
            "files": files,
            "sources": roots,
            "date_from": figures["date_from"],
            "date_to": figures["date_to"],
            "undated": figures["undated"],
            "size_bytes": figures["size_bytes"],
            "fields": figures["fields"],
            "facets": sorted(FACETS),
            "last_update": updated,
        }

    def iter_documents(self) -> Iterator[dict[str, Any]]:
        """Every article, as :meth:`document` gives it."""
        backend = self.backend()
        with backend.reading():
            yield from backend.documents()

    # -- searching (see search.py) -------------------------------------------
    def search(self, query: str = "", **options: Any) -> Any:
        """Run a query; options are those of :class:`searchidx.search.SearchRequest`."""
        from .search import SearchRequest, run_search

        backend = self.backend()
        with backend.reading():
            return run_search(backend, self.config, SearchRequest(query=query, **options))

    def facet_counts(self, facet: str, query: str = "", **options: Any) -> list[tuple[str, int]]:
        """All values of one facet with their counts, over the articles matching ``query``."""
        from .search import SearchRequest, run_search

        request = SearchRequest(query=query, facets=[facet], facet_limit=None, limit=0, **options)
        backend = self.backend()
        with backend.reading():
            return run_search(backend, self.config, request).facets[normalise_facet(facet)]

    def quotes(self, query: str = "", **options: Any) -> Any:
        """Quotes (who said what), searchable by the words of the quote."""
        from .search import find_quotes

        backend = self.backend()
        with backend.reading():
            return find_quotes(backend, self.config, query, **options)


def __getattr__(name: str) -> Any:
    """The schema's field classes under the name indexes written before they moved pickled
    them with (``searchidx.index.ItalianText``), so that those indexes still open."""
    if name in ("ItalianText", "NameKeys"):
        from .backends.whoosh import schema

        return getattr(schema, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
