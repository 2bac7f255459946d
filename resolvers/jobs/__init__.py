"""Background jobs as the API shows them: one job of the caller's organisation by id."""
