"""The agent console (seed 004): agent actions with their per-organisation display ids
(and the counters that hand them out), and the users' console sessions.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import gateway.sql

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "agent_action_counters",
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("last_display_id", sa.Integer(), nullable=False),
        sa.CheckConstraint("last_display_id >= 0", name="ck_agent_action_counters"),
        sa.ForeignKeyConstraint(["org_id"], ["organizations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("org_id"),
    )
    op.create_table(
        "agent_actions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("agent_id", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("action_type", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("tool_name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("risk_level", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("mitre_tactic", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("nist_control", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("recommendation", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
        sa.Column("summary", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("display_id", sa.Integer(), nullable=False),
        sa.Column("reviewed_by", sa.Uuid(), nullable=True),
        sa.Column("timestamp", gateway.sql.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "risk_level IN ('low', 'medium', 'high', 'critical')", name="ck_agent_actions_risk"
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'approved', 'denied', 'auto_approved')",
            name="ck_agent_actions_status",
        ),
        sa.CheckConstraint("display_id >= 1", name="ck_agent_actions_display_id"),
        sa.ForeignKeyConstraint(["org_id"], ["organizations.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["reviewed_by"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("org_id", "display_id", name="uq_agent_actions_display_id"),
    )
    with op.batch_alter_table("agent_actions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_agent_actions_org_risk_timestamp",
            ["org_id", "risk_level", "timestamp"],
            unique=False,
        )
        batch_op.create_index(
            "ix_agent_actions_org_timestamp", ["org_id", "timestamp"], unique=False
        )

    op.create_table(
        "user_sessions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("started_at", gateway.sql.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", gateway.sql.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", gateway.sql.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint("last_seen_at >= started_at", name="ck_user_sessions_seen"),
        sa.ForeignKeyConstraint(["org_id"], ["organizations.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("user_sessions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_user_sessions_org_last_seen", ["org_id", "last_seen_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("user_sessions", schema=None) as batch_op:
        batch_op.drop_index("ix_user_sessions_org_last_seen")

    op.drop_table("user_sessions")
    with op.batch_alter_table("agent_actions", schema=None) as batch_op:
        batch_op.drop_index("ix_agent_actions_org_timestamp")
        batch_op.drop_index("ix_agent_actions_org_risk_timestamp")

    op.drop_table("agent_actions")
    op.drop_table("agent_action_counters")
