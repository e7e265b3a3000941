"""Worker processes: results in input order; a dead worker costs its batches, not the run."""

import os
import time
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import pytest

from segclf.parallel import WorkerError, WorkerPool


def echo_or_die(batch: list[str]) -> list[str]:
    if "poison" in batch:
        time.sleep(0.5)  # let the batches before it come back first
        os._exit(1)  # as the kernel's out-of-memory killer would end the worker
    return [item.upper() for item in batch]


def always_die(batch: list[str]) -> list[str]:
    os._exit(1)


def test_a_dead_worker_fails_only_the_batches_under_way_and_a_new_pool_takes_the_rest():
    batches = [["a"], ["b"], ["poison"], ["c"], ["d"], ["e"], ["f"], ["g"], ["h"]]
    with WorkerPool(jobs=2, model_path=Path("unused")) as pool:
        results = list(pool.map_batches(echo_or_die, batches))
    assert [batch for _, batch in results] == batches
    assert [result for result, _ in results[:2]] == [["A"], ["B"]]
    assert isinstance(results[2][0], BrokenProcessPool)
    lost = sum(isinstance(result, BrokenProcessPool) for result, _ in results)
    assert lost <= 4  # at most the batches under way (2 per worker)
    assert [result for result, _ in results[-4:]] == [["E"], ["F"], ["G"], ["H"]]


def test_workers_that_never_finish_a_batch_stop_the_run():
    pool = WorkerPool(jobs=2, model_path=Path("unused"))
    with pool, pytest.raises(WorkerError, match="died before finishing any batch"):
        list(pool.map_batches(always_die, [["a"], ["b"], ["c"]]))
