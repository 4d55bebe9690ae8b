"""How failures look to clients: `userErrors` of payloads and `errors` of responses.

Business-rule failures keep their code and get a message in the caller's language.
Anything unexpected is masked as `INTERNAL_SERVER_ERROR` with the request id, and logged with
its traceback under that id; validation and permission messages are never masked.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from enum import Enum
from typing import Any, TypeVar

import strawberry
from graphql import GraphQLError

from auth.permissions import Capability
from resolvers.errors import DomainError, InvalidInput, connection_lost
from schema import guards
from schema.messages import translate

logger = logging.getLogger("partnergraph.errors")

T = TypeVar("T")


@strawberry.enum(description="Error codes of the contract; they never change with the language.")
class ErrorCode(Enum):
    UNAUTHENTICATED = "UNAUTHENTICATED"
    FORBIDDEN = "FORBIDDEN"
    NOT_FOUND = "NOT_FOUND"
    BAD_USER_INPUT = "BAD_USER_INPUT"
    VERSION_CONFLICT = "VERSION_CONFLICT"
    IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"
    INVALID_STATE_TRANSITION = "INVALID_STATE_TRANSITION"
    ESCALATION_VEHICLE_NOT_ELIGIBLE = "ESCALATION_VEHICLE_NOT_ELIGIBLE"
    CUSTOMER_NOT_NOTIFIED = "CUSTOMER_NOT_NOTIFIED"
    CANCELLATION_WINDOW_CLOSED = "CANCELLATION_WINDOW_CLOSED"
    QUERY_TOO_COMPLEX = "QUERY_TOO_COMPLEX"
    RATE_LIMITED = "RATE_LIMITED"
    TIMEOUT = "TIMEOUT"
    UNAVAILABLE = "UNAVAILABLE"
    PERSISTED_QUERY_NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"
    INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"


@strawberry.type(description="A problem with a mutation's input or with the rule it broke.")
class UserError:
    field: list[str] | None = guards.field(
        Capability.VIEWER, description="Path to the input field at fault, if one is."
    )
    message: str = guards.field(Capability.VIEWER, description="What went wrong, in your language.")
    code: ErrorCode = guards.field(Capability.VIEWER, description="Stable, machine-readable code.")


def user_errors(error: DomainError | InvalidInput, language: str) -> list[UserError]:
    problems = error.errors if isinstance(error, InvalidInput) else [error]
    return [
        UserError(
            field=problem.field,
            message=translate(problem.key, language, **problem.params),
            code=ErrorCode(problem.code),
        )
        for problem in problems
    ]


async def attempt(work: Awaitable[T], language: str) -> tuple[T | None, list[UserError]]:
    """Run a mutation's business rule; its refusals become `userErrors`, nothing half-done."""
    try:
        return await work, []
    except (DomainError, InvalidInput) as error:
        return None, user_errors(error, language)


async def attempted(
    info: Any, work: Callable[[], Awaitable[T]]
) -> tuple[T | None, list[UserError]]:
    """`attempt` of `work()`, in the caller's language: what `work` raises as it starts (an id
    it decodes) is a userError too."""

    async def run() -> T:
        return await work()

    return await attempt(run(), info.context.language)


class LocalizedError(GraphQLError):
    """A request-level error whose message is chosen per language when it is sent."""

    def __init__(
        self,
        key: str,
        code: str,
        *,
        nodes: Any = None,
        located_like: GraphQLError | None = None,
        **params: Any,
    ) -> None:
        super().__init__(
            translate(key, "en", **params),
            nodes,
            source=located_like.source if located_like else None,
            positions=located_like.positions if located_like else None,
            extensions={"code": code},
        )
        self.key = key
        self.params = params


def format_error(error: GraphQLError, language: str, request_id: str) -> dict[str, Any]:
    """One entry of a response's `errors`, in the caller's language."""
    original = error.original_error
    extensions: dict[str, Any] = dict(error.extensions or {})
    if isinstance(error, LocalizedError):
        message = translate(error.key, language, **error.params)
    elif isinstance(original, DomainError):
        message = translate(original.key, language, **original.params)
        extensions["code"] = original.code
    elif isinstance(original, InvalidInput):
        first = original.errors[0]
        message = translate(first.key, language, **first.params)
        extensions["code"] = first.code
    elif error.path is None:
        # The request itself is at fault: validation, or a value its variables refused.
        # GraphQL's own wording is kept (it names the field), introduced in the caller's language.
        message = translate("graphql.invalid", language, detail=error.message)
        extensions.setdefault("code", "BAD_USER_INPUT")
    elif original is None:
        # graphql-core's own complaint about our answer (a null where the schema promised a
        # value): our fault, said plainly since it reveals nothing but the schema.
        logger.error(
            "invalid answer at %s: %s", error.path, error.message, extra={"request_id": request_id}
        )
        message = error.message
        extensions = {"code": "INTERNAL_SERVER_ERROR", "requestId": request_id}
    elif isinstance(original, GraphQLError):
        message = error.message
        extensions.setdefault("code", "BAD_USER_INPUT")
    elif connection_lost(original):
        logger.warning(
            "the database went away at %s: %s",
            error.path,
            original,
            extra={"request_id": request_id},
        )
        message = translate("database.unavailable", language)
        extensions = {"code": "UNAVAILABLE", "requestId": request_id}
    else:
        logger.error(
            "unexpected error at %s",
            error.path,
            exc_info=(type(original), original, original.__traceback__),
            extra={"request_id": request_id},
        )
        message = translate("internal.error", language, request_id=request_id)
        extensions = {"code": "INTERNAL_SERVER_ERROR", "requestId": request_id}
    formatted: dict[str, Any] = {"message": message}
    if error.locations:
        formatted["locations"] = [
            {"line": loc.line, "column": loc.column} for loc in error.locations
        ]
    if error.path is not None:
        formatted["path"] = list(error.path)
    formatted["extensions"] = extensions
    return formatted
