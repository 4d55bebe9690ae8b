"""GraphQL over WebSocket on `/graphql`: the `graphql-transport-ws` protocol, for
subscriptions (and single queries or mutations), with the same tokens and rules as POST.

The token comes in `connection_init`'s payload (`{"Authorization": "Bearer …"}`); a
connection that doesn't send one within `INIT_SECONDS`, or sends a bad one, is closed with the
protocol's codes (4408, 4403). Each `subscribe` runs as a task of its own until it completes,
the client sends `complete`, or the socket closes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from dataclasses import dataclass, field
from typing import Any

import orjson
from graphql import GraphQLError
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from api.admission import Admission, Throttled
from api.authentication import Authenticator
from api.gate import Gate
from api.graphql_view import graphql_request
from api.persisted import PersistedQueries
from auth.viewer import Viewer
from resolvers.errors import DomainError, InvalidInput, Unauthenticated
from schema.context import Context
from schema.errors import LocalizedError, format_error
from schema.execution import Engine, GraphQLRequest, Outcome, RequestError
from schema.messages import negotiate

logger = logging.getLogger("partnergraph.websocket")

PROTOCOL = "graphql-transport-ws"
INIT_SECONDS = 10.0
MAX_OPERATIONS = 100  # at once, per connection
RECHECK_SECONDS = 30.0  # how often an open connection's token and user are checked again


class Closed(Exception):
    """The connection ends with this close code and reason."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code, self.reason = code, reason


@dataclass
class GraphQLWebSocket:
    engine: Engine
    authenticator: Authenticator
    admission: Admission
    persisted: PersistedQueries
    gate: Gate
    max_message_bytes: int
    timeout_seconds: float

    async def handle(self, websocket: WebSocket) -> None:
        if PROTOCOL not in websocket.scope.get("subprotocols", []):
            await websocket.close(code=4406, reason="Subprotocol not acceptable")
            return
        await websocket.accept(subprotocol=PROTOCOL)
        language = negotiate(websocket.headers.get("accept-language"))
        session = _Session(self, websocket, language)
        try:
            await session.run()
        except Closed as closed:
            if websocket.application_state is WebSocketState.CONNECTED:
                await websocket.close(code=closed.code, reason=closed.reason)
        except WebSocketDisconnect:
            pass
        except Exception:
            logger.exception("websocket session failed")
            if websocket.application_state is WebSocketState.CONNECTED:
                await websocket.close(code=1011, reason="Internal error")
        finally:
            await session.stop()


@dataclass
class _Session:
    server: GraphQLWebSocket
    websocket: WebSocket
    language: str
    viewer: Viewer | None = None
    operations: dict[str, asyncio.Task[None]] = field(default_factory=dict)
    sending: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def run(self) -> None:
        try:
            first = await asyncio.wait_for(self._receive(), INIT_SECONDS)
        except TimeoutError:
            raise Closed(4408, "Connection initialisation timeout") from None
        if first.get("type") != "connection_init":
            raise Closed(4401, "Unauthorized")
        token = self._token(first.get("payload"))
        self.viewer = await self._viewer_of(token)
        await self._send({"type": "connection_ack"})
        watch = asyncio.ensure_future(self._watch(token))
        receiving = asyncio.ensure_future(self._serve(token))
        try:
            # whichever ends first ends the connection: a closing message, or a token gone bad
            done, _ = await asyncio.wait({watch, receiving}, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                task.result()
        finally:
            for task in (watch, receiving):
                task.cancel()
            await asyncio.gather(watch, receiving, return_exceptions=True)

    async def _serve(self, token: str) -> None:
        while True:
            message = await self._receive()
            kind = message.get("type")
            if kind == "ping":
                await self._send({"type": "pong"})
            elif kind == "pong":
                continue
            elif kind == "subscribe":
                # each operation runs as the token's user is now: deactivated, it is refused
                self.viewer = await self._viewer_of(token)
                self._start(message)
            elif kind == "complete":
                self._cancel(message.get("id"))
            elif kind == "connection_init":
                raise Closed(4429, "Too many initialisation requests")
            else:
                raise Closed(4400, "Invalid message")

    async def stop(self) -> None:
        tasks = list(self.operations.values())
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    async def _receive(self) -> dict[str, Any]:
        message = await self.websocket.receive()
        if message["type"] == "websocket.disconnect":
            raise WebSocketDisconnect(message.get("code", 1000))
        text = message.get("text")
        if text is None:  # a binary frame: the protocol speaks JSON text only
            raise Closed(4400, "Invalid message")
        if len(text) > self.server.max_message_bytes or (
            4 * len(text) > self.server.max_message_bytes
            and len(text.encode()) > self.server.max_message_bytes
        ):
            raise Closed(4413, "Message too large")
        try:
            message = orjson.loads(text)
        except orjson.JSONDecodeError:
            raise Closed(4400, "Invalid message") from None
        if not isinstance(message, dict):
            raise Closed(4400, "Invalid message")
        return message

    async def _send(self, message: dict[str, Any]) -> None:
        async with self.sending:
            await self.websocket.send_text(orjson.dumps(message).decode())

    @staticmethod
    def _token(payload: Any) -> str:
        token = None
        if isinstance(payload, dict):
            token = payload.get("Authorization") or payload.get("authorization")
            if token is None and isinstance(payload.get("token"), str):
                token = f"Bearer {payload['token']}"
        if not isinstance(token, str):
            raise Closed(4403, "Forbidden")
        return token

    async def _viewer_of(self, token: str) -> Viewer:
        try:
            return await self.server.authenticator.viewer_for(token)
        except Unauthenticated:
            raise Closed(4403, "Forbidden") from None

    async def _watch(self, token: str) -> None:
        """While the connection is open, ask again every `RECHECK_SECONDS` whether its token
        is still good (not expired, its user still active); when it isn't, close."""
        while True:
            await asyncio.sleep(RECHECK_SECONDS)
            await self._viewer_of(token)

    def _start(self, message: dict[str, Any]) -> None:
        operation_id = message.get("id")
        if not isinstance(operation_id, str) or not 1 <= len(operation_id) <= 128:
            raise Closed(4400, "Invalid message")
        if operation_id in self.operations:
            raise Closed(4409, f"Subscriber for {operation_id} already exists")
        if len(self.operations) >= MAX_OPERATIONS:
            raise Closed(4400, "Too many operations")
        task = asyncio.create_task(self._operate(operation_id, message.get("payload")))
        self.operations[operation_id] = task
        task.add_done_callback(lambda ended: self._ended(operation_id, ended))

    def _ended(self, operation_id: str, task: asyncio.Task[None]) -> None:
        """Forget an operation that ended, unless its id already names a newer one."""
        if self.operations.get(operation_id) is task:
            del self.operations[operation_id]

    def _cancel(self, operation_id: Any) -> None:
        task = self.operations.pop(operation_id, None) if isinstance(operation_id, str) else None
        if task is not None:
            task.cancel()

    async def _operate(self, operation_id: str, payload: Any) -> None:
        """One operation: its answers as `next` messages, then `complete`; a request that
        can't run is one `error` message, and so is a stream that fails."""
        context = Context(viewer=self.viewer, request_id=uuid.uuid4().hex, language=self.language)
        try:
            await self._answer(operation_id, payload, context)
        except (DomainError, InvalidInput) as error:
            # the stream ended with a refusal (an unknown ticket, a deactivated user)
            await self._fail(operation_id, GraphQLError(str(error), original_error=error), context)
        except Exception as error:
            # masked, with its request id, as on POST
            await self._fail(
                operation_id, GraphQLError(str(error), original_error=error, path=[]), context
            )

    async def _fail(self, operation_id: str, error: GraphQLError, context: Context) -> None:
        formatted = format_error(error, context.language, context.request_id)
        await self._send({"id": operation_id, "type": "error", "payload": [formatted]})

    async def _answer(self, operation_id: str, payload: Any, context: Context) -> None:
        engine = self.server.engine
        request = graphql_request(payload)
        try:
            if request is None:
                raise RequestError([LocalizedError("request.not_graphql", "BAD_USER_INPUT")])
            request = await self.server.persisted.resolve(self.viewer, request)
            prepared = engine.prepare(request)
            # a subscription's cost is taken once, when it starts
            await self.server.admission.admit(self.viewer, request, prepared)
            answers = await self._answers(prepared, request, context)
        except RequestError as error:
            refused = engine.format_request_error(error, context)
            await self._send(
                {"id": operation_id, "type": "error", "payload": refused.body["errors"]}
            )
            return
        except Throttled as throttled:
            await self._fail(operation_id, throttled.error, context)
            return
        if isinstance(answers, Outcome):
            if not answers.executed:
                await self._send(
                    {"id": operation_id, "type": "error", "payload": answers.body["errors"]}
                )
                return
            await self._send({"id": operation_id, "type": "next", "payload": answers.body})
        else:
            async for answer in answers:
                await self._send({"id": operation_id, "type": "next", "payload": answer.body})
        await self._send({"id": operation_id, "type": "complete"})

    async def _answers(self, prepared: Any, request: GraphQLRequest, context: Context) -> Any:
        if prepared.is_subscription:
            return await self.server.engine.subscribe(prepared, request, context)
        seconds = self.server.timeout_seconds
        try:  # a query or a mutation waits its turn and has the time limit of POST
            async with self.server.gate.turn(), asyncio.timeout(seconds):
                return await self.server.engine.execute(prepared, request, context)
        except TimeoutError:
            raise RequestError(
                [LocalizedError("limits.timeout", "TIMEOUT", seconds=seconds)]
            ) from None
