"""The page shapes families answer lists in, written once for the families to name.

Each shape is two pieces a route row uses: a parameter model to subclass (its fields are
ordinary ``RouteParams`` fields, with the family's defaults and maxima, and its
``variables`` add ``first``/``offset`` or ``first``/``after`` for the operation), and a
shaper (``shape=``) that turns the operation's answer into the page and tells the
OpenAPI document the page's schema.

- Django REST framework (incidents, seed 001): ``{"count", "next", "previous",
  "results"}``, by ``page``/``page_size`` (default 20, at most 100) or by
  ``limit``/``offset``. The operation aliases ``data: {count: totalCount, results: …}``;
  ``next``/``previous`` are the request's own URL with every other query parameter
  kept, sorted by name, as DRF builds them.
- Cursor pages (governance, seed 002): ``{"data": […], "page": {"next_cursor",
  "has_more"}}``, by ``cursor`` and ``limit``. The operation aliases
  ``data: {data: nodes {…} page: pageInfo {next_cursor: endCursor has_more: hasNextPage}}``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, ClassVar, Literal
from urllib.parse import parse_qs, urlencode

from pydantic import BeforeValidator, Field
from starlette.datastructures import URL
from starlette.requests import Request

from gateway.errors import GatewayError
from rest_compat.params import QUERY, In, RouteParams, Variables, decimal_text

Schema = dict[str, Any]

# --- Django REST framework: count / next / previous / results ----------------------

DRF_PAGE_SIZE = 20
DRF_MAX_PAGE_SIZE = 100


# Past any real list, and (page - 1) x 100 stays a 32-bit GraphQL Int.
MAX_PAGE_NUMBER = 1_000_000


def invalid_page() -> GatewayError:
    """DRF answers a page that is not a page number, or is past the last, with 404 and
    ``{"detail": "Invalid page."}`` (an envelope may draw ``details["detail"]`` so)."""
    return GatewayError("NOT_FOUND", "Invalid page.", details={"detail": "Invalid page."})


def lenient_page_size(raw: Any) -> int:
    """DRF's page_size: not a positive integer means the default; above the maximum, the
    maximum (DRF clamps ``max_page_size`` rather than refusing)."""
    try:
        value = int(str(raw).strip())
    except ValueError:
        return DRF_PAGE_SIZE
    return DRF_PAGE_SIZE if value < 1 else min(value, DRF_MAX_PAGE_SIZE)


PageNumber = Annotated[
    int,
    Field(ge=1, le=MAX_PAGE_NUMBER, description="The page, from 1. Past the last page is a 404."),
    BeforeValidator(decimal_text),
    In("query", refusal=invalid_page),
]
PageSize = Annotated[
    int,
    Field(
        description=f"Items per page, at most {DRF_MAX_PAGE_SIZE} (more is {DRF_MAX_PAGE_SIZE})."
    ),
    BeforeValidator(lenient_page_size),
    QUERY,
]
Limit = Annotated[
    int,
    Field(description=f"Items per page, at most {DRF_MAX_PAGE_SIZE}."),
    BeforeValidator(lenient_page_size),
    QUERY,
]
Offset = Annotated[
    int, Field(ge=0, description="Items to skip."), BeforeValidator(decimal_text), QUERY
]


class PageNumberParams(RouteParams):
    """``?page=&page_size=``, as the incidents API documents."""

    # A page past the last is a 404, as DRF answers it.
    refusals: ClassVar[frozenset[int]] = frozenset({404})

    page: PageNumber = 1
    page_size: PageSize = DRF_PAGE_SIZE

    def variables(self) -> Variables:
        return {
            **super().variables(),
            "first": self.page_size,
            "offset": (self.page - 1) * self.page_size,
        }


class LimitOffsetParams(RouteParams):
    """``?limit=&offset=``: DRF's other paginator."""

    limit: Limit = DRF_PAGE_SIZE
    offset: Offset = 0

    def variables(self) -> Variables:
        return {**super().variables(), "first": self.limit}


def _with(url: URL, **values: int | None) -> URL:
    """``url`` with these query parameters replaced (None: removed) and the others kept,
    sorted by name, as DRF's ``replace_query_param`` writes them."""
    params = parse_qs(url.query, keep_blank_values=True)
    for name, value in values.items():
        if value is None:
            params.pop(name, None)
        else:
            params[name] = [str(value)]
    return url.replace(query=urlencode(sorted(params.items()), doseq=True))


def _link(url: URL, absolute: bool) -> str:
    return str(url) if absolute else url.path + (f"?{url.query}" if url.query else "")


@dataclass(frozen=True)
class DrfPage:
    """The shaper of a DRF list: ``style`` is the paginator its params model uses."""

    style: Literal["page", "offset"] = "page"
    # DRF links are absolute; behind a proxy that rewrites hosts, relative ones are safer.
    absolute: bool = True

    def __call__(self, data: dict[str, Any], variables: Variables, request: Request) -> Any:
        body = data["data"]
        count, results = body["count"], body["results"]
        next_url, previous_url = (
            self._by_page(request.url, variables, count)
            if self.style == "page"
            else self._by_offset(request.url, variables, count)
        )
        return {
            "count": count,
            "next": None if next_url is None else _link(next_url, self.absolute),
            "previous": None if previous_url is None else _link(previous_url, self.absolute),
            "results": results,
        }

    @staticmethod
    def _by_page(url: URL, variables: Variables, count: int) -> tuple[URL | None, URL | None]:
        page, size = variables["page"], variables["page_size"]
        last = max(1, -(-count // size))
        if page > last:
            raise invalid_page()
        next_url = _with(url, page=page + 1) if page < last else None
        # DRF leaves `page` out of the link to the first page.
        previous_url = _with(url, page=page - 1 if page > 2 else None) if page > 1 else None
        return next_url, previous_url

    @staticmethod
    def _by_offset(url: URL, variables: Variables, count: int) -> tuple[URL | None, URL | None]:
        limit, offset = variables["limit"], variables["offset"]
        next_url = None
        if offset + limit < count:
            next_url = _with(url, limit=limit, offset=offset + limit)
        previous_url = None
        if offset > 0:
            # Like `page`, DRF leaves `offset` out of the link to the first items.
            back = offset - limit if offset - limit > 0 else None
            previous_url = _with(url, limit=limit, offset=back)
        return next_url, previous_url

    def response_schema(self, data: Schema) -> Schema:
        """The page's schema, from the schema of the operation's answer."""
        inner = data["properties"]["data"]
        link = {"type": ["string", "null"], "format": "uri-reference"}
        return {
            "type": "object",
            "properties": {
                "count": inner["properties"]["count"],
                "next": link,
                "previous": link,
                "results": inner["properties"]["results"],
            },
            "required": ["count", "next", "previous", "results"],
            "additionalProperties": False,
        }


drf_page = DrfPage("page")
drf_limit_offset = DrfPage("offset")

# --- cursor pages: data + page {next_cursor, has_more} -----------------------------

CURSOR_LIMIT = 50
CURSOR_MAX_LIMIT = 200

CursorLimit = Annotated[
    int,
    Field(ge=1, le=CURSOR_MAX_LIMIT, description="Items per page."),
    BeforeValidator(decimal_text),
    QUERY,
]
Cursor = Annotated[
    str | None,
    Field(description="`page.next_cursor` of the previous page; absent for the first."),
    QUERY,
]


class CursorParams(RouteParams):
    """``?cursor=&limit=`` (the governance doc shows the page, not the parameters' names:
    `cursor` and `limit` are the usual ones)."""

    cursor: Cursor = None
    limit: CursorLimit = CURSOR_LIMIT

    def variables(self) -> Variables:
        return {**super().variables(), "first": self.limit, "after": self.cursor}


@dataclass(frozen=True)
class CursorPage:
    """The shaper of a cursor list: the aliased answer, with ``next_cursor`` null on the
    last page (a connection's ``endCursor`` names its last item even then)."""

    def __call__(self, data: dict[str, Any], variables: Variables, request: Request) -> Any:
        body = dict(data["data"])
        page = body["page"]
        body["page"] = {
            "next_cursor": page["next_cursor"] if page["has_more"] else None,
            "has_more": page["has_more"],
        }
        return body

    def response_schema(self, data: Schema) -> Schema:
        inner = dict(data["properties"]["data"])
        page = inner["properties"]["page"]
        cursor = {"type": ["string", "null"]}
        inner["properties"] = {
            **inner["properties"],
            "page": {**page, "properties": {**page["properties"], "next_cursor": cursor}},
        }
        return inner


cursor_page = CursorPage()
