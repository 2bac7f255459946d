"""Callers recently authenticated, so that a burst of requests with one credential reads
the caller's row (user, role, organisation, plan; the API key) once rather than before
every statement it sends.

Each process keeps a principal for ``GATEWAY_CALLER_CACHE_SECONDS``. The default, 0,
reads it on every request, as the knowledge base documents ("a role downgrade takes
effect immediately"); the cache is for deployments that accept a short delay. Within
that window a change made elsewhere (a role changed, a user deactivated or a key
revoked by the CLI or by another replica) is not seen yet; a write this process commits
in an organisation drops that organisation's callers at once (``Context.writing``), and
a principal is never used past its token's ``exp`` or its organisation's trial end
(``Principal.valid_until``). Failures are not kept: a refused credential is checked
again on its next request.

Guessed callers. With no such cache (the default), a query over HTTP still need not
spend a statement of its own on the lookup. The process remembers the principal each
credential's last lookup found (``hints``: a CallerCache that keeps them until the
token expires); a query asked with a remembered credential runs with that guess, and
its first statement confirms it: a compiled root field's statement reads the caller's
row beside its answer (gateway/compiler/run.py), any other statement is preceded by
the lookup, and an operation that sent none looks the caller up before its answer
leaves (gateway/extensions.py). The live row decides as it always has: a caller other
than the guessed one (a role downgraded a moment ago, a user deactivated, a key
revoked) throws the answer away unseen and runs the operation again with the live
caller (``GatewaySchema.execute``), so what a client receives is what the live lookup
allows; a write never runs on a guess. What a wrong guess costs besides the second
run: the first run's count against the organisation's GraphQL cost budget
(gateway/cost_budget.py) and in the operation metrics. REST's rate limits run before
the operation, on a live lookup.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime

from gateway.auth import Credential, Principal

# Credentials one process keeps (least recently used out first).
SIZE = 10_000


class CallerCache:
    def __init__(
        self, ttl: float, size: int = SIZE, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.ttl = ttl
        self.size = size
        self.clock = clock
        self._entries: OrderedDict[bytes, tuple[float, Principal]] = OrderedDict()
        self._by_org: dict[uuid.UUID, set[bytes]] = {}

    @staticmethod
    def _key(credential: Credential) -> bytes:
        # A digest, so that the cache holds no credential itself.
        return hashlib.sha256(f"{credential.kind}:{credential.value}".encode()).digest()

    def get(self, credential: Credential, now: datetime) -> Principal | None:
        """The principal authenticated with ``credential`` within the last ``ttl``
        seconds, if it is still valid at ``now``."""
        key = self._key(credential)
        entry = self._entries.get(key)
        if entry is None:
            return None
        stored, principal = entry
        if self.clock() - stored >= self.ttl or (
            principal.valid_until is not None and principal.valid_until <= now
        ):
            self._drop(key)
            return None
        self._entries.move_to_end(key)
        return principal

    def put(self, credential: Credential, principal: Principal) -> None:
        key = self._key(credential)
        self._drop(key)
        self._entries[key] = (self.clock(), principal)
        self._by_org.setdefault(principal.org_id, set()).add(key)
        while len(self._entries) > self.size:
            self._drop(next(iter(self._entries)))

    def forget(self, credential: Credential) -> None:
        self._drop(self._key(credential))

    def changed(self, org_id: uuid.UUID) -> None:
        """This process wrote in ``org_id``: its callers are read again."""
        for key in self._by_org.pop(org_id, set()):
            self._entries.pop(key, None)

    def _drop(self, key: bytes) -> None:
        entry = self._entries.pop(key, None)
        if entry is not None:
            keys = self._by_org.get(entry[1].org_id)
            if keys is not None:
                keys.discard(key)
                if not keys:
                    del self._by_org[entry[1].org_id]
