"""What the hot commands (``query``, ``stats``, ``index``) do, without click.

:mod:`searchidx.cli` defines every command's options and help with click and
calls these; :mod:`searchidx.__main__` calls them directly (:func:`read_line`) when
the line reads by the parameters click defined (:mod:`searchidx.argv`), so that a
``searchidx query`` in a shell loop does not pay for importing click. Messages go
out as click's ``echo`` puts them: a line, flushed.
"""

from __future__ import annotations

import os
import sys
import warnings

from .errors import SearchidxError
from .records import record

TYPE_CHECKING = False  # typing.TYPE_CHECKING to type checkers; typing is not imported
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from typing import Any

EXIT_OK, EXIT_NONE, EXIT_ERROR = 0, 1, 2


def echo(text: str, err: bool = False) -> None:
    """``text`` and a newline on stdout (stderr with ``err``), flushed."""
    stream = sys.stderr if err else sys.stdout
    stream.write(f"{text}\n")
    stream.flush()


def fail(message: str) -> None:
    """The one-line error and exit status 2."""
    echo(f"searchidx: error: {message}", err=True)
    sys.exit(EXIT_ERROR)


@record(frozen=True)
class IndexTarget:
    """The index the common options name: ``--index``, ``--backend``, ``--url``."""

    index: str | None
    backend: str | None
    url: str | None


def run(command: Callable[..., Any], config_path: str | None, index_path: str | None,
        backend: str | None, url: str | None, **options: Any) -> Any:
    """``command`` with the configuration loaded, its warnings said, and one-line
    errors instead of tracebacks."""
    from .config import ConfigWarning, load_config

    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ConfigWarning)
            config = load_config(config_path)
        for warning in caught:
            echo(f"searchidx: warning: {warning.message}", err=True)
        return command(config=config, where=IndexTarget(index_path, backend, url), **options)
    except SearchidxError as exc:
        fail(str(exc))
    except KeyboardInterrupt as stop:  # Ctrl-C, or SIGTERM during 'index'
        committed = getattr(stop, "committed", None)
        done = (f"; {committed} article{'s' if committed != 1 else ''} committed, "
                "run again to finish" if committed is not None else "")
        echo(f"searchidx: interrupted{done}", err=True)
        sys.exit(128 + getattr(stop, "signum", 2))  # SIGINT's number, unless a signal said
    except BrokenPipeError:
        sys.stderr.close()
        sys.exit(EXIT_OK)
    except Exception as exc:  # a bug: say so in one line, traceback only on request
        if os.environ.get("SEARCHIDX_DEBUG"):
            raise
        fail(f"unexpected {type(exc).__name__}: {exc} "
             "(set SEARCHIDX_DEBUG=1 for a traceback, and please report it)")


def open_index(config: Any, where: IndexTarget) -> Any:
    from .index import Index

    return Index(where.index, config, backend=where.backend, url=where.url)


def out(text: str) -> None:
    if text:
        echo(text)


def csv_list(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


FILTER_KEYS = ("person", "speaker", "place", "org", "topic", "publisher", "media", "tag")


def filters(options: dict[str, Any]) -> dict[str, Any]:
    """The filter options (:data:`FILTER_KEYS`, the dates) taken out of ``options``."""
    taken: dict[str, Any] = {k: list(options.pop(k)) for k in FILTER_KEYS}
    taken["date_from"] = options.pop("date_from")
    taken["date_to"] = options.pop("date_to")
    return taken


class StoppedBySignals:
    """SIGINT and SIGTERM stop an ``index`` run where it stands, as an
    :class:`~searchidx.errors.Interrupted` that the library turns into a clean stop
    (the last commit kept, the workers stopped). Once one has come, both are
    ignored, so that a second Ctrl-C cannot cut the clean-up short. (A class, not
    :func:`contextlib.contextmanager`: a cold ``query`` imports neither module.)"""

    def __enter__(self) -> None:
        import signal

        from .errors import Interrupted

        def stop(signum: int, frame: Any) -> None:
            for each in (signal.SIGINT, signal.SIGTERM):
                signal.signal(each, signal.SIG_IGN)
            raise Interrupted(signum)

        self.previous = {each: signal.signal(each, stop)
                         for each in (signal.SIGINT, signal.SIGTERM)}

    def __exit__(self, kind: type[BaseException] | None, *rest: object) -> None:
        import signal

        if kind is None:  # after a stop (or any error) keep ignoring both
            for each, handler in self.previous.items():
                signal.signal(each, handler)


def index(config: Any, where: IndexTarget, paths: tuple[str, ...], rebuild: bool,
          fmt: str, quiet: bool, wait: float, optimize: bool, field_map: str | None,
          all_captures: bool, verbose: bool) -> None:
    """``searchidx index``: update the index from ``paths``, print the summary."""
    from .read import set_reading_options

    set_reading_options(config, field_map, all_captures)
    ix = open_index(config, where)
    bar: Any = None
    progress = None
    if not quiet and fmt == "text" and sys.stderr.isatty():
        def progress(done: int, total: int) -> None:
            nonlocal bar
            if bar is None:
                import click  # a terminal's progress bar

                bar = click.progressbar(length=total, label="indexing", file=sys.stderr)
                bar.__enter__()
            bar.update(1)
    try:
        with StoppedBySignals():
            report = ix.update(paths, rebuild=rebuild, wait=wait, optimize=optimize,
                               progress=progress)
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    for error in report.errors:
        echo(f"searchidx: skipped {error}", err=True)
    if verbose:
        for kind, names in report.skipped.names.items():
            for label, name in names:
                echo(f"searchidx: skipped {name} ({report.skipped.reason(kind, label)})",
                     err=True)
    if not quiet:
        for warning in report.warnings:
            echo(f"searchidx: warning: {warning}", err=True)
    if fmt == "json":
        from .render import to_json

        out(to_json({"index": str(ix.path), **report.to_dict()}))
    else:
        out(f"{report.summary()} -> {ix.path}")
        hint = "" if verbose else "; --verbose names them"
        for line in report.skipped.lines():
            out(line + hint)
    sys.exit(EXIT_ERROR if report.failed else EXIT_OK)


def query(config: Any, where: IndexTarget, query: str, any_words: bool,
          facets: str | None, facet_limit: int, facet_by: str, collapse: bool, sort: str,
          limit: int, page: int, fmt: str, no_snippets: bool, batch: Any,
          export_all: bool, fields: str | None, **kwargs: Any) -> None:
    """``searchidx query``: one search (or one per line of ``batch``, or every hit with
    ``export_all``, which :mod:`searchidx.cli` has checked against the other options),
    printed."""
    from .render import render_search, to_json

    ix = open_index(config, where)
    if export_all:
        export(ix.export(query, fields=csv_list(fields), any=any_words, sort=sort,
                         collapse=collapse, snippets=not no_snippets, **filters(kwargs)),
               csv_list(fields), fmt)
    options = dict(any=any_words, facets=csv_list(facets), facet_limit=facet_limit,
                   facet_by=facet_by, collapse=collapse, sort=sort, limit=limit, page=page,
                   snippets=not no_snippets, **filters(kwargs))
    if batch is not None:
        status = EXIT_NONE
        for line in batch:
            text = line.rstrip("\n")
            if not text.strip():
                continue
            try:
                result = ix.search(text, **options)
            except SearchidxError as exc:
                out(to_json({"query": text, "error": str(exc)}))
                status = EXIT_ERROR
                continue
            record = {"query": text, "total": result.total,
                      "hits": [h.to_dict() for h in result.hits]}
            if result.stories is not None:
                record["stories"] = result.stories
            if result.facets:
                record["facets"] = result.to_dict()["facets"]
            if result.notice:
                record["notice"] = result.notice
            if result.suggestion:
                record["suggestion"] = result.suggestion
            out(to_json(record))
            if result.total and status == EXIT_NONE:
                status = EXIT_OK
        sys.exit(status)
    result = ix.search(query, **options)
    if result.notice and fmt == "text":
        echo(f"searchidx: note: {result.notice}", err=True)
    out(render_search(result, fmt, color=fmt == "text" and sys.stdout.isatty()))
    sys.exit(EXIT_OK if result.total else EXIT_NONE)


def export(rows: Iterator[dict[str, Any]], fields: list[str], fmt: str) -> None:
    """Print an export as it comes; exit 1 when it has no hit (as a query finds none)."""
    from .render import export_lines
    from .search import export_fields

    count = 0

    def counted() -> Iterator[dict[str, Any]]:
        nonlocal count
        for row in rows:
            count += 1
            yield row

    for line in export_lines(counted(), export_fields(fields), fmt):
        echo(line)
    sys.exit(EXIT_OK if count else EXIT_NONE)


def stats(config: Any, where: IndexTarget, fmt: str) -> None:
    """``searchidx stats``: what is in the index."""
    from .render import stats_text, to_json

    found = open_index(config, where).stats()
    out(to_json(found) if fmt == "json" else stats_text(found))


HOT = {"index": index, "query": query, "stats": stats}  # the commands __main__ runs itself
# options whose checks need click's context (which options were typed): click reads them
CLICK_READS = {"query": ("export_all", "fields")}


def read_line(args: list[str]) -> tuple[Callable[..., Any], dict[str, Any]] | None:
    """The hot command ``args`` names and its parameters as click would pass them, or
    None when click should read the line (another command, a line
    :func:`searchidx.argv.parse` leaves to click, an option of :data:`CLICK_READS`)."""
    if not args or args[0] not in HOT:
        return None
    from .argv import parse
    from .command_lines import PARAMETERS

    spec = PARAMETERS.get(args[0])
    params = parse(spec, args[1:]) if spec else None
    if params is None or any(params[name] not in (False, None)
                             for name in CLICK_READS.get(args[0], ())):
        return None
    return HOT[args[0]], params
