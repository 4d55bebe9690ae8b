"""Webhook endpoints and their delivery logs, as partners manage them.

An endpoint belongs to the organization that registered it (a direct partner, an indirect
provider, or an indirect reseller) and carries only the events its creator could read in
the change feed: its creator's roles are kept with it. So that nobody reaches events beyond
their own through an endpoint — by pointing someone else's at their own server, or reading
its secret — a user sees and manages only the endpoints whose events they could read
themselves; the others are NOT_FOUND to them.
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.expressions import F
from tortoise.transactions import in_transaction

from auth.permissions import capabilities_of
from auth.viewer import PartnerKind, Role, Viewer
from resolvers import idempotency
from resolvers.audit import (
    EVENT_NAMES,
    Actor,
    Operation,
    record_change,
    snapshot,
    system_actor,
)
from resolvers.changes import feed_cursor, readable
from resolvers.errors import (
    BadInput,
    InvalidInput,
    InvalidStateTransition,
    NotFound,
    VersionConflict,
)
from resolvers.models import (
    AuditEvent,
    DeliveryStatus,
    DisabledReason,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from resolvers.pagination import DEFAULT_PAGE_SIZE, Page, PageRequest, paginate
from resolvers.rows import Row, Where, select
from resolvers.tenancy import owner_of_new_row
from resolvers.webhook_targets import TargetPolicy

MAX_ENDPOINTS = 20  # per organization
MAX_EVENTS = 100
ATTEMPTS_SHOWN = 50  # of a delivery, the latest
RETRY_WINDOW = timedelta(hours=24)  # a delivery is retried for this long
PREVIOUS_SECRET_KEPT = timedelta(hours=24)  # after a rotation, the old secret signs too
ENDPOINT_AUDITED = ("url", "events", "enabled", "disabled_reason", "version")  # no secret
LOCK_ORGANIZATION = "SELECT id FROM partners WHERE id = $1 FOR UPDATE"


def now() -> datetime:
    return datetime.now(UTC)


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def endpoint_viewer(endpoint: Any) -> Viewer:
    """The endpoint as a reader of the change feed: its owner, with its creator's roles."""
    roles = Role.parse_all(endpoint.roles)
    reseller = endpoint.reseller_id is not None
    return Viewer(
        user_id=0,
        sub=f"webhook-endpoint-{endpoint.id}",
        tenant_id="",
        partner_id=endpoint.reseller_id if reseller else endpoint.partner_id,
        partner_kind=PartnerKind.INDIRECT_RESELLER if reseller else PartnerKind.DIRECT_BILL,
        root_partner_id=endpoint.partner_id,
        roles=roles,
        capabilities=capabilities_of(roles),
    )


def _covers(viewer: Viewer, endpoint: Any) -> bool:
    """Whether the viewer reads every event the endpoint carries."""
    types, categories = readable(viewer)
    carried_types, carried_categories = readable(endpoint_viewer(endpoint))
    if not carried_types <= types:
        return False
    return categories is None or (
        carried_categories is not None and carried_categories <= categories
    )


def _owner(viewer: Viewer) -> dict[str, Any]:
    return owner_of_new_row(viewer, None)


async def endpoints_of(viewer: Viewer) -> list[WebhookEndpoint]:
    """The viewer's organization's endpoints that the viewer may manage, oldest first."""
    found = await WebhookEndpoint.filter(**_owner(viewer)).order_by("id")
    return [endpoint for endpoint in found if _covers(viewer, endpoint)]


async def endpoints_hidden_from(viewer: Viewer) -> list[int]:
    """The ids of the viewer's organization's endpoints, deleted ones too, that the viewer
    may not manage. From their creation records: an endpoint's roles are its creator's,
    which the record keeps, and never change."""
    owner = _owner(viewer)
    created = await AuditEvent.filter(
        entity_type="WebhookEndpoint", action="webhook_endpoint.created", **owner
    ).values_list("entity_id", "actor_roles")
    return sorted(
        endpoint_id
        for endpoint_id, roles in created
        if not _covers(viewer, WebhookEndpoint(id=endpoint_id, roles=roles, **owner))
    )


async def list_endpoints(viewer: Viewer, *, page: PageRequest) -> Page[WebhookEndpoint]:
    """A page of `endpoints_of` (at most `MAX_ENDPOINTS` of them: paged in memory)."""
    request = page.validated()
    every = await endpoints_of(viewer)
    rows = [
        row
        for row in every
        if (request.after is None or row.id > request.after)
        and (request.before is None or row.id < request.before)
    ]

    async def count() -> int:  # the whole list's, whatever the cursors
        return len(every)

    if request.last is not None:
        shown = rows[-request.last :]
        return Page(shown, request.before is not None, len(rows) > len(shown), count)
    size = request.first or DEFAULT_PAGE_SIZE
    return Page(rows[:size], len(rows) > size, request.after is not None, count)


async def endpoints_by_id(viewer: Viewer, ids: Sequence[int]) -> list[WebhookEndpoint | None]:
    """A DataLoader's batch: the endpoints the viewer may manage, None for the others."""
    mine = {row.id: row for row in await endpoints_of(viewer)}
    return [mine.get(key) for key in ids]


async def _endpoint(viewer: Viewer, endpoint_id: int, at: str = "id") -> WebhookEndpoint:
    [row] = await endpoints_by_id(viewer, [endpoint_id])
    if row is None:
        raise NotFound("webhook.not_found", field=[at])
    return row


def _events(names: Sequence[str]) -> list[str]:
    if len(names) > MAX_EVENTS:
        raise BadInput("webhook.events_count", field=["events"], maximum=MAX_EVENTS)
    unknown = sorted({name for name in names if name not in EVENT_NAMES})
    if unknown:
        shown = ", ".join(name[:64] for name in unknown[:10])
        raise BadInput("webhook.events_unknown", field=["events"], names=shown)
    return sorted(set(names))


def _organization_owner(row: WebhookEndpoint | WebhookDelivery) -> tuple[int, int | None]:
    """Who may see the records and change events of an endpoint or a delivery: the
    organization that owns the endpoint alone (an indirect provider never sees its resellers'
    endpoints, as it never sees their users)."""
    return (row.reseller_id or row.partner_id, row.reseller_id)


async def _changed(
    actor: Actor,
    row: WebhookEndpoint,
    action: str,
    before: dict[str, Any] | None = None,
    operation: Operation | None = None,
) -> None:
    await record_change(
        actor,
        action=action,
        row=row,
        fields=ENDPOINT_AUDITED,
        owner=_organization_owner(row),
        before=before,
        operation=operation,
    )


async def create_endpoint(
    actor: Actor,
    *,
    url: str,
    events: Sequence[str],
    targets: TargetPolicy,
    idempotency_key: str | None = None,
) -> WebhookEndpoint:
    """Register an endpoint; it receives the events recorded from now on."""
    viewer = actor.viewer
    problems = []
    try:
        wanted = _events(events)
    except BadInput as problem:
        problems.append(problem)
    try:
        target = await targets.checked(url)
    except BadInput as problem:
        problems.append(problem)
    if problems:
        raise InvalidInput(problems)
    owner = _owner(viewer)
    start = await feed_cursor()
    values = {"url": target.url, "events": wanted}

    async def insert() -> WebhookEndpoint:
        if WebhookEndpoint._meta.db.capabilities.dialect == "postgres":
            # one creation at a time per organization, so that none goes past the limit
            await select(WebhookEndpoint, LOCK_ORGANIZATION, owner["partner_id"])
        if await WebhookEndpoint.filter(**owner).count() >= MAX_ENDPOINTS:
            raise BadInput("webhook.too_many", maximum=MAX_ENDPOINTS)
        row = await WebhookEndpoint.create(
            **owner,
            **values,
            roles=sorted(viewer.roles),
            secret=new_secret(),
            position=start,
        )
        await _changed(actor, row, "webhook_endpoint.created")
        return row

    return await idempotency.create_once(
        viewer,
        operation="createWebhookEndpoint",
        key=idempotency_key,
        payload=values,
        create=insert,
        load=idempotency.visible(endpoints_by_id, viewer, NotFound("webhook.not_found")),
    )


async def _save(
    actor: Actor,
    row: WebhookEndpoint,
    action: str,
    values: dict[str, Any],
    expected_version: int | None,
) -> WebhookEndpoint:
    """Apply `values` to the endpoint as its next version, audited."""
    if expected_version is not None and expected_version != row.version:
        raise VersionConflict("version.conflict", field=["expectedVersion"], current=row.version)
    before = snapshot(row, ENDPOINT_AUDITED)
    values = {**values, "version": row.version + 1, "updated_at": now()}
    if await WebhookEndpoint.filter(id=row.id, version=row.version).update(**values) != 1:
        raise VersionConflict("version.conflict", field=["expectedVersion"])
    row.update_from_dict(values)
    await _changed(actor, row, action, before)
    return row


async def disable_failing(row: WebhookEndpoint) -> None:
    """Disable an endpoint whose attempts have all failed for a day: partnergraph's own act,
    audited as such (in the caller's transaction)."""
    values = {"enabled": False, "disabled_reason": DisabledReason.FAILING}
    # changed by its partner meanwhile (nothing written): the next failure decides again
    with contextlib.suppress(VersionConflict):
        await _save(system_actor("webhooks"), row, "webhook_endpoint.disabled", values, None)


async def update_endpoint(
    actor: Actor,
    *,
    endpoint_id: int,
    targets: TargetPolicy,
    expected_version: int | None = None,
    url: str | None = None,
    events: Sequence[str] | None = None,
    enabled: bool | None = None,
) -> WebhookEndpoint:
    """Change an endpoint's URL, events, or whether it is enabled. Enabling one that was
    disabled sends what waited for it at once, each with a new day of retries."""
    row = await _endpoint(actor.viewer, endpoint_id)
    values: dict[str, Any] = {}
    if url is not None:
        values["url"] = (await targets.checked(url)).url
    if events is not None:
        values["events"] = _events(events)
    moment = now()
    if enabled is True and not row.enabled:
        values.update(enabled=True, disabled_reason=None, failing_since=None)
    elif enabled is False and row.enabled:
        values.update(enabled=False, disabled_reason=DisabledReason.BY_PARTNER)
    async with in_transaction():
        saved = await _save(actor, row, "webhook_endpoint.updated", values, expected_version)
        if values.get("enabled") is True:
            # what waited goes out now, with its back-off and its day of retries anew
            await WebhookDelivery.filter(endpoint_id=row.id, status=DeliveryStatus.PENDING).update(
                attempts=0,
                next_attempt_at=moment,
                expires_at=moment + RETRY_WINDOW,
                version=F("version") + 1,
            )
    return saved


async def rotate_secret(
    actor: Actor, *, endpoint_id: int, expected_version: int | None = None
) -> WebhookEndpoint:
    """A new secret; for a day deliveries are signed with the previous one as well."""
    row = await _endpoint(actor.viewer, endpoint_id)
    values = {
        "secret": new_secret(),
        "previous_secret": row.secret,
        "previous_secret_until": now() + PREVIOUS_SECRET_KEPT,
    }
    async with in_transaction():
        return await _save(actor, row, "webhook_endpoint.secret_rotated", values, expected_version)


async def delete_endpoint(
    actor: Actor, *, endpoint_id: int, expected_version: int | None = None
) -> int:
    """Delete the endpoint with its deliveries and their attempts; its id is returned."""
    row = await _endpoint(actor.viewer, endpoint_id)
    if expected_version is not None and expected_version != row.version:
        raise VersionConflict("version.conflict", field=["expectedVersion"], current=row.version)
    async with in_transaction():
        if await WebhookEndpoint.filter(id=row.id, version=row.version).delete() != 1:
            raise VersionConflict("version.conflict", field=["expectedVersion"])
        deliveries = WebhookDelivery.filter(endpoint_id=row.id)
        sent = list(await deliveries.values_list("id", flat=True))
        for start in range(0, len(sent), 1_000):
            await WebhookAttempt.filter(delivery_id__in=sent[start : start + 1_000]).delete()
        await deliveries.delete()
        before = snapshot(row, ENDPOINT_AUDITED)
        row.version += 1  # the deletion is the endpoint's last version
        await _changed(actor, row, "webhook_endpoint.deleted", before, Operation.DELETED)
    return row.id


# -- the delivery log ----------------------------------------------------------------------------


async def _visible_endpoint_ids(viewer: Viewer) -> list[int]:
    return [row.id for row in await endpoints_of(viewer)]


async def list_deliveries(
    viewer: Viewer,
    *,
    endpoint_id: int,
    page: PageRequest,
    status: DeliveryStatus | None = None,
    event: str | None = None,
) -> Page[Row]:
    """An endpoint's deliveries, oldest first."""
    await _endpoint(viewer, endpoint_id, "endpointId")
    where = Where(WebhookDelivery).equal(endpoint_id=endpoint_id)
    if status is not None:
        where.equal(status=status)
    if event is not None:
        where.equal(event=event)
    return await paginate(where, page)


async def deliveries_by_id(viewer: Viewer, ids: Sequence[int]) -> list[WebhookDelivery | None]:
    """A DataLoader's batch: deliveries to the endpoints the viewer may manage."""
    endpoints = await _visible_endpoint_ids(viewer)
    found = await WebhookDelivery.filter(id__in=list(ids), endpoint_id__in=endpoints)
    by_id = {row.id: row for row in found}
    return [by_id.get(key) for key in ids]


async def delivery_attempts(
    viewer: Viewer, delivery_ids: Sequence[int]
) -> list[list[WebhookAttempt]]:
    """A DataLoader's batch: each visible delivery's attempts, the latest `ATTEMPTS_SHOWN`,
    oldest first."""
    visible = [row.id for row in await deliveries_by_id(viewer, delivery_ids) if row]
    grouped: dict[int, list[WebhookAttempt]] = {key: [] for key in delivery_ids}
    for attempt in await WebhookAttempt.filter(delivery_id__in=visible).order_by("id"):
        grouped[attempt.delivery_id].append(attempt)
    return [grouped[key][-ATTEMPTS_SHOWN:] for key in delivery_ids]


async def redeliver(
    actor: Actor, *, delivery_id: int, expected_version: int | None = None
) -> WebhookDelivery:
    """Send a delivery again, now, with a new day of retries (whatever became of it)."""
    [row] = await deliveries_by_id(actor.viewer, [delivery_id])
    if row is None:
        raise NotFound("webhook.delivery_not_found", field=["deliveryId"])
    if expected_version is not None and expected_version != row.version:
        raise VersionConflict("version.conflict", field=["expectedVersion"], current=row.version)
    endpoint = await _endpoint(actor.viewer, row.endpoint_id, "deliveryId")
    if not endpoint.enabled:
        raise InvalidStateTransition("webhook.endpoint_disabled", field=["deliveryId"])
    moment = now()
    values = {
        "status": DeliveryStatus.PENDING,
        "attempts": 0,  # the back-off starts again
        "next_attempt_at": moment,
        "expires_at": moment + RETRY_WINDOW,
        "version": row.version + 1,
    }
    async with in_transaction():
        before = snapshot(row, ("status", "attempts", "version"))
        if await WebhookDelivery.filter(id=row.id, version=row.version).update(**values) != 1:
            raise VersionConflict("version.conflict", field=["deliveryId"])
        row.update_from_dict(values)
        await record_change(
            actor,
            action="webhook_delivery.redelivered",
            row=row,
            fields=("status", "attempts", "version"),
            owner=_organization_owner(row),
            before=before,
        )
    return row
