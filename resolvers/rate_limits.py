"""Leaky buckets of cost points: each caller and each partner has one, refilled at a steady
rate up to its maximum. A request takes its cost from every bucket it counts against, or
from none: when one holds too little, it is refused and told how long to wait.

On PostgreSQL the buckets are rows, taken from in one statement (the function of migration
0010), so API processes sharing the database share the limits. SQLite is served by one
process, and keeps its buckets in memory.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from resolvers.models import RateBucket
from resolvers.rows import select

TAKE_POINTS = "SELECT allowed, levels, wait FROM partnergraph_take_points($1, $2, $3, $4)"
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
        allowed = record["allowed"]
        # the levels before the take, as the function read them
        levels = [level + cost for level in record["levels"]] if allowed else record["levels"]
        return _taken(ordered, levels, cost, allowed)


def buckets_for(dialect: str) -> Buckets:
    return PostgresBuckets() if dialect == "postgres" else MemoryBuckets()
