"""Stop ``searchidx index`` by SIGKILL, SIGTERM and Ctrl-C at random moments, and count.

For each stop: the exit status, the processes of the run still alive 2 s later
(orphans: must be none), whether the lock is free, the seconds of work lost (from
the last commit, or the start, to the stop) and the articles the index kept;
then a resumed run, which must end with exactly the source set.

    .venv/bin/python scripts/bench_stops.py CORPUS [--rounds 3] [--workdir /tmp/stops]

Exit status: 0 every stop survived, 1 a check failed, 2 bad arguments.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.processes import lock_is_free, processes_of  # noqa: E402

SIGNALS = {"SIGKILL": signal.SIGKILL, "SIGTERM": signal.SIGTERM, "SIGINT": signal.SIGINT}


def index_command(corpus: Path, index_dir: Path) -> list[str]:
    return [sys.executable, "-m", "searchidx.cli", "index", str(corpus), "--index",
            str(index_dir), "--quiet"]


def last_commit(index_dir: Path, since: float) -> float:
    """When the newest table of contents was written (the start, if none since)."""
    times = [t.stat().st_mtime for t in index_dir.glob("_MAIN_*.toc")]
    return max([since, *times])


def documents(index_dir: Path) -> int:
    from searchidx import Index

    if not (index_dir / "manifest.sqlite3").exists():
        return 0
    with Index(index_dir) as ix:
        return ix.stats()["documents"]


def one_stop(name: str, corpus: Path, index_dir: Path, at: float, expected: int) -> dict:
    shutil.rmtree(index_dir, ignore_errors=True)
    started = time.time()
    proc = subprocess.Popen(index_command(corpus, index_dir), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    time.sleep(at)
    stopped = time.time()
    if proc.poll() is None:
        if name == "SIGINT":
            os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C reaches the whole job
        else:
            proc.send_signal(SIGNALS[name])
    _, err = proc.communicate()
    deadline = time.monotonic() + 2.0
    while processes_of(index_dir) and time.monotonic() < deadline:
        time.sleep(0.02)
    orphans = processes_of(index_dir)
    lost = stopped - last_commit(index_dir, started)
    kept = documents(index_dir)
    resumed = subprocess.run(index_command(corpus, index_dir), capture_output=True, text=True)
    total = documents(index_dir)
    return {"signal": name, "at": at, "exit": proc.returncode, "orphans": orphans,
            "lock_free": lock_is_free(index_dir), "lost_s": lost, "kept": kept,
            "resumed_exit": resumed.returncode, "exact": total == expected,
            "one_line": err.strip().count("\n") == 0 and "Traceback" not in err}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--rounds", type=int, default=3, help="stops of each kind")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/searchidx-stops"))
    parser.add_argument("--seed", type=int, default=18)
    args = parser.parse_args(argv)
    if not args.corpus.exists():
        print(f"bench_stops: no corpus at {args.corpus}", file=sys.stderr)
        return 2
    index_dir = args.workdir / "ix"
    args.workdir.mkdir(parents=True, exist_ok=True)
    begun = time.monotonic()
    subprocess.run(index_command(args.corpus, index_dir), check=True, capture_output=True)
    full_run = time.monotonic() - begun
    expected = documents(index_dir)
    print(f"a whole run: {full_run:.0f} s, {expected} articles")
    rng = random.Random(args.seed)
    rows = [one_stop(name, args.corpus, index_dir, rng.uniform(0.05, 0.95) * full_run,
                     expected)
            for _ in range(args.rounds) for name in SIGNALS]
    failed = False
    print("| signal | at s | exit | orphans | lock free | work lost s | kept | resumed exact |")
    print("|---|---|---|---|---|---|---|---|")
    for row in rows:
        ok = (not row["orphans"] and row["lock_free"] and row["exact"]
              and row["resumed_exit"] == 0 and (row["signal"] == "SIGKILL" or row["one_line"]))
        failed |= not ok
        print(f"| {row['signal']} | {row['at']:.1f} | {row['exit']} | {len(row['orphans'])} | "
              f"{row['lock_free']} | {row['lost_s']:.1f} | {row['kept']} | {row['exact']} |")
    lost = [row["lost_s"] for row in rows]
    print(f"stops survived: {sum(1 for r in rows if r['exact'])} of {len(rows)}; orphans: "
          f"{sum(len(r['orphans']) for r in rows)}; work lost per stop: median "
          f"{statistics.median(lost):.1f} s, most {max(lost):.1f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
