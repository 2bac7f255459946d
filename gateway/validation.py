"""Values checked by a model of ``models/`` (a ``…Create`` or ``…Update``), its first problem
as BAD_USER_INPUT naming the field: VALIDATION_ERROR in REST, ``extensions.code`` in GraphQL.

The one place a pydantic ValidationError becomes an answer, so a rule declared on a
model reads the same whichever door (GraphQL, REST, the CLI) the value came through.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from strawberry.utils.str_converters import to_camel_case

from gateway.errors import GatewayError, bad_input

M = TypeVar("M", bound=BaseModel)

# How each kind of problem reads; ``{argument}`` is the field as the schema names it.
# A model's own rule (``PydanticCustomError("rule", …)``) is a whole sentence already.
MESSAGES = {
    "string_too_long": "{argument} cannot be accepted: text longer than {max_length} characters",
    "string_too_short": "{argument} cannot be blank",
    "too_long": "{argument} takes at most {max_length} items",
    "literal_error": "{argument} must be one of: {choices}",
    "missing": "{argument} is required",
    "not_null": "{argument} cannot be null",
    "rule": "{msg}",
}


def validated(model: type[M], values: Mapping[str, Any]) -> M:
    """``values`` as ``model``, or BAD_USER_INPUT naming the first field it refuses."""
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        raise input_error(exc) from None


def input_error(exc: ValidationError) -> GatewayError:
    """A model's first refusal, in the gateway's words, with ``details.argument``."""
    error = exc.errors(include_url=False)[0]
    argument = to_camel_case(str(error["loc"][0])) if error["loc"] else "input"
    context = error.get("ctx") or {}
    expected = str(context.get("expected", ""))
    template = MESSAGES.get(error["type"], "{argument}: {msg}")
    message = template.format(
        argument=argument,
        msg=error["msg"],
        max_length=context.get("max_length"),
        choices=expected.replace("'", "").replace(" or ", ", "),
    )
    return bad_input(message, argument=argument)


def changes(model: BaseModel) -> dict[str, Any]:
    """The fields an update gives (omitted ones stay as they are)."""
    return model.model_dump(exclude_unset=True)
