"""The governance tables: time-ordered ids, and the rules the models and SQL both keep."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from models.governance import (
    Guardian,
    GuardianCreate,
    GuardianUpdate,
    GuardianVerdictEvent,
    GuardianVerdictEventBase,
)


async def test_new_rows_get_time_ordered_ids(db, factory):
    org = await factory.org()
    guardian = Guardian(org_id=org["id"], name="PII-Redactor", environment="live")
    assert guardian.id.version == 7
    async with db.begin() as conn:
        await conn.execute(insert(Guardian).values(**guardian.model_dump()))
        row = (await conn.execute(select(Guardian.tags, Guardian.config, Guardian.is_active))).one()
    assert tuple(row) == ([], {}, True)


async def test_sql_refuses_what_the_models_refuse(db, factory):
    org = await factory.org()
    guardian = Guardian(org_id=org["id"], name="Shield", environment="test")
    async with db.begin() as conn:
        await conn.execute(insert(Guardian).values(**guardian.model_dump()))
    event = {"org_id": org["id"], "guardian_id": guardian.id, "environment": "test"}
    for bad in ({"verdict": "maybe", "latency_ms": 1}, {"verdict": "passed", "latency_ms": -1}):
        with pytest.raises(IntegrityError):
            async with db.begin() as conn:
                row = GuardianVerdictEvent(**event, **bad)
                await conn.execute(insert(GuardianVerdictEvent).values(**row.model_dump()))


@pytest.mark.parametrize(
    ("model", "data", "field"),
    [
        (GuardianCreate, {"name": "  ", "environment": "live"}, "name"),
        (GuardianCreate, {"name": "x", "environment": "prod"}, "environment"),
        (GuardianCreate, {"name": "x", "tags": ["a"] * 21}, "tags"),
        (GuardianCreate, {"name": "x", "tags": [" "]}, "tags"),
        (GuardianUpdate, {"name": None}, "name"),
        (GuardianUpdate, {"tags": None}, "tags"),
        (GuardianVerdictEventBase, {"verdict": "error", "latency_ms": -1}, "latency_ms"),
        (GuardianVerdictEventBase, {"verdict": "allowed", "latency_ms": 1}, "verdict"),
    ],
)
def test_models_refuse_bad_input(model, data, field):
    base = {"guardian_id": "01890a5d-ac96-774b-bcce-b302099a8057", "environment": "dev"}
    payload = {**base, **data} if model is GuardianVerdictEventBase else data
    with pytest.raises(ValidationError) as raised:
        model.model_validate(payload)
    assert raised.value.errors()[0]["loc"][0] == field
