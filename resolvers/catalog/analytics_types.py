"""The shapes of catalog health, DORA and usage, named as the portal's REST API names them."""

from __future__ import annotations

import uuid
from typing import Any

import strawberry


@strawberry.type
class OwnershipCoverage:
    total: int
    with_owner: int = strawberry.field(description="Components with a non-blank owner.")
    without_owner: int
    coverage_percent: float = strawberry.field(description="withOwner / total x 100, 1 decimal.")


@strawberry.type
class LifecycleCount:
    lifecycle: str
    count: int


@strawberry.type
class KindCount:
    kind: str
    count: int


@strawberry.type
class UnownedComponent:
    id: uuid.UUID
    name: str
    kind: str


@strawberry.type(description="A snapshot of the catalog's health.")
class CatalogHealth:
    ownership_coverage: OwnershipCoverage
    lifecycle_distribution: list[LifecycleCount] = strawberry.field(
        description="All five stages, in lifecycle order, zeros included."
    )
    kind_distribution: list[KindCount] = strawberry.field(
        description="Kinds with at least one component, most common first."
    )
    unowned_components: list[UnownedComponent] = strawberry.field(
        description="Up to 50 components whose owner is null or blank, by name."
    )

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> CatalogHealth:
        return cls(
            ownership_coverage=OwnershipCoverage(**data["ownership_coverage"]),
            lifecycle_distribution=[LifecycleCount(**x) for x in data["lifecycle_distribution"]],
            kind_distribution=[KindCount(**x) for x in data["kind_distribution"]],
            unowned_components=[UnownedComponent(**x) for x in data["unowned_components"]],
        )


@strawberry.type
class DeploymentFrequency:
    deployments_per_day: float = strawberry.field(description="SUCCEEDED / days, 2 decimals.")
    total: int = strawberry.field(description="SUCCEEDED deployments in the window.")
    period_days: int


@strawberry.type
class ChangeFailureRate:
    rate: float = strawberry.field(
        description="(FAILED + ROLLED_BACK) / non-PENDING x 100, 2 decimals."
    )
    failed: int
    total: int = strawberry.field(description="Deployments in the window that are not PENDING.")


@strawberry.type
class HoursMetric:
    avg_hours: float = strawberry.field(description="Mean in hours, 2 decimals; 0 if no samples.")
    samples: int


@strawberry.type(description="The four DORA metrics for a window ending now.")
class Dora:
    period_days: int
    deployment_frequency: DeploymentFrequency
    change_failure_rate: ChangeFailureRate
    mean_time_to_recovery: HoursMetric = strawberry.field(
        description="From each FAILED deployment's finish to the next success's finish "
        "(same component and environment)."
    )
    lead_time_for_changes: HoursMetric = strawberry.field(
        description="Mean startedAt to finishedAt of SUCCEEDED deployments."
    )

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Dora:
        return cls(
            period_days=data["period_days"],
            deployment_frequency=DeploymentFrequency(**data["deployment_frequency"]),
            change_failure_rate=ChangeFailureRate(**data["change_failure_rate"]),
            mean_time_to_recovery=HoursMetric(**data["mean_time_to_recovery"]),
            lead_time_for_changes=HoursMetric(**data["lead_time_for_changes"]),
        )


@strawberry.type
class ComponentActivity:
    component_id: uuid.UUID
    component_name: str
    access_count: int


@strawberry.type
class UserActivity:
    actor_id: uuid.UUID
    actor_username: str
    action_count: int


@strawberry.type
class ActionCount:
    action: str
    count: int


@strawberry.type(description="Platform activity from the audit log.")
class Usage:
    period_days: int
    total_audit_events: int
    top_components: list[ComponentActivity] = strawberry.field(
        description="Top 10 components by audit events, ties by name."
    )
    active_users: list[UserActivity] = strawberry.field(
        description="Top 10 users by audit events, ties by username."
    )
    action_breakdown: list[ActionCount]

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Usage:
        return cls(
            period_days=data["period_days"],
            total_audit_events=data["total_audit_events"],
            top_components=[ComponentActivity(**x) for x in data["top_components"]],
            active_users=[UserActivity(**x) for x in data["active_users"]],
            action_breakdown=[ActionCount(**x) for x in data["action_breakdown"]],
        )
