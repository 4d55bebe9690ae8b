"""Idempotency keys: a retried create returns its first result, never a second row."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from auth.viewer import Viewer
from resolvers.errors import BadInput, DomainError, IdempotencyKeyReused
from resolvers.models import IdempotencyKey
from resolvers.rows import Where, select_rows

Row = TypeVar("Row")

MAX_KEY_LENGTH = 255


def visible(
    batch: Callable[[Viewer, list[int]], Awaitable[list[Any]]], viewer: Viewer, missing: DomainError
) -> Callable[[int], Awaitable[Any]]:
    """A replay's load through the viewer's own scope: a key another user of the partner
    used answers only with what this viewer may see (else `missing`)."""

    async def load(pk: int) -> Any:
        [row] = await batch(viewer, [pk])
        if row is None:
            raise missing
        return row

    return load


def fingerprint(payload: dict[str, Any]) -> str:
    encoded = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(encoded.encode()).hexdigest()


async def replayed_entity(
    viewer: Viewer, *, operation: str, key: str | None, payload: dict[str, Any]
) -> int | None:
    """The entity a previous call with this key created, or None for a first call.

    The same key with a different payload is refused: it is a client bug, not a retry.
    """
    if key is None:
        return None
    if not key.strip() or len(key) > MAX_KEY_LENGTH:
        raise BadInput("idempotency.key_length", field=["idempotencyKey"], maximum=MAX_KEY_LENGTH)
    where = Where(IdempotencyKey).equal(partner_id=viewer.partner_id, operation=operation, key=key)
    records = await select_rows(where, limit=1)
    if not records:
        return None
    [record] = records
    if record.fingerprint != fingerprint(payload):
        raise IdempotencyKeyReused("idempotency.key_reused", field=["idempotencyKey"])
    return record.entity_id


async def remember(
    viewer: Viewer, *, operation: str, key: str | None, payload: dict[str, Any], entity_id: int
) -> None:
    """Store the key with the created entity, in the transaction that created it."""
    if key is not None:
        await IdempotencyKey.create(
            partner_id=viewer.partner_id,
            operation=operation,
            key=key,
            fingerprint=fingerprint(payload),
            entity_id=entity_id,
        )


async def create_once(
    viewer: Viewer,
    *,
    operation: str,
    key: str | None,
    payload: dict[str, Any],
    create: Callable[[], Awaitable[Row]],
    load: Callable[[int], Awaitable[Row]],
    recheck: Callable[[], Awaitable[None]] | None = None,
) -> Row:
    """Run `create` (the row, its audit record and change event) in one transaction, at most
    once per idempotency key.

    When a unique constraint fails, a concurrent call may have committed first: a retry with
    the same key gets that call's row; otherwise `recheck` raises the business rule the
    constraint protects (an external id taken, a tenant onboarded), and anything else is a
    genuine fault.
    """
    replay = {"operation": operation, "key": key, "payload": payload}
    try:
        async with in_transaction():
            if (existing := await replayed_entity(viewer, **replay)) is not None:
                return await load(existing)
            row = await create()
            await remember(viewer, **replay, entity_id=row.id)  # type: ignore[attr-defined]
            return row
    except IntegrityError:
        if (existing := await replayed_entity(viewer, **replay)) is not None:
            return await load(existing)
        if recheck is not None:
            await recheck()
        raise
    except DomainError:
        # `create` refused because of a row a concurrent retry just committed?
        if (existing := await replayed_entity(viewer, **replay)) is not None:
            return await load(existing)
        raise
