"""Peak memory of exporting every hit (``query --all``) against exporting a thousand.

For each size it finds the date window (``--to``) that keeps about that many of the
index's articles, then runs, side by side in rounds, ``searchidx query "" --to DATE
--all --format csv`` and, for comparison, the same hits asked as one page
(``--limit N --format csv``), each in a fresh process writing to /dev/null, and
reports the peak RSS and the wall time of each (ranges over the rounds).

    .venv/bin/python scripts/bench.py --scale 100000 --workdir /tmp/bench   # builds one
    .venv/bin/python scripts/bench_export.py --index /tmp/bench/index --sizes 1000,100000
"""

from __future__ import annotations

import argparse
import datetime as dt
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from searchidx import Index  # noqa: E402

# the child: the command line, then its own peak RSS (kB) on stderr's last line
CHILD = """
import resource, sys
sys.argv = ["searchidx", *sys.argv[1:]]
from searchidx.__main__ import run
try:
    run()
except SystemExit:
    pass
sys.stdout.flush()
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)
"""


def window_for(ix: Index, size: int) -> tuple[str, int]:
    """The last day D such that ``--to D`` keeps at most ``size`` articles, and how many."""
    stats = ix.stats()
    if stats["date_from"] is None:
        raise SystemExit("the index has no dated articles: use one built by scripts/bench.py")
    low = dt.date.fromisoformat(stats["date_from"])
    high = dt.date.fromisoformat(stats["date_to"])
    if ix.search("", limit=0, date_to=high.isoformat()).total <= size:
        return high.isoformat(), ix.search("", limit=0, date_to=high.isoformat()).total
    while (high - low).days > 1:
        middle = low + (high - low) / 2
        if ix.search("", limit=0, date_to=middle.isoformat()).total <= size:
            low = middle
        else:
            high = middle
    return low.isoformat(), ix.search("", limit=0, date_to=low.isoformat()).total


def measure(args: list[str]) -> tuple[float, float]:
    """(peak RSS in MB, wall seconds) of one ``searchidx ARGS`` process."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", CHILD, *args], stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True, check=False)
    wall = time.perf_counter() - started
    lines = done.stderr.strip().splitlines()
    if not lines or not lines[-1].isdigit():
        raise SystemExit(f"searchidx {' '.join(args)} failed: {done.stderr.strip()}")
    return int(lines[-1]) / 1024, wall


def span(values: list[float], digits: int = 0) -> str:
    low, high = min(values), max(values)
    return f"{low:.{digits}f}" if round(low, digits) == round(high, digits) \
        else f"{low:.{digits}f}–{high:.{digits}f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", required=True)
    parser.add_argument("--sizes", default="1000,100000", help="hits to export, comma-separated")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--fields", default="", help="--fields of the export (default: a "
                                                     "page's CSV columns)")
    args = parser.parse_args(argv)
    ix = Index(args.index)
    print(f"index {args.index}: {ix.stats()['documents']:,} articles")
    runs: dict[tuple[str, int], list[tuple[float, float]]] = {}
    plans = []
    for size in (int(s) for s in args.sizes.split(",")):
        day, hits = window_for(ix, size)
        fields = ["--fields", args.fields] if args.fields else []
        common = ["query", "", "--to", day, "--format", "csv", "--index", args.index]
        plans.append((hits, "--all", [*common, "--all", *fields]))
        plans.append((hits, "one page", [*common, "--limit", str(hits)]))
    for _ in range(args.rounds):
        for hits, how, command in plans:
            runs.setdefault((how, hits), []).append(measure(command))
    print(f"{'hits':>8}  {'how':9} {'peak RSS, MB':>13} {'wall, s':>11}   ({args.rounds} rounds)")
    for (how, hits), measured in runs.items():
        print(f"{hits:>8,}  {how:9} {span([m[0] for m in measured]):>13} "
              f"{span([m[1] for m in measured], 1):>11}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
