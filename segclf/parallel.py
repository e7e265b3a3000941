"""The batch API over worker processes: one model per worker, results in order, memory flat.

Workers are spawned (not forked: the parent may run threads, such as the progress bar)
and load the model once each. The parent reads the sources and keeps at most
`IN_FLIGHT_PER_WORKER` batches per worker under way, so a 100 GB WARC never piles up in
memory; results come back in input order. Site counts for cross-page repetition reach the
workers through one file, read once per worker, not with every batch.
"""

from __future__ import annotations

import os
import pickle
import signal
import tempfile
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from functools import lru_cache, partial
from multiprocessing import get_context
from pathlib import Path

from segclf.batch import (
    PAGES_PER_CALL,
    CleanOptions,
    CleanResult,
    batched,
    clean_batch,
    count_batch,
    merge_repetitions,
    prune_repetition,
    source_result,
)
from segclf.extract import resolve_model
from segclf.features import SiteRepetition
from segclf.sources import PageSource

# Batches queued per worker: enough that no worker waits for the parent, few enough that
# memory does not grow with the input.
IN_FLIGHT_PER_WORKER = 2
_THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
LOST_WITH_WORKER = "a worker process died while cleaning its batch (killed, or out of memory?); --resume retries it"


def available_cores() -> int:
    """Cores this process may run on (the affinity mask, where the platform has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


class WorkerError(RuntimeError):
    """The worker processes cannot do any work."""


class WorkerPool:
    """`count_sites` and `clean` of segclf.batch, spread over `jobs` processes."""

    def __init__(self, jobs: int, model_path: Path) -> None:
        self.jobs = jobs
        self.model_path = Path(model_path)
        self._executor: ProcessPoolExecutor | None = None
        self._generation = 0  # pools started so far
        self._productive: set[int] = set()  # the pools that returned at least one batch
        self._scratch = tempfile.TemporaryDirectory(prefix="segclf-")
        self._calls = 0

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, kind, value, traceback) -> None:
        # Interrupted (Ctrl-C) or failed: stop the workers now rather than let them finish
        # batches whose results nobody will write.
        self._stop(now=kind is not None)
        self._scratch.cleanup()

    def count_sites(
        self, sources: Iterable[PageSource], options: CleanOptions = CleanOptions(), batch_size: int = PAGES_PER_CALL
    ) -> SiteRepetition:
        task = partial(count_batch, options=options)
        results = self.map_batches(task, batched(sources, batch_size))
        # A batch lost with a dead worker is missing from the counts; its pages are still
        # cleaned (or reported) in the second pass.
        parts = (part for part, _ in results if isinstance(part, SiteRepetition))
        return prune_repetition(merge_repetitions(parts))

    def clean(
        self,
        sources: Iterable[PageSource],
        options: CleanOptions = CleanOptions(),
        repetition: SiteRepetition | None = None,
        batch_size: int = PAGES_PER_CALL,
    ) -> Iterator[CleanResult]:
        repetition_file = None
        if repetition is not None:  # a new name per call: workers cache what they read by name
            self._calls += 1
            repetition_file = str(Path(self._scratch.name) / f"repetition-{self._calls}.pickle")
            with open(repetition_file, "wb") as handle:
                pickle.dump(repetition, handle, protocol=pickle.HIGHEST_PROTOCOL)
        task = partial(_clean_task, model_path=str(self.model_path), options=options, repetition_file=repetition_file)
        for results, batch in self.map_batches(task, batched(sources, batch_size)):
            if isinstance(results, BrokenProcessPool):
                for source in batch:
                    yield source_result(source, f"{source.name}: {LOST_WITH_WORKER}")
            else:
                yield from results

    def map_batches(self, task: Callable, batches: Iterable[list]) -> Iterator[tuple[object, list]]:
        """(task(batch), batch) in input order, with a bounded number of batches under way.

        A worker that dies (killed, out of memory) breaks the pool: the batches under way
        come back as the BrokenProcessPool error (instead of a result) and a new pool takes
        the rest. A pool that dies before returning any batch raises WorkerError.
        """
        pending: deque[tuple[Future, int, list]] = deque()
        limit = self.jobs * IN_FLIGHT_PER_WORKER
        for batch in batches:
            future = self._submit(task, batch)
            pending.append((future, self._generation, batch))
            if len(pending) >= limit:
                yield self._collect(*pending.popleft())
        while pending:
            yield self._collect(*pending.popleft())

    def _collect(self, future: Future, generation: int, batch: list) -> tuple[object, list]:
        try:
            result = future.result()
        except BrokenProcessPool as exc:
            if generation not in self._productive:
                # That pool never returned a batch: the workers cannot start (or die on
                # anything), and another pool would fail the same way.
                self._stop(now=True)
                raise WorkerError("the worker processes died before finishing any batch (out of memory?)") from exc
            if generation == self._generation:
                self._stop(now=True)
            return exc, batch
        self._productive.add(generation)
        return result, batch

    def _submit(self, task: Callable, batch: list) -> Future:
        if self._executor is None:
            self._start()
        try:
            return self._executor.submit(task, batch)
        except BrokenProcessPool:
            self._stop(now=True)
            return self._submit(task, batch)

    def _start(self) -> None:
        self._generation += 1
        self._executor = ProcessPoolExecutor(max_workers=self.jobs, mp_context=get_context("spawn"))
        # A spawning pool starts a worker per submit while none is idle: one trivial task
        # per worker starts them all now, in the environment they are meant to inherit.
        with _worker_birth_environment():
            for _ in range(self.jobs):
                self._executor.submit(os.getpid)

    def _stop(self, now: bool) -> None:
        executor, self._executor = self._executor, None
        if executor is None:
            return
        if now:
            processes = list((getattr(executor, "_processes", None) or {}).values())
            executor.shutdown(wait=False, cancel_futures=True)
            for process in processes:
                process.terminate()
        executor.shutdown(wait=True)


@contextmanager
def _worker_birth_environment() -> Iterator[None]:
    """What spawned workers inherit: Ctrl-C ignored and one OpenMP/BLAS thread each.

    Ctrl-C: an ignored signal stays ignored in a spawned child, so the parent alone
    handles it and no worker prints a traceback. Threads: the workers already fill the
    cores; OpenMP threads in each (the gradient-boosted model's predict) fight over them
    and were measured 10x slower here than one thread per worker.
    """
    saved_environment = {name: os.environ.get(name) for name in _THREAD_VARIABLES}
    for name in _THREAD_VARIABLES:
        os.environ.setdefault(name, "1")
    saved_handler = None
    if threading.current_thread() is threading.main_thread():
        saved_handler = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        if saved_handler is not None:
            signal.signal(signal.SIGINT, saved_handler)
        for name, value in saved_environment.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _clean_task(
    batch: list[PageSource], model_path: str, options: CleanOptions, repetition_file: str | None
) -> list[CleanResult]:
    model = resolve_model(model_path)  # loaded once per worker, then cached
    repetition = _load_repetition(repetition_file) if repetition_file else None
    return clean_batch(batch, model, options, repetition)


@lru_cache(maxsize=1)
def _load_repetition(path: str) -> SiteRepetition:
    with open(path, "rb") as handle:
        return pickle.load(handle)
