"""Run the `gateway` entry point in process, as a shell would, and capture what it says."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

import pytest

from gateway import cli
from gateway.settings import get_settings


@dataclass(frozen=True)
class Outcome:
    status: int
    out: str
    err: str


def gateway_sync(
    argv: Sequence[str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    env: dict[str, str],
) -> Outcome:
    """`gateway ARGV` with GATEWAY_* variables set for this call only."""
    capsys.readouterr()
    with monkeypatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        get_settings.cache_clear()
        try:
            status = cli.main(list(argv))
        finally:
            get_settings.cache_clear()
    captured = capsys.readouterr()
    return Outcome(status, captured.out, captured.err)


async def gateway(
    argv: Sequence[str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    env: dict[str, str],
) -> Outcome:
    """The same from an async test: the command runs its own event loop, so in a thread."""
    return await asyncio.to_thread(gateway_sync, argv, monkeypatch, capsys, env)
