"""Index deployments by organisation, status and start, for the failures DORA probes.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_deployments_org_status_started",
        "deployments",
        ["org_id", "status", "started_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_deployments_org_status_started", table_name="deployments")
