"""The per-request context: principal, database access and DataLoaders.

One context per GraphQL operation (and per REST call, which runs one). Its loaders
(gateway/loaders.py) are made with it, never at module level: a loader caches, and its
cache must not outlive the request or cross organisations.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import strawberry
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql import Executable
from starlette.websockets import WebSocket

from gateway.answer_cache import AnswerCache
from gateway.auth import Authenticator, CallerLookup, Credential, Principal, read_credential
from gateway.callers import CallerCache
from gateway.csrf import csrf_refusal
from gateway.db import database_errors, is_disconnect
from gateway.errors import GatewayError
from gateway.live import Hub
from gateway.loaders import Loaders
from gateway.persisted import PersistedQueries
from gateway.rate_limits import RateLimiter
from gateway.replica import ReplicaRoute
from gateway.request_log import note_organisation
from gateway.settings import Settings, get_settings
from gateway.sql import utcnow
from gateway.system_health import Gauges

log = logging.getLogger("gateway.db")


class RequestOver(Exception):
    """Database work asked for after its request's context closed."""


@dataclass
class Context:
    engine: AsyncEngine
    authenticator: Authenticator
    credential: Credential | None
    # The largest estimated cost an operation may have (gateway/cost.py).
    max_query_cost: int
    # Decided before anything runs (the CSRF rule); raised wherever the caller is asked for.
    refused: GatewayError | None = None
    # One clock per request, so every window in one answer ends at the same instant.
    now: datetime = field(default_factory=utcnow)
    # Where files the gateway keeps live (trained models under ``models/``).
    data_dir: Path | None = None
    # The app's settings, for the rules that depend on them (webhook URLs, cost alerts).
    settings: Settings = field(default_factory=get_settings)
    # The app's live gauges (its request window, its host's load): the agent console's.
    gauges: Gauges = field(default_factory=Gauges)
    # The app's clock: a WebSocket's later operations each read their own "now" from it.
    clock: Callable[[], datetime] = utcnow
    # The app's live producers and event broker (subscriptions, recorded-action events).
    hub: Hub = field(default_factory=Hub)
    # A graphql-transport-ws client's ``connection_init`` payload (Strawberry sets it).
    connection_params: dict[str, object] | None = None
    # A REST call's stored operation (``family.op``): its label in the operation metrics.
    stored_operation: str | None = None
    # The per-organisation budget a /graphql operation's estimated cost is taken from
    # (gateway/cost.py); a REST call runs its family's limits instead.
    cost_budget: RateLimiter | None = None
    # The read replica's engine and route (gateway/replica.py); None: all on ``engine``.
    read_engine: AsyncEngine | None = None
    replica: ReplicaRoute | None = None
    # The app's cache of query answers (gateway/answer_cache): a committed write makes
    # the caller's organisation's cached answers unreachable.
    answers: AnswerCache | None = None
    # The registered documents and the allow-list rule (gateway/persisted.py), which
    # the AllowList extension applies to operations that came by WebSocket.
    persisted: PersistedQueries | None = None
    # The app's recently authenticated callers (gateway/callers.py); None: read each time.
    callers: CallerCache | None = None
    # The callers last confirmed by a lookup, which a query may guess from and confirm
    # in its first statement (gateway/callers.py, "Guessed callers"). None: never guess.
    hints: CallerCache | None = None
    # An HTTP /graphql request: a compiled root field's JSON text goes into the response
    # as it is (gateway/compiler/run.py); elsewhere (REST, WebSocket) it is parsed.
    splice_json: bool = False
    loaders: Loaders = field(init=False)
    _connection: AsyncConnection | None = field(default=None, init=False)
    # Whether ``_connection`` is on the replica, and whether this request must stay on
    # the primary (it wrote, or it is a mutation: it reads what it writes).
    _on_replica: bool = field(default=False, init=False)
    _primary_only: bool = field(default=False, init=False)
    # Whether ``_connection`` reads outside a transaction (PostgreSQL; see ``_open``).
    _autocommit: bool = field(default=False, init=False)
    # The caller's organisation's last write position, read once the caller is known.
    _write_position: int | Literal["unread"] | None = field(default="unread", init=False)
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock, init=False)
    _principal: Principal | GatewayError | None = field(default=None, init=False)
    # The caller guessed from ``hints`` while unconfirmed; whether this operation may
    # guess (a query over HTTP); whether the guess proved wrong, so that the answer is
    # thrown away and the operation runs again (``GatewaySchema.execute``); and whether
    # this is that second run, which does not guess.
    _guess: Principal | None = field(default=None, init=False)
    _guessing: bool = field(default=False, init=False)
    guessed_wrong: bool = field(default=False, init=False)
    _replayed: bool = field(default=False, init=False)
    _closed: bool = field(default=False, init=False)

    def __post_init__(self) -> None:
        self.loaders = Loaders(self)

    # --- who is asking ---------------------------------------------------------------

    async def principal(self) -> Principal:
        """The authenticated caller; the outcome (or failure) is kept for the request.
        While guessing, the guess: confirmed by the request's first statement, or at
        the operation's end if it sends none (``confirm_caller``)."""
        if self._principal is None and self._guessing:
            if self._guess is None and self.hints is not None and self.credential is not None:
                self._guess = self.hints.get(self.credential, self.now)
            if self._guess is not None:
                return self._guess
        if self._principal is None:
            if self.refused is not None:
                self._principal = self.refused
            elif self.credential is None:
                self._principal = GatewayError("UNAUTHENTICATED", "authentication required")
            else:
                callers = self.callers
                known = None if callers is None else callers.get(self.credential, self.now)
                try:
                    if known is None:
                        known = await self._look_up(self.credential)
                        if callers is not None:
                            callers.put(self.credential, known)
                except GatewayError as exc:
                    self._principal = exc
                else:
                    self._principal = known
                    note_organisation(known.org_id)
                self._hint(self._principal)
        if isinstance(self._principal, GatewayError):
            raise self._principal
        return self._principal

    def guess_caller(self, *, query: bool) -> None:
        """Whether this operation may take its caller from the hints until its first
        statement confirms them: a query (over HTTP: only its context has hints) that
        is not a second run. A mutation or subscription never runs on a guess."""
        self._guessing = query and self.refused is None and not self._replayed

    @property
    def _guess_pending(self) -> bool:
        """A guessed caller no statement has confirmed yet."""
        return self._guess is not None and self._principal is None

    def unconfirmed(self) -> CallerLookup | GatewayError | None:
        """The lookup that confirms the guessed caller (a compiled statement may run it
        beside its answer), or the credential's own refusal; None once confirmed."""
        if not self._guess_pending or self.credential is None:
            return None
        try:
            return self.authenticator.lookup(self.credential, now=self.now)
        except GatewayError as error:
            return error

    def settle(self, lookup: CallerLookup | GatewayError, row: Any) -> None:
        """The guess confirmed or not by its lookup's ``row``: the live caller is kept,
        and a caller other than the guessed one (a role changed, a user deactivated)
        has the operation run again with the live one."""
        if isinstance(lookup, GatewayError):
            self._principal = lookup
        else:
            try:
                self._principal = lookup.principal(row)
            except GatewayError as error:
                self._principal = error
            else:
                note_organisation(self._principal.org_id)
        self._hint(self._principal)
        if self._principal != self._guess:
            self.guessed_wrong = True

    async def confirm_caller(self) -> None:
        """Confirms a guessed caller no statement has confirmed yet: before an answer
        leaves, or is stored for others (gateway/answer_cache/extension.py)."""
        if self._guess_pending:
            async with self.reading():
                pass

    def replay(self) -> None:
        """Ready for the operation's second run, with the live caller it found."""
        live = self._principal
        self._closed = True
        self.reopen()  # a new "now", empty loaders
        self._principal = live
        self._guess, self._guessing, self.guessed_wrong, self._replayed = None, False, False, True

    def _hint(self, outcome: Principal | GatewayError | None) -> None:
        if self.hints is None or self.credential is None:
            return
        if isinstance(outcome, Principal):
            self.hints.put(self.credential, outcome)
        else:
            self.hints.forget(self.credential)

    async def _confirm(self, connection: AsyncConnection) -> None:
        """Runs the guess's lookup on ``connection`` and settles the guess."""
        lookup = self.unconfirmed()
        row = None
        if isinstance(lookup, CallerLookup):
            row = await self.first_row(connection, lookup.statement, lookup.values)
        if lookup is not None:
            self.settle(lookup, row)

    async def _look_up(self, credential: Credential) -> Principal:
        """The caller's live lookup (the request's first statement: see ``first_row``)."""
        lookup = self.authenticator.lookup(credential, now=self.now)
        async with self.reading() as connection:
            row = await self.first_row(connection, lookup.statement, lookup.values)
        return lookup.principal(row)

    async def first_row(
        self, connection: AsyncConnection, statement: Executable, values: Mapping[str, Any]
    ) -> Any:
        """The first row of the request's first statement, which reads the caller (alone,
        or beside a compiled answer): so the statement that finds a pooled connection the
        server closed a moment ago (gateway/db.py pings only one that sat idle). It runs
        once more on a new connection, which becomes the request's; nothing before it
        can have been half done. Called inside ``reading``, with ``connection``."""
        for attempt in (1, 2):
            try:
                with database_errors():
                    return (await connection.execute(statement, values)).first()
            except GatewayError as error:
                if attempt == 2 or not is_disconnect(error):
                    raise
                log.warning("the caller's lookup found its connection closed; retrying")
                await self._drop_connection()
                connection = await self._connect()
        raise AssertionError("unreachable")

    async def require(
        self,
        *,
        role: str | None = None,
        scope: str | None = None,
        plan: str | None = None,
        feature: str | None = None,
    ) -> Principal:
        """The caller, if their plan, live role and token scopes allow; else the failure."""
        principal = await self.principal()
        if plan and not principal.plan_at_least(plan):
            raise GatewayError(
                "PLAN_UPGRADE_REQUIRED",
                f"this feature needs the {plan} plan or higher",
                details={"required_plan": plan, "feature": feature or "analytics"},
            )
        if role and not principal.role_at_least(role):
            raise GatewayError("INSUFFICIENT_ROLE", f"this needs the {role} role or higher")
        if scope and not principal.has_scope(scope):
            raise GatewayError("INSUFFICIENT_SCOPE", f"this needs the {scope} scope")
        return principal

    def models_dir(self) -> Path:
        """Where trained predictive models are stored: ``<data_dir>/models``."""
        if self.data_dir is None:
            from gateway.settings import Settings

            return Settings().data_dir / "models"
        return self.data_dir / "models"

    async def org_id(self) -> Any:
        return (await self.principal()).org_id

    # --- database --------------------------------------------------------------------

    async def _connect(self, *, write: bool = False) -> AsyncConnection:
        if self._closed:
            # A loader's batch that outlived its request (see ``close``): its answer has
            # no reader, and a connection opened now would have no one to close it.
            raise RequestOver("the request has ended")
        if write:
            self._primary_only = True
        replica = await self._replica_for_reads()
        if self._on_replica and replica is None:
            # Once the caller is known, their organisation's last write may be one the
            # replica has not replayed yet; or the request writes. One connection at a
            # time: the replica's goes back before the primary's is taken.
            await self._drop_connection()
        if self._connection is None:
            if replica is not None:
                self._connection = await self._connect_replica(replica)
            if self._connection is None:
                self._connection = await self._open(self.engine, write=write)
        return self._connection

    async def _open(self, engine: AsyncEngine, *, write: bool = False) -> AsyncConnection:
        connection = await engine.connect()
        if not write and connection.dialect.name == "postgresql":
            # Reads run outside a transaction on PostgreSQL: under READ COMMITTED each
            # statement takes its own snapshot either way, so a read transaction would
            # add only its BEGIN and ROLLBACK round trips. ``writing`` turns it back.
            # (SQLite keeps its read transaction: there it is one snapshot.)
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            self._autocommit = True
        return connection

    async def _replica_for_reads(self) -> AsyncEngine | None:
        """The replica's engine when this request's reads may go there now."""
        if self._primary_only or self.replica is None or self.read_engine is None:
            return None
        if not self.replica.serves():
            return None
        # A guessed caller's organisation counts: the statement that confirms it may
        # read that organisation's rows too.
        known = self._principal if self._principal is not None else self._guess
        if isinstance(known, Principal) and self._write_position == "unread":
            self._write_position = await self.replica.positions.get(known.org_id)
        position = None if self._write_position == "unread" else self._write_position
        return self.read_engine if self.replica.serves(position) else None

    async def _connect_replica(self, engine: AsyncEngine) -> AsyncConnection | None:
        """A replica connection, or None (the primary serves) when it cannot be had."""
        try:
            connection = await self._open(engine)
        except Exception as error:
            # Whatever kept it (down, refusing, a bad password), the primary can answer.
            if self.replica is not None:
                self.replica.failed(error)
            return None
        self._on_replica = True
        return connection

    async def use_primary(self) -> None:
        """This request runs wholly on the primary from now on (a mutation: its reads
        before its writes must not see the replica's older rows)."""
        async with self._lock:
            self._primary_only = True
            if self._on_replica:
                await self._drop_connection()

    @asynccontextmanager
    async def reading(self, *, confirms: bool = False) -> AsyncIterator[AsyncConnection]:
        """The request's one connection, opened on first use and used one at a time:
        on the read replica while it may serve this request (gateway/replica.py), else
        on the primary.

        One connection per request keeps the statement count (and pool round trips)
        minimal, and a request never waits for a second connection while holding one:
        under load that is how a pool deadlocks. Loaders that fire together take turns.

        A guessed caller is confirmed before the first statement, unless the reader
        ``confirms`` it in its own (``settle``).
        """
        async with self._lock:
            with database_errors():
                connection = await self._connect()
                if not confirms and self._guess_pending:
                    await self._confirm(connection)
                # The confirmation may have replaced a connection the server had closed.
                yield self._connection or connection

    async def all(
        self, statement: Executable, values: Mapping[str, Any] | None = None
    ) -> list[RowMapping]:
        async with self.reading() as connection:
            return list((await connection.execute(statement, values)).mappings())

    async def one_or_none(self, statement: Executable) -> RowMapping | None:
        async with self.reading() as connection:
            return (await connection.execute(statement)).mappings().first()

    async def scalar(self, statement: Executable) -> Any:
        async with self.reading() as connection:
            return (await connection.execute(statement)).scalar()

    @asynccontextmanager
    async def writing(self) -> AsyncIterator[AsyncConnection]:
        """The same connection in a transaction for a mutation: committed on success,
        rolled back on any failure."""
        async with self._lock:
            with database_errors():
                connection = await self._connect(write=True)
                if self._guess_pending:
                    await self._confirm(connection)
                    connection = self._connection or connection
                if self.guessed_wrong:
                    # Its checks passed for a caller who is not the live one: nothing is
                    # written, and the operation runs again (``replay``).
                    raise GatewayError("CALLER_CHANGED", "the caller changed; run again")
                if connection.in_transaction():
                    # The reads so far (the principal) autobegan a transaction; end it
                    # so the write starts on the newest data.
                    await connection.commit()
                if self._autocommit:
                    self._autocommit = False
                    await connection.execution_options(
                        isolation_level=connection.default_isolation_level
                    )
                async with connection.begin():
                    yield connection
                known = self._principal
                if self.replica is not None and isinstance(known, Principal):
                    # Read after the commit, so that the position includes it.
                    await self.replica.note_write(known.org_id, connection)
        # Committed (a failure raised above): answers cached before it are stale now, and
        # so may be the callers it read (a role, a plan, a key it changed).
        if isinstance(self._principal, Principal):
            if self.callers is not None:
                self.callers.changed(self._principal.org_id)
            if self.answers is not None:
                await self.answers.changed(self._principal.org_id)

    def reopen(self) -> None:
        """Lets the next operation on this context (a WebSocket's) use the database.

        A WebSocket's operations share one context, and each is a request of its own:
        after one has ended, the next reads its own "now", asks for the caller again (a
        role changed or a key revoked since counts) and starts with empty loaders.
        """
        if self._closed:
            self.now = self.clock()
            self._principal = None
            self._guess = None
            self._primary_only = False
            self._write_position = "unread"
            self.loaders = Loaders(self)
        self._closed = False

    async def release(self) -> None:
        """Returns the connection to the pool without ending the request: a long-lived
        operation (a subscription) holds none while it waits for its next event, and the
        next statement takes one again. Other operations on the same WebSocket go on."""
        async with self._lock:
            await self._drop_connection()

    async def _drop_connection(self) -> None:
        self._on_replica = False
        self._autocommit = False
        if self._connection is not None:
            connection, self._connection = self._connection, None
            with contextlib.suppress(Exception):
                # A connection the server dropped cannot even be rolled back; the pool
                # discards it either way, and the answer is already decided.
                await connection.close()

    async def close(self) -> None:
        """Ends the request's database work: waits for a statement still running, then
        returns the connection, and lets nothing open another.

        A DataLoader batch runs in a task of its own. When a field fails and GraphQL
        cancels its siblings, a batch one of them was waiting for keeps running: closing
        the connection under it would hand the pool a connection in mid-statement (the
        next request on it failed), and letting it reconnect afterwards would leak one.
        """
        async with self._lock:
            self._closed = True
            await self._drop_connection()


Info = strawberry.Info[Context, None]


def context_for(request: Any) -> Context:
    """A fresh context for an HTTP request (GraphQL or REST) or a WebSocket."""
    runtime = request.app.state.runtime
    credential = read_credential(request.headers, request.cookies)
    refused = None
    if credential is not None and credential.from_cookie:
        refused = csrf_refusal(request, runtime.settings.allowed_origins)
    return Context(
        engine=runtime.engine,
        authenticator=runtime.authenticator,
        credential=credential,
        max_query_cost=runtime.settings.max_query_cost,
        refused=refused,
        now=runtime.clock(),
        data_dir=runtime.settings.data_dir,
        settings=runtime.settings,
        gauges=runtime.gauges,
        clock=runtime.clock,
        hub=runtime.hub,
        cost_budget=runtime.limiters.get("graphql"),
        read_engine=runtime.read_engine,
        replica=runtime.replica,
        answers=runtime.answers,
        persisted=runtime.persisted,
        callers=runtime.callers,
        # Over HTTP only: a WebSocket's operations are not run twice.
        hints=None if isinstance(request, WebSocket) else runtime.hints,
    )
