"""Bearer tokens: verification with a pinned algorithm, HS256 secrets or a JWKS.

The verifier is built from values handed down by `api/settings.py`; nothing here reads the
environment. `alg` is never taken from the token, `exp` is always required, and `iss`/`aud`
are checked whenever they are configured.
"""

from __future__ import annotations

import asyncio
import json
import math
import threading
import time
import urllib.request
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import jwt

HMAC_ALGORITHMS = frozenset({"HS256"})
ASYMMETRIC_ALGORITHMS = frozenset({"RS256", "ES256"})
MINIMUM_SECRET_BYTES = 32
VERIFIED_TOKENS = 1024  # verified tokens remembered, the least recently used forgotten first
VERIFIED_FOR = 300.0  # seconds a verified signature is trusted before it is checked again


class TokenError(Exception):
    """The token cannot be trusted; `reason` is for logs, never for the client."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Claims:
    sub: str
    tid: str
    roles: tuple[str, ...]
    name: str | None = None
    email: str | None = None


@dataclass(frozen=True, slots=True)
class TokenPolicy:
    algorithm: str
    issuer: str | None = None
    audience: str | None = None
    leeway_seconds: float = 30.0
    max_token_bytes: int = 8192


class JwksKeys:
    """Signing keys from a JWKS URL, fetched off the event loop and cached.

    An unknown `kid` triggers a refetch at most once per `refresh_interval` seconds, so a
    flood of tokens with random key ids costs at most one request a minute. Keys fetched
    `max_age` seconds ago are fetched again when next used, so that a key the issuer has
    withdrawn (rotated out after a compromise, say) stops verifying new tokens even if no
    token ever names an unknown key (one verified already is trusted for `VERIFIED_FOR` more
    at most); while the JWKS can't be fetched, the keys held go on serving, and it is tried
    again every `refresh_interval`.
    """

    def __init__(
        self,
        url: str,
        *,
        refresh_interval: float = 60.0,
        max_age: float = 3600.0,
        timeout: float = 5.0,
        max_bytes: int = 1_000_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not url.startswith(("https://", "http://")):
            raise ValueError("the JWKS URL must be http(s)")
        self.url = url
        self.refresh_interval = refresh_interval
        self.max_age = max_age
        self.timeout = timeout
        self.max_bytes = max_bytes
        self._clock = clock
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at: float | None = None  # the last attempt
        self._current_at: float | None = None  # the last attempt that got the keys
        self._lock = threading.Lock()
        self.fetch_count = 0

    async def key_for(self, kid: str) -> jwt.PyJWK:
        if self._stale() and self._may_refresh():  # retried at the interval while it fails
            try:
                await asyncio.to_thread(self._refresh)
            except TokenError:
                if not self._keys:
                    raise
        key = self._keys.get(kid)
        if key is None and self._may_refresh():
            await asyncio.to_thread(self._refresh)
            key = self._keys.get(kid)
        if key is None:
            raise TokenError("unknown key id")
        return key

    def _stale(self) -> bool:
        return self._current_at is not None and self._clock() - self._current_at >= self.max_age

    def _may_refresh(self) -> bool:
        return self._fetched_at is None or self._clock() - self._fetched_at >= self.refresh_interval

    def _refresh(self) -> None:
        with self._lock:
            if not self._may_refresh():
                return
            self._fetched_at = self._clock()
            self.fetch_count += 1
            try:
                request = urllib.request.Request(self.url, headers={"Accept": "application/json"})  # noqa: S310
                with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                    document = json.loads(response.read(self.max_bytes + 1)[: self.max_bytes])
                keys = jwt.PyJWKSet.from_dict(document).keys
            except Exception as error:
                raise TokenError(f"JWKS unavailable: {error.__class__.__name__}") from None
            self._keys = {key.key_id: key for key in keys if key.key_id}
            self._current_at = self._fetched_at


@dataclass
class TokenVerifier:
    """Verifies a bearer token and returns its claims, or raises `TokenError`."""

    policy: TokenPolicy
    secret: str | None = None
    jwks: JwksKeys | None = None
    _required: Sequence[str] = field(default=("exp", "sub"), init=False)
    # Tokens verified already: token -> (claims, usable from, usable until), on the monotonic
    # clock. A client sends the same token for every request of its session; checking the
    # signature once is enough, the time window is checked on every use.
    _verified: OrderedDict[str, tuple[Claims, float, float]] = field(
        default_factory=OrderedDict, init=False
    )

    def __post_init__(self) -> None:
        algorithm = self.policy.algorithm
        if algorithm in HMAC_ALGORITHMS:
            if not self.secret or len(self.secret.encode()) < MINIMUM_SECRET_BYTES:
                raise ValueError(f"HS256 needs a secret of at least {MINIMUM_SECRET_BYTES} bytes")
        elif algorithm in ASYMMETRIC_ALGORITHMS:
            if self.jwks is None:
                raise ValueError(f"{algorithm} needs a JWKS URL")
        else:
            raise ValueError(f"unsupported algorithm {algorithm!r}")

    async def verify(self, token: str) -> Claims:
        if len(token) > self.policy.max_token_bytes:
            raise TokenError("token too large")
        known = self._verified.get(token)
        if known is not None:
            claims, usable_from, usable_until = known
            if usable_from <= time.monotonic() < usable_until:
                self._verified.move_to_end(token)
                return claims
            del self._verified[token]  # expired or not yet valid: the full check decides
        claims, payload = await self._verify_signed(token)
        self._remember(token, claims, payload)
        return claims

    def _remember(self, token: str, claims: Claims, payload: dict[str, Any]) -> None:
        """Keep a verified token for at most `VERIFIED_FOR` seconds and while PyJWT would
        still accept its `exp` and `nbf` (read as integers, as PyJWT does)."""
        try:
            expires = float(int(payload["exp"]))
            not_before = float(int(payload["nbf"])) if "nbf" in payload else -math.inf
        except (TypeError, ValueError, OverflowError):
            return  # odd but accepted times: checked in full every time
        leeway, now, monotonic = self.policy.leeway_seconds, time.time(), time.monotonic()
        usable_from = monotonic + (not_before - leeway - now)
        usable_until = monotonic + min(expires + leeway - now, VERIFIED_FOR)
        self._verified[token] = (claims, usable_from, usable_until)
        if len(self._verified) > VERIFIED_TOKENS:
            self._verified.popitem(last=False)

    async def _verify_signed(self, token: str) -> tuple[Claims, dict[str, Any]]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise TokenError("malformed token") from None
        if header.get("alg") != self.policy.algorithm:
            raise TokenError("unexpected algorithm")
        key: Any = self.secret
        if self.jwks is not None:
            kid = header.get("kid")
            if not isinstance(kid, str) or not kid or len(kid) > 256:
                raise TokenError("missing key id")
            key = await self.jwks.key_for(kid)
        try:
            payload = jwt.decode(
                token,
                key,
                algorithms=[self.policy.algorithm],
                issuer=self.policy.issuer,
                audience=self.policy.audience,
                leeway=timedelta(seconds=self.policy.leeway_seconds),
                options={
                    "require": list(self._required),
                    "verify_aud": self.policy.audience is not None,
                    "enforce_minimum_key_length": True,
                },
            )
        except jwt.PyJWTError as error:
            raise TokenError(error.__class__.__name__) from None
        return _claims(payload), payload

    def issue(self, claims: dict[str, Any], *, ttl_seconds: int) -> str:
        """Sign a development token (HS256 mode only)."""
        if self.policy.algorithm not in HMAC_ALGORITHMS or self.secret is None:
            raise ValueError("tokens can only be issued in HS256 mode")
        now = int(time.time())
        payload = {"iat": now, "nbf": now, "exp": now + ttl_seconds, **claims}
        if self.policy.issuer:
            payload.setdefault("iss", self.policy.issuer)
        if self.policy.audience:
            payload.setdefault("aud", self.policy.audience)
        return jwt.encode(payload, self.secret, algorithm=self.policy.algorithm)


def _claims(payload: dict[str, Any]) -> Claims:
    sub, tid, roles = payload.get("sub"), payload.get("tid"), payload.get("roles", [])
    if not _printable(sub, 256):
        raise TokenError("invalid sub")
    if not _printable(tid, 64):
        raise TokenError("invalid tid")
    if not isinstance(roles, list) or not all(isinstance(role, str) for role in roles):
        raise TokenError("invalid roles")
    name, email = payload.get("name"), payload.get("email")
    return Claims(
        sub=sub,
        tid=tid,
        roles=tuple(roles),
        name=name if isinstance(name, str) else None,
        email=email if isinstance(email, str) else None,
    )


def _printable(value: object, maximum: int) -> bool:
    return isinstance(value, str) and 0 < len(value) <= maximum and value.isprintable()
