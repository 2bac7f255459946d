"""The governance family's common query parameters (seed 002's table), as one model.

``from`` (inclusive, default now - 24 h) and ``to`` (exclusive, default now) are RFC 3339
with an offset; ``now`` is the request's clock. ``bucket`` is ``1m|5m|15m|1h|1d``
(default ``1h``), ``guardian_id`` a ``gov_`` id or a plain UUID, ``environment``
``live|test|dev``, ``tag`` an organisational tag. A malformed value, or ``to`` not after
``from``, is a 400; a window longer than 1,440 buckets is a 422.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta
from functools import partial
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BeforeValidator,
    Field,
    ValidationInfo,
    WithJsonSchema,
    model_validator,
)

from gateway.ids import GUARDIAN, parse_id
from gateway.inputs import to_utc
from gateway.sql import BUCKET_SECONDS, utcnow
from resolvers.governance.window import DEFAULT_SPAN, NHI_SPAN, check_order, check_window
from rest_compat.params import QUERY, RouteParams

ULID_PATTERN = "[0-7][0-9A-HJKMNP-TV-Z]{25}"

Bucket = Literal["1m", "5m", "15m", "1h", "1d"]
Environment = Literal["live", "test", "dev"]

# RFC 3339's date-time, with its offset: pydantic alone would also read a bare number as
# Unix time. ASCII only, so no other script's digits pass.
_RFC3339 = re.compile(
    r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,6})?([Zz]|[+-]\d{2}:\d{2})", re.ASCII
)


def rfc3339(value: Any) -> Any:
    """Text must be an RFC 3339 date-time before pydantic reads it (BeforeValidator)."""
    if isinstance(value, str) and not _RFC3339.fullmatch(value):
        raise ValueError("not an RFC 3339 date-time")
    return value


def _id_of(prefix: str, value: Any) -> Any:
    return value if isinstance(value, uuid.UUID) else parse_id(prefix, value)


def id_reader(prefix: str) -> BeforeValidator:
    """Reads ``<prefix>_<ULID>`` or a plain UUID as the UUID; anything else is refused."""
    return BeforeValidator(partial(_id_of, prefix))


def id_schema(prefix: str, what: str) -> WithJsonSchema:
    """The id's JSON Schema: either spelling it accepts (so the document lists the 404 an
    id path answers, and a generated request may try both), with the words its refusal
    uses (``x-expected``)."""
    return WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "format": "uuid"},
                {"type": "string", "pattern": f"^{prefix}_{ULID_PATTERN}$"},
            ],
            "x-expected": f"must be a {what} id ({prefix}_ followed by a ULID) or a UUID",
        }
    )


Moment = Annotated[AwareDatetime, BeforeValidator(rfc3339), AfterValidator(to_utc)]
GuardianId = Annotated[uuid.UUID, id_reader(GUARDIAN), id_schema(GUARDIAN, "guardian")]


class Span(RouteParams):
    """``[from, to)``: the window every governance read takes. Each default on its own,
    literally the seed's: ``to`` is now and ``from`` now - 24 h (so a ``to`` alone at or
    before now - 24 h is refused as not after ``from``). A subclass may set another
    ``default_span`` (the NHI reads: 7 days)."""

    default_span: ClassVar[timedelta] = DEFAULT_SPAN

    # Optional only on the wire: validation always fills both (``start``/``end``).
    from_: Annotated[
        Moment | None,
        QUERY,
        Field(alias="from", description="Window start (inclusive); default now - 24 h."),
    ] = None
    to: Annotated[
        Moment | None, QUERY, Field(description="Window end (exclusive); default now.")
    ] = None

    @model_validator(mode="before")
    @classmethod
    def _default_window(cls, data: Any, info: ValidationInfo) -> Any:
        if isinstance(data, dict):
            now = (info.context or {}).get("now") or utcnow()
            data = {"to": now, "from": now - cls.default_span, **data}
        return data

    @model_validator(mode="after")
    def _ordered(self) -> Span:
        check_order(self.start, self.end)
        return self

    @property
    def start(self) -> datetime:
        """``from``: inclusive."""
        if self.from_ is None:  # pragma: no cover - the before-validator sets it
            raise ValueError("from is unset")
        return self.from_

    @property
    def end(self) -> datetime:
        """``to``: exclusive."""
        if self.to is None:  # pragma: no cover - the before-validator sets it
            raise ValueError("to is unset")
        return self.to


class NhiSpan(Span):
    """``[from, to)`` of the NHI reads: ``from`` defaults to now - 7 days."""

    default_span: ClassVar[timedelta] = NHI_SPAN


class GovernanceWindow(Span):
    """The window, bucket and filters most governance paths take."""

    refusals: ClassVar[frozenset[int]] = frozenset({422})

    bucket: Annotated[Bucket, QUERY, Field(description="Aggregation granularity.")] = "1h"
    guardian_id: Annotated[
        GuardianId | None, QUERY, Field(description="Only this guardian (gov_… or a UUID).")
    ] = None
    environment: Annotated[Environment | None, QUERY, Field(description="Only this one.")] = None
    tag: Annotated[
        str | None, QUERY, Field(min_length=1, max_length=50, description="Only this tag.")
    ] = None

    @model_validator(mode="after")
    def _window_rules(self) -> GovernanceWindow:
        check_window(self.start, self.end, self.bucket)
        return self

    @property
    def bucket_seconds(self) -> int:
        return BUCKET_SECONDS[self.bucket]
