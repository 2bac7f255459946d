"""The incident family's scopes: reading, and writing (every POST, PATCH and DELETE)."""

from __future__ import annotations

INCIDENTS_READ = "incidents:read"
INCIDENTS_WRITE = "incidents:write"
