"""A small NDJSON history of two organisations, one line per dict, ids spelled out."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ORG_A = "0a000000-0000-4000-8000-000000000001"
ORG_B = "0b000000-0000-4000-8000-000000000001"
DEPT_A = "0a000000-0000-4000-8000-0000000000d1"
ALICE = "0a000000-0000-4000-8000-0000000000a1"
BOB = "0a000000-0000-4000-8000-0000000000b0"
CAROL = "0b000000-0000-4000-8000-0000000000c1"
KEY_A = "0a000000-0000-4000-8000-0000000000e1"
API_A = "0a000000-0000-4000-8000-0000000000f1"
WEB_A = "0a000000-0000-4000-8000-0000000000f2"
SVC_B = "0b000000-0000-4000-8000-0000000000f1"
PROD_A = "0a000000-0000-4000-8000-000000000e01"
PROD_B = "0b000000-0000-4000-8000-000000000e01"
ENTRY_A = "0a000000-0000-4000-8000-000000000901"
GONE = "0a000000-0000-4000-8000-00000000dead"
API_KEY = "agw_imported-key-0123456789abcdef"


def uid(n: int) -> str:
    """A fresh, readable UUID for a test line."""
    return f"0c000000-0000-4000-8000-{n:012d}"


def history() -> list[dict[str, Any]]:
    """Every entity at least once; rows refer only to rows above them."""
    return [
        {
            "entity": "organization",
            "id": ORG_A,
            "name": "Acme",
            "plan": "growth",
            "subscription_active": True,
            "trial_ends_at": None,
        },
        {
            "entity": "organization",
            "id": ORG_B,
            "name": "Globex",
            "plan": "starter",
            "trial_ends_at": "2099-01-01T00:00:00Z",
        },
        {"entity": "department", "id": DEPT_A, "org_id": ORG_A, "name": "Platform"},
        {
            "entity": "user",
            "id": ALICE,
            "org_id": ORG_A,
            "username": "alice",
            "name": "Alice",
            "email": "alice@acme.example",
            "role": "admin",
            "is_active": True,
            "department_id": DEPT_A,
        },
        {
            "entity": "user",
            "id": BOB,
            "org_id": ORG_A,
            "username": "bob",
            "name": "Bob",
            "email": "bob@acme.example",
            "role": None,
        },
        {
            "entity": "user",
            "id": CAROL,
            "org_id": ORG_B,
            "username": "carol",
            "name": "Carol",
            "email": "carol@globex.example",
            "role": "manager",
        },
        {
            "entity": "api_key",
            "id": KEY_A,
            "org_id": ORG_A,
            "user_id": ALICE,
            "name": "ci",
            "key": API_KEY,
            "scopes": ["catalog:read"],
        },
        {
            "entity": "component",
            "id": API_A,
            "org_id": ORG_A,
            "name": "checkout-api",
            "kind": "api",
            "lifecycle": "production",
            "owner": "team-a",
            "description": "Takes orders.",
        },
        {
            "entity": "component",
            "id": WEB_A,
            "org_id": ORG_A,
            "name": "shop-web",
            "kind": "website",
        },
        {
            "entity": "component",
            "id": SVC_B,
            "org_id": ORG_B,
            "name": "ledger",
            "kind": "service",
            "lifecycle": "deprecated",
            "owner": None,
        },
        {"entity": "environment", "id": PROD_A, "org_id": ORG_A, "name": "production"},
        {"entity": "environment", "id": PROD_B, "org_id": ORG_B, "name": "production"},
        {
            "entity": "deployment",
            "id": uid(1),
            "org_id": ORG_A,
            "component_id": API_A,
            "environment_id": PROD_A,
            "status": "SUCCEEDED",
            "version": "1.0.0",
            "started_at": "2026-01-10T10:00:00Z",
            "finished_at": "2026-01-10T10:30:00+00:00",
        },
        {
            "entity": "deployment",
            "id": uid(2),
            "org_id": ORG_A,
            "component_id": API_A,
            "environment_id": PROD_A,
            "status": "FAILED",
            "version": "1.0.1",
            "started_at": "2026-01-11T12:00:00+02:00",
            "finished_at": "2026-01-11T12:20:00+02:00",
        },
        {
            "entity": "deployment",
            "id": uid(3),
            "org_id": ORG_B,
            "component_id": SVC_B,
            "environment_id": PROD_B,
            "status": "RUNNING",
            "version": "7",
            "started_at": "2026-01-12T08:00:00Z",
        },
        {
            "entity": "audit_event",
            "id": uid(4),
            "org_id": ORG_A,
            "actor_id": ALICE,
            "action": "DEPLOY",
            "component_id": API_A,
            "created_at": "2026-01-10T10:00:00Z",
            "details": {"version": "1.0.0"},
        },
        # The audit log may speak of components deleted since (no foreign key).
        {
            "entity": "audit_event",
            "id": uid(5),
            "org_id": ORG_A,
            "actor_id": None,
            "action": "DELETE",
            "component_id": GONE,
            "created_at": "2026-01-09T09:00:00Z",
        },
        {
            "entity": "knowledge_entry",
            "id": ENTRY_A,
            "org_id": ORG_A,
            "department_id": DEPT_A,
            "title": "Runbook: checkout",
            "status": "needs_review",
            "created_by": ALICE,
            "created_at": "2025-06-01T00:00:00Z",
            "last_reviewed_at": "2025-07-01T00:00:00Z",
            "last_reviewed_by": BOB,
        },
        {"entity": "entry_author", "entry_id": ENTRY_A, "user_id": ALICE},
        {"entity": "entry_author", "entry_id": ENTRY_A, "user_id": BOB},
    ]


def write(path: Path, lines: list[dict[str, Any] | str]) -> Path:
    """Write lines (dicts as JSON, strings verbatim) as an NDJSON file."""
    text = "\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines)
    path.write_text(text + "\n", encoding="utf-8")
    return path
