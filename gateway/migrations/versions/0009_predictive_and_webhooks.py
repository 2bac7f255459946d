"""The incident platform's predictive side (predictive models and their trainings,
anomaly detections, predictive insights, dashboard configurations) and webhooks
(endpoints, the event outbox, deliveries and their attempts).

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import gateway.sql

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "webhook_events",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("event", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("occurred_at", gateway.sql.UTCDateTime(timezone=True), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.CheckConstraint(
            "event IN ('anomaly.detected', 'kpi.threshold_breached', 'model.training_completed', 'cost.threshold_exceeded')",
            name="ck_webhook_events_event",
        ),
        sa.ForeignKeyConstraint(["org_id"], ["organizations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("webhook_events", schema=None) as batch_op:
        batch_op.create_index(
            "ix_webhook_events_org_occurred", ["org_id", "occurred_at"], unique=False
        )

    op.create_table(
        "dashboard_configurations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("dashboard_type", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("layout_config", sa.JSON(), nullable=False),
        sa.Column("widget_configs", sa.JSON(), nullable=False),
        sa.Column("is_public", sa.Boolean(), nullable=False),
        sa.Column("allowed_roles", sa.JSON(), nullable=False),
        sa.Column("auto_refresh_enabled", sa.Boolean(), nullable=False),
        sa.Column("refresh_interval_seconds", sa.Integer(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", gateway.sql.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", gateway.sql.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "dashboard_type IN ('EXECUTIVE', 'OPERATIONAL', 'TECHNICAL', 'CUSTOM')",
            name="ck_dashboard_type",
        ),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["org_id"], ["organizations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("dashboard_configurations", schema=None) as batch_op:
        batch_op.create_index(
            "ix_dashboard_configurations_org_created", ["org_id", "created_at"], unique=False
        )

    op.create_table(
        "predictive_models",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("model_type", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column("algorithm_type", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("model_config", sa.JSON(), nullable=False),
        sa.Column("feature_columns", sa.JSON(), nullable=False),
        sa.Column("target_column", sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
        sa.Column("training_data_period_days", sa.Integer(), nullable=False),
        sa.Column("min_training_samples", sa.Integer(), nullable=False),
        sa.Column("auto_retrain_enabled", sa.Boolean(), nullable=False),
        sa.Column("retrain_frequency_days", sa.Integer(), nullable=False),
        sa.Column("performance_threshold", sa.Float(), nullable=False),
        sa.Column("accuracy_score", sa.Float(), nullable=True),
        sa.Column("precision_score", sa.Float(), nullable=True),
        sa.Column("recall_score", sa.Float(), nullable=True),
        sa.Column("f1_score", sa.Float(), nullable=True),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("model_file_path", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
        sa.Column("last_trained_at", gateway.sql.UTCDateTime(timezone=True), nullable=True),
        sa.Column("training_duration_seconds", sa.Integer(), nullable=True),
        sa.Column("training_samples_count", sa.Integer(), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("training_job_id", sa.Uuid(), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", gateway.sql.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", gateway.sql.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "algorithm_type IN ('ISOLATION_FOREST', 'LSTM', 'RANDOM_FOREST', 'XGBOOST', 'SVM', 'NEURAL_NETWORK', 'ARIMA', 'PROPHET')",
            name="ck_predictive_models_algorithm",
        ),
        sa.CheckConstraint(
            "model_type IN ('ANOMALY_DETECTION', 'INCIDENT_PREDICTION', 'SEVERITY_PREDICTION', 'RESOLUTION_TIME_PREDICTION', 'ESCALATION_PREDICTION', 'COST_PREDICTION')",
            name="ck_predictive_models_type",
        ),
        sa.CheckConstraint(
            "status IN ('TRAINING', 'ACTIVE', 'INACTIVE', 'RETRAINING', 'ERROR')",
            name="ck_predictive_models_status",
        ),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["org_id"], ["organizations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("predictive_models", schema=None) as batch_op:
        batch_op.create_index(
            "ix_predictive_models_org_created", ["org_id", "created_at"], unique=False
        )

    op.create_table(
        "webhook_endpoints",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("url", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("events", sa.JSON(), nullable=False),
        sa.Column("description", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("secret", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", gateway.sql.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["org_id"], ["organizations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("webhook_endpoints", schema=None) as batch_op:
        batch_op.create_index(
            "ix_webhook_endpoints_org_created", ["org_id", "created_at"], unique=False
        )

    op.create_table(
        "anomaly_detections",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("model_id", sa.Uuid(), nullable=True),
        sa.Column("dedup_key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("anomaly_type", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("severity", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("confidence_score", sa.Float(), nullable=False),
        sa.Column("anomaly_score", sa.Float(), nullable=False),
        sa.Column("threshold_used", sa.Float(), nullable=False),
        sa.Column("detected_at", gateway.sql.UTCDateTime(timezone=True), nullable=False),
        sa.Column("time_window_start", gateway.sql.UTCDateTime(timezone=True), nullable=False),
        sa.Column("time_window_end", gateway.sql.UTCDateTime(timezone=True), nullable=False),
        sa.Column("related_incidents", sa.JSON(), nullable=False),
        sa.Column("affected_services", sa.JSON(), nullable=False),
        sa.Column("affected_metrics", sa.JSON(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("root_cause_analysis", sa.Text(), nullable=True),
        sa.Column("impact_assessment", sa.Text(), nullable=True),
        sa.Column("actions_taken", sa.JSON(), nullable=False),
        sa.Column("acknowledged_at", gateway.sql.UTCDateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by", sa.Uuid(), nullable=True),
        sa.Column("resolved_at", gateway.sql.UTCDateTime(timezone=True), nullable=True),
        sa.Column("resolved_by", sa.Uuid(), nullable=True),
        sa.Column("resolution_notes", sa.Text(), nullable=True),
        sa.Column("metadata", sa.JSON(), nullable=False),
        sa.CheckConstraint(
            "anomaly_type IN ('STATISTICAL', 'TEMPORAL', 'PATTERN', 'THRESHOLD', 'BEHAVIORAL')",
            name="ck_anomaly_type",
        ),
        sa.CheckConstraint(
            "severity IN ('LOW', 'MEDIUM', 'HIGH', 'CRITICAL')", name="ck_anomaly_severity"
        ),
        sa.CheckConstraint(
            "status IN ('DETECTED', 'INVESTIGATING', 'CONFIRMED', 'FALSE_POSITIVE', 'RESOLVED')",
            name="ck_anomaly_status",
        ),
        sa.ForeignKeyConstraint(["acknowledged_by"], ["users.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["model_id"], ["predictive_models.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["org_id"], ["organizations.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["resolved_by"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("org_id", "dedup_key", name="uq_anomaly_detections_key"),
    )
    with op.batch_alter_table("anomaly_detections", schema=None) as batch_op:
        batch_op.create_index(
            "ix_anomaly_detections_org_detected", ["org_id", "detected_at"], unique=False
        )

    op.create_table(
        "model_trainings",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("model_id", sa.Uuid(), nullable=False),
        sa.Column("job_id", sa.Uuid(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=True),
        sa.Column("succeeded", sa.Boolean(), nullable=False),
        sa.Column("started_at", gateway.sql.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", gateway.sql.UTCDateTime(timezone=True), nullable=False),
        sa.Column("duration_seconds", sa.Float(), nullable=False),
        sa.Column("samples", sa.Integer(), nullable=False),
        sa.Column("metrics", sa.JSON(), nullable=False),
        sa.Column("feature_importances", sa.JSON(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["model_id"], ["predictive_models.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["org_id"], ["organizations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("model_trainings", schema=None) as batch_op:
        batch_op.create_index(
            "ix_model_trainings_model_finished", ["model_id", "finished_at"], unique=False
        )

    op.create_table(
        "predictive_insights",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("model_id", sa.Uuid(), nullable=True),
        sa.Column("insight_key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("insight_type", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("confidence_score", sa.Float(), nullable=False),
        sa.Column("confidence_level", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("predicted_value", sa.JSON(), nullable=False),
        sa.Column("valid_from", gateway.sql.UTCDateTime(timezone=True), nullable=False),
        sa.Column("valid_until", gateway.sql.UTCDateTime(timezone=True), nullable=False),
        sa.Column("is_acknowledged", sa.Boolean(), nullable=False),
        sa.Column("acknowledged_by", sa.Uuid(), nullable=True),
        sa.Column("acknowledged_at", gateway.sql.UTCDateTime(timezone=True), nullable=True),
        sa.Column("is_validated", sa.Boolean(), nullable=False),
        sa.Column("validated_at", gateway.sql.UTCDateTime(timezone=True), nullable=True),
        sa.Column("accuracy", sa.Float(), nullable=True),
        sa.Column("actual_value", sa.JSON(), nullable=True),
        sa.Column("created_at", gateway.sql.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", gateway.sql.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "confidence_level IN ('HIGH', 'MEDIUM', 'LOW')", name="ck_insight_level"
        ),
        sa.CheckConstraint(
            "insight_type IN ('INCIDENT_FORECAST', 'HIGH_SEVERITY_RISK', 'SLOW_RESOLUTION')",
            name="ck_insight_type",
        ),
        sa.ForeignKeyConstraint(["acknowledged_by"], ["users.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["model_id"], ["predictive_models.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["org_id"], ["organizations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("org_id", "insight_key", name="uq_predictive_insights_key"),
    )
    with op.batch_alter_table("predictive_insights", schema=None) as batch_op:
        batch_op.create_index(
            "ix_predictive_insights_org_created", ["org_id", "created_at"], unique=False
        )

    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("endpoint_id", sa.Uuid(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", gateway.sql.UTCDateTime(timezone=True), nullable=False),
        sa.Column("locked_until", gateway.sql.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_status_code", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("delivered_at", gateway.sql.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", gateway.sql.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('pending', 'delivered', 'failed')", name="ck_webhook_deliveries_status"
        ),
        sa.ForeignKeyConstraint(["endpoint_id"], ["webhook_endpoints.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["event_id"], ["webhook_events.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["org_id"], ["organizations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("event_id", "endpoint_id", name="uq_webhook_deliveries_event_endpoint"),
    )
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_webhook_deliveries_due", ["status", "next_attempt_at"], unique=False
        )
        batch_op.create_index(
            "ix_webhook_deliveries_endpoint", ["endpoint_id", "created_at"], unique=False
        )

    op.create_table(
        "webhook_attempts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("delivery_id", sa.Uuid(), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("attempted_at", gateway.sql.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("latency_ms", sa.Float(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["delivery_id"], ["webhook_deliveries.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["org_id"], ["organizations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("webhook_attempts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_webhook_attempts_delivery", ["delivery_id", "attempted_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("webhook_attempts", schema=None) as batch_op:
        batch_op.drop_index("ix_webhook_attempts_delivery")

    op.drop_table("webhook_attempts")
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.drop_index("ix_webhook_deliveries_endpoint")
        batch_op.drop_index("ix_webhook_deliveries_due")

    op.drop_table("webhook_deliveries")
    with op.batch_alter_table("predictive_insights", schema=None) as batch_op:
        batch_op.drop_index("ix_predictive_insights_org_created")

    op.drop_table("predictive_insights")
    with op.batch_alter_table("model_trainings", schema=None) as batch_op:
        batch_op.drop_index("ix_model_trainings_model_finished")

    op.drop_table("model_trainings")
    with op.batch_alter_table("anomaly_detections", schema=None) as batch_op:
        batch_op.drop_index("ix_anomaly_detections_org_detected")

    op.drop_table("anomaly_detections")
    with op.batch_alter_table("webhook_endpoints", schema=None) as batch_op:
        batch_op.drop_index("ix_webhook_endpoints_org_created")

    op.drop_table("webhook_endpoints")
    with op.batch_alter_table("predictive_models", schema=None) as batch_op:
        batch_op.drop_index("ix_predictive_models_org_created")

    op.drop_table("predictive_models")
    with op.batch_alter_table("dashboard_configurations", schema=None) as batch_op:
        batch_op.drop_index("ix_dashboard_configurations_org_created")

    op.drop_table("dashboard_configurations")
    with op.batch_alter_table("webhook_events", schema=None) as batch_op:
        batch_op.drop_index("ix_webhook_events_org_occurred")

    op.drop_table("webhook_events")
