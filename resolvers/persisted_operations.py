"""Persisted operations: documents a partner registers by their SHA-256 hash, and the users
bound to them (an integration's token that may run nothing else: a safelist).

Operations are the organization's own, like its users: an indirect provider neither sees
nor runs its resellers' registered operations."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from auth.viewer import Viewer
from resolvers.audit import Actor, record_change, snapshot
from resolvers.errors import BadInput, VersionConflict, created_first
from resolvers.models import Partner, PersistedOperation, User
from resolvers.pagination import Page, PageRequest, paginate
from resolvers.rows import Row, Where, rows_by_id
from resolvers.users import USER_FIELDS, directory_owner

MAX_AT_ONCE = 100
NAME_LENGTH = 200
MAX_SUBJECT_LENGTH = 256
FIELDS = ("hash", "name")


def hash_of(document: str) -> str:
    """The hex SHA-256 of a document's text (UTF-8), as Apollo's persisted queries have it."""
    return hashlib.sha256(document.encode()).hexdigest()


@dataclass(frozen=True)
class NewOperation:
    document: str
    name: str | None  # its operation's name, read by the schema layer that validated it


def _owner(viewer: Viewer) -> tuple[int, int | None]:
    """The organization alone (a provider never sees its resellers' operations)."""
    return (viewer.partner_id, viewer.partner_id if viewer.is_reseller else None)


async def register_operations(
    actor: Actor, operations: Sequence[NewOperation]
) -> list[PersistedOperation]:
    """Register documents for the viewer's organization; one already registered is kept as
    it is (the same text has the same hash)."""
    if len(operations) > MAX_AT_ONCE:
        raise BadInput("operations.too_many", field=["documents"], maximum=MAX_AT_ONCE)
    viewer = actor.viewer
    registered = []
    async with in_transaction():
        for operation in operations:
            digest = hash_of(operation.document)
            row = await PersistedOperation.get_or_none(partner_id=viewer.partner_id, hash=digest)
            if row is None:
                try:
                    row = await PersistedOperation.create(
                        partner_id=viewer.partner_id,
                        hash=digest,
                        name=operation.name[:NAME_LENGTH] if operation.name else None,
                        document=operation.document,
                    )
                except IntegrityError:  # registered at the same moment by another request
                    raise VersionConflict("version.conflict", field=["documents"]) from None
                await record_change(
                    actor,
                    action="persisted_operation.registered",
                    row=row,
                    fields=FIELDS,
                    owner=_owner(viewer),
                )
            registered.append(row)
    return registered


async def registered_document(viewer: Viewer, digest: str) -> str | None:
    """The document the viewer's organization registered under this hash, if it did."""
    found = await PersistedOperation.filter(partner_id=viewer.partner_id, hash=digest).first()
    return found.document if found else None


async def list_operations(viewer: Viewer, *, page: PageRequest) -> Page[Row]:
    return await paginate(Where(PersistedOperation).equal(partner_id=viewer.partner_id), page)


async def operations_by_id(viewer: Viewer, ids: list[int]) -> list[Row | None]:
    where = Where(PersistedOperation).equal(partner_id=viewer.partner_id)
    return await rows_by_id(where, ids)


async def set_safelist_only(actor: Actor, *, subject: str, safelist_only: bool) -> User:
    """Bind a token subject of the viewer's organization to its persisted operations, or
    free it. A subject not seen yet gets its directory entry now, so that an integration is
    bound before its first request."""
    viewer = actor.viewer
    subject = subject.strip()  # as pasted: a stray space would bind a subject no token has
    if not subject or len(subject) > MAX_SUBJECT_LENGTH:
        raise BadInput("text.length", field=["subject"], minimum=1, maximum=MAX_SUBJECT_LENGTH)
    async with in_transaction():
        partner = await Partner.get(id=viewer.partner_id)
        user = (
            await User.filter(partner_id=partner.id, sub=subject).select_for_update().get_or_none()
        )
        if user is None:
            # its first request may make its entry at the same moment
            user = await created_first(
                User.create(partner=partner, sub=subject, safelist_only=safelist_only),
                field=["subject"],
            )
            before = None
        elif user.safelist_only == safelist_only:
            return user
        else:
            before = snapshot(user, USER_FIELDS)
            user.safelist_only, user.version = safelist_only, user.version + 1
            user.updated_at = datetime.now(UTC)
            await user.save(update_fields=["safelist_only", "version", "updated_at"])
        await record_change(
            actor,
            action="user.safelist_only_set",
            row=user,
            fields=USER_FIELDS,
            owner=directory_owner(partner),
            before=before,
        )
    return user
