"""The people directory, timelines and one profile over a whole index, timed (issue 21).

Two views of the same work on an index already built (e.g. the 100,000 articles of
``scripts/make_corpus.py`` and ``scripts/fill_index.py``):

- in one process (``scripts/bench.py``'s :func:`time_whole_sets`, and ``person NAME``
  the same way): the first call in a freshly opened index, as one CLI process makes
  it, then the p50 of ``--repeat`` more; CPU time beside wall time, as the machine is
  shared;
- whole ``searchidx`` processes (start-up included, output to /dev/null), ``--runs``
  of each command in turn: median and range of wall and CPU seconds.

    .venv/bin/python scripts/bench_people.py --index /tmp/bench100k/ix-020 --person Conte

Exit status: 0 done, 2 a command failed.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench import percentile, searchidx_command  # noqa: E402

from searchidx import Index  # noqa: E402
from searchidx.config import load_config  # noqa: E402


def in_process(index: Path, person: str, repeat: int) -> None:
    calls = {
        "people": lambda ix: ix.people(),
        "timeline": lambda ix: ix.timeline(),
        "timeline --facet people --by week --top 5":
            lambda ix: ix.timeline(by="week", facet="people", top=5),
        f"person {person}": lambda ix: ix.person(person),
    }
    config = load_config(search_cwd=False)
    print(f"in one process, {Index(index, config).stats()['documents']:,} articles "
          f"(ms; first call in a fresh index, then p50 of {repeat}):")
    print("| call | first: wall | first: CPU | then p50: wall | then p50: CPU |")
    print("|---|---|---|---|---|")
    for name, call in calls.items():
        ix = Index(index, config)
        times = []
        for _ in range(1 + repeat):
            wall, cpu = time.perf_counter(), time.process_time()
            call(ix)
            times.append((1000 * (time.perf_counter() - wall), 1000 * (time.process_time() - cpu)))
        ix.close()
        rest = times[1:]
        print(f"| {name} | {times[0][0]:,.0f} | {times[0][1]:,.0f} | "
              f"{percentile([w for w, _ in rest], 0.5):,.0f} | "
              f"{percentile([c for _, c in rest], 0.5):,.0f} |")


def whole_processes(index: Path, person: str, runs: int) -> int:
    commands = {
        "people": ["people"],
        "timeline": ["timeline"],
        "timeline --facet people --by week --top 5":
            ["timeline", "--facet", "people", "--by", "week", "--top", "5"],
        f"person {person}": ["person", person],
        "query carabinieri (yardstick)": ["query", "carabinieri"],
    }
    measured: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    env = {**os.environ, "COLUMNS": "100"}
    for _ in range(runs):
        for name, args in commands.items():
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            wall = time.perf_counter()
            done = subprocess.run([*searchidx_command(), *args, "--index", str(index),
                                   "--format", "json"], stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, text=True, env=env, check=False)
            spent = time.perf_counter() - wall
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            if done.returncode not in (0, 1):
                print(f"bench_people: {name} failed: {done.stderr.strip()}", file=sys.stderr)
                return 2
            cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
            measured[name].append((spent, cpu))
    print(f"\nwhole processes, --format json to /dev/null, {runs} runs each in turn "
          "(s: median, min-max):")
    print("| command | wall | CPU |")
    print("|---|---|---|")
    for name, values in measured.items():
        walls, cpus = [w for w, _ in values], [c for _, c in values]
        print(f"| {name} | {statistics.median(walls):.2f} ({min(walls):.2f}-{max(walls):.2f}) "
              f"| {statistics.median(cpus):.2f} ({min(cpus):.2f}-{max(cpus):.2f}) |")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--person", default="Conte", help="the profile to time")
    parser.add_argument("--repeat", type=int, default=3, help="in-process calls after the first")
    parser.add_argument("--runs", type=int, default=3, help="whole processes of each command")
    args = parser.parse_args(argv)
    in_process(args.index, args.person, args.repeat)
    return whole_processes(args.index, args.person, args.runs)


if __name__ == "__main__":
    sys.exit(main())
