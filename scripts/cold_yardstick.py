"""The yardstick for a cold ``searchidx`` process (issue 26): a bare Python process that
opens an SQLite FTS5 index of the same articles, runs the same search with snippets
(``snippet()``) and prints the rows.

A cold ``searchidx query WORD`` should take at most twice this process, and ``--help``,
``--version`` and ``stats`` at most 1.5 times, measured side by side in one run:

    python3 scripts/cold_yardstick.py build seeds/              # once: the FTS5 file
    python3 scripts/cold_yardstick.py query munizioni           # the measured process
    python3 scripts/cold_yardstick.py compare --index IDX       # paired runs, ratios

``compare`` runs each searchidx command and the yardstick in turn (A B A B …), takes
the ratio pair by pair (pairing keeps it meaningful when the machine's speed drifts)
and prints the medians. The measured process imports nothing but :mod:`sqlite3` and
:mod:`sys`: the cost of what it does, not of this script's other commands.
Exit status: 0 done, 1 no match (``query``), 2 bad arguments or a missing file.
"""

import sqlite3
import sys

DEFAULT_DB = "/tmp/searchidx-cold-yardstick.sqlite3"
USAGE = ("usage: cold_yardstick.py build [FOLDER] [--db FILE] | query WORD [--db FILE] | "
         "compare --index DIR [--runs N] [--db FILE] [--searchidx CMD] [--seeds FOLDER]")


def query(word: str, db: str) -> int:
    """Open the FTS5 file, search ``word`` (BM25, snippets), print a count and the rows."""
    try:
        connection = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        rows = connection.execute(
            "SELECT id, title, snippet(articles, 2, '[', ']', '…', 32) FROM articles "
            "WHERE articles MATCH ? ORDER BY bm25(articles) LIMIT 10", (f'"{word}"',)).fetchall()
        total = connection.execute("SELECT count(*) FROM articles WHERE articles MATCH ?",
                                   (f'"{word}"',)).fetchone()[0]
    except sqlite3.OperationalError as exc:
        print(f"cold_yardstick: error: {db}: {exc}; run 'build' first", file=sys.stderr)
        return 2
    print(f"{total} articles for {word!r}\n")
    for number, (doc_id, title, snippet) in enumerate(rows, 1):
        print(f"{number}. {title}\n   {doc_id}\n   {snippet}\n")
    return 0 if total else 1


def build(folder: str, db: str) -> int:
    """The FTS5 file of every ``.txt`` article of ``folder`` (title: its first line)."""
    from pathlib import Path

    paths = sorted(Path(folder).glob("*.txt"))
    if not paths:
        print(f"cold_yardstick: error: {folder}: no .txt articles", file=sys.stderr)
        return 2
    Path(db).unlink(missing_ok=True)
    connection = sqlite3.connect(db)
    with connection:
        connection.execute("CREATE VIRTUAL TABLE articles USING fts5(id UNINDEXED, title, body, "
                           "tokenize='unicode61 remove_diacritics 2')")
        for path in paths:
            text = path.read_text(encoding="utf-8")
            title = next((line.strip() for line in text.splitlines() if line.strip()), "")
            connection.execute("INSERT INTO articles VALUES (?, ?, ?)", (path.stem, title, text))
    connection.close()
    print(f"{len(paths)} articles -> {db}")
    return 0


def compare(index: str, db: str, runs: int, searchidx: list[str], seeds: str) -> int:
    """Paired cold runs of searchidx's commands against the yardstick; median ratios."""
    import os
    import statistics
    import subprocess
    import time

    def wall(cmd: list[str]) -> float:
        started = time.perf_counter()
        done = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
        took = time.perf_counter() - started
        if done.returncode not in (0, 1):
            raise SystemExit(f"cold_yardstick: error: {' '.join(cmd)} failed "
                             f"({done.returncode}): {done.stderr.decode()[-500:]}")
        return took

    yardstick = [sys.executable, os.path.abspath(__file__), "query", "munizioni", "--db", db]
    wall(yardstick)
    commands = {
        "query munizioni": [*searchidx, "query", "munizioni", "--index", index],
        "stats": [*searchidx, "stats", "--index", index],
        "--help": [*searchidx, "--help"],
        "--version": [*searchidx, "--version"],
        "index (unchanged)": [*searchidx, "index", seeds, "--index", index, "--quiet"],
    }
    print(f"| command | ours, ms | yardstick, ms | ratio (median of {runs} pairs) |")
    print("|---|---|---|---|")
    for name, cmd in commands.items():
        wall(cmd)  # warm the file cache, as a user's second command finds it
        ours, theirs = [], []
        for _ in range(runs):
            ours.append(wall(cmd))
            theirs.append(wall(yardstick))
        ratio = statistics.median(a / b for a, b in zip(ours, theirs, strict=True))
        print(f"| `searchidx {name}` | {statistics.median(ours) * 1000:.0f} | "
              f"{statistics.median(theirs) * 1000:.0f} | {ratio:.2f} |")
    return 0


def default_searchidx() -> str:
    """The ``searchidx`` script beside this Python (a venv's), else ``python -m``."""
    import os

    script = os.path.join(os.path.dirname(sys.executable), "searchidx")
    return script if os.path.isfile(script) else f"{sys.executable} -m searchidx.cli"


def main(argv: list[str]) -> int:
    """Arguments read by hand: argparse would cost the measured process its import."""
    options = {"--db": DEFAULT_DB, "--index": None, "--runs": "7", "--searchidx": None,
               "--seeds": None}
    words = []
    rest = iter(argv)
    for arg in rest:
        if arg in options:
            options[arg] = next(rest, None)
            if options[arg] is None:
                break
        else:
            words.append(arg)
    else:
        if words[:1] == ["query"] and len(words) == 2:
            return query(words[1], options["--db"])
        if words[:1] == ["build"] and len(words) <= 2:
            return build(words[1] if len(words) == 2 else "seeds", options["--db"])
        if words == ["compare"] and options["--index"] and options["--runs"].isdigit():
            searchidx = (options["--searchidx"] or default_searchidx()).split()
            seeds = options["--seeds"] or "seeds"
            return compare(options["--index"], options["--db"], int(options["--runs"]),
                           searchidx, seeds)
    print(USAGE, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
