"""A small HTTP/1.1 load driver: keep-alive connections on asyncio streams, each request's
latency recorded, every response checked for a 200 without `errors`.

It is plain Python so that `make bench` needs nothing from outside PyPI; on two cores it is
pinned to the core the server does not use, and comfortably outpaces the servers measured.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Measurement:
    requests: int = 0
    failures: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    first_failure: str | None = None
    server_cpu_seconds: float = 0.0  # what the server spent, measured by the harness

    @property
    def cpu_ms_per_request(self) -> float:
        return self.server_cpu_seconds / self.requests * 1000 if self.requests else 0.0

    def add(self, other: Measurement) -> None:
        """Count another round of the same operation in this measurement."""
        self.requests += other.requests
        self.failures += other.failures
        self.seconds += other.seconds
        self.latencies += other.latencies
        self.server_cpu_seconds += other.server_cpu_seconds
        self.first_failure = self.first_failure or other.first_failure

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, share: float) -> float:
        """Latency in milliseconds below which `share` of the requests finished."""
        if not self.latencies:
            return 0.0
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000


def request_bytes(host: str, path: str, body: bytes, headers: dict[str, str]) -> bytes:
    head = [f"POST {path} HTTP/1.1", f"Host: {host}", f"Content-Length: {len(body)}"]
    head += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.lower() == "content-length":
            length = int(value)
    return status, await reader.readexactly(length)


async def drive(
    host: str,
    port: int,
    path: str,
    bodies: Callable[[int], bytes],
    headers: dict[str, str],
    *,
    connections: int,
    duration: float,
) -> Measurement:
    """Send requests on `connections` connections for `duration` seconds."""
    measurement = Measurement()
    counter = iter(range(10**12))
    deadline = time.perf_counter() + duration

    async def connection() -> None:
        reader, writer = await asyncio.open_connection(host, port)
        try:
            while time.perf_counter() < deadline:
                sent = time.perf_counter()
                writer.write(request_bytes(host, path, bodies(next(counter)), headers))
                status, body = await read_response(reader)
                measurement.latencies.append(time.perf_counter() - sent)
                measurement.requests += 1
                if status != 200 or b'"errors"' in body:
                    measurement.failures += 1
                    measurement.first_failure = measurement.first_failure or body[:300].decode(
                        "utf-8", "replace"
                    )
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(connection() for _ in range(connections)))
    measurement.seconds = time.perf_counter() - started
    return measurement
