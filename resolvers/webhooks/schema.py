"""The webhook root fields (scope ``incidents:read``) and mutations (``incidents:write``).

Every read is the caller's organisation's; an endpoint id of another organisation is
NOT_FOUND, as an unknown one is. Lists are DRF-style pages, as the KPI lists are.
"""

from __future__ import annotations

import uuid

import strawberry
from sqlalchemy import select

from gateway.context import Info
from gateway.permissions import requires
from gateway.validation import validated
from models.webhooks import DELIVERY_STATUSES, MAX_DESCRIPTION, MAX_URL, WebhookEndpointCreate
from resolvers.common import check_choice, given
from resolvers.incidents.listing import (
    Listing,
    OffsetPage,
    check_search,
    compiled_or_page,
    page_of,
)
from resolvers.incidents.scopes import INCIDENTS_READ, INCIDENTS_WRITE
from resolvers.webhooks import reads, service
from resolvers.webhooks.destinations import check_destination
from resolvers.webhooks.reads import DELIVERIES, ENDPOINTS
from resolvers.webhooks.types import (
    EVENTS_TEXT,
    CreatedWebhookEndpoint,
    WebhookDelivery,
    WebhookEndpoint,
)

READ = requires(scope=INCIDENTS_READ)
WRITE = requires(scope=INCIDENTS_WRITE)

ENDPOINT_LISTING = Listing(
    {name: ENDPOINTS.c[name] for name in ("url", "created_at", "is_active")},
    [ENDPOINTS.c.created_at.desc()],
    ENDPOINTS.c.id,
)
# Newest first: the delivery made last, then the later event (event ids are time-ordered).
DELIVERY_LISTING = Listing(
    {name: DELIVERIES.c[name] for name in ("created_at", "status", "next_attempt_at")},
    [DELIVERIES.c.created_at.desc(), DELIVERIES.c.event_id.desc()],
    DELIVERIES.c.id.desc(),
)


async def _endpoint(info: Info, endpoint_id: uuid.UUID) -> WebhookEndpoint:
    org_id = await info.context.org_id()
    async with info.context.reading() as conn:
        row = await service.endpoint_of(conn, org_id, endpoint_id)
    return WebhookEndpoint.from_row(row)


@strawberry.type
class WebhookQuery:
    @strawberry.field(
        description="The organisation's webhook endpoints, newest first unless `ordering` "
        "says otherwise (url, created_at, is_active); `search` looks in URL and description.",
        extensions=READ,
    )
    async def webhook_endpoints(
        self,
        info: Info,
        first: int = 20,
        offset: int = 0,
        ordering: str | None = None,
        search: str | None = None,
    ) -> OffsetPage[WebhookEndpoint]:
        org_id = await info.context.org_id()
        conditions = reads.endpoint_conditions(
            org_id, check_search(search, ENDPOINTS.c.description)
        )
        return await compiled_or_page(
            info,
            org_id,
            select(*reads.PUBLIC_ENDPOINT_COLUMNS).where(*conditions),
            ENDPOINT_LISTING,
            WebhookEndpoint.from_row,
            first=first,
            offset=offset,
            ordering=ordering,
        )

    @strawberry.field(
        description="One webhook endpoint of the organisation (NOT_FOUND otherwise); its "
        "secret is never shown again.",
        extensions=READ,
    )
    async def webhook_endpoint(self, info: Info, id: uuid.UUID) -> WebhookEndpoint:
        return await _endpoint(info, id)

    @strawberry.field(
        description="Deliveries of the organisation's events, newest first, each with its "
        "attempts; `endpointId` (NOT_FOUND if not the organisation's) and `status` "
        f"({', '.join(DELIVERY_STATUSES)}) filter them.",
        extensions=READ,
    )
    async def webhook_deliveries(
        self,
        info: Info,
        endpoint_id: uuid.UUID | None = None,
        status: str | None = None,
        first: int = 20,
        offset: int = 0,
        ordering: str | None = None,
    ) -> OffsetPage[WebhookDelivery]:
        org_id = await info.context.org_id()
        statement = reads.deliveries_of(org_id)
        if endpoint_id is not None:
            await _endpoint(info, endpoint_id)
            statement = statement.where(DELIVERIES.c.endpoint_id == endpoint_id)
        if check_choice(status, DELIVERY_STATUSES, "status") is not None:
            statement = statement.where(DELIVERIES.c.status == status)
        return await page_of(
            info,
            statement,
            DELIVERY_LISTING,
            WebhookDelivery.from_row,
            first=first,
            offset=offset,
            ordering=ordering,
        )


@strawberry.input(description="A new webhook endpoint.")
class WebhookEndpointInput:
    url: str = strawberry.field(
        description=f"http:// or https://, at most {MAX_URL} characters, no credentials."
    )
    events: list[str] = strawberry.field(description=f"One or more of {EVENTS_TEXT}.")
    description: str | None = strawberry.field(
        default=None, description=f"At most {MAX_DESCRIPTION} characters."
    )


@strawberry.type
class WebhookMutation:
    @strawberry.mutation(
        description="Register a webhook endpoint (incidents:write); the answer carries its "
        "secret, the only time it is shown.",
        extensions=WRITE,
    )
    async def create_webhook_endpoint(
        self, info: Info, input: WebhookEndpointInput
    ) -> CreatedWebhookEndpoint:
        ctx, principal = info.context, await info.context.principal()
        data = validated(WebhookEndpointCreate, given(input))
        # Before the transaction: it may wait on DNS, and must not hold a connection meanwhile.
        await check_destination(data.url, allow_private=ctx.settings.webhook_allow_private)
        async with ctx.writing() as conn:
            row = await service.create_endpoint(
                conn,
                org_id=principal.org_id,
                actor=principal,
                now=ctx.now,
                data=data,
                limit=ctx.settings.webhook_max_endpoints,
            )
        return CreatedWebhookEndpoint.created(row)

    @strawberry.mutation(
        description="Delete a webhook endpoint and its delivery log (incidents:write). "
        "Answers the deleted id.",
        extensions=WRITE,
    )
    async def delete_webhook_endpoint(self, info: Info, id: uuid.UUID) -> uuid.UUID:
        ctx, principal = info.context, await info.context.principal()
        async with ctx.writing() as conn:
            await service.delete_endpoint(
                conn, org_id=principal.org_id, actor=principal, now=ctx.now, endpoint_id=id
            )
        return id
