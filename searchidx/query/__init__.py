"""The query language, parsed once into an engine-neutral tree that each backend
compiles (:mod:`.tree`, :mod:`.parser`)."""

from .parser import MAX_LENGTH, Parsed, parse
from .tree import (
    And,
    DateWindow,
    Every,
    Exact,
    Fuzzy,
    Leaf,
    Node,
    Not,
    Or,
    Phrase,
    Wildcard,
    Word,
    leaves,
)

__all__ = ["MAX_LENGTH", "And", "DateWindow", "Every", "Exact", "Fuzzy", "Leaf", "Node", "Not",
           "Or", "Parsed", "Phrase", "Wildcard", "Word", "leaves", "parse"]
