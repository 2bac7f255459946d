"""Developer portal: components, environments, deployments, audit log and their analytics."""
