"""The outermost layer: a request id and a trace id for every request, header limits, an
access log, a 503 to retry when the database went away, and a masked JSON 500 if anything
below fails unexpectedly."""

from __future__ import annotations

import logging
import re
import secrets
import time

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.logs import REQUEST_ID, TRACE_ID, trace_id_of
from resolvers.errors import connection_lost
from schema.messages import negotiate, translate

access_log = logging.getLogger("partnergraph.access")
error_log = logging.getLogger("partnergraph.errors")

CLIENT_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,64}$")
RETRY_SOON = ((b"retry-after", b"1"),)


class RequestContext:
    def __init__(self, app: ASGIApp, *, max_header_bytes: int) -> None:
        self.app = app
        self.max_header_bytes = max_header_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        offered = headers.get(b"x-request-id", b"").decode("latin-1")
        request_id = offered if CLIENT_REQUEST_ID.match(offered) else secrets.token_hex(16)
        traceparent = headers.get(b"traceparent", b"").decode("latin-1")
        trace_id = trace_id_of(traceparent) or secrets.token_hex(16)
        token, trace_token = REQUEST_ID.set(request_id), TRACE_ID.set(trace_id)
        language = negotiate(headers.get(b"accept-language", b"").decode("latin-1"))
        started = time.perf_counter()
        status = {"code": 0}

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                message["headers"] = [
                    *message.get("headers", []),
                    (b"x-request-id", request_id.encode()),
                ]
            await send(message)

        try:
            header_bytes = sum(len(name) + len(value) + 4 for name, value in scope["headers"])
            if header_bytes > self.max_header_bytes:
                await _send_json(
                    send_with_id,
                    431,
                    translate("request.headers_too_large", language, maximum=self.max_header_bytes),
                    "BAD_USER_INPUT",
                )
            else:
                await self.app(scope, receive, send_with_id)
        except Exception as error:
            if connection_lost(error):
                # before or after the operation (the token's directory entry, the rate limit)
                error_log.warning(
                    "the database went away: %s",
                    error,
                    extra={"request_id": request_id, "trace_id": trace_id},
                )
                if status["code"] == 0:
                    await _send_json(
                        send_with_id,
                        503,
                        translate("database.unavailable", language),
                        "UNAVAILABLE",
                        headers=RETRY_SOON,
                        requestId=request_id,
                    )
                return
            error_log.exception(
                "unhandled error", extra={"request_id": request_id, "trace_id": trace_id}
            )
            if status["code"] == 0:
                await _send_json(
                    send_with_id,
                    500,
                    translate("internal.error", language, request_id=request_id),
                    "INTERNAL_SERVER_ERROR",
                    requestId=request_id,
                )
        finally:
            access_log.info(
                "%s %s %s",
                scope["method"],
                scope["path"],
                status["code"],
                extra={
                    "request_id": request_id,
                    "trace_id": trace_id,
                    "status": status["code"],
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                },
            )
            REQUEST_ID.reset(token)
            TRACE_ID.reset(trace_token)


async def _send_json(
    send: Send,
    status: int,
    message: str,
    code: str,
    headers: tuple[tuple[bytes, bytes], ...] = (),
    **extensions: str,
) -> None:
    body = orjson.dumps(
        {"errors": [{"message": message, "extensions": {"code": code, **extensions}}]}
    )
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
