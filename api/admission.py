"""Admission of a prepared operation: its cost is worked out before it runs, refused over the
maximum with `QUERY_TOO_COMPLEX`, then taken from the caller's and its partner's buckets;
when they hold too little, the request is refused with `RATE_LIMITED` and the seconds to
wait. What was asked and what is left is told in every response's `extensions.cost`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from api.settings import RateLimits
from auth.viewer import Viewer
from resolvers.rate_limits import Buckets, Charge, Taken
from schema.cost import Costs
from schema.errors import LocalizedError
from schema.execution import GraphQLRequest, Prepared, RequestError


class Throttled(Exception):
    def __init__(self, error: LocalizedError, cost: dict[str, Any], retry_after: int) -> None:
        super().__init__(error.message)
        self.error = error
        self.cost = cost
        self.retry_after = retry_after


@dataclass
class Admission:
    costs: Costs
    max_cost: int
    rates: RateLimits
    buckets: Buckets | None  # None: no rate limits

    def cost(self, request: GraphQLRequest, prepared: Prepared) -> int:
        """What the operation may cost; `RequestError` when that is over the maximum."""
        cost = self.costs.of(
            request.query, prepared.document, prepared.operation, request.variables
        )
        if cost > self.max_cost:
            error = LocalizedError(
                "limits.cost", "QUERY_TOO_COMPLEX", actual=cost, maximum=self.max_cost
            )
            error.extensions.update(cost=cost, maximumCost=self.max_cost)
            raise RequestError([error])
        return cost

    def charge(self, request: GraphQLRequest, prepared: Prepared) -> Charge | None:
        """What admitting the operation will take from its caller's buckets, for the caller's
        lookup to take it; None without rate limits or when it costs too much."""
        if self.buckets is None:
            return None
        try:
            cost = self.cost(request, prepared)
        except RequestError:
            return None
        return self._charge(self.buckets, cost)

    async def admit(
        self,
        viewer: Viewer | None,
        request: GraphQLRequest,
        prepared: Prepared,
        taken: Taken | None = None,
    ) -> dict[str, Any]:
        """The response's `extensions.cost`; raises `RequestError` for an operation that
        costs too much and `Throttled` for a caller out of points. `taken`: the operation's
        charge, already taken with the caller's lookup."""
        cost = self.cost(request, prepared)
        if self.buckets is None or viewer is None:
            return {"requested": cost, "throttle": None}
        if taken is None:
            charge = self._charge(self.buckets, cost)
            taken = await self.buckets.take(charge.buckets(viewer.user_id, viewer.partner_id), cost)
        extension = {"requested": cost, "throttle": _throttle(taken)}
        if not taken.allowed:
            retry_after = max(1, math.ceil(taken.retry_after))
            error = LocalizedError(
                "limits.rate",
                "RATE_LIMITED",
                cost=cost,
                remaining=math.floor(taken.remaining),
                retry_after=retry_after,
            )
            error.extensions.update(retryAfter=retry_after)
            raise Throttled(error, extension, retry_after)
        return extension

    def _charge(self, buckets: Buckets, cost: int) -> Charge:
        rates = self.rates
        return Charge(
            buckets,
            cost,
            caller=(rates.caller_maximum, rates.caller_restore_rate),
            partner=(rates.partner_maximum, rates.partner_restore_rate),
        )


def _throttle(taken: Taken) -> dict[str, Any]:
    return {
        "maximum": taken.bucket.maximum,
        "remaining": math.floor(taken.remaining),
        "restoreRate": taken.bucket.restore_rate,
    }
