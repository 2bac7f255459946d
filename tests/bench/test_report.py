"""The load and fault benches' arithmetic: percentiles, tables, and recovery times."""

from __future__ import annotations

import pytest

from bench.faults import RUN, Outcome
from bench.report import percentile, table
from bench.traffic import Record


def test_percentile_is_the_nearest_rank_of_a_measured_value() -> None:
    # given: 1..10 in any order
    values = [7.0, 3.0, 10.0, 1.0, 5.0, 2.0, 9.0, 4.0, 8.0, 6.0]

    # when / then: the smallest value with at least q % of them at or below it
    assert percentile(values, 50) == 5.0
    assert percentile(values, 95) == 10.0
    assert percentile(values, 91) == 10.0
    assert percentile(values, 90) == 9.0
    assert percentile(values, 100) == 10.0
    assert percentile([42.0], 99) == 42.0


def test_percentile_refuses_nothing_and_nonsense() -> None:
    with pytest.raises(ValueError):
        percentile([], 50)
    with pytest.raises(ValueError):
        percentile([1.0], 0)


def test_table_aligns_the_first_column_left_and_the_others_right() -> None:
    # given / when
    lines = table(["kind", "count"], [["graphql", "7"], ["rest", "1,234"]])

    # then
    assert lines == ["kind     count", "graphql      7", "rest     1,234"]


def request(started: float, ok: bool) -> Record:
    return Record("k", started, started + 0.5, "200" if ok else "503", ok=ok)


def test_recovery_runs_to_the_first_success_after_the_last_failure() -> None:
    # given: a fault at 10 s, failures started at 10 and 11 s, then RUN successes
    records = [request(9.0, True), request(10.0, False), request(11.0, False)]
    records += [request(12.0 + i / 10, True) for i in range(RUN)]

    # when
    outcome = Outcome("fault", records, fault_at=10.0)

    # then: the first success after the last failure ended at 12.5 s
    assert outcome.recovery() == pytest.approx(2.5)
    assert len(outcome.failed) == 2


def test_no_failure_is_no_recovery_time_and_too_few_successes_is_none() -> None:
    # given
    calm = [request(9.0 + i, True) for i in range(5)]
    short = [request(10.0, False), *(request(11.0 + i, True) for i in range(RUN - 1))]

    # when / then
    assert Outcome("calm", calm, fault_at=10.0).recovery() == 0.0
    assert Outcome("short", short, fault_at=10.0).recovery() is None
    assert not Outcome("short", short, fault_at=10.0).passed
