"""Business-rule failures as plain exceptions: a code of the contract, a message key, a field.

The schema layer turns them into `userErrors` of a payload or into errors at a path, with
the message in the caller's language; resolvers never format messages themselves.
"""

from __future__ import annotations

from collections.abc import Awaitable, Sequence
from typing import Any, ClassVar, TypeVar

from asyncpg.exceptions import (
    AdminShutdownError,
    CannotConnectNowError,
    CrashShutdownError,
    InterfaceError,
    InternalClientError,
    PostgresConnectionError,
)
from tortoise.exceptions import IntegrityError

T = TypeVar("T")

# The database went away (killed connection, restart, network): the statement's transaction
# is rolled back by the server, so the request can be retried as it was.
CONNECTION_LOST = (
    ConnectionError,  # refused, reset
    PostgresConnectionError,  # closed in the middle of an operation, and the other class 08
    AdminShutdownError,  # terminated, or the server shutting down
    CrashShutdownError,
    CannotConnectNowError,  # starting up
)
# The client's view of a connection closed under it; these classes also report misuse (a
# wrong parameter type, two operations at once on one connection), which is not to be retried.
CLOSED_UNDER_IT = (InterfaceError, InternalClientError)
CLOSED_MESSAGES = ("connection is closed", "connection was closed", "cannot switch to state")


class DomainError(Exception):
    code: ClassVar[str] = "BAD_USER_INPUT"

    def __init__(self, key: str, *, field: Sequence[str] | None = None, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.field = list(field) if field is not None else None
        self.params = params


class BadInput(DomainError):
    code = "BAD_USER_INPUT"


class NotFound(DomainError):
    code = "NOT_FOUND"


class Forbidden(DomainError):
    code = "FORBIDDEN"


class VersionConflict(DomainError):
    code = "VERSION_CONFLICT"


async def created_first(create: Awaitable[T], *, field: Sequence[str]) -> T:
    """A row there is one of (a partner's setting, a subject's directory entry), created:
    when a concurrent request created it first, the unique key refuses this one, and the
    caller is told to read it and try again (`VERSION_CONFLICT`), rather than a failure."""
    try:
        return await create
    except IntegrityError:
        raise VersionConflict("version.conflict", field=field) from None


class IdempotencyKeyReused(DomainError):
    code = "IDEMPOTENCY_KEY_REUSED"


class Unauthenticated(DomainError):
    code = "UNAUTHENTICATED"


class InvalidInput(Exception):
    """Several input problems at once, reported together as `userErrors`."""

    def __init__(self, errors: Sequence[DomainError]) -> None:
        super().__init__(", ".join(error.key for error in errors))
        self.errors = list(errors)


class InvalidStateTransition(DomainError):
    code = "INVALID_STATE_TRANSITION"


class CancellationWindowClosed(DomainError):
    code = "CANCELLATION_WINDOW_CLOSED"


class CustomerNotNotified(DomainError):
    code = "CUSTOMER_NOT_NOTIFIED"


class VehicleNotEligible(DomainError):
    code = "ESCALATION_VEHICLE_NOT_ELIGIBLE"


def connection_lost(error: BaseException | None) -> bool:
    """Whether `error`, or an error it was raised from, is the database going away."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, CONNECTION_LOST):
            return True
        if isinstance(error, CLOSED_UNDER_IT) and any(
            message in str(error) for message in CLOSED_MESSAGES
        ):
            return True
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return False
