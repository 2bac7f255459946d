"""REST compatibility: every documented path answered by a stored GraphQL operation."""
