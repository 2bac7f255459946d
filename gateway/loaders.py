"""Per-request DataLoaders (gateway/context.py creates one ``Loaders`` per request):
a loader caches, and its cache must not outlive the request or cross organisations."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import TYPE_CHECKING, Any

from strawberry.dataloader import DataLoader

if TYPE_CHECKING:
    from gateway.context import Context

BatchFn = Callable[..., Awaitable[Sequence[Any]]]


class SharedLoader(DataLoader[Any, Any]):
    """A DataLoader whose futures outlive a cancelled reader.

    A loaded key's future is shared by every field that asks for it. When graphql-core
    cancels one field's task (a sibling's error nulled their common parent), awaiting
    the bare future would cancel it for all, and another field, still wanted, would
    raise CancelledError, which no error handler catches: a 500 for a request whose
    answer is a GraphQL error. Each reader waits on its own shield instead.
    """

    def load(self, key: Any) -> Awaitable[Any]:
        future = super().load(key)
        if isinstance(future, asyncio.Future) and future.done():
            return future  # answered already: nothing left to cancel
        if isinstance(future, asyncio.Future):
            # A batch failing after every reader left (the cancelling error ended the
            # request) is no one's news: retrieved here, not logged as unretrieved.
            future.add_done_callback(_retrieve)
        return asyncio.shield(future)


def _retrieve(future: asyncio.Future[Any]) -> None:
    if not future.cancelled():
        future.exception()


class Loaders:
    """Per-request DataLoaders, one per (batch function, arguments).

    ``ctx.loaders.get(deployments_by_component, first, status).load(component_id)``:
    the batch function receives the context, those arguments and the keys.
    """

    def __init__(self, context: Context) -> None:
        self._context = context
        self._loaders: dict[tuple[Any, ...], DataLoader[Any, Any]] = {}

    def get(self, batch: BatchFn, *args: Hashable) -> DataLoader[Any, Any]:
        key = (batch, *args)
        loader = self._loaders.get(key)
        if loader is None:
            context = self._context

            async def load(keys: list[Any]) -> Sequence[Any]:
                return await batch(context, *args, keys)

            loader = self._loaders[key] = SharedLoader(load_fn=load)
        return loader
