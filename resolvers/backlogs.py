"""What is waiting to be done: deliveries of webhooks, and committed changes not yet numbered
into the change feed. Read when metrics are scraped."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from resolvers.models import ChangeEvent, DeliveryStatus, WebhookDelivery
from resolvers.rows import select

PENDING_DELIVERIES = (
    "SELECT COUNT(*) AS pending, "
    "COUNT(CASE WHEN next_attempt_at <= $2 THEN 1 END) AS due, "
    "MIN(next_attempt_at) AS first_due "
    "FROM webhook_deliveries WHERE status = $1"
)
UNNUMBERED_CHANGES = (
    "SELECT COUNT(*) AS waiting, MIN(occurred_at) AS oldest "
    "FROM change_events WHERE position IS NULL"
)


@dataclass(frozen=True)
class Backlogs:
    webhook_deliveries_pending: int
    webhook_deliveries_due: int  # pending and due now
    webhook_oldest_due_seconds: float  # how long the longest-waiting due delivery has waited
    feed_changes_waiting: int  # committed, not yet numbered into the feed
    feed_lag_seconds: float  # the age of the oldest of them


async def backlogs(now: datetime | None = None) -> Backlogs:
    now = now or datetime.now(UTC)
    (deliveries,) = await select(
        WebhookDelivery, PENDING_DELIVERIES, DeliveryStatus.PENDING.value, now
    )
    (changes,) = await select(ChangeEvent, UNNUMBERED_CHANGES)
    return Backlogs(
        webhook_deliveries_pending=deliveries["pending"],
        webhook_deliveries_due=deliveries["due"] or 0,
        webhook_oldest_due_seconds=_seconds_since(deliveries["first_due"], now),
        feed_changes_waiting=changes["waiting"],
        feed_lag_seconds=_seconds_since(changes["oldest"], now),
    )


def _seconds_since(moment: datetime | str | None, now: datetime) -> float:
    if moment is None:
        return 0.0
    if isinstance(moment, str):  # SQLite keeps moments as ISO 8601 text
        moment = datetime.fromisoformat(moment)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (now - moment).total_seconds())
