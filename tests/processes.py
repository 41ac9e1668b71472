"""What the process tests and scripts/bench_stops.py look at: the processes of a run
and the index's lock, from outside, as a user's shell would see them."""

from __future__ import annotations

import fcntl
from pathlib import Path


def processes_of(index_dir: Path) -> list[int]:
    """Every live (not zombie) process whose command line names this index folder."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if str(index_dir).encode() in cmdline and stat.split(")")[-1].split()[0] != "Z":
            found.append(int(entry.name))
    return found


def lock_is_free(index_dir: Path) -> bool:
    """Whether another writer could take the index's lock now."""
    with open(index_dir / "searchidx.lock", "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        fcntl.flock(handle, fcntl.LOCK_UN)
        return True
