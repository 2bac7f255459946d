"""The agent console's analytics (seed 004): agent actions, their review, and the
console's sessions. Its REST dialect is FastAPI's (``{"detail": ...}``)."""
