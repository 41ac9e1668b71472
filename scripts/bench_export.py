"""Peak memory of exporting every hit (``query --all``) against exporting a thousand.

For each size it finds the date window (``--to``) that keeps about that many of the
index's articles, then runs, side by side in rounds, ``searchidx query "" --to DATE
--all --format csv`` and, for comparison, the same hits asked as one page
(``--limit N --format csv``), each in a fresh process writing to /dev/null, and
reports the peak RSS and the wall time of each (ranges over the rounds).

    .venv/bin/python scripts/bench_export.py --index /tmp/dice-index --sizes 1000,25000

An index of dated articles: DICE repeated with new ids and synthetic dates, as
``scripts/bench.py --scale N`` indexes it; or ``--copy-from INDEX --articles 100000
--index DIR`` writes one from an index already built, without extracting again.
"""

from __future__ import annotations

import argparse
import datetime as dt
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from searchidx import Index  # noqa: E402
from searchidx.dates import parse_user_date  # noqa: E402
from searchidx.models import Article, Mention, Person, Quote  # noqa: E402

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
status = dict(line.split(":", 1) for line in open("/proc/self/status"))
print(status["RssAnon"].split()[0], status["RssFile"].split()[0], file=sys.stderr)
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


def measure(args: list[str]) -> tuple[float, float, float, float, float]:
    """(peak RSS, peak of its anonymous part (sampled every 50 ms), and at the end its
    anonymous part and its mapped files, in MB; wall seconds) of one ``searchidx ARGS``
    process. The index's files are read through
    memory maps: the pages an export touched count in its RSS, though they are the
    kernel's cache, not the process's memory."""
    started = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-c", CHILD, *args], stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True)
    peak_anonymous = 0
    while child.poll() is None:  # the anonymous part's peak: the process's own memory
        peak_anonymous = max(peak_anonymous, anonymous_kb(child.pid))
        time.sleep(0.05)
    stderr = child.stderr.read() if child.stderr else ""
    wall = time.perf_counter() - started
    lines = stderr.strip().splitlines()
    if not lines or not lines[-1].isdigit():
        raise SystemExit(f"searchidx {' '.join(args)} failed: {stderr.strip()}")
    anonymous, mapped = (int(kb) / 1024 for kb in lines[-2].split())
    return (int(lines[-1]) / 1024, max(peak_anonymous / 1024, anonymous), anonymous, mapped,
            wall)


def anonymous_kb(pid: int) -> int:
    """The process's anonymous resident memory now (0 once it is gone)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("RssAnon:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def span(values: list[float], digits: int = 0) -> str:
    low, high = min(values), max(values)
    return f"{low:.{digits}f}" if round(low, digits) == round(high, digits) \
        else f"{low:.{digits}f}–{high:.{digits}f}"


def stored_as_article(doc: dict[str, Any], doc_id: str) -> Article:
    """An article as the index stores it (``show --format json``), under a new id."""
    date = doc.get("date")
    return Article(
        id=doc_id, path=doc["path"], body=doc["body"], title=doc.get("title"),
        date=parse_user_date(date["value"], "date") if date else None,
        publisher=doc.get("publisher"), url=doc.get("url"), tags=doc.get("tags") or [],
        people=[Person(p["name"], [Mention(**m) for m in p.get("mentions", [])], p.get("role"))
                for p in doc.get("people", [])],
        speakers=doc.get("speakers", []), quotes=[Quote(**q) for q in doc.get("quotes", [])],
        sources=doc.get("sources", []), places=doc.get("places", []),
        organizations=doc.get("organizations", []), cited_media=doc.get("cited_media", []),
        topics=doc.get("topics", []), keyphrases=doc.get("keyphrases", []),
        dates_mentioned=doc.get("dates_mentioned", []), line=doc.get("line"))


def copy_index(source: Path, target: Path, articles: int) -> None:
    """An index of ``articles`` articles: those of ``source`` (already extracted) again
    and again with new ids (``dice-57~3``), written straight into Whoosh, with no
    extraction: an index of 100,000 in minutes where indexing takes an hour on a
    shared machine. Its manifest knows only the one seed article it was created with."""
    from searchidx.analysis import name_key
    from searchidx.backends.whoosh.schema import document_fields
    from searchidx.backends.whoosh.storage import patch_whoosh

    docs = list(Index(source).iter_documents())
    target.mkdir(parents=True, exist_ok=True)
    seed = target / "seed.txt"
    seed.write_text("Un articolo per creare l'indice.\n", encoding="utf-8")
    made = Index(target / "index")
    made.update([seed], rebuild=True)
    stop = frozenset(name_key(s) for s in made.config["italian"]["stopwords"])
    patch_whoosh()
    writer = made.backend().folder.whoosh().writer(limitmb=256)
    for i in range(articles):
        doc = docs[i % len(docs)]
        copy = i // len(docs)
        article = stored_as_article(doc, doc["id"] if copy == 0 else f"{doc['id']}~c{copy}")
        writer.add_document(**document_fields(article, stop))
    writer.commit()
    made.close()
    print(f"{articles:,} articles (+1 seed) from the {len(docs):,} of {source} -> "
          f"{target / 'index'}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", required=True)
    parser.add_argument("--copy-from", metavar="INDEX", type=Path,
                        help="first make --index (a folder) from this index's articles, "
                             "repeated with new ids, without extracting them again")
    parser.add_argument("--articles", type=int, default=100_000,
                        help="with --copy-from: how many (default 100,000)")
    parser.add_argument("--sizes", default="1000,100000", help="hits to export, comma-separated")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--fields", default="", help="--fields of the export (default: a "
                                                     "page's CSV columns)")
    args = parser.parse_args(argv)
    if args.copy_from is not None:
        copy_index(args.copy_from, Path(args.index), args.articles)
        args.index = str(Path(args.index) / "index")
    ix = Index(args.index)
    print(f"index {args.index}: {ix.stats()['documents']:,} articles")
    runs: dict[tuple[str, int], list[tuple[float, float, float, float, float]]] = {}
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
    print(f"{'hits':>8}  {'how':9} {'peak RSS':>9} {'peak anon':>10} {'anonymous':>10} "
          f"{'files':>8} {'wall, s':>11}   (MB; anonymous and files at the end; "
          f"{args.rounds} rounds)")
    for (how, hits), measured in runs.items():
        print(f"{hits:>8,}  {how:9} {span([m[0] for m in measured]):>9} "
              f"{span([m[1] for m in measured]):>10} {span([m[2] for m in measured]):>10} "
              f"{span([m[3] for m in measured]):>8} {span([m[4] for m in measured], 1):>11}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
