"""Stories on the cluster against Whoosh: what grouping costs an index run, and what
``--collapse`` and ``--facet-by story`` cost a query, side by side on one machine.

The corpus is Facta (1,090 articles, not repeated), then ``--copies`` edited copies
of sampled articles added by a second, incremental run (each joins its original's
story). Both backends index it in turn in this process; the cluster's grouping time
is the time spent in its commits' ``StoryWriter.apply``. Then each query is asked
plain, collapsed, with two facets counted per article and per story, of Whoosh and
of the cluster in turn,
``--repeat`` times after one untimed pass.

    .venv/bin/python scripts/bench_stories.py --url http://127.0.0.1:9200
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from searchidx import Index  # noqa: E402
from searchidx.backends.opensearch import stories as cluster_stories  # noqa: E402
from searchidx.backends.opensearch.manifest import manifest_index  # noqa: E402
from searchidx.backends.opensearch.schema import template_name  # noqa: E402
from searchidx.config import load_config  # noqa: E402
from tests.story_copies import copy_of, write  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "facta" / "articles.jsonl"
WORDS = ["vaccino", "governo", "foto", "video", "euro", "immigrati", "scuola", "ospedale",
         "guerra", "medici", "Salvini", "Conte", "Draghi", "Ucraina", "Putin", "sindaco",
         "virus", "migranti", "Roma", "bambini"]


def timed_grouping() -> list[float]:
    """Wrap the cluster's commit grouping so that its time is recorded."""
    spent: list[float] = []
    apply = cluster_stories.StoryWriter.apply

    def measured(self: Any, *args: Any, **kwargs: Any) -> bool:
        started = time.perf_counter()
        try:
            return apply(self, *args, **kwargs)
        finally:
            spent.append(time.perf_counter() - started)

    cluster_stories.StoryWriter.apply = measured  # type: ignore[method-assign]
    return spent


def run_index(ix: Index, folder: Path) -> tuple[float, float, int]:
    """(wall s, CPU s of this process, articles added) of one index run."""
    wall, cpu = time.perf_counter(), time.process_time()
    report = ix.update([folder])
    assert report.failed == 0, report.errors
    return time.perf_counter() - wall, time.process_time() - cpu, report.added


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] * 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="the OpenSearch cluster")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--copies", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=23)
    args = parser.parse_args(argv)
    records = [json.loads(line) for line in args.data.read_text("utf-8").splitlines()]
    rng = random.Random(args.seed)
    copies = [copy_of(r, rng) for r in rng.sample(records, args.copies)]
    config = load_config(search_cwd=False)
    spent = timed_grouping()
    with tempfile.TemporaryDirectory() as work:
        folder = Path(work) / "data"
        folder.mkdir()
        write(folder / "facta.jsonl", records)
        name = f"bench-stories-{uuid.uuid4().hex[:8]}"
        backends = {"whoosh": Index(Path(work) / "whoosh", config),
                    "opensearch": Index(name, config, backend="opensearch", url=args.url)}
        print(f"corpus: {args.data} ({len(records)} articles, not repeated), then "
              f"{len(copies)} edited copies in a second run")
        runs: dict[str, list[tuple[float, float, int]]] = {}
        for engine, ix in backends.items():
            runs[engine] = [run_index(ix, folder)]
        grouping_first = sum(spent)
        write(folder / "copies.jsonl", copies)
        spent.clear()
        for engine, ix in backends.items():
            runs[engine].append(run_index(ix, folder))
        for engine, (first, second) in runs.items():
            print(f"{engine:10} index: {first[2]} articles {first[0]:.1f} s wall "
                  f"({first[1]:.1f} s CPU here); +{second[2]} copies {second[0]:.1f} s wall "
                  f"({second[1]:.1f} s CPU here)")
        print(f"cluster grouping (StoryWriter.apply): {grouping_first:.2f} s of the first run, "
              f"{sum(spent):.2f} s of the second")
        manifest = backends["whoosh"].backend().manifest()
        print("stories of 2+ (stories, articles):", manifest.story_counts())
        manifest.close()

        kinds: dict[str, Callable[[Index, str], object]] = {
            "plain": lambda ix, q: ix.search(q),
            "collapse": lambda ix, q: ix.search(q, collapse=True),
            "facets": lambda ix, q: ix.search(q, facets=["people", "publisher"]),
            "facet-by story": lambda ix, q: ix.search(q, facets=["people", "publisher"],
                                                       facet_by="story"),
        }
        times: dict[tuple[str, str], list[float]] = {}
        for rep in range(args.repeat + 1):
            for query in WORDS:
                for kind, ask in kinds.items():
                    for engine, ix in backends.items():
                        started = time.perf_counter()
                        ask(ix, query)
                        if rep:  # the first pass warms both up
                            times.setdefault((engine, kind), []).append(
                                time.perf_counter() - started)
        print(f"queries: {len(WORDS)} words x {args.repeat}, p50 / p95 ms")
        for kind in kinds:
            line = [f"{kind:15}"]
            for engine in backends:
                got = times[(engine, kind)]
                line.append(f"{engine} {pct(got, 0.5):.0f} / {pct(got, 0.95):.0f}")
            ratio = statistics.median(times[("opensearch", kind)]) / statistics.median(
                times[("whoosh", kind)])
            print("  ".join(line) + f"  (OpenSearch / Whoosh p50 {ratio:.2f})")
        client = backends["opensearch"].backend().client
        for index in (name, manifest_index(name)):
            client.delete(f"/{index}", ok=(404,))
        client.delete(f"/_index_template/{template_name(name)}", ok=(404,))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
