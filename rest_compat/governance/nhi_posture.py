"""GET /v1/analytics/nhi-posture (scope ``nhi:read``): each NHI's composite posture over
the last 7 days ending now, weakest first, as a cursor page (``limit`` 1-500, default
500, the gateway's page maximum; ``cursor`` is the previous page's ``next_cursor``).

The answer is the seed's (``nhi_id``, ``posture_score``, ``components``) with
``nhi_label`` and ``risk_score`` beside them, and the window used (``from``, ``to``). The
window is not a parameter: the components are named for 7 days, so ``from`` and ``to``
are ignored like any unknown parameter.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BeforeValidator, Field

from gateway.ids import NHI
from resolvers.governance.nhi_posture import MAX_POSTURE_PAGE
from rest_compat.governance.answers import SeedForm
from rest_compat.governance.envelope import GOVERNANCE
from rest_compat.pages import CursorParams, cursor_page
from rest_compat.params import QUERY, decimal_text
from rest_compat.routing import RestRoute

ANALYTICS = "/v1/analytics"


class PostureParams(CursorParams):
    """A cursor page of up to 500 NHIs (the whole list at once for most organisations)."""

    limit: Annotated[
        int,
        Field(ge=1, le=MAX_POSTURE_PAGE, description="NHIs per page."),
        BeforeValidator(decimal_text),
        QUERY,
    ] = MAX_POSTURE_PAGE


POSTURE_ROUTES: list[RestRoute] = [
    RestRoute(
        "GET",
        f"{ANALYTICS}/nhi-posture",
        op="nhi_posture",
        family=GOVERNANCE,
        params=PostureParams,
        shape=SeedForm(ids={"nhi_id": NHI}, then=cursor_page),
    ),
]
