"""Webhook endpoints under /api/analytics/ (an addition: seed 001 lists the events, not
these paths), in the family's DRF dialect.

- ``webhooks/``: GET lists the organisation's endpoints (DRF page, ``ordering``,
  ``search``); POST registers one (201) and is the only answer carrying its ``secret``.
- ``webhooks/{id}/``: GET, and DELETE (204; its delivery log goes with it).
- ``webhooks/{id}/deliveries/``: the endpoint's deliveries, newest first, each with its
  ``attempts``; ``status`` filters them (pending, delivered, failed).

A malformed, unknown or another organisation's id is a 404; a refused body is a 400
naming each refused field.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_core import PydanticCustomError

from models.webhooks import (
    MAX_DESCRIPTION,
    MAX_URL,
    WEBHOOK_EVENTS,
    DeliveryStatus,
    check_events,
    check_url,
)
from rest_compat.incidents import API
from rest_compat.incidents.answers import DrfForm, no_content
from rest_compat.incidents.envelope import INCIDENTS
from rest_compat.incidents.params import DrfListParams, DrfParams
from rest_compat.pages import drf_page
from rest_compat.params import BODY, QUERY, Variables, path_id
from rest_compat.routing import RestRoute

EndpointId = Annotated[uuid.UUID, path_id("webhook endpoint")]


class EndpointCreateBody(DrfParams):
    url: Annotated[str, BODY, Field(min_length=1, max_length=MAX_URL)]
    events: Annotated[
        list[str],
        BODY,
        Field(
            min_length=1,
            max_length=len(WEBHOOK_EVENTS),
            description=f"One or more of {', '.join(WEBHOOK_EVENTS)}, each once.",
        ),
    ]
    description: Annotated[str | None, BODY, Field(max_length=MAX_DESCRIPTION)] = None

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        try:
            return check_url(value)
        except PydanticCustomError as error:
            raise ValueError(error.message()) from None

    @field_validator("events")
    @classmethod
    def _events(cls, value: list[str]) -> list[str]:
        unknown = [name for name in value if name not in WEBHOOK_EVENTS]
        if unknown:
            raise ValueError(
                f"events must be of: {', '.join(WEBHOOK_EVENTS)} (not {', '.join(unknown)})"
            )
        try:
            return check_events(value)
        except PydanticCustomError as error:
            raise ValueError(error.message()) from None

    def variables(self) -> Variables:
        given = self.model_dump(mode="json", exclude_unset=True)
        return {"input": given}


class EndpointIdParams(DrfParams):
    id: EndpointId


class EndpointListParams(DrfListParams):
    pass


class DeliveryListParams(DrfListParams):
    id: EndpointId
    status: Annotated[DeliveryStatus | None, QUERY] = None


WEBHOOK_ROUTES: list[RestRoute] = [
    RestRoute(
        "GET",
        f"{API}/webhooks/",
        op="webhook_endpoints",
        family=INCIDENTS,
        params=EndpointListParams,
        shape=DrfForm(then=drf_page),
    ),
    RestRoute(
        "POST",
        f"{API}/webhooks/",
        op="webhook_endpoint_create",
        family=INCIDENTS,
        params=EndpointCreateBody,
        status=201,
        shape=DrfForm(),
    ),
    RestRoute(
        "GET",
        f"{API}/webhooks/{{id}}/",
        op="webhook_endpoint",
        family=INCIDENTS,
        params=EndpointIdParams,
        shape=DrfForm(missing="webhook endpoint"),
    ),
    RestRoute(
        "DELETE",
        f"{API}/webhooks/{{id}}/",
        op="webhook_endpoint_delete",
        family=INCIDENTS,
        params=EndpointIdParams,
        status=204,
        shape=no_content,
    ),
    RestRoute(
        "GET",
        f"{API}/webhooks/{{id}}/deliveries/",
        op="webhook_deliveries",
        family=INCIDENTS,
        params=DeliveryListParams,
        shape=DrfForm(then=drf_page),
    ),
]
