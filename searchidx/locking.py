"""One writer at a time, with a name for whoever holds the lock.

``fcntl.flock`` is released by the kernel when the last descriptor of its open
file goes, so a lock can never outlive a killed writer — provided no other
process holds a copy of the descriptor. Worker processes are forked while the
lock is held and would inherit one, keeping the index locked after a killed
writer for as long as they live; so every forked child closes its copies at
once (:func:`os.register_at_fork`): workers never hold the lock. The file keeps
the holder's pid only so that a waiting user can be told who is writing, and so
that a lock left behind by a dead process is reported as cleared.
"""

from __future__ import annotations

import fcntl
import os
import time

from .errors import SearchidxError

LOCK_NAME = "searchidx.lock"

# descriptors of the locks this process holds, closed in every child it forks
_HELD: set[int] = set()


def _close_inherited_locks() -> None:
    """In a forked child: drop the copies of the parent's lock descriptors.

    Closing a copy never releases the parent's lock (the kernel releases an
    ``flock`` only with the last descriptor of its open file).
    """
    import contextlib

    for fd in _HELD:
        with contextlib.suppress(OSError):
            os.close(fd)
    _HELD.clear()


os.register_at_fork(after_in_child=_close_inherited_locks)


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


def _holder_pid(holder: str) -> int | None:
    """The pid in a lock file's ``pid N (…)`` line, if any."""
    parts = holder.split()
    if len(parts) >= 2 and parts[0] == "pid" and parts[1].isdigit():
        return int(parts[1])
    return None


class WriteLock:
    """Exclusive write lock on an index folder (a context manager)."""

    def __init__(self, folder: str | os.PathLike[str], wait: float = 0.0) -> None:
        self.folder = os.fspath(folder)
        self.path = os.path.join(self.folder, LOCK_NAME)
        self.wait = wait
        self.fd: int | None = None
        self.stale_note: str | None = None

    @staticmethod
    def _holder(fd: int) -> str:
        """Who wrote the lock file last, read through our own descriptor."""
        try:
            return os.pread(fd, 4096, 0).decode("utf-8", "replace").strip()
        except OSError:
            return ""

    def _locked_error(self, fd: int) -> IndexLockedError:
        holder = self._holder(fd)
        pid = _holder_pid(holder)
        if pid is not None and not _pid_alive(pid):
            return IndexLockedError(
                f"index at {self.folder} is locked by a process that outlived the writer "
                f"that started it (pid {pid}, no longer running); it should stop within "
                f"seconds: retry, or wait with --wait SECONDS")
        return IndexLockedError(
            f"index at {self.folder} is being written by {holder or 'another process'}; "
            f"wait for it, or retry with --wait SECONDS")

    def acquire(self) -> None:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        deadline = time.monotonic() + max(0.0, self.wait)
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    error = self._locked_error(fd)
                    os.close(fd)
                    raise error from None
                time.sleep(0.1)
        _HELD.add(fd)
        pid = _holder_pid(self._holder(fd))
        if pid is not None and pid != os.getpid() and not _pid_alive(pid):
            self.stale_note = (f"cleared a lock left by process {pid}, "
                               f"which is no longer running")
        os.ftruncate(fd, 0)
        import datetime

        started = datetime.datetime.now().isoformat(timespec="seconds")
        os.pwrite(fd, f"pid {os.getpid()} (searchidx index, since {started})\n".encode(), 0)
        self.fd = fd

    def release(self) -> None:
        if self.fd is not None:
            os.ftruncate(self.fd, 0)
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            _HELD.discard(self.fd)
            os.close(self.fd)
            self.fd = None

    def __enter__(self) -> WriteLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
