"""The CPU a database's PostgreSQL backends spend over a window, read from /proc on this
machine (a backend's process title names its database): the database's share of a
request beside the server's, and how many connections the server opened meanwhile.

A backend that exits during the window is counted up to its last sample, so backends are
sampled every ``EVERY`` seconds rather than only at both ends (a pool that closes and
reopens connections would otherwise show less CPU than it used). On a server elsewhere,
or with backends this user cannot read, every figure is 0.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

import psutil

EVERY = 0.25


def cpu_by_backend(database: str) -> dict[int, float]:
    """CPU seconds (user and system) of each backend connected to ``database``."""
    found: dict[int, float] = {}
    for process in psutil.process_iter(["cmdline"]):
        title = " ".join(process.info["cmdline"] or ()).split()
        if title[:1] != ["postgres:"] or database not in title:
            continue
        try:
            times = process.cpu_times()
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        found[process.pid] = times.user + times.system
    return found


@dataclass
class Backends:
    database: str
    start: dict[int, float] = field(default_factory=dict)
    last: dict[int, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.start = cpu_by_backend(self.database)
        self.last = dict(self.start)

    def sample(self) -> None:
        self.last.update(cpu_by_backend(self.database))

    async def watch(self, seconds: float) -> None:
        """Samples until ``seconds`` from now, and once more at the end."""
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            await asyncio.sleep(min(EVERY, max(0.0, deadline - time.perf_counter())))
            self.sample()

    def cpu_s(self) -> float:
        """CPU seconds since the start; a backend opened meanwhile counts from its start."""
        return sum(cpu - self.start.get(pid, 0.0) for pid, cpu in self.last.items())

    def opened(self) -> int:
        """Backends (connections) opened since the start."""
        return len(self.last.keys() - self.start.keys())
