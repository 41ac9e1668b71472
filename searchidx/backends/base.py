"""The interface every backend implements, and what searches hand to it and get back.

A backend stores the extracted articles and answers queries that the query
language has parsed into an engine-neutral tree (:mod:`searchidx.query`):
:meth:`Backend.compile` turns a
tree into the engine's own query, :meth:`Backend.search` runs it with the
filters, date window, sort, page size and facets of a :class:`SearchPlan`.
What is neutral — question detection, the fallback to any word, passage
rescoring, snippets, notices — stays in :mod:`searchidx.search`, over this
interface.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence

from ..records import field, record

TYPE_CHECKING = False  # typing.TYPE_CHECKING to type checkers; typing is not imported
if TYPE_CHECKING:
    import contextlib
    from collections.abc import Callable
    from typing import Any, Protocol

    from ..analysis import ItalianAnalyzer
    from ..config import Config
    from ..manifest import Changes, Manifest
    from ..models import RawArticle
    from ..query import DateWindow, Node
else:  # the interfaces as plain classes at run time: no typing imported
    Protocol = object

SORTS = ("relevance", "date", "-date")
# an article whose extraction failed during a run: id, path, line, what went wrong
Failure = tuple[str, str, int | None, str]


@record(frozen=True)
class SearchPlan:
    """One search, as a backend runs it.

    ``query`` and ``filters`` are what :meth:`Backend.compile` made; ``query``
    None means every article the filters keep. Filters narrow and never rank
    (Elasticsearch's filter context). ``limit`` is how many ranked hits to return
    (0: none, the matches are only counted; None: all of them).
    """

    query: Any
    filters: Any = None
    dates: DateWindow | None = None
    sort: str = "relevance"  # one of SORTS: date is oldest first; undated articles last
    limit: int | None = 10
    # a question's text: its words also rank by their first ``index.prefix_chars`` letters
    # (``index.prefix_boost``), which never decide what matches
    rank_words: str | None = None
    facets: tuple[str, ...] = ()  # canonical facet names (searchidx.fields.FACETS)
    facet_limit: int | None = 10  # values per facet, most frequent first; None: all
    # list in Found.ids the ids of the matches whose story has other articles (to count
    # stories; a backend may list every match's)
    ids: bool = False
    # article id -> story (searchidx.stories; an id not in it is a story of its own):
    # facet values are then counted once per story, not once per article
    facet_groups: Mapping[str, str] | None = None


class NotCovered(Exception):
    """A backend's quick reader (:meth:`Backend.quick_reader`) does not answer this
    search: the backend itself does, with the same answer."""


class TranslatedErrors:
    """A context manager that raises, in place of an exception of its block, what
    ``translate`` makes of it (None: the exception goes on as it is): what a
    :func:`contextlib.contextmanager` around ``try: yield`` does, without importing
    contextlib on a cold query's path."""

    __slots__ = ("translate",)

    def __init__(self, translate: Callable[[Exception], Exception | None]) -> None:
        self.translate = translate

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: object) -> None:
        if isinstance(error, Exception):
            replacement = self.translate(error)
            if replacement is not None:
                raise replacement from None


class FoundHit(Protocol):
    """One ranked hit; its text and article are read from the index when asked."""

    key: int  # unique within one search: passage rescoring orders hits by it
    score: float | None  # the engine's relevance score (with sort=relevance)

    def doc_id(self) -> str:
        """The article's id."""

    def title(self) -> str:
        """The article's title ("" without one)."""

    def body(self) -> str:
        """The article's text."""

    def article(self) -> dict[str, Any]:
        """Every stored field: what ``show`` prints (see :meth:`Backend.document`)."""


@record
class Found:
    """What one search found: the ranked hits asked for and figures over every match."""

    hits: Sequence[FoundHit]  # made when read, in rank order: a search of every match
    # (limit None) need not hold an object per hit
    total: int  # every match, not only the hits returned
    dropped_undated: int = 0  # matches left out by a date window for having no date
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    ids: list[str] | None = None  # when the plan asked: at least the ids of the matches
    # whose story has other articles


@record(frozen=True)
class Similar:
    """An article like another one (:meth:`Backend.similar`), and why."""

    doc_id: str
    score: float
    terms: tuple[str, ...]  # the key terms of the first article that this one holds


@record
class Table:
    """Columns of every article of a result set, read without unpacking the articles:
    what sums over a whole result set (a people directory, a timeline) are made of.

    ``dates`` holds each article's date (``{value, precision}``) or None; ``columns``
    each column asked, by name: a facet's values per article (a tuple of names), or a
    person detail's (``searchidx.fields.PERSON_DETAILS``) as (person, detail) pairs.
    """

    dates: list[dict[str, str] | None]
    columns: dict[str, list[tuple[Any, ...]]]


class IndexRun(Protocol):
    """The writes of one ``index`` run (:meth:`Backend.run`).

    The indexer reads the sources and decides what changes (the manifest says what
    is already there); the run extracts and writes articles, in worker processes
    where it pays, and commits them with the manifest changes that describe them.
    What is not committed when the run ends is dropped, and redone by the next run.
    """

    manifest: Manifest  # open for the run
    notes: list[str]  # warnings for the user (a stale lock cleared …)

    def put(self, articles: list[RawArticle], new_ids: frozenset[str]) -> None:
        """Extract and write ``articles``, replacing any version the index holds;
        ``new_ids`` are those the manifest has never recorded (the run may then skip
        looking for an old version, if it knows the manifest is up to date)."""

    def delete(self, doc_id: str) -> None:
        """Remove an article."""

    def gather(self) -> list[Failure]:
        """Wait until everything put since the last commit is written; the articles
        whose extraction failed (they will not be in the index)."""

    def commit(self, changes: Changes, *, by_time: bool) -> None:
        """Make the writes gathered and the deletions visible to readers, then record
        ``changes`` in the manifest. ``by_time``: the commit came by
        ``index.commit_seconds``, not by ``index.commit_every``."""

    def finish(self, optimize: bool) -> int:
        """End the run's writing (workers stopped), then tidy the index: merge its
        small pieces, or everything when ``optimize``; how many pieces were merged."""


class Backend(Protocol):
    """An index in one engine."""

    config: Config

    def exists(self) -> bool:
        """Whether the index has been created."""

    def manifest(self) -> Manifest:
        """The index's manifest, for reading (the caller closes it)."""

    def run(self, *, wait: float, rebuild: bool) -> contextlib.AbstractContextManager[IndexRun]:
        """One index run: the index created when missing (emptied first when
        ``rebuild``), its analysis checked against the configuration; one writer at a
        time where the engine needs it (another waits up to ``wait`` seconds)."""

    def analyzer(self) -> ItalianAnalyzer:
        """The analysis of the index's text fields, as it was built: queries, snippets
        and passage rescoring analyse with it."""

    def quick_reader(self) -> Any | None:
        """A lighter backend for a search of a process that has not searched yet, or
        None: it answers what it covers as this backend would, and raises
        :class:`NotCovered` for the rest (in its ``reading()`` too)."""

    def compile(self, node: Node) -> Any | None:
        """``node`` as this engine's query; None when nothing is left to search (a
        query of stopwords). Errors are :class:`~searchidx.errors.QueryError`."""

    def search(self, plan: SearchPlan) -> Found:
        """Run one search: the matches of ``plan.query`` the filters and date window
        keep, ``plan.limit`` of them ranked, the facets counted over all of them."""

    def table(self, plan: SearchPlan, columns: tuple[str, ...]) -> Table:
        """The dates and ``columns`` (facets and person details) of every match of
        ``plan`` (its limit, sort and facets aside), in no particular order."""

    def similar(self, doc_id: str, limit: int, filters: Any, dates: DateWindow | None,
                exclude: frozenset[str]) -> list[Similar]:
        """The ``limit`` articles most like ``doc_id`` over its key terms (more like
        this), that ``filters`` (compiled, or None) and ``dates`` keep and that are not
        in ``exclude``; [] for an id the index does not hold."""

    def highlight_terms(self, compiled: Any, fields: tuple[str, ...]) -> frozenset[str]:
        """The index terms of ``fields`` that ``compiled`` looks for, wildcards and fuzzy
        words expanded to the terms they met: what snippets mark."""

    def doc_count(self) -> int:
        """How many articles the index holds."""

    def doc_frequency(self, field: str, term: str) -> int:
        """How many articles hold ``term`` (an index term) in ``field``."""

    def held_terms(self, field: str, terms: Iterable[str]) -> dict[str, int]:
        """Those of ``terms`` (index terms) that ``field`` holds, with how many articles
        hold each: a did-you-mean checks its few hundred candidate spellings in one call."""

    def holding(self, field: str, term: str, limit: int) -> list[dict[str, Any]]:
        """Up to ``limit`` articles holding the index term ``term`` in ``field``, as
        :meth:`document` gives them: how the articles write a term the index stemmed."""

    def document(self, doc_id: str) -> dict[str, Any] | None:
        """Every stored field of one article: ``id``, ``path``, ``title``, ``date``
        (``{value, precision}``), the extracted fields, ``line``, ``body``."""

    def documents(self) -> Iterator[dict[str, Any]]:
        """Every article, as :meth:`document` gives it."""

    def stats(self) -> dict[str, Any]:
        """``documents``, ``undated``, ``date_from``/``date_to`` (earliest and latest
        start, ISO) or None, ``size_bytes``, ``fields`` (searchable field names)."""

    def reading(self) -> contextlib.AbstractContextManager[None]:
        """A context in which the engine's low-level failures of a damaged or unreachable
        index become one clear :class:`~searchidx.errors.SearchidxError`."""

    def close(self) -> None:
        """Release what the backend holds open."""
