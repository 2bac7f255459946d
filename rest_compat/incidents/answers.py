"""This family's answers as DRF renders them: times in RFC 3339 UTC with ``Z``.

GraphQL answers times as ``2026-05-01T00:00:00+00:00``; DRF's DateTimeField writes
``2026-05-01T00:00:00Z``. Every key of ``TIME_KEYS`` holding a UTC time gets the ``Z``
form (the gateway's times are all UTC, so the moment is the same). One pass over the
answer, linear in its size, never entering a client's own JSON (``OPAQUE_KEYS``).
Decimals are already text in the operations' answers (``gateway.rounding.decimal_string``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from gateway.errors import not_found
from gateway.times import z_form
from rest_compat.params import Variables
from rest_compat.routing import ShapeFn

Schema = dict[str, Any]
TIME_KEYS = frozenset(
    {
        "created_at",
        "updated_at",
        "acknowledged_at",
        "resolved_at",
        "calculated_at",
        "period_start",
        "period_end",
        "first_occurrence",
        "last_occurrence",
        "validated_at",
        "last_trained_at",
        "started_at",
        "finished_at",
        "detected_at",
        "time_window_start",
        "time_window_end",
        "valid_from",
        "valid_until",
        "last_updated",
        "occurred_at",
        "next_attempt_at",
        "delivered_at",
        "attempted_at",
    }
)
# A client's own JSON (or a model's), never rewritten.
OPAQUE_KEYS = frozenset(
    {
        "calculation_details",
        "details",
        "model_config",
        "metadata",
        "metrics",
        "predicted_value",
        "actual_value",
        "layout_config",
        "widget_configs",
    }
)


def drf_form(value: Any) -> Any:
    """``value`` with each UTC time under a key of ``TIME_KEYS`` ending in ``Z``."""
    return z_form(value, TIME_KEYS, OPAQUE_KEYS)


@dataclass(frozen=True)
class DrfForm:
    """A shaper: the operation's ``data`` (or what ``then`` makes of it, such as
    ``drf_page``) with DRF's times."""

    then: ShapeFn | None = None
    # What a null answer means: one row of the caller's that is not there (a detail
    # path's unknown id) is a 404.
    missing: str | None = None

    def __call__(self, data: dict[str, Any], variables: Variables, request: Request) -> Any:
        body = self.then(data, variables, request) if self.then else data.get("data")
        if body is None and self.missing is not None:
            raise not_found(self.missing)
        return drf_form(body)

    def response_schema(self, data: Schema) -> Schema:
        shaped = getattr(self.then, "response_schema", None)
        return dict(shaped(data)) if shaped is not None else data["properties"]["data"]


def no_content(data: dict[str, Any], variables: Variables, request: Request) -> Response:
    """A shaper for a DELETE: 204 and no body, as DRF's destroy answers."""
    return Response(status_code=204)
