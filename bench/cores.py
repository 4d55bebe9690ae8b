"""Where the benchmark's processes run, on a machine of two cores or more: the server measured
alone on core 0; the driver, and a PostgreSQL server running on this machine, on core 1.

In production the database has a machine of its own. Here, left to the scheduler, its work
(statements, VACUUM, checkpoints) would now and then run on the server's core, and its
bursts would count as the server's slowness: the server's CPU per answer rose by about a
tenth where PostgreSQL shared its core.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import asyncpg

SERVER_CORE, DRIVER_CORE = 0, 1
PROC = Path("/proc")
_TICKS = os.sysconf("SC_CLK_TCK")


def separate() -> bool:
    """Whether the machine has the cores to keep the server apart."""
    return (os.cpu_count() or 1) > 1


def server_prefix() -> list[str]:
    """What a server's command starts with: `taskset` pinning it to its core."""
    return ["taskset", "-c", str(SERVER_CORE)] if separate() else []


def pin_driver() -> None:
    """This process (the driver) to its core."""
    if separate():
        os.sched_setaffinity(0, {DRIVER_CORE})


@dataclass(frozen=True)
class LocalDatabase:
    """A PostgreSQL server on this machine, by its postmaster's process id."""

    postmaster: int

    def cpu_seconds(self) -> float:
        """The CPU time its processes have used so far: the postmaster's own, its children's
        that run, and (counted in the postmaster's) those that ended."""
        ended = _stat(self.postmaster)[13:15]  # cutime, cstime
        total = process_cpu_seconds(self.postmaster) + sum(map(int, ended)) / _TICKS
        for child in _children(self.postmaster):
            with suppress(OSError):
                total += process_cpu_seconds(child)
        return total


@contextmanager
def database_beside_driver(database_url: str) -> Iterator[LocalDatabase | None]:
    """While inside, the processes of the PostgreSQL server at `database_url` (and those it
    starts meanwhile) run on the driver's core; yields that server, or None where it can't:
    another database, a server on another machine, or one whose processes this user may not
    move."""
    postgres = database_url.startswith(("postgres://", "postgresql://"))
    postmaster = _postmaster(database_url) if postgres and separate() else None
    if postmaster is None:
        yield None
        return
    original = os.sched_getaffinity(postmaster)
    try:
        _pin_family(postmaster, {DRIVER_CORE})
    except PermissionError:
        yield None
        return
    try:
        yield LocalDatabase(postmaster)
    finally:
        _pin_family(postmaster, original)


# spins until its parent, the harness, is gone: a harness killed outright leaves none behind
SPIN = "import os\nparent = os.getppid()\nwhile os.getppid() == parent: pass"


@contextmanager
def server_core_awake() -> Iterator[bool]:
    """While inside, the server's core never halts: a process of the idle scheduling class
    spins on it, and any other process that wakes there takes the core at once (the server
    loses a few thousandths of it). Yields whether it does.

    On this virtual machine a core that halts while the server waits runs the next request
    slower: measured in alternating rounds, the server's CPU per answer of the mix paced at
    80 % of its capacity was 11-23 % above the capacity rounds' (which never let it halt), and
    the speed probe's fixed unit ran about a fifth slower on the nearly idle core. A machine
    whose idle cores poll before they halt (a guest with Linux's haltpoll, a server tuned for
    latency) has little of that penalty; the spinner stands in for one. With it, the same
    paced mix cost what the closed loop did in the same round (2.21 against 2.19 ms, 2.61
    against 2.59 ms)."""
    if not separate():
        yield False
        return
    spinner = subprocess.Popen([*server_prefix(), sys.executable, "-c", SPIN])
    try:
        os.sched_setscheduler(spinner.pid, os.SCHED_IDLE, os.sched_param(0))
        yield True
    finally:
        spinner.kill()
        spinner.wait()


def where_database(backend: str, database: LocalDatabase | None) -> str:
    """The report's words on where PostgreSQL ran."""
    if backend != "postgres":
        return ""
    return ", PostgreSQL on core 1 too" if database is not None else ", PostgreSQL on either core"


def _postmaster(database_url: str) -> int | None:
    """The process id of PostgreSQL's postmaster, if it runs on this machine: the parent of
    the backend serving a session (both named `postgres`), looked up while the session lasts."""

    async def postmaster() -> int | None:
        session = await asyncpg.connect(database_url.replace("postgres://", "postgresql://", 1))
        try:
            backend = await session.fetchval("SELECT pg_backend_pid()")
            parent = _parent(backend)
            return parent if _command(backend) == _command(parent) == "postgres" else None
        finally:
            await session.close()

    try:
        return asyncio.run(postmaster())
    except (OSError, ValueError, asyncpg.PostgresError):
        return None


def _pin_family(postmaster: int, cores: set[int]) -> None:
    """The postmaster and its children (backends, background workers) to `cores`; a child
    that ends meanwhile is skipped. Children started later inherit the postmaster's cores."""
    os.sched_setaffinity(postmaster, cores)
    for child in _children(postmaster):
        with suppress(ProcessLookupError):
            os.sched_setaffinity(child, cores)


def _children(parent: int) -> list[int]:
    children = []
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if _parent(int(entry.name)) == parent:
                children.append(int(entry.name))
        except OSError:
            continue
    return children


def stolen_seconds() -> tuple[float, float]:
    """The time the hypervisor has run something else while the server's and the driver's
    cores had work (steal time), so far: a virtual machine's cores are time-shared."""
    per_core = {}
    for line in (PROC / "stat").read_text().splitlines():
        name, *ticks = line.split()
        if name.startswith("cpu") and name != "cpu":
            per_core[int(name[3:])] = (
                int(ticks[7]) / _TICKS
            )  # user nice system idle iowait irq softirq steal
    return per_core.get(SERVER_CORE, 0.0), per_core.get(DRIVER_CORE, 0.0)


def process_cpu_seconds(pid: int) -> float:
    """The user and system CPU time process `pid` has used so far."""
    utime, stime = _stat(pid)[11:13]
    return (int(utime) + int(stime)) / _TICKS


def _parent(pid: int) -> int:
    return int(_stat(pid)[1])


def _stat(pid: int) -> list[str]:
    """The fields of /proc/<pid>/stat after "pid (command)", which may hold spaces: the state
    first, the parent's id second."""
    return (PROC / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()


def _command(pid: int) -> str:
    try:
        return (PROC / str(pid) / "comm").read_text().strip()
    except OSError:
        return ""
