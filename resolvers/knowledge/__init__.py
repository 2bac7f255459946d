"""Knowledge analytics: entries and authors, bus factor and staleness."""

# The audit family knowledge writes; only knowledge's own rules may read it.
AUDIT_FAMILY = "knowledge"
