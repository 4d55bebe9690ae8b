"""`make bench-load`: a mixed read/write load at 80 % of measured capacity, for 5 minutes.

The reads are the provider's (`make bench`'s operations); the writes create customers of the
data set's direct partner, so that the rows the reads count and page through stay the same
while the tables grow (in one tenant's rows, the writes would make every page slower as the
run goes on, and no rate would stay at 80 %).

1. Capacity: the mix on 16 keep-alive connections, as fast as the server answers, in
   rounds of a minute; the median round's rate is the capacity (what the server sustains
   while the writes grow the tables; one slow or fast moment of the machine does not
   decide it).
2. Load: the same mix, paced at a fixed share of that rate (an open loop: each request has
   its moment, and its latency counts from that moment, so a stalled server can't hide its
   queue by sending less). Each minute: requests, p50/p99 latency, server RSS, its CPU
   (share of its core, and per answer), the share of its core the hypervisor took (steal
   time: a virtual machine's cores are time-shared), PostgreSQL's CPU when it runs on this
   machine (on the driver's core: `bench.cores`), the machine's speed (`bench.speed`),
   answers by status.
   The server's core is kept from halting while the server waits (`bench.cores`): on a
   virtual machine a core that halts runs the next request slower, which the capacity rounds,
   never idle, do not pay (`--let-core-halt` measures with that penalty).
3. PostgreSQL's autovacuum keeps the planner's statistics up to date as the writes grow the
   tables. Where the server runs without it (this machine's does), the harness stands in:
   `VACUUM (ANALYZE)` every minute, autovacuum's default nap, throttled by its default cost
   delay. Without either, plans made when a table was empty go on scanning it whole.
4. Afterwards, the writes are counted in the database: every create the server confirmed
   must be there exactly once (zero lost writes).

The report is `bench/results/load-<backend>.md`; the load second by second, with the moments
the harness vacuumed, is in `bench/results/load-postgres-seconds.csv` (to set beside
PostgreSQL's log of its checkpoints).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import math
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime

import asyncpg
import orjson

from bench.cores import (
    LocalDatabase,
    database_beside_driver,
    pin_driver,
    server_core_awake,
    stolen_seconds,
    where_database,
)
from bench.dataset import DIRECT_TENANT, PROVIDER_TENANT, prepare
from bench.driver import read_response, request_bytes
from bench.queries import queries
from bench.run import (
    RESULTS,
    SECRET,
    SUBJECT,
    UNTHROTTLED,
    Server,
    _database_url,
    _ensure_bench_user,
    _free_port,
    _token,
)
from bench.speed import Speed

CONNECTIONS = 16  # of the capacity measurement, as `make bench`
CAPACITY_ROUNDS, CAPACITY_SECONDS = 3, 60  # capacity is what the server sustains, not a burst
AUTOVACUUM_NAPTIME = 60  # seconds, PostgreSQL's default
# Of every 10 requests: 4 customer details, 2 customer pages, 1 ERP pull, 3 creates.
MIX = ("customer_detail",) * 4 + ("customer_page",) * 2 + ("erp_pull", *("create_customer",) * 3)


@dataclass
class Minute:
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    failed: int = 0  # a 200 with errors
    rss: float = 0.0
    # the server's during this minute of the clock: share of its core, and per answer
    cpu_share: float = 0.0
    cpu_ms_per_answer: float = 0.0
    database_cpu_share: float | None = None  # PostgreSQL's, when it runs on this machine
    stolen_share: float = 0.0  # of the server's core, by the hypervisor (steal time)
    probe_ms: float | None = None  # the machine's speed: `bench.speed`'s unit in CPU ms

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000 if ordered else 0.0


def mixed_requests(
    customers: int, run: str, reads: dict[str, str], writes: dict[str, str]
) -> Callable[[int], bytes]:
    """HTTP request `number` of the mix; a create names its customer `Load <run> <number>`."""
    operations = {query.name: query for query in queries(customers)}

    def request(number: int) -> bytes:
        name = MIX[number % len(MIX)]
        body = operations[name].body(number)
        if name != "create_customer":
            return request_bytes("127.0.0.1", "/graphql", body, reads)
        payload = orjson.loads(body)
        payload["variables"]["input"]["companyName"] = created_name(run, number)
        payload["variables"]["input"]["idempotencyKey"] = f"load-{run}-{number}"
        return request_bytes("127.0.0.1", "/graphql", orjson.dumps(payload), writes)

    return request


def created_name(run: str, number: int) -> str:
    return f"Load {run} {number}"


async def load(
    server: Server,
    request: Callable[[int], bytes],
    *,
    seconds: float,
    rate: float | None,
    connections: int,
    database: LocalDatabase | None = None,
    speed: Speed | None = None,
    trace: Trace | None = None,
) -> tuple[list[Minute], set[int], int]:
    """The mix for `seconds`: paced at `rate` a second (latency from each request's moment),
    or as fast as `connections` get answers (None). Each minute's figures, the numbers of the
    confirmed creates, and how many requests were answered with a 200 without errors; each
    second's latencies go to `trace`."""
    samples = [Minute() for _ in range(max(1, math.ceil(seconds / 60)))]
    confirmed: set[int] = set()
    answered = completed = 0
    started = time.perf_counter()
    if trace is not None:
        trace.started = time.time()
    counter = itertools.count()

    async def connection() -> None:
        nonlocal answered, completed
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        try:
            for number in counter:
                moment = time.perf_counter() if rate is None else started + number / rate
                if moment - started >= seconds:
                    return
                await asyncio.sleep(max(0.0, moment - time.perf_counter()))
                writer.write(request(number))
                status, answer = await read_response(reader)
                completed += 1
                minute = samples[min(len(samples) - 1, int((moment - started) // 60))]
                latency = time.perf_counter() - moment
                minute.latencies.append(latency)
                if trace is not None:
                    trace.seconds[int(moment - started)].append(latency)
                minute.statuses[status] += 1
                if status == 200 and b'"errors"' not in answer:
                    answered += 1
                    if b"createCustomer" in answer:
                        confirmed.add(number)
                else:
                    minute.failed += status == 200
        finally:
            writer.close()

    # each minute's start: the server's CPU, answers, the moment, the database's CPU, the
    # server core's steal time
    opened: list[tuple[float, int, float, float, float]] = []

    def database_cpu() -> float:
        return database.cpu_seconds() if database is not None else 0.0

    def close(minute: Minute) -> None:
        cpu, answers, moment, database_at, stolen = opened[-1]
        used, elapsed = server.cpu_seconds() - cpu, time.perf_counter() - moment
        minute.rss = server.rss()
        minute.cpu_share = used / elapsed
        minute.stolen_share = (stolen_seconds()[0] - stolen) / elapsed
        minute.cpu_ms_per_answer = used * 1000 / max(1, completed - answers)
        if database is not None:
            minute.database_cpu_share = (database_cpu() - database_at) / elapsed
        if speed is not None:
            minute.probe_ms = speed.unit_ms(moment, time.perf_counter())

    async def watch() -> None:
        for minute in samples:
            opened.append(
                (
                    server.cpu_seconds(),
                    completed,
                    time.perf_counter(),
                    database_cpu(),
                    stolen_seconds()[0],
                )
            )
            await asyncio.sleep(min(60, seconds))
            close(minute)

    def cpu_now() -> tuple[float, ...]:
        return (server.cpu_seconds(), database_cpu(), time.process_time(), *stolen_seconds())

    async def sample() -> None:  # each second's CPU shares, for the trace
        assert trace is not None
        last, then = cpu_now(), started
        for second in itertools.count():
            await asyncio.sleep(max(0.0, started + second + 1 - time.perf_counter()))
            now, moment = cpu_now(), time.perf_counter()
            trace.cpu[second] = tuple(
                (a - b) / (moment - then) for a, b in zip(now, last, strict=True)
            )
            if speed is not None:
                trace.probe_ms[second] = speed.unit_ms(then, moment)
            last, then = now, moment

    watchers = [asyncio.create_task(watch())]
    if trace is not None:
        watchers.append(asyncio.create_task(sample()))
    await asyncio.gather(*(connection() for _ in range(connections)))
    for watcher in watchers:
        watcher.cancel()
    if samples[-1].rss == 0.0:  # the last minute ended with the run, before the watcher woke
        close(samples[-1])
    return samples, confirmed, answered


@dataclass
class Trace:
    """The paced load second by second, beside what else ran on the machine: to tell what a
    minute's p99 came from."""

    started: float = 0.0  # the load's first moment, as `time.time()`
    seconds: defaultdict[int, list[float]] = field(default_factory=lambda: defaultdict(list))
    vacuums: list[tuple[float, float]] = field(default_factory=list)  # (start, end), time.time()
    # each second's CPU: the server's, PostgreSQL's (when on this machine), the driver's, and
    # the time stolen from the server's core and from the driver's
    cpu: dict[int, tuple[float, ...]] = field(default_factory=dict)
    probe_ms: dict[int, float | None] = field(default_factory=dict)  # `bench.speed`'s unit

    def csv(self) -> str:
        """A line a second: its start (UTC), requests, p50, p99 and max latency in ms, the
        CPU shares, the machine probe's unit (when it ran), and whether the harness's VACUUM
        ran in it."""
        lines = [
            "second,utc,requests,p50_ms,p99_ms,max_ms,server_cpu,database_cpu,driver_cpu,"
            "server_core_stolen,driver_core_stolen,probe_ms,vacuum"
        ]
        for second in sorted(self.seconds):
            ordered = sorted(self.seconds[second])
            start = self.started + second
            vacuum = any(begin < start + 1 and end > start for begin, end in self.vacuums)

            def ms(share: float, ordered: list[float] = ordered) -> str:
                return f"{ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000:.1f}"

            lines.append(
                f"{second},{datetime.fromtimestamp(start, UTC):%H:%M:%S},{len(ordered)},"
                f"{ms(0.5)},{ms(0.99)},{ms(1.0)},"
                + "".join(
                    f"{share:.2f}," for share in self.cpu.get(second, ())
                )  # none for the last, partial second
                + "," * (5 - len(self.cpu.get(second, ())))
                + f"{_ms_or_blank(self.probe_ms.get(second))},{int(vacuum)}"
            )
        return "\n".join(lines) + "\n"


@contextmanager
def autovacuum(database_url: str, trace: Trace | None = None) -> Iterator[bool]:
    """While inside, the database is vacuumed and analyzed as autovacuum would; yields
    whether the harness does it (the server's own autovacuum is off). Each VACUUM's start
    and end go to `trace`."""
    running = _psql(database_url, "SHOW autovacuum") == "on"
    if running:
        yield False
        return
    stop = threading.Event()

    def vacuum() -> None:
        while not stop.wait(AUTOVACUUM_NAPTIME):
            began = time.time()
            # as gently as autovacuum: its default cost delay (a plain VACUUM has none)
            _psql(database_url, "SET vacuum_cost_delay = '2ms'", "VACUUM (ANALYZE)")
            if trace is not None:
                trace.vacuums.append((began, time.time()))

    worker = threading.Thread(target=vacuum, daemon=True)
    worker.start()
    try:
        yield True
    finally:
        stop.set()
        worker.join()


def _psql(database_url: str, *statements: str) -> str:
    """The output of `statements`, run in one session."""
    commands = [argument for statement in statements for argument in ("-c", statement)]
    return subprocess.run(
        ["psql", database_url, "-tA", *commands], capture_output=True, text=True, check=True
    ).stdout.strip()


async def stored(database_url: str, run: str) -> Counter[str]:
    """The company names of this run's creates, with how many rows each has."""
    connection = await asyncpg.connect(database_url.replace("postgres://", "postgresql://"))
    try:
        records = await connection.fetch(
            "SELECT company_name, COUNT(*) FROM customers WHERE company_name LIKE $1 "
            "GROUP BY company_name",
            f"Load {run} %",
        )
    finally:
        await connection.close()
    return Counter({record[0]: record[1] for record in records})


@dataclass
class Capacity:
    """The capacity rounds: each one's rate (req/s) and the share of the server's core the
    hypervisor took meanwhile, and the machine probe's unit over all of them."""

    rounds: list[float] = field(default_factory=list)
    stolen: list[float] = field(default_factory=list)
    probe_ms: float | None = None

    @property
    def rate(self) -> float:
        return statistics.median(self.rounds)


def report(
    capacity: Capacity,
    rate: float,
    samples: list[Minute],
    confirmed: int,
    rows: Counter[str],
    args: argparse.Namespace,
    vacuumed: bool,
    database: LocalDatabase | None,
    awake: bool,
) -> str:
    duplicated = sum(count - 1 for count in rows.values() if count > 1)
    errors = sum(
        sample.statuses[status] for sample in samples for status in sample.statuses if status >= 500
    )
    lines = [
        f"## Mixed load, PostgreSQL — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "",
        f"The server on core 0, the driver on core 1{where_database('postgres', database)}. "
        + (
            "The server's core was kept from halting while the server waited "
            "(`bench.cores.server_core_awake`)."
            if awake
            else "The server's core could halt while the server waited."
        ),
        f"Mix of every 10 requests: {', '.join(f'{MIX.count(name)} {name}' for name in dict.fromkeys(MIX))}.",
        f"Capacity: {capacity.rate:,.0f} req/s: the median of {len(capacity.rounds)} rounds of "
        f"{CAPACITY_SECONDS} s on {CONNECTIONS} connections, as fast as answered "
        f"({', '.join(f'{rate:,.0f}' for rate in capacity.rounds)} req/s; the hypervisor took "
        f"{', '.join(f'{share:.0%}' for share in capacity.stolen)} of the server's core "
        "meanwhile).",
        "The machine's speed: `bench.speed`'s fixed unit of work took "
        f"{_ms(capacity.probe_ms)} of CPU (median) on the server's core during the capacity "
        "rounds; each minute's is below, with its ratio (above 1: a slower machine than the "
        "capacity was measured on). `stolen` is the share of the server's core the hypervisor "
        "ran something else on while the server had work (steal time): the server could not "
        "use it.",
        f"Load: {rate:,.0f} req/s ({args.share:.0%} of capacity) for {len(samples)} minutes, "
        "paced, latency counted from each request's moment.",
        "PostgreSQL's autovacuum is off here: the harness ran VACUUM (ANALYZE) every "
        f"{AUTOVACUUM_NAPTIME} s in its place, with autovacuum's cost delay (2 ms)."
        if vacuumed
        else "PostgreSQL's autovacuum kept the statistics.",
        "",
        "| minute | requests | p50 ms | p99 ms | RSS MB | server CPU | stolen | CPU ms/answer "
        "| PostgreSQL CPU | probe unit | statuses | 200 with errors |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
        *(
            f"| {number} | {len(sample.latencies):,} | {sample.percentile(0.5):.1f} "
            f"| {sample.percentile(0.99):.1f} | {sample.rss:.1f} | {sample.cpu_share:.0%} "
            f"| {sample.stolen_share:.0%} "
            f"| {sample.cpu_ms_per_answer:.2f} "
            f"| {'–' if sample.database_cpu_share is None else f'{sample.database_cpu_share:.0%}'} "
            f"| {_ms(sample.probe_ms)}{_ratio(sample.probe_ms, capacity.probe_ms)} "
            f"| {', '.join(f'{status}: {count:,}' for status, count in sorted(sample.statuses.items()))} "
            f"| {sample.failed} |"
            for number, sample in enumerate(samples, 1)
        ),
        "",
        f"5xx answers: {errors}. Creates confirmed: {confirmed:,}; rows of this run's creates "
        f"in the database: {sum(rows.values()):,} ({len(rows):,} names, {duplicated} duplicated); "
        f"lost writes: {confirmed - len(rows):,}.",
        "",
        _steadiness(samples, capacity),
    ]
    return "\n".join(lines) + "\n"


STEADY_STOLEN, STEADY_PROBE = 0.02, 1.05  # at most, in a minute of a steady machine


def _steadiness(samples: list[Minute], capacity: Capacity) -> str:
    """The p99's range by minute, and the minutes in which the machine was not as it was while
    the capacity was measured: the host took the server's core, or the probe ran slower."""
    p99 = [sample.percentile(0.99) for sample in samples]
    stolen = statistics.median(capacity.stolen) if capacity.stolen else 0.0
    unsteady = [
        number
        for number, sample in enumerate(samples, 1)
        if sample.stolen_share - stolen >= STEADY_STOLEN
        or (
            sample.probe_ms
            and capacity.probe_ms
            and sample.probe_ms / capacity.probe_ms >= STEADY_PROBE
        )
    ]
    where = (
        f"in minute(s) {', '.join(map(str, unsteady))} the machine gave the server less than "
        f"during the capacity rounds (the host took {STEADY_STOLEN:.0%} or more of its core "
        "beyond what it took then, "
        f"or the probe ran {STEADY_PROBE - 1:.0%} or more slower)"
        if unsteady
        else "the machine gave the server as much in every minute as during the capacity rounds"
    )
    return f"p99 by minute: {min(p99):.1f} to {max(p99):.1f} ms; {where}."


def _ms_or_blank(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


def _ms(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f} ms"


def _ratio(value: float | None, reference: float | None) -> str:
    return "" if value is None or not reference else f" ({value / reference:.2f}×)"


async def _ensure_writer(database_url: str) -> None:
    """The direct partner's bench user, who writes."""
    from api import database
    from resolvers.models import Partner, User

    async with database.connected(database_url):
        direct = await Partner.get(tenant_id=DIRECT_TENANT)
        await User.get_or_create(partner=direct, sub=SUBJECT)


def run(args: argparse.Namespace) -> str:
    database_url = _database_url("postgres", "small")
    data = asyncio.run(prepare(database_url, "small"))
    asyncio.run(_ensure_bench_user(database_url))
    asyncio.run(_ensure_writer(database_url))
    run_id = f"{int(time.time())}"
    environment = {
        "PARTNERGRAPH_DATABASE_URL": database_url,
        "PARTNERGRAPH_JWT_SECRET": SECRET,
        "PARTNERGRAPH_LOG_LEVEL": "WARNING",
        **UNTHROTTLED,
    }
    reads, writes = (
        {"Content-Type": "application/json", "Authorization": f"Bearer {_token(tenant)}"}
        for tenant in (PROVIDER_TENANT, DIRECT_TENANT)
    )
    port = _free_port()
    trace = Trace()
    server = Server(
        [sys.executable, "-m", "api.cli", "serve", "--port", str(port)],
        environment,
        port,
        RESULTS / "load-postgres.log",
    )
    try:
        with (
            database_beside_driver(database_url) as database,
            autovacuum(database_url, trace) as vacuumed,
            server_core_awake() if args.keep_core_awake else nullcontext(False) as awake,
            Speed() as speed,
        ):
            capacity, rate, samples, confirmed = _measure(
                server, database, speed, trace, data.customers, run_id, reads, writes, args
            )
    finally:
        server.stop()
    rows = asyncio.run(stored(database_url, run_id))
    missing = sorted(set(rows) ^ {created_name(run_id, number) for number in confirmed})
    text = report(
        capacity,
        rate,
        samples,
        len(confirmed),
        rows,
        args,
        vacuumed,
        database,
        awake,
    )
    if missing:
        text += f"\nConfirmed but missing, or stored but not confirmed: {missing[:10]}\n"
    (RESULTS / "load-postgres-seconds.csv").write_text(trace.csv())
    return text


def _measure(
    server: Server,
    database: LocalDatabase | None,
    speed: Speed,
    trace: Trace,
    customers: int,
    run_id: str,
    reads: dict[str, str],
    writes: dict[str, str],
    args: argparse.Namespace,
) -> tuple[Capacity, float, list[Minute], set[int]]:
    """The capacity rounds, then the paced load: (the capacity, the load's rate, its minutes,
    the numbers of its confirmed creates)."""
    capacity = Capacity()
    began = time.perf_counter()
    for number in range(CAPACITY_ROUNDS):
        measuring = mixed_requests(customers, f"{run_id}-capacity{number}", reads, writes)
        stolen, moment = stolen_seconds()[0], time.perf_counter()
        _, _, answered = asyncio.run(
            load(server, measuring, seconds=CAPACITY_SECONDS, rate=None, connections=CONNECTIONS)
        )
        capacity.rounds.append(answered / CAPACITY_SECONDS)
        elapsed = time.perf_counter() - moment
        capacity.stolen.append((stolen_seconds()[0] - stolen) / elapsed)
    capacity.probe_ms = speed.unit_ms(began, time.perf_counter())
    rate = capacity.rate * args.share
    request = mixed_requests(customers, run_id, reads, writes)
    samples, confirmed, _ = asyncio.run(
        load(
            server,
            request,
            seconds=args.minutes * 60,
            rate=rate,
            connections=64,
            database=database,
            speed=speed,
            trace=trace,
        )
    )
    return capacity, rate, samples, confirmed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--minutes", type=int, default=5)
    parser.add_argument("--share", type=float, default=0.8, help="of the measured capacity")
    parser.add_argument(
        "--let-core-halt",
        dest="keep_core_awake",
        action="store_false",
        help="let the server's core halt while the server waits (see bench.cores)",
    )
    args = parser.parse_args()
    pin_driver()
    RESULTS.mkdir(parents=True, exist_ok=True)
    text = run(args)
    (RESULTS / "load-postgres.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
