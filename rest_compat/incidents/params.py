"""The incident family's query parameters, as DRF and django-filter read them.

- Lists: ``page``/``page_size`` (rest_compat/pages.py), ``ordering`` and ``search``.
- Booleans: ``true``/``false`` (also ``True``, ``1``, ``0``), anything else a 400.
- Dates: ISO 8601, a date (midnight UTC) or a date-time; without an offset it is UTC.
- Enums: the model's choices, exactly; anything else a 400 listing them.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from typing import Annotated, Any, ClassVar

from pydantic import AfterValidator, BeforeValidator, Field

from gateway.inputs import to_utc
from rest_compat.pages import PageNumberParams
from rest_compat.params import QUERY, RouteParams, Variables

_TRUE = {"true", "1"}
_FALSE = {"false", "0"}


def drf_bool(value: Any) -> Any:
    """DRF's BooleanField: true/false, 1/0 (text or number), any case."""
    if isinstance(value, int) and not isinstance(value, bool) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise ValueError("not a boolean")
    return value


_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
_DATETIME = re.compile(
    r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?([Zz]|[+-]\d{2}:?\d{2})?", re.ASCII
)


def _utc(value: datetime | None) -> datetime | None:
    return None if value is None else to_utc(value)


def iso_moment(value: Any) -> Any:
    """ISO 8601 text as an aware UTC datetime (a date is its midnight, UTC)."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    if _DATE.fullmatch(text):
        return datetime.combine(date.fromisoformat(text), time(), tzinfo=UTC)
    if not _DATETIME.fullmatch(text):
        raise ValueError("not an ISO 8601 date or date-time")
    moment = datetime.fromisoformat(text.replace("z", "Z"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# Optional filters (None: not filtered), since a query parameter's metadata must not sit
# inside a union.
DrfBool = Annotated[bool | None, BeforeValidator(drf_bool), QUERY]
DrfMoment = Annotated[
    datetime | None,
    BeforeValidator(iso_moment),
    AfterValidator(_utc),
    QUERY,
    Field(description="ISO 8601: a date (midnight UTC) or a date-time (UTC without an offset)."),
]
Ordering = Annotated[
    str | None,
    QUERY,
    Field(
        max_length=200,
        description="Field names, comma-separated, `-` for descending (unknown names are ignored).",
    ),
]
Search = Annotated[
    str | None,
    QUERY,
    Field(max_length=200, description="Case-insensitive text to find in names and titles."),
]


class DrfParams(RouteParams):
    """A route of this family: a refusal names every refused field."""

    every_field: ClassVar[bool] = True


class DrfListParams(PageNumberParams, DrfParams):
    """A DRF list: ``page``, ``page_size``, ``ordering`` and ``search``."""

    ordering: Ordering = None
    search: Search = None

    def variables(self) -> Variables:
        return {**super().variables(), "ordering": self.ordering, "search": self.search}
