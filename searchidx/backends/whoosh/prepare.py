"""Extraction, analysis and segment writing in worker processes, so indexing uses every core.

Everything an article costs — extraction (people, quotes, topics …), the
Italian analysis of its text, and sorting and writing its postings — is done by
a worker, into a Whoosh segment of the worker's own, as Whoosh's ``MpWriter``
does with ``multisegment=True``. Only raw articles cross between processes,
and the main process is left reading files and committing: it deletes the
articles being replaced and writes the table of contents that adds the
workers' segments to the index. Small runs (a few articles) stay in-process:
a pool would cost more than it saves.
"""

from __future__ import annotations

import ctypes
import gc
import multiprocessing
import os
import signal
import threading
import time
from multiprocessing.connection import Connection, wait
from typing import Any

from ...config import Config
from ...errors import SearchidxError
from ...models import RawArticle
from ...pipeline import extract_one
from ..base import Failure
from .schema import document_fields
from .storage import compact_pickles, patch_whoosh
from .termpool import DocumentAdder, TermPool


class SegmentBuilder:
    """Extracts articles and writes them into one new segment of the index at a time.

    The segment is not part of the index until the main process commits it
    (:meth:`finish` hands it over); until then no reader sees it.
    """

    def __init__(self, index_dir: str, config: Config, stop: frozenset[str],
                 memory_mb: int) -> None:
        patch_whoosh()  # the writing changes too: this process writes a segment
        self.index_dir = index_dir
        self.config = config
        self.stop = stop
        self.memory_mb = memory_mb
        self.adder: DocumentAdder | None = None  # its writer writes the open segment

    def add(self, batch: list[RawArticle]) -> list[Failure]:
        """Write ``batch`` into the segment; the articles whose extraction failed."""
        failed: list[Failure] = []
        for raw in batch:
            try:
                fields = document_fields(extract_one(raw, self.config), self.stop)
            except Exception as exc:  # a bug met by one article must not stop the run
                failed.append((raw.id, raw.path, raw.line, f"{type(exc).__name__}: {exc}"))
                continue
            if self.adder is None:
                from whoosh.index import open_dir
                from whoosh.writing import SegmentWriter

                # _lk=False: the main process holds the index's write lock for the run
                writer = SegmentWriter(open_dir(self.index_dir), _lk=False)
                writer.pool = TermPool(writer.temp_storage(), writer.newsegment,
                                       limitmb=self.memory_mb)
                self.adder = DocumentAdder(writer)
            self.adder.add(fields)
        return failed

    def finish(self) -> Any:
        """The finished segment (None if nothing was added since the last one)."""
        adder, self.adder = self.adder, None
        if adder is None:
            return None
        return adder.writer._finalize_segment()  # written, closed, its sort runs removed

    def cancel(self) -> None:
        """Drop the segment being written; its files go with the next commit's clean-up."""
        adder, self.adder = self.adder, None
        if adder is not None:
            adder.writer._close_segment()


# A worker holds millions of long-lived objects (the postings of its segment, the
# memos of the analyser and tagger), which Python's cycle collector walks again and
# again at its default thresholds (700, 10, 10): 5.3% of the time of 6,000
# articles in one process, 1.2% when the young generation is collected every
# 50,000 allocations. At 100,000 articles indexing went from 911 to 1,005
# articles/s (docs/performance.md). Extraction's garbage is freed by reference
# counting anyway, so memory stays the same (peak RSS 898 and 899 MB).
_GC_THRESHOLDS = (50_000, 10, 10)
_TERMINATE_WAIT_S = 2.0


_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
_PARENT_CHECK_S = 0.5  # the watchdog's period, where the kernel cannot tell us
_STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM}


def _stop_with_parent(parent: int) -> None:
    """Make this worker die with the main process, however the main process ends.

    A worker blocked in a read of its pipe (the main process killed part-way
    through a message) would otherwise wait for ever. On Linux the kernel sends
    the worker SIGKILL when its parent dies (``PR_SET_PDEATHSIG``); elsewhere a
    watchdog thread checks the parent twice a second. Either way the worker never
    depends on reading a whole message to notice.
    """
    try:
        prctl = getattr(ctypes.CDLL(None, use_errno=True), "prctl", None)
    except OSError:
        prctl = None
    if prctl is not None and prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL)) == 0:
        if os.getppid() != parent:  # the parent died before prctl took effect
            os._exit(1)
        return

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(_PARENT_CHECK_S)
        os._exit(1)

    threading.Thread(target=watch, name="searchidx-parent-watch", daemon=True).start()


def _serve(conn: Connection, parent: int, index_dir: str, config: Config,
           stop: frozenset[str], memory_mb: int) -> None:
    """A worker's loop over ``("add", batch)`` and ``("finish",)`` messages, until the
    main process terminates it (or dies: :func:`_stop_with_parent`).

    Ctrl-C reaches the terminal's whole process group: the worker ignores it and
    lets the main process stop it (no traceback from a worker), and SIGTERM gets
    its default action back, since a fork inherits the main process's handlers.
    Both signals are blocked from before the fork (:meth:`Builders._start`) until
    then, so that none lands in between.
    """
    _stop_with_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)
    gc.set_threshold(*_GC_THRESHOLDS)
    builder = SegmentBuilder(index_dir, config, stop, memory_mb)
    with compact_pickles():
        while True:
            message = conn.recv()
            try:
                if message[0] == "add":
                    conn.send(("added", builder.add(message[1])))
                else:
                    conn.send(("segment", builder.finish()))
            except Exception as exc:  # handed to the main process, which raises it
                conn.send(("error", f"{type(exc).__name__}: {exc}"))
                builder.cancel()
                return


class Builders:
    """Feeds batches of articles to segment builders: in-process at first, then, once
    the run proves large, to one worker process per core."""

    POOL_AFTER = 200  # articles seen before a pool is worth starting
    AHEAD = 2  # batches queued per worker, so none waits while the others are fed

    def __init__(self, index_dir: str, config: Config, stop: frozenset[str],
                 workers: int) -> None:
        self.workers = workers
        memory_mb = int(config["index"]["writer_memory_mb"])
        self.args = (index_dir, config, stop, memory_mb)
        self.local = SegmentBuilder(index_dir, config, stop, memory_mb)
        self.processes: list[Any] = []
        self.connections: list[Connection] = []
        self.pending: list[int] = []
        self.seen = 0
        self.failed: list[Failure] = []  # articles whose extraction failed, since finish()

    def submit(self, batch: list[RawArticle]) -> None:
        """Have ``batch`` written into a segment; may wait for a worker to be free."""
        self.seen += len(batch)
        if not self.processes and self.workers > 1 and self.seen >= self.POOL_AFTER:
            self._start()
        if not self.processes:
            self.failed.extend(self.local.add(batch))
            return
        while min(self.pending) >= self.AHEAD:
            self._collect()
        chosen = self.pending.index(min(self.pending))
        self.connections[chosen].send(("add", batch))
        self.pending[chosen] += 1

    def finish(self) -> tuple[list[Any], list[Failure]]:
        """Every batch submitted since the last call, as finished segments for the main
        writer to commit, and the articles among them whose extraction failed."""
        while any(self.pending):
            self._collect()
        segments = [self.local.finish()]
        for conn in self.connections:
            conn.send(("finish",))
        segments.extend(self._reply(i, "segment") for i in range(len(self.connections)))
        failed, self.failed = self.failed, []
        return [s for s in segments if s is not None], failed

    def close(self) -> None:
        """Stop the workers; a segment not handed over by :meth:`finish` is dropped."""
        self.local.cancel()
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            process.join(_TERMINATE_WAIT_S)
            if process.exitcode is None:  # SIGTERM is its default action: cannot happen
                process.kill()
                process.join()
        for conn in self.connections:
            conn.close()
        self.processes, self.connections, self.pending = [], [], []

    def _start(self) -> None:
        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
        for _ in range(self.workers):
            ours, theirs = context.Pipe()
            process = context.Process(target=_serve, args=(theirs, os.getpid(), *self.args),
                                      daemon=True)
            # a signal that arrives meanwhile waits: the worker unblocks it once its own
            # handlers are set, and the main process right after the fork
            signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
            try:
                process.start()
            finally:
                signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)
            theirs.close()
            self.processes.append(process)
            self.connections.append(ours)
            self.pending.append(0)

    def _collect(self) -> None:
        """Wait for any worker to be done with a batch."""
        ready = wait([c for c, n in zip(self.connections, self.pending, strict=True) if n]
                     + [p.sentinel for p in self.processes])
        for i, conn in enumerate(self.connections):
            if conn in ready:
                self.failed.extend(self._reply(i, "added"))
                self.pending[i] -= 1
        self._check_alive()

    def _reply(self, i: int, expected: str) -> Any:
        try:
            kind, value = self.connections[i].recv()
        except (EOFError, OSError):  # the worker is gone: say how it ended
            self.processes[i].join(5)
            raise _worker_stopped(self.processes[i].exitcode) from None
        if kind == "error":
            raise SearchidxError(f"indexing failed in a worker process ({value}); "
                                 "the index keeps its last commit")
        assert kind == expected, (kind, expected)
        return value

    def _check_alive(self) -> None:
        for process in self.processes:
            if process.exitcode is not None:
                raise _worker_stopped(process.exitcode)


def _worker_stopped(exitcode: int | None) -> SearchidxError:
    code = "" if exitcode is None else f" (exit code {exitcode})"
    return SearchidxError(f"an indexing worker stopped{code}; articles since the last "
                          "commit were not indexed: run again")
