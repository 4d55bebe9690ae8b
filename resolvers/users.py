"""The directory: who may call the API, and the Viewer built for each verified token."""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Iterable
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from auth.permissions import capabilities_of
from auth.viewer import PartnerKind, Role, Viewer
from resolvers.audit import Actor, record_change, snapshot
from resolvers.errors import BadInput, NotFound, Unauthenticated, VersionConflict
from resolvers.models import Partner, User
from resolvers.pagination import Page, PageRequest, paginate, search_term
from resolvers.rate_limits import Charge, Taken
from resolvers.rows import Row, Where, rows_by_id, select

USER_FIELDS = ("sub", "name", "email", "active", "safelist_only")
# Every request looks its caller up: the statement is written out rather than built each time.
# Its caller is charged with it (`chargeable`) unless the user or its partner is inactive
# (refused) or the user is bound to the safelist (its operation is checked first).
DIRECTORY_ENTRY = (
    "SELECT u.id AS user_id, u.sub, u.name, u.email, u.active AS user_active, u.safelist_only, "
    "p.id AS partner_id, p.tenant_id, p.kind, p.provider_id, p.active AS partner_active, "
    "u.active AND p.active AND NOT u.safelist_only AS chargeable "
    "FROM users u JOIN partners p ON p.id = u.partner_id WHERE u.sub = $1 AND p.tenant_id = $2"
)
ENTRY_COLUMNS = 11  # those of the entry itself, before `chargeable` and the charge's
_UserEntry = namedtuple("_UserEntry", "id sub name email active safelist_only")
_PartnerEntry = namedtuple("_PartnerEntry", "id tenant_id kind provider_id active")
NAME_LENGTH = 200
EMAIL_LENGTH = 320


def directory_owner(partner: Partner) -> tuple[int, int | None]:
    """Who may see a user's changes: its own partner only (a provider never sees its
    resellers' users)."""
    is_reseller = partner.kind is PartnerKind.INDIRECT_RESELLER
    return (partner.id, partner.id if is_reseller else None)


def _viewer(
    user: User, partner: Partner, roles: frozenset[Role], name: str | None, email: str | None
) -> Viewer:
    return Viewer(
        user_id=user.id,
        sub=user.sub,
        tenant_id=partner.tenant_id,
        partner_id=partner.id,
        partner_kind=partner.kind,
        root_partner_id=partner.provider_id or partner.id,
        roles=roles,
        capabilities=frozenset(capabilities_of(roles)),
        name=name or user.name,
        email=email or user.email,
        safelist_only=user.safelist_only,
    )


async def authenticate(**identity: Any) -> Viewer:
    """`authenticate_charging`'s viewer, charged nothing: the same keywords but `charge`."""
    viewer, _ = await authenticate_charging(**identity, charge=None)
    return viewer


async def authenticate_charging(
    *,
    sub: str,
    tenant_id: str,
    roles: Iterable[str],
    name: str | None,
    email: str | None,
    request_id: str = "-",
    charge: Charge | None,
) -> tuple[Viewer, Taken | None]:
    """The Viewer for a verified token, or `Unauthenticated` for an unknown tenant or a
    deactivated user. A subject seen for the first time gets its directory entry, recorded
    like any other change.

    `charge` is taken from the caller's buckets with the lookup, in one statement on
    PostgreSQL; what the take came to is None when nothing was taken (no charge, or a caller
    seen for the first time or bound to the safelist: it is charged afterwards)."""
    granted_roles = Role.parse_all(roles)
    tenant = tenant_id.lower()
    if charge is None:
        found = await select(User, DIRECTORY_ENTRY, sub, tenant)
        record, taken = (found[0] if found else None), None
    else:
        record, taken = await charge.with_entry(DIRECTORY_ENTRY, sub, tenant)
    if record is not None:
        entry = tuple(record)[:ENTRY_COLUMNS]
        return _directory_viewer(entry, granted_roles, name, email), taken
    partner = await Partner.get_or_none(tenant_id=tenant)
    if partner is None or not partner.active:  # nobody joins a tenant that left
        raise Unauthenticated("auth.unknown_tenant")
    try:
        async with in_transaction():
            # Names and emails come from the identity provider: keep what fits.
            user = await User.create(
                partner=partner,
                sub=sub,
                name=name[:NAME_LENGTH] if name else None,
                email=email[:EMAIL_LENGTH] if email else None,
            )
            actor = Actor(_viewer(user, partner, granted_roles, name, email), request_id)
            await record_change(
                actor,
                action="user.first_seen",
                row=user,
                fields=USER_FIELDS,
                owner=directory_owner(partner),
            )
    except IntegrityError:  # created concurrently by another request
        user = await User.get(partner=partner, sub=sub)
    return _active_viewer(user, partner, granted_roles, name, email), None


@lru_cache(maxsize=1024)  # the same directory entry and claims make the same viewer
def _directory_viewer(
    record: tuple[Any, ...], roles: frozenset[Role], name: str | None, email: str | None
) -> Viewer:
    user = _UserEntry(*record[:4], active=bool(record[4]), safelist_only=bool(record[5]))
    partner = _PartnerEntry(
        *record[6:8], PartnerKind(record[8]), record[9], active=bool(record[10])
    )
    return _active_viewer(user, partner, roles, name, email)


def _active_viewer(
    user: Any, partner: Any, roles: frozenset[Role], name: str | None, email: str | None
) -> Viewer:
    """The viewer of an active user of an active partner; `Unauthenticated` otherwise."""
    if not partner.active:
        raise Unauthenticated("auth.unknown_tenant")
    if not user.active:
        raise Unauthenticated("auth.user_deactivated")
    return _viewer(user, partner, roles, name, email)


async def list_users(
    viewer: Viewer, *, page: PageRequest, active: bool | None = None, search: str | None = None
) -> Page[Row]:
    where = Where(User).equal(partner_id=viewer.partner_id)
    if active is not None:
        where.equal(active=active)
    if term := search_term(search, "search"):
        where.contains("name", "email", text=term)
    return await paginate(where, page)


async def users_by_id(viewer: Viewer, ids: list[int]) -> list[Row | None]:
    return await rows_by_id(Where(User).equal(partner_id=viewer.partner_id), ids)


async def set_user_active(
    actor: Actor, *, user_id: int, active: bool, expected_version: int | None = None
) -> User:
    """Deactivate or reactivate a directory user of the viewer's own partner."""
    viewer = actor.viewer
    if user_id == viewer.user_id and not active:
        raise BadInput("user.cannot_deactivate_self", field=["id"])
    async with in_transaction():
        user = await User.get_or_none(id=user_id, partner_id=viewer.partner_id).select_related(
            "partner"
        )
        if user is None:
            raise NotFound("user.not_found", field=["id"])
        current = user.version
        if expected_version is not None and current != expected_version:
            raise VersionConflict("version.conflict", field=["expectedVersion"], current=current)
        if user.active == active:
            return user
        before = snapshot(user, USER_FIELDS)
        changed = await User.filter(id=user.id, version=current).update(
            active=active, version=current + 1, updated_at=datetime.now(UTC)
        )
        if changed != 1:  # changed by a concurrent request since it was read
            raise VersionConflict("version.conflict", field=["expectedVersion"])
        user.active, user.version = active, current + 1
        await record_change(
            actor,
            action="user.activated" if active else "user.deactivated",
            row=user,
            fields=USER_FIELDS,
            owner=directory_owner(user.partner),
            before=before,
        )
    return user


async def still_active(viewer: Viewer) -> bool:
    """Whether the viewer's user and partner are still active (a long-lived subscription
    asks again before each event: a deactivated user's access stops at once)."""
    return await User.filter(id=viewer.user_id, active=True, partner__active=True).exists()
