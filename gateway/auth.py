"""Credentials in, one Principal out, whatever the scheme.

Accepted: ``Authorization: Bearer <JWT or API key>``, ``Authorization: Token <API key>``,
``X-API-Key: <API key>`` and the ``access_token=<JWT>`` cookie. Role, active state, plan
and subscription are read from the database on every request, so a downgrade or a
deactivation takes effect on the very next request with the same token.
"""

from __future__ import annotations

import hashlib
import math
import secrets
import time
import uuid
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import jwt
from sqlalchemy import Select, bindparam, select
from sqlmodel import col

from gateway.errors import GatewayError
from gateway.sql import utcnow
from models.tenancy import PLANS, ROLES, ApiKey, Organization, User

API_KEY_PREFIX = "agw_"
ALL_SCOPES = "*"
# The furthest ahead a JWT may expire. PyJWT accepts any `exp` that int() can read: a
# string, or 10^30, which is a token that never expires. The gateway's own tokens last
# 24 hours by default; a year is far beyond any session while refusing "forever".
# Lasting access is what API keys are for: they can be listed and revoked.
MAX_TOKEN_LIFETIME = timedelta(days=366)
TIME_CLAIMS = ("exp", "iat", "nbf")


@dataclass(frozen=True)
class Credential:
    kind: Literal["jwt", "api_key"]
    value: str
    # A browser sends cookies on its own, even on a request another site made it send:
    # cookie-authenticated writes must pass the CSRF rule (gateway/csrf.py).
    from_cookie: bool = False


@dataclass(frozen=True)
class Principal:
    user_id: uuid.UUID
    org_id: uuid.UUID
    username: str
    role: str
    plan: str
    # None: unrestricted (a user session JWT without a `scope` claim).
    scopes: frozenset[str] | None
    via: Literal["jwt", "api_key"]
    # When the credential stops being valid on its own: the token's ``exp`` or the
    # organisation's trial end, whichever is first (gateway/callers.py keeps no
    # principal past it). None: neither applies.
    valid_until: datetime | None = None

    def has_scope(self, scope: str) -> bool:
        return self.scopes is None or ALL_SCOPES in self.scopes or scope in self.scopes

    def role_at_least(self, role: str) -> bool:
        return ROLES.index(self.role) >= ROLES.index(role)

    def plan_at_least(self, plan: str) -> bool:
        return PLANS.index(self.plan) >= PLANS.index(plan)


def read_credential(headers: Mapping[str, str], cookies: Mapping[str, str]) -> Credential | None:
    """The credential a request carries, by the precedence documented above."""
    authorization = headers.get("authorization", "").strip()
    if authorization:
        scheme, _, value = authorization.partition(" ")
        value = value.strip()
        scheme = scheme.lower()
        if scheme == "bearer" and value:
            return Credential("jwt" if looks_like_jwt(value) else "api_key", value)
        if scheme == "token" and value:
            return Credential("api_key", value)
        # An Authorization header we cannot read is a bad credential, not an absent one.
        return Credential("jwt", value or authorization)
    api_key = headers.get("x-api-key", "").strip()
    if api_key:
        return Credential("api_key", api_key)
    cookie = cookies.get("access_token", "").strip()
    if cookie:
        return Credential("jwt", cookie, from_cookie=True)
    return None


def looks_like_jwt(value: str) -> bool:
    """JWTs are three dot-separated segments; our API keys never contain a dot."""
    return value.count(".") == 2


def hash_api_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def new_api_key() -> str:
    return API_KEY_PREFIX + secrets.token_urlsafe(32)


def _invalid(message: str) -> GatewayError:
    return GatewayError("INVALID_TOKEN", message)


def _as_uuid(value: Any, claim: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise _invalid(f"the {claim} claim is not a valid UUID") from None


def _check_time_claims(claims: Mapping[str, Any], now: datetime) -> None:
    """`exp`, `iat` and `nbf` are NumericDates (RFC 7519): JSON numbers, not strings or
    booleans; and `exp` is at most MAX_TOKEN_LIFETIME ahead."""
    for claim in TIME_CLAIMS:
        if claim not in claims:
            continue
        value = claims[claim]
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _invalid(f"the {claim} claim must be a number of seconds since the epoch")
        if not math.isfinite(value):
            raise _invalid(f"the {claim} claim must be a finite number")
    if claims["exp"] > (now + MAX_TOKEN_LIFETIME).timestamp():
        raise _invalid(f"the token expires more than {MAX_TOKEN_LIFETIME.days} days from now")


def _valid_until(exp: Any, trial_ends_at: datetime | None) -> datetime | None:
    """The first of a token's ``exp`` (a checked NumericDate) and a trial's end."""
    ends = [] if trial_ends_at is None else [trial_ends_at]
    if exp is not None:
        ends.append(datetime.fromtimestamp(exp, UTC))
    return min(ends, default=None)


def _scopes(claim: Any) -> frozenset[str] | None:
    if claim is None:
        return None
    if isinstance(claim, str):
        return frozenset(claim.split())
    if isinstance(claim, list) and all(isinstance(s, str) for s in claim):
        return frozenset(claim)
    raise _invalid("the scope claim must be a space-separated string")


# The caller's lookup, on every request: built once, so SQLAlchemy keys and compiles it
# once too. One statement for user and organisation (and the API key).
_CALLER = select(
    col(User.id),
    col(User.org_id),
    col(User.username),
    col(User.role),
    col(User.is_active),
    col(Organization.plan),
    col(Organization.subscription_active),
    col(Organization.trial_ends_at),
).join(Organization, col(Organization.id) == col(User.org_id))
_BY_TOKEN = _CALLER.where(
    col(User.id) == bindparam("caller_user_id"),
    col(User.org_id) == bindparam("caller_org_id"),
)
_BY_KEY = (
    _CALLER.add_columns(col(ApiKey.scopes))
    .join(
        ApiKey,
        (col(ApiKey.user_id) == col(User.id)) & (col(ApiKey.org_id) == col(User.org_id)),
    )
    .where(col(ApiKey.key_hash) == bindparam("caller_key_hash"), col(ApiKey.revoked_at).is_(None))
)


# Verified tokens one process keeps (least recently used out first): a token's signature
# is checked once, not on each of its requests.
VERIFIED_TOKENS = 10_000


class Authenticator:
    """Verifies tokens and keys and builds the Principal from the database."""

    def __init__(self, *, secret: str, public_key: str | None = None, issuer: str | None = None):
        self.secret = secret
        self.public_key = public_key
        self.issuer = issuer
        # Tokens verified by this authenticator, and their claims (see ``decode``).
        self._verified: OrderedDict[str, dict[str, Any]] = OrderedDict()

    def issue(
        self,
        *,
        user_id: uuid.UUID,
        org_id: uuid.UUID,
        scopes: list[str] | None = None,
        expires_in: timedelta = timedelta(hours=24),
    ) -> str:
        """An HS256 session JWT for a user (what `gateway token` prints)."""
        now = utcnow()
        claims: dict[str, Any] = {
            "sub": str(user_id),
            "org_id": str(org_id),
            "iat": now,
            "exp": now + expires_in,
        }
        if scopes:
            claims["scope"] = " ".join(scopes)
        if self.issuer:
            claims["iss"] = self.issuer
        return jwt.encode(claims, self.secret, algorithm="HS256")

    def decode(self, token: str, *, now: datetime | None = None) -> dict[str, Any]:
        """The verified claims of a JWT, or INVALID_TOKEN / ORG_SCOPE_REQUIRED.

        A token verified before is not verified again (its signature cannot have
        changed): its claims are kept, and only what depends on the time is checked
        anew, as PyJWT checks ``exp`` (the wall clock) and ``_check_time_claims`` the
        rest. Refused tokens are not kept.
        """
        kept = self._verified.get(token)
        if kept is not None:
            if kept["exp"] <= time.time():
                del self._verified[token]
                raise _invalid("the token has expired")
            _check_time_claims(kept, now or utcnow())
            self._verified.move_to_end(token)
            return kept
        claims = self._verify(token, now)
        self._verified[token] = claims
        if len(self._verified) > VERIFIED_TOKENS:
            self._verified.popitem(last=False)
        return claims

    def _verify(self, token: str, now: datetime | None) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise _invalid("the token is malformed") from None
        algorithm = header.get("alg")
        if algorithm == "HS256":
            key: str = self.secret
        elif algorithm == "RS256" and self.public_key:
            key = self.public_key
        else:
            raise _invalid("the token's algorithm is not accepted")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=[algorithm],
                issuer=self.issuer,
                options={"require": ["exp", "sub"], "verify_aud": False},
            )
        except jwt.ExpiredSignatureError:
            raise _invalid("the token has expired") from None
        except jwt.PyJWTError as exc:
            raise _invalid(f"the token is invalid: {exc}") from None
        _check_time_claims(claims, now or utcnow())
        if "org_id" not in claims:
            raise GatewayError("ORG_SCOPE_REQUIRED", "the token carries no org_id claim")
        return claims

    def lookup(self, credential: Credential, *, now: datetime) -> CallerLookup:
        """The statement that reads the caller behind ``credential`` and how its row
        becomes the Principal: run alone (``Context._look_up``), or beside a compiled
        answer (gateway/compiler/run.py). A token that does not verify raises here."""
        if credential.kind == "jwt":
            claims = self.decode(credential.value, now=now)
            values: dict[str, Any] = {
                "caller_user_id": _as_uuid(claims["sub"], "sub"),
                "caller_org_id": _as_uuid(claims["org_id"], "org_id"),
            }
            scopes = _scopes(claims.get("scope"))
            return CallerLookup(_BY_TOKEN, values, credential, claims, scopes, now)
        by_key = {"caller_key_hash": hash_api_key(credential.value)}
        return CallerLookup(_BY_KEY, by_key, credential, {}, None, now)


@dataclass(frozen=True)
class CallerLookup:
    statement: Select[*tuple[Any, ...]]
    values: dict[str, Any]
    credential: Credential
    # A JWT's verified claims and the scopes they grant ({} and None for an API key,
    # whose scopes are on its row).
    claims: dict[str, Any]
    scopes: frozenset[str] | None
    now: datetime

    def principal(self, row: Any) -> Principal:
        """The caller from the lookup's row (None: no such caller), or the refusal."""
        claims, now = self.claims, self.now
        if self.credential.kind == "jwt":
            user_id, org_id = self.values["caller_user_id"], self.values["caller_org_id"]
            scopes = self.scopes
        else:
            if row is None:
                raise _invalid("the API key is not valid")
            user_id, org_id, scopes = row.id, row.org_id, frozenset(row.scopes)
        if row is None or not row.is_active:
            raise GatewayError("USER_NOT_FOUND", "the user does not exist or is deactivated")
        if not row.subscription_active or (
            row.trial_ends_at is not None and row.trial_ends_at <= now
        ):
            raise GatewayError(
                "SUBSCRIPTION_REQUIRED",
                "the organisation's subscription is inactive or its trial has ended",
            )
        return Principal(
            user_id=user_id,
            org_id=org_id,
            username=row.username,
            role=row.role,
            plan=row.plan,
            scopes=scopes,
            via=self.credential.kind,
            valid_until=_valid_until(claims.get("exp"), row.trial_ends_at),
        )
