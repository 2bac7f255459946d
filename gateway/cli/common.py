"""What every `gateway` command shares: running work on an engine, and speaking to stderr."""

from __future__ import annotations

import asyncio
import sys
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway import migrate
from gateway.answer_cache import AnswerCache
from gateway.credentials import CliError
from gateway.db import create_engine
from gateway.settings import Settings

T = TypeVar("T")


async def require_schema(engine: AsyncEngine) -> None:
    """Refuse, in one line, to work on a database that `gateway migrate` has not brought up."""
    current, head = await migrate.current_revision(engine), migrate.head_revision()
    if current is None:
        raise CliError(
            f"the database at {_safe(engine)} has no schema; run `gateway migrate` first"
        )
    if current != head:
        raise CliError(
            f"the database at {_safe(engine)} is at revision {current}, not {head}; "
            "run `gateway migrate` first"
        )


def with_engine(
    settings: Settings,
    work: Callable[[AsyncEngine], Awaitable[T]],
    *,
    needs_schema: bool = True,
    changes_data: bool = False,
) -> T:
    """Run ``work`` on an engine; unless it migrates, only on a migrated database.

    ``changes_data``: it writes organisations' data, so the gateways' cached answers
    (gateway/answer_cache) are all invalidated once it has.
    """
    url = make_url(settings.database_url)
    if needs_schema and url.get_backend_name() == "sqlite" and url.database not in (None, ""):
        # Connecting would create an empty file (the cause of stray ./gateway.db files).
        if url.database != ":memory:" and not Path(url.database).exists():
            raise CliError(f"no database at {url.database}; run `gateway migrate` first")

    async def run() -> T:
        engine = create_engine(settings.database_url, pool_size=2)
        try:
            if needs_schema:
                await require_schema(engine)
            result = await work(engine)
        finally:
            await engine.dispose()
        if changes_data:
            await forget_answers(settings)
        return result

    return asyncio.run(run())


async def forget_answers(settings: Settings) -> None:
    """Every organisation's cached answers are stale (through Redis, the replicas'; a
    process's memory cache is its own and expires by its TTL)."""
    answers = AnswerCache.from_settings(settings)
    try:
        await answers.changed_everywhere()
    finally:
        await answers.close()


def say(message: str) -> None:
    # Progress and notes go to stderr, so stdout carries only what scripts capture.
    print(message, file=sys.stderr, flush=True)


def safe_url(settings: Settings) -> str:
    return make_url(settings.database_url).render_as_string(hide_password=True)


def _safe(engine: AsyncEngine) -> str:
    return engine.url.render_as_string(hide_password=True)


def uuid_option(text: str, option: str, what: str) -> uuid.UUID:
    """An option's UUID (``--metric-id``, ``--org``), or one clear line naming it."""
    try:
        return uuid.UUID(text)
    except ValueError:
        raise CliError(f"{option} {text!r} is not {what} (a UUID)") from None
