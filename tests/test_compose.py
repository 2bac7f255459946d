"""docker/compose.yaml, read rather than run (CI has no Docker): the services the README
promises, started in the right order, checked through /readyz, with commands the
`gateway` CLI accepts and settings the gateway knows."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from gateway.cli import build_parser
from gateway.settings import Settings

DOCKER = Path(__file__).resolve().parent.parent / "docker"
COMPOSE = yaml.safe_load((DOCKER / "compose.yaml").read_text())
SERVICES: dict[str, Any] = COMPOSE["services"]
GATEWAYS = ("gateway-1", "gateway-2")
INTERPOLATION = re.compile(r"\$\{(\w+)(?::?[-?])?([^}]*)\}")


def interpolated(value: str) -> str:
    """A value as compose would fill it with no variable set: ``${X:-d}`` is ``d``, and a
    required ``${X:?message}`` gets a stand-in."""

    def fill(match: re.Match[str]) -> str:
        return "x" * 32 if ":?" in match[0] else match[2]

    return INTERPOLATION.sub(fill, value)


def test_the_stack_has_every_service() -> None:
    assert set(SERVICES) == {
        "postgres",
        "postgres-replica",
        "redis",
        "migrate",
        *GATEWAYS,
        "worker",
        "proxy",
    }
    assert SERVICES["postgres"]["image"] == SERVICES["postgres-replica"]["image"] == "postgres:16"
    assert SERVICES["redis"]["image"] == "redis:7"
    assert SERVICES["proxy"]["image"].startswith("nginx:")


def test_migrations_run_once_before_the_replicas_and_the_worker_start() -> None:
    migrate = SERVICES["migrate"]
    assert migrate["command"] == ["gateway", "migrate"]
    assert migrate["restart"] == "no"
    assert migrate["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    for name in (*GATEWAYS, "worker"):
        assert SERVICES[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }, name
        assert SERVICES[name]["depends_on"]["redis"] == {"condition": "service_healthy"}, name


def test_the_replicas_serve_without_migrating_or_running_jobs_and_the_cli_accepts_it() -> None:
    for name in GATEWAYS:
        command = SERVICES[name]["command"]
        assert command == ["gateway", "serve", "--no-migrate", "--no-worker"], name
        args = build_parser().parse_args(command[1:])
        assert (args.no_migrate, args.no_worker) == (True, True)
    assert build_parser().parse_args(SERVICES["worker"]["command"][1:]).command == "worker"


def test_the_replicas_health_checks_ask_readyz() -> None:
    for name in GATEWAYS:
        check = SERVICES[name]["healthcheck"]
        assert "http://127.0.0.1:8000/readyz" in " ".join(check["test"]), name
        assert SERVICES[name]["depends_on"]["postgres-replica"] == {"condition": "service_healthy"}
    assert SERVICES["proxy"]["depends_on"] == {
        name: {"condition": "service_healthy"} for name in GATEWAYS
    }
    # Not servers: the image's HTTP health check would call them unhealthy.
    for name in ("migrate", "worker"):
        assert SERVICES[name]["healthcheck"] == {"disable": True}, name


def test_every_process_shares_one_jwt_secret_database_and_redis() -> None:
    environments = [SERVICES[name]["environment"] for name in ("migrate", *GATEWAYS, "worker")]
    for variable in ("GATEWAY_JWT_SECRET", "GATEWAY_DATABASE_URL", "GATEWAY_REDIS_URL"):
        assert len({env[variable] for env in environments}) == 1, variable
    # From the environment, required: a secret generated per replica would not verify
    # the other replica's tokens.
    assert environments[0]["GATEWAY_JWT_SECRET"].startswith("${GATEWAY_JWT_SECRET:?")
    assert "@postgres:5432/" in environments[0]["GATEWAY_DATABASE_URL"]
    assert "@postgres-replica:5432/" in environments[0]["GATEWAY_DATABASE_READ_URL"]


@pytest.mark.parametrize("name", ["migrate", *GATEWAYS, "worker"])
def test_the_gateways_settings_are_ones_it_knows_and_accepts(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given: the service's GATEWAY_* variables, as compose fills them with none set
    environment = {k: interpolated(str(v)) for k, v in SERVICES[name]["environment"].items()}
    known = {f"GATEWAY_{field.upper()}" for field in Settings.model_fields}
    # then: no misspelt name (which pydantic-settings would ignore)...
    unknown = {k for k in environment if k.startswith("GATEWAY_")} - known
    assert unknown == set()
    # ...and values the gateway accepts
    for variable, value in environment.items():
        monkeypatch.setenv(variable, value)
    settings = Settings()
    assert settings.log_format == "json"
    assert settings.redis_url == "redis://redis:6379/0"


def test_the_replica_is_a_base_backup_of_the_primary_with_a_replication_role() -> None:
    primary, replica = SERVICES["postgres"], SERVICES["postgres-replica"]
    assert "wal_level=replica" in primary["command"]
    init = (DOCKER / "postgres" / "primary-init.sh").read_text()
    assert "CREATE ROLE replicator WITH REPLICATION LOGIN" in init
    assert "host replication replicator all scram-sha-256" in init
    assert replica["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    entrypoint = (DOCKER / "postgres" / "replica-entrypoint.sh").read_text()
    assert "pg_basebackup" in entrypoint
    assert "--write-recovery-conf" in entrypoint
    assert entrypoint.rstrip().splitlines()[-1].startswith("exec postgres")


def test_every_mounted_file_exists() -> None:
    for name, service in SERVICES.items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                assert (DOCKER / source).is_file(), f"{name}: {source}"


def test_the_proxy_balances_both_replicas_and_passes_websockets_and_request_ids() -> None:
    conf = (DOCKER / "nginx" / "gateway.conf").read_text()
    assert "server gateway-1:8000" in conf
    assert "server gateway-2:8000" in conf
    assert "location = /graphql" in conf
    assert "location /api/analytics/ws/" in conf
    assert "proxy_set_header Upgrade $http_upgrade;" in conf
    assert "proxy_set_header Connection $connection_upgrade;" in conf
    assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in conf
    assert "proxy_set_header X-Request-ID $gateway_request_id;" in conf
    # proxy_set_header in a location would drop every header set for the server.
    locations = conf.split("\n    location ", 1)[1]
    assert "proxy_set_header" not in locations
