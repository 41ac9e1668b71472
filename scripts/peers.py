"""Peer search engines behind one small interface, for the evaluation and the benchmark.

searchidx claims to rank and answer better than the engines a developer would
reach for instead, so both ``eval_retrieval.py`` and ``bench.py`` run these
peers on the same documents and queries, each set up the stock way with its
own Italian analysis and nothing tuned to the test data: title and text go into
one field, as a developer does who has no field weights to choose (it is also
how the reference figures of issues 4 and 5 were measured):

* ``fts5``    SQLite FTS5, tokenizer ``unicode61 remove_diacritics 2`` (no stemming), bm25()
* ``whoosh``  stock Whoosh ``LanguageAnalyzer("it")`` (Snowball Italian, stopwords), BM25F
* ``bm25s``   bm25s + PyStemmer Italian + bm25s' Italian stopwords (ranking only, in memory)
* ``tantivy`` tantivy, lowercase -> Italian stopwords -> Snowball Italian -> ASCII folding

A document is ``{"id", "title", "text"}`` plus, for the benchmark, ``publisher``
and ``date`` (ISO day). A natural-language query is the OR of its words.
"""

from __future__ import annotations

import abc
import contextlib
import importlib.util
import re
import sqlite3
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

Doc = dict[str, str]
MISSING = "missing (pip install -e '.[bench]')"
_WORDS = re.compile(r"\w+")
_TANTIVY_ANALYZER = "it_snowball"


def query_words(text: str) -> list[str]:
    """The words of a natural-language query, lowercased (so no word reads as an operator)."""
    return [w.lower() for w in _WORDS.findall(text)]


def content(doc: Doc) -> str:
    """Title and text as the one searchable field."""
    title = doc.get("title") or ""
    return f"{title}\n{doc['text']}" if title else doc["text"]


def day_number(iso: str | None) -> int:
    """``2015-03-10`` -> ``20150310`` (0 when absent): a sortable integer date for range filters."""
    return int(iso.replace("-", "")) if iso else 0


@dataclass(frozen=True)
class Request:
    """One query in an engine-neutral form, so every engine answers the same question."""

    words: tuple[str, ...]
    mode: str = "any"  # "any" (OR, ranked), "all" (AND) or "phrase"
    publisher: str | None = None
    date_from: str | None = None  # ISO day, inclusive
    date_to: str | None = None
    facets: tuple[str, ...] = ()  # of "publisher", "year", "month"


@dataclass
class Hits:
    """What an engine returns: the top ids, their snippets, the total and facet counts."""

    ids: list[str]
    snippets: list[str] = field(default_factory=list)
    total: int = 0
    facets: dict[str, dict[str, int]] = field(default_factory=dict)


class Peer(abc.ABC):
    """An engine that builds an index of docs in ``folder`` and answers :class:`Request`s."""

    name = ""
    analysis = ""
    module: str | None = None  # the optional package the peer needs
    snippets = True  # whether run(snippets=True) highlights

    def __init__(self, folder: str | Path | None = None) -> None:
        self.folder = Path(folder or tempfile.mkdtemp(prefix=f"peer-{self.name}-"))
        self.folder.mkdir(parents=True, exist_ok=True)

    @classmethod
    def available(cls) -> bool:
        return cls.module is None or importlib.util.find_spec(cls.module) is not None

    @abc.abstractmethod
    def build(self, docs: list[Doc]) -> None:
        """Index ``docs`` from scratch into ``self.folder``."""

    @abc.abstractmethod
    def open(self) -> None:
        """Open an index that an earlier :meth:`build` (maybe in another process) wrote."""

    @abc.abstractmethod
    def run(self, request: Request, k: int = 10, snippets: bool = False) -> Hits:
        """The top ``k`` documents for ``request`` (with the total and any facet counts)."""

    def search(self, query: str, k: int = 10) -> list[str]:
        """Ids of the top ``k`` documents for a natural-language query (OR of its words)."""
        words = tuple(query_words(query))
        return self.run(Request(words), k).ids if words else []

    def size_bytes(self) -> int:
        return sum(p.stat().st_size for p in self.folder.rglob("*") if p.is_file())

    def close(self) -> None:  # noqa: B027 - optional: peers holding no handle keep it
        """Release open handles (the folder stays)."""


class FTS5Peer(Peer):
    name = "fts5"
    analysis = "SQLite FTS5, unicode61 remove_diacritics 2, no stemming, bm25()"

    def __init__(self, folder: str | Path | None = None) -> None:
        super().__init__(folder)
        self.db: sqlite3.Connection | None = None

    @classmethod
    def available(cls) -> bool:
        try:
            sqlite3.connect(":memory:").execute("CREATE VIRTUAL TABLE t USING fts5(x)")
        except sqlite3.OperationalError:
            return False
        return True

    def build(self, docs: list[Doc]) -> None:
        path = self.folder / "fts5.sqlite3"
        path.unlink(missing_ok=True)
        self.db = sqlite3.connect(path)
        self.db.execute(
            "CREATE VIRTUAL TABLE docs USING fts5(id UNINDEXED, content, publisher UNINDEXED,"
            " day UNINDEXED, tokenize='unicode61 remove_diacritics 2')")
        with self.db:
            self.db.executemany("INSERT INTO docs VALUES (?,?,?,?)", (
                (d["id"], content(d), d.get("publisher", ""), day_number(d.get("date")))
                for d in docs))
            self.db.execute("INSERT INTO docs(docs) VALUES ('optimize')")

    def open(self) -> None:
        self.db = sqlite3.connect(self.folder / "fts5.sqlite3")

    def _where(self, request: Request) -> tuple[str, list[Any]]:
        quoted = [f'"{w}"' for w in request.words]
        if request.mode == "phrase":
            match = '"' + " ".join(request.words) + '"'
        else:
            match = (" OR " if request.mode == "any" else " AND ").join(quoted)
        sql, args = "docs MATCH ?", [match]
        if request.publisher is not None:
            sql += " AND publisher = ?"
            args.append(request.publisher)
        if request.date_from is not None:
            sql += " AND day >= ?"
            args.append(day_number(request.date_from))
        if request.date_to is not None:
            sql += " AND day <= ?"
            args.append(day_number(request.date_to))
        return sql, args

    def run(self, request: Request, k: int = 10, snippets: bool = False) -> Hits:
        assert self.db is not None, "build() or open() first"
        where, args = self._where(request)
        shown = "snippet(docs, 1, '<em>', '</em>', '…', 24)" if snippets else "''"
        rows = self.db.execute(f"SELECT id, {shown} FROM docs WHERE {where} "
                               f"ORDER BY bm25(docs) LIMIT ?", (*args, k)).fetchall()
        total = self.db.execute(f"SELECT count(*) FROM docs WHERE {where}", args).fetchone()[0]
        facets = {}
        columns = {"publisher": "publisher", "year": "day / 10000", "month": "day / 100"}
        for facet in request.facets:
            facets[facet] = {str(v): n for v, n in self.db.execute(
                f"SELECT {columns[facet]} AS v, count(*) FROM docs WHERE {where} GROUP BY v",
                args)}
        return Hits([r[0] for r in rows], [r[1] for r in rows] if snippets else [], total, facets)

    def close(self) -> None:
        if self.db is not None:
            self.db.close()
            self.db = None


class WhooshPeer(Peer):
    name = "whoosh"
    analysis = 'stock Whoosh, LanguageAnalyzer("it"), BM25F'
    module = "whoosh"

    def __init__(self, folder: str | Path | None = None) -> None:
        super().__init__(folder)
        self.ix: Any = None
        self.searcher: Any = None

    def build(self, docs: list[Doc]) -> None:
        from whoosh import index
        from whoosh.analysis import LanguageAnalyzer
        from whoosh.fields import ID, NUMERIC, TEXT, Schema

        analyzer = LanguageAnalyzer("it")
        schema = Schema(id=ID(stored=True, unique=True),
                        content=TEXT(analyzer=analyzer, stored=True),
                        publisher=ID(stored=True, sortable=True),
                        day=NUMERIC(int, bits=32, sortable=True),
                        year=NUMERIC(int, bits=32, sortable=True),
                        month=NUMERIC(int, bits=32, sortable=True))
        self.ix = index.create_in(str(self.folder), schema)
        writer = self.ix.writer(limitmb=256)
        for d in docs:
            day = day_number(d.get("date"))
            writer.add_document(id=d["id"], content=content(d), publisher=d.get("publisher", ""),
                                day=day, year=day // 10000, month=day // 100)
        writer.commit()
        self.searcher = self.ix.searcher()

    def open(self) -> None:
        from whoosh import index

        self.ix = index.open_dir(str(self.folder))
        self.searcher = self.ix.searcher()

    def run(self, request: Request, k: int = 10, snippets: bool = False) -> Hits:
        from whoosh import qparser, query, sorting

        group = qparser.OrGroup if request.mode == "any" else qparser.AndGroup
        parser = qparser.QueryParser("content", self.ix.schema, group=group)
        text = " ".join(request.words)
        q = parser.parse(f'"{text}"' if request.mode == "phrase" else text)
        parts = [q]
        if request.publisher is not None:
            parts.append(query.Term("publisher", request.publisher))
        if request.date_from is not None or request.date_to is not None:
            parts.append(query.NumericRange("day", day_number(request.date_from) or None,
                                            day_number(request.date_to) or None))
        final = query.And(parts) if len(parts) > 1 else q
        groupedby = {f: sorting.FieldFacet(f) for f in request.facets} or None
        results = self.searcher.search(final, limit=k, terms=snippets, groupedby=groupedby,
                                       maptype=sorting.Count)
        ids, shown = [], []
        for hit in results:
            ids.append(hit["id"])
            if snippets:
                shown.append(hit.highlights("content"))
        facets = {f: {str(v): n for v, n in results.groups(f).items()} for f in request.facets}
        return Hits(ids, shown, len(results), facets)

    def close(self) -> None:
        if self.searcher is not None:
            self.searcher.close()
            self.searcher = None


class BM25sPeer(Peer):
    name = "bm25s"
    analysis = "bm25s, PyStemmer Italian, bm25s Italian stopwords"
    module = "bm25s"
    snippets = False

    def __init__(self, folder: str | Path | None = None) -> None:
        super().__init__(folder)
        self.ids: list[str] = []
        self.tokenizer: Any = None
        self.retriever: Any = None

    @classmethod
    def available(cls) -> bool:
        return super().available() and importlib.util.find_spec("Stemmer") is not None

    def build(self, docs: list[Doc]) -> None:
        import bm25s
        import Stemmer
        from bm25s.tokenization import Tokenizer

        self.ids = [d["id"] for d in docs]
        self.tokenizer = Tokenizer(stemmer=Stemmer.Stemmer("italian"), stopwords="it")
        tokens = self.tokenizer.tokenize([content(d) for d in docs], return_as="ids",
                                         show_progress=False)
        self.retriever = bm25s.BM25()
        self.retriever.index(tokens, show_progress=False)

    def open(self) -> None:
        raise NotImplementedError("bm25s keeps its index in memory: call build()")

    def run(self, request: Request, k: int = 10, snippets: bool = False) -> Hits:
        if request.mode != "any" or request.publisher or request.date_from or request.facets:
            raise NotImplementedError("bm25s only ranks: natural-language queries")
        tokens = self.tokenizer.tokenize([" ".join(request.words)], update_vocab=False,
                                         return_as="ids", show_progress=False)
        docs, scores = self.retriever.retrieve(tokens, k=min(k, len(self.ids)),
                                               show_progress=False, n_threads=1)
        ids = [self.ids[d] for d, s in zip(docs[0], scores[0], strict=True) if s > 0]
        return Hits(ids, [], len(ids))


class TantivyPeer(Peer):
    name = "tantivy"
    analysis = "tantivy, lowercase + Italian stopwords + Snowball Italian + ASCII folding"
    module = "tantivy"

    def __init__(self, folder: str | Path | None = None) -> None:
        super().__init__(folder)
        self.ix: Any = None
        self.schema: Any = None

    def _index(self, create: bool) -> None:
        import tantivy

        builder = tantivy.SchemaBuilder()
        builder.add_text_field("id", stored=True, tokenizer_name="raw")
        builder.add_text_field("content", stored=True, tokenizer_name=_TANTIVY_ANALYZER)
        builder.add_text_field("publisher", stored=True, fast=True, tokenizer_name="raw")
        builder.add_integer_field("day", indexed=True, fast=True)
        builder.add_integer_field("year", fast=True)
        builder.add_integer_field("month", fast=True)
        self.schema = builder.build()
        if create:
            for old in self.folder.iterdir():
                old.unlink()
        self.ix = tantivy.Index(self.schema, path=str(self.folder), reuse=not create)
        analyzer = (tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
                    .filter(tantivy.Filter.remove_long(40))
                    .filter(tantivy.Filter.lowercase())
                    .filter(tantivy.Filter.stopword("italian"))
                    .filter(tantivy.Filter.stemmer("italian"))
                    .filter(tantivy.Filter.ascii_fold())
                    .build())
        self.ix.register_tokenizer(_TANTIVY_ANALYZER, analyzer)

    def build(self, docs: list[Doc]) -> None:
        import tantivy

        self._index(create=True)
        writer = self.ix.writer(heap_size=256_000_000)
        for d in docs:
            day = day_number(d.get("date"))
            writer.add_document(tantivy.Document(
                id=d["id"], content=content(d), publisher=d.get("publisher", ""),
                day=day, year=day // 10000, month=day // 100))
        writer.commit()
        writer.wait_merging_threads()
        self.ix.reload()

    def open(self) -> None:
        self._index(create=False)

    def run(self, request: Request, k: int = 10, snippets: bool = False) -> Hits:
        import tantivy

        if request.mode == "phrase":
            text = '"' + " ".join(request.words) + '"'
        else:
            text = " ".join(f'"{w}"' for w in request.words)
        q = self.ix.parse_query(text, ["content"],
                                conjunction_by_default=request.mode == "all")
        clauses = [(tantivy.Occur.Must, q)]
        if request.publisher is not None:
            clauses.append((tantivy.Occur.Must, tantivy.Query.term_query(
                self.schema, "publisher", request.publisher)))
        if request.date_from is not None or request.date_to is not None:
            clauses.append((tantivy.Occur.Must, tantivy.Query.range_query(
                self.schema, "day", tantivy.FieldType.Integer,
                day_number(request.date_from), day_number(request.date_to) or 99991231)))
        if len(clauses) > 1:
            q = tantivy.Query.boolean_query(clauses)
        searcher = self.ix.searcher()
        result = searcher.search(q, k)
        docs = [searcher.doc(address) for _, address in result.hits]
        shown = []
        if snippets:
            generator = tantivy.SnippetGenerator.create(searcher, q, self.schema, "content")
            shown = [generator.snippet_from_doc(doc).to_html() for doc in docs]
        facets = {}
        if request.facets:
            spec = {f: {"terms": {"field": f, "size": 10}} for f in request.facets}
            for name, agg in searcher.aggregate(q, spec).items():
                facets[name] = {str(b["key"]): b["doc_count"] for b in agg["buckets"]}
        return Hits([doc["id"][0] for doc in docs], shown, result.count or 0, facets)


PEERS: dict[str, type[Peer]] = {p.name: p for p in (FTS5Peer, WhooshPeer, BM25sPeer, TantivyPeer)}


@contextlib.contextmanager
def work_folder(given: Path | None, prefix: str) -> Iterator[Path]:
    """The folder a script keeps its indexes in: ``given`` (created, kept), else a
    temporary one removed at the end."""
    if given is not None:
        given.mkdir(parents=True, exist_ok=True)
        yield given.resolve()
        return
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        yield Path(tmp)


def make_peers(names: list[str], root: Path) -> tuple[list[Peer], dict[str, str]]:
    """The peers that can run (each with its own folder under ``root``) and why others cannot."""
    ready, skipped = [], {}
    for name in names:
        cls = PEERS[name]
        if cls.available():
            ready.append(cls(root / name))
        else:
            skipped[name] = MISSING
    return ready, skipped
