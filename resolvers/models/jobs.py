"""The days' runs of the jobs partnergraph schedules itself (ending terms, collections)."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from resolvers.models.moments import MomentField


# One row per job and day, taken by the first process that starts it: API processes sharing a
# database run each job once a day between them.
class ScheduledRun(Model):
    id = fields.IntField(primary_key=True)
    job = fields.CharField(max_length=32)
    day = fields.DateField()
    started_at = MomentField()
    finished_at = MomentField(null=True)
    outcome = fields.CharField(max_length=500, null=True)  # what it did, or why it failed

    class Meta:
        table = "scheduled_runs"
        unique_together = (("job", "day"),)
