"""A family's manifest: everything the app, the importer, the demo and the tests need
to know about one product, in one description.

The app is assembled from a list of manifests (``gateway.families.FAMILIES``), not
written: the schema merges their Query and Mutation types, the REST router mounts their
route rows, the importer reads their entities, the demo runs their seeders and the CLI
issues their scopes. Adding a family is one entry in that list. Whatever two families
both claim (a root field, a route, an import entity, a field added to a shared type)
fails at start-up instead of one silently overriding the other.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from starlette.routing import BaseRoute
from strawberry.types.field import StrawberryField

from gateway.importer.entities import EntitySpec
from rest_compat.routing import RestRoute

DemoSeeder = Callable[[Any, Any], Awaitable[object]]  # what it returns is not used


class FamilyConflict(Exception):
    """Two families claim the same name; raised while the app is assembled."""


@dataclass(frozen=True)
class FamilyManifest:
    name: str
    query: type | None = None
    mutation: type | None = None
    # Root fields of the Subscription type (graphql-transport-ws on /graphql).
    subscription: type | None = None
    routes: Sequence[RestRoute] = ()
    # WebSocket routes the app mounts as they are (a documented stream, not a GraphQL
    # operation: no route row can describe one).
    sockets: Sequence[BaseRoute] = ()
    # The family's REST dialect: how it draws an error and a page of results.
    envelope: Callable[..., dict[str, Any]] | None = None
    page_shape: Callable[..., Any] | None = None
    import_entities: Sequence[EntitySpec] = ()
    # Seeds one demo organisation: ``await demo(seeder, org)`` (gateway/demo).
    demo: DemoSeeder | None = None
    scopes: tuple[str, ...] = ()
    # Fields this family contributes to another family's type (``User.knowledgeEntries``
    # belongs to knowledge, which owns its rules, not to tenancy, which owns User).
    extends: Mapping[type, Sequence[StrawberryField]] = field(default_factory=dict)


def _unique(kind: str, claims: Iterable[tuple[str, Any]]) -> None:
    owner: dict[Any, str] = {}
    for family, name in claims:
        if name in owner and owner[name] != family:
            raise FamilyConflict(f"{kind} {name!r} is claimed by {owner[name]} and {family}")
        owner[name] = family


def _root_fields(root: type | None) -> list[str]:
    if root is None:
        return []
    return [f.python_name for f in root.__strawberry_definition__.fields]  # type: ignore[attr-defined]


def _socket_path(route: BaseRoute) -> str:
    path = getattr(route, "path", None)
    if not isinstance(path, str):
        raise FamilyConflict(f"a socket route without a path: {route!r}")
    return path


def check(families: Sequence[FamilyManifest]) -> None:
    """Fails on anything two families both claim."""
    _unique("family", ((f.name, f.name) for f in families))
    _unique("query field", ((f.name, n) for f in families for n in _root_fields(f.query)))
    _unique("mutation field", ((f.name, n) for f in families for n in _root_fields(f.mutation)))
    _unique(
        "subscription field",
        ((f.name, n) for f in families for n in _root_fields(f.subscription)),
    )
    _unique("route", ((f.name, (r.method, r.path)) for f in families for r in f.routes))
    _unique("socket", ((f.name, _socket_path(r)) for f in families for r in f.sockets))
    _unique("import entity", ((f.name, e.name) for f in families for e in f.import_entities))
    _unique("scope", ((f.name, s) for f in families for s in f.scopes))
    _unique(
        "type extension",
        (
            (f.name, (owner.__name__, extra.python_name))
            for f in families
            for owner, fields in f.extends.items()
            for extra in fields
        ),
    )


def apply_extensions(families: Sequence[FamilyManifest]) -> None:
    """Adds each family's contributed fields to the types they extend (once)."""
    for family in families:
        for owner, fields in family.extends.items():
            definition = owner.__strawberry_definition__  # type: ignore[attr-defined]
            for extra in fields:
                present = next(
                    (f for f in definition.fields if f.python_name == extra.python_name), None
                )
                if present is extra:
                    continue  # already applied by an earlier assembly of the schema
                if present is not None:
                    raise FamilyConflict(
                        f"{family.name} adds {owner.__name__}.{extra.python_name}, "
                        "which the type already has"
                    )
                definition.fields.append(extra)


def contributed(name: str, resolver: StrawberryField) -> StrawberryField:
    """A field for ``extends``: a ``@strawberry.field``-decorated function, named."""
    resolver.python_name = name
    return resolver
