"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-23 11:21:50.284215
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import gateway.sql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "organizations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("plan", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("subscription_active", sa.Boolean(), nullable=False),
        sa.Column("trial_ends_at", gateway.sql.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", gateway.sql.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "plan IN ('free', 'starter', 'growth', 'enterprise')", name="ck_organizations_plan"
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "components",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
        sa.Column("lifecycle", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("owner", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("description", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("created_at", gateway.sql.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", gateway.sql.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "lifecycle IN ('production', 'experimental', 'planned', 'deprecated', 'decommissioned')",
            name="ck_components_lifecycle",
        ),
        sa.ForeignKeyConstraint(["org_id"], ["organizations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("org_id", "name", name="uq_components_org_name"),
    )
    op.create_table(
        "departments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["organizations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_departments_org_name", "departments", ["org_id", "name"], unique=False)
    op.create_table(
        "environments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("created_at", gateway.sql.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["organizations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("org_id", "name", name="uq_environments_org_name"),
    )
    op.create_table(
        "deployments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("component_id", sa.Uuid(), nullable=False),
        sa.Column("environment_id", sa.Uuid(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("version", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("started_at", gateway.sql.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", gateway.sql.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('PENDING', 'RUNNING', 'SUCCEEDED', 'FAILED', 'ROLLED_BACK')",
            name="ck_deployments_status",
        ),
        sa.ForeignKeyConstraint(["component_id"], ["components.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["environment_id"], ["environments.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["org_id"], ["organizations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_deployments_component_started",
        "deployments",
        ["component_id", "started_at"],
        unique=False,
    )
    op.create_index(
        "ix_deployments_org_started", "deployments", ["org_id", "started_at"], unique=False
    )
    op.create_index(
        "ix_deployments_recovery",
        "deployments",
        ["component_id", "environment_id", "status", "started_at"],
        unique=False,
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("username", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=320), nullable=False),
        sa.Column("role", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("department_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", gateway.sql.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("role IN ('member', 'manager', 'admin')", name="ck_users_role"),
        sa.ForeignKeyConstraint(["department_id"], ["departments.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["org_id"], ["organizations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("org_id", "username", name="uq_users_org_username"),
    )
    op.create_index("ix_users_org_department", "users", ["org_id", "department_id"], unique=False)
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("key_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("created_at", gateway.sql.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", gateway.sql.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["org_id"], ["organizations.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_api_keys_key_hash"), "api_keys", ["key_hash"], unique=True)
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
        sa.Column("component_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", gateway.sql.UTCDateTime(timezone=True), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["org_id"], ["organizations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_audit_events_component", "audit_events", ["component_id"], unique=False)
    op.create_index(
        "ix_audit_events_org_created", "audit_events", ["org_id", "created_at"], unique=False
    )
    op.create_table(
        "knowledge_entries",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("department_id", sa.Uuid(), nullable=True),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        sa.Column("created_at", gateway.sql.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_reviewed_at", gateway.sql.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_reviewed_by", sa.Uuid(), nullable=True),
        sa.CheckConstraint(
            "status IN ('active', 'needs_review', 'archived')", name="ck_knowledge_entries_status"
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
        ),
        sa.ForeignKeyConstraint(["department_id"], ["departments.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["last_reviewed_by"], ["users.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["org_id"], ["organizations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_knowledge_entries_org_department",
        "knowledge_entries",
        ["org_id", "department_id"],
        unique=False,
    )
    op.create_index(
        "ix_knowledge_entries_org_status", "knowledge_entries", ["org_id", "status"], unique=False
    )
    op.create_table(
        "entry_authors",
        sa.Column("entry_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(["entry_id"], ["knowledge_entries.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["org_id"], ["organizations.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("entry_id", "user_id"),
    )
    op.create_index("ix_entry_authors_user", "entry_authors", ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_entry_authors_user", table_name="entry_authors")
    op.drop_table("entry_authors")
    op.drop_index("ix_knowledge_entries_org_status", table_name="knowledge_entries")
    op.drop_index("ix_knowledge_entries_org_department", table_name="knowledge_entries")
    op.drop_table("knowledge_entries")
    op.drop_index("ix_audit_events_org_created", table_name="audit_events")
    op.drop_index("ix_audit_events_component", table_name="audit_events")
    op.drop_table("audit_events")
    op.drop_index(op.f("ix_api_keys_key_hash"), table_name="api_keys")
    op.drop_table("api_keys")
    op.drop_index("ix_users_org_department", table_name="users")
    op.drop_table("users")
    op.drop_index("ix_deployments_recovery", table_name="deployments")
    op.drop_index("ix_deployments_org_started", table_name="deployments")
    op.drop_index("ix_deployments_component_started", table_name="deployments")
    op.drop_table("deployments")
    op.drop_table("environments")
    op.drop_index("ix_departments_org_name", table_name="departments")
    op.drop_table("departments")
    op.drop_table("components")
    op.drop_table("organizations")
