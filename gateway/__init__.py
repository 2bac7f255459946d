"""analytics-gateway: one GraphQL schema over five analytics APIs, with REST compatibility."""
