"""The garbage collector settled for serving, in a process of its own (the GC is global),
and its collections deferred for a batch job's block."""

from __future__ import annotations

import gc
import subprocess
import sys
import weakref

import pytest

from gateway.collector import DEFERRED_YOUNG_THRESHOLD, collections_deferred

SCRIPT = """
import gc
from gateway.collector import settle_heap
before = gc.get_threshold()
settle_heap({threshold})
print(before[0], gc.get_threshold()[0], gc.get_freeze_count() > 0)
"""


def run(threshold: int) -> str:
    return subprocess.run(
        [sys.executable, "-c", SCRIPT.format(threshold=threshold)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()


def test_settle_heap_freezes_the_heap_and_sets_the_young_threshold():
    # given a fresh interpreter (young threshold 700)
    # when the heap is settled with a threshold of 20,000
    before, after, frozen = run(20_000)
    # then the young generation collects every 20,000 allocations, the start heap frozen
    assert (before, after, frozen) == ("700", "20000", "True")


def test_threshold_zero_leaves_pythons_default():
    # given / when a threshold of 0
    before, after, frozen = run(0)
    # then Python's 700 stays, and the heap is still frozen
    assert (before, after, frozen) == ("700", "700", "True")


class Node:
    """An object in a cycle with itself: only the cyclic collector frees it."""

    def __init__(self) -> None:
        self.itself = self


def test_collections_are_deferred_in_the_block_and_restored_after_it_even_on_failure():
    # given: Python's thresholds (the young one 700)
    before = gc.get_threshold()
    seen = []

    # when: a block that fails
    with pytest.raises(RuntimeError), collections_deferred():
        seen.append(gc.get_threshold())
        raise RuntimeError("the block failed")

    # then: the young threshold raised inside, all three as they were after
    assert seen == [(DEFERRED_YOUNG_THRESHOLD, *before[1:])]
    assert gc.get_threshold() == before


def test_cycles_made_in_the_block_are_still_collected():
    # given: a block that makes more cycles than the deferred threshold allows
    with collections_deferred():
        first = Node()
        gone = weakref.ref(first)
        del first
        assert gone() is not None  # a cycle: its reference count alone does not free it

        # when
        for _ in range(DEFERRED_YOUNG_THRESHOLD + 1):
            Node()

        # then: a young collection ran inside the block and freed the first cycle
        assert gone() is None
