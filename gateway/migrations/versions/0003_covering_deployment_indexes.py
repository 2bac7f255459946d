"""Covering deployment indexes, so that DORA's reads are index-only on PostgreSQL.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

Indexes = dict[str, tuple[list[str], list[str]]]

# name -> (columns, INCLUDE columns on PostgreSQL); before -> after.
BEFORE: Indexes = {
    "ix_deployments_org_started": (["org_id", "started_at"], []),
    "ix_deployments_org_status_started": (["org_id", "status", "started_at"], []),
    "ix_deployments_recovery": (["component_id", "environment_id", "status", "started_at"], []),
}
AFTER: Indexes = {
    "ix_deployments_org_started": (["org_id", "started_at"], ["status", "finished_at"]),
    "ix_deployments_org_status_started": (
        ["org_id", "status", "started_at"],
        ["finished_at", "component_id", "environment_id"],
    ),
    "ix_deployments_recovery": (
        ["component_id", "environment_id", "status", "started_at", "id"],
        ["finished_at", "org_id"],
    ),
}


def _recreate(indexes: Indexes) -> None:
    for name, (columns, include) in indexes.items():
        op.drop_index(name, table_name="deployments")
        op.create_index(name, "deployments", columns, postgresql_include=include)


def upgrade() -> None:
    _recreate(AFTER)


def downgrade() -> None:
    _recreate(BEFORE)
