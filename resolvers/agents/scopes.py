"""The agent console's scopes: reading its analytics, and recording or reviewing actions."""

from __future__ import annotations

AGENTS_READ = "agents:read"
AGENTS_WRITE = "agents:write"
