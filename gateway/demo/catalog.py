"""The demo's catalog: components, environments, and the audit trail of their edits."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from gateway.demo.base import Seeder, demo_id, random_id, rng_for
from gateway.demo.tenancy import OrgData
from gateway.sql import table_of
from models.audit import AuditEvent
from models.catalog import Component, Environment

# name, kind, department, lifecycle, owner ("-": none, "~": blank, else the team)
NORTHWIND_COMPONENTS = """
auth-service         service   Platform  production      team-platform
api-gateway          api       Platform  production      team-platform
service-mesh-config  library   Platform  production      team-platform
developer-portal     website   Platform  production      team-platform
build-pipeline       pipeline  Platform  production      team-platform
feature-flags        service   Platform  experimental    team-platform
logging-lib          library   Platform  production      -
legacy-monolith      service   Platform  deprecated      team-platform
old-cron-runner      pipeline  Platform  decommissioned  -
checkout-api         api       Payments  production      team-payments
payments-service     service   Payments  production      team-payments
ledger-service       service   Payments  production      team-payments
invoice-pipeline     pipeline  Payments  production      team-payments
fraud-scoring        service   Payments  experimental    team-payments
billing-website      website   Payments  production      team-payments
currency-lib         library   Payments  production      ~
refunds-service      service   Payments  deprecated      team-payments
ios-app-backend      service   Mobile    production      team-mobile
android-app-backend  service   Mobile    production      team-mobile
push-notifications   service   Mobile    production      -
mobile-bff           api       Mobile    production      team-mobile
app-config           library   Mobile    planned         team-mobile
events-pipeline      pipeline  Data      production      team-data
warehouse-loader     pipeline  Data      production      team-data
metrics-api          api       Data      production      team-data
reporting-website    website   Data      experimental    -
ml-features          pipeline  Data      planned         team-data
data-contracts       library   Data      production      team-data
secrets-broker       service   Security  production      team-security
audit-trail          service   Security  production      team-security
vuln-scanner         pipeline  Security  experimental    team-security
sso-portal           website   Security  production      team-security
helpdesk-website     website   Support   production      team-support
ticket-router        service   Support   production      ~
status-page          website   Support   decommissioned  team-support
kb-search            api       Support   planned         -
"""

BLUEBIRD_COMPONENTS = """
ingest-api           api       Engineering  production      engineering
query-engine         service   Engineering  production      engineering
dashboard-web        website   Engineering  production      engineering
sdk-python           library   Engineering  production      engineering
sdk-js               library   Engineering  experimental    -
scheduler            service   Operations   production      operations
backup-pipeline      pipeline  Operations   production      operations
alerting-service     service   Operations   deprecated      operations
ops-console          website   Operations   production      ~
experiments-api      api       Research     experimental    research
notebook-runner      service   Research     production      research
model-training       pipeline  Research     production      -
forecast-lib         library   Research     decommissioned  research
prototype-viz        website   Research     planned         research
"""

CATALOGS = {"northwind": NORTHWIND_COMPONENTS, "bluebird": BLUEBIRD_COMPONENTS}
ENVIRONMENTS = ("production", "staging", "dev")
# Components removed from the catalog during the window: their audit trail remains.
DELETED = {
    "northwind": ("legacy-search", "pdf-renderer", "beta-website"),
    "bluebird": ("csv-export",),
}


@dataclass
class CatalogData:
    """What deployments need: each component with its department, and the environments."""

    components: list[dict[str, Any]]
    department_of: dict[uuid.UUID, str]
    environments: dict[str, uuid.UUID]


def parse_catalog(table: str) -> list[tuple[str, str, str, str, str | None]]:
    """The rows of a component table above (name, kind, department, lifecycle, owner)."""
    rows = []
    for line in table.strip().splitlines():
        name, kind, department, lifecycle, owner = line.split()
        rows.append((name, kind, department, lifecycle, {"-": None, "~": " "}.get(owner, owner)))
    return rows


async def seed_catalog(seeder: Seeder, org: OrgData) -> CatalogData:
    """Components, environments and the CREATE/UPDATE/DELETE events that made them."""
    rng = rng_for(org.spec.key, "catalog")
    environments = {name: demo_id("environment", org.spec.key, name) for name in ENVIRONMENTS}
    components, events, department_of = [], [], {}
    for name, kind, department, lifecycle, owner in parse_catalog(CATALOGS[org.spec.key]):
        component_id = demo_id("component", org.spec.key, name)
        # Planned and experimental work is recent; the rest has been around a while.
        age = (
            rng.uniform(5, 80)
            if lifecycle in ("planned", "experimental")
            else rng.uniform(120, 700)
        )
        created = seeder.ago(days=age)
        edits = _edits(rng, seeder, org, component_id, department, created)
        components.append(
            {
                "id": component_id,
                "org_id": org.id,
                "name": name,
                "kind": kind,
                "lifecycle": lifecycle,
                "owner": owner,
                "description": f"{name.replace('-', ' ').capitalize()} ({department}).",
                "created_at": created,
                "updated_at": max([created, *(e["created_at"] for e in edits)]),
            }
        )
        actor = rng.choice(org.in_department(department))
        events.append(
            audit_event(rng, org, "CREATE", actor, component_id, created, name=name, kind=kind)
        )
        events += edits
        department_of[component_id] = department
    events += _deleted_components(rng, seeder, org)
    for name, environment_id in environments.items():
        at = seeder.ago(days=390)
        subject = ("environment", environment_id)
        events.append(
            audit_event(rng, org, "CREATE", org.admin, None, at, subject=subject, environment=name)
        )
    environment_rows = [
        {"id": id_, "org_id": org.id, "name": name, "created_at": seeder.ago(days=390)}
        for name, id_ in environments.items()
    ]
    label = org.spec.key
    await seeder.write(table_of(Environment), environment_rows, label=f"{label} environments")
    await seeder.write(table_of(Component), components, label=f"{label} components")
    await seeder.write(table_of(AuditEvent), events, label=f"{label} catalog audit events")
    return CatalogData(components, department_of, environments)


def _edits(
    rng: random.Random,
    seeder: Seeder,
    org: OrgData,
    component_id: uuid.UUID,
    department: str,
    created: datetime,
) -> list[dict[str, Any]]:
    people = org.in_department(department)
    events = []
    for _ in range(rng.randint(0, 6)):
        at = seeder.ago(days=rng.uniform(0, 90))
        if at <= created:
            continue
        field = rng.choice(("description", "owner", "lifecycle", "kind"))
        actor = rng.choice(people)
        events.append(audit_event(rng, org, "UPDATE", actor, component_id, at, fields=[field]))
    return events


def _deleted_components(rng: random.Random, seeder: Seeder, org: OrgData) -> list[dict[str, Any]]:
    events = []
    for name in DELETED[org.spec.key]:
        component_id = demo_id("deleted-component", org.spec.key, name)
        created = seeder.ago(days=rng.uniform(100, 300))
        deleted = seeder.ago(days=rng.uniform(1, 85))
        events.append(audit_event(rng, org, "CREATE", org.admin, component_id, created, name=name))
        events.append(audit_event(rng, org, "DELETE", org.admin, component_id, deleted, name=name))
    return events


def audit_event(
    rng: random.Random,
    org: OrgData,
    action: str,
    actor: dict[str, Any],
    component_id: uuid.UUID | None,
    at: datetime,
    *,
    family: str = "catalog",
    subject: tuple[str, uuid.UUID] | None = None,
    **details: Any,
) -> dict[str, Any]:
    """An audit event row, as the gateway's own mutations would have written it.

    The subject defaults to the component, as the catalog's component edits say.
    """
    if subject is None and component_id is not None:
        subject = ("component", component_id)
    return {
        "id": random_id(rng),
        "org_id": org.id,
        "family": family,
        "actor_id": actor["id"],
        "action": action,
        "subject_type": subject[0] if subject else None,
        "subject_id": subject[1] if subject else None,
        "component_id": component_id,
        "created_at": at,
        "details": details,
    }
