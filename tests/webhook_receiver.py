"""A real HTTP receiver for webhook tests: an asyncio server on loopback that keeps every
request it is sent and answers with the statuses it is told to."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> dict[str, Any]:
        return json.loads(self.body)

    def signed_with(self, secret: str) -> bool:
        """Whether `Partnergraph-Signature` holds a `v1` made with `secret`, as a receiver
        checks it."""
        parts = [part.split("=", 1) for part in self.headers["partnergraph-signature"].split(",")]
        timestamp = next(value for name, value in parts if name == "t")
        expected = hmac.new(
            secret.encode(), f"{timestamp}.".encode() + self.body, hashlib.sha256
        ).hexdigest()
        return any(name == "v1" and hmac.compare_digest(value, expected) for name, value in parts)


@dataclass
class Receiver:
    url: str = ""
    received: list[Received] = field(default_factory=list)
    # statuses to answer with, in turn; when empty, `status`
    answers: list[int] = field(default_factory=list)
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)  # sent with every answer
    hold: asyncio.Event | None = None  # when set: requests wait for it before answering
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    def events(self) -> list[str]:
        return [request.json["event"] for request in self.received]

    async def wait_for(self, count: int, seconds: float = 20.0) -> None:
        async with asyncio.timeout(seconds):
            while len(self.received) < count:
                self.arrived.clear()
                await self.arrived.wait()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request_line = (await reader.readline()).decode()
            headers: dict[str, str] = {}
            while line := (await reader.readline()).decode().strip():
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            body = await reader.readexactly(int(headers.get("content-length", "0")))
            self.received.append(Received(request_line.split(" ")[1], headers, body))
            self.arrived.set()
            if self.hold is not None:
                await self.hold.wait()
            status = self.answers.pop(0) if self.answers else self.status
            extra = "".join(f"{name}: {value}\r\n" for name, value in self.headers.items())
            writer.write(
                f"HTTP/1.1 {status} Whatever\r\nContent-Length: 2\r\n{extra}\r\nok".encode()
            )
            await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()


@asynccontextmanager
async def receiving(path: str = "/hooks") -> AsyncIterator[Receiver]:
    receiver = Receiver()
    server = await asyncio.start_server(receiver._serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    receiver.url = f"http://127.0.0.1:{port}{path}"
    async with server:
        yield receiver
        server.close()
