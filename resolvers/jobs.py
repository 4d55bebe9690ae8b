"""The jobs partnergraph runs by itself once a day: ending subscription terms, then collections.

Each job runs once per day (UTC) for every process sharing the database: the process that
first records the day's run does it, the others find it taken. A run records what it did,
or why it failed; a failed day is not retried by the scheduler (the CLI runs a job at once).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, time

from tortoise.exceptions import IntegrityError

from resolvers import collections, subscriptions
from resolvers.models import ScheduledRun

log = logging.getLogger("partnergraph.jobs")
MAX_OUTCOME = 500


async def end_terms(moment: datetime) -> str:
    ended = await subscriptions.end_terms(moment)
    return _summary(ended) or "nothing ended"


async def collections_run(moment: datetime) -> str:
    done = await collections.run_every_policy(as_of=moment.date(), dry_run=False)
    return _summary(done) or "nothing to do"


def _summary(counted: dict[str, int]) -> str:
    return ", ".join(f"{count} {kind.lower()}" for kind, count in sorted(counted.items()))


# In order: a term that ended today is settled before collections look at the day.
JOBS: dict[str, Callable[[datetime], Awaitable[str]]] = {
    "end-terms": end_terms,
    "collections": collections_run,
}


async def run_due(moment: datetime, at: time) -> dict[str, str]:
    """Run each job whose time of day (`at`, UTC) has come on `moment`'s day and that no
    process has run that day yet. Returns what each job run here did."""
    if moment.astimezone(UTC).time() < at:
        return {}
    day = moment.astimezone(UTC).date()
    taken = set(await ScheduledRun.filter(day=day).values_list("job", flat=True))
    outcomes = {}
    for job, work in JOBS.items():
        run = None if job in taken else await _claim(job, day, moment)
        if run is None:
            continue
        try:
            outcome = await work(moment)
        except Exception as error:  # a job's failure is recorded and logged, never raised
            log.exception("scheduled job %s failed", job)
            outcome = f"failed: {type(error).__name__}: {error}"
        run.finished_at = subscriptions.now()
        run.outcome = outcome[:MAX_OUTCOME]
        await run.save(update_fields=["finished_at", "outcome"])
        outcomes[job] = run.outcome
        log.info("scheduled job %s: %s", job, run.outcome)
    return outcomes


async def _claim(job: str, day: date, moment: datetime) -> ScheduledRun | None:
    try:
        return await ScheduledRun.create(job=job, day=day, started_at=moment)
    except IntegrityError:  # another process took the day's run
        return None
