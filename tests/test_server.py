"""End to end, as `make run` does it: migrate, seed the demo, serve with uvicorn, and answer a
printed token over real HTTP (the lifespan opens the ORM for every request task)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, free_port, run_cli


def cli(environment: dict[str, str], *arguments: str) -> str:
    result = run_cli(environment, *arguments)
    assert result.returncode == 0, result.stderr
    return result.stdout


def add_partner(
    environment: dict[str, str],
    tenant: str,
    name: str,
    kind: str = "DIRECT_BILL",
    provider: str | None = None,
) -> None:
    """A partner added with the CLI (a reseller names its provider's tenant)."""
    under = ("--provider-tenant-id", provider) if provider else ()
    cli(
        environment, "partner", "add", "--tenant-id", tenant, "--name", name, "--kind", kind, *under
    )


def admin_token(environment: dict[str, str], tenant: str) -> str:
    """A token of the tenant's global admin, signed by the CLI."""
    return cli(environment, "token", "--tenant-id", tenant, "--role", "global_admin").strip()


@pytest.fixture
def server(environment: dict[str, str], tmp_path: Path) -> Iterator[str]:
    cli(environment, "migrate")
    with serving(environment, tmp_path / "server.log") as base:
        yield base


@contextmanager
def serving(environment: dict[str, str], log: Path, port: str | None = None) -> Iterator[str]:
    """`partnergraph serve` in a process of its own, on `port` (the environment's if None),
    until the block ends."""
    with server_process(environment, log, port) as (base, _):
        yield base


@contextmanager
def server_process(
    environment: dict[str, str], log: Path, port: str | None = None
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`serving`, with the process (to kill it); its output is added to `log`."""
    port = port or environment.get("PARTNERGRAPH_PORT") or str(free_port())
    with log.open("a") as output:
        process = subprocess.Popen(  # noqa: S603 - our own CLI
            [sys.executable, "-m", "api.cli", "serve", "--port", port],
            cwd=ROOT,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=1):  # noqa: S310
                    break
            except (urllib.error.URLError, ConnectionError):
                assert process.poll() is None, log.read_text()
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.1)
        yield base, process
    finally:
        if process.poll() is None:
            process.terminate()
        process.wait(timeout=15)


def post(
    url: str, query: str, token: str, variables: dict[str, Any] | None = None
) -> tuple[int, dict]:
    request = urllib.request.Request(  # noqa: S310
        url,
        data=json.dumps({"query": query, "variables": variables}).encode(),
        headers={"content-type": "application/json", "authorization": f"Bearer {token}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_a_printed_demo_token_answers_the_viewer_query_over_http(
    server: str, environment: dict[str, str]
) -> None:
    printed = cli(environment, "seed-demo")
    tokens = dict(re.findall(r"^  (\w+)\s+(ey\S+)$", printed, flags=re.MULTILINE))
    assert set(tokens) >= {"global_admin", "billing_admin", "helpdesk_agent", "sales_agent"}
    status, body = post(
        f"{server}/graphql", "{ viewer { roles partner { name } } }", tokens["billing_admin"]
    )
    assert status == 200
    assert body["extensions"]["cost"]["requested"] == 2
    del body["extensions"]
    assert body == {
        "data": {
            "viewer": {"roles": ["billing_admin"], "partner": {"name": "Contoso Cloud Services"}}
        }
    }
    status, body = post(
        f"{server}/graphql",
        "{ customers { totalCount nodes { language } } }",
        tokens["sales_agent"],
    )
    assert body["data"]["customers"]["totalCount"] == 5
    assert {node["language"] for node in body["data"]["customers"]["nodes"]} == {
        "en",
        "pt-PT",
        "pt-BR",
        "it",
        "sv",
    }
    status, body = post(
        f"{server}/graphql",
        "{ customers { nodes { billing { standing } invoices { nodes { status } } } } "
        "agingReport { totals { amount currency } } }",
        tokens["billing_admin"],
    )
    nodes = body["data"]["customers"]["nodes"]
    assert [node["billing"]["standing"] for node in nodes] == [
        "GOOD",
        "OVERDUE",
        "GOOD",  # its only unpaid invoice is disputed
        "DELINQUENT",  # the next collections run suspends it
        "GOOD",
    ]
    statuses = {invoice["status"] for node in nodes for invoice in node["invoices"]["nodes"]}
    assert statuses == {"PAID", "OPEN", "OVERDUE", "DISPUTED"}
    assert len(body["data"]["agingReport"]["totals"]) == 3  # EUR, BRL and SEK are owed
    status, body = post(
        f"{server}/graphql",
        "{ tickets(first: 100) { nodes { status escalations { vehicle } } } "
        "supportOffering { entitlements { competency } } }",
        tokens["global_admin"],
    )
    tickets = body["data"]["tickets"]["nodes"]
    assert {ticket["status"] for ticket in tickets} == {
        "NEW",
        "TRIAGED",
        "IN_PROGRESS",
        "ESCALATED",
        "RESOLVED",
        "CLOSED",
    }
    vehicles = {escalation["vehicle"] for ticket in tickets for escalation in ticket["escalations"]}
    assert len(vehicles) == 5  # every Microsoft vehicle; the reseller's goes to its provider
    assert body["data"]["supportOffering"] == {"entitlements": {"competency": "GOLD"}}
    export = urllib.request.Request(  # noqa: S310
        f"{server}/bulk/customers.jsonl",
        headers={"authorization": f"Bearer {tokens['sales_agent']}"},
    )
    with urllib.request.urlopen(export, timeout=10) as response:  # noqa: S310
        assert response.headers["Partnergraph-Changes-After"]
        lines = [json.loads(line) for line in response.read().splitlines()]
    assert len(lines) == 5
    with urllib.request.urlopen(f"{server}/readyz", timeout=5) as response:  # noqa: S310
        assert json.loads(response.read()) == {"status": "ok", "database": "reachable"}


def test_seeding_twice_keeps_the_data_and_prints_tokens_again(environment: dict[str, str]) -> None:
    cli(environment, "migrate")
    assert "demo data created" in cli(environment, "seed-demo")
    again = cli(environment, "seed-demo")
    assert "already has data" in again
    assert "global_admin" in again


def test_partner_add_and_token_work_from_thecli(server: str, environment: dict[str, str]) -> None:
    tenant = "0f0e0d0c-0b0a-4a09-8807-060504030201"
    add_partner(environment, tenant, "Cli Partner")
    token = admin_token(environment, tenant)
    status, body = post(f"{server}/graphql", "{ partner { name kind } }", token)
    assert body.pop("extensions")["cost"]["requested"] == 1
    assert (status, body) == (
        200,
        {"data": {"partner": {"name": "Cli Partner", "kind": "DIRECT_BILL"}}},
    )


def test_production_refuses_to_start_with_the_default_secret(environment: dict[str, str]) -> None:
    for secret in ("", "short", "partnergraph-development-secret-not-for-production"):
        production = {"PARTNERGRAPH_ENV": "production", "PARTNERGRAPH_JWT_SECRET": secret}
        result = run_cli({**environment, **production}, "serve", timeout=60)
        assert result.returncode == 2
        assert "JWT_SECRET" in result.stderr
