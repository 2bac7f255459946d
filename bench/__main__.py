"""`python -m bench --url postgresql+asyncpg://postgres@127.0.0.1:5432/test [cases...]`

Each case loads its data into a fresh database beside the one in the URL, prints the
median latency through the gateway and of the same SQL run straight on the driver, and
drops the database again.

`python -m bench load [options]` and `python -m bench faults [options]` serve the gateway
for real and print load and fault figures (`--help` after either for its options).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import os
import sys

CASES = {
    "portal": "bench.portal",  # DORA and catalog health over 1,000,000 deployments
    "bus_factor": "bench.bus_factor",  # org-wide bus factor, 1,000 users x 50,000 entries
    "guardians": "bench.guardians",  # governance summary and timeseries, 1,000,000 verdicts
    "mcp": "bench.mcp",  # MCP summary and tools, 1,000,000 tool calls, with and without rollup
    "nhi": "bench.nhi",  # NHI risk, 1,000 NHIs x 1,000,000 activity events
    "kpis": "bench.kpis",  # KPI calculation and summary over 1,000,000 incidents
    "models": "bench.models",  # the demo's predictive models trained, a week's detection
    "agents": "bench.agents",  # agent console trends, realtime, dashboard, 1,000,000 actions
    "fanout": "bench.fanout",  # the realtime WebSocket's ticks to 1, 50 and 500 sockets
    "import": "bench.imports",  # `gateway import` of 100,000 deployments beside COPY
    "resolvers": "bench.resolvers",  # nested and small catalog queries, 100,000 deployments
    "postgraphile": "bench.postgraphile",  # the same two queries beside PostGraphile v5
}

# Commands with options of their own: `python -m bench load --clients 16`.
COMMANDS = {
    "load": "bench.load",  # 64 clients for 60 s over REST, GraphQL and writes
    "faults": "bench.faults",  # connections killed, restarts, Redis and a worker gone
}


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] in COMMANDS:
        command = importlib.import_module(COMMANDS[sys.argv[1]])
        sys.exit(command.main(sys.argv[2:]))
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--url",
        default=os.environ.get("GATEWAY_BENCH_POSTGRES_URL")
        or os.environ.get("GATEWAY_TEST_POSTGRES_URL"),
        help="a PostgreSQL URL (default: $GATEWAY_BENCH_POSTGRES_URL or "
        "$GATEWAY_TEST_POSTGRES_URL)",
    )
    parser.add_argument("cases", nargs="*", help=f"any of {', '.join(CASES)} (default: all)")
    args = parser.parse_args()
    unknown = set(args.cases) - set(CASES)
    if unknown:
        parser.error(f"unknown case(s): {', '.join(sorted(unknown))}")
    if not args.url:
        parser.error("give --url postgresql+asyncpg://... (the benchmarks need PostgreSQL)")
    for name in args.cases or CASES:
        module = importlib.import_module(CASES[name])
        asyncio.run(module.run(args.url))


if __name__ == "__main__":
    main()
