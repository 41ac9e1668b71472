"""``--collapse`` query latency against plain queries, and against another release (issue 20).

Each round starts one process per ``--index`` (and the Python that runs it), in turn
(A B A B …): the process opens its index, draws the same queries from ``--corpus``
(``scripts/bench.py``'s kinds word, two words, publisher filter and three facets,
seeded), asks every one once untimed, then ``--repeat`` times timed, plain and collapsed
in turn; an index whose release has no ``collapse`` is asked plain only. Wall and CPU
time per query, p50/p95 over all the rounds; and the share of queries whose totals agree
between the indexes (the same matches, whatever the ranking).

    .venv/bin/python scripts/bench_collapse.py --corpus /tmp/bench100k/corpus \\
        --index /tmp/bench100k/ix-020 \\
        --index /tmp/bench100k/ix-010=/tmp/bench100k/rel-0.1.0/.venv/bin/python

``DIR=PYTHON`` runs that index's process with another release's Python (its own venv);
a plain ``DIR`` with this one.

Exit status: 0 done, 2 a process failed.
"""

from __future__ import annotations

import argparse
import inspect
import json
import random
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench import make_queries, percentile  # noqa: E402

KINDS = ("word", "and", "filter", "facets")


def corpus_texts(corpus: Path, sample: int, seed: int) -> tuple[list[str], str]:
    """A seeded sample of the corpus's texts (to draw queries from) and the sample's
    most common publisher (for the filter queries)."""
    lines = [line for part in sorted(corpus.glob("*.jsonl"))
             for line in part.open(encoding="utf-8")]
    chosen = [json.loads(line) for line in
              random.Random(seed).sample(lines, min(sample, len(lines)))]
    publisher = Counter(r.get("publisher") for r in chosen).most_common(1)[0][0]
    return [r["text"] for r in chosen], publisher


def child(index: str, corpus: Path, per_kind: int, repeat: int, sample: int,
          seed: int) -> dict[str, Any]:
    """Time the queries on ``index`` in this process (see the module's docstring)."""
    from searchidx import Index
    from searchidx.config import load_config

    config = load_config(search_cwd=False)
    texts, publisher = corpus_texts(corpus, sample, seed)
    stop = frozenset(config["italian"]["stopwords"])
    queries = [q for q in make_queries(texts, per_kind, stop, seed) if q.kind in KINDS]
    ix = Index(index, config)
    from searchidx.search import SearchRequest

    modes = [False, True] if "collapse" in inspect.signature(SearchRequest).parameters \
        else [False]
    times: dict[str, list[float]] = defaultdict(list)
    totals = []
    for timed in (False, *([True] * repeat)):
        for q in queries:
            text, options = q.searchidx_args(publisher)
            for collapse in modes:
                extra = {"collapse": True} if collapse else {}
                wall, cpu = time.perf_counter(), time.process_time()
                found = ix.search(text, **options, **extra)
                mode = "collapse" if collapse else "plain"
                if timed:
                    times[f"{mode} wall"].append((time.perf_counter() - wall) * 1000)
                    times[f"{mode} cpu"].append((time.process_time() - cpu) * 1000)
                elif not collapse:
                    totals.append(found.total)
    return {"queries": len(queries), "documents": ix.stats()["documents"], "times": times,
            "totals": totals}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, required=True, help="the indexed corpus folder")
    parser.add_argument("--index", action="append", default=[], metavar="DIR[=PYTHON]")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=3, help="timed passes per process")
    parser.add_argument("--queries", type=int, default=10, help="queries per kind")
    parser.add_argument("--sample", type=int, default=10_000,
                        help="corpus texts the queries are drawn from")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child, args.corpus, args.queries, args.repeat,
                               args.sample, args.seed)))
        return 0
    if not args.index:
        parser.error("give one --index DIR[=PYTHON] or more")
    runs: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for _ in range(args.rounds):
        for spec in args.index:
            index, _, python = spec.partition("=")
            cmd = [python or sys.executable, str(Path(__file__).resolve()), "--child", index,
                   "--corpus", str(args.corpus), "--repeat", str(args.repeat),
                   "--queries", str(args.queries), "--sample", str(args.sample),
                   "--seed", str(args.seed)]
            done = subprocess.run(cmd, capture_output=True, text=True, check=False)
            if done.returncode != 0:
                print(f"bench_collapse: {spec} failed: {done.stderr.strip()[-1500:]}",
                      file=sys.stderr)
                return 2
            runs[spec].append(json.loads(done.stdout.strip().splitlines()[-1]))
    first = runs[args.index[0]][0]
    print(f"{first['queries']} queries ({', '.join(KINDS)}), {args.rounds} rounds x "
          f"{args.repeat} timed passes, one process per index per round, in turn; ms:")
    print("| index | documents | mode | wall p50 / p95 | CPU p50 / p95 |")
    print("|---|---|---|---|---|")
    for spec, results in runs.items():
        pooled: dict[str, list[float]] = defaultdict(list)
        for result in results:
            for name, values in result["times"].items():
                pooled[name] += values
        for mode in ("plain", "collapse"):
            if f"{mode} wall" not in pooled:
                continue
            wall, cpu = pooled[f"{mode} wall"], pooled[f"{mode} cpu"]
            print(f"| {spec.partition('=')[0]} | {results[0]['documents']:,} | {mode} | "
                  f"{percentile(wall, 0.5):.1f} / {percentile(wall, 0.95):.1f} | "
                  f"{percentile(cpu, 0.5):.1f} / {percentile(cpu, 0.95):.1f} |")
    for spec in args.index[1:]:
        other = runs[spec][0]["totals"]
        same = sum(a == b for a, b in zip(first["totals"], other, strict=True))
        print(f"totals the same on {spec.partition('=')[0]}: {same}/{len(other)} queries")
    return 0


if __name__ == "__main__":
    sys.exit(main())
