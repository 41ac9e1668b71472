"""Speed and size of searchidx on the DICE crime-news archive, next to the peer engines (issue 5).

What a user feels: how fast an archive is indexed (extraction included), how
much memory and disk that takes, how fast each kind of query answers with
snippets and facets on, how long one ``searchidx query`` process takes from a
cold start, how long re-indexing an unchanged archive takes, and how long the
people directory and timelines of the whole archive take. The peers of
``peers.py`` build and answer the same documents and queries in the same run;
the script ends with a Markdown table (our figure, theirs, and the ratio).

Each index is built in a child process, so its throughput and peak memory
(RSS of the child and its workers, sampled) are its own. DICE articles have no
date: each gets a fixed pseudo-random day in 2011-2021 (from its id) so the
date-range query has something to filter, and every engine gets the same dates.

    .venv/bin/python scripts/bench.py                        # DICE once, ~5 min
    .venv/bin/python scripts/bench.py --scale 100000 --workdir /tmp/bench
    .venv/bin/python scripts/bench.py --backend opensearch --url http://127.0.0.1:9200

``--backend opensearch`` compares the two backends instead, back to back on the same
corpus and queries (issue 23): indexing articles/s, where the indexing time goes
(extraction in our processes, or the cluster's own indexing, from its ``_stats``), the
JVM heap of each node, and query p50/p95 per kind, each query asked of Whoosh and of
the cluster in turn.

Exit status: 0 done, 2 data missing or a step failed.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import math
import os
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

sys.path.insert(0, str(Path(__file__).resolve().parent))
from peers import PEERS, Peer, Request, make_peers, work_folder  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT.parent / "shared" / "data"
BENCH_PEERS = ("fts5", "whoosh", "tantivy")
FIRST_DAY, DAYS = _dt.date(2011, 1, 1), 11 * 365
COLD_QUERY = "munizioni"
SHARD = 10_000  # articles per corpus file
QUERY_SAMPLE = 20_000  # articles of a built index the queries are drawn from
KINDS = {
    "word": "single word",
    "and": "two words (AND)",
    "phrase": "phrase",
    "filter": "word + publisher filter",
    "dates": "word + one-year date range",
    "facets": "word + 3 facets counted",
}
# searchidx counts extracted facets; the peers have only the source's fields.
SEARCHIDX_FACETS = ["people", "places", "organizations"]
PEER_FACETS = ("publisher", "year", "month")
_WORD = re.compile(r"[^\W\d_]+")


class BenchError(Exception):
    """A step failed: the figures would be meaningless."""


# -- corpus -------------------------------------------------------------------------

def synthetic_date(doc_id: str) -> str:
    """A fixed day in 2011-2021 for an undated article (DICE's span), the same in every run."""
    return (FIRST_DAY + _dt.timedelta(days=zlib.crc32(doc_id.encode()) % DAYS)).isoformat()


def scaled(records: list[dict[str, Any]], n: int) -> Iterable[dict[str, str]]:
    """``n`` articles: the corpus cut, or repeated with distinct ids (``dice-57~2``)."""
    for i in range(n):
        src = records[i % len(records)]
        copy = i // len(records)
        doc_id = src["id"] if copy == 0 else f"{src['id']}~{copy}"
        yield {"id": doc_id, "publisher": src.get("publisher") or "",
               "date": synthetic_date(doc_id), "text": src["text"]}


def write_corpus(data: Path, n: int | None, folder: Path) -> tuple[int, int, int]:
    """Write the benchmark corpus as a folder of JSONL files of ``SHARD`` articles each
    (an archive, and under the reader's file-size limit); (articles, distinct source
    articles, raw text bytes)."""
    source = data / "dice" / "articles.jsonl"
    if not source.is_file():
        raise BenchError(f"{source} not found: give the shared data folder with --data DIR "
                         "(see ../shared/README.md)")
    with source.open(encoding="utf-8") as handle:
        records = [json.loads(line) for line in handle if line.strip()]
    n = n or len(records)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    raw = 0
    out: TextIO | None = None
    for i, doc in enumerate(scaled(records, n)):
        if i % SHARD == 0:
            if out is not None:
                out.close()
            out = (folder / f"part-{i // SHARD:04d}.jsonl").open("w", encoding="utf-8")
        raw += len(doc["text"].encode("utf-8"))
        assert out is not None
        out.write(json.dumps(doc, ensure_ascii=False) + "\n")
    if out is not None:
        out.close()
    return n, min(n, len(records)), raw


def read_corpus(folder: Path) -> list[dict[str, str]]:
    docs = []
    for part in sorted(folder.glob("*.jsonl")):
        with part.open(encoding="utf-8") as handle:
            docs.extend(json.loads(line) for line in handle)
    return docs


# -- queries ------------------------------------------------------------------------

@dataclass(frozen=True)
class BenchQuery:
    """One benchmark query, asked of searchidx and of each peer in its own terms."""

    kind: str
    words: tuple[str, ...]
    year: int = 0

    def searchidx_args(self, publisher: str) -> tuple[str, dict[str, Any]]:
        text = f'"{" ".join(self.words)}"' if self.kind == "phrase" else " ".join(self.words)
        options: dict[str, Any] = {"limit": 10}
        if self.kind == "filter":
            options["publisher"] = [publisher]
        elif self.kind == "dates":
            options.update(date_from=f"{self.year}-01-01", date_to=f"{self.year}-12-31")
        elif self.kind == "facets":
            options["facets"] = SEARCHIDX_FACETS
        return text, options

    def request(self, publisher: str) -> Request:
        return Request(
            self.words, "phrase" if self.kind == "phrase" else "all",
            publisher=publisher if self.kind == "filter" else None,
            date_from=f"{self.year}-01-01" if self.kind == "dates" else None,
            date_to=f"{self.year}-12-31" if self.kind == "dates" else None,
            facets=PEER_FACETS if self.kind == "facets" else ())


def make_queries(texts: list[str], per_kind: int, stopwords: frozenset[str],
                 seed: int = 5) -> list[BenchQuery]:
    """``per_kind`` queries of each kind, drawn from the corpus so every one has answers.

    Words are content words (5+ letters, not stopwords) found in 0.1%-10% of the
    articles: what people search, neither a typo nor "carabinieri". Two-word
    queries take both words from one article; phrases take two adjacent words.
    """
    rng = random.Random(seed)
    tokenised = [[(m.group().lower(), m.start(), m.end()) for m in _WORD.finditer(t)]
                 for t in texts]
    df: Counter[str] = Counter()
    for tokens in tokenised:
        df.update({w for w, _, _ in tokens})
    low, high = max(2, len(texts) // 1000), max(3, len(texts) // 10)
    good = {w for w, n in df.items() if low <= n <= high and len(w) >= 5 and w not in stopwords}
    if not good:
        raise BenchError("the corpus is too small to draw queries from")
    words = sorted(good)
    queries: list[BenchQuery] = []
    for kind in ("word", "filter", "dates", "facets"):
        queries += [BenchQuery(kind, (rng.choice(words),), rng.randint(2011, 2021))
                    for _ in range(per_kind)]
    pairs: list[BenchQuery] = []
    phrases: list[BenchQuery] = []
    for _ in range(per_kind * 1000):
        if len(pairs) >= per_kind and len(phrases) >= per_kind:
            break
        i = rng.randrange(len(texts))
        tokens = [t for t in tokenised[i] if t[0] in good]
        if len(tokens) >= 2 and len(pairs) < per_kind:
            a, b = rng.sample(sorted({w for w, _, _ in tokens}), 2)
            pairs.append(BenchQuery("and", (a, b)))
        adjacent = [(a[0], b[0]) for a, b in zip(tokenised[i], tokenised[i][1:], strict=False)
                    if a[0] in good and b[0] in good and texts[i][a[2]:b[1]] == " "]
        if adjacent and len(phrases) < per_kind:
            phrases.append(BenchQuery("phrase", rng.choice(adjacent)))
    return queries + pairs + phrases


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (``q`` in 0..1)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def time_queries(run: Callable[[BenchQuery], object], queries: list[BenchQuery],
                 repeat: int) -> dict[str, tuple[float, float]]:
    """Warm latency per kind: one untimed pass, then ``repeat`` timed ones; (p50, p95) in ms."""
    for q in queries:
        run(q)
    times: dict[str, list[float]] = {}
    for _ in range(repeat):
        for q in queries:
            started = time.perf_counter()
            run(q)
            times.setdefault(q.kind, []).append(1000 * (time.perf_counter() - started))
    return {kind: (percentile(t, 0.50), percentile(t, 0.95)) for kind, t in times.items()}


# people and time over the whole index (issue 21): what each computes
WHOLE_SETS = {
    "people": "people directory",
    "timeline": "timeline by month",
    "timeline_people": "timeline of the top 5 people by week",
}


def time_whole_sets(folder: Path, config: Any, repeat: int) -> dict[str, tuple[float, float]]:
    """The people directory and timelines of the whole index at ``folder``: (first call
    in a freshly opened index, as one CLI process makes it; then the p50 of ``repeat``
    more), in ms."""
    from searchidx import Index

    calls: dict[str, Callable[[Any], object]] = {
        "people": lambda ix: ix.people(),
        "timeline": lambda ix: ix.timeline(),
        "timeline_people": lambda ix: ix.timeline(by="week", facet="people", top=5),
    }
    out = {}
    for kind, call in calls.items():
        ix = Index(folder, config)
        started = time.perf_counter()
        call(ix)
        first = 1000 * (time.perf_counter() - started)
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            call(ix)
            times.append(1000 * (time.perf_counter() - started))
        ix.close()
        out[kind] = (first, percentile(times, 0.50))
    return out


def whole_set_lines(times: dict[str, tuple[float, float]], articles: int) -> list[str]:
    """The figures of :func:`time_whole_sets`, and issue 21's goal at this scale."""
    lines = [f"- {WHOLE_SETS[kind]}: first call {first:,.0f} ms, then p50 {p50:,.0f} ms"
             for kind, (first, p50) in times.items()]
    worst = max(first for first, _ in times.values())
    goal_ms = 1000 if articles <= 10_372 else 5000
    lines.append(f"- [{'x' if worst <= goal_ms else ' '}] every one within "
                 f"{goal_ms / 1000:.0f} s at {articles:,} articles, first call included: "
                 f"worst {worst:,.0f} ms")
    return lines


# -- child processes ------------------------------------------------------------------

def child_main(engine: str, corpus: Path, folder: Path, url: str | None = None) -> None:
    """Build one engine's index (in this child process) and print a JSON line of figures;
    with ``url``, searchidx's index is the OpenSearch index named by ``folder``'s name."""
    started = time.perf_counter()
    out: dict[str, Any] = {}
    if engine == "searchidx":
        from searchidx import Index
        from searchidx.config import load_config

        config = load_config(search_cwd=False)
        ix = (Index(folder.name, config, backend="opensearch", url=url) if url
              else Index(folder, config))
        report = ix.update([corpus], rebuild=bool(url))
        out = {"added": report.added, "unchanged": report.unchanged, "failed": report.failed,
               "errors": [str(e) for e in report.errors[:3]]}
    else:
        PEERS[engine](folder).build(read_corpus(corpus))
    out["seconds"] = time.perf_counter() - started
    used = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    out["cpu_seconds"] = sum(u.ru_utime + u.ru_stime for u in used)
    print(json.dumps(out))


@dataclass
class Build:
    """Figures of one index build."""

    seconds: float
    peak_rss_mb: float | None  # None without psutil
    size_mb: float = 0.0
    info: dict[str, Any] = field(default_factory=dict)


def tree_rss(proc: Any) -> int:
    """RSS of a process and all its descendants, in bytes (0 once it is gone)."""
    import psutil

    total = 0
    try:
        for p in (proc, *proc.children(recursive=True)):
            try:
                total += p.memory_info().rss
            except psutil.Error:
                continue
    except psutil.Error:
        return 0
    return total


def build_in_child(engine: str, corpus: Path, folder: Path, url: str | None = None,
                   sample: Callable[[], None] | None = None) -> Build:
    """Run :func:`child_main` for ``engine``, sampling the RSS of its process tree.

    Sampled with psutil, not ``ru_maxrss``: a child's ``ru_maxrss`` starts from
    the parent's size at fork, and workers' peaks would not add up.
    """
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", engine,
           "--child-corpus", str(corpus), "--workdir", str(folder),
           *(["--url", url] if url else [])]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=folder.parent)
    peak = 0
    try:
        import psutil

        watched = psutil.Process(proc.pid)
        while proc.poll() is None:
            peak = max(peak, tree_rss(watched))
            if sample is not None:
                sample()
            time.sleep(0.05)
    except ImportError:
        pass
    stdout, stderr = proc.communicate()
    if proc.returncode != 0:
        raise BenchError(f"building the {engine} index failed: {stderr.strip()[-2000:]}")
    info = json.loads(stdout.strip().splitlines()[-1])
    return Build(info["seconds"], peak / 2**20 if peak else None, info=info)


def folder_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 2**20


def cold_wall(cmd: list[str], runs: int, cwd: Path) -> float:
    """Median wall time (s) of a whole process, start-up included."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False)
        times.append(time.perf_counter() - started)
        if done.returncode not in (0, 1):
            raise BenchError(f"{' '.join(cmd[:3])}… failed: {done.stderr.strip()[-1000:]}")
    return statistics.median(times)


def peer_cold_command(peer: Peer, query: str) -> list[str]:
    """A minimal process that opens the peer's index and answers one query with snippets."""
    code = (f"import sys; sys.path.insert(0, {str(Path(__file__).resolve().parent)!r})\n"
            f"from peers import PEERS, Request\n"
            f"p = PEERS[{peer.name!r}]({str(peer.folder)!r}); p.open()\n"
            f"print(p.run(Request(({query!r},), 'all'), 10, snippets=True).ids)")
    return [sys.executable, "-c", code]


def searchidx_command() -> list[str]:
    script = Path(sys.executable).parent / "searchidx"
    return [str(script)] if script.is_file() else [sys.executable, "-m", "searchidx.cli"]


# -- the report -----------------------------------------------------------------------

@dataclass
class Column:
    """All figures of one engine; None where the engine has no such figure."""

    name: str
    build: Build | None = None
    latency: dict[str, tuple[float, float]] = field(default_factory=dict)
    cold: float | None = None
    reindex: float | None = None


def table(columns: list[Column], articles: int, raw_mb: float) -> list[str]:
    """The Markdown table: each engine's figure, and searchidx's as a ratio of it."""
    rows: list[tuple[str, Callable[[Column], float | None], str]] = [
        ("index: articles/s", lambda c: articles / c.build.seconds if c.build else None, "{:,.0f}"),
        ("index: CPU s per 1,000 articles",
         lambda c: 1000 * c.build.info["cpu_seconds"] / articles if c.build else None,
         "{:,.1f}"),
        ("index: peak RSS, MB", lambda c: c.build.peak_rss_mb if c.build else None,
         "{:,.0f}"),
        ("index: size on disk, MB", lambda c: c.build.size_mb if c.build else None, "{:,.1f}"),
        ("index: size / raw text", lambda c: c.build.size_mb / raw_mb if c.build else None,
         "{:.2f}"),
    ]
    for kind, label in KINDS.items():
        for i, p in enumerate(("p50", "p95")):
            rows.append((f"{label}: {p} ms",
                         lambda c, k=kind, i=i: c.latency[k][i] if k in c.latency else None,
                         "{:.2f}"))
    rows.append((f"cold `query {COLD_QUERY}` process, s", lambda c: c.cold, "{:.3f}"))
    rows.append(("re-index unchanged corpus, s", lambda c: c.reindex, "{:.1f}"))
    ours, peers = columns[0], columns[1:]
    header = ["measure", ours.name]
    for peer in peers:
        header += [peer.name, f"{ours.name} ÷ {peer.name}"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for label, get, form in rows:
        mine = get(ours)
        cells = [label, form.format(mine) if mine is not None else "n/a"]
        for peer in peers:
            theirs = get(peer)
            cells.append(form.format(theirs) if theirs is not None else "n/a")
            cells.append(f"{mine / theirs:.2f}" if mine is not None and theirs else "")
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def goals(ours: Column, articles: int, raw_mb: float, seeds_cold: float | None) -> list[str]:
    """Issue 5's goals (stated for 100,000 articles) against this run's figures."""
    build = ours.build
    assert build is not None
    checks = [
        (f"indexing >= 1,000 articles/s: {articles / build.seconds:,.0f}",
         articles / build.seconds >= 1000),
        ("peak RSS <= 1 GB: " + (f"{build.peak_rss_mb:,.0f} MB" if build.peak_rss_mb
                                  else "unknown (pip install psutil)"),
         build.peak_rss_mb is not None and build.peak_rss_mb <= 1024),
        (f"index <= 2x raw text: {build.size_mb / raw_mb:.2f}x", build.size_mb <= 2 * raw_mb),
        ("every query kind p50 <= 5 ms: worst " +
         f"{max(p50 for p50, _ in ours.latency.values()):.1f} ms",
         all(p50 <= 5 for p50, _ in ours.latency.values())),
        ("every query kind p95 <= 30 ms: worst " +
         f"{max(p95 for _, p95 in ours.latency.values()):.1f} ms",
         all(p95 <= 30 for _, p95 in ours.latency.values())),
    ]
    if seeds_cold is not None:
        checks.append((f"cold `query {COLD_QUERY}` on the seeds <= 0.3 s: {seeds_cold:.3f} s",
                       seeds_cold <= 0.3))
    if ours.reindex is not None:
        checks.append((f"re-index unchanged <= 10 s: {ours.reindex:.1f} s", ours.reindex <= 10))
    return [f"- [{'x' if ok else ' '}] {text}" for text, ok in checks]


# -- the run --------------------------------------------------------------------------

def bench(args: argparse.Namespace, work: Path) -> None:
    from searchidx import Index
    from searchidx.config import load_config

    config = load_config(search_cwd=False)
    corpus = work / "corpus"
    articles, distinct, raw = write_corpus(args.data, args.scale, corpus)
    raw_mb = raw / 2**20
    print(f"DICE: {articles:,} articles ({distinct:,} distinct texts), {raw_mb:.1f} MB of "
          f"raw text; synthetic dates 2011-2021 (DICE has none).")
    if articles > distinct:
        print("Note: the corpus repeats DICE with new ids; repeated text compresses better "
              "than fresh text, so index size and speed are somewhat flattered.")
    sample = read_corpus(corpus)[:distinct]
    texts = [d["text"] for d in sample]
    publisher = Counter(d["publisher"] for d in sample).most_common(1)[0][0]
    del sample
    stop = frozenset(config["italian"]["stopwords"])
    queries = make_queries(texts, args.queries, stop)
    print(f"{len(queries)} queries ({args.queries} per kind), each timed {args.repeat}x after "
          f"a warm-up pass; top 10 with snippets.\n", flush=True)

    ours = Column("searchidx")
    folder = work / "searchidx"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    print("searchidx: indexing (child process) …", flush=True)
    ours.build = build_in_child("searchidx", corpus, folder)
    ours.build.size_mb = folder_mb(folder)
    info = ours.build.info
    if info["failed"] or info["added"] != articles:
        raise BenchError(f"searchidx indexed {info['added']} of {articles} articles "
                         f"({info['failed']} failed: {info['errors']})")
    print(f"  {articles / ours.build.seconds:,.0f} articles/s "
          f"({1000 * info['cpu_seconds'] / articles:.1f} CPU s per 1,000), "
          f"peak {ours.build.peak_rss_mb or 0:,.0f} MB; re-indexing unchanged …", flush=True)
    ours.reindex = build_in_child("searchidx", corpus, folder).seconds
    ix = Index(folder, config)

    def ask(q: BenchQuery) -> object:
        text, options = q.searchidx_args(publisher)
        return ix.search(text, **options)

    ours.latency = time_queries(ask, queries, args.repeat)
    ix.close()
    whole_sets = time_whole_sets(folder, config, max(args.repeat, 5))
    cmd = searchidx_command()
    optimized: list[str] = []
    if args.optimize:
        print("  searchidx index --optimize …", flush=True)
        started = time.perf_counter()
        subprocess.run([*cmd, "index", str(corpus), "--index", str(folder), "--optimize",
                        "--quiet"], cwd=work, capture_output=True, check=True)
        seconds = time.perf_counter() - started
        ix = Index(folder, config)
        latency = time_queries(ask, queries, args.repeat)
        ix.close()
        optimized = [f"After `searchidx index --optimize` ({seconds:,.0f} s, one segment): "
                     f"size {folder_mb(folder) / raw_mb:.2f}x the raw text; p50 / p95 ms: "
                     + "; ".join(f"{KINDS[k]} {p50:.1f} / {p95:.1f}"
                                 for k, (p50, p95) in latency.items())]
    ours.cold = cold_wall([*cmd, "query", COLD_QUERY, "--index", str(folder)], args.cold_runs,
                          work)
    seeds = ROOT / "seeds"
    seeds_cold = None
    if seeds.is_dir():
        seeds_index = work / "seeds-index"
        shutil.rmtree(seeds_index, ignore_errors=True)
        subprocess.run([*cmd, "index", str(seeds), "--index", str(seeds_index), "--quiet"],
                       cwd=work, capture_output=True, check=True)
        seeds_cold = cold_wall([*cmd, "query", COLD_QUERY, "--index", str(seeds_index)],
                               args.cold_runs, work)
        print(f"  cold query on the seeds: {seeds_cold:.3f} s", flush=True)

    columns = [ours]
    skipped: dict[str, str] = {}
    if not args.skip_peers:
        peers, skipped = make_peers(list(BENCH_PEERS), work / "peers")
        for peer in peers:
            print(f"{peer.name}: indexing (child process) and querying …", flush=True)
            shutil.rmtree(peer.folder, ignore_errors=True)
            peer.folder.mkdir(parents=True)
            column = Column(peer.name)
            column.build = build_in_child(peer.name, corpus, peer.folder)
            column.build.size_mb = peer.size_bytes() / 2**20
            peer.open()
            column.latency = time_queries(
                lambda q, p=peer: p.run(q.request(publisher), 10, snippets=True),
                queries, args.repeat)
            peer.close()
            column.cold = cold_wall(peer_cold_command(peer, COLD_QUERY), args.cold_runs, work)
            columns.append(column)

    print(f"\n## DICE x {articles:,} articles ({raw_mb:.0f} MB of text), 2 cores\n")
    print("\n".join(table(columns, articles, raw_mb)))
    for name, why in skipped.items():
        print(f"\n{name}: {why}")
    print(f"\nQueries: top 10 with snippets. searchidx through Index.search, extraction on "
          f"(facets: {', '.join(SEARCHIDX_FACETS)}); peers count the only facets they have "
          f"({', '.join(PEER_FACETS)}). Every DICE article has the same publisher, so the "
          f"publisher filter keeps every match (its worst case). Peak RSS: the indexing "
          f"process and its workers, summed. Ratio = searchidx ÷ peer (for articles/s "
          f"higher is better, for the rest lower). Cold process: median of {args.cold_runs} "
          f"runs. Stock Whoosh answers in this process after searchidx opened its index, "
          f"so it reads segments in place, skips postings by bisection and intersects "
          f"them without redundant checks too (searchidx/backends/whoosh/storage.py): that "
          f"can only flatter it. Its index is built in a child process of its own, with stock "
          f"Whoosh.\n")
    for line in optimized:
        print(line + "\n")
    print(f"People and time over the whole index (issue 21; Index.people and Index.timeline, "
          f"{articles:,} articles):")
    print("\n".join(whole_set_lines(whole_sets, articles)) + "\n")
    print(f"Goals of issue 5 (stated for 100,000 articles; this run has {articles:,}):")
    print("\n".join(goals(ours, articles, raw_mb, seeds_cold)))


# -- OpenSearch against Whoosh (--backend opensearch) --------------------------------------

class ClusterWatch:
    """The cluster's figures during a run: peak JVM heap per node, indexing time."""

    def __init__(self, url: str) -> None:
        from searchidx.backends.opensearch.client import Client

        self.client = Client.from_env(url)
        self.peak_heap: dict[str, int] = {}
        self.heap_max: dict[str, int] = {}
        self._last = 0.0

    def sample(self) -> None:
        """Read every node's heap, at most twice a second."""
        if time.monotonic() - self._last < 0.5:
            return
        self._last = time.monotonic()
        nodes = self.client.get("/_nodes/stats/jvm").body["nodes"]
        for node in nodes.values():
            mem = node["jvm"]["mem"]
            name = node["name"]
            self.peak_heap[name] = max(self.peak_heap.get(name, 0), mem["heap_used_in_bytes"])
            self.heap_max[name] = mem["heap_max_in_bytes"]

    def indexing(self, index: str) -> dict[str, float]:
        """Seconds the cluster spent indexing, refreshing and merging ``index`` (all
        copies, primaries and replicas, summed over threads)."""
        total = self.client.get(f"/{index}/_stats/indexing,refresh,merge").body["_all"]["total"]
        return {"indexing": total["indexing"]["index_time_in_millis"] / 1000,
                "refresh": total["refresh"]["total_time_in_millis"] / 1000,
                "merge": total["merges"]["total_time_in_millis"] / 1000}

    def cpu_seconds(self) -> float:
        """CPU seconds the cluster's processes have used (every node): what indexing costs
        it, where the indexing threads' time also counts their waits for a busy CPU."""
        nodes = self.client.get("/_nodes/stats/process").body["nodes"].values()
        return sum(node["process"]["cpu"]["total_in_millis"] for node in nodes) / 1000

    def heap_line(self) -> str:
        return ", ".join(f"{name} {self.peak_heap[name] / 2**20:,.0f} of "
                         f"{self.heap_max[name] / 2**20:,.0f} MB"
                         for name in sorted(self.peak_heap))


def compare_queries(ix: dict[str, Any], queries: list[BenchQuery], publisher: str,
                    repeat: int, watch: ClusterWatch) -> list[str]:
    """Table rows of query p50/p95 per kind, Whoosh and OpenSearch: each query asked of one
    and then of the other, so that both see the same load; the first pass is untimed, and
    its numbers of matches are compared."""
    times: dict[tuple[str, str], list[float]] = {}
    totals: dict[str, list[int]] = {}
    for timed in range(1 + repeat):
        for q in queries:
            text, options = q.searchidx_args(publisher)
            for name, index in ix.items():
                started = time.perf_counter()
                result = index.search(text, **options)
                times.setdefault((name, q.kind), []).append(
                    1000 * (time.perf_counter() - started))
                if not timed:
                    totals.setdefault(name, []).append(result.total)
        watch.sample()
    rows = []
    for kind, label in KINDS.items():
        w, o = (times[(name, kind)][len(queries) // len(KINDS):] for name in ix)
        rows.append(f"| {label}, p50 / p95 ms | {percentile(w, 0.5):.1f} / "
                    f"{percentile(w, 0.95):.1f} | {percentile(o, 0.5):.1f} / "
                    f"{percentile(o, 0.95):.1f} | {percentile(o, 0.5) / percentile(w, 0.5):.2f}"
                    f" / {percentile(o, 0.95) / percentile(w, 0.95):.2f} |")
    same = sum(a == b for a, b in zip(*totals.values(), strict=True))
    rows.append(f"| queries with the same number of matches on both | {same} of "
                f"{len(queries)} | | |")
    return rows


def bench_built(args: argparse.Namespace) -> None:
    """Queries only, on a Whoosh index and an OpenSearch index built already (say, of the
    same 100,000 articles: scripts/fill_opensearch.py copies one into the other)."""
    from itertools import islice

    from searchidx import Index
    from searchidx.config import load_config

    config = load_config(search_cwd=False)
    whoosh = Index(args.whoosh_index, config)
    sample = list(islice(whoosh.iter_documents(), QUERY_SAMPLE))
    publisher = Counter(d.get("publisher") for d in sample).most_common(1)[0][0]
    queries = make_queries([d["body"] for d in sample], args.queries,
                           frozenset(config["italian"]["stopwords"]))
    del sample
    watch = ClusterWatch(args.url)
    ix = {"whoosh": whoosh,
          "opensearch": Index(args.index, config, backend="opensearch", url=args.url)}
    stats = {name: index.stats() for name, index in ix.items()}
    print(f"Whoosh {args.whoosh_index}: {stats['whoosh']['documents']:,} articles; OpenSearch "
          f"{args.index} at {args.url}: {stats['opensearch']['documents']:,}; "
          f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    print("\n| | Whoosh | OpenSearch | OpenSearch ÷ Whoosh |\n|---|---:|---:|---:|")
    print("\n".join(compare_queries(ix, queries, publisher, args.repeat, watch)))
    print(f"| size, MB (OpenSearch: primaries) | {folder_mb(args.whoosh_index):,.0f} | "
          f"{stats['opensearch']['size_bytes'] / 2**20:,.0f} | "
          f"{stats['opensearch']['size_bytes'] / 2**20 / folder_mb(args.whoosh_index):.2f} |")
    print(f"\nJVM heap, peak used of max, per node: {watch.heap_line()}; load average "
          f"{os.getloadavg()[0]:.1f} at the end.")
    print(f"Queries: {len(queries)} ({args.queries} per kind, drawn from the first "
          f"{QUERY_SAMPLE:,} articles), {args.repeat} timed passes after one warm-up, each "
          "query asked of Whoosh and then of OpenSearch; top 10 with snippets, through "
          "Index.search on both.")
    for index in ix.values():
        index.close()


def bench_backends(args: argparse.Namespace, work: Path) -> None:
    """Whoosh and OpenSearch side by side: the same corpus, the same queries."""
    from searchidx import Index
    from searchidx.config import load_config

    config = load_config(search_cwd=False)
    corpus = work / "corpus"
    articles, distinct, raw = write_corpus(args.data, args.scale, corpus)
    repeated = f", DICE repeated {articles / distinct:.1f}x with new ids" \
        if articles > distinct else ""
    print(f"DICE: {articles:,} articles ({distinct:,} distinct texts{repeated}), "
          f"{raw / 2**20:.1f} MB of raw text; {os.cpu_count()} cores, cluster at {args.url}")
    sample = read_corpus(corpus)[:distinct]
    publisher = Counter(d["publisher"] for d in sample).most_common(1)[0][0]
    queries = make_queries([d["text"] for d in sample], args.queries,
                           frozenset(config["italian"]["stopwords"]))
    del sample
    watch = ClusterWatch(args.url)
    folder = work / "whoosh"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    print("whoosh: indexing (child process) …", flush=True)
    whoosh = build_in_child("searchidx", corpus, folder)
    index_name = f"bench-{articles}"
    print("opensearch: indexing (child process) …", flush=True)
    cpu_before = watch.cpu_seconds()
    cluster = build_in_child("searchidx", corpus, work / index_name, args.url, watch.sample)
    cluster_cpu = watch.cpu_seconds() - cpu_before
    spent = watch.indexing(index_name)
    rows = [("indexing, articles/s", articles / whoosh.seconds, articles / cluster.seconds)]
    print(f"\n## Whoosh and OpenSearch, {articles:,} articles, back to back\n")
    print("| | Whoosh | OpenSearch | OpenSearch ÷ Whoosh |\n|---|---:|---:|---:|")
    print(f"| {rows[0][0]} | {rows[0][1]:,.0f} | {rows[0][2]:,.0f} | "
          f"{rows[0][2] / rows[0][1]:.2f} |")
    print(f"| indexing, CPU s of our processes | {whoosh.info['cpu_seconds']:,.0f} | "
          f"{cluster.info['cpu_seconds']:,.0f} | "
          f"{cluster.info['cpu_seconds'] / whoosh.info['cpu_seconds']:.2f} |")
    ix = {"whoosh": Index(folder, config),
          "opensearch": Index(index_name, config, backend="opensearch", url=args.url)}
    print("\n".join(compare_queries(ix, queries, publisher, args.repeat, watch)))
    stats = ix["opensearch"].stats()
    print(f"| size, MB (OpenSearch: primaries) | {folder_mb(folder):,.0f} | "
          f"{stats['size_bytes'] / 2**20:,.0f} | "
          f"{stats['size_bytes'] / 2**20 / folder_mb(folder):.2f} |")
    print(f"\nWhere OpenSearch's indexing time goes: {cluster.seconds:,.0f} s wall; our "
          f"processes (reading, extraction, building documents, bulk requests) used "
          f"{cluster.info['cpu_seconds']:,.0f} CPU s; the cluster {cluster_cpu:,.0f} CPU s "
          f"(all nodes), its threads {spent['indexing']:,.0f} s indexing (primaries and "
          f"replicas, summed over threads, waits for the CPU included), "
          f"{spent['refresh']:,.0f} s refreshing, {spent['merge']:,.0f} s merging.")
    print(f"JVM heap, peak used of max, per node: {watch.heap_line()}.")
    print(f"Queries: {len(queries)} ({args.queries} per kind), {args.repeat} timed passes "
          "after one warm-up, each query asked of Whoosh and then of OpenSearch; top 10 with "
          "snippets, through Index.search on both.")
    ix["opensearch"].close()
    watch.client.delete(f"/{index_name}", ok=(404,))
    watch.client.delete(f"/{index_name}-searchidx-manifest", ok=(404,))
    watch.client.delete(f"/_index_template/searchidx-{index_name}", ok=(404,))


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Benchmark searchidx on DICE (indexing, memory, size, query latency, cold "
                    "start, re-index) next to SQLite FTS5, stock Whoosh and tantivy.")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA,
                        help="shared data folder holding dice/ (default: %(default)s)")
    parser.add_argument("--scale", type=int, metavar="N",
                        help="use N articles: DICE cut, or repeated with distinct ids "
                             "(default: DICE once, 10,372)")
    parser.add_argument("--queries", type=int, default=30, metavar="N",
                        help="queries per kind (default: %(default)s)")
    parser.add_argument("--repeat", type=int, default=3, metavar="R",
                        help="timed passes over the queries (default: %(default)s)")
    parser.add_argument("--cold-runs", type=int, default=7, metavar="R",
                        help="runs of the cold query process, median taken (default: %(default)s)")
    parser.add_argument("--skip-peers", action="store_true", help="benchmark searchidx alone")
    parser.add_argument("--optimize", action="store_true",
                        help="also time `searchidx index --optimize` and the queries after it")
    parser.add_argument("--workdir", type=Path,
                        help="build the indexes here and keep them (default: a temporary folder)")
    parser.add_argument("--backend", choices=["whoosh", "opensearch"], default="whoosh",
                        help="opensearch: compare the OpenSearch backend with Whoosh instead "
                             "of the peers (needs --url)")
    parser.add_argument("--url", help="the OpenSearch cluster (--backend opensearch)")
    parser.add_argument("--whoosh-index", type=Path, metavar="DIR",
                        help="--backend opensearch: time the queries only, on this Whoosh "
                             "index and the OpenSearch index --index (both built already)")
    parser.add_argument("--index", metavar="NAME", help="the OpenSearch index of --whoosh-index")
    parser.add_argument("--child", choices=["searchidx", *PEERS], help=argparse.SUPPRESS)
    parser.add_argument("--child-corpus", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.scale is not None and args.scale < 1 or args.queries < 1 or args.repeat < 1:
        parser.error("--scale, --queries and --repeat must be positive")
    if args.backend == "opensearch" and not args.url:
        parser.error("--backend opensearch needs --url http://HOST:9200")
    if (args.whoosh_index is None) != (args.index is None) or (
            args.whoosh_index and args.backend != "opensearch"):
        parser.error("--whoosh-index DIR and --index NAME go together, "
                     "with --backend opensearch")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child:
        child_main(args.child, args.child_corpus, args.workdir, args.url)
        return 0
    try:
        if args.whoosh_index:
            bench_built(args)
            return 0
        with work_folder(args.workdir, "searchidx-bench-") as folder:
            if args.backend == "opensearch":
                bench_backends(args, folder)
            else:
                bench(args, folder)
    except BenchError as exc:
        print(f"bench: error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    os.environ.pop("SEARCHIDX_INDEX", None)
    sys.exit(main())
