"""Leaky buckets of cost points: each caller and each partner has one, refilled at a steady
rate up to its maximum. A request takes its cost from every bucket it counts against, or
from none: when one holds too little, it is refused and told how long to wait.

On PostgreSQL the buckets are rows, taken from in one statement (the function of migration
0010), so API processes sharing the database share the limits. SQLite is served by one
process, and keeps its buckets in memory.

A caller's buckets are its directory user's and its partner's. A request whose cost is known
before its caller is looked up is charged with the lookup: on PostgreSQL, in the same
statement.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, Protocol

from resolvers.models import RateBucket
from resolvers.rows import select

TAKE_POINTS = "SELECT allowed, levels, wait FROM partnergraph_take_points($1, $2, $3, $4)"
CALLER, PARTNER = "caller:", "partner:"  # a bucket's key: one of these and the directory id
MAX_REMEMBERED = 10_000  # in-memory buckets; full ones are forgotten past this many


@dataclass(frozen=True, slots=True)
class Bucket:
    key: str
    maximum: float
    restore_rate: float  # points a second


@dataclass(frozen=True, slots=True)
class Taken:
    allowed: bool
    bucket: Bucket  # the one left with the fewest points (or lacking the most, when refused)
    remaining: float  # points left in it
    retry_after: float  # seconds until every bucket holds the cost again; 0 when allowed


class Buckets(Protocol):
    async def take(self, buckets: Sequence[Bucket], cost: float) -> Taken: ...

    async def take_with_entry(
        self, entry: str, params: Sequence[Any], charge: Charge
    ) -> tuple[Any | None, Taken | None]:
        """The record of the directory entry that `entry` selects, and what taking `charge`
        from its buckets came to; None when there is no entry or it isn't chargeable. The
        record has the columns `user_id`, `partner_id` and `chargeable` among its own."""
        ...


@dataclass(frozen=True, slots=True)
class Charge:
    """`cost` points, to take from a directory user's bucket and from its partner's."""

    store: Buckets
    cost: int
    caller: tuple[float, float]  # the bucket's maximum and restore rate
    partner: tuple[float, float]

    def buckets(self, user_id: int, partner_id: int) -> tuple[Bucket, Bucket]:
        """Sorted by key, as takes lock them."""
        return (
            Bucket(f"{CALLER}{user_id}", *self.caller),
            Bucket(f"{PARTNER}{partner_id}", *self.partner),
        )

    async def with_entry(self, entry: str, *params: Any) -> tuple[Any | None, Taken | None]:
        return await self.store.take_with_entry(entry, params, self)


def _taken(buckets: Sequence[Bucket], levels: Sequence[float], cost: float, allowed: bool) -> Taken:
    """What taking `cost` from buckets holding `levels` (before the take) came to."""
    pairs = list(zip(buckets, levels, strict=True))
    if allowed:
        bucket, level = min(pairs, key=lambda pair: pair[1] - cost)
        return Taken(True, bucket, max(0.0, level - cost), 0.0)
    bucket, level = max(pairs, key=lambda pair: (cost - pair[1]) / pair[0].restore_rate)
    return Taken(False, bucket, max(0.0, level), (cost - level) / bucket.restore_rate)


class MemoryBuckets:
    """One process's buckets."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.levels: dict[str, tuple[float, float, float]] = {}  # key -> (level, at, full at)

    async def take(self, buckets: Sequence[Bucket], cost: float) -> Taken:
        now = self.clock()
        levels = [self._level(bucket, now) for bucket in buckets]
        allowed = all(level >= cost for level in levels)
        if allowed:
            if len(self.levels) >= MAX_REMEMBERED:
                # a bucket that has refilled is the same as one never used
                self.levels = {key: kept for key, kept in self.levels.items() if kept[2] > now}
            for bucket, level in zip(buckets, levels, strict=True):
                left = level - cost
                full_at = now + (bucket.maximum - left) / bucket.restore_rate
                self.levels[bucket.key] = (left, now, full_at)
        return _taken(buckets, levels, cost, allowed)

    async def take_with_entry(
        self, entry: str, params: Sequence[Any], charge: Charge
    ) -> tuple[Any | None, Taken | None]:
        records = await select(RateBucket, entry, *params)
        record = records[0] if records else None
        if record is None or not record["chargeable"]:
            return record, None
        buckets = charge.buckets(record["user_id"], record["partner_id"])
        return record, await self.take(buckets, charge.cost)

    def _level(self, bucket: Bucket, now: float) -> float:
        kept = self.levels.get(bucket.key)
        if kept is None:
            return bucket.maximum
        level, at, _ = kept
        return min(bucket.maximum, level + (now - at) * bucket.restore_rate)


class PostgresBuckets:
    """Buckets as rows of `rate_buckets`, shared by every process of the database."""

    async def take(self, buckets: Sequence[Bucket], cost: float) -> Taken:
        ordered = sorted(buckets, key=lambda bucket: bucket.key)
        (record,) = await select(
            RateBucket,
            TAKE_POINTS,
            [bucket.key for bucket in ordered],
            [float(bucket.maximum) for bucket in ordered],
            [float(bucket.restore_rate) for bucket in ordered],
            float(cost),
        )
        return _from_record(ordered, record, cost)

    async def take_with_entry(
        self, entry: str, params: Sequence[Any], charge: Charge
    ) -> tuple[Any | None, Taken | None]:
        records = await select(
            RateBucket,
            _entry_and_take(entry, len(params)),
            *params,
            CALLER,
            PARTNER,
            [float(charge.caller[0]), float(charge.partner[0])],
            [float(charge.caller[1]), float(charge.partner[1])],
            float(charge.cost),
        )
        record = records[0] if records else None
        if record is None or record["allowed"] is None:  # no entry, or not chargeable
            return record, None
        buckets = charge.buckets(record["user_id"], record["partner_id"])
        return record, _from_record(buckets, record, charge.cost)


@cache
def _entry_and_take(entry: str, count: int) -> str:
    """`entry`'s record, with the take from its buckets when it is chargeable; the take's
    parameters follow the entry's `count`. `OFFSET 0` keeps the take's subquery whole: merged
    into the join, its condition would be tested only after the take ran."""
    caller, partner, maximums, rates, cost = (f"${count + number}" for number in range(1, 6))
    return (
        f"SELECT entry.*, taken.allowed, taken.levels, taken.wait FROM ({entry}) AS entry "  # noqa: S608 - this code's own statement
        "LEFT JOIN LATERAL (SELECT * FROM partnergraph_take_points("
        f"ARRAY[{caller}::text || entry.user_id, {partner}::text || entry.partner_id], "
        f"{maximums}, {rates}, {cost}) WHERE entry.chargeable OFFSET 0) AS taken ON true"
    )


def _from_record(buckets: Sequence[Bucket], record: Any, cost: float) -> Taken:
    """What the take function's `allowed` and `levels` (after the take) came to."""
    allowed = record["allowed"]
    # the levels before the take, as the function read them
    levels = [level + cost for level in record["levels"]] if allowed else record["levels"]
    return _taken(buckets, levels, cost, allowed)


def buckets_for(dialect: str) -> Buckets:
    return PostgresBuckets() if dialect == "postgres" else MemoryBuckets()
