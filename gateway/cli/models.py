"""`gateway models train` and `gateway anomalies detect`: the seed's
``train_predictive_models`` and ``run_anomaly_detection`` management commands.

- ``models train [--model-id ID] [--org ORG_ID] [--force]``: trains the models that are
  due (never trained, failed, or due for their automatic retraining), or with
  ``--force`` every one named; a model a job is training is left alone. Each trains in
  this process (the fit off the event loop) and prints one line: its id, name, and the
  outcome. Exit status 1 when any ended in ERROR.
- ``anomalies detect [--model-id ID] [--org ORG_ID] [--time-window HOURS]``: detection
  over the last HOURS whole hours (default 24) for each organisation (or the model's),
  one transaction and one line each.
"""

from __future__ import annotations

import argparse
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.cli.common import uuid_option, with_engine
from gateway.credentials import CliError
from gateway.errors import GatewayError
from gateway.settings import Settings
from gateway.sql import table_of, utcnow
from models.predictive import PredictiveModel
from models.tenancy import Organization
from resolvers.incidents.ml import detection, service

ORGS = table_of(Organization)
MODELS = table_of(PredictiveModel)


def add_commands(commands: Any) -> None:
    models = commands.add_parser("models", help="predictive models")
    actions = models.add_subparsers(dest="models_command", required=True, metavar="ACTION")
    train = actions.add_parser("train", help="train the predictive models that are due")
    train.add_argument("--model-id", metavar="ID", help="only this model (a UUID)")
    train.add_argument("--org", metavar="ORG_ID", help="only this organisation's (a UUID)")
    train.add_argument("--force", action="store_true", help="train even if not due")
    train.set_defaults(handler=_train)

    anomalies = commands.add_parser("anomalies", help="anomaly detection")
    found = anomalies.add_subparsers(dest="anomalies_command", required=True, metavar="ACTION")
    detect = found.add_parser("detect", help="detect anomalies over the last hours")
    detect.add_argument("--model-id", metavar="ID", help="an ISOLATION_FOREST model (a UUID)")
    detect.add_argument("--org", metavar="ORG_ID", help="only this organisation (a UUID)")
    detect.add_argument(
        "--time-window",
        metavar="HOURS",
        help=f"whole hours to look at (1-{detection.MAX_WINDOW_HOURS}, default 24)",
    )
    detect.set_defaults(handler=_detect)


def _hours(text: str) -> int:
    value = text.strip()
    if not (value.isascii() and value.isdigit()) or not (
        1 <= int(value) <= detection.MAX_WINDOW_HOURS
    ):
        raise CliError(
            f"--time-window {text!r} is not a number of hours from 1 to "
            f"{detection.MAX_WINDOW_HOURS}"
        )
    return int(value)


async def train_lines(
    engine: AsyncEngine,
    *,
    models_dir: str,
    model_id: uuid.UUID | None,
    org_id: uuid.UUID | None,
    force: bool,
    now: datetime,
) -> tuple[list[str], bool]:
    """One line per model trained (or left alone), and whether every training succeeded."""
    statement = select(MODELS).order_by(MODELS.c.org_id, MODELS.c.created_at, MODELS.c.id)
    if model_id is not None:
        statement = statement.where(MODELS.c.id == model_id)
    if org_id is not None:
        statement = statement.where(MODELS.c.org_id == org_id)
    if not force:
        statement = statement.where(service.due(now))
    async with engine.connect() as conn:
        if model_id is not None:
            known = (await conn.execute(select(MODELS.c.id).where(MODELS.c.id == model_id))).first()
            if known is None:
                raise CliError(f"no predictive model {model_id}")
        models = list((await conn.execute(statement)).mappings())
    lines, ok = [], True
    for model in models:
        label = f"{model['id']}  {model['name']}"
        async with engine.begin() as conn:
            started = await service.start_training(conn, model, now)
        if not started:
            lines.append(f"{label}  skipped: a job is training it")
            continue
        result = await service.run_training(
            engine,
            org_id=model["org_id"],
            model_id=model["id"],
            models_dir=models_dir,
            now=now,
            job_id=None,
        )
        if result["status"] == "ERROR":
            ok = False
            lines.append(f"{label}  ERROR: {result['error']}")
        else:
            lines.append(
                f"{label}  ACTIVE v{result['version']} samples={result['samples']} "
                f"accuracy={result['accuracy_score']} f1={result['f1_score']}"
            )
    if model_id is not None and not models:
        lines.append(f"{model_id}  not due (use --force to train it anyway)")
    return lines, ok


def _train(args: argparse.Namespace, settings: Settings) -> int:
    model_id = uuid_option(args.model_id, "--model-id", "a model id") if args.model_id else None
    org_id = uuid_option(args.org, "--org", "an organisation id") if args.org else None
    models_dir = str(settings.data_dir / "models")
    lines, ok = with_engine(
        settings,
        lambda engine: train_lines(
            engine,
            models_dir=models_dir,
            model_id=model_id,
            org_id=org_id,
            force=args.force,
            now=utcnow(),
        ),
        changes_data=True,
    )
    for line in lines or ["no model is due for training"]:
        print(line)
    return 0 if ok else 1


async def detect_lines(
    engine: AsyncEngine,
    *,
    model_id: uuid.UUID | None,
    org_id: uuid.UUID | None,
    hours: int,
    now: datetime,
) -> list[str]:
    statement = select(ORGS.c.id, ORGS.c.name).order_by(ORGS.c.name, ORGS.c.id)
    async with engine.connect() as conn:
        if model_id is not None:
            owner = (
                await conn.execute(select(MODELS.c.org_id).where(MODELS.c.id == model_id))
            ).scalar()
            if owner is None or (org_id is not None and owner != org_id):
                raise CliError(f"no predictive model {model_id}")
            org_id = owner
        if org_id is not None:
            statement = statement.where(ORGS.c.id == org_id)
        orgs = list(await conn.execute(statement))
    if org_id is not None and not orgs:
        raise CliError(f"no organisation {org_id}")
    lines = []
    for org in orgs:
        try:
            async with engine.begin() as conn:
                done = await detection.detect(
                    conn, org_id=org.id, now=now, hours_back=hours, model_id=model_id
                )
        except GatewayError as error:
            raise CliError(error.message) from None
        lines.append(
            f"{org.id}  {org.name}  window={done['window_start']}/{done['window_end']} "
            f"found={done['found']} added={done['added']}"
        )
    return lines


def _detect(args: argparse.Namespace, settings: Settings) -> int:
    model_id = uuid_option(args.model_id, "--model-id", "a model id") if args.model_id else None
    org_id = uuid_option(args.org, "--org", "an organisation id") if args.org else None
    hours = _hours(args.time_window) if args.time_window is not None else 24
    lines = with_engine(
        settings,
        lambda engine: detect_lines(
            engine, model_id=model_id, org_id=org_id, hours=hours, now=utcnow()
        ),
        changes_data=True,
    )
    for line in lines:
        print(line)
    return 0
