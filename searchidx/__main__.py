"""The ``searchidx`` command's entry point (also ``python -m searchidx``).

``searchidx --version`` and ``searchidx --help`` answer without importing click,
which alone takes longer than a whole bare SQLite query process: the version is
this package's, and the help is the text click printed the first time, kept in
this package's ``__pycache__`` folder (like Python's own bytecode there: deleting
it is always safe) with what it depends on — the searchidx version, the terminal
width it was laid out for, and the modification time of every module of searchidx and
click loaded to lay it out. It is used only while all of those still match, and
written aside and renamed whole. The hot commands (``query``, ``stats``, ``index``)
run without click too when :func:`searchidx.commands.read_line` reads their line.
Everything else goes to :mod:`searchidx.cli`.
"""

from __future__ import annotations

import os
import sys

from . import __version__
from .cachedir import cache_folder, write_whole

PROG = "searchidx"
# Commands that print one answer and end. They run without Python's cyclic garbage
# collector: what they make is freed when they exit (most of it by reference counting
# before), and the collector's passes over the modules they load are 2-4% of a cold
# query's instructions (issue 26). Not `index`, nor a batch of queries, which run long.
ONE_ANSWER = ("query", "stats")
_HELP_FORMAT = "searchidx help cache 1"


def run() -> int | None:
    """Run the command line in ``sys.argv``."""
    args = sys.argv[1:]
    if os.path.basename(sys.argv[0]) == PROG:  # the usage line names the program
        if args == ["--version"]:
            return _print(f"{PROG}, version {__version__}\n")
        if args in (["--help"], ["-h"]):
            columns = _columns()
            text = _cached_help(columns)
            if text is None:
                text = _write_help(columns)
            return _print(text)
    if args and not args[0].startswith("-") and "_SEARCHIDX_COMPLETE" not in os.environ:
        from .commands import read_line
        from .commands import run as run_command

        line = read_line(args)  # a hot command read without click, else None
        if line is not None:
            command, params = line
            if args[0] in ONE_ANSWER and params.get("batch") is None:
                import gc

                gc.disable()  # see ONE_ANSWER
            return run_command(command, **params)  # type: ignore[no-any-return]
    from .cli import main

    return main()  # type: ignore[no-any-return]


def _print(text: str) -> int:
    """Write ``text``; a closed pipe (``searchidx --help | head -1``) is no error."""
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no flush error at exit
    return 0


def _columns() -> int:
    """The terminal's width as click finds it (``shutil.get_terminal_size``, whose
    import would cost more than the rest of this path): ``$COLUMNS``, else the
    terminal's, else 80."""
    try:
        columns = int(os.environ.get("COLUMNS", ""))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns or 80


def _key(columns: int) -> str:
    return f"{_HELP_FORMAT}\t{__version__}\t{PROG}\t{columns}"


def help_cache() -> str | None:
    """The file the laid-out help is kept in, if the cache is not turned off."""
    folder = cache_folder()
    return os.path.join(folder, "help.txt") if folder else None


def _cached_help(columns: int) -> str | None:
    """The cached help for ``columns``, or None when absent, damaged or stale."""
    path = help_cache()
    if path is None:
        return None
    try:
        with open(path, encoding="utf-8") as file:
            head, text = file.read().split("\n\n", 1)
        key, *sources = head.split("\n")
        if key != _key(columns):
            return None
        for source in sources:
            mtime, path = source.split("\t", 1)
            if os.stat(path).st_mtime_ns != int(mtime):
                return None
    except (OSError, ValueError):
        return None
    return text


def _write_help(columns: int) -> str:
    """Click's help of the group, as ``--help`` prints it for a terminal of ``columns``,
    cached with its sources."""
    from .cli import main

    given = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = str(columns)  # click lays it out for the width found above
    try:
        with main.make_context(PROG, [], resilient_parsing=True) as ctx:
            text = ctx.get_help() + "\n"
    finally:
        if given is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = given
    sources = []
    for name, module in list(sys.modules.items()):
        path = getattr(module, "__file__", None)
        if path and name.split(".")[0] in ("searchidx", "click"):
            sources.append(f"{os.stat(path).st_mtime_ns}\t{path}")
    path = help_cache()
    if path is None:
        return text
    # a cache folder that cannot be written: laid out again next time
    write_whole(path, ("\n".join([_key(columns), *sorted(sources)]) + "\n\n" + text)
                .encode("utf-8"))
    return text


if __name__ == "__main__":
    sys.exit(run())
