"""Errors a user can act on.

Every failure that reaches the user is a :class:`SearchidxError` whose message is
one line naming the file, line or option at fault and what to do about it; the
CLI prints it and exits 2, never a traceback.
"""

from __future__ import annotations


class SearchidxError(Exception):
    """A problem the user can fix; ``str(err)`` is the one-line message."""


class ConfigError(SearchidxError):
    """Invalid configuration file (bad YAML, wrong type)."""


class QueryError(SearchidxError):
    """A query or filter that cannot be understood."""


class IndexMissingError(SearchidxError):
    """No index where one was expected."""

    @classmethod
    def at(cls, where: object) -> IndexMissingError:
        return cls(f"no index at {where}; build one with 'searchidx index PATH' "
                   "(or point --index / $SEARCHIDX_INDEX at it)")


class IndexCorruptError(SearchidxError):
    """An index that exists but cannot be read back."""


class ReadError(SearchidxError):
    """One input file (or one record of it) that cannot be read; the run goes on."""

    def __init__(self, path: str, message: str, line: int | None = None) -> None:
        from .models import printable_path

        path = printable_path(path)
        self.path = path
        self.line = line
        self.reason = message
        where = f"{path}:{line}" if line is not None else path
        super().__init__(f"{where}: {message}")


class Interrupted(KeyboardInterrupt):
    """A stop asked for by a signal (SIGINT, SIGTERM) while the index was being written.

    A ``KeyboardInterrupt``, so that code which stops on Ctrl-C stops on it too;
    ``committed`` counts the articles of the run that were committed before it
    (the rest is dropped and redone by the next run).
    """

    def __init__(self, signum: int, committed: int | None = None) -> None:
        super().__init__(signum, committed)
        self.signum = signum
        self.committed = committed
