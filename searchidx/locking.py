"""One writer at a time, with a name for whoever holds the lock.

``fcntl.flock`` is released by the kernel when its process dies, so a lock
can never outlive a killed writer; the file keeps the holder's pid only so that
a waiting user can be told who is writing, and so that a lock left behind by a
dead process is reported as cleared.
"""

from __future__ import annotations

import datetime as _dt
import fcntl
import os
import time
from pathlib import Path

from .errors import SearchidxError

LOCK_NAME = "searchidx.lock"


class IndexLockedError(SearchidxError):
    """Another live process is writing the index."""


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class WriteLock:
    """Exclusive write lock on an index folder (a context manager)."""

    def __init__(self, folder: Path, wait: float = 0.0) -> None:
        self.path = folder / LOCK_NAME
        self.wait = wait
        self.fd: int | None = None
        self.stale_note: str | None = None

    def _holder(self) -> str:
        try:
            text = self.path.read_text(encoding="utf-8").strip()
        except OSError:
            return ""
        return text

    def acquire(self) -> None:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + max(0.0, self.wait)
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(fd)
                    holder = self._holder() or "another process"
                    raise IndexLockedError(
                        f"index at {self.path.parent} is being written by {holder}; "
                        f"wait for it, or retry with --wait SECONDS") from None
                time.sleep(0.1)
        previous = self._holder()
        if previous.startswith("pid "):
            pid = int(previous.split()[1])
            if pid != os.getpid() and not _pid_alive(pid):
                self.stale_note = (f"cleared a lock left by process {pid}, "
                                   f"which is no longer running")
        os.ftruncate(fd, 0)
        started = _dt.datetime.now().isoformat(timespec="seconds")
        os.write(fd, f"pid {os.getpid()} (searchidx index, since {started})\n".encode())
        self.fd = fd

    def release(self) -> None:
        if self.fd is not None:
            os.ftruncate(self.fd, 0)
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None

    def __enter__(self) -> WriteLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
