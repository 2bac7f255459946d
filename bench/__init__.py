"""Benchmarks: `python -m bench --url postgresql+asyncpg://...` prints the figures."""
