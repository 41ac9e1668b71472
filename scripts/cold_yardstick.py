"""The yardstick for a cold ``searchidx`` process (issue 26): a bare Python process that
opens an SQLite FTS5 index of the same articles, runs the same search with snippets
(``snippet()``) and prints the rows.

A cold ``searchidx query WORD`` should take at most twice this process, and ``--help``,
``--version`` and ``stats`` at most 1.5 times, measured side by side in one run:

    python3 scripts/cold_yardstick.py build seeds/              # once: the FTS5 file
    python3 scripts/cold_yardstick.py query munizioni           # the measured process
    .venv/bin/python scripts/cold_yardstick.py compare          # paired runs, ratios
    .venv/bin/python scripts/cold_yardstick.py compare --searchidx OLD/bin/searchidx \\
        --searchidx .venv/bin/searchidx --runs 9                # two versions, one run

``compare`` indexes the seeds with each ``--searchidx`` command (default: the one
beside this Python), runs each of its cold commands and the yardstick in turn
(A B A B …), takes the ratio pair by pair (pairing keeps it meaningful when the
machine's speed drifts) and prints the medians as a Markdown table. The measured
process imports nothing but :mod:`sqlite3` and :mod:`sys`: the cost of what it does,
not of this script's other commands.
Exit status: 0 done, 1 no match (``query``), 2 bad arguments or a missing file.
"""

import sqlite3
import sys

DEFAULT_DB = "/tmp/searchidx-cold-yardstick.sqlite3"
USAGE = ("usage: cold_yardstick.py build [FOLDER] [--db FILE] | query WORD [--db FILE] | "
         "compare [--searchidx CMD]... [--runs N] [--seeds FOLDER]")


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


def compare(commands: list[list[str]], runs: int, seeds: str) -> int:
    """Paired cold runs of each searchidx (``commands``, e.g. a release and a checkout)
    and the yardstick, on indexes of ``seeds`` made for the purpose: median ratios."""
    import os
    import statistics
    import subprocess
    import tempfile
    import time

    def wall(cmd: list[str]) -> float:
        started = time.perf_counter()
        done = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
        took = time.perf_counter() - started
        if done.returncode not in (0, 1):
            raise SystemExit(f"cold_yardstick: error: {' '.join(cmd)} failed "
                             f"({done.returncode}): {done.stderr.decode()[-500:]}")
        return took

    with tempfile.TemporaryDirectory(prefix="cold-yardstick-") as work:
        db = os.path.join(work, "fts5.sqlite3")
        if build(seeds, db):
            return 2
        yardstick = [sys.executable, os.path.abspath(__file__), "query", "munizioni", "--db", db]
        indexes = [os.path.join(work, f"index-{n}") for n in range(len(commands))]
        for searchidx, index in zip(commands, indexes, strict=True):
            wall([*searchidx, "index", seeds, "--index", index, "--quiet"])
        print("\nWhole-process wall time, median of", runs, "paired runs; ratio: to the "
              "yardstick run just after, pair by pair.\n")
        print("| command | " + " | ".join(f"{' '.join(c)}: ms | ratio" for c in commands)
              + " | yardstick, ms |")
        print("|---|" + "---|---|" * len(commands) + "---|")
        for name, args in (("query munizioni", ["query", "munizioni", "--index"]),
                           ("stats", ["stats", "--index"]), ("--help", ["--help"]),
                           ("--version", ["--version"]),
                           ("index (unchanged)", ["index", seeds, "--quiet", "--index"])):
            row, theirs = [], []
            for searchidx, index in zip(commands, indexes, strict=True):
                cmd = [*searchidx, *args, index] if args[-1] == "--index" else [*searchidx, *args]
                wall(cmd)  # once unmeasured: the file cache and searchidx's caches warm
                ours, paired = [], []
                for _ in range(runs):
                    ours.append(wall(cmd))
                    paired.append(wall(yardstick))
                theirs += paired
                ratio = statistics.median(a / b for a, b in zip(ours, paired, strict=True))
                row.append(f"{statistics.median(ours) * 1000:.0f} | {ratio:.2f}")
            print(f"| `{name}` | " + " | ".join(row) +
                  f" | {statistics.median(theirs) * 1000:.0f} |")
    return 0


def default_searchidx() -> str:
    """The ``searchidx`` script beside this Python (a venv's), else ``python -m``."""
    import os

    script = os.path.join(os.path.dirname(sys.executable), "searchidx")
    return script if os.path.isfile(script) else f"{sys.executable} -m searchidx.cli"


def main(argv: list[str]) -> int:
    """Arguments read by hand: argparse would cost the measured process its import."""
    options: dict[str, str | None] = {"--db": DEFAULT_DB, "--runs": "7", "--seeds": "seeds"}
    commands: list[list[str]] = []
    words = []
    rest = iter(argv)
    for arg in rest:
        value = next(rest, None) if arg in options or arg == "--searchidx" else arg
        if value is None:
            break
        if arg == "--searchidx":
            commands.append(value.split())
        elif arg in options:
            options[arg] = value
        else:
            words.append(arg)
    else:
        db, runs, seeds = options["--db"] or DEFAULT_DB, options["--runs"] or "", \
            options["--seeds"] or "seeds"
        if words[:1] == ["query"] and len(words) == 2:
            return query(words[1], db)
        if words[:1] == ["build"] and len(words) <= 2:
            return build(words[1] if len(words) == 2 else seeds, db)
        if words == ["compare"] and runs.isdigit() and int(runs) > 0:
            return compare(commands or [default_searchidx().split()], int(runs), seeds)
    print(USAGE, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
