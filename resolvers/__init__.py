"""GraphQL resolvers, one package per domain."""
