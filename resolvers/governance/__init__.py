"""AI governance (seed 002): guardians and their verdicts, MCP sessions and tool calls,
configuration changes and the hourly MCP rollups."""

# The audit log's family name for governance writes.
AUDIT_FAMILY = "governance"
