"""What this gateway's host looks like now, measured with psutil, and the live gauges an
app keeps (its request window and this sampler), for the agent console (seed 004).

CPU usage is psutil's ``cpu_percent(interval=None)``: the share of CPU time used since the
previous reading. Readings taken microseconds apart say nothing, so a sample is kept for
``min_interval`` seconds (1 s) and shared by every request and live stream in that time;
``age_seconds`` says how old the one answered is. The first reading after start has no
previous one and says 0.0, so the sampler primes psutil when it is made.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import psutil

from gateway.request_window import RequestWindow
from gateway.sql import utcnow


@dataclass(frozen=True)
class SystemSample:
    at: datetime
    cpu_percent: float
    # The 1-minute load average as a share of the CPUs (100 = every core busy).
    cpu_load_percent: float
    memory_percent: float
    disk_percent: float


class SystemSampler:
    def __init__(
        self,
        disk_path: Path | str = "/",
        *,
        min_interval: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.disk_path = str(disk_path)
        self.min_interval = min_interval
        self._clock = clock
        self._sample: SystemSample | None = None
        self._taken = 0.0
        psutil.cpu_percent(interval=None)

    def sample(self) -> tuple[SystemSample, float]:
        """A reading no older than ``min_interval``, and its age in seconds."""
        now = self._clock()
        if self._sample is None or now - self._taken >= self.min_interval:
            self._sample, self._taken = self._read(), now
        return self._sample, now - self._taken

    def _read(self) -> SystemSample:
        load_1m = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
        return SystemSample(
            at=utcnow(),
            cpu_percent=psutil.cpu_percent(interval=None),
            cpu_load_percent=100 * load_1m / (psutil.cpu_count() or 1),
            memory_percent=psutil.virtual_memory().percent,
            disk_percent=psutil.disk_usage(_existing(self.disk_path)).percent,
        )


def _existing(path: str) -> str:
    """The path, or its nearest existing parent (a data dir not made yet)."""
    candidate = Path(path)
    while not candidate.exists() and candidate != candidate.parent:
        candidate = candidate.parent
    return str(candidate)


@dataclass
class Gauges:
    """One app's live gauges: its own answers, and the host it runs on."""

    requests: RequestWindow = field(default_factory=RequestWindow)
    system: SystemSampler = field(default_factory=SystemSampler)
