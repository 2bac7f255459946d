"""Non-human identities: NHIs, their guardian bindings, their activity, risk snapshots
and anomalies; ``mcp_sessions.nhi_id`` becomes a foreign key to ``nhis``.

A session written before this revision may name an NHI no table held. Each such id
becomes a placeholder NHI of the session's organisation (label ``unregistered-<first
8 hex digits>``, kind ``workload``, tier 4, federation ``unverified``, created when its
first session started), so that no session loses the NHI it named.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import gateway.sql

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

AutoString = sqlmodel.sql.sqltypes.AutoString
UTCDateTime = gateway.sql.UTCDateTime
SESSION_NHI_KEY = "fk_mcp_sessions_nhi_id_nhis"


def _tenant() -> list[sa.Column[object]]:
    return [
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
    ]


def _tenant_keys() -> list[sa.schema.SchemaItem]:
    return [
        sa.ForeignKeyConstraint(["org_id"], ["organizations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    ]


def _placeholders() -> None:
    """An NHI row for every id sessions name, in the session's organisation."""
    sessions = sa.table(
        "mcp_sessions",
        sa.column("org_id", sa.Uuid()),
        sa.column("nhi_id", sa.Uuid()),
        sa.column("started_at", UTCDateTime()),
    )
    named = op.get_bind().execute(
        sa.select(sessions.c.org_id, sessions.c.nhi_id, sa.func.min(sessions.c.started_at))
        .where(sessions.c.nhi_id.is_not(None))
        .group_by(sessions.c.org_id, sessions.c.nhi_id)
    )
    rows = [
        {
            "id": nhi_id,
            "org_id": org_id,
            "label": f"unregistered-{nhi_id.hex[:8]}",
            "kind": "workload",
            "tier": 4,
            "federation_status": "unverified",
            "created_at": first,
        }
        for org_id, nhi_id, first in named
    ]
    if rows:
        nhis = sa.table(
            "nhis",
            sa.column("id", sa.Uuid()),
            sa.column("org_id", sa.Uuid()),
            sa.column("label", sa.String()),
            sa.column("kind", sa.String()),
            sa.column("tier", sa.Integer()),
            sa.column("federation_status", sa.String()),
            sa.column("created_at", UTCDateTime()),
        )
        op.bulk_insert(nhis, rows)


def upgrade() -> None:
    op.create_table(
        "nhis",
        *_tenant(),
        sa.Column("label", AutoString(length=200), nullable=False),
        sa.Column("kind", AutoString(length=20), nullable=False),
        sa.Column("tier", sa.Integer(), nullable=False),
        sa.Column("federation_status", AutoString(length=12), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "kind IN ('service_account', 'ci_runner', 'ai_agent', 'workload')",
            name="ck_nhis_kind",
        ),
        sa.CheckConstraint(
            "federation_status IN ('verified', 'pending', 'unverified')",
            name="ck_nhis_federation",
        ),
        sa.CheckConstraint("tier BETWEEN 1 AND 4", name="ck_nhis_tier"),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], ondelete="SET NULL"),
        *_tenant_keys(),
    )
    op.create_index("ix_nhis_org_label", "nhis", ["org_id", "label"])

    op.create_table(
        "nhi_guardians",
        sa.Column("nhi_id", sa.Uuid(), nullable=False),
        sa.Column("guardian_id", sa.Uuid(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["nhi_id"], ["nhis.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["guardian_id"], ["guardians.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["org_id"], ["organizations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("nhi_id", "guardian_id"),
    )
    op.create_index("ix_nhi_guardians_org_guardian", "nhi_guardians", ["org_id", "guardian_id"])

    op.create_table(
        "nhi_activity",
        *_tenant(),
        sa.Column("nhi_id", sa.Uuid(), nullable=False),
        sa.Column("spend_usd", gateway.sql.Money(), nullable=False),
        sa.Column("tool", AutoString(length=200), nullable=True),
        sa.Column("outcome", AutoString(length=10), nullable=False),
        sa.Column("guardian_id", sa.Uuid(), nullable=True),
        sa.Column("occurred_at", UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("outcome IN ('allowed', 'denied')", name="ck_nhi_activity_outcome"),
        sa.CheckConstraint("spend_usd >= 0", name="ck_nhi_activity_spend"),
        sa.ForeignKeyConstraint(["nhi_id"], ["nhis.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["guardian_id"], ["guardians.id"], ondelete="SET NULL"),
        *_tenant_keys(),
    )
    op.create_index("ix_nhi_activity_org_occurred", "nhi_activity", ["org_id", "occurred_at"])
    op.create_index(
        "ix_nhi_activity_org_nhi_occurred", "nhi_activity", ["org_id", "nhi_id", "occurred_at"]
    )

    op.create_table(
        "nhi_risk_snapshots",
        *_tenant(),
        sa.Column("nhi_id", sa.Uuid(), nullable=False),
        sa.Column("computed_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("window_from", UTCDateTime(timezone=True), nullable=False),
        sa.Column("window_to", UTCDateTime(timezone=True), nullable=False),
        sa.Column("risk_score", sa.Float(), nullable=False),
        sa.Column("signals", sa.JSON(), nullable=False),
        sa.Column("source", AutoString(length=20), nullable=False),
        sa.Column("job_id", sa.Uuid(), nullable=True),
        sa.CheckConstraint(
            "risk_score >= 0 AND risk_score <= 1", name="ck_nhi_risk_snapshots_score"
        ),
        sa.ForeignKeyConstraint(["nhi_id"], ["nhis.id"], ondelete="CASCADE"),
        *_tenant_keys(),
    )
    op.create_index(
        "ix_nhi_risk_snapshots_org_nhi_computed",
        "nhi_risk_snapshots",
        ["org_id", "nhi_id", "computed_at"],
    )

    op.create_table(
        "nhi_anomalies",
        *_tenant(),
        sa.Column("nhi_id", sa.Uuid(), nullable=False),
        sa.Column("type", AutoString(length=20), nullable=False),
        sa.Column("severity", AutoString(length=10), nullable=False),
        sa.Column("window_from", UTCDateTime(timezone=True), nullable=False),
        sa.Column("window_to", UTCDateTime(timezone=True), nullable=False),
        sa.Column("detected_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("status", AutoString(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("acknowledged_by", sa.Uuid(), nullable=True),
        sa.Column("acknowledged_at", UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint("type IN ('spend_burst', 'tool_denials')", name="ck_nhi_anomalies_type"),
        sa.CheckConstraint(
            "severity IN ('low', 'medium', 'high', 'critical')", name="ck_nhi_anomalies_severity"
        ),
        sa.CheckConstraint("status IN ('open', 'acknowledged')", name="ck_nhi_anomalies_status"),
        sa.UniqueConstraint(
            "org_id", "nhi_id", "type", "window_from", "window_to", name="uq_nhi_anomalies_window"
        ),
        sa.ForeignKeyConstraint(["nhi_id"], ["nhis.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["acknowledged_by"], ["users.id"], ondelete="SET NULL"),
        *_tenant_keys(),
    )
    op.create_index(
        "ix_nhi_anomalies_org_status_detected",
        "nhi_anomalies",
        ["org_id", "status", "detected_at", "id"],
    )
    op.create_index(
        "ix_nhi_anomalies_org_detected", "nhi_anomalies", ["org_id", "detected_at", "id"]
    )
    op.create_index(
        "ix_nhi_anomalies_org_nhi_detected", "nhi_anomalies", ["org_id", "nhi_id", "detected_at"]
    )

    _placeholders()
    with op.batch_alter_table("mcp_sessions") as batch:
        batch.create_foreign_key(SESSION_NHI_KEY, "nhis", ["nhi_id"], ["id"], ondelete="SET NULL")


def downgrade() -> None:
    # The placeholder NHIs go with the table; the sessions keep the ids they named.
    with op.batch_alter_table("mcp_sessions") as batch:
        batch.drop_constraint(SESSION_NHI_KEY, type_="foreignkey")
    op.drop_table("nhi_anomalies")
    op.drop_table("nhi_risk_snapshots")
    op.drop_table("nhi_activity")
    op.drop_table("nhi_guardians")
    op.drop_table("nhis")
