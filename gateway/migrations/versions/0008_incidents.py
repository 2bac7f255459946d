"""The incident platform: incidents, KPI metrics and measurements, recurrence analyses
and cost impact analyses (seed 001).

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import gateway.sql

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "recurrence_analyses",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("group_key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("recurrence_type", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
        sa.Column("confidence_score", sa.Float(), nullable=False),
        sa.Column("incident_ids", sa.JSON(), nullable=False),
        sa.Column("incident_count", sa.Integer(), nullable=False),
        sa.Column("service", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("category", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("first_occurrence", gateway.sql.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_occurrence", gateway.sql.UTCDateTime(timezone=True), nullable=False),
        sa.Column("is_resolved", sa.Boolean(), nullable=False),
        sa.Column("created_at", gateway.sql.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", gateway.sql.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "recurrence_type IN ('SAME_SERVICE_CATEGORY', 'SIMILAR_TITLE')",
            name="ck_recurrence_analyses_type",
        ),
        sa.ForeignKeyConstraint(["org_id"], ["organizations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("org_id", "group_key", name="uq_recurrence_analyses_group"),
    )
    with op.batch_alter_table("recurrence_analyses", schema=None) as batch_op:
        batch_op.create_index(
            "ix_recurrence_analyses_org_last", ["org_id", "last_occurrence"], unique=False
        )

    op.create_table(
        "incidents",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("category", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("severity", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("priority", sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("service", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("component_id", sa.Uuid(), nullable=True),
        sa.Column("escalation_count", sa.Integer(), nullable=False),
        sa.Column("reopened_count", sa.Integer(), nullable=False),
        sa.Column("affected_users", sa.Integer(), nullable=False),
        sa.Column("downtime_minutes", sa.Integer(), nullable=False),
        sa.Column("created_at", gateway.sql.UTCDateTime(timezone=True), nullable=False),
        sa.Column("acknowledged_at", gateway.sql.UTCDateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", gateway.sql.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.CheckConstraint("priority IN ('P1', 'P2', 'P3', 'P4')", name="ck_incidents_priority"),
        sa.CheckConstraint(
            "severity IN ('LOW', 'MEDIUM', 'HIGH', 'CRITICAL')", name="ck_incidents_severity"
        ),
        sa.CheckConstraint(
            "status IN ('OPEN', 'ACKNOWLEDGED', 'IN_PROGRESS', 'RESOLVED', 'CLOSED')",
            name="ck_incidents_status",
        ),
        sa.CheckConstraint(
            "escalation_count >= 0 AND reopened_count >= 0 AND affected_users >= 0 AND downtime_minutes >= 0",
            name="ck_incidents_counts",
        ),
        sa.ForeignKeyConstraint(["component_id"], ["components.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["org_id"], ["organizations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.create_index("ix_incidents_org_created", ["org_id", "created_at"], unique=False)
        batch_op.create_index(
            "ix_incidents_org_service_category_created",
            ["org_id", "service", "category", "created_at"],
            unique=False,
        )

    op.create_table(
        "kpi_metrics",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("metric_type", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("aggregation_type", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("incident_categories", sa.JSON(), nullable=False),
        sa.Column("incident_severities", sa.JSON(), nullable=False),
        sa.Column("incident_priorities", sa.JSON(), nullable=False),
        sa.Column(
            "calculation_formula", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True
        ),
        sa.Column("time_window_hours", sa.Integer(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("target_value", gateway.sql.Hundredths(), nullable=True),
        sa.Column("is_system_metric", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", gateway.sql.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", gateway.sql.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "aggregation_type IN ('AVERAGE', 'MEDIAN', 'MIN', 'MAX', 'SUM', 'COUNT', 'PERCENTILE_95', 'PERCENTILE_99')",
            name="ck_kpi_metrics_aggregation",
        ),
        sa.CheckConstraint(
            "metric_type IN ('MTTA', 'MTTR', 'MTBF', 'MTBSI', 'AVAILABILITY', 'INCIDENT_COUNT', 'RESOLUTION_RATE', 'ESCALATION_RATE', 'CUSTOM')",
            name="ck_kpi_metrics_type",
        ),
        sa.CheckConstraint("time_window_hours BETWEEN 1 AND 8760", name="ck_kpi_metrics_window"),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["org_id"], ["organizations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("kpi_metrics", schema=None) as batch_op:
        batch_op.create_index("ix_kpi_metrics_org_created", ["org_id", "created_at"], unique=False)

    op.create_table(
        "cost_analyses",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("incident_id", sa.Uuid(), nullable=False),
        sa.Column("cost_type", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("cost_amount", gateway.sql.Money(), nullable=False),
        sa.Column("currency", sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
        sa.Column(
            "calculation_method", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True
        ),
        sa.Column("calculation_details", sa.JSON(), nullable=False),
        sa.Column("downtime_hours", gateway.sql.Hundredths(), nullable=False),
        sa.Column("affected_users", sa.Integer(), nullable=False),
        sa.Column("revenue_impact", gateway.sql.Money(), nullable=False),
        sa.Column("business_unit", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("service_tier", sqlmodel.sql.sqltypes.AutoString(length=50), nullable=True),
        sa.Column("is_validated", sa.Boolean(), nullable=False),
        sa.Column("validated_by", sa.Uuid(), nullable=True),
        sa.Column("validated_at", gateway.sql.UTCDateTime(timezone=True), nullable=True),
        sa.Column("validation_notes", sa.Text(), nullable=True),
        sa.Column("created_at", gateway.sql.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", gateway.sql.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "cost_type IN ('DOWNTIME', 'LOST_REVENUE', 'PENALTY', 'RESOURCE_COST', 'REPUTATION_COST', 'COMPLIANCE_COST')",
            name="ck_cost_analyses_type",
        ),
        sa.CheckConstraint(
            "cost_amount >= 0 AND revenue_impact >= 0 AND downtime_hours >= 0 AND affected_users >= 0",
            name="ck_cost_analyses_amounts",
        ),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["org_id"], ["organizations.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["validated_by"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("cost_analyses", schema=None) as batch_op:
        batch_op.create_index(
            "ix_cost_analyses_org_created", ["org_id", "created_at"], unique=False
        )
        batch_op.create_index(
            "ix_cost_analyses_org_incident", ["org_id", "incident_id"], unique=False
        )

    op.create_table(
        "kpi_measurements",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("metric_id", sa.Uuid(), nullable=False),
        sa.Column("value", gateway.sql.Hundredths(), nullable=False),
        sa.Column("unit", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("period_start", gateway.sql.UTCDateTime(timezone=True), nullable=False),
        sa.Column("period_end", gateway.sql.UTCDateTime(timezone=True), nullable=False),
        sa.Column("incident_count", sa.Integer(), nullable=False),
        sa.Column("calculated_at", gateway.sql.UTCDateTime(timezone=True), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["metric_id"], ["kpi_metrics.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["org_id"], ["organizations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "metric_id", "period_start", "period_end", name="uq_kpi_measurements_period"
        ),
    )
    with op.batch_alter_table("kpi_measurements", schema=None) as batch_op:
        batch_op.create_index(
            "ix_kpi_measurements_metric_end", ["metric_id", "period_end"], unique=False
        )
        batch_op.create_index("ix_kpi_measurements_org_end", ["org_id", "period_end"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("kpi_measurements", schema=None) as batch_op:
        batch_op.drop_index("ix_kpi_measurements_org_end")
        batch_op.drop_index("ix_kpi_measurements_metric_end")

    op.drop_table("kpi_measurements")
    with op.batch_alter_table("cost_analyses", schema=None) as batch_op:
        batch_op.drop_index("ix_cost_analyses_org_incident")
        batch_op.drop_index("ix_cost_analyses_org_created")

    op.drop_table("cost_analyses")
    with op.batch_alter_table("kpi_metrics", schema=None) as batch_op:
        batch_op.drop_index("ix_kpi_metrics_org_created")

    op.drop_table("kpi_metrics")
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_index("ix_incidents_org_service_category_created")
        batch_op.drop_index("ix_incidents_org_created")

    op.drop_table("incidents")
    with op.batch_alter_table("recurrence_analyses", schema=None) as batch_op:
        batch_op.drop_index("ix_recurrence_analyses_org_last")

    op.drop_table("recurrence_analyses")
