"""Exit 0 when the test PostgreSQL server answers, 1 otherwise (used by `make test`)."""

from __future__ import annotations

import asyncio
import sys

from tests.databases import postgres_server_url, server_answers

if __name__ == "__main__":
    sys.exit(0 if asyncio.run(server_answers(postgres_server_url())) else 1)
