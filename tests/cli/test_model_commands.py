"""`gateway models train` and `gateway anomalies detect`: what they write, one line per
model or organisation, and one clear line for a mistake."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from models.predictive import AnomalyDetection
from tests.cli.run import gateway
from tests.cli.test_apikeys import env
from tests.incidents.predictive import learnable_history


async def test_models_train_trains_the_due_then_forces(db, factory, tmp_path, monkeypatch, capsys):
    org = await factory.org("Acme")
    await learnable_history(factory, org, days=40)
    model = await factory.predictive_model(org, name="sev", hyperparameters={"n_estimators": 10})
    tiny = await factory.predictive_model(org, name="tiny", min_training_samples=5000)

    first = await gateway(["models", "train"], monkeypatch, capsys, env(db, tmp_path))
    again = await gateway(["models", "train"], monkeypatch, capsys, env(db, tmp_path))
    forced = await gateway(
        ["models", "train", "--model-id", str(model["id"]), "--force"],
        monkeypatch,
        capsys,
        env(db, tmp_path),
    )

    # the failed one makes the command fail
    assert first.status == 1
    assert f"{model['id']}  sev  ACTIVE v1 samples=120 " in first.out
    assert (
        f"{tiny['id']}  tiny  ERROR: 120 training samples found, 5000 needed "
        "(min_training_samples)" in first.out
    )
    # an ACTIVE model without automatic retraining is not due; the ERROR one is again
    assert f"{model['id']}" not in again.out and f"{tiny['id']}  tiny  ERROR" in again.out
    assert forced.status == 0 and f"{model['id']}  sev  ACTIVE v2 " in forced.out


async def test_anomalies_detect_is_idempotent(db, factory, tmp_path, monkeypatch, capsys):
    org = await factory.org("Acme")
    # four in the hour two whole hours ago (the command's own clock is a little later)
    hour = factory.now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=2)
    for minutes in (5, 10, 15, 20):
        await factory.incident(org, hour + timedelta(minutes=minutes))
    argv = ["anomalies", "detect", "--org", str(org["id"]), "--time-window", "3"]

    first = await gateway(argv, monkeypatch, capsys, env(db, tmp_path))
    again = await gateway(argv, monkeypatch, capsys, env(db, tmp_path))

    assert first.status == 0
    # four in one hour against nothing before: STATISTICAL and TEMPORAL
    assert "found=2 added=2" in first.out and "found=2 added=0" in again.out
    async with db.connect() as conn:
        assert await conn.scalar(select(func.count()).select_from(AnomalyDetection)) == 2


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["models", "train", "--model-id", "nope"], "--model-id 'nope' is not a model id (a UUID)"),
        (
            ["models", "train", "--model-id", "00000000-0000-4000-8000-000000000000"],
            "no predictive model 00000000-0000-4000-8000-000000000000",
        ),
        (
            ["anomalies", "detect", "--time-window", "0"],
            "--time-window '0' is not a number of hours from 1 to 744",
        ),
        (
            ["anomalies", "detect", "--org", "00000000-0000-4000-8000-000000000000"],
            "no organisation 00000000-0000-4000-8000-000000000000",
        ),
    ],
)
async def test_mistakes_are_one_line(db, tmp_path, monkeypatch, capsys, argv, message):
    outcome = await gateway(argv, monkeypatch, capsys, env(db, tmp_path))
    assert outcome.status == 1
    [line] = outcome.err.strip().splitlines()
    assert line == f"gateway {argv[0]}: error: {message}"
