"""Cut documents into passages and their postings in worker processes, handed back in order.

A full build spends about half its time splitting sentences and analysing words; two forked
workers do that while the one Whoosh writer in the parent adds their results in document
order, so passages get the same numbers as with no workers.

A worker never outlives the build: it asks Linux to kill it when the parent dies
(PR_SET_PDEATHSIG), checks the parent is still the one that forked it, holds no file of the
parent's open but its own pipe (so the writer lock and the parent's output go when the parent
goes), and stops at end of file on its pipe, which is what it sees when the parent dies on
systems without PR_SET_PDEATHSIG. When a worker dies, the parent raises instead of waiting.
"""
from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
import traceback
from typing import Callable, Iterator, Sequence

PR_SET_PDEATHSIG = 1
BATCH = 64  # documents a worker cuts per message
AHEAD = 2  # batches queued per worker


class WorkerDied(RuntimeError):
    """A build worker exited without answering (killed, out of memory)."""


def default_workers() -> int:
    """Two workers where fork and two cores are available, else none (cut in the parent)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return 2 if cores >= 2 and "fork" in multiprocessing.get_all_start_methods() else 0


def die_with_parent(parent: int) -> None:
    """Be killed when the parent dies (Linux); exit now if it already has."""
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass  # the pipe's end of file still stops the worker
    if os.getppid() != parent:
        os._exit(1)


def _keep_only(fd: int) -> None:
    """Close every inherited file but `fd` and stderr: the parent's lock, index files, stdout,
    and the parent's ends of the pipes (so the worker sees end of file when the parent dies)."""
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(null, 1)
    os.close(null)
    os.closerange(3, fd)
    os.closerange(fd + 1, os.sysconf("SC_OPEN_MAX") if hasattr(os, "sysconf") else 4096)


def _serve(conn, parent: int, items: Sequence, factory: Callable, index: int) -> None:
    die_with_parent(parent)
    _keep_only(conn.fileno())
    try:
        worker = factory(index)
        while True:
            try:
                task = conn.recv()
            except EOFError:  # the parent is done with us, or gone
                return
            method, args = task
            if method == "work":
                start, end = args
                conn.send(("ok", worker.work(items[start:end])))
            else:  # finish(), then any later job the parent asks for (call)
                conn.send(("ok", getattr(worker, method)(*args)))
    except BaseException:
        try:
            conn.send(("error", traceback.format_exc()))
        except OSError:
            pass


def _worker_main(conn, parent, items, factory, index) -> None:
    try:
        _serve(conn, parent, items, factory, index)
    finally:
        os._exit(0)  # no finalizers: the objects inherited from the parent are not ours


class Workers:
    """Forked workers, each made by factory(index) in its own process, working through items.

    A worker object has work(batch of items) -> payload and finish() -> result. results()
    yields (worker index, payload) for consecutive batches in order; finish() then returns
    each worker's finish() result, and call() runs any other method of each worker after
    that. Leaving the `with` block stops every worker.
    """

    def __init__(self, items: Sequence, factory: Callable, workers: int):
        self._items, self._factory, self._n = items, factory, workers
        self._batches = [(s, min(s + BATCH, len(items))) for s in range(0, len(items), BATCH)]
        self._conns, self._procs = [], []

    def __enter__(self) -> "Workers":
        ctx = multiprocessing.get_context("fork")
        pipes = [ctx.Pipe() for _ in range(self._n)]
        self._conns = [mine for mine, _ in pipes]
        for index, (_, child) in enumerate(pipes):
            proc = ctx.Process(target=_worker_main, daemon=True,
                               args=(child, os.getpid(), self._items, self._factory, index))
            proc.start()
            self._procs.append(proc)
            child.close()
        return self

    def results(self) -> Iterator[tuple[int, object]]:
        batches, n_workers = self._batches, self._n
        for n in range(min(len(batches), n_workers * AHEAD)):
            self._send(n % n_workers, ("work", batches[n]))
        for n in range(len(batches)):
            index = n % n_workers
            payload = self._receive(index, "ok")
            if n + n_workers * AHEAD < len(batches):
                self._send(index, ("work", batches[n + n_workers * AHEAD]))
            yield index, payload

    def finish(self) -> list:
        return self.call("finish", [()] * self._n)

    def call(self, method: str, args: Sequence[tuple]) -> list:
        """Each worker's method(*args[its index]), run at once in all of them."""
        for index in range(self._n):
            self._send(index, (method, tuple(args[index])))
        return [self._receive(index, "ok") for index in range(self._n)]

    def _send(self, index: int, task) -> None:
        try:
            self._conns[index].send(task)
        except OSError:
            raise WorkerDied(f"a build worker (pid {self._procs[index].pid}) died") from None

    def _receive(self, index: int, expected: str):
        try:
            status, payload = self._conns[index].recv()
        except (EOFError, OSError):  # OSError: it died with our message unread
            raise WorkerDied(f"a build worker (pid {self._procs[index].pid}) died") from None
        if status != expected:
            raise RuntimeError(f"a build worker failed:\n{payload}")
        return payload

    def __exit__(self, *exc) -> None:
        for conn in self._conns:
            conn.close()  # a worker still waiting for work sees end of file and stops
        for proc in self._procs:
            proc.join(timeout=5)
            if proc.is_alive():
                proc.kill()
                proc.join()
