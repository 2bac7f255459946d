"""Persisted operations: automatic persisted queries (Apollo's protocol) and the
allow-list.

A request may carry ``extensions.persistedQuery = {"version": 1, "sha256Hash": h}``:

- without ``query``: the document registered under ``h`` runs; unknown, the answer is
  Apollo's ``PersistedQueryNotFound`` (status 200, as Apollo Server answers it, so that
  clients' links read the body and resend with the document);
- with ``query``: its sha256 must be ``h`` (else PERSISTED_QUERY_HASH_MISMATCH, 400);
  it is stored under ``h`` and runs.

Registered documents (the REST layer's stored operations, and an optional file of
allowed ones) are known from the start. In allow-list mode (GATEWAY_PERSISTED_ONLY)
nothing else runs and nothing new is stored: a document or hash not registered is
refused with PERSISTED_QUERY_NOT_IN_LIST (400), after hashing it and before parsing.

Stored queries live in Redis (GATEWAY_REDIS_URL), shared by the replicas, or in this
process's LRU. Redis failing degrades to memory with one warning line, never a 5xx.
"""

from __future__ import annotations

import json
import logging
import re
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.http import GraphQLRequestData

from gateway.errors import GatewayError, bad_input
from gateway.plan_cache import document_hash
from gateway.redis_guard import RedisGuard, Unavailable, fail_fast_client
from gateway.settings import Settings

log = logging.getLogger("gateway.persisted")

T = TypeVar("T")
# Apollo's exact answer for an unknown hash, which its client links look for.
NOT_FOUND_MESSAGE = "PersistedQueryNotFound"
NOT_FOUND_CODE = "PERSISTED_QUERY_NOT_FOUND"
# A lookup slower than this is slower than the client resending the document.
TIMEOUT = 0.25
# How long memory stands in after Redis failed, before Redis is tried again.
RETRY = 5.0
# A stored query is kept a day after its last registration; clients re-register.
REDIS_TTL_SECONDS = 24 * 3600
_SHA256 = re.compile(r"[0-9a-fA-F]{64}")


class PersistedRefusal(Exception):
    """A request refused before GraphQL runs, with the status to answer it with."""

    def __init__(self, error: GatewayError, status: int) -> None:
        super().__init__(error.message)
        self.error, self.status = error, status


def not_found() -> PersistedRefusal:
    return PersistedRefusal(GatewayError(NOT_FOUND_CODE, NOT_FOUND_MESSAGE), 200)


def not_in_list() -> PersistedRefusal:
    error = GatewayError(
        "PERSISTED_QUERY_NOT_IN_LIST",
        "This gateway runs only registered operations (GATEWAY_PERSISTED_ONLY); "
        "the document or hash sent is not one of them.",
    )
    return PersistedRefusal(error, 400)


def hash_mismatch(sent: str, computed: str) -> PersistedRefusal:
    error = GatewayError(
        "PERSISTED_QUERY_HASH_MISMATCH",
        "extensions.persistedQuery.sha256Hash is not the sha256 of the query sent.",
        details={"sha256Hash": sent, "computed": computed},
    )
    return PersistedRefusal(error, 400)


class MemoryDocuments:
    """An LRU of at most ``maxsize`` documents by hash."""

    def __init__(self, maxsize: int) -> None:
        self.maxsize = maxsize
        self._documents: OrderedDict[str, str] = OrderedDict()

    async def get(self, digest: str) -> str | None:
        document = self._documents.get(digest)
        if document is not None:
            self._documents.move_to_end(digest)
        return document

    async def put(self, digest: str, document: str) -> None:
        self._documents[digest] = document
        self._documents.move_to_end(digest)
        while len(self._documents) > self.maxsize:
            self._documents.popitem(last=False)


class RedisDocuments:
    def __init__(self, url: str, prefix: str) -> None:
        self.prefix = prefix
        self.redis = fail_fast_client(url, TIMEOUT)

    async def get(self, digest: str) -> str | None:
        return await self.redis.get(f"{self.prefix}:{digest}")

    async def put(self, digest: str, document: str) -> None:
        await self.redis.set(f"{self.prefix}:{digest}", document, ex=REDIS_TTL_SECONDS)

    def close(self) -> None:
        self.redis.connection_pool.disconnect()


class DocumentStore:
    """Redis when configured and answering, else memory. Every document is also kept in
    memory, so a replica whose Redis goes away still knows what it stored itself."""

    def __init__(self, memory: MemoryDocuments, redis: RedisDocuments | None = None) -> None:
        self.memory, self.redis = memory, redis
        self._guard = RedisGuard(
            log,
            down="persisted queries: Redis failed (%s); using memory",
            back="persisted queries: Redis answers again",
            retry=RETRY,
            timeout=TIMEOUT,
        )

    async def get(self, digest: str) -> str | None:
        local = await self.memory.get(digest)
        if local is not None:
            return local
        return await self._shared(lambda redis: redis.get(digest), None)

    async def put(self, digest: str, document: str) -> None:
        await self.memory.put(digest, document)
        await self._shared(lambda redis: redis.put(digest, document), None)

    async def _shared(self, call: Callable[[RedisDocuments], Awaitable[T]], fallback: T) -> T:
        if (redis := self.redis) is None:
            return fallback
        try:
            return await self._guard.call(lambda: call(redis))
        except Unavailable:
            return fallback

    def close(self) -> None:
        if self.redis is not None:
            self.redis.close()


class PersistedQueries:
    """The registered documents, the APQ store and the allow-list rule of one app."""

    def __init__(
        self, store: DocumentStore, registered: Iterable[str] = (), *, only: bool = False
    ) -> None:
        self.store = store
        self.only = only
        self.registered: dict[str, str] = {}
        for document in registered:
            self.register(document)

    @classmethod
    def from_settings(cls, settings: Settings, stored: Iterable[str]) -> PersistedQueries:
        url = settings.redis_url
        redis = RedisDocuments(url, settings.apq_prefix) if url else None
        store = DocumentStore(MemoryDocuments(settings.apq_memory_size), redis)
        documents = list(stored)
        if settings.persisted_documents is not None:
            documents += read_allowed(settings.persisted_documents)
        return cls(store, documents, only=settings.persisted_only)

    def register(self, document: str) -> str:
        digest = document_hash(document)
        self.registered[digest] = document
        return digest

    async def resolve(self, data: GraphQLRequestData) -> None:
        """Fill in the request's query from its hash, store a new one, or refuse it."""
        sent = (data.extensions or {}).get("persistedQuery")
        if sent is None:
            if self.only and data.query and document_hash(data.query) not in self.registered:
                raise not_in_list()
            return
        digest = _digest_of(sent)
        if data.query:
            computed = document_hash(data.query)
            if computed != digest:
                raise hash_mismatch(digest, computed)
            if digest not in self.registered:
                if self.only:
                    raise not_in_list()
                await self.store.put(digest, data.query)
            return
        document = self.registered.get(digest)
        if document is None and self.only:
            raise not_in_list()
        if document is None:
            document = await self.store.get(digest)
        if document is None:
            raise not_found()
        data.query = document

    def close(self) -> None:
        self.store.close()


class AllowList(SchemaExtension):
    """The allow-list for operations that did not come over HTTP (WebSocket), where
    GraphQLApp's check before parsing cannot run. It replaces the request's validation
    outcome, so an unregistered document never executes; placed after DocumentLimits."""

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        registry = getattr(context.context, "persisted", None)
        if (
            isinstance(registry, PersistedQueries)
            and registry.only
            and document_hash(context.query or "") not in registry.registered
        ):
            refusal = not_in_list().error
            context.pre_execution_errors = [
                GraphQLError(refusal.message, extensions={"code": refusal.code})
            ]
        yield


def _digest_of(sent: Any) -> str:
    if not isinstance(sent, dict) or sent.get("version") != 1:
        raise PersistedRefusal(
            bad_input("extensions.persistedQuery must be {version: 1, sha256Hash: <hex>}"), 400
        )
    digest = sent.get("sha256Hash")
    if not isinstance(digest, str) or not _SHA256.fullmatch(digest):
        raise PersistedRefusal(
            bad_input("extensions.persistedQuery.sha256Hash must be 64 hexadecimal digits"), 400
        )
    return digest.lower()


def read_allowed(path: Path) -> list[str]:
    """The documents of an allow-list file: a JSON list of documents, or an object of
    hash to document (Apollo's and Relay's persisted-query manifests), hashes checked."""
    content = json.loads(path.read_text())
    if isinstance(content, list) and all(isinstance(item, str) for item in content):
        return content
    if isinstance(content, dict) and all(isinstance(item, str) for item in content.values()):
        for digest, document in content.items():
            if document_hash(document) != digest.lower():
                raise ValueError(f"{path}: {digest} is not the sha256 of its document")
        return list(content.values())
    raise ValueError(f"{path}: expected a JSON list of documents or an object of hash to document")
