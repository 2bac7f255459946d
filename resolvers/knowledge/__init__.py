"""Knowledge analytics: entries and authors, bus factor and staleness."""
