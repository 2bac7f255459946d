"""Governance: guardians and their verdicts, MCP sessions and tool calls, configuration
changes and the hourly MCP rollups.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import gateway.sql

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

AutoString = sqlmodel.sql.sqltypes.AutoString
UTCDateTime = gateway.sql.UTCDateTime


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


def upgrade() -> None:
    op.create_table(
        "guardians",
        *_tenant(),
        sa.Column("name", AutoString(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("environment", AutoString(length=10), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("config", sa.JSON(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "environment IN ('live', 'test', 'dev')", name="ck_guardians_environment"
        ),
        *_tenant_keys(),
    )
    op.create_index("ix_guardians_org_name", "guardians", ["org_id", "name"])

    op.create_table(
        "guardian_verdicts",
        *_tenant(),
        sa.Column("guardian_id", sa.Uuid(), nullable=False),
        sa.Column("verdict", AutoString(length=20), nullable=False),
        sa.Column("latency_ms", sa.Integer(), nullable=False),
        sa.Column("violation_type", AutoString(length=100), nullable=True),
        sa.Column("environment", AutoString(length=10), nullable=False),
        sa.Column("tag", AutoString(length=50), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "verdict IN ('passed', 'corrected', 'blocked', 'error')",
            name="ck_guardian_verdicts_verdict",
        ),
        sa.CheckConstraint(
            "environment IN ('live', 'test', 'dev')", name="ck_guardian_verdicts_environment"
        ),
        sa.CheckConstraint("latency_ms >= 0", name="ck_guardian_verdicts_latency"),
        sa.ForeignKeyConstraint(["guardian_id"], ["guardians.id"], ondelete="CASCADE"),
        *_tenant_keys(),
    )
    op.create_index(
        "ix_guardian_verdicts_org_created", "guardian_verdicts", ["org_id", "created_at"]
    )
    op.create_index(
        "ix_guardian_verdicts_org_guardian_created",
        "guardian_verdicts",
        ["org_id", "guardian_id", "created_at"],
    )

    op.create_table(
        "mcp_sessions",
        *_tenant(),
        sa.Column("client", AutoString(length=200), nullable=True),
        sa.Column("nhi_id", sa.Uuid(), nullable=True),
        sa.Column("started_at", UTCDateTime(timezone=True), nullable=False),
        *_tenant_keys(),
    )
    op.create_index("ix_mcp_sessions_org_started", "mcp_sessions", ["org_id", "started_at", "id"])

    op.create_table(
        "mcp_tool_calls",
        *_tenant(),
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column("tool", AutoString(length=200), nullable=False),
        sa.Column("verdict", AutoString(length=20), nullable=False),
        sa.Column("latency_ms", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "verdict IN ('passed', 'corrected', 'blocked')", name="ck_mcp_tool_calls_verdict"
        ),
        sa.CheckConstraint("latency_ms >= 0", name="ck_mcp_tool_calls_latency"),
        sa.ForeignKeyConstraint(["session_id"], ["mcp_sessions.id"], ondelete="CASCADE"),
        *_tenant_keys(),
    )
    op.create_index("ix_mcp_tool_calls_org_created", "mcp_tool_calls", ["org_id", "created_at"])
    op.create_index(
        "ix_mcp_tool_calls_session_created", "mcp_tool_calls", ["session_id", "created_at"]
    )

    op.create_table(
        "config_changes",
        *_tenant(),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("target_type", AutoString(length=50), nullable=False),
        sa.Column("target_id", AutoString(length=200), nullable=False),
        sa.Column("field", AutoString(length=100), nullable=False),
        sa.Column("old_value", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("new_value", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("changed_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"], ondelete="SET NULL"),
        *_tenant_keys(),
    )
    op.create_index(
        "ix_config_changes_org_changed", "config_changes", ["org_id", "changed_at", "id"]
    )

    op.create_table(
        "mcp_hourly_rollups",
        *_tenant(),
        sa.Column("hour", UTCDateTime(timezone=True), nullable=False),
        sa.Column("tool", AutoString(length=200), nullable=False),
        sa.Column("calls", sa.Integer(), nullable=False),
        sa.Column("passed", sa.Integer(), nullable=False),
        sa.Column("corrected", sa.Integer(), nullable=False),
        sa.Column("blocked", sa.Integer(), nullable=False),
        sa.Column("latency_sum_ms", sa.BigInteger(), nullable=False),
        sa.Column("built_at", UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "calls >= 0 AND passed >= 0 AND corrected >= 0 AND blocked >= 0 AND latency_sum_ms >= 0",
            name="ck_mcp_hourly_rollups_counts",
        ),
        sa.UniqueConstraint("org_id", "hour", "tool", name="uq_mcp_hourly_rollups_org_hour_tool"),
        *_tenant_keys(),
    )


def downgrade() -> None:
    op.drop_table("mcp_hourly_rollups")
    op.drop_index("ix_config_changes_org_changed", table_name="config_changes")
    op.drop_table("config_changes")
    op.drop_index("ix_mcp_tool_calls_session_created", table_name="mcp_tool_calls")
    op.drop_index("ix_mcp_tool_calls_org_created", table_name="mcp_tool_calls")
    op.drop_table("mcp_tool_calls")
    op.drop_index("ix_mcp_sessions_org_started", table_name="mcp_sessions")
    op.drop_table("mcp_sessions")
    op.drop_index("ix_guardian_verdicts_org_guardian_created", table_name="guardian_verdicts")
    op.drop_index("ix_guardian_verdicts_org_created", table_name="guardian_verdicts")
    op.drop_table("guardian_verdicts")
    op.drop_index("ix_guardians_org_name", table_name="guardians")
    op.drop_table("guardians")
