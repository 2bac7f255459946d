"""Every auth failure answers its own status and code, on REST and on GraphQL alike."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from sqlalchemy import update

from models.tenancy import Organization, User

SECRET = "test-secret-that-is-long-enough-for-hs256"
REST = "/api/v1/analytics/catalog"
GRAPHQL_QUERY = "{ catalogHealth { ownershipCoverage { total } } }"


def make_jwt(claims: dict, secret: str = SECRET, algorithm: str = "HS256") -> str:
    base = {"exp": datetime.now(UTC) + timedelta(hours=1)}
    return jwt.encode({**base, **claims}, secret, algorithm=algorithm)


async def rest_failure(client, headers=None, cookies=None) -> tuple[int, str]:
    if cookies:
        client.cookies.update(cookies)
    response = await client.get(REST, headers=headers or {})
    client.cookies.clear()
    return response.status_code, response.json()["error"]["code"]


async def graphql_failure(client, headers=None, cookies=None) -> str:
    headers = dict(headers or {})
    if cookies:
        client.cookies.update(cookies)
        # As a browser page would: a cookie-authenticated POST shows it is no CSRF.
        headers["X-Requested-With"] = "fetch"
    response = await client.post("/graphql", json={"query": GRAPHQL_QUERY}, headers=headers)
    client.cookies.clear()
    body = response.json()
    assert body["data"] is None
    return body["errors"][0]["extensions"]["code"]


async def assert_fails(client, status, code, headers=None, cookies=None):
    assert await rest_failure(client, headers, cookies) == (status, code)
    assert await graphql_failure(client, headers, cookies) == code


@pytest.fixture
async def jane(factory):
    org = await factory.org()
    return await factory.user(org, "jane")


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_no_credential_is_401(client):
    await assert_fails(client, 401, "UNAUTHENTICATED")


@pytest.mark.parametrize(
    "token",
    ["not-a-jwt.at.all", "a.b.c", "Bearer", "eyJhbGciOiJIUzI1NiJ9.e30.bad"],
)
async def test_malformed_token_is_invalid_token(client, token):
    await assert_fails(client, 401, "INVALID_TOKEN", headers=bearer(token))


async def test_unreadable_authorization_scheme_is_invalid_token(client):
    await assert_fails(client, 401, "INVALID_TOKEN", headers={"Authorization": "Basic abc"})


async def test_expired_token(client, jane):
    token = make_jwt(
        {
            "sub": str(jane["id"]),
            "org_id": str(jane["org_id"]),
            "exp": datetime.now(UTC) - timedelta(seconds=5),
        }
    )
    await assert_fails(client, 401, "INVALID_TOKEN", headers=bearer(token))


async def test_bad_signature(client, jane):
    token = make_jwt(
        {"sub": str(jane["id"]), "org_id": str(jane["org_id"])},
        secret="another-secret-that-is-long-enough-too",
    )
    await assert_fails(client, 401, "INVALID_TOKEN", headers=bearer(token))


async def test_unsigned_token_is_refused(client, jane):
    token = jwt.encode(
        {
            "sub": str(jane["id"]),
            "org_id": str(jane["org_id"]),
            "exp": datetime.now(UTC) + timedelta(hours=1),
        },
        None,
        algorithm="none",
    )
    await assert_fails(client, 401, "INVALID_TOKEN", headers=bearer(token))


@pytest.mark.parametrize("claim", ["sub", "org_id"])
async def test_non_uuid_claims(client, jane, claim):
    claims = {"sub": str(jane["id"]), "org_id": str(jane["org_id"]), claim: "12345"}
    await assert_fails(client, 401, "INVALID_TOKEN", headers=bearer(make_jwt(claims)))


async def test_missing_org_claim(client, jane):
    token = make_jwt({"sub": str(jane["id"])})
    await assert_fails(client, 403, "ORG_SCOPE_REQUIRED", headers=bearer(token))


async def test_unknown_user(client, jane):
    token = make_jwt({"sub": str(uuid.uuid4()), "org_id": str(jane["org_id"])})
    await assert_fails(client, 401, "USER_NOT_FOUND", headers=bearer(token))


async def test_user_claimed_in_another_organisation(client, factory, jane):
    other = await factory.org("Other")
    token = make_jwt({"sub": str(jane["id"]), "org_id": str(other["id"])})
    await assert_fails(client, 401, "USER_NOT_FOUND", headers=bearer(token))


async def test_deactivated_user_fails_on_next_request(client, factory, db, jane):
    headers = factory.headers(jane)
    assert (await client.get(REST, headers=headers)).status_code == 200
    async with db.begin() as conn:
        await conn.execute(update(User).where(User.id == jane["id"]).values(is_active=False))
    await assert_fails(client, 401, "USER_NOT_FOUND", headers=headers)


async def test_inactive_subscription(client, factory):
    org = await factory.org(subscription_active=False)
    user = await factory.user(org)
    await assert_fails(client, 402, "SUBSCRIPTION_REQUIRED", headers=factory.headers(user))


async def test_expired_trial_and_running_trial(client, factory, db):
    org = await factory.org(trial_ends_at=datetime.now(UTC) + timedelta(days=3))
    user = await factory.user(org)
    assert (await client.get(REST, headers=factory.headers(user))).status_code == 200
    async with db.begin() as conn:
        await conn.execute(
            update(Organization)
            .where(Organization.id == org["id"])
            .values(trial_ends_at=datetime.now(UTC) - timedelta(minutes=1))
        )
    await assert_fails(client, 402, "SUBSCRIPTION_REQUIRED", headers=factory.headers(user))


async def test_missing_scope(client, factory, jane):
    headers = factory.headers(jane, scopes=["knowledge:read"])
    await assert_fails(client, 403, "INSUFFICIENT_SCOPE", headers=headers)
    allowed = factory.headers(jane, scopes=["catalog:read"])
    assert (await client.get(REST, headers=allowed)).status_code == 200


async def test_insufficient_role_on_graphql_mutation(client, factory, jane):
    body = (
        await client.post(
            "/graphql",
            json={
                "query": """mutation {
        createComponent(input: {name: "x", kind: "service"}) { id } }"""
            },
            headers=factory.headers(jane),
        )
    ).json()
    assert body["errors"][0]["extensions"]["code"] == "INSUFFICIENT_ROLE"


async def test_role_is_read_live(client, factory, db, jane):
    mutation = {"query": 'mutation { createEnvironment(name: "prod") { name } }'}
    headers = factory.headers(jane)
    async with db.begin() as conn:
        await conn.execute(update(User).where(User.id == jane["id"]).values(role="manager"))
    body = (await client.post("/graphql", json=mutation, headers=headers)).json()
    assert body["data"] == {"createEnvironment": {"name": "prod"}}
    async with db.begin() as conn:
        await conn.execute(update(User).where(User.id == jane["id"]).values(role="member"))
    body = (await client.post("/graphql", json=mutation, headers=headers)).json()
    assert body["errors"][0]["extensions"]["code"] == "INSUFFICIENT_ROLE"


@pytest.mark.parametrize(
    "make_headers",
    [
        lambda key: {"X-API-Key": key},
        lambda key: {"Authorization": f"Token {key}"},
        lambda key: {"Authorization": f"Bearer {key}"},
    ],
)
async def test_api_key_schemes(client, factory, jane, make_headers):
    await factory.api_key(jane, "agw_test_key_1", ["catalog:read"])
    response = await client.get(REST, headers=make_headers("agw_test_key_1"))
    assert response.status_code == 200
    assert await rest_failure(client, make_headers("agw_wrong")) == (401, "INVALID_TOKEN")


async def test_api_key_scopes_and_revocation(client, factory, db, jane):
    key = await factory.api_key(jane, "agw_no_scopes", [])
    await assert_fails(client, 403, "INSUFFICIENT_SCOPE", headers={"X-API-Key": "agw_no_scopes"})
    await factory.api_key(jane, "agw_revoked", ["*"], revoked_at=datetime.now(UTC))
    await assert_fails(client, 401, "INVALID_TOKEN", headers={"X-API-Key": "agw_revoked"})
    assert key["scopes"] == []


async def test_session_cookie(client, factory, jane):
    token = factory.token(jane)
    client.cookies.set("access_token", token)
    response = await client.get(REST)
    client.cookies.clear()
    assert response.status_code == 200
    await assert_fails(client, 401, "INVALID_TOKEN", cookies={"access_token": "garbage"})


async def test_api_key_of_deactivated_user(client, factory, db, jane):
    await factory.api_key(jane, "agw_key_jane", ["*"])
    async with db.begin() as conn:
        await conn.execute(update(User).where(User.id == jane["id"]).values(is_active=False))
    await assert_fails(client, 401, "USER_NOT_FOUND", headers={"X-API-Key": "agw_key_jane"})


# Item 12: time claims must be JSON numbers (RFC 7519's NumericDate), and `exp` at most
# MAX_TOKEN_LIFETIME (366 days) ahead. PyJWT alone reads any of these with int().
def _claims(user, **time_claims):
    return {"sub": str(user["id"]), "org_id": str(user["org_id"]), **time_claims}


def _in(**delta) -> float:
    return (datetime.now(UTC) + timedelta(**delta)).timestamp()


@pytest.mark.parametrize(
    "time_claims",
    [
        pytest.param({"exp": str(int(_in(hours=1)))}, id="string-exp"),
        pytest.param({"exp": 10**30}, id="exp-10e30"),
        pytest.param({"exp": 1e30}, id="float-exp-10e30"),
        pytest.param({"exp": True}, id="bool-exp"),
        pytest.param({"exp": _in(days=367)}, id="exp-beyond-366-days"),
        pytest.param({"exp": "never"}, id="word-exp"),
        pytest.param({"exp": None}, id="null-exp"),
        pytest.param({"exp": _in(hours=1), "iat": str(int(_in()))}, id="string-iat"),
        pytest.param({"exp": _in(hours=1), "iat": True}, id="bool-iat"),
        pytest.param({"exp": _in(hours=1), "nbf": "0"}, id="string-nbf"),
        pytest.param({"exp": _in(hours=1), "nbf": False}, id="bool-nbf"),
    ],
)
async def test_item12_jwt_time_claims_must_be_sane_numbers(client, jane, time_claims):
    token = jwt.encode(_claims(jane, **time_claims), SECRET, algorithm="HS256")
    await assert_fails(client, 401, "INVALID_TOKEN", headers=bearer(token))


async def test_item12_jwt_without_exp_is_refused(client, jane):
    token = jwt.encode(_claims(jane), SECRET, algorithm="HS256")
    await assert_fails(client, 401, "INVALID_TOKEN", headers=bearer(token))


@pytest.mark.parametrize(
    "time_claims",
    [
        pytest.param({"exp": _in(hours=1) + 0.5}, id="float-exp"),
        pytest.param({"exp": int(_in(days=365))}, id="exp-365-days-ahead"),
        pytest.param({"exp": int(_in(hours=1)), "iat": int(_in()) - 5, "nbf": 0}, id="iat-nbf"),
    ],
)
async def test_item12_jwt_numeric_time_claims_within_range_are_accepted(client, jane, time_claims):
    headers = bearer(jwt.encode(_claims(jane, **time_claims), SECRET, algorithm="HS256"))
    response = await client.get(REST, headers=headers)
    assert response.status_code == 200
    assert response.json()["ownershipCoverage"]["total"] == 0
    body = (await client.post("/graphql", json={"query": GRAPHQL_QUERY}, headers=headers)).json()
    assert "errors" not in body
    assert body["data"] == {"catalogHealth": {"ownershipCoverage": {"total": 0}}}


def test_a_verified_token_is_not_verified_again_and_still_expires(monkeypatch):
    """A token's signature is checked once per process; its exp still counts at the
    second the clock passes it, as PyJWT counts it."""
    import gateway.auth as auth

    authenticator = auth.Authenticator(secret=SECRET)
    exp = datetime.now(UTC) + timedelta(minutes=5)
    token = make_jwt({"sub": str(uuid.uuid4()), "org_id": str(uuid.uuid4()), "exp": exp})
    verified: list[str] = []
    original = jwt.decode

    def counting(*args, **kwargs):
        verified.append(args[0])
        return original(*args, **kwargs)

    monkeypatch.setattr(auth.jwt, "decode", counting)
    first = authenticator.decode(token)
    assert authenticator.decode(token) == first
    assert verified == [token]

    class Clock:
        now = exp.timestamp() - 1

        @classmethod
        def time(cls) -> float:
            return cls.now

    monkeypatch.setattr(auth, "time", Clock)
    assert authenticator.decode(token)["sub"] == first["sub"]
    Clock.now = exp.timestamp()
    with pytest.raises(auth.GatewayError) as refused:
        authenticator.decode(token)
    assert (refused.value.code, refused.value.message) == ("INVALID_TOKEN", "the token has expired")
    # and it is no longer kept: the next try verifies again (and PyJWT refuses it too)
    assert token not in authenticator._verified
