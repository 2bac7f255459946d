"""The agent console's reads at a million actions: the time index covers the agent, tool
and risk (top agents and tools over a window read the index alone on PostgreSQL), and a
partial index holds the pending actions (the pending count reads it alone, on both).

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

PENDING = sa.text("status = 'pending'")


def upgrade() -> None:
    op.drop_index("ix_agent_actions_org_timestamp", table_name="agent_actions")
    op.create_index(
        "ix_agent_actions_org_timestamp",
        "agent_actions",
        ["org_id", "timestamp"],
        postgresql_include=["agent_id", "tool_name", "risk_level"],
    )
    op.create_index(
        "ix_agent_actions_org_pending",
        "agent_actions",
        ["org_id"],
        postgresql_where=PENDING,
        sqlite_where=PENDING,
    )


def downgrade() -> None:
    op.drop_index("ix_agent_actions_org_pending", table_name="agent_actions")
    op.drop_index("ix_agent_actions_org_timestamp", table_name="agent_actions")
    op.create_index("ix_agent_actions_org_timestamp", "agent_actions", ["org_id", "timestamp"])
