"""The daily jobs: ending terms and collections, on the server's schedule and from the CLI."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime, time, timedelta

import pytest

from api.app import run_scheduler
from api.settings import Settings, SettingsError
from resolvers import jobs, models, subscriptions
from resolvers.collections import PolicyOrder, set_policy
from tests.conftest import Clock, World, run_cli

AT = time(2, 0)


async def _delinquent(world: World, days: int = 40) -> models.Subscription:
    """Alpha, 40 days late on an invoice, under a policy suspending at 30 days."""
    await set_policy(await world.actor("direct"), PolicyOrder([7], 30, True))
    subscription = await world.add_subscription("direct")
    invoice = await world.add_invoice("direct")
    due = subscriptions.now().date() - timedelta(days=days)
    await models.Invoice.filter(id=invoice.id).update(due_date=due)
    return subscription


async def test_the_days_jobs_run_once_after_their_time(world: World, clock: Clock) -> None:
    clock.at(datetime(2026, 3, 10, 12, tzinfo=UTC))
    subscription = await _delinquent(world)
    renewing = await world.add_subscription("direct", 1, term_duration="P1M")
    early = datetime(2026, 4, 20, 1, 59, tzinfo=UTC)
    clock.at(early)
    assert await jobs.run_due(early, AT) == {}
    due = datetime(2026, 4, 20, 2, 0, tzinfo=UTC)
    clock.at(due)
    assert await jobs.run_due(due, AT) == {
        "end-terms": "1 renewed",
        "collections": "1 remind, 1 suspend",
    }
    await subscription.refresh_from_db()
    await renewing.refresh_from_db()
    assert subscription.suspension_reasons == "NON_PAYMENT"
    assert renewing.term_ends_at == datetime(2026, 5, 10, 12, tzinfo=UTC)
    assert await jobs.run_due(due + timedelta(hours=3), AT) == {}  # the day's runs are taken
    runs = await models.ScheduledRun.all().order_by("id").values_list("job", "day", "outcome")
    assert [(job, str(day), outcome) for job, day, outcome in runs] == [
        ("end-terms", "2026-04-20", "1 renewed"),
        ("collections", "2026-04-20", "1 remind, 1 suspend"),
    ]
    next_day = datetime(2026, 4, 21, 2, 30, tzinfo=UTC)
    clock.at(next_day)
    assert await jobs.run_due(next_day, AT) == {
        "end-terms": "nothing ended",
        "collections": "nothing to do",
    }


async def test_processes_ticking_at_once_run_each_job_once(world: World) -> None:
    await _delinquent(world)
    moment = subscriptions.now().replace(hour=23)
    done = await asyncio.gather(*(jobs.run_due(moment, AT) for _ in range(3)))
    ran = sorted(job for outcome in done for job in outcome)
    assert ran == ["collections", "end-terms"]
    assert await models.CollectionAction.filter(kind="SUSPEND").count() == 1


async def test_a_failing_job_is_recorded_and_the_next_one_still_runs(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(_: datetime) -> str:
        raise RuntimeError("disk on fire")

    monkeypatch.setitem(jobs.JOBS, "end-terms", broken)
    moment = subscriptions.now().replace(hour=23)
    outcomes = await jobs.run_due(moment, AT)
    assert outcomes == {
        "end-terms": "failed: RuntimeError: disk on fire",
        "collections": "nothing to do",
    }


async def test_the_server_schedules_the_jobs_when_asked(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _delinquent(world)
    monkeypatch.setattr("api.app.SCHEDULER_TICK_SECONDS", 0.01)
    scheduler = asyncio.create_task(run_scheduler(time(0, 0)))
    try:
        for _ in range(500):
            if await models.ScheduledRun.filter(finished_at__not_isnull=True).count() == 2:
                break
            await asyncio.sleep(0.01)
    finally:
        scheduler.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await scheduler
    assert await models.CollectionAction.filter(kind="SUSPEND").count() == 1


def test_the_scheduler_is_off_unless_asked_and_its_time_is_checked() -> None:
    assert Settings.from_environment({}).scheduler is False
    on = Settings.from_environment(
        {"PARTNERGRAPH_SCHEDULER": "true", "PARTNERGRAPH_SCHEDULER_AT": "03:30"}
    )
    assert (on.scheduler, on.scheduler_at) == (True, time(3, 30))
    with pytest.raises(SettingsError, match="SCHEDULER_AT"):
        Settings.from_environment({"PARTNERGRAPH_SCHEDULER_AT": "half past three"})


async def test_the_command_line_runs_collections_dry_then_for_real(world: World) -> None:
    subscription = await _delinquent(world)
    environment = {"PARTNERGRAPH_DATABASE_URL": world.settings.database_url}
    dry = run_cli(environment, "collections", "run", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    today = subscriptions.now().date()
    assert dry.stdout.strip() == (
        f"collections on {today}: would do (dry run, nothing changed): "
        "1 remind, 1 suspend, 0 reactivate"
    )
    assert "seller 1/1 [##############################] 1/1" in dry.stderr
    await subscription.refresh_from_db()
    assert subscription.status == models.SubscriptionStatus.ACTIVE
    applied = run_cli(environment, "collections", "run")
    assert applied.stdout.strip().endswith("done: 1 remind, 1 suspend, 0 reactivate")
    await subscription.refresh_from_db()
    assert subscription.suspension_reasons == "NON_PAYMENT"
    again = run_cli(environment, "collections", "run", "--as-of", today.isoformat())
    assert again.stdout.strip().endswith("done: 0 remind, 0 suspend, 0 reactivate")
