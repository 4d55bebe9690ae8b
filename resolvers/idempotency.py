"""Idempotency keys: a retried create returns its first result, never a second row."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from auth.viewer import Viewer
from resolvers.errors import BadInput, IdempotencyKeyReused
from resolvers.models import IdempotencyKey

MAX_KEY_LENGTH = 255


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
    record = await IdempotencyKey.get_or_none(
        partner_id=viewer.partner_id, operation=operation, key=key
    )
    if record is None:
        return None
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
