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
import time

from .backends import open_backend
from .config import Config, load_config
from .errors import ConfigError, Interrupted, ReadError, SearchidxError
from .fields import FACETS, normalise_facet
from .records import field, record

TYPE_CHECKING = False  # typing.TYPE_CHECKING to type checkers; typing is not imported
if TYPE_CHECKING:  # a query imports neither typing, pathlib nor the manifest (issue 26)
    from collections.abc import Callable, Iterable, Iterator
    from pathlib import Path
    from typing import Any

    from .backends.base import Backend, IndexRun
    from .manifest import Changes, Manifest
    from .models import RawArticle

ENV_INDEX = "SEARCHIDX_INDEX"
ENV_BACKEND = "SEARCHIDX_BACKEND"
ENV_URL = "SEARCHIDX_URL"
DEFAULT_CLUSTER_INDEX = "searchidx"  # the OpenSearch index when none is named
# what OpenSearch refuses in an index name
_BAD_INDEX_NAME = re.compile(r'[\\/*?"<>|\s,#:A-Z]|^[-_+.]')


def resolve_index_path(index: str | os.PathLike[str] | None, config: Config) -> str:
    """``--index`` wins, then ``$SEARCHIDX_INDEX``, then ``index.path`` from the config;
    written as :class:`pathlib.Path` writes it (``~`` expanded)."""
    chosen = index or os.environ.get(ENV_INDEX) or config["index"]["path"]
    return plain_path(os.path.expanduser(os.fspath(chosen)))


def plain_path(text: str) -> str:
    """``text`` as ``str(pathlib.PurePosixPath(text))`` writes it: no empty or ``.``
    parts, no slash at the end (what :func:`os.path.normpath` would change further,
    ``a/../b``, it keeps), without importing pathlib."""
    root = "//" if text.startswith("//") and not text.startswith("///") else \
        "/" if text.startswith("/") else ""
    return root + "/".join(part for part in text.split("/") if part and part != ".") or "."


@record(frozen=True)
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
        return Location(name, resolve_index_path(index, config))
    address = url or os.environ.get(ENV_URL) or section["url"]
    if not address:
        raise ConfigError(f"--backend opensearch needs the cluster's address: give --url "
                          f"http://HOST:9200, or set ${ENV_URL} or index.url")
    chosen = str(index or os.environ.get(ENV_INDEX) or DEFAULT_CLUSTER_INDEX)
    if _BAD_INDEX_NAME.search(chosen) or len(chosen.encode("utf-8")) > 200:
        raise ConfigError(f"--index '{chosen}': an OpenSearch index name is lowercase letters, "
                          "digits and - _ + . (not first), e.g. --index news")
    return Location(name, chosen, str(address))


@record
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
        self._backend: Backend | None = None
        self._groups: tuple[str, dict[str, str]] | None = None  # stories_version, groups

    @property
    def path(self) -> Path:
        """The index folder (for OpenSearch: the index name)."""
        from pathlib import Path

        return Path(self.location.index)

    # -- opening ----------------------------------------------------------
    def exists(self) -> bool:
        return self.backend().exists()

    def backend(self) -> Backend:
        """The engine holding this index."""
        if self._backend is None:
            self._backend = open_backend(self.config, self.location.index, self.location.backend,
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
            signum = stop.signum if isinstance(stop, Interrupted) else 2  # SIGINT
            raise Interrupted(signum, report.committed) from None
        report.failed = len(report.errors)
        report.seconds = time.perf_counter() - started
        return report

    def _update(self, run: IndexRun, paths: Iterable[str | os.PathLike[str]],
                report: IndexReport, progress: Callable[[int, int], None] | None) -> None:
        """Read the sources, and hand the run what changed, committing as it goes."""
        from pathlib import Path

        from .config import story_settings
        from .manifest import Changes
        from .models import printable_path
        from .read import discover
        from .stories import signature

        min_words = story_settings(self.config).min_words
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
                    changes.put(raw.id, raw.path, raw.content_hash,
                                signature(raw.body, min_words))
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
            "index": self.location.index,
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

    # -- stories (see stories.py) ---------------------------------------------
    def story(self, doc_id: str) -> dict[str, Any] | None:
        """Every version of ``doc_id``'s story (near-duplicates grouped at index time),
        oldest first (undated ones last, in the order they were indexed), each with
        the sentences added and removed since the version before; None for an id the
        index does not hold."""
        from .stories import changes_between

        backend = self.backend()
        with backend.reading():
            if backend.document(doc_id) is None:
                return None
            manifest = backend.manifest()
            try:
                story = manifest.story_of(doc_id)
                members = manifest.story_members(story)
            finally:
                manifest.close()
            docs = [d for d in (backend.document(m) for m in members) if d is not None]
        docs.sort(key=lambda d: (d.get("date") is None, (d.get("date") or {}).get("value", "")))
        versions = []
        previous: dict[str, Any] | None = None
        for doc in docs:
            added, removed = (changes_between(previous["body"], doc["body"])
                              if previous is not None else ([], []))
            versions.append({"id": doc["id"], "title": doc.get("title"),
                             "date": (doc.get("date") or {}).get("value"),
                             "publisher": doc.get("publisher"),
                             "title_changed": previous is not None
                             and previous.get("title") != doc.get("title"),
                             "added": added, "removed": removed})
            previous = doc
        return {"story": story, "id": doc_id, "versions": versions}

    def similar(self, doc_id: str, limit: int = 10, **filters: Any) -> list[dict[str, Any]] | None:
        """The articles most like ``doc_id`` that are not versions of its story (more
        like this over its key terms, Italian analysis), kept by ``filters`` (those of
        :meth:`search`: ``speaker``, ``publisher``, ``date_from`` …), each with why:
        the key terms and the people it shares. None for an id the index does not hold."""
        from .search import SearchRequest, compile_filters

        request = SearchRequest(**filters)
        backend = self.backend()
        with backend.reading():
            article = backend.document(doc_id)
            if article is None:
                return None
            manifest = backend.manifest()
            try:
                copies = frozenset(manifest.story_members(manifest.story_of(doc_id)))
            finally:
                manifest.close()
            compiled, dates = compile_filters(backend, request)
            found = backend.similar(doc_id, limit, compiled, dates, copies | {doc_id})
            words = _surface_words(backend, article)
            people = {p["name"] for p in article.get("people", [])}
            out = []
            for like in found:
                other = backend.document(like.doc_id) or {}
                shared_people = sorted(people & {p["name"] for p in other.get("people", [])})
                out.append({"id": like.doc_id, "score": round(like.score, 4),
                            "title": other.get("title"),
                            "date": (other.get("date") or {}).get("value"),
                            "publisher": other.get("publisher"),
                            "terms": [words.get(t, t) for t in like.terms],
                            "people": shared_people})
            return out

    # -- searching (see search.py) -------------------------------------------
    def search(self, query: str = "", **options: Any) -> Any:
        """Run a query; options are those of :class:`searchidx.search.SearchRequest`."""
        from .search import SearchRequest, run_search

        request = SearchRequest(query=query, **options)
        backend = self.backend()
        quick = backend.quick_reader() if not (request.collapse
                                                or request.facet_by == "story") else None
        if quick is not None:  # what it covers, it answers as the backend would
            from .backends.base import NotCovered

            try:
                with quick.reading():
                    return run_search(quick, self.config, request)
            except NotCovered:
                pass
        with backend.reading():
            stories = (self._story_groups() if request.collapse or request.facet_by == "story"
                       else None)
            return run_search(backend, self.config, request, stories)

    def _story_groups(self) -> dict[str, str]:
        """Article id -> story, for the articles that share theirs: kept between
        searches until the manifest's stories change (a running ``index`` commits)."""
        manifest = self.backend().manifest()
        try:
            version = manifest.stories_version()
            if self._groups is None or self._groups[0] != version:
                self._groups = (version, manifest.story_groups())
            return self._groups[1]
        finally:
            manifest.close()

    def facet_counts(self, facet: str, query: str = "", **options: Any) -> list[tuple[str, int]]:
        """All values of one facet with their counts, over the articles matching ``query``."""
        from .search import SearchRequest, run_search

        request = SearchRequest(query=query, facets=[facet], facet_limit=None, limit=0, **options)
        backend = self.backend()
        with backend.reading():
            stories = self._story_groups() if request.facet_by == "story" else None
            found = run_search(backend, self.config, request, stories)
            return found.facets[normalise_facet(facet)]

    def articles(self, query: str = "", **options: Any) -> Iterator[dict[str, Any]]:
        """Every article matching ``query`` and the filters of :meth:`search`, newest
        first, as :meth:`document` gives it (for sums over a whole result set)."""
        from .search import SearchRequest, matching_articles

        backend = self.backend()
        with backend.reading():
            yield from matching_articles(backend, SearchRequest(query=query, **options))

    def table(self, columns: tuple[str, ...], query: str = "", **options: Any) -> Any:
        """The dates and ``columns`` (facets, ``roles``, ``spellings``) of every article
        matching ``query`` and the filters of :meth:`search`, read from the index's
        columns (a :class:`searchidx.backends.Table`): fast sums over a whole set."""
        from .search import SearchRequest, result_table

        backend = self.backend()
        with backend.reading():
            return result_table(backend, SearchRequest(query=query, **options), columns)

    # -- people and time (see directory.py and timeline.py) -------------------------
    def people(self, query: str = "", *, role: str | None = None, sort: str = "mentions",
               **options: Any) -> list[Any]:
        """Every person named in the articles matching ``query`` and the filters of
        :meth:`search`, aliases merged (:class:`searchidx.directory.PersonSummary`):
        articles naming and quoting them, roles, spellings, first and last date."""
        from .directory import COLUMNS, checked_options, people_directory
        from .timeline import checked_period

        checked_options(role, sort)
        checked_period(options.get("date_from"), options.get("date_to"))
        table = self._filled(self.table(COLUMNS, query, **options))
        return people_directory(table, self.config, role=role, sort=sort)

    def person(self, name: str, query: str = "", *, listed: int | None = 10,
               **options: Any) -> Any:
        """The profile of one person (:class:`searchidx.directory.Profile`) over the
        articles matching ``query`` and the filters, ``listed`` quotes, articles and
        neighbours in it (None: all); an :class:`~searchidx.directory.UnknownPerson`
        when ``name`` is no one or several people."""
        from .directory import person_profile, resolve
        from .timeline import checked_period

        checked_period(options.get("date_from"), options.get("date_to"))
        self._filled(None)
        people = self.facet_counts("people", query, **options)
        stored = resolve(name, people, self.config)
        seen: dict[str, dict[str, Any]] = {}
        for each in stored:  # one search per spelling: filters on names are ANDed
            narrowed = {**options, "person": [*(options.get("person") or []), each]}
            for article in self.articles(query, **narrowed):
                seen.setdefault(article["id"], article)
        return person_profile(seen.values(), stored, self.config, listed=listed)

    def timeline(self, query: str = "", *, by: str = "month", facet: str | None = None,
                 top: int = 5, **options: Any) -> Any:
        """Counts by ``by`` (day, week, month, year) of the articles matching ``query``
        and the filters, or of each of the ``top`` values of ``facet`` in them
        (:class:`searchidx.timeline.Timeline`); every period of the span, empty ones
        zero; undated articles counted apart."""
        from .timeline import checked_period, checked_request, timeline

        facet = checked_request(by, facet, top)
        checked_period(options.get("date_from"), options.get("date_to"))
        table = self._filled(self.table((facet,) if facet else (), query, **options))
        if facet is None:
            return timeline(table.dates, by=by)
        merge = None
        if facet in ("people", "speakers"):
            from .directory import Names

            merge = Names(self.config).shown
        return timeline(table.dates, table.columns[facet], by=by, facet=facet, top=top,
                        merge=merge)

    def _filled(self, table: Any) -> Any:
        """``table``, unless it is empty (or None) because the index is: then a clear
        error."""
        if table is None or not table.dates:
            backend = self.backend()
            with backend.reading():
                if not backend.doc_count():
                    raise SearchidxError(f"the index at {self.path} has no articles; add "
                                         "some with 'searchidx index PATH'")
        return table
    def export(self, query: str = "", *, fields: Iterable[str] | None = None,
               **options: Any) -> Iterator[dict[str, Any]]:
        """Every hit of a query's result set, not a page, as a dict of ``fields`` (see
        :data:`searchidx.search.EXPORT_FIELDS`; default, a page's CSV columns), streamed
        in rank order: ``for row in ix.export("munizioni", fields=["id", "date"])``.
        Options are :class:`searchidx.search.SearchRequest`'s; paging ones do not apply;
        ``collapse=True`` gives each story's best-ranked hit only.
        Unknown fields and bad options are errors now, not at the first row."""
        from .search import STORY_FIELDS, SearchRequest, export_fields, export_hits

        chosen = export_fields(fields)
        request = SearchRequest(query=query, **options)
        backend = self.backend()
        with backend.reading():
            stories = (self._story_groups()
                       if request.collapse or set(STORY_FIELDS) & set(chosen) else None)
            rows = export_hits(backend, self.config, request, chosen, stories)
            first = next(rows, None)  # the request is checked and run before any row

        def stream() -> Iterator[dict[str, Any]]:
            if first is None:
                return
            with backend.reading():
                yield first
                yield from rows

        return stream()

    def suggest(self, query: str) -> Any:
        """Did-you-mean: ``query`` with the words the index does not hold replaced by the
        nearest it does (a :class:`searchidx.suggest.Suggestion`), or None."""
        from .suggest import suggest

        backend = self.backend()
        with backend.reading():
            return suggest(backend, query)

    def quotes(self, query: str = "", **options: Any) -> Any:
        """Quotes (who said what), searchable by the words of the quote."""
        from .search import find_quotes

        backend = self.backend()
        with backend.reading():
            return find_quotes(backend, self.config, query, **options)


def _surface_words(backend: Backend, article: dict[str, Any]) -> dict[str, str]:
    """Index term -> the word the article writes it as, first seen (for reasons)."""
    text = f"{article.get('title') or ''}\n{article['body']}"
    out: dict[str, str] = {}
    for term, start, end in backend.analyzer().spans(text):
        out.setdefault(term, text[start:end].lower())
    return out


def __getattr__(name: str) -> Any:
    """The schema's field classes under the name indexes written before they moved pickled
    them with (``searchidx.index.ItalianText``), so that those indexes still open."""
    if name in ("ItalianText", "NameKeys"):
        from .backends.whoosh import schema

        return getattr(schema, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
