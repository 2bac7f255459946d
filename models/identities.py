"""Non-human identities (seed 002's NHI analytics): the identities, their guardian
bindings, their activity, the risk snapshots taken of them and the anomalies found.

Ids are time-ordered (``TimeOrderedTenantRow``) as every governance table's: the REST
family renders them ``nhi_…`` and ``anom_…`` and they sort by creation time. Spend is
``numeric(12,4)`` through ``gateway.sql.Money`` (exact on both databases).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal, get_args

from sqlalchemy import JSON, CheckConstraint, Column, Float, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from gateway.sql import Money
from models.base import (
    TimeOrderedTenantRow,
    check_in,
    choice_field,
    not_null,
    org_field,
    timestamp_field,
    trimmed,
)

NhiKind = Literal["service_account", "ci_runner", "ai_agent", "workload"]
FederationStatus = Literal["verified", "pending", "unverified"]
Outcome = Literal["allowed", "denied"]
AnomalyType = Literal["spend_burst", "tool_denials"]
Severity = Literal["low", "medium", "high", "critical"]
AnomalyStatus = Literal["open", "acknowledged"]
NHI_KINDS: tuple[str, ...] = get_args(NhiKind)
FEDERATION_STATUSES: tuple[str, ...] = get_args(FederationStatus)
OUTCOMES: tuple[str, ...] = get_args(Outcome)
ANOMALY_TYPES: tuple[str, ...] = get_args(AnomalyType)
SEVERITIES: tuple[str, ...] = get_args(Severity)
ANOMALY_STATUSES: tuple[str, ...] = get_args(AnomalyStatus)

MAX_NOTE = 2000
# numeric(12,4): the largest amount both databases hold alike.
MAX_SPEND = Decimal("99999999.9999")


# --- identities -------------------------------------------------------------------------


class NhiBase(SQLModel):
    label: str = Field(min_length=1, max_length=200)
    kind: NhiKind = choice_field(20, default="service_account")
    # Tier 1 is the most privileged, tier 4 the least.
    tier: int = Field(ge=1, le=4)
    federation_status: FederationStatus = choice_field(12, default="unverified")
    owner_id: uuid.UUID | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")


class Nhi(NhiBase, TimeOrderedTenantRow, table=True):
    __tablename__ = "nhis"
    __table_args__ = (
        CheckConstraint(check_in("kind", NHI_KINDS), name="ck_nhis_kind"),
        CheckConstraint(
            check_in("federation_status", FEDERATION_STATUSES), name="ck_nhis_federation"
        ),
        CheckConstraint("tier BETWEEN 1 AND 4", name="ck_nhis_tier"),
        # Indexes: the organisation's NHIs by label (lists, ties of the risk order).
        Index("ix_nhis_org_label", "org_id", "label"),
    )

    # Columns (id and org_id first, then NhiBase's)
    created_at: datetime = timestamp_field(default_now=True)
    # The NHI's own last-seen time (from the identity registry); activity may be later.
    last_seen_at: datetime | None = timestamp_field(nullable=True)


class NhiCreate(NhiBase):
    _trim = trimmed("label")


class NhiUpdate(SQLModel):
    label: str | None = Field(default=None, min_length=1, max_length=200)
    kind: NhiKind | None = None
    tier: int | None = Field(default=None, ge=1, le=4)
    federation_status: FederationStatus | None = None
    owner_id: uuid.UUID | None = None

    _trim = trimmed("label")
    _not_null = not_null("label", "kind", "tier", "federation_status")


class NhiGuardian(SQLModel, table=True):
    """A guardian bound to an NHI: the guardian checks what the NHI does."""

    __tablename__ = "nhi_guardians"
    __table_args__ = (
        # Indexes: an organisation's bindings of one guardian (unbinding, listing).
        Index("ix_nhi_guardians_org_guardian", "org_id", "guardian_id"),
    )

    nhi_id: uuid.UUID = Field(foreign_key="nhis.id", ondelete="CASCADE", primary_key=True)
    guardian_id: uuid.UUID = Field(foreign_key="guardians.id", ondelete="CASCADE", primary_key=True)
    org_id: uuid.UUID = org_field()
    created_at: datetime = timestamp_field(default_now=True)


# --- activity ---------------------------------------------------------------------------


class NhiActivityBase(SQLModel):
    nhi_id: uuid.UUID = Field(foreign_key="nhis.id", ondelete="CASCADE")
    spend_usd: Decimal = Field(
        default=Decimal(0), ge=0, max_digits=12, decimal_places=4, sa_type=Money
    )
    tool: str | None = Field(default=None, max_length=200)
    outcome: Outcome = choice_field(10)
    # The guardian that checked the action, if one did.
    guardian_id: uuid.UUID | None = Field(
        default=None, foreign_key="guardians.id", ondelete="SET NULL"
    )


class NhiActivity(NhiActivityBase, TimeOrderedTenantRow, table=True):
    __tablename__ = "nhi_activity"
    __table_args__ = (
        CheckConstraint(check_in("outcome", OUTCOMES), name="ck_nhi_activity_outcome"),
        CheckConstraint("spend_usd >= 0", name="ck_nhi_activity_spend"),
        # Indexes: the window scan (observability, totals), and one NHI's window (risk).
        Index("ix_nhi_activity_org_occurred", "org_id", "occurred_at"),
        Index("ix_nhi_activity_org_nhi_occurred", "org_id", "nhi_id", "occurred_at"),
    )

    # Columns (id and org_id first, then the base's)
    occurred_at: datetime = timestamp_field(default_now=True)


# --- risk snapshots and anomalies -------------------------------------------------------


class NhiRiskSnapshot(TimeOrderedTenantRow, table=True):
    """An NHI's risk score as computed over ``[window_from, window_to)`` at
    ``computed_at``: written by every anomaly detection run and by `gateway nhi
    snapshot`; the history path reads them."""

    __tablename__ = "nhi_risk_snapshots"
    __table_args__ = (
        CheckConstraint("risk_score >= 0 AND risk_score <= 1", name="ck_nhi_risk_snapshots_score"),
        # Indexes: one NHI's history in time order.
        Index("ix_nhi_risk_snapshots_org_nhi_computed", "org_id", "nhi_id", "computed_at"),
    )

    # Columns (id and org_id first)
    nhi_id: uuid.UUID = Field(foreign_key="nhis.id", ondelete="CASCADE")
    computed_at: datetime = timestamp_field(default_now=True)
    window_from: datetime = timestamp_field()
    window_to: datetime = timestamp_field()
    # Two decimals, rounded half-up (gateway.rounding) before it is stored.
    risk_score: float = Field(sa_type=Float)
    # The signal names, in the risk definition's order (resolvers/governance/nhi_risk.py).
    signals: list[str] = Field(default_factory=list, sa_type=JSON)
    # What wrote it: a detection job (its id) or the `gateway nhi snapshot` command.
    source: str = Field(default="snapshot", max_length=20)
    job_id: uuid.UUID | None = None


class NhiAnomaly(TimeOrderedTenantRow, table=True):
    __tablename__ = "nhi_anomalies"
    __table_args__ = (
        CheckConstraint(check_in("type", ANOMALY_TYPES), name="ck_nhi_anomalies_type"),
        CheckConstraint(check_in("severity", SEVERITIES), name="ck_nhi_anomalies_severity"),
        CheckConstraint(check_in("status", ANOMALY_STATUSES), name="ck_nhi_anomalies_status"),
        # Detection is idempotent per (NHI, type, window): a rerun finds the row there.
        UniqueConstraint(
            "org_id", "nhi_id", "type", "window_from", "window_to", name="uq_nhi_anomalies_window"
        ),
        # Indexes: the anomalies page (newest first, by status) and one NHI's anomalies.
        Index("ix_nhi_anomalies_org_status_detected", "org_id", "status", "detected_at", "id"),
        Index("ix_nhi_anomalies_org_detected", "org_id", "detected_at", "id"),
        Index("ix_nhi_anomalies_org_nhi_detected", "org_id", "nhi_id", "detected_at"),
    )

    # Columns (id and org_id first)
    nhi_id: uuid.UUID = Field(foreign_key="nhis.id", ondelete="CASCADE")
    type: AnomalyType = choice_field(20)
    severity: Severity = choice_field(10)
    window_from: datetime = timestamp_field()
    window_to: datetime = timestamp_field()
    detected_at: datetime = timestamp_field(default_now=True)
    evidence: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: AnomalyStatus = choice_field(20, default="open")
    note: str | None = Field(default=None, max_length=MAX_NOTE, sa_type=Text)
    acknowledged_by: uuid.UUID | None = Field(
        default=None, foreign_key="users.id", ondelete="SET NULL"
    )
    acknowledged_at: datetime | None = timestamp_field(nullable=True)
