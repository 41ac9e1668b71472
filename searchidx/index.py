"""The :class:`Index` API: an index in the engine the configuration picks (a
:mod:`searchidx.backends` backend; Whoosh by default), kept up to date by
:meth:`Index.update` and read through the backend.

An update is incremental: the manifest remembers each source file's content
hash and the ids and record hashes of the articles it gave, so a run reads the
sources, skips what is unchanged, and hands the backend's run only what changed
(new, changed and removed articles), committing every ``index.commit_every``
changes or ``index.commit_seconds``.
"""

from __future__ import annotations

import os
import re
import signal
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .backends import open_backend
from .config import Config, load_config
from .errors import ConfigError, Interrupted, ReadError, SearchidxError
from .fields import FACETS, normalise_facet
from .manifest import Changes, Manifest

if TYPE_CHECKING:
    from .backends.base import Backend, IndexRun
    from .models import RawArticle

ENV_INDEX = "SEARCHIDX_INDEX"
ENV_BACKEND = "SEARCHIDX_BACKEND"
ENV_URL = "SEARCHIDX_URL"
DEFAULT_CLUSTER_INDEX = "searchidx"  # the OpenSearch index when none is named
# what OpenSearch refuses in an index name
_BAD_INDEX_NAME = re.compile(r'[\\/*?"<>|\s,#:A-Z]|^[-_+.]')


def resolve_index_path(index: str | os.PathLike[str] | None, config: Config) -> Path:
    """``--index`` wins, then ``$SEARCHIDX_INDEX``, then ``index.path`` from the config."""
    chosen = index or os.environ.get(ENV_INDEX) or config["index"]["path"]
    return Path(chosen).expanduser()


@dataclass(frozen=True)
class Location:
    """Where an index lives: the engine, and a folder (Whoosh) or an index name and
    the cluster's address (OpenSearch)."""

    backend: str
    index: str
    url: str = ""


def resolve_location(index: str | os.PathLike[str] | None, config: Config, *,
                     backend: str | None = None, url: str | None = None) -> Location:
    """The engine from ``--backend``, ``$SEARCHIDX_BACKEND`` or ``index.backend``; for a
    cluster the address from ``--url``, ``$SEARCHIDX_URL`` or ``index.url`` and the index
    name from ``--index`` or ``$SEARCHIDX_INDEX`` (else ``searchidx``). Bad values are
    one clear error naming where they came from."""
    from .backends import BACKENDS

    section = config["index"]
    name, source = ((backend, "--backend") if backend else
                    (os.environ.get(ENV_BACKEND), f"${ENV_BACKEND}")
                    if os.environ.get(ENV_BACKEND) else (section["backend"], "index.backend"))
    name = str(name).strip().lower()
    if name not in BACKENDS:
        raise ConfigError(f"{source}: unknown backend '{name}'; use one of {', '.join(BACKENDS)}")
    if name == "whoosh":
        return Location(name, str(resolve_index_path(index, config)))
    address = url or os.environ.get(ENV_URL) or section["url"]
    if not address:
        raise ConfigError(f"--backend opensearch needs the cluster's address: give --url "
                          f"http://HOST:9200, or set ${ENV_URL} or index.url")
    chosen = str(index or os.environ.get(ENV_INDEX) or DEFAULT_CLUSTER_INDEX)
    if _BAD_INDEX_NAME.search(chosen) or len(chosen.encode("utf-8")) > 200:
        raise ConfigError(f"--index '{chosen}': an OpenSearch index name is lowercase letters, "
                          "digits and - _ + . (not first), e.g. --index news")
    return Location(name, chosen, str(address))


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
    # what reading passed over on purpose (searchidx.read.Skipped): other file types,
    # a web archive's images and revisits; not failures
    skipped: Any = field(default_factory=lambda: _new_skipped())

    def summary(self) -> str:
        merged = (f", {self.merged_segments} segments merged into one"
                  if self.merged_segments else "")
        return (f"{self.added} added, {self.updated} updated, {self.unchanged} unchanged, "
                f"{self.removed} removed, {self.failed} failed{merged} in {self.seconds:.1f}s")

    def to_dict(self) -> dict[str, Any]:
        return {"added": self.added, "updated": self.updated, "unchanged": self.unchanged,
                "removed": self.removed, "failed": self.failed,
                "merged_segments": self.merged_segments, "committed": self.committed,
                "seconds": round(self.seconds, 3), "skipped": self.skipped.to_dict(),
                "errors": [str(e) for e in self.errors], "warnings": self.warnings}


def _new_skipped() -> Any:
    from .read import Skipped

    return Skipped()


_FileDone = tuple[str, str, int, list[str]]  # path, sha1, size, ids that left the file


class Index:
    """A searchidx index: build it with :meth:`update`, query it with :meth:`search`.

    >>> ix = Index(".searchidx")            # doctest: +SKIP
    >>> ix.update(["seeds/"]).summary()     # doctest: +SKIP
    >>> ix.search("munizioni", speaker=["Kirby"]).total  # doctest: +SKIP

    On a cluster, ``path`` names the OpenSearch index::

    >>> Index("news", backend="opensearch", url="http://127.0.0.1:9200")  # doctest: +SKIP
    """

    def __init__(self, path: str | os.PathLike[str] | None = None,
                 config: Config | None = None, *, backend: str | None = None,
                 url: str | None = None) -> None:
        self.config = config or load_config()
        self.location = resolve_location(path, self.config, backend=backend, url=url)
        self.path = Path(self.location.index)
        self._backend: Backend | None = None

    # -- opening ----------------------------------------------------------
    def exists(self) -> bool:
        return self.backend().exists()

    def backend(self) -> Backend:
        """The engine holding this index."""
        if self._backend is None:
            self._backend = open_backend(self.config, self.path, self.location.backend,
                                         self.location.url)
        return self._backend

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
        manifest = self.backend().manifest()
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
        try:
            with self.backend().run(wait=wait, rebuild=rebuild) as run:
                report.warnings.extend(run.notes)
                self._update(run, paths, report, progress)
                report.merged_segments = run.finish(optimize)
        except KeyboardInterrupt as stop:  # Ctrl-C, or a signal the caller made an Interrupted
            signum = stop.signum if isinstance(stop, Interrupted) else signal.SIGINT
            raise Interrupted(signum, report.committed) from None
        report.failed = len(report.errors)
        report.seconds = time.perf_counter() - started
        return report

    def _update(self, run: IndexRun, paths: Iterable[str | os.PathLike[str]],
                report: IndexReport, progress: Callable[[int, int], None] | None) -> None:
        """Read the sources, and hand the run what changed, committing as it goes."""
        from .models import printable_path
        from .read import discover

        roots = [Path(p).resolve() for p in paths]
        sources, errors = discover(roots, self.config)
        report.errors.extend(errors)
        manifest = run.manifest
        manifest.add_roots(printable_path(r) for r in roots if r.exists())
        changes = Changes()
        section = self.config["index"]
        commit_every = max(1, int(section["commit_every"]))
        commit_seconds = float(section["commit_seconds"])
        seen_files = {printable_path(s.path) for s in sources}
        for root in roots:
            if root.is_dir():
                for gone in manifest.files_under(printable_path(root)):
                    if gone not in seen_files:
                        for doc_id in manifest.docs_of(gone):
                            run.delete(doc_id)
                            changes.delete(doc_id)
                            report.removed += 1
                        changes.files[gone] = None
        for jobs, finished in self._units(sources, manifest, report, progress):
            while jobs:  # commits fall every commit_every changes, mid-unit too
                if changes.size >= commit_every:
                    self._commit(run, changes, report, by_time=False)
                elif (changes.size and commit_seconds > 0
                      and time.monotonic() - changes.started >= commit_seconds):
                    self._commit(run, changes, report, by_time=True)
                room = commit_every - changes.size
                part, jobs = jobs[:room], jobs[room:]
                run.put(part, frozenset(raw.id for raw in part if raw.id not in changes.docs
                                        and manifest.owner(raw.id) is None))
                for raw in part:
                    changes.put(raw.id, raw.path, raw.content_hash)
            for key, sha1, size, stale in finished:
                for doc_id in stale:
                    run.delete(doc_id)
                    changes.delete(doc_id)
                changes.files[key] = (sha1, size)
        self._commit(run, changes, report, by_time=False)

    @staticmethod
    def _commit(run: IndexRun, changes: Changes, report: IndexReport, *, by_time: bool) -> None:
        """Commit what the run wrote, with the manifest changes that describe it."""
        failed = run.gather()
        for doc_id, path, line, reason in failed:
            report.errors.append(ReadError(
                path, f"article '{doc_id}' could not be indexed ({reason}); skipped, and "
                      "the file is read again next run", line))
            if run.manifest.owner(doc_id) is None:  # counted when it was read
                report.added -= 1
            else:
                report.updated -= 1
        changes.drop((doc_id, path) for doc_id, path, _, _ in failed)
        run.commit(changes, by_time=by_time)
        report.committed += changes.written()
        changes.clear()

    def _units(self, sources: list[Any], manifest: Manifest, report: IndexReport,
               progress: Callable[[int, int], None] | None, size: int = 256
               ) -> Iterator[tuple[list[RawArticle], list[_FileDone]]]:
        """Articles that need (re-)indexing, in units of ``size``, with the files each
        unit completes; unchanged files and records are counted and skipped here.

        A bundle's members are tracked one by one (``bundle!member``): when the
        bundle changed, the members whose fingerprint did not are not read again,
        and the bundle's entry comes with its members', after the last of them.
        """
        from .models import printable_path
        from .pipeline import extraction_cut
        from .read import fingerprint, read_parts

        report.skipped = getattr(sources, "skipped", report.skipped)
        jobs: list[RawArticle] = []
        finished: list[_FileDone] = []
        claimed: dict[str, str] = {}  # id -> file (or member), for this run

        def unchanged(known: Iterable[str], owner: str) -> None:
            for doc_id in known:
                report.unchanged += 1
                claimed.setdefault(doc_id, owner)

        def fresh(owner: str, items: Iterable[RawArticle | ReadError],
                  old: dict[str, str]) -> Iterator[RawArticle]:
            """The articles of ``items`` to index; ``old`` loses each id read again."""
            in_file: set[str] = set()
            for item in items:
                if isinstance(item, ReadError):
                    report.errors.append(item)
                    continue
                report.warnings.extend(f"{owner}: {w}" for w in item.warnings)
                cut = extraction_cut(item, self.config)
                if cut:
                    report.warnings.append(f"{owner}: {cut}")
                if item.id in in_file:
                    report.errors.append(ReadError(
                        owner, f"duplicate id '{item.id}' in the same file; skipped: "
                               "the first record with an id keeps it", item.line))
                    continue
                in_file.add(item.id)
                holder = claimed.get(item.id) or manifest.owner(item.id)
                if holder is not None and holder != owner:
                    report.errors.append(ReadError(
                        owner, f"duplicate id '{item.id}' (already indexed from {holder}); "
                               "skipped: the first file to give an id keeps it", item.line))
                    continue
                claimed[item.id] = owner
                previous = old.pop(item.id, None)
                if previous == item.content_hash:
                    report.unchanged += 1
                    continue
                if previous is None:
                    report.added += 1
                else:
                    report.updated += 1
                yield item

        for done, src in enumerate(sources, 1):
            if progress:
                progress(done, len(sources))
            key = printable_path(src.path)
            try:
                sha1, file_size, data = fingerprint(src, self.config)
            except OSError as exc:
                report.errors.append(ReadError(key, f"cannot read ({exc.strerror or exc})"))
                continue
            if manifest.file_sha1(key) == sha1:
                unchanged(manifest.docs_of(key), key)
                continue
            known_members = manifest.members_of(key)
            members: list[_FileDone] = []
            stale: list[str] = []
            for part in read_parts(src, self.config, data, report.skipped):
                if isinstance(part, ReadError):
                    report.errors.append(part)
                    continue
                old = manifest.docs_of(part.path)
                if part.fingerprint is not None and \
                        manifest.member_sha1(part.path) == part.fingerprint:
                    unchanged(old, part.path)
                    members.append((part.path, part.fingerprint, part.size, []))
                    continue
                for item in fresh(part.path, part.read(), old):
                    jobs.append(item)
                    if len(jobs) >= size:
                        yield jobs, finished
                        jobs, finished = [], []
                report.removed += len(old)  # records that left a changed file or member
                if part.fingerprint is None:
                    stale.extend(old)
                else:
                    members.append((part.path, part.fingerprint, part.size, list(old)))
            if members or known_members:
                kept = {path for path, _, _, _ in members}
                for gone in known_members:
                    if gone not in kept:  # a member that left the bundle
                        left = manifest.docs_of(gone)
                        report.removed += len(left)
                        stale.extend(left)
                manifest.expect_members(key, kept)
            finished.extend(members)
            finished.append((key, sha1, file_size, stale))
        if jobs or finished:
            yield jobs, finished

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
        manifest = backend.manifest()
        try:
            updated = manifest.meta("updated")
            files = manifest.file_count()
            roots = manifest.roots()
        finally:
            manifest.close()
        return {
            "index": str(self.path),
            "backend": self.location.backend,
            **({"url": self.location.url} if self.location.url else {}),
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
