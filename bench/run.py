"""`make bench`: partnergraph and the raw floor, the same operations, one report.

For each backend: prepare the data set, then for each server (partnergraph, the floor) start
one uvicorn process pinned to core 0, drive each operation from core 1 for a fixed time, and
record requests per second, p50/p99 latency and the server's peak RSS. The report puts ours
beside the floor with the ratio, in `bench/results/report-<backend>.md`.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import socket
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import jwt

from bench import costs
from bench.cores import (
    LocalDatabase,
    database_beside_driver,
    pin_driver,
    process_cpu_seconds,
    server_prefix,
    where_database,
)
from bench.dataset import PROVIDER_TENANT, SIZES, prepare
from bench.driver import Measurement, drive
from bench.queries import Query, queries

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
SECRET = "bench-secret-for-partnergraph-0123456789abcdef"  # noqa: S105 - a benchmark, not a deployment
SUBJECT = "bench"
POSTGRES_SERVER = os.environ.get(
    "PARTNERGRAPH_BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432"
)


@dataclass
class Row:
    query: Query
    ours: Measurement
    floor: Measurement
    ours_rss: float
    floor_rss: float


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _rss_mb(pid: int, field: str = "VmHWM") -> float:
    """The process's peak (`VmHWM`) or current (`VmRSS`) resident memory."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return 0.0


class Server:
    """One uvicorn process pinned to core 0."""

    def __init__(
        self, command: list[str], environment: dict[str, str], port: int, log: Path
    ) -> None:
        self.port = port
        with log.open("w") as output:
            self.process = subprocess.Popen(
                [*server_prefix(), *command],
                cwd=ROOT,
                env={**os.environ, **environment},
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    return
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"{command} did not start") from None
                time.sleep(0.1)

    def peak_rss(self) -> float:
        return _rss_mb(self.process.pid)

    def rss(self) -> float:
        return _rss_mb(self.process.pid, "VmRSS")

    def cpu_seconds(self) -> float:
        """User and system CPU time the server process has used so far."""
        return process_cpu_seconds(self.process.pid)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=20)


def _token(tenant_id: str) -> str:

    now = int(time.time())
    claims = {
        "sub": SUBJECT,
        "tid": tenant_id,
        "roles": ["global_admin"],
        "iat": now,
        "exp": now + 24 * 3600,
    }
    return jwt.encode(claims, SECRET, algorithm="HS256")


async def _measure(
    servers: dict[str, Server], operations: list[Query], token: str, args: argparse.Namespace
) -> dict[str, list[tuple[Measurement, float]]]:
    """Each operation at every server, in alternating rounds so that a slow moment of the
    machine falls on both alike; per server the rounds add up to `args.duration` seconds."""
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    results: dict[str, list[tuple[Measurement, float]]] = {name: [] for name in servers}

    async def drive_at(server: Server, operation: Query, seconds: float) -> Measurement:
        return await drive(
            "127.0.0.1",
            server.port,
            "/graphql",
            operation.body,
            headers,
            connections=args.connections,
            duration=seconds,
        )

    for operation in operations:
        for server in servers.values():
            await drive_at(server, operation, args.warmup)
        total = {name: Measurement() for name in servers}
        for _ in range(args.rounds):
            for name, server in servers.items():
                before = server.cpu_seconds()
                measured = await drive_at(server, operation, args.duration / args.rounds)
                measured.server_cpu_seconds = server.cpu_seconds() - before
                total[name].add(measured)
        for name, server in servers.items():
            results[name].append((total[name], server.peak_rss()))
    return results


async def _soak(
    server: Server, operation: Query, token: str, minutes: int
) -> list[tuple[int, Measurement, float]]:
    """`operation` at `server` for `minutes` minutes: each minute's throughput and the
    server's resident memory at its end."""
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    samples = []
    for minute in range(1, minutes + 1):
        measured = await drive(
            "127.0.0.1",
            server.port,
            "/graphql",
            operation.body,
            headers,
            connections=16,
            duration=60,
        )
        samples.append((minute, measured, server.rss()))
    return samples


def _database_url(backend: str, size: str) -> str:
    if backend == "sqlite":
        RESULTS.mkdir(parents=True, exist_ok=True)
        return f"sqlite://{RESULTS / f'bench-{size}.sqlite3'}"
    name = f"partnergraph_bench_{size}"
    admin = f"{POSTGRES_SERVER}/postgres"
    exists = subprocess.run(
        ["psql", admin, "-tAc", f"SELECT 1 FROM pg_database WHERE datname = '{name}'"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if not exists:
        subprocess.run(["psql", admin, "-qc", f'CREATE DATABASE "{name}"'], check=True)
    return f"{POSTGRES_SERVER}/{name}"


async def _ensure_bench_user(database_url: str) -> None:
    from api import database
    from resolvers.models import Partner, User

    async with database.connected(database_url):
        provider = await Partner.get(tenant_id=PROVIDER_TENANT)
        await User.get_or_create(partner=provider, sub=SUBJECT)


# One token sends everything: its buckets are made too large to empty, so that the cost and
# the take are measured as they run in production but never refuse a request.
UNTHROTTLED = {
    f"PARTNERGRAPH_RATE_LIMIT_{bucket}_{setting}": "1000000000"
    for bucket in ("CALLER", "PARTNER")
    for setting in ("MAXIMUM", "RESTORE_RATE")
}


def run_backend(backend: str, args: argparse.Namespace) -> str:
    database_url = _database_url(backend, args.size)
    data = asyncio.run(prepare(database_url, args.size))
    asyncio.run(_ensure_bench_user(database_url))
    operations = [
        query for query in queries(data.customers) if not args.only or query.name in args.only
    ]
    environment = {
        "PARTNERGRAPH_DATABASE_URL": database_url,
        "PARTNERGRAPH_JWT_SECRET": SECRET,
        "PARTNERGRAPH_LOG_LEVEL": "WARNING",
        **UNTHROTTLED,
    }
    token = _token(PROVIDER_TENANT)
    targets = {
        "ours": [sys.executable, "-m", "api.cli", "serve", "--port", "{port}"],
        "floor": [
            sys.executable,
            "-m",
            "uvicorn",
            "bench.floor:app",
            "--port",
            "{port}",
            "--log-level",
            "warning",
            "--no-access-log",
        ],
    }
    servers: dict[str, Server] = {}
    with database_beside_driver(database_url) as database:
        try:
            for name, command in targets.items():
                port = _free_port()
                log = RESULTS / f"{name}-{backend}.log"
                servers[name] = Server(
                    [part.replace("{port}", str(port)) for part in command], environment, port, log
                )
            measured = asyncio.run(_measure(servers, operations, token, args))
            soak = asyncio.run(_soak(servers["ours"], operations[0], token, args.soak))
        finally:
            for server in servers.values():
                server.stop()
    rows = [
        Row(operation, ours[0], floor[0], ours[1], floor[1])
        for operation, ours, floor in zip(
            operations, measured["ours"], measured["floor"], strict=True
        )
    ]
    page_costs = asyncio.run(costs.measure(database_url, PROVIDER_TENANT, SUBJECT))
    deep = asyncio.run(costs.deep_pagination(database_url, PROVIDER_TENANT, SUBJECT))
    return (
        _report(backend, database_url, data.customers, rows, args, database)
        + costs.report(page_costs)
        + costs.deep_report(deep)
        + _soak_report(operations[0], soak)
    )


def _report(
    backend: str,
    database_url: str,
    customers: int,
    rows: list[Row],
    args: argparse.Namespace,
    database: LocalDatabase | None,
) -> str:
    lines = [
        f"## {backend}: {customers:,} customers — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "",
        f"One uvicorn process on core 0, driver on core 1{where_database(backend, database)}, "
        f"{args.connections} connections, "
        f"{args.duration:g} s per operation and server, in {args.rounds} alternating rounds, "
        f"after {args.warmup:g} s of warm-up.",
        "",
        "| operation | ours req/s | floor req/s | ours / floor | ours p50 / p99 ms | floor p50 / p99 ms | server CPU ms/req ours / floor | floor / ours CPU | ours peak RSS MB | floor peak RSS MB | failed |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        ratio = row.ours.per_second / row.floor.per_second if row.floor.per_second else 0.0
        ours_cpu, floor_cpu = row.ours.cpu_ms_per_request, row.floor.cpu_ms_per_request
        cpu_ratio = floor_cpu / ours_cpu if ours_cpu else 0.0
        lines.append(
            f"| {row.query.name} ({row.query.description}) | {row.ours.per_second:,.0f} | {row.floor.per_second:,.0f} "
            f"| {ratio:.0%} | {row.ours.percentile(0.5):.1f} / {row.ours.percentile(0.99):.1f} "
            f"| {row.floor.percentile(0.5):.1f} / {row.floor.percentile(0.99):.1f} "
            f"| {ours_cpu:.2f} / {floor_cpu:.2f} | {cpu_ratio:.0%} "
            f"| {row.ours_rss:.0f} | {row.floor_rss:.0f} | {row.ours.failures} / {row.floor.failures} |"
        )
    failures = [row for row in rows if row.ours.failures or row.floor.failures]
    for row in failures:
        lines.append(
            f"\n{row.query.name}: first failure: ours `{row.ours.first_failure}`, floor `{row.floor.first_failure}`"
        )
    return "\n".join(lines) + "\n"


def _soak_report(operation: Query, samples: list[tuple[int, Measurement, float]]) -> str:
    if not samples:
        return ""
    first, last = samples[0][2], samples[-1][2]
    lines = [
        "",
        f"Soak: {operation.name} at partnergraph for {len(samples)} minutes, 16 connections.",
        "",
        "| minute | req/s | p99 ms | RSS MB | failed |",
        "|---|---|---|---|---|",
        *(
            f"| {minute} | {measured.per_second:,.0f} | {measured.percentile(0.99):.1f} "
            f"| {rss:.1f} | {measured.failures} |"
            for minute, measured, rss in samples
        ),
        "",
        f"RSS from the first minute to the last: {first:.1f} → {last:.1f} MB "
        f"({(last - first) / first:+.1%}).",
    ]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backend", action="append", choices=["sqlite", "postgres"])
    parser.add_argument("--size", choices=SIZES, default="small")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--rounds", type=int, default=4, help="alternations of ours and the floor")
    parser.add_argument("--soak", type=int, default=0, help="minutes of customer pages after")
    parser.add_argument(
        "--only",
        action="append",
        choices=[query.name for query in queries(customers=0)],
        help="measure only this operation (repeatable)",
    )
    args = parser.parse_args()
    backends = args.backend or ["sqlite", "postgres"]
    pin_driver()
    RESULTS.mkdir(parents=True, exist_ok=True)
    failed = False
    # Each backend in a process of its own: Tortoise keeps per-model statements written for
    # the first database it was set up for, so the second backend in one process would be
    # sent the first one's SQL.
    spawned = multiprocessing.get_context("spawn")
    for backend in backends:
        with ProcessPoolExecutor(max_workers=1, mp_context=spawned) as child:
            report = child.submit(run_backend, backend, args).result()
        (RESULTS / f"report-{backend}.md").write_text(report)
        print(report)
        failed |= "first failure" in report
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
