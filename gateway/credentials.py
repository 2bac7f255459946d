"""Credentials the `gateway` command issues and manages: JWTs and API keys.

Callable in-process (the tests do); a mistake by the person at the keyboard raises
CliError, which the command prints as one line.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col

from gateway.auth import ALL_SCOPES, Authenticator
from gateway.errors import GatewayError
from gateway.settings import Settings
from gateway.sql import utcnow
from gateway.validation import validated
from models.tenancy import ApiKey, ApiKeyCreate, User
from resolvers.tenancy import service as tenancy


class CliError(Exception):
    """A mistake the user can fix; printed as one line, exit status 1."""


async def issue_token(
    engine: AsyncEngine,
    settings: Settings,
    *,
    user_id: uuid.UUID,
    scopes: Sequence[str] = (),
    expires: timedelta = timedelta(hours=24),
) -> str:
    """A signed JWT for an active user, with its organisation from the database."""
    user = await _active_user(engine, user_id)
    authenticator = Authenticator(secret=settings.resolved_jwt_secret(), issuer=settings.jwt_issuer)
    return authenticator.issue(
        user_id=user.id, org_id=user.org_id, scopes=list(scopes) or None, expires_in=expires
    )


async def create_api_key(
    engine: AsyncEngine,
    *,
    user_id: uuid.UUID,
    scopes: Sequence[str] = (ALL_SCOPES,),
    name: str = "",
) -> tuple[uuid.UUID, str]:
    """A new API key for an active user: (its id, the key). Only the hash is stored."""
    user = await _active_user(engine, user_id)
    try:
        data = validated(ApiKeyCreate, {"user_id": user.id, "name": name, "scopes": list(scopes)})
    except GatewayError as exc:
        raise CliError(exc.message) from None
    async with engine.begin() as connection:
        row, key = await tenancy.create_api_key(
            connection, org_id=user.org_id, now=utcnow(), data=data
        )
    return row["id"], key


@dataclass(frozen=True)
class KeyListing:
    """One API key as `gateway apikey list` shows it: never the key or its hash."""

    id: uuid.UUID
    name: str
    username: str
    scopes: list[str]
    created_at: datetime
    revoked_at: datetime | None


async def list_api_keys(
    engine: AsyncEngine, *, user_id: uuid.UUID | None = None
) -> list[KeyListing]:
    """Every API key (or one user's), oldest first."""
    statement = (
        select(
            col(ApiKey.id),
            col(ApiKey.name),
            col(User.username),
            col(ApiKey.scopes),
            col(ApiKey.created_at),
            col(ApiKey.revoked_at),
        )
        .join(User, col(User.id) == col(ApiKey.user_id))
        .order_by(col(ApiKey.created_at), col(ApiKey.id))
    )
    async with engine.connect() as connection:
        if user_id is not None:
            if await connection.scalar(select(col(User.id)).where(col(User.id) == user_id)) is None:
                raise CliError(f"no user with id {user_id}")
            statement = statement.where(col(ApiKey.user_id) == user_id)
        return [KeyListing(*row) for row in await connection.execute(statement)]


async def revoke_api_key(engine: AsyncEngine, key_id: uuid.UUID) -> KeyListing:
    """Revoke a key: it answers 401 INVALID_TOKEN from the next request on."""
    async with engine.begin() as connection:
        await connection.execute(
            update(ApiKey)
            .where(col(ApiKey.id) == key_id, col(ApiKey.revoked_at).is_(None))
            .values(revoked_at=utcnow())
        )
    found = [key for key in await list_api_keys(engine) if key.id == key_id]
    if not found:
        raise CliError(f"no API key with id {key_id}")
    return found[0]


async def _active_user(engine: AsyncEngine, user_id: uuid.UUID) -> Any:
    async with engine.connect() as connection:
        user = (
            await connection.execute(
                select(
                    col(User.id), col(User.org_id), col(User.username), col(User.is_active)
                ).where(col(User.id) == user_id)
            )
        ).first()
    if user is None:
        raise CliError(f"no user with id {user_id}")
    if not user.is_active:
        raise CliError(f"user {user.username} ({user_id}) is deactivated")
    return user
