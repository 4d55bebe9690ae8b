"""Rate-limit buckets shared by the API processes of one PostgreSQL database.

A bucket's `level` is the points it held at `at`; it refills at its restore rate from
there, so a bucket no one used for a while needs no write to be full again. Only the
database function `partnergraph_take_points` (migration 0010) reads and writes these rows.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from resolvers.models.moments import MomentField


class RateBucket(Model):
    key = fields.CharField(max_length=200, primary_key=True)  # "caller:…" or "partner:…"
    level = fields.FloatField()
    at = MomentField()

    class Meta:
        table = "rate_buckets"
