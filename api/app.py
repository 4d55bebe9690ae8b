"""The wiring: settings in, one Starlette application out."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, time

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route, WebSocketRoute

from api import database
from api.admission import Admission
from api.authentication import Authenticator
from api.bulk import BulkExport
from api.gate import Gate
from api.graphql_view import GraphQLView
from api.metrics import Metrics, MetricsEndpoint
from api.middleware import RequestContext
from api.persisted import PersistedQueries
from api.settings import Settings
from api.webhooks import WebhookWorker
from api.websocket import GraphQLWebSocket
from auth.tokens import JwksKeys, TokenPolicy, TokenVerifier
from resolvers import jobs
from resolvers.rate_limits import buckets_for
from resolvers.ticket_feed import CHANNEL, FEED
from resolvers.webhook_delivery import DeliveryPolicy
from resolvers.webhook_targets import TargetPolicy
from schema.cost import Costs
from schema.execution import Engine
from schema.schema import schema

GRAPHQL_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


def token_verifier(settings: Settings) -> TokenVerifier:
    return TokenVerifier(
        policy=TokenPolicy(
            algorithm=settings.jwt_algorithm,
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
            leeway_seconds=settings.jwt_leeway_seconds,
            max_token_bytes=settings.jwt_max_token_bytes,
        ),
        secret=settings.jwt_secret,
        jwks=JwksKeys(settings.jwt_jwks_url) if settings.jwt_jwks_url else None,
    )


def graphql_engine(settings: Settings) -> Engine:
    limits = settings.limits
    return Engine(
        schema._schema,
        max_depth=limits.max_depth,
        max_aliases=limits.max_aliases,
        max_tokens=limits.max_tokens,
        max_directives=limits.max_directives,
        max_root_fields=limits.max_root_fields,
        introspection=settings.introspection,
        suggestions=not settings.is_production,
    )


async def healthz(_: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


async def readyz(_: Request) -> JSONResponse:
    try:
        await database.ping()
    except Exception:
        return JSONResponse({"status": "unavailable", "database": "unreachable"}, status_code=503)
    return JSONResponse({"status": "ok", "database": "reachable"})


def settle_heap() -> None:
    """Once started, the schema, the modules and the settings live as long as the process:
    freeze them out of the garbage collector's scans, and scan the young generation every
    10,000 allocations rather than every 700. A page of customers with their subscriptions
    makes thousands of short-lived objects; with the defaults the collector ran twice per page
    over everything alive, a fifth of the page's CPU time. (What was alive at start-up and
    becomes garbage later is not collected; the thresholds are the whole process's.) A
    request's objects are freed by reference counting as it ends (`Engine.execute`), so the
    collector only meets the few cycles graphql-core's executor leaves."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 10, 10)


SCHEDULER_TICK_SECONDS = 60


async def run_scheduler(at: time) -> None:
    """Once a minute, the day's jobs that are due (`resolvers.jobs`); a failure is logged."""
    while True:
        try:
            await jobs.run_due(datetime.now(UTC), at)
        except Exception:
            logging.getLogger("partnergraph.jobs").exception("the scheduler's tick failed")
        await asyncio.sleep(SCHEDULER_TICK_SECONDS)


def webhook_targets(settings: Settings) -> TargetPolicy:
    return TargetPolicy(allow_private=settings.webhooks.allow_private_targets)


def webhook_worker(settings: Settings) -> WebhookWorker:
    webhooks = settings.webhooks
    policy = DeliveryPolicy(
        timeout_seconds=webhooks.timeout_seconds, first_retry_seconds=webhooks.first_retry_seconds
    )
    return WebhookWorker(policy, webhook_targets(settings), poll_seconds=webhooks.poll_seconds)


def admission(settings: Settings, engine: Engine) -> Admission:
    rates = settings.rate_limits
    buckets = buckets_for(database.dialect(settings.database_url)) if rates.enabled else None
    return Admission(
        costs=Costs(engine.schema), max_cost=settings.limits.max_cost, rates=rates, buckets=buckets
    )


def create_app(settings: Settings, *, manage_database: bool = True) -> Starlette:
    """The application. Tests that already hold an ORM context pass `manage_database=False`."""
    settings.check()
    engine = graphql_engine(settings)
    view = GraphQLView(
        engine=engine,
        authenticator=Authenticator(token_verifier(settings)),
        admission=admission(settings, engine),
        persisted=PersistedQueries(),
        gate=Gate(settings.limits.concurrent_operations),
        max_body_bytes=settings.limits.max_body_bytes,
        timeout_seconds=settings.limits.timeout_seconds,
        graphiql=settings.graphiql,
        introspection=settings.introspection,
        webhook_targets=webhook_targets(settings),
    )

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        if not manage_database:
            yield
            return
        async with database.connected(settings.database_url, pool=settings.database_pool):
            settle_heap()
            workers = [
                # ticket events committed by any process wake this one's followers
                database.listen(settings.database_url, CHANNEL, FEED.wake_from_notification)
            ]
            if settings.scheduler:
                workers.append(run_scheduler(settings.scheduler_at))
            if settings.webhooks.deliver:
                workers.append(webhook_worker(settings).run())
            tasks = [asyncio.create_task(worker) for worker in workers]
            try:
                yield
            finally:
                for task in tasks:
                    task.cancel()
                for task in tasks:
                    with contextlib.suppress(asyncio.CancelledError):
                        await task

    middleware = [Middleware(RequestContext, max_header_bytes=settings.limits.max_header_bytes)]
    if settings.cors_origins:
        middleware.append(
            Middleware(
                CORSMiddleware,
                allow_origins=list(settings.cors_origins),
                allow_methods=["GET", "POST"],
                allow_headers=["authorization", "content-type", "accept-language", "x-request-id"],
                expose_headers=["x-request-id"],
                max_age=600,
            )
        )
    websocket = GraphQLWebSocket(
        engine=view.engine,
        authenticator=view.authenticator,
        admission=view.admission,
        persisted=view.persisted,
        gate=view.gate,
        timeout_seconds=settings.limits.timeout_seconds,
        max_message_bytes=settings.limits.max_body_bytes,
    )
    metrics = Metrics(view.gate)
    scrape = MetricsEndpoint(
        metrics,
        token=settings.metrics_token,
        enabled=settings.metrics_token is not None or not settings.is_production,
    )
    return Starlette(
        routes=[
            Route("/graphql", metrics.timed(view.handle), methods=GRAPHQL_METHODS),
            WebSocketRoute("/graphql", websocket.handle),
            Route("/bulk/{kind}.jsonl", BulkExport(view.engine, view.authenticator).handle),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/metrics", scrape.handle),
        ],
        middleware=middleware,
        lifespan=lifespan,
    )
