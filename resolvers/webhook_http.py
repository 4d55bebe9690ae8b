"""One webhook POST, over a connection to an address checked beforehand.

A general HTTP client resolves the host again when it connects, follows redirects and reads
whatever body comes back; a delivery wants none of that. This sends one HTTP/1.1 request to
the address `webhook_targets` allowed (TLS verified against the URL's host name), reads the
status line and the headers, never the body, and never follows a redirect (a 3xx is an
answer like any other). Everything runs under one time limit.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from resolvers.webhook_targets import Target

MAX_HEADER_LINE = 8_192
MAX_HEADERS = 100
MAX_RETRY_AFTER_SECONDS = 3_600.0


@dataclass(frozen=True)
class Answer:
    """What the endpoint said (`status`), or why it said nothing (`error`)."""

    status: int | None
    error: str | None
    seconds: float
    retry_after: float | None = None  # seconds, from a 429's or a 503's Retry-After
    refused: bool = False  # not sent: the target is not allowed (any more)


def _retry_after(value: str | None) -> float | None:
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value) if value.isdigit() else None
        if seconds is None:
            seconds = (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds()
    except (TypeError, ValueError, OverflowError):
        return None
    return min(max(seconds, 0.0), MAX_RETRY_AFTER_SECONDS)


async def _connect(
    target: Target, addresses: Sequence[str]
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A connection to the first of `addresses` that takes one."""
    tls = ssl.create_default_context() if target.scheme == "https" else None
    failure: OSError | None = None
    for address in addresses:
        try:
            return await asyncio.open_connection(
                address,
                target.port,
                ssl=tls,
                server_hostname=target.host if tls else None,
                limit=MAX_HEADER_LINE,
            )
        except ssl.SSLError:
            raise
        except OSError as error:
            failure = error
    raise failure or OSError("no address to connect to")


async def _exchange(
    target: Target, addresses: Sequence[str], body: bytes, headers: Mapping[str, str]
) -> tuple[int, dict[str, str]]:
    reader, writer = await _connect(target, addresses)
    try:
        lines = [
            f"POST {target.path} HTTP/1.1",
            f"Host: {target.host_header}",
            f"Content-Length: {len(body)}",
            "Connection: close",
            *(f"{name}: {value}" for name, value in headers.items()),
        ]
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        await writer.drain()
        status_line = (await reader.readline()).decode("latin-1")
        version, _, rest = status_line.partition(" ")
        code = rest[:3]
        if not version.startswith("HTTP/1.") or not code.isdigit():
            raise ValueError("the endpoint did not answer in HTTP/1.1")
        answered: dict[str, str] = {}
        for _ in range(MAX_HEADERS):
            line = (await reader.readline()).decode("latin-1").strip()
            if not line:
                break
            name, _, value = line.partition(":")
            answered[name.strip().lower()] = value.strip()
        return int(code), answered
    finally:
        writer.close()
        with contextlib.suppress(OSError, ssl.SSLError):
            await writer.wait_closed()


async def post(
    target: Target, addresses: Sequence[str], body: bytes, headers: Mapping[str, str]
) -> Answer:
    """POST `body` to `target` at the first of `addresses` that answers, within the caller's
    time limit; any failure is an `Answer` with an `error`."""
    started = time.monotonic()
    try:
        status, answered = await _exchange(target, addresses, body, headers)
    except ssl.SSLError as error:
        return Answer(None, f"TLS failed: {error.reason or error}", time.monotonic() - started)
    except (OSError, ValueError, asyncio.IncompleteReadError, asyncio.LimitOverrunError) as error:
        reason = str(error) or type(error).__name__
        return Answer(None, f"connection failed: {reason}"[:300], time.monotonic() - started)
    return Answer(
        status, None, time.monotonic() - started, _retry_after(answered.get("retry-after"))
    )
