"""The engine-neutral query tree: what a query means, before any engine runs it.

Leaves hold text as the user typed it; each backend analyses it with the
index's analysis (stemming, elision, stopwords for text fields; name keys for
name filters) and compiles the tree into its own queries, as Lucene's query
DSL is a tree of ``bool``/``match``/``term`` clauses that any engine can run.

A leaf's ``field`` is one of :data:`searchidx.fields.TEXT_FIELDS` (``title``,
``body``, ``quotes``), a name field (``speakers`` …), ``id``, ``year`` or
``month``; None means the article's text, title and body together, the title
weighed as the index's configuration says.
"""

from __future__ import annotations

import re

from ..analysis import fold
from ..records import record

TYPE_CHECKING = False  # typing.TYPE_CHECKING to type checkers; typing is not imported
if TYPE_CHECKING:
    import datetime as _dt

    from ..models import DateValue


@record(frozen=True)
class Word:
    """A word: ``munizioni``, ``Jong-un``, ``dell’era``, ``Kirby`` in ``speaker:Kirby``.

    On a text field it analyses into terms, maybe several (``Jong-un``) or none
    (a stopword): ``all_terms`` says whether an article needs all of them, as it
    needs all the query's words by default, or any (``--any``).
    """

    text: str
    field: str | None = None
    all_terms: bool = True


@record(frozen=True)
class Phrase:
    """Words in order, within ``slop`` positions of each other (1: side by side)."""

    text: str
    field: str | None = None
    slop: int = 1


@record(frozen=True)
class Wildcard:
    """A pattern where ``*`` stands for any letters: ``muniz*``, ``*zioni``, ``mun*oni``."""

    pattern: str
    field: str | None = None


@record(frozen=True)
class Fuzzy:
    """A word within ``edits`` insertions, deletions or substitutions (1 or 2)."""

    text: str
    field: str | None = None
    edits: int = 1


@record(frozen=True)
class Exact:
    """Words in the article's text as written: unstemmed, though case and accents
    do not count (``exact:munizione`` misses an article that only says ``munizioni``)."""

    text: str
    phrase: bool = False

    def pattern(self) -> re.Pattern[str]:
        """The words, in order, on the folded text of an article's title and body."""
        words = exact_words(self.text)
        return re.compile(r"(?<![^\W_])" + r"[\W_]+".join(words) + r"(?![^\W_])")


def exact_words(text: str) -> list[str]:
    """The words an :class:`Exact` clause looks for, folded."""
    return re.findall(r"[^\W_]+", fold(text))


@record(frozen=True)
class And:
    """Every child matches."""

    children: tuple[Node, ...]


@record(frozen=True)
class Or:
    """At least one child matches; the more, the higher the score."""

    children: tuple[Node, ...]


@record(frozen=True)
class Not:
    """The child does not match."""

    child: Node


@record(frozen=True)
class Every:
    """Every article."""


Node = Word | Phrase | Wildcard | Fuzzy | Exact | And | Or | Not | Every
Leaf = Word | Phrase | Wildcard | Fuzzy | Exact


def leaves(node: Node) -> list[Leaf]:
    """The leaves of ``node``, left to right."""
    if isinstance(node, (And, Or)):
        return [leaf for child in node.children for leaf in leaves(child)]
    if isinstance(node, Not):
        return leaves(node.child)
    if isinstance(node, Every):
        return []
    return [node]


@record(frozen=True)
class DateWindow:
    """A ``--from``/``--to`` range: articles whose date interval overlaps it are kept
    (a date of ``2023-09`` overlaps ``--from 2023-09-10``), undated ones are not."""

    start: _dt.date | None
    end: _dt.date | None

    @classmethod
    def of(cls, date_from: DateValue | None, date_to: DateValue | None) -> DateWindow | None:
        """The window from the first day of ``date_from`` to the last of ``date_to``."""
        if date_from is None and date_to is None:
            return None
        return cls(date_from.start if date_from else None, date_to.end if date_to else None)
