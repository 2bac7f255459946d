"""GATEWAY_DATABASE_READ_URL's settings, and which REST rows may read the replica; the
replica itself is tested for real in test_read_replica.py."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from gateway.families import FAMILIES
from gateway.settings import Settings
from rest_compat.registry import RestRoutes


def test_a_read_url_needs_a_postgresql_primary(tmp_path):
    # given / when / then: a SQLite primary has no replica to read from
    with pytest.raises(ValidationError) as refused:
        Settings(
            data_dir=tmp_path,
            database_url=f"sqlite+aiosqlite:///{tmp_path}/gateway.db",
            database_read_url="postgresql+asyncpg://reader@replica:5432/gateway",
        )
    assert "GATEWAY_DATABASE_READ_URL needs a PostgreSQL primary" in str(refused.value)


def test_a_read_url_must_be_postgresql(tmp_path):
    # given / when / then
    with pytest.raises(ValidationError) as refused:
        Settings(
            data_dir=tmp_path,
            database_url="postgresql+asyncpg://writer@primary:5432/gateway",
            database_read_url=f"sqlite+aiosqlite:///{tmp_path}/copy.db",
        )
    assert "a read replica must be a PostgreSQL streaming replica" in str(refused.value)


def test_settings_read_the_replica_and_its_lag_from_the_environment(tmp_path, monkeypatch):
    # given
    monkeypatch.setenv("GATEWAY_DATABASE_URL", "postgresql://writer@primary/gateway")
    monkeypatch.setenv("GATEWAY_DATABASE_READ_URL", "postgres://reader@replica/gateway")
    # when
    settings = Settings(data_dir=tmp_path)
    # then: the default maximum lag is 10 s
    assert settings.database_read_url == "postgres://reader@replica/gateway"
    assert settings.max_replica_lag == 10.0


def test_rest_rows_that_change_data_run_mutations():
    # given: every REST row of every family
    rows = RestRoutes(FAMILIES).rows
    # when / then: a GET runs a query (the replica may serve it); every other method
    # runs a mutation, which runs wholly on the primary
    assert {(row.method == "GET", row.writes) for row in rows} == {(True, False), (False, True)}
