"""The machine's own speed while a benchmark runs.

On a virtual machine the same work can cost a fifth more CPU time from one minute to the
next (the host is shared). That is besides the time the host takes the core away altogether,
which the kernel counts as steal time (`bench.cores.stolen_seconds`) and no CPU time shows.
The probe times a fixed piece of interpreter work (dictionaries, strings and JSON over a heap
larger than a core's cache, as a request's work is) in CPU time, about once a second, on the
server's core at nice 19: it runs in the server's idle moments and takes about 1 % of the
core. A minute in which the probe ran slower than during the capacity rounds had less
capacity than they measured.

`python -m bench.speed` is the probe: it prints `<seconds> <ms of CPU per unit>` lines until
its input closes, the seconds by `time.perf_counter()` (the system's monotonic clock on Linux,
as the harness's own).
"""

from __future__ import annotations

import os
import random
import statistics
import subprocess
import sys
import threading
import time
from types import TracebackType

import orjson

from bench.cores import server_prefix

OBJECTS = 200_000  # about 60 MB of small dictionaries: well past a core's caches
UNIT = 3_000  # lookups per unit: about 10 ms of CPU on this machine
PAUSE = 1.0  # seconds between units


def _probe() -> None:
    os.nice(19)
    generator = random.Random(1)  # noqa: S311 - an order of lookups, not a secret
    objects = [{"id": n, "name": f"customer {n}", "tags": [n, 2 * n]} for n in range(OBJECTS)]
    order = generator.sample(range(OBJECTS), OBJECTS)
    threading.Thread(target=_exit_when_input_closes, daemon=True).start()
    start = 0
    while True:
        began = time.thread_time()
        total = 0
        for index in order[start : start + UNIT]:
            entry = objects[index]
            total += len(entry["name"]) + entry["tags"][1]
            total += len(orjson.dumps({"id": entry["id"], "name": entry["name"]}))
        used = time.thread_time() - began
        try:
            print(f"{time.perf_counter():.3f} {used * 1000:.3f}", flush=True)
        except BrokenPipeError:  # the benchmark has ended
            os._exit(0)
        start = (start + UNIT) % (OBJECTS - UNIT)
        time.sleep(PAUSE)


def _exit_when_input_closes() -> None:
    sys.stdin.read()
    os._exit(0)


class Speed:
    """The probe, running while inside; `unit_ms(start, end)` is the median CPU time of its
    units between two `time.perf_counter()` moments."""

    def __enter__(self) -> Speed:
        self.samples: list[tuple[float, float]] = []
        self.process = subprocess.Popen(
            [*server_prefix(), sys.executable, "-m", "bench.speed"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        return self

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            moment, used = line.split()
            self.samples.append((float(moment), float(used)))

    def unit_ms(self, start: float, end: float) -> float | None:
        units = [used for moment, used in list(self.samples) if start <= moment < end]
        return statistics.median(units) if units else None

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=10)
        self.reader.join(timeout=10)


if __name__ == "__main__":
    _probe()
