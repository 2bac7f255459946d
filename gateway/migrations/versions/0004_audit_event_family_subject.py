"""Audit events name their family and subject, so that each family reads only its own.

Existing rows are classified from what the gateway's mutations wrote:
- knowledge: rows without a component whose details say ``entity: knowledge_entry``
  (subject: that entry, ``details.id``), and the knowledge-only actions (a staleness
  check concerns no single entry);
- catalog, everything else: an environment's row by ``details.id``, a deployment's by
  ``details.deployment_id``, otherwise the component, otherwise no subject.
A detail that is not a valid id leaves the subject empty rather than failing.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

KNOWLEDGE_ACTIONS = ("STALENESS_CHECK", "ARCHIVE", "REVIEW")
SUBJECT_CHECK = (
    "(subject_type IS NULL AND subject_id IS NULL)"
    " OR (subject_type IS NOT NULL AND subject_id IS NOT NULL)"
)
BATCH = 1000

events = sa.table(
    "audit_events",
    sa.column("id", sa.Uuid()),
    sa.column("action", sa.String()),
    sa.column("component_id", sa.Uuid()),
    sa.column("details", sa.JSON()),
    sa.column("family", sa.String()),
    sa.column("subject_type", sa.String()),
    sa.column("subject_id", sa.Uuid()),
)


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def classify(
    action: str, component_id: uuid.UUID | None, details: Any
) -> tuple[str, str | None, uuid.UUID | None]:
    """(family, subject_type, subject_id) of an event written before families existed."""
    details = details if isinstance(details, dict) else {}
    entity = details.get("entity")
    if component_id is None and (entity == "knowledge_entry" or action in KNOWLEDGE_ACTIONS):
        entry = _uuid(details.get("id")) if entity == "knowledge_entry" else None
        return ("knowledge", "knowledge_entry", entry) if entry else ("knowledge", None, None)
    if entity == "environment" and (environment := _uuid(details.get("id"))):
        return "catalog", "environment", environment
    if "deployment_id" in details and (deployment := _uuid(details["deployment_id"])):
        return "catalog", "deployment", deployment
    if component_id is not None:
        return "catalog", "component", component_id
    return "catalog", None, None


def _backfill() -> None:
    bind = op.get_bind()
    # The common case in one statement: a component's own create, update or delete.
    bind.execute(
        events.update()
        .where(events.c.component_id.is_not(None), events.c.action.not_in(KNOWLEDGE_ACTIONS))
        .values(family="catalog", subject_type="component", subject_id=events.c.component_id)
    )
    # The rest needs the details read, which JSON functions do differently per dialect
    # (and ids in details are text on both): read them here, in keyset batches.
    update = (
        events.update()
        .where(events.c.id == sa.bindparam("event_id"))
        .values(
            family=sa.bindparam("family"),
            subject_type=sa.bindparam("subject_type"),
            subject_id=sa.bindparam("subject_id"),
        )
    )
    last: uuid.UUID | None = None
    while True:
        query = (
            sa.select(events.c.id, events.c.action, events.c.component_id, events.c.details)
            .where(
                sa.or_(
                    events.c.family.is_(None),
                    events.c.action.in_(("DEPLOY", "DEPLOY_FINISH")),
                )
            )
            .order_by(events.c.id)
            .limit(BATCH)
        )
        if last is not None:
            query = query.where(events.c.id > last)
        rows = bind.execute(query).all()
        if not rows:
            return
        params = []
        for row in rows:
            family, subject_type, subject_id = classify(row.action, row.component_id, row.details)
            params.append(
                {
                    "event_id": row.id,
                    "family": family,
                    "subject_type": subject_type,
                    "subject_id": subject_id,
                }
            )
        bind.execute(update, params)
        last = rows[-1].id


def upgrade() -> None:
    with op.batch_alter_table("audit_events") as batch:
        batch.add_column(
            sa.Column("family", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True)
        )
        batch.add_column(
            sa.Column("subject_type", sqlmodel.sql.sqltypes.AutoString(length=50), nullable=True)
        )
        batch.add_column(sa.Column("subject_id", sa.Uuid(), nullable=True))
    _backfill()
    with op.batch_alter_table("audit_events") as batch:
        batch.alter_column(
            "family", existing_type=sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False
        )
        batch.create_check_constraint("ck_audit_events_subject", SUBJECT_CHECK)
        # Every read now filters on the family: the old (org, time) index is superseded.
        batch.drop_index("ix_audit_events_org_created")
        batch.create_index(
            "ix_audit_events_org_family_created", ["org_id", "family", "created_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("audit_events") as batch:
        batch.drop_index("ix_audit_events_org_family_created")
        batch.create_index("ix_audit_events_org_created", ["org_id", "created_at"], unique=False)
        batch.drop_constraint("ck_audit_events_subject", type_="check")
        batch.drop_column("subject_id")
        batch.drop_column("subject_type")
        batch.drop_column("family")
