"""The graphql-http audit (the reference audit of the GraphQL over HTTP specification, run on
Node with its pinned package in `tests/audit`) against a real server: no error, no warning."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.test_server import cli, serving

AUDIT = ROOT / "tests" / "audit"


def _node() -> str:
    node = shutil.which("node")
    if node is None or not (AUDIT / "node_modules" / "graphql-http").is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail("the graphql-http audit is not installed (make setup) and CI=true")
        pytest.skip("the graphql-http audit needs Node and `make setup`")
    return node


def test_the_graphql_over_http_audit_finds_no_error_and_no_warning(
    environment: dict[str, str], tmp_path: Path
) -> None:
    node = _node()
    cli(environment, "migrate")
    printed = cli(environment, "seed-demo")
    token = dict(re.findall(r"^  (\w+)\s+(ey\S+)$", printed, flags=re.MULTILINE))["global_admin"]
    with serving(environment, tmp_path / "server.log") as base:
        result = subprocess.run(  # noqa: S603 - our own script
            [node, str(AUDIT / "audit.mjs")],
            env={**os.environ, "URL": f"{base}/graphql", "TOKEN": token},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert result.returncode == 0, result.stderr
    summary, *not_ok = result.stdout.splitlines()
    report = json.loads(summary)
    assert report["error"] == 0, not_ok
    assert report["warn"] == 0, not_ok
    assert report["ok"] + report["notice"] == report["audits"] > 50
    # what remains are MAYs: GET, which the API refuses (405) so that no query runs from a link
    assert all(" GET" in line for line in not_ok), not_ok
