"""Alembic environment: runs on a connection handed in by gateway.migrate."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import models  # noqa: F401  (registers every table on the metadata)

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - always called through gateway.migrate
    raise RuntimeError("run migrations with `gateway migrate`")

context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    # SQLite cannot ALTER most things in place; batch mode copies the table.
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
