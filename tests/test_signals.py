"""Stopping ``searchidx index`` by a signal, with real subprocesses.

SIGKILL, SIGTERM and SIGINT (to the whole process group, as a terminal's
Ctrl-C) at several moments of a run large enough to start the worker pool:
before the pool, while it runs, during the commits, during the final merge.
After each: no process of the run is left within 2 seconds, the lock is free,
the index opens, and a resumed run ends with exactly the source set.
"""

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from searchidx import Index
from searchidx.config import load_config

from .conftest import SEEDS
from .processes import lock_is_free, processes_of
from .test_reliability import make_corpus

ARTICLES = 300
LINUX = sys.platform.startswith("linux")


def start(corpus: Path, index_dir: Path, config: Path, *extra: str) -> subprocess.Popen:
    """``searchidx index`` in a process group of its own (a terminal's job)."""
    return subprocess.Popen([sys.executable, "-m", "searchidx.cli", "index", str(corpus),
                             "--index", str(index_dir), "--config", str(config), "--quiet",
                             *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)


def children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(c) for c in text.split()]


def wait_for(condition, seconds: float = 120.0) -> bool:  # a busy CI machine is slow
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.005)
    return False


def reach(moment: str, proc: subprocess.Popen, index_dir: Path) -> bool:
    """Wait until the run is at ``moment``; False if it ended first."""
    lock = index_dir / "searchidx.lock"
    if moment == "starting":  # the lock taken, no worker yet
        return wait_for(lambda: lock.exists() and lock.read_text().strip() != "")
    if moment == "pool":
        return wait_for(lambda: len(children(proc.pid)) >= 2 or proc.poll() is not None) \
            and proc.poll() is None
    if moment == "commit":  # the pool running and at least two commits made
        def committed_twice() -> bool:
            tocs = [int(t.stem.rsplit("_", 1)[1]) for t in index_dir.glob("_MAIN_*.toc")]
            return bool(children(proc.pid)) and max(tocs, default=0) >= 3
        return wait_for(lambda: committed_twice() or proc.poll() is not None) \
            and proc.poll() is None
    assert moment == "final merge"  # the pool stopped, the main process merging
    wait_for(lambda: children(proc.pid) or proc.poll() is not None)
    return wait_for(lambda: not children(proc.pid) or proc.poll() is not None) \
        and proc.poll() is None


def stop(proc: subprocess.Popen, signum: int) -> None:
    if signum == signal.SIGINT:
        os.killpg(proc.pid, signum)  # Ctrl-C reaches the terminal's whole job
    else:
        proc.send_signal(signum)


@pytest.fixture()
def frequent_commits(tmp_path: Path) -> Path:
    path = tmp_path / "frequent.yaml"
    path.write_text("index:\n  commit_every: 10\n  workers: 2\n", encoding="utf-8")
    return path


@pytest.mark.skipif(not LINUX, reason="reads the process table from /proc (Linux)")
@pytest.mark.parametrize("moment", ["starting", "pool", "commit", "final merge"])
@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGTERM, signal.SIGINT],
                         ids=["SIGKILL", "SIGTERM", "SIGINT"])
def test_a_stopped_run_leaves_no_process_and_a_free_lock(tmp_path, frequent_commits, signum,
                                                         moment):
    expected = make_corpus(tmp_path / "corpus", with_seeds=False)
    index_dir = tmp_path / "ix"
    extra = ("--optimize",) if moment == "final merge" else ()
    # a run of 300 articles on a busy machine can end before the test sees the moment,
    # or before the signal lands (the final merge is short): up to three runs
    for _ in range(3):
        shutil.rmtree(index_dir, ignore_errors=True)
        proc = start(tmp_path / "corpus", index_dir, frequent_commits, *extra)
        reached = reach(moment, proc, index_dir)
        if reached:
            stop(proc, signum)
        _, err = proc.communicate(timeout=60 if reached else 300)
        if reached and proc.returncode != 0:
            break
    assert reached and proc.returncode != 0, \
        f"three runs ended before the signal at '{moment}': {err}"
    assert wait_for(lambda: not processes_of(index_dir), 2.0), \
        f"processes left after {signal.Signals(signum).name}: {processes_of(index_dir)}"
    assert lock_is_free(index_dir)
    if signum == signal.SIGKILL:
        assert proc.returncode == -signal.SIGKILL
    else:
        assert proc.returncode == 128 + signum
        assert err.strip().count("\n") == 0 and "Traceback" not in err, err
        assert "searchidx: interrupted; " in err and "run again to finish" in err, err
    config = load_config(frequent_commits)
    if (index_dir / "manifest.sqlite3").exists():
        with Index(index_dir, config) as ix:
            ids = [doc["id"] for doc in ix.iter_documents()]
        assert len(ids) == len(set(ids)) and set(ids) <= expected
    again = start(tmp_path / "corpus", index_dir, frequent_commits)
    out, err = again.communicate(timeout=120)
    assert again.returncode == 0, err
    assert "being written" not in err
    with Index(index_dir, config) as ix:
        assert sorted(doc["id"] for doc in ix.iter_documents()) == sorted(expected)


@pytest.mark.skipif(not LINUX, reason="reads the process table from /proc (Linux)")
def test_an_interrupted_run_keeps_its_commits_and_says_how_many(tmp_path, frequent_commits):
    make_corpus(tmp_path / "corpus", with_seeds=False)
    index_dir = tmp_path / "ix"
    proc = start(tmp_path / "corpus", index_dir, frequent_commits)
    assert reach("commit", proc, index_dir)
    stop(proc, signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    committed = int(err.split("interrupted; ")[1].split()[0])
    assert committed >= 10
    with Index(index_dir, load_config(frequent_commits)) as ix:
        assert ix.stats()["documents"] >= committed


def holds_the_lock(pid: int, lock: Path) -> bool:
    try:
        return any(os.readlink(fd) == str(lock) for fd in Path(f"/proc/{pid}/fd").iterdir())
    except OSError:  # gone, or a descriptor closed while listed
        return False


@pytest.mark.skipif(not LINUX, reason="reads file descriptors from /proc (Linux)")
def test_workers_never_hold_the_lock(tmp_path, frequent_commits):
    """A worker drops its copy of the lock descriptor as the first thing it does
    after the fork, so the kernel frees the lock with the main process."""
    make_corpus(tmp_path / "corpus", with_seeds=False)
    index_dir = tmp_path / "ix"
    lock = index_dir / "searchidx.lock"
    proc = start(tmp_path / "corpus", index_dir, frequent_commits)
    try:
        assert reach("pool", proc, index_dir)
        workers = children(proc.pid)
        assert holds_the_lock(proc.pid, lock) and len(workers) == 2
        # a worker forked an instant ago may not have run yet: give it that instant
        assert wait_for(lambda: not any(holds_the_lock(w, lock) for w in workers), 2.0)
        for _ in range(20):
            assert not any(holds_the_lock(w, lock) for w in children(proc.pid))
            time.sleep(0.01)
    finally:
        proc.kill()
        proc.communicate()


def test_a_lock_whose_named_writer_is_dead_is_not_reported_as_held_by_it(tmp_path):
    index_dir = tmp_path / "ix"
    index_dir.mkdir()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import fcntl, os, sys, time\n"
         f"fd = os.open({str(index_dir / 'searchidx.lock')!r}, os.O_RDWR | os.O_CREAT)\n"
         "fcntl.flock(fd, fcntl.LOCK_EX)\n"
         f"os.write(fd, b'pid {dead.pid} (searchidx index, since 2026-01-01T00:00:00)')\n"
         "print('held', flush=True)\n"
         "time.sleep(60)\n"],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        result = subprocess.run([sys.executable, "-m", "searchidx.cli", "index", str(SEEDS),
                                 "--index", str(index_dir)], capture_output=True, text=True,
                                timeout=60)
    finally:
        holder.kill()
        holder.wait()
    assert result.returncode == 2
    assert f"is being written by pid {dead.pid}" not in result.stderr
    assert f"pid {dead.pid}, no longer running" in result.stderr, result.stderr


def test_commits_come_by_time_as_well_as_by_count(tmp_path):
    make_corpus(tmp_path / "corpus", with_seeds=False)
    config_path = tmp_path / "by-time.yaml"
    config_path.write_text("index:\n  commit_every: 100000\n  commit_seconds: 0.05\n"
                           "  workers: 1\n  merge_small_segments: 2\n", encoding="utf-8")
    index_dir = tmp_path / "ix"
    with Index(index_dir, load_config(config_path)) as ix:
        report = ix.update([tmp_path / "corpus"])
        generation = ix.backend().folder.whoosh().latest_generation()
        sizes = sorted(s.doc_count_all() for s in ix.backend().folder.whoosh()._segments())
    assert report.added == report.committed == ARTICLES
    assert generation == 2  # created (0), a commit once 0.05 s have passed, the last one
    # a segment that a commit by time wrote is never merged as a small tail at the end
    assert report.merged_segments == 0 and sizes == [ARTICLES - 256, 256]
    config_path.write_text("index:\n  commit_every: 100000\n  commit_seconds: 0\n"
                           "  workers: 1\n", encoding="utf-8")
    with Index(tmp_path / "ix2", load_config(config_path)) as ix:
        ix.update([tmp_path / "corpus"])
        # by count only: the last commit alone
        assert ix.backend().folder.whoosh().latest_generation() == 1
