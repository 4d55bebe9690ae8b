"""Prometheus metrics on `/metrics`: GraphQL requests and their latency by operation name,
errors by code, operations running and waiting their turn, the database pool, and what waits
(webhook deliveries, the change feed).

Operation names are the clients' own words: the first `MAX_OPERATION_NAMES` distinct ones
get series of their own, later ones count as `other`, so that no client can grow the series
without bound. `/metrics` answers only with `PARTNERGRAPH_METRICS_TOKEN` as a bearer token
when one is set, and not at all in production without one.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import generate_latest
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from api import database
from api.gate import Gate
from resolvers.backlogs import backlogs
from resolvers.errors import connection_lost

MAX_OPERATION_NAMES = 200
MAX_OPERATION_NAME_LENGTH = 100
UNNAMED = "anonymous"  # an operation without a name
UNPARSED = "none"  # a request refused before an operation was chosen
OTHER = "other"
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


@dataclass
class Metrics:
    gate: Gate
    registry: CollectorRegistry = field(default_factory=CollectorRegistry)
    names: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        def gauge(name: str, description: str, *labels: str) -> Gauge:
            return Gauge(name, description, labels, registry=self.registry)

        self.requests = Counter(
            "partnergraph_requests",
            "GraphQL requests answered, by operation name and HTTP status.",
            ["operation", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "partnergraph_request_duration_seconds",
            "Time to answer a GraphQL request, by operation name.",
            ["operation"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.errors = Counter(
            "partnergraph_errors",
            "Errors in GraphQL answers, by code.",
            ["code"],
            registry=self.registry,
        )
        self.operations = gauge(
            "partnergraph_operations",
            "The process's GraphQL operations: running, waiting their turn, and the most that "
            "run at once.",
            "state",
        )
        self.pool = gauge(
            "partnergraph_database_connections",
            "The process's PostgreSQL connections: in use, idle, and the most it opens.",
            "state",
        )
        self.pending = gauge(
            "partnergraph_webhook_deliveries_pending",
            "Webhook deliveries not yet delivered nor given up.",
        )
        self.due = gauge(
            "partnergraph_webhook_deliveries_due",
            "Pending webhook deliveries whose next attempt is due now.",
        )
        self.oldest_due = gauge(
            "partnergraph_webhook_oldest_due_seconds",
            "How long the longest-waiting due webhook delivery has waited.",
        )
        self.feed_waiting = gauge(
            "partnergraph_change_feed_waiting_changes",
            "Committed changes not yet numbered into the change feed.",
        )
        self.feed_lag = gauge(
            "partnergraph_change_feed_lag_seconds",
            "The age of the oldest committed change not yet in the change feed.",
        )

    def operation_label(self, name: str | None) -> str:
        if name is None:
            return UNNAMED
        if name in self.names:
            return name
        if len(self.names) < MAX_OPERATION_NAMES and len(name) <= MAX_OPERATION_NAME_LENGTH:
            self.names.add(name)
            return name
        return OTHER

    def observe(self, operation: str, response: Response, seconds: float) -> None:
        self.requests.labels(operation, str(response.status_code)).inc()
        self.latency.labels(operation).observe(seconds)
        for code in getattr(response, "error_codes", ()):  # a GraphQL answer's (the IDE has none)
            self.errors.labels(code).inc()

    def timed(
        self, handle: Callable[[Request], Awaitable[Response]]
    ) -> Callable[[Request], Awaitable[Response]]:
        """`handle`, observed; it names the operation it chose in `request.state.operation`
        (None for an unnamed one)."""

        async def observed(request: Request) -> Response:
            started = time.perf_counter()
            try:
                response = await handle(request)
            except Exception as error:  # answered by the outermost middleware
                lost = connection_lost(error)
                self.requests.labels(UNPARSED, "503" if lost else "500").inc()
                self.errors.labels("UNAVAILABLE" if lost else "INTERNAL_SERVER_ERROR").inc()
                raise
            name = getattr(request.state, "operation", UNPARSED)
            operation = UNPARSED if name is UNPARSED else self.operation_label(name)
            self.observe(operation, response, time.perf_counter() - started)
            return response

        return observed

    async def collect(self) -> bytes:
        gate = self.gate
        for state, value in (
            ("running", gate.running),
            ("waiting", gate.waiting),
            ("maximum", gate.limit),
        ):
            self.operations.labels(state).set(value)
        use = database.pool_use()
        if use is not None:
            for state, value in zip(("in_use", "idle", "maximum"), use, strict=True):
                self.pool.labels(state).set(value)
        waiting = await backlogs()
        self.pending.set(waiting.webhook_deliveries_pending)
        self.due.set(waiting.webhook_deliveries_due)
        self.oldest_due.set(waiting.webhook_oldest_due_seconds)
        self.feed_waiting.set(waiting.feed_changes_waiting)
        self.feed_lag.set(waiting.feed_lag_seconds)
        return generate_latest(self.registry)


@dataclass
class MetricsEndpoint:
    metrics: Metrics
    token: str | None
    enabled: bool

    async def handle(self, request: Request) -> Response:
        if not self.enabled:
            return PlainTextResponse("Not Found", status_code=404)
        if self.token is not None:
            sent = request.headers.get("authorization", "")
            if not hmac.compare_digest(sent.encode(), f"Bearer {self.token}".encode()):
                return PlainTextResponse(
                    "Unauthorized", status_code=401, headers={"WWW-Authenticate": "Bearer"}
                )
        return Response(await self.metrics.collect(), media_type=CONTENT_TYPE_LATEST)
