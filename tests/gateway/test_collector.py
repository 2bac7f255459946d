"""The garbage collector settled for serving, in a process of its own (the GC is global),
and paused for a batch job's block."""

from __future__ import annotations

import gc
import subprocess
import sys

import pytest

from gateway.collector import collector_paused

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


def test_the_collector_is_paused_in_the_block_and_resumed_after_it_even_on_failure():
    # given: collection on, as Python starts
    assert gc.isenabled()
    seen = []

    # when: a block that fails
    with pytest.raises(RuntimeError), collector_paused():
        seen.append(gc.isenabled())
        raise RuntimeError("the block failed")

    # then: off inside, on again after
    assert seen == [False]
    assert gc.isenabled()


def test_a_collector_paused_before_the_block_stays_paused_after_it():
    # given: collection already off (as a caller of its own may have it)
    gc.disable()
    try:
        # when
        with collector_paused():
            pass

        # then: the block did not turn it on
        assert not gc.isenabled()
    finally:
        gc.enable()
