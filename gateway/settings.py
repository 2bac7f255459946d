"""Settings, read once from the environment (prefix ``GATEWAY_``) and checked at start-up.

Every value is validated here, so a mistake is reported once, naming its variable,
before anything connects or listens (`gateway` prints it as one line and exits 1).
"""

from __future__ import annotations

import json
import secrets
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from platformdirs import user_data_dir
from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from gateway.rate_limits import parse_limits

APP_NAME = "analytics-gateway"
DATABASE_URLS = (
    "sqlite+aiosqlite:///PATH or postgresql+asyncpg://USER:PASSWORD@HOST/DB "
    "(postgresql:// and postgres:// are read as asyncpg)"
)
# The async driver each dialect is run with; the plain PostgreSQL schemes are rewritten
# to asyncpg by gateway.db, and anything else has no driver this gateway can await.
ASYNC_DRIVERS = {
    "sqlite+aiosqlite": "sqlite+aiosqlite",
    "postgresql+asyncpg": "postgresql+asyncpg",
    "postgresql": "postgresql+asyncpg",
    "postgres": "postgresql+asyncpg",
}
SYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+asyncpg"}
LOG_LEVELS = ("critical", "error", "warning", "info", "debug", "trace")
ENVIRONMENTS = ("development", "production")


def default_data_dir() -> Path:
    """The per-user data directory, e.g. ~/.local/share/analytics-gateway on Linux."""
    return Path(user_data_dir(APP_NAME, appauthor=False))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore")

    database_url: str = Field(
        default="",
        description="SQLAlchemy async URL: sqlite+aiosqlite:///path or postgresql+asyncpg://...; "
        "empty means gateway.db in data_dir.",
    )
    database_read_url: str | None = Field(
        default=None,
        description="A PostgreSQL streaming replica of database_url (same forms): GraphQL "
        "queries and REST reads go to it while it lags at most max_replica_lag; mutations, "
        "jobs and every write stay on the primary. Unset: everything on the primary.",
    )
    max_replica_lag: float = Field(
        default=10.0,
        gt=0,
        description="Seconds a read replica may lag behind the primary (by its last replayed "
        "transaction) before reads bypass it and go to the primary.",
    )
    data_dir: Path = Field(
        default_factory=default_data_dir,
        description="Where the generated JWT secret and the default SQLite database live.",
    )
    jwt_secret: str | None = Field(default=None, description="HS256 secret for JWTs.")
    jwt_public_key: str | None = Field(
        default=None, description="PEM public key (or a path to one) to accept RS256 JWTs."
    )
    jwt_issuer: str | None = Field(default=None, description="Required `iss` claim, if set.")
    host: str = "127.0.0.1"
    port: int = 8000
    log_level: str = "info"
    # text for a terminal by default, predictably (no guessing from a TTY); production
    # sets json, one object per line for a collector (gateway/log_format.py).
    log_format: Literal["text", "json"] = Field(
        default="text",
        description="How `gateway serve` and `gateway worker` write their logs: `text`, or "
        "`json` (one object a line).",
    )
    env: Literal["development", "production"] = Field(
        default="development",
        description="production turns off GraphiQL, Swagger UI, introspection and the debug "
        "endpoints unless each is switched on explicitly.",
    )
    # None is "the environment's default" (see the *_enabled properties); an explicit
    # true or false always wins, so production can keep one of them on.
    graphiql: bool | None = Field(
        default=None,
        description="Serve GraphiQL on GET /graphql and Swagger UI on /docs "
        "(default: on in development, off in production).",
    )
    introspection: bool | None = Field(
        default=None,
        description="Answer __schema and __type queries "
        "(default: as GraphiQL, so on in development, off in production).",
    )
    db_pool_size: int = Field(default=10, gt=0)
    gc_threshold: int = Field(
        default=20_000,
        ge=0,
        description="`gateway serve`: allocations between two young garbage collections "
        "(Python's default is 700; 0 leaves it). The heap built at start is frozen out of "
        "collections either way.",
    )
    db_pool_timeout: float = Field(
        default=10.0,
        gt=0,
        description="Seconds a request waits for a database connection before a 503.",
    )
    max_body_bytes: int = Field(
        default=1_048_576, gt=0, description="Largest request body (GraphQL and REST); else 413."
    )
    max_query_cost: int = Field(
        default=50_000,
        gt=0,
        description="Largest estimated GraphQL cost (sum over fields of the list sizes above).",
    )
    allowed_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Comma-separated origins trusted for cookie-authenticated writes (and CORS).",
    )
    metrics_public: bool = Field(default=True, description="Serve /metrics without a token.")
    metrics_token: str | None = Field(
        default=None, description="When set, /metrics also answers `Authorization: Bearer <it>`."
    )
    run_worker: bool = Field(
        default=True, description="Run a background-job worker in the app's lifespan."
    )
    predictive_schedule: bool = Field(
        default=False,
        description="The job worker runs, every hour for each organisation: anomaly "
        "detection over the last 24 whole hours, insight generation, and the retraining of "
        "models due for it (auto_retrain_enabled).",
    )
    job_poll_interval: float = Field(
        default=1.0, gt=0, description="Seconds an idle worker waits before looking for jobs."
    )
    job_heartbeat_timeout: float = Field(
        default=60.0,
        gt=0,
        description="Seconds without a heartbeat after which a running job is claimed again.",
    )
    webhook_timeout: float = Field(
        default=10.0, gt=0, description="Seconds a webhook delivery waits for the receiver."
    )
    webhook_retry_base: float = Field(
        default=10.0,
        gt=0,
        description="Seconds before a failed delivery's first retry; doubled per attempt, "
        "with jitter x0.5 to x1.5.",
    )
    webhook_retry_cap: float = Field(
        default=3600.0, gt=0, description="The longest wait between two delivery attempts."
    )
    webhook_allow_private: bool = Field(
        default=False,
        description="Accept webhook URLs on private, loopback or link-local addresses.",
    )
    webhook_max_endpoints: int = Field(
        default=20,
        ge=1,
        description="Webhook endpoints an organisation may register (each event goes to each).",
    )
    cost_alert_threshold: Decimal = Field(
        default=Decimal("10000.00"),
        ge=0,
        description="An incident's total cost (in one currency) that sends "
        "cost.threshold_exceeded when an analysis crosses it.",
    )

    debug_endpoints: bool | None = Field(
        default=None,
        description="Serve the agent console's development endpoint /api/analytics/debug "
        "(to admins); off, it answers 404 (default: off in both environments).",
    )
    ws_interval: float = Field(
        default=10.0,
        gt=0,
        description="Seconds between two metrics_update messages of the realtime WebSocket "
        "(and the realtimeMetrics subscription).",
    )
    ws_send_queue: int = Field(
        default=8,
        ge=1,
        description="Messages a live client may fall behind by before it is disconnected.",
    )
    response_time_target_ms: float = Field(
        default=200.0,
        gt=0,
        description="The mean response time /api/analytics/performance calls good (ms).",
    )
    error_rate_target: float = Field(
        default=0.01,
        ge=0,
        le=1,
        description="The share of 5xx answers /api/analytics/performance calls good.",
    )

    redis_url: str | None = Field(
        default=None,
        description="redis:// URL of the Redis that replicas share (rate-limit counters, "
        "live events, the answer cache); unset means in-process memory.",
    )
    live_channel: str = Field(
        default="gateway-live",
        min_length=1,
        description="The Redis channel on which replicas share live events (recorded agent "
        "actions for the agentActions subscription).",
    )
    otel_endpoint: str | None = Field(
        default=None,
        description="OTLP/HTTP collector (e.g. http://127.0.0.1:4318) to send OpenTelemetry "
        "traces to: a span per HTTP request, GraphQL operation and SQL statement. Needs the "
        "`otel` extra; unset means no tracing, and nothing of OpenTelemetry is loaded.",
    )
    otel_service_name: str = Field(
        default="analytics-gateway",
        min_length=1,
        description="The `service.name` the traces are sent under.",
    )
    cache_ttl: float = Field(
        default=30.0,
        ge=0,
        description="Seconds a GraphQL query's answer (over /graphql or a REST path) is "
        "served from the answer cache; a write by the organisation invalidates it at once. "
        "0 turns the cache off.",
    )
    cache_memory_bytes: int = Field(
        default=32 * 1024 * 1024,
        gt=0,
        description="Without Redis: the most answer JSON (bytes) one process keeps; the least "
        "recently used answers go first.",
    )
    cache_prefix: str = Field(
        default="gateway-answers",
        min_length=1,
        description="The prefix of the answer cache's Redis keys.",
    )
    caller_cache_seconds: float = Field(
        default=0.0,
        ge=0,
        le=60,
        description="Seconds one process may keep a caller it authenticated (user, role, "
        "plan, API key), so a burst of requests reads the caller's row once. Off (0) by "
        "default: the knowledge base documents that a role downgrade takes effect on the "
        "next request. When set, a change made elsewhere (the CLI, another replica) is "
        "seen within it, a write this process commits in the organisation at once.",
    )
    plan_cache_size: int = Field(
        default=1024,
        ge=0,
        description="How many parsed and validated GraphQL documents (per document and "
        "operation name) the plan cache keeps, least recently used first out; 0 turns it off.",
    )
    apq_memory_size: int = Field(
        default=10_000,
        gt=0,
        description="Without Redis: how many automatic persisted queries (Apollo's "
        "extensions.persistedQuery) one process keeps, least recently used first out.",
    )
    apq_prefix: str = Field(
        default="gateway-apq",
        min_length=1,
        description="The prefix of the automatic persisted queries' Redis keys.",
    )
    compile_selections: bool = Field(
        default=True,
        description="Answer root fields whose selection is columns and relations with one "
        "SQL statement whose JSON the database builds (gateway/compiler); off: every field "
        "through its resolver.",
    )
    persisted_only: bool = Field(
        default=False,
        description="Allow-list mode: /graphql runs only registered documents (the REST "
        "layer's stored operations and those of GATEWAY_PERSISTED_DOCUMENTS); any other is "
        "refused with PERSISTED_QUERY_NOT_IN_LIST (400), so GraphiQL cannot run its own.",
    )
    persisted_documents: Path | None = Field(
        default=None,
        description="A JSON file of allowed documents: an object of sha256 hex to document "
        "text, or a list of document texts. Registered at start beside the stored operations.",
    )
    incidents_rate_limits: str = Field(
        default="100/minute;1000/hour",
        description="The incidents family's limits per user, `;`-separated (empty: none).",
    )
    # The seed (002) names a per-organisation 429 and no figure. A dashboard of ten panels
    # refreshed every 30 s makes 20 calls a minute per viewer, so 30 viewers at once fit
    # in 600; a script looping without a pause meets it within seconds.
    governance_rate_limits: str = Field(
        default="600/minute",
        description="The governance family's limits per organisation, `;`-separated (empty: none).",
    )
    # Four operations at the single-operation ceiling (max_query_cost, 50,000) a minute:
    # a dashboard's operations cost tens to a few thousand each, so hundreds of them a
    # minute fit, while a loop of near-ceiling queries is held to one every 15 s.
    graphql_cost_budget: str = Field(
        default="200000/minute",
        description="The estimated cost (gateway/cost.py) that /graphql operations of one "
        "organisation may spend, `;`-separated limits such as 200000/minute (empty: none); "
        "each at least max_query_cost.",
    )
    rate_limit_redis_retry: float = Field(
        default=5.0,
        gt=0,
        description="Seconds the rate limits count in memory after Redis failed before "
        "they ask Redis again.",
    )

    @field_validator("incidents_rate_limits", "governance_rate_limits", "graphql_cost_budget")
    @classmethod
    def _check_rate_limits(cls, value: str) -> str:
        parse_limits(value)
        return value.strip()

    @field_validator("persisted_documents")
    @classmethod
    def _check_persisted_documents(cls, value: Path | None) -> Path | None:
        """Read at start, so that a missing or malformed file is one line, not a trace."""
        if value is None:
            return None
        from gateway.persisted import read_allowed  # lazily: it imports these settings

        try:
            read_allowed(value)
        except OSError as error:
            raise ValueError(f"cannot read {value}: {error.strerror or error}") from None
        except json.JSONDecodeError as error:
            raise ValueError(f"{value} is not JSON: {error.msg} at line {error.lineno}") from None
        return value

    @field_validator("redis_url")
    @classmethod
    def _check_redis_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        if not value.startswith(("redis://", "rediss://")):
            raise ValueError(f"{value!r} is not a Redis URL; use redis://host:6379/0")
        return value.strip()

    @field_validator("otel_endpoint")
    @classmethod
    def _check_otel_endpoint(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"{value!r} is not an http(s) URL; use http://collector:4318")
        return value.strip()

    @field_validator("allowed_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [origin.strip().rstrip("/") for origin in value.split(",") if origin.strip()]
        return value

    @field_validator("database_url")
    @classmethod
    def _check_database_url(cls, value: str) -> str:
        value = value.strip()
        if not value:
            return value
        return _checked_url(value)

    @field_validator("database_read_url")
    @classmethod
    def _check_database_read_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = _checked_url(value.strip())
        if not _is_postgres(value):
            raise ValueError(
                "a read replica must be a PostgreSQL streaming replica "
                "(postgresql+asyncpg://USER:PASSWORD@HOST/DB); SQLite has none"
            )
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _check_log_level(cls, value: object) -> object:
        level = str(value).strip().lower()
        if level not in LOG_LEVELS:
            raise ValueError(f"{value!r} is not a log level; use one of {', '.join(LOG_LEVELS)}")
        return level

    @field_validator("env", mode="before")
    @classmethod
    def _check_env(cls, value: object) -> object:
        env = str(value).strip().lower()
        if env not in ENVIRONMENTS:
            raise ValueError(f"{value!r} is not an environment; use {' or '.join(ENVIRONMENTS)}")
        return env

    @field_validator("graphiql", "introspection", "debug_endpoints", mode="before")
    @classmethod
    def _empty_is_the_default(cls, value: object) -> object:
        # GATEWAY_GRAPHIQL= (as compose writes an unset ${GATEWAY_GRAPHIQL:-}) means unset.
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @field_validator("port")
    @classmethod
    def _check_port(cls, value: int) -> int:
        if not 1 <= value <= 65535:
            raise ValueError(f"{value} is not a port; use 1 to 65535")
        return value

    @field_validator("jwt_public_key")
    @classmethod
    def _read_public_key(cls, value: str | None) -> str | None:
        """The key as PEM text, read from its file once, and checked to be an RSA public key."""
        if not value or not value.strip():
            return None
        if "-----BEGIN" in value:
            pem, source = value, "the value"
        else:
            path = Path(value).expanduser()
            if not path.is_file():
                raise ValueError(f"no such file: {value} (give PEM text or a PEM file's path)")
            pem, source = path.read_text(errors="replace"), str(path)
        try:
            key = load_pem_public_key(pem.encode())
        except ValueError:
            raise ValueError(f"{source} is not a PEM public key") from None
        if not isinstance(key, RSAPublicKey):
            raise ValueError(f"{source} is not an RSA public key (RS256 needs one)")
        return pem

    @model_validator(mode="after")
    def _check_cost_budget(self) -> Settings:
        # A budget smaller than an admitted operation would refuse that operation forever.
        for item in parse_limits(self.graphql_cost_budget):
            if item.amount < self.max_query_cost:
                raise ValueError(
                    f"graphql_cost_budget {item} is below max_query_cost "
                    f"({self.max_query_cost}): an operation costing more could never run"
                )
        return self

    @model_validator(mode="after")
    def _default_database(self) -> Settings:
        # The default database lives beside the secret, so that every command finds the
        # same one whatever the working directory.
        if not self.database_url:
            self.database_url = f"sqlite+aiosqlite:///{self.data_dir / 'gateway.db'}"
        if self.database_read_url and not _is_postgres(self.database_url):
            raise ValueError(
                "GATEWAY_DATABASE_READ_URL needs a PostgreSQL primary (GATEWAY_DATABASE_URL), "
                "which it streams from; SQLite has no read replicas"
            )
        return self

    @property
    def production(self) -> bool:
        return self.env == "production"

    @property
    def graphiql_enabled(self) -> bool:
        """GraphiQL and Swagger UI (and their assets) are served."""
        return not self.production if self.graphiql is None else self.graphiql

    @property
    def introspection_enabled(self) -> bool:
        """__schema and __type may be asked (__typename always may). Unset, it follows
        GraphiQL: a GraphiQL switched on in production must be able to load the schema."""
        return self.graphiql_enabled if self.introspection is None else self.introspection

    @property
    def debug_endpoints_enabled(self) -> bool:
        """The development endpoints are served; never by default, in either environment."""
        return bool(self.debug_endpoints)

    def resolved_jwt_secret(self) -> str:
        """The HS256 secret: the configured one, else one generated once and kept in data_dir."""
        if self.jwt_secret:
            return self.jwt_secret
        path = self.data_dir / "jwt_secret"
        if path.exists():
            return path.read_text().strip()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        secret = secrets.token_urlsafe(48)
        path.write_text(secret)
        path.chmod(0o600)
        return secret

    def resolved_public_key(self) -> str | None:
        """The RS256 public key as PEM text (read from its file at start-up)."""
        return self.jwt_public_key


def _checked_url(value: str) -> str:
    """``value`` if it is a database URL with an async driver; else a ValueError saying
    what to write instead."""
    try:
        url = make_url(value)
    except ArgumentError:
        raise ValueError(f"{value!r} is not a database URL; use {DATABASE_URLS}") from None
    shown = url.render_as_string(hide_password=True)
    if url.drivername in ASYNC_DRIVERS:
        return value
    dialect = url.get_backend_name()
    if dialect in SYNC_DRIVERS:
        fixed = url.set(drivername=SYNC_DRIVERS[dialect]).render_as_string(hide_password=True)
        raise ValueError(f"{shown!r} has no async driver; use {fixed!r}")
    raise ValueError(f"{dialect} is not supported; use {DATABASE_URLS}")


def _is_postgres(value: str) -> bool:
    """Whether a URL that passed ``_checked_url`` names PostgreSQL."""
    return ASYNC_DRIVERS[make_url(value).drivername] == "postgresql+asyncpg"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings from the environment, read once per process."""
    return Settings()
