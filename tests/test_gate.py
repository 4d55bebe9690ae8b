"""The gate lets at most so many operations run at once; the others wait in line, and one
that gives up waiting (a client gone, a server shutting down) keeps no place."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

import pytest

from api.gate import Gate
from api.settings import Limits, Settings, SettingsError
from resolvers import reports
from tests.conftest import World
from tests.test_metrics import scrape
from tests.test_rate_limits import serving


async def _hold(gate: Gate, name: str, log: list[str], release: asyncio.Event) -> None:
    async with gate.turn():
        log.append(name)
        await release.wait()


async def _settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_operations_past_the_limit_wait_and_go_in_order() -> None:
    gate, log, release = Gate(2), [], asyncio.Event()
    tasks = [asyncio.create_task(_hold(gate, str(n), log, release)) for n in range(5)]
    await _settle()
    assert log == ["0", "1"]
    assert (gate.running, gate.waiting) == (2, 3)
    release.set()
    await asyncio.gather(*tasks)
    assert log == ["0", "1", "2", "3", "4"]
    assert (gate.running, gate.waiting) == (0, 0)


async def test_a_waiter_that_is_cancelled_keeps_no_place() -> None:
    gate, log, release = Gate(1), [], asyncio.Event()
    first = asyncio.create_task(_hold(gate, "first", log, release))
    gone = asyncio.create_task(_hold(gate, "gone", log, release))
    await _settle()
    gone.cancel()
    await _settle()
    assert gate.waiting == 0
    release.set()
    await first
    assert gone.cancelled()
    assert gate.running == 0
    async with gate.turn():  # the place is free at once
        assert gate.running == 1


async def test_a_place_handed_to_a_waiter_cancelled_meanwhile_goes_to_the_next() -> None:
    gate, log, release = Gate(1), [], asyncio.Event()
    release.set()
    async with gate.turn():
        handed = asyncio.create_task(_hold(gate, "handed", log, release))
        third = asyncio.create_task(_hold(gate, "third", log, release))
        await _settle()
        assert gate.waiting == 2
    # leaving handed the place to `handed`, which is cancelled before it could run
    handed.cancel()
    await asyncio.gather(handed, third, return_exceptions=True)
    assert handed.cancelled()
    assert log == ["third"]
    assert (gate.running, gate.waiting) == (0, 0)


async def test_an_operation_that_fails_gives_its_place_back() -> None:
    gate = Gate(1)
    try:
        async with gate.turn():
            raise ValueError("the operation failed")
    except ValueError:
        pass
    assert gate.running == 0


async def test_the_server_runs_at_most_its_limit_of_operations_and_counts_those_waiting(
    settings: Settings, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = asyncio.Event()
    running = peak = 0

    async def held_report(*_: Any, **__: Any) -> list[Any]:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await release.wait()
        running -= 1
        return []

    monkeypatch.setattr(reports, "aging_report", held_report)
    limited = replace(settings, limits=Limits(concurrent_operations=2))
    token = world.admin("direct")
    async with serving(limited) as api:
        sent = [
            asyncio.create_task(api.post("{ agingReport { asOf } }", token=token)) for _ in range(5)
        ]
        for _ in range(500):  # until two are in the report and three wait
            samples = await scrape(api.client)
            if running == 2 and samples[("partnergraph_operations", (("state", "waiting"),))]:
                break
            await asyncio.sleep(0.01)
        assert samples[("partnergraph_operations", (("state", "running"),))] == 2
        assert samples[("partnergraph_operations", (("state", "waiting"),))] == 3
        assert samples[("partnergraph_operations", (("state", "maximum"),))] == 2
        release.set()
        responses = await asyncio.gather(*sent)
    assert [response.status_code for response in responses] == [200] * 5
    assert all("errors" not in response.json() for response in responses)
    assert peak == 2


def test_the_limit_is_read_from_the_environment_and_must_be_at_least_one() -> None:
    assert Settings().limits.concurrent_operations == 8
    read = Settings.from_environment({"PARTNERGRAPH_CONCURRENT_OPERATIONS": "3"})
    assert read.limits.concurrent_operations == 3
    with pytest.raises(SettingsError, match="PARTNERGRAPH_CONCURRENT_OPERATIONS"):
        Settings.from_environment({"PARTNERGRAPH_CONCURRENT_OPERATIONS": "0"})
