"""The steps of a cold ``searchidx query WORD --index IDX``, cut off after the first N, to
count what each costs (docs/performance.md, "Where a cold query's instructions go")::

    STOP=N valgrind --tool=callgrind --callgrind-out-file=/dev/null \\
        .venv/bin/python scripts/cold_stages.py IDX [WORD] 2>&1 >/dev/null | grep Collected

N: 0 nothing, 1 the command line and the configuration, 2 the ``Index``, 3 its backend,
4 the search modules, 5 the quick reader, 6 the search, 7 the text, 8 its print.
"""

import os
import sys


def main(index: str, word: str, stop: int) -> None:
    if stop < 1:
        return
    from searchidx.commands import read_line
    from searchidx.config import load_config

    read_line(["query", word, "--index", index])
    config = load_config(None)
    if stop < 2:
        return
    from searchidx.index import Index

    ix = Index(index, config)
    if stop < 3:
        return
    backend = ix.backend()
    if stop < 4:
        return
    import searchidx.backends.whoosh.quick  # noqa: F401
    import searchidx.render
    import searchidx.search  # noqa: F401

    if stop < 5:
        return
    backend.quick_reader()
    if stop < 6:
        return
    result = ix.search(word)
    if stop < 7:
        return
    text = searchidx.render.render_search(result, "text", color=False)
    if stop < 8:
        return
    sys.stdout.write(text + "\n")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "munizioni",
         int(os.environ.get("STOP", "8")))
