"""Settings, read once from the environment (prefix ``GATEWAY_``)."""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore")

    database_url: str = Field(
        default="sqlite+aiosqlite:///./gateway.db",
        description="SQLAlchemy async URL: sqlite+aiosqlite:///path or postgresql+asyncpg://...",
    )
    data_dir: Path = Field(
        default=Path("./.gateway"), description="Where the demo keeps its secret."
    )
    jwt_secret: str | None = Field(default=None, description="HS256 secret for JWTs.")
    jwt_public_key: str | None = Field(
        default=None, description="PEM public key (or a path to one) to accept RS256 JWTs."
    )
    jwt_issuer: str | None = Field(default=None, description="Required `iss` claim, if set.")
    host: str = "127.0.0.1"
    port: int = 8000
    log_level: str = "info"
    graphiql: bool = True
    db_pool_size: int = 10
    db_pool_timeout: float = Field(
        default=10.0,
        description="Seconds a request waits for a database connection before a 503.",
    )
    max_body_bytes: int = Field(
        default=1_048_576, description="Largest request body (GraphQL and REST); else 413."
    )
    max_query_cost: int = Field(
        default=50_000,
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

    @field_validator("allowed_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [origin.strip().rstrip("/") for origin in value.split(",") if origin.strip()]
        return value

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
        """The RS256 public key as PEM text, reading it from a file when given a path."""
        key = self.jwt_public_key
        if not key:
            return None
        if "BEGIN" in key:
            return key
        return Path(key).read_text()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings from the environment, read once per process."""
    return Settings()
