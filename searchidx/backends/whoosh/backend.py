"""The Whoosh backend: an index folder of Whoosh segments and ``manifest.sqlite3``
(:mod:`.folder`), searched in this process (:mod:`.searching`), written by
:mod:`.writing`."""

from __future__ import annotations

import itertools
import os
import struct
import sys
import zlib
from collections.abc import Sequence

from ...errors import IndexCorruptError
from ..base import TranslatedErrors
from .folder import DIGEST, SUMMARY, WhooshFolder

TYPE_CHECKING = False  # typing.TYPE_CHECKING to type checkers; typing is not imported
if TYPE_CHECKING:  # compile and searching import Whoosh's query package: only to search
    import contextlib
    from collections.abc import Iterable, Iterator
    from typing import Any, overload

    from ...analysis import ItalianAnalyzer
    from ...config import Config
    from ...manifest import SqliteManifest
    from ...query import DateWindow, Node
    from ..base import Found, SearchPlan, Similar, Table
    from .compile import Compiler
    from .quick import QuickReader
    from .searching import Walk
    from .writing import WhooshRun


# key terms of an article that find the ones like it: Whoosh's more_like uses 5; more
# reach the articles on the same events that word their story differently
SIMILAR_KEY_TERMS = 12


class WhooshHit:
    """A Whoosh hit; its stored fields are read on first use, its body unpacked once."""

    __slots__ = ("_body", "_hit", "key", "score")

    def __init__(self, hit: Any) -> None:
        self._hit = hit
        self._body: str | None = None
        self.key: int = hit.docnum
        self.score: float | None = hit.score

    def doc_id(self) -> str:
        from .searching import searcher_cache

        ids = searcher_cache(self._hit.searcher).ids  # read whole when a search listed ids
        return ids[self.key] if ids is not None else str(self._hit.fields()["id"])

    def title(self) -> str:
        return self._hit.fields().get("title") or ""

    def body(self) -> str:
        if self._body is None:
            from .stored import unpack_body

            self._body = unpack_body(self._hit.fields())
        return self._body

    def article(self) -> dict[str, Any]:
        from .stored import stored_article

        return stored_article(self._hit.fields(), self.body())


class WhooshHits(Sequence[WhooshHit]):
    """A walk's hits as :class:`WhooshHit`, each made when read (see
    :class:`.searching.LazyHits`); a slice is a list."""

    def __init__(self, hits: Sequence[Any]) -> None:
        self._hits = hits

    def __len__(self) -> int:
        return len(self._hits)

    if TYPE_CHECKING:
        @overload
        def __getitem__(self, at: int) -> WhooshHit: ...

        @overload
        def __getitem__(self, at: slice) -> list[WhooshHit]: ...

    def __getitem__(self, at: int | slice) -> WhooshHit | list[WhooshHit]:
        if isinstance(at, slice):
            return [WhooshHit(hit) for hit in self._hits[at]]
        return WhooshHit(self._hits[at])


class WhooshBackend:
    """The index folder at ``path``, opened on first use and reopened when it changed."""

    def __init__(self, config: Config, path: str | os.PathLike[str]) -> None:
        self.config = config
        self.path = os.fspath(path)  # a string: a cold query imports no pathlib
        self.folder = WhooshFolder(config, self.path)
        self._searcher: Any = None
        self._compiler: Compiler | None = None
        self._quick: tuple[str, QuickReader] | None = None  # generation key, reader

    # -- opening and writing ------------------------------------------------------
    def exists(self) -> bool:
        return self.folder.exists()

    def manifest(self) -> SqliteManifest:
        return self.folder.manifest()

    def run(self, *, wait: float, rebuild: bool) -> contextlib.AbstractContextManager[WhooshRun]:
        from .writing import open_run

        self.close()  # the run changes the folder: readers reopen after it
        return open_run(self.folder, wait=wait, rebuild=rebuild)

    def searcher(self) -> Any:
        """A cached Whoosh searcher, refreshed if the index changed on disk."""
        with self.reading():
            if self._searcher is not None and not self._searcher.up_to_date():
                # a fresh searcher, not refresh(): Whoosh's refresh fails on an empty index
                self._searcher.close()
                self._searcher = None
            if self._searcher is None:
                key = self.folder.generation_key()
                ix = self.folder.whoosh()  # first: it changes Whoosh before its queries load
                from .scoring import TabledBM25F
                from .segments import keep_digest

                section = self.config["index"]
                weighting = TabledBM25F(B=float(section["bm25_b"]), K1=float(section["bm25_k1"]))
                self._searcher = ix.searcher(weighting=weighting)
                self._compiler = None
                # an index written before digests were kept: its next cold query reads it
                keep_digest(self.path, self._searcher.reader(), key)
            return self._searcher

    def quick_reader(self) -> QuickReader | None:
        """The segment files' own reader (:mod:`.quick`) while no Whoosh searcher is open
        (once one is, it is the quicker) and the folder's digest names the newest
        generation; None otherwise."""
        if self._searcher is not None or not self.folder.exists():
            return None
        key = self.folder.generation_key()
        if self._quick is not None and self._quick[0] != key:
            self._quick[1].close()
            self._quick = None
        if self._quick is None and key is not None:
            from .quick import QuickReader

            # a digest names the folder's format: no manifest to open to check it
            reader = QuickReader.open(self.config, self.path, key)
            if reader is not None:
                self._quick = (key, reader)
        return self._quick[1] if self._quick is not None else None

    def reading(self) -> TranslatedErrors:
        """Turn the low-level errors of a damaged index into one clear error."""
        return TranslatedErrors(self._damage)

    def _damage(self, exc: Exception) -> Exception | None:
        # an unpickling error means the unpickler was loaded: a cold `stats` never imports it
        unpickler = sys.modules.get("_pickle") or sys.modules.get("pickle")
        unpickling = getattr(unpickler, "UnpicklingError", ())
        if not isinstance(exc, (EOFError, OSError, struct.error, zlib.error, unpickling)):
            return None
        return IndexCorruptError(f"index at {self.path} is damaged ({type(exc).__name__}: "
                                 f"{exc}); rebuild it with 'searchidx index --rebuild'")

    def close(self) -> None:
        if self._searcher is not None:
            self._searcher.close()
            self._searcher = None
        if self._quick is not None:
            self._quick[1].close()
            self._quick = None
        self.folder.close()

    # -- searching ---------------------------------------------------------------
    def analyzer(self) -> ItalianAnalyzer:
        analyzer: ItalianAnalyzer = self.searcher().schema["body"].analyzer
        return analyzer

    def compile(self, node: Node) -> Any | None:
        searcher = self.searcher()  # first: it changes Whoosh before its queries load
        from .compile import Compiler

        if self._compiler is None:
            self._compiler = Compiler(searcher.schema, self.config)
        return self._compiler.compile(node)

    def search(self, plan: SearchPlan) -> Found:
        from ..base import Found
        from .searching import facet_counts, id_column

        searcher = self.searcher()
        found = self._walk(plan, plan.limit)
        facets = (facet_counts(searcher, found.docnums, list(plan.facets), plan.facet_limit,
                               plan.facet_groups) if plan.facets else {})
        ids = None
        if plan.ids:
            column = id_column(searcher)
            ids = [column[docnum] for docnum in found.docnums]
        return Found(WhooshHits(found.hits), len(found.docnums),
                     found.dropped_undated, facets, ids)

    def table(self, plan: SearchPlan, columns: tuple[str, ...]) -> Table:
        from .searching import table

        return table(self.searcher(), self._walk(plan, 0).docnums, columns)

    def _walk(self, plan: SearchPlan, limit: int | None) -> Walk:
        """One walk of ``plan``'s matches, ``limit`` of them ranked."""
        from .searching import Scope, filter_docs, walk

        searcher = self.searcher()
        if plan.query is None:  # no words: the filters are the query
            return walk(searcher, plan.filters, Scope(None, plan.dates), limit, plan.sort)
        q = plan.query
        if plan.rank_words is not None:
            q = self.ranked_by_prefixes(q, plan.rank_words)
        allowed = filter_docs(searcher, plan.filters) if plan.filters is not None else None
        return walk(searcher, q, Scope(allowed, plan.dates), limit, plan.sort)

    def similar(self, doc_id: str, limit: int, filters: Any, dates: DateWindow | None,
                exclude: frozenset[str]) -> list[Similar]:
        """More like this: the article's key terms (Whoosh's Bo1 model over the index's
        own analysis: frequent in the article, rare in the index), each weighing its
        share of an OR query ranked by BM25F."""
        from whoosh import query

        from ..base import SearchPlan, Similar
        from .stored import unpack_body

        searcher = self.searcher()
        docnum = searcher.document_number(id=doc_id)
        if docnum is None:
            return []
        stored = searcher.stored_fields(docnum)
        text = f"{stored.get('title') or ''}\n{unpack_body(stored)}"
        key_terms = searcher.key_terms_from_text("body", text, numterms=SIMILAR_KEY_TERMS)
        if not key_terms:
            return []
        q = query.Or([query.Term("body", term, boost=weight) for term, weight in key_terms])
        found = self.search(SearchPlan(query=q, filters=filters, dates=dates,
                                       limit=limit + len(exclude) + 1))
        words = self.analyzer().words
        out = []
        for hit in found.hits:
            other = hit.doc_id()
            if other in exclude:
                continue
            held = set(words(f"{hit.title()}\n{hit.body()}"))
            shared = tuple(term for term, _ in key_terms if term in held)
            out.append(Similar(other, hit.score or 0.0, shared))
            if len(out) >= limit:
                break
        return out

    def ranked_by_prefixes(self, q: Any, text: str) -> Any:
        """``q``, ranked also by the words of ``text`` compared by their first letters
        (:class:`.scoring.RankedByPrefixes`), which never decide what matches."""
        from .scoring import RankedByPrefixes

        section = self.config["index"]
        boost, chars = float(section["prefix_boost"]), int(section["prefix_chars"])
        words = self.analyzer().words(text)
        if not boost or not words:
            return q
        return RankedByPrefixes(q, "body", words, chars, boost)

    def highlight_terms(self, compiled: Any, fields: tuple[str, ...]) -> frozenset[str]:
        reader = self.searcher().reader()
        terms: set[str] = set()
        for leaf in [compiled, *compiled.leaves()] if compiled is not None else []:
            if getattr(leaf, "fieldname", None) not in fields:
                continue
            if hasattr(leaf, "_btexts"):  # prefix, wildcard, fuzzy: the words they matched
                terms.update(t.decode("utf-8") if isinstance(t, bytes) else t
                             for t in leaf._btexts(reader))
            elif hasattr(leaf, "words"):
                terms.update(leaf.words)
            elif isinstance(getattr(leaf, "text", None), str):
                terms.add(leaf.text)
        return frozenset(terms)

    def doc_count(self) -> int:
        return int(self.searcher().doc_count())

    def doc_frequency(self, field: str, term: str) -> int:
        return int(self.searcher().doc_frequency(field, term))

    def held_terms(self, field: str, terms: Iterable[str]) -> dict[str, int]:
        reader = self.searcher().reader()
        # most candidates are not terms: a membership test is cheaper than a count
        present = [term for term in set(terms) if (field, term) in reader]
        frequencies = {term: reader.doc_frequency(field, term) for term in present}
        return {term: n for term, n in frequencies.items() if n}

    def holding(self, field: str, term: str, limit: int) -> list[dict[str, Any]]:
        from .stored import stored_article

        searcher = self.searcher()
        if not searcher.doc_frequency(field, term):
            return []
        docnums = itertools.islice(searcher.postings(field, term).all_ids(), limit)
        return [stored_article(searcher.stored_fields(docnum)) for docnum in docnums]

    # -- stored articles -----------------------------------------------------------
    def document(self, doc_id: str) -> dict[str, Any] | None:
        from .stored import stored_article

        stored = self.searcher().document(id=doc_id)
        return stored_article(stored) if stored else None

    def documents(self) -> Iterator[dict[str, Any]]:
        from .stored import stored_article

        for stored in self.searcher().all_stored_fields():
            yield stored_article(stored)

    def stats(self) -> dict[str, Any]:
        # counted once a generation, and kept in the folder: a cold `searchidx stats`
        # then opens no Whoosh index (and imports none of Whoosh)
        key = self.folder.generation_key()
        figures = self.folder.summary(key)
        if figures is None:
            figures = self._counted()
            if key is not None and key == self.folder.generation_key():  # no commit since
                self.folder.keep_summary(key, figures)
        with os.scandir(self.path) as entries:
            size = sum(entry.stat().st_size for entry in entries
                       if entry.is_file() and entry.name not in (SUMMARY, DIGEST))
        return {**figures, "size_bytes": size}

    def _counted(self) -> dict[str, Any]:
        """The figures of :meth:`stats` but the size, read from the index."""
        # the searcher's reader, or one of its own: counting needs no searcher, and
        # Whoosh's searching module brings its whole query package
        own = self._searcher is None
        reader = self.folder.whoosh().reader() if own else self.searcher().reader()
        try:
            missing = reader.schema["date_start"].max_value  # Whoosh's "no value"
            starts = [v for v in reader.column_reader("date_start") if v and v != missing] \
                if reader.doc_count() else []
            return {
                "documents": reader.doc_count(),
                "undated": reader.doc_frequency("dated", "0"),
                "date_from": _int_date(min(starts)) if starts else None,
                "date_to": _int_date(max(starts)) if starts else None,
                "fields": sorted(n for n in reader.schema.names() if not n.startswith("f_")),
            }
        finally:
            if own:
                reader.close()


def _int_date(value: int) -> str:
    return f"{value // 10000:04d}-{value // 100 % 100:02d}-{value % 100:02d}"
