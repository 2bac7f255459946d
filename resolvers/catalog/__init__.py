"""Developer portal: components, environments, deployments, audit log and their analytics."""

# The audit family the portal writes, and the only one its audit reads and usage see.
AUDIT_FAMILY = "catalog"
