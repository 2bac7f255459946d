"""The gateway's own request figures over the last minutes, for the agent console's
``performance_metrics`` and ``system_health.api_response_time`` (seed 004).

Prometheus (gateway/metrics.py) keeps totals since start, which cannot say "the last 5
minutes" by themselves. This keeps one bucket per second for the window: answers, 5xx
answers, the summed duration, and a histogram of durations over fixed bounds, so its
memory is the same whatever the traffic (300 buckets of 52 counters) and recording is
O(1). The p95 is read from the merged histogram: the upper bound of the bin that holds
the 95th percentile answer, so it is never lower than the true value, and at most one
bin (about 26 %) above it.

Counted: every HTTP answer except the live streams and ``/metrics``, ``/healthz`` and
``/readyz``, whose scrapes and probes say nothing of how clients are served.
"""

from __future__ import annotations

import bisect
import time
from collections.abc import Callable
from dataclasses import dataclass, field

WINDOW_SECONDS = 300
# Bin upper bounds in milliseconds: ten per decade (each 10^0.1, about 1.26, times the
# last), from 1 ms to about 50 s; slower answers share the last bin.
BOUNDS_MS: tuple[float, ...] = tuple(10 ** (n / 10) for n in range(48))
NOT_COUNTED = frozenset({"/metrics", "/healthz", "/readyz"})


@dataclass
class _Second:
    at: int = -1
    requests: int = 0
    errors: int = 0
    total_ms: float = 0.0
    bins: list[int] = field(default_factory=lambda: [0] * (len(BOUNDS_MS) + 1))

    def reset(self, at: int) -> None:
        self.at, self.requests, self.errors, self.total_ms = at, 0, 0, 0.0
        self.bins = [0] * (len(BOUNDS_MS) + 1)


@dataclass(frozen=True)
class RequestFigures:
    """The window's figures: nothing served gives zeros and no latency."""

    requests: int
    errors: int
    seconds: int
    mean_ms: float | None
    p95_ms: float | None

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds

    @property
    def error_rate(self) -> float:
        return self.errors / self.requests if self.requests else 0.0


class RequestWindow:
    """Answers of the last ``seconds`` seconds, by the second."""

    def __init__(
        self, seconds: int = WINDOW_SECONDS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.seconds = seconds
        self._clock = clock
        self._ring = [_Second() for _ in range(seconds)]

    def record(self, path: str, status: int, duration_s: float) -> None:
        if path in NOT_COUNTED:
            return
        now = int(self._clock())
        slot = self._ring[now % self.seconds]
        if slot.at != now:
            slot.reset(now)
        ms = duration_s * 1000
        slot.requests += 1
        slot.errors += status >= 500
        slot.total_ms += ms
        slot.bins[bisect.bisect_left(BOUNDS_MS, ms)] += 1

    def figures(self) -> RequestFigures:
        now = int(self._clock())
        live = [s for s in self._ring if now - self.seconds < s.at <= now]
        requests = sum(s.requests for s in live)
        errors = sum(s.errors for s in live)
        if not requests:
            return RequestFigures(0, 0, self.seconds, None, None)
        total_ms = sum(s.total_ms for s in live)
        merged = [sum(column) for column in zip(*(s.bins for s in live), strict=True)]
        return RequestFigures(
            requests, errors, self.seconds, total_ms / requests, _p95(merged, requests)
        )


def _p95(bins: list[int], requests: int) -> float:
    """The upper bound of the bin holding the answer at the 95th percentile (rank
    ceil(0.95 n)); past the last bound, the last bound."""
    rank = -(-95 * requests // 100)
    seen = 0
    for index, count in enumerate(bins):
        seen += count
        if seen >= rank:
            return BOUNDS_MS[min(index, len(BOUNDS_MS) - 1)]
    return BOUNDS_MS[-1]
