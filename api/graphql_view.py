"""GraphQL over HTTP on `/graphql`: POST with JSON, GraphiQL on GET when enabled.

Status codes follow the GraphQL-over-HTTP draft: with `application/graphql-response+json` a
request that never reached execution (bad JSON, syntax, validation, variables) is a 400;
with plain `application/json` it is a 200 with `errors`. Every refusal carries a code and a
message in the caller's language, and nothing here ever answers with a stack trace.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from strawberry.http.ides import get_graphql_ide_html

from api.admission import Admission, Throttled
from api.authentication import Authenticator
from api.gate import Gate
from api.logs import REQUEST_ID
from api.persisted import PersistedQueries
from auth.viewer import Viewer
from resolvers.errors import Unauthenticated
from resolvers.rate_limits import Charge, Taken
from resolvers.webhook_targets import TargetPolicy
from schema.context import Context
from schema.errors import LocalizedError, format_error
from schema.execution import Engine, GraphQLRequest, Outcome, RequestError
from schema.messages import negotiate, translate

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"


class BodyTooLarge(Exception):
    pass


@dataclass
class GraphQLView:
    engine: Engine
    authenticator: Authenticator
    admission: Admission
    persisted: PersistedQueries
    gate: Gate
    max_body_bytes: int
    timeout_seconds: float
    graphiql: bool
    introspection: bool
    webhook_targets: TargetPolicy = field(default_factory=TargetPolicy)

    async def handle(self, request: Request) -> Response:
        language = negotiate(request.headers.get("accept-language"))
        if (
            request.method == "GET"
            and self.graphiql
            and "text/html" in request.headers.get("accept", "")
        ):
            return HTMLResponse(get_graphql_ide_html("graphiql"))
        media_type = _response_media_type(request.headers.get("accept"))
        if media_type is None:
            return refusal(406, "request.not_acceptable", "BAD_USER_INPUT", language, JSON)
        if request.method != "POST":
            return refusal(
                405, "request.method", "BAD_USER_INPUT", language, media_type, {"Allow": "POST"}
            )
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type not in {JSON, GRAPHQL_RESPONSE}:
            return refusal(415, "request.content_type", "BAD_USER_INPUT", language, media_type)
        try:
            body = await _read_body(request, self.max_body_bytes)
        except BodyTooLarge:
            return refusal(
                413,
                "request.body_too_large",
                "BAD_USER_INPUT",
                language,
                media_type,
                maximum=self.max_body_bytes,
            )
        try:
            payload = orjson.loads(body)
        except orjson.JSONDecodeError:
            return refusal(400, "request.invalid_json", "BAD_USER_INPUT", language, media_type)
        if isinstance(payload, list):
            return refusal(400, "request.batching", "BAD_USER_INPUT", language, media_type)
        asked = graphql_request(payload)
        if asked is None:
            return refusal(400, "request.not_graphql", "BAD_USER_INPUT", language, media_type)
        async with self.gate.turn():
            return await self._run(request, asked, language, media_type)

    async def _run(
        self, request: Request, graphql_request: GraphQLRequest, language: str, media_type: str
    ) -> Response:
        authorization = request.headers.get("authorization")
        viewer: Viewer | None = None
        taken: Taken | None = None
        if authorization is not None:
            try:
                # the request is worked out only for a token that holds
                claims = await self.authenticator.claims_of(authorization)
                viewer, taken = await self.authenticator.viewer_charged(
                    claims, self._charge_ahead(graphql_request)
                )
            except Unauthenticated as error:
                return _unauthenticated(error.key, language, media_type, token_sent=True)
        context = Context(
            viewer=viewer,
            request_id=REQUEST_ID.get(),
            language=language,
            webhook_targets=self.webhook_targets,
        )
        try:
            graphql_request = await self.persisted.resolve(viewer, graphql_request)
            prepared = self.engine.prepare(graphql_request)
        except RequestError as error:
            if viewer is None:
                return _unauthenticated(
                    "auth.missing_token", language, media_type, token_sent=False
                )
            return _respond(self.engine.format_request_error(error, context), media_type)
        self.persisted.remember(viewer, graphql_request)
        if viewer is None and not (self.introspection and prepared.is_introspection):
            return _unauthenticated("auth.missing_token", language, media_type, token_sent=False)
        name = prepared.operation.name  # a metric's label: only once the caller is let in
        request.state.operation = name.value if name else None
        if prepared.is_subscription:
            refusal = RequestError(
                [LocalizedError("graphql.subscription_over_http", "BAD_USER_INPUT")]
            )
            return _respond(self.engine.format_request_error(refusal, context), media_type)
        try:
            cost = await self.admission.admit(viewer, graphql_request, prepared, taken)
        except RequestError as error:
            return _respond(self.engine.format_request_error(error, context), media_type)
        except Throttled as throttled:
            body = {
                "errors": [format_error(throttled.error, language, context.request_id)],
                "extensions": {"cost": throttled.cost},
            }
            headers = {"Retry-After": str(throttled.retry_after)}
            return _json(body, 429, media_type, headers)
        try:
            # cancelling the operation cancels the statement it waits on (asyncpg asks the
            # server to stop it) and rolls back the transaction it was in
            async with asyncio.timeout(self.timeout_seconds):
                outcome = await self.engine.execute(prepared, graphql_request, context)
        except TimeoutError:
            error = LocalizedError("limits.timeout", "TIMEOUT", seconds=self.timeout_seconds)
            body = {
                "errors": [format_error(error, language, context.request_id)],
                "extensions": {"cost": cost},
            }
            # 504, not 408: clients resend a 408 by themselves, and a mutation may have
            # committed before its answer was complete
            return _json(body, 504, media_type)
        outcome.body["extensions"] = {"cost": cost}
        return _respond(outcome, media_type)

    def _charge_ahead(self, graphql_request: GraphQLRequest) -> Charge | None:
        """The charge of a request that reaches admission as it is: a whole document, not a
        persisted one, that prepares, costs no more than the maximum and is no subscription.
        It is taken with the caller's lookup, one round trip for both; anything else is
        charged at admission, after the checks that may refuse it."""
        if graphql_request.persisted is not None:
            return None
        try:
            prepared = self.engine.prepare(graphql_request)
        except RequestError:
            return None
        if prepared.is_subscription:
            return None
        return self.admission.charge(graphql_request, prepared)


def graphql_request(payload: Any) -> GraphQLRequest | None:
    if not isinstance(payload, dict):
        return None
    query, variables, name = (
        payload.get("query"),
        payload.get("variables"),
        payload.get("operationName"),
    )
    extensions = payload.get("extensions")
    if extensions is not None and not isinstance(extensions, dict):
        return None
    persisted = (extensions or {}).get("persistedQuery")
    if persisted is None and (not isinstance(query, str) or not query.strip()):
        return None
    if query is not None and not isinstance(query, str):
        return None
    if variables is not None and not isinstance(variables, dict):
        return None
    if name is not None and not isinstance(name, str):
        return None
    return GraphQLRequest(
        query=query or "", variables=variables, operation_name=name or None, persisted=persisted
    )


def _response_media_type(accept: str | None) -> str | None:
    """`application/graphql-response+json` when the client accepts it, else legacy JSON."""
    if not accept:
        return JSON
    offered = []
    for item in accept.split(","):
        media_type, *parameters = (part.strip().lower() for part in item.split(";"))
        if not any(_refused(parameter) for parameter in parameters):
            offered.append(media_type)
    if GRAPHQL_RESPONSE in offered:
        return GRAPHQL_RESPONSE
    if any(item in {JSON, "application/*", "*/*"} for item in offered):
        return JSON
    return None


def _refused(parameter: str) -> bool:
    """`q=0` means "not this one" (RFC 9110 §12.4.2)."""
    name, _, value = parameter.partition("=")
    if name.strip() != "q":
        return False
    try:
        return float(value) == 0
    except ValueError:
        return True


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def _respond(outcome: Outcome, media_type: str) -> Response:
    if _unavailable(outcome.body):
        return _json(outcome.body, 503, media_type, {"Retry-After": "1"})
    status = 200 if outcome.executed or media_type == JSON else 400
    return _json(outcome.body, status, media_type)


def _unavailable(body: dict[str, Any]) -> bool:
    """Nothing answered because the database went away: the whole request is to be retried."""
    errors = body.get("errors")
    if not errors or all(error["extensions"].get("code") != "UNAVAILABLE" for error in errors):
        return False
    data = body.get("data")
    return data is None or all(value is None for value in data.values())


class GraphQLResponse(Response):
    """A GraphQL answer in JSON that keeps the codes of its errors, counted by the metrics
    without reading the body back."""

    def __init__(
        self,
        body: dict[str, Any],
        status: int,
        media_type: str,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(orjson.dumps(body), status, headers, media_type)
        self.error_codes = [
            code
            for error in body.get("errors") or ()
            if isinstance(code := (error.get("extensions") or {}).get("code"), str)
        ]


def _json(
    body: dict[str, Any], status: int, media_type: str, headers: dict[str, str] | None = None
) -> Response:
    return GraphQLResponse(body, status, media_type, headers)


def refusal(
    status: int,
    key: str,
    code: str,
    language: str,
    media_type: str,
    headers: dict[str, str] | None = None,
    **params: Any,
) -> Response:
    body = {
        "errors": [{"message": translate(key, language, **params), "extensions": {"code": code}}]
    }
    return _json(body, status, media_type, headers)


def _unauthenticated(key: str, language: str, media_type: str, *, token_sent: bool) -> Response:
    challenge = 'Bearer error="invalid_token"' if token_sent else "Bearer"
    return refusal(
        401, key, "UNAUTHENTICATED", language, media_type, {"WWW-Authenticate": challenge}
    )
