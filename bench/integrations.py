"""`make bench-integrations`: the throughput of what machines use, on SQLite and PostgreSQL.

On a fresh database per backend, one server process (pinned to core 0 like `make bench`):

- **bulk sync**: `syncResellerData` calls of 1,000 items (500 customers and their 500
  subscriptions), first creating them, then sending the same again (a no-op): items per
  second;
- **change feed**: every event those syncs recorded, read with `changes(first: 1000)` page
  by page from the start, ten times over: events per second;
- **webhooks**: an endpoint on a local receiver that answers 200 at once, and the time from
  the first sync's commit until every one of its events has been received: deliveries per
  second.

The report is `bench/results/integrations-<backend>.md`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime
from typing import Any

import jwt

from bench.run import POSTGRES_SERVER, RESULTS, ROOT, SECRET, UNTHROTTLED, Server, _free_port

PROVIDER = "7d4e3c2b-1a0f-4e9d-8c7b-6a5f4e3d2c1b"
RESELLER = "2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f"
FEED_PASSES = 10
SYNC = """mutation Sync($input: SyncResellerDataInput!) {
  syncResellerData(input: $input) { results { status } userErrors { code } }
}"""
FEED = """query Feed($after: String) {
  changes(after: $after, first: 1000) { nodes { entityType } pageInfo { hasNextPage endCursor } }
}"""
RESELLERS = "{ resellers(first: 1) { nodes { id } } }"
CREATE = """mutation($url: String!) {
  createWebhookEndpoint(input: {url: $url, events: ["customer-created", "subscription-created"]}) {
    webhookEndpoint { id } userErrors { code }
  }
}"""


def _token() -> str:
    now = int(time.time())
    claims = {"sub": "bench-integrations", "tid": PROVIDER, "roles": ["global_admin"]}
    return jwt.encode({**claims, "iat": now, "exp": now + 3600}, SECRET, algorithm="HS256")


def _post(port: int, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": query, "variables": variables or {}}).encode(),
        headers={"content-type": "application/json", "authorization": f"Bearer {_token()}"},
    )
    with urllib.request.urlopen(request, timeout=300) as response:  # noqa: S310
        body = json.loads(response.read())
    if "errors" in body:
        raise RuntimeError(body["errors"])
    return body["data"]


def _items(call: int, size: int) -> dict[str, list[dict[str, Any]]]:
    half = size // 2
    customers = [
        {
            "externalId": f"B-C-{call}-{n}",
            "companyName": f"Bench Cliente {call}-{n} Ltda",
            "domain": f"bench{call}x{n}.onmicrosoft.com",
            "country": "BR",
            "language": "pt-BR",
        }
        for n in range(half)
    ]
    subscriptions = [
        {
            "externalId": f"B-S-{call}-{n}",
            "customerExternalId": f"B-C-{call}-{n}",
            "offerId": "CFQ7TTC0LH18:0001",
            "offerName": "Microsoft 365 Business Basic",
            "productFamily": "MICROSOFT_365",
            "quantity": 5,
            "unitPrice": {"amount": "35.00", "currency": "BRL"},
            "billingCycle": "MONTHLY",
            "termDuration": "P1Y",
        }
        for n in range(half)
    ]
    return {"customers": customers, "subscriptions": subscriptions}


class Counter(asyncio.Protocol):
    """A receiver that answers every request 200 at once and counts them."""

    received = 0
    expected = 0
    done = asyncio.Event()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport
        self.buffer = b""

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        head, _, body = self.buffer.partition(b"\r\n\r\n")
        length = next(
            (
                int(line.split(b":")[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length")
            ),
            None,
        )
        if length is not None and len(body) >= length:
            Counter.received += 1
            if Counter.received >= Counter.expected:
                Counter.done.set()
            self.transport.write(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")  # type: ignore[attr-defined]
            self.transport.close()


def _cli(environment: dict[str, str], *arguments: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "api.cli", *arguments],
        cwd=ROOT,
        env=environment,
        check=True,
        capture_output=True,
    )


def _database(backend: str) -> str:
    if backend == "sqlite":
        RESULTS.mkdir(parents=True, exist_ok=True)
        path = RESULTS / "integrations.sqlite3"
        path.unlink(missing_ok=True)
        return f"sqlite://{path}"
    name = "partnergraph_bench_integrations"
    admin = f"{POSTGRES_SERVER}/postgres"
    subprocess.run(["psql", admin, "-qc", f'DROP DATABASE IF EXISTS "{name}"'], check=True)
    subprocess.run(["psql", admin, "-qc", f'CREATE DATABASE "{name}"'], check=True)
    return f"{POSTGRES_SERVER}/{name}"


async def run_backend(backend: str, calls: int, size: int) -> str:
    url = _database(backend)
    environment = {
        **os.environ,
        "PARTNERGRAPH_DATABASE_URL": url,
        "PARTNERGRAPH_JWT_SECRET": SECRET,
        "PARTNERGRAPH_LOG_LEVEL": "WARNING",
        "PARTNERGRAPH_WEBHOOKS_ALLOW_PRIVATE_TARGETS": "true",
        "PARTNERGRAPH_WEBHOOKS_POLL_SECONDS": "0.2",
        **UNTHROTTLED,
    }
    _cli(environment, "migrate")
    _cli(
        environment,
        "partner",
        "add",
        "--tenant-id",
        PROVIDER,
        "--name",
        "Bench Distribution",
        "--kind",
        "INDIRECT_PROVIDER",
    )
    _cli(
        environment,
        "partner",
        "add",
        "--tenant-id",
        RESELLER,
        "--name",
        "Bench Reseller",
        "--kind",
        "INDIRECT_RESELLER",
        "--provider-tenant-id",
        PROVIDER,
    )
    loop = asyncio.get_running_loop()
    receiver = await loop.create_server(Counter, "127.0.0.1", 0)
    hook = f"http://127.0.0.1:{receiver.sockets[0].getsockname()[1]}/hooks"
    port = _free_port()
    server = Server(
        [sys.executable, "-m", "api.cli", "serve", "--port", str(port)],
        environment,
        port,
        RESULTS / f"integrations-{backend}.log",
    )
    try:
        call = lambda query, variables=None: asyncio.to_thread(_post, port, query, variables)  # noqa: E731
        reseller = (await call(RESELLERS))["resellers"]["nodes"][0]["id"]
        await call(CREATE, {"url": hook})
        Counter.received, Counter.expected = 0, calls * size
        Counter.done = asyncio.Event()  # of this run's loop
        started = time.perf_counter()
        for number in range(calls):
            answer = await call(SYNC, {"input": {"resellerId": reseller, **_items(number, size)}})
            statuses = {r["status"] for r in answer["syncResellerData"]["results"]}
            assert statuses == {"CREATED"}, statuses
        synced = time.perf_counter() - started
        expected = calls * size
        async with asyncio.timeout(600):
            await Counter.done.wait()
        delivered = time.perf_counter() - started
        started = time.perf_counter()
        for number in range(calls):
            answer = await call(SYNC, {"input": {"resellerId": reseller, **_items(number, size)}})
            assert {r["status"] for r in answer["syncResellerData"]["results"]} == {"UNCHANGED"}
        resynced = time.perf_counter() - started
        started, events = time.perf_counter(), 0
        for _ in range(FEED_PASSES):  # the whole feed, from the start, several times over
            after = None
            while True:
                page = (await call(FEED, {"after": after}))["changes"]
                events += len(page["nodes"])
                after = page["pageInfo"]["endCursor"]
                if not page["pageInfo"]["hasNextPage"]:
                    break
        read = time.perf_counter() - started
    finally:
        server.stop()
        receiver.close()
    return "\n".join(
        [
            f"# Integrations on {backend} ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC)",
            "",
            f"{calls} calls of syncResellerData, {size} items each; one server process.",
            "",
            "| what | count | seconds | per second |",
            "|---|---|---|---|",
            f"| bulk sync, creating | {expected} items | {synced:.2f} | {expected / synced:,.0f} |",
            f"| bulk sync, unchanged | {expected} items | {resynced:.2f} | "
            f"{expected / resynced:,.0f} |",
            f"| change feed, pages of 1,000 | {events} events | {read:.2f} | {events / read:,.0f} |",
            f"| webhooks, sync to last delivery | {expected} deliveries | {delivered:.2f} | "
            f"{expected / delivered:,.0f} |",
            "",
        ]
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backend", action="append", choices=["sqlite", "postgres"])
    parser.add_argument("--calls", type=int, default=5)
    parser.add_argument("--size", type=int, default=1_000)
    args = parser.parse_args()
    for backend in args.backend or ["sqlite", "postgres"]:
        report = asyncio.run(run_backend(backend, args.calls, args.size))
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / f"integrations-{backend}.md").write_text(report)
        print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
