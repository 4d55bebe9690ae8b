"""`make bench`: partnergraph and the raw floor, the same operations, one report.

For each backend: prepare the data set, then for each server (partnergraph, the floor) start
one uvicorn process pinned to core 0, drive each operation from core 1 for a fixed time, and
record requests per second, p50/p99 latency and the server's peak RSS. The report puts ours
beside the floor with the ratio, in `bench/results/report-<backend>.md`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import jwt

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


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


class Server:
    """One uvicorn process pinned to core 0."""

    def __init__(
        self, command: list[str], environment: dict[str, str], port: int, log: Path
    ) -> None:
        self.port = port
        pin = ["taskset", "-c", "0"] if (os.cpu_count() or 1) > 1 else []
        with log.open("w") as output:
            self.process = subprocess.Popen(
                [*pin, *command],
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
        return _peak_rss_mb(self.process.pid)

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
    server: Server, operations: list[Query], token: str, args: argparse.Namespace
) -> list[tuple[Measurement, float]]:
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    results = []
    for operation in operations:
        await drive(
            "127.0.0.1",
            server.port,
            "/graphql",
            operation.body,
            headers,
            connections=args.connections,
            duration=args.warmup,
        )
        measured = await drive(
            "127.0.0.1",
            server.port,
            "/graphql",
            operation.body,
            headers,
            connections=args.connections,
            duration=args.duration,
        )
        results.append((measured, server.peak_rss()))
    return results


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


def run_backend(backend: str, args: argparse.Namespace) -> str:
    database_url = _database_url(backend, args.size)
    data = asyncio.run(prepare(database_url, SIZES[args.size]))
    asyncio.run(_ensure_bench_user(database_url))
    operations = [
        query for query in queries(data.customers) if not args.only or query.name in args.only
    ]
    environment = {
        "PARTNERGRAPH_DATABASE_URL": database_url,
        "PARTNERGRAPH_JWT_SECRET": SECRET,
        "PARTNERGRAPH_LOG_LEVEL": "WARNING",
    }
    token = _token(PROVIDER_TENANT)
    measured: dict[str, list[tuple[Measurement, float]]] = {}
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
    for name, command in targets.items():
        port = _free_port()
        log = RESULTS / f"{name}-{backend}.log"
        server = Server(
            [part.replace("{port}", str(port)) for part in command], environment, port, log
        )
        try:
            measured[name] = asyncio.run(_measure(server, operations, token, args))
        finally:
            server.stop()
    rows = [
        Row(operation, ours[0], floor[0], ours[1], floor[1])
        for operation, ours, floor in zip(
            operations, measured["ours"], measured["floor"], strict=True
        )
    ]
    return _report(backend, database_url, data.customers, rows, args)


def _report(
    backend: str, database_url: str, customers: int, rows: list[Row], args: argparse.Namespace
) -> str:
    lines = [
        f"## {backend}: {customers:,} customers — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "",
        f"One uvicorn process on core 0, driver on core 1, {args.connections} connections, "
        f"{args.duration:g} s per operation after {args.warmup:g} s of warm-up.",
        "",
        "| operation | ours req/s | floor req/s | ours / floor | ours p50 / p99 ms | floor p50 / p99 ms | ours peak RSS MB | floor peak RSS MB | failed |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        ratio = row.ours.per_second / row.floor.per_second if row.floor.per_second else 0.0
        lines.append(
            f"| {row.query.name} ({row.query.description}) | {row.ours.per_second:,.0f} | {row.floor.per_second:,.0f} "
            f"| {ratio:.0%} | {row.ours.percentile(0.5):.1f} / {row.ours.percentile(0.99):.1f} "
            f"| {row.floor.percentile(0.5):.1f} / {row.floor.percentile(0.99):.1f} "
            f"| {row.ours_rss:.0f} | {row.floor_rss:.0f} | {row.ours.failures} / {row.floor.failures} |"
        )
    failures = [row for row in rows if row.ours.failures or row.floor.failures]
    for row in failures:
        lines.append(
            f"\n{row.query.name}: first failure: ours `{row.ours.first_failure}`, floor `{row.floor.first_failure}`"
        )
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backend", action="append", choices=["sqlite", "postgres"])
    parser.add_argument("--size", choices=SIZES, default="small")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--only", action="append", help="measure only this operation")
    args = parser.parse_args()
    backends = args.backend or ["sqlite", "postgres"]
    RESULTS.mkdir(parents=True, exist_ok=True)
    failed = False
    for backend in backends:
        report = run_backend(backend, args)
        (RESULTS / f"report-{backend}.md").write_text(report)
        print(report)
        failed |= "first failure" in report
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
