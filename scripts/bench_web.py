"""Page times of ``searchidx serve`` on DICE: a search page with its facet sidebar and
date histogram, fetched over HTTP from a real server process (issue 22).

The corpus is DICE as ``scripts/bench.py`` writes it (each article a fixed
pseudo-random day in 2011-2021, since DICE has no dates, so the histogram has
an eleven-year span to count), indexed once into the work folder (kept for the
next run). One ``searchidx serve`` process serves it; one keep-alive HTTP
connection asks every page, one untimed pass, then ``--repeat`` timed ones.
A page's time runs from sending the request to the last byte of the HTML.

Kinds of page (each a full search page: hits with snippets, seven facets, the
histogram):

- ``word``: ``/?q=WORD`` (the histogram by year),
- ``word+year``: ``/?q=WORD&from=Y&to=Y`` (by month),
- ``month``: ``/?from=Y-M&to=Y-M`` (by day, from the hits),
- ``browse``: ``/`` (every article, newest first).

    .venv/bin/python scripts/bench_web.py                     # ~1 min once indexed
    .venv/bin/python scripts/bench_web.py --workdir /tmp/bench-web --repeat 5

Exit status: 0 done and p95 within the goal, 1 above it, 2 data missing or a step failed.
"""

from __future__ import annotations

import argparse
import http.client
import json
import re
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench import DEFAULT_DATA, BenchError, percentile, write_corpus  # noqa: E402

GOAL_P95_MS = 100.0
WORDS = ("rapina", "carabinieri", "furto", "incidente", "droga", "polizia", "arrestato",
         "coltello", "truffa", "incendio", "spaccio", "denunciato", "Modena", "Carpi",
         "Sassuolo", "ladri", "aggressione", "violenza", "omicidio", "scippo", "auto rubata",
         "furto in casa", "polizia municipale", "vigili del fuoco")
YEARS = range(2011, 2022)
START_S = 120


def pages() -> list[tuple[str, str]]:
    """(kind, path) of every page asked, the same in every run."""
    out = [("word", "/?" + urlencode({"q": w})) for w in WORDS]
    out += [("word+year", "/?" + urlencode({"q": w, "from": y, "to": y}))
            for w, y in zip(WORDS, [*YEARS, *YEARS, *YEARS], strict=False)]
    out += [("month", f"/?from={y}-{m:02d}&to={y}-{m:02d}")
            for y, m in zip([*YEARS, *YEARS], [(i * 5) % 12 + 1 for i in range(22)],
                            strict=False)]
    out += [("browse", "/")] * 4
    return out


def index_once(work: Path, data: Path) -> Path:
    index = work / "index"
    if (index / "manifest.sqlite3").is_file():
        return index
    corpus = work / "corpus"
    write_corpus(data, None, corpus)
    started = time.perf_counter()
    run = subprocess.run([sys.executable, "-m", "searchidx.cli", "index", str(corpus),
                          "--index", str(index), "--quiet"], capture_output=True, text=True)
    if run.returncode:
        raise BenchError(f"indexing failed: {run.stderr.strip()}")
    print(f"indexed {corpus} in {time.perf_counter() - started:.0f} s -> {index}",
          file=sys.stderr)
    return index


def start(index: Path) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen([sys.executable, "-m", "searchidx.cli", "serve", "--index",
                                str(index), "--port", "0"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stdout is not None
    deadline = time.monotonic() + START_S
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        found = re.search(r"at (http://\S+/)", line)
        if found:
            return process, found.group(1)
        if not line and process.poll() is not None:
            break
    process.kill()
    raise BenchError(f"searchidx serve did not start: {process.stderr.read().strip()}")


def fetch(connection: http.client.HTTPConnection, path: str) -> tuple[float, int]:
    """(milliseconds to the last byte, status) of one page."""
    started = time.perf_counter()
    connection.request("GET", quote(path, safe="/?=&%+"))
    response = connection.getresponse()
    response.read()
    return (time.perf_counter() - started) * 1000, response.status


def measure(url: str, repeat: int) -> dict[str, list[float]]:
    address = urlsplit(url)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=60)
    asked = pages()
    times: dict[str, list[float]] = {}
    try:
        for _, path in asked:  # warm: the facet columns and filters the searcher caches
            fetch(connection, path)
        for _ in range(repeat):
            for kind, path in asked:
                ms, status = fetch(connection, path)
                if status != 200:
                    raise BenchError(f"{path}: HTTP {status}")
                times.setdefault(kind, []).append(ms)
    finally:
        connection.close()
    return times


def report(times: dict[str, list[float]], articles: int) -> float:
    every = [t for values in times.values() for t in values]
    print(f"search pages with facets and histogram, {articles:,} articles "
          f"({len(every)} timed requests)")
    print(f"{'page':<10} {'n':>4} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for kind, values in [*times.items(), ("all", every)]:
        print(f"{kind:<10} {len(values):>4} {percentile(values, 0.5):>8.1f} "
              f"{percentile(values, 0.95):>8.1f} {max(values):>8.1f}")
    p95 = percentile(every, 0.95)
    verdict = "met" if p95 <= GOAL_P95_MS else "NOT met"
    print(f"goal p95 <= {GOAL_P95_MS:.0f} ms: {verdict} ({p95:.1f} ms)")
    return p95


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA,
                        help="the shared data folder (default: ../shared/data)")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/searchidx-bench-web"),
                        help="where the corpus and its index are kept between runs")
    parser.add_argument("--repeat", type=int, default=3, help="timed passes over the pages")
    parser.add_argument("--json", action="store_true", help="also print the times as JSON")
    args = parser.parse_args(argv)
    try:
        args.workdir.mkdir(parents=True, exist_ok=True)
        index = index_once(args.workdir, args.data)
        process, url = start(index)
        try:
            articles = json.loads(http_get(url + "api/search?limit=0"))["total"]
            times = measure(url, args.repeat)
        finally:
            process.terminate()
            process.wait(30)
    except BenchError as exc:
        print(f"bench_web: error: {exc}", file=sys.stderr)
        return 2
    p95 = report(times, articles)
    if args.json:
        print(json.dumps(times))
    return 0 if p95 <= GOAL_P95_MS else 1


def http_get(url: str) -> str:
    from urllib.request import urlopen

    with urlopen(url, timeout=60) as response:
        return response.read().decode("utf-8")


if __name__ == "__main__":
    sys.exit(main())
