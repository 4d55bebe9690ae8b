"""Settings: the environment, read once into one frozen object and handed down as values."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time
from enum import StrEnum

from auth.tokens import ASYMMETRIC_ALGORITHMS, HMAC_ALGORITHMS, MINIMUM_SECRET_BYTES

PREFIX = "PARTNERGRAPH_"
DEVELOPMENT_SECRET = "partnergraph-development-secret-not-for-production"  # noqa: S105
DEFAULT_DATABASE_URL = "sqlite://partnergraph.sqlite3"


class Environment(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


class SettingsError(ValueError):
    """The configuration is unsafe or malformed; the server refuses to start."""


@dataclass(frozen=True)
class Limits:
    max_body_bytes: int = 1_048_576
    max_header_bytes: int = 16_384
    max_depth: int = 12
    max_aliases: int = 30
    max_tokens: int = 5_000
    max_directives: int = 50
    max_root_fields: int = 20
    max_cost: int = 20_000  # points an operation may cost (schema/cost.py)
    timeout_seconds: float = 10.0  # an operation still running then is stopped
    concurrent_operations: int = 8  # running at once in a process; others wait (api/gate.py)


@dataclass(frozen=True)
class RateLimits:
    """Leaky buckets of cost points, one per caller (a token's subject in its tenant) and one
    per partner; a request must fit in both."""

    enabled: bool = True
    caller_maximum: int = 20_000
    caller_restore_rate: int = 1_000  # points a second
    partner_maximum: int = 60_000
    partner_restore_rate: int = 3_000


@dataclass(frozen=True)
class Webhooks:
    deliver: bool = True  # run the delivery worker in this process
    allow_private_targets: bool = False  # loopback, private and link-local URLs, and http
    timeout_seconds: float = 10.0
    first_retry_seconds: float = 30.0
    poll_seconds: float = 1.0


@dataclass(frozen=True)
class Settings:
    environment: Environment = Environment.DEVELOPMENT
    database_url: str = DEFAULT_DATABASE_URL
    database_pool_min: int = 1
    database_pool_max: int = 10
    jwt_algorithm: str = "HS256"
    jwt_secret: str | None = None
    jwt_jwks_url: str | None = None
    jwt_issuer: str | None = None
    jwt_audience: str | None = None
    jwt_leeway_seconds: float = 30.0
    jwt_max_token_bytes: int = 8_192
    cors_origins: tuple[str, ...] = ()
    metrics_token: str | None = None  # required of `/metrics` scrapers when set
    graphiql: bool = True
    introspection: bool = True
    log_level: str = "INFO"
    host: str = "127.0.0.1"
    port: int = 8000
    scheduler: bool = False  # end terms and run collections once a day inside the server
    scheduler_at: time = time(2, 0)  # at this time of day, UTC
    webhooks: Webhooks = field(default_factory=Webhooks)
    limits: Limits = field(default_factory=Limits)
    rate_limits: RateLimits = field(default_factory=RateLimits)

    @property
    def is_production(self) -> bool:
        return self.environment is Environment.PRODUCTION

    @property
    def database_pool(self) -> tuple[int, int]:
        return self.database_pool_min, self.database_pool_max

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = _Reader(os.environ if environ is None else environ)
        name = env.text("ENV", Environment.DEVELOPMENT.value).lower()
        if name not in {environment.value for environment in Environment}:
            raise SettingsError(f"{PREFIX}ENV must be development or production, not {name!r}")
        environment = Environment(name)
        production = environment is Environment.PRODUCTION
        jwks_url = env.optional("JWT_JWKS_URL")
        secret = env.optional("JWT_SECRET")
        if secret is None and jwks_url is None and not production:
            secret = DEVELOPMENT_SECRET
        defaults, rates = Limits(), RateLimits()
        settings = cls(
            environment=environment,
            database_url=env.text("DATABASE_URL", DEFAULT_DATABASE_URL),
            database_pool_min=int(env.number("DATABASE_POOL_MIN", 1)),
            database_pool_max=int(env.number("DATABASE_POOL_MAX", 10)),
            jwt_algorithm=env.text("JWT_ALGORITHM", "RS256" if jwks_url else "HS256").upper(),
            jwt_secret=secret,
            jwt_jwks_url=jwks_url,
            jwt_issuer=env.optional("JWT_ISSUER"),
            jwt_audience=env.optional("JWT_AUDIENCE"),
            jwt_leeway_seconds=env.number("JWT_LEEWAY_SECONDS", 30.0),
            jwt_max_token_bytes=int(env.number("JWT_MAX_TOKEN_BYTES", 8_192)),
            cors_origins=tuple(env.items("CORS_ORIGINS")),
            metrics_token=env.optional("METRICS_TOKEN"),
            graphiql=env.flag("GRAPHIQL", not production),
            introspection=env.flag("INTROSPECTION", not production),
            log_level=env.text("LOG_LEVEL", "INFO").upper(),
            host=env.text("HOST", "127.0.0.1"),
            port=int(env.number("PORT", 8000)),
            scheduler=env.flag("SCHEDULER", False),
            scheduler_at=env.time_of_day("SCHEDULER_AT", time(2, 0)),
            webhooks=Webhooks(
                deliver=env.flag("WEBHOOKS_DELIVER", True),
                allow_private_targets=env.flag("WEBHOOKS_ALLOW_PRIVATE_TARGETS", False),
                timeout_seconds=env.number("WEBHOOKS_TIMEOUT_SECONDS", 10.0),
                first_retry_seconds=env.number("WEBHOOKS_FIRST_RETRY_SECONDS", 30.0),
                poll_seconds=env.number("WEBHOOKS_POLL_SECONDS", 1.0),
            ),
            limits=Limits(
                max_body_bytes=int(env.number("MAX_BODY_BYTES", defaults.max_body_bytes)),
                max_header_bytes=int(env.number("MAX_HEADER_BYTES", defaults.max_header_bytes)),
                max_depth=int(env.number("MAX_DEPTH", defaults.max_depth)),
                max_aliases=int(env.number("MAX_ALIASES", defaults.max_aliases)),
                max_tokens=int(env.number("MAX_TOKENS", defaults.max_tokens)),
                max_directives=int(env.number("MAX_DIRECTIVES", defaults.max_directives)),
                max_root_fields=int(env.number("MAX_ROOT_FIELDS", defaults.max_root_fields)),
                max_cost=int(env.number("MAX_COST", defaults.max_cost)),
                timeout_seconds=env.number("TIMEOUT_SECONDS", defaults.timeout_seconds),
                concurrent_operations=int(
                    env.number("CONCURRENT_OPERATIONS", defaults.concurrent_operations)
                ),
            ),
            rate_limits=RateLimits(
                enabled=env.flag("RATE_LIMITS", rates.enabled),
                caller_maximum=int(env.number("RATE_LIMIT_CALLER_MAXIMUM", rates.caller_maximum)),
                caller_restore_rate=int(
                    env.number("RATE_LIMIT_CALLER_RESTORE_RATE", rates.caller_restore_rate)
                ),
                partner_maximum=int(
                    env.number("RATE_LIMIT_PARTNER_MAXIMUM", rates.partner_maximum)
                ),
                partner_restore_rate=int(
                    env.number("RATE_LIMIT_PARTNER_RESTORE_RATE", rates.partner_restore_rate)
                ),
            ),
        )
        settings.check()
        return settings

    def check(self) -> None:
        """Refuse configurations that would be unsafe to serve."""
        if self.jwt_algorithm in HMAC_ALGORITHMS:
            if not self.jwt_secret:
                raise SettingsError(f"{PREFIX}JWT_SECRET is required for HS256")
            if len(self.jwt_secret.encode()) < MINIMUM_SECRET_BYTES:
                raise SettingsError(
                    f"{PREFIX}JWT_SECRET must be at least {MINIMUM_SECRET_BYTES} bytes"
                )
            if self.is_production and self.jwt_secret == DEVELOPMENT_SECRET:
                raise SettingsError(f"{PREFIX}JWT_SECRET is the development default")
        elif self.jwt_algorithm in ASYMMETRIC_ALGORITHMS:
            if not self.jwt_jwks_url:
                raise SettingsError(f"{PREFIX}JWT_JWKS_URL is required for {self.jwt_algorithm}")
            if self.is_production and not self.jwt_jwks_url.startswith("https://"):
                raise SettingsError(f"{PREFIX}JWT_JWKS_URL must be https in production")
        else:
            raise SettingsError(f"{PREFIX}JWT_ALGORITHM must be HS256, RS256 or ES256")
        if not 1 <= self.database_pool_min <= self.database_pool_max:
            raise SettingsError(
                f"{PREFIX}DATABASE_POOL_MIN must be at least 1 and at most DATABASE_POOL_MAX"
            )
        for name, value in vars(self.limits).items():
            if value < 1 and name != "timeout_seconds":
                raise SettingsError(f"{PREFIX}{name.upper()} must be at least 1")
        if self.limits.timeout_seconds <= 0:
            raise SettingsError(f"{PREFIX}TIMEOUT_SECONDS must be above 0")
        rates = self.rate_limits
        for name in ("caller_restore_rate", "partner_restore_rate"):
            if getattr(rates, name) < 1:
                raise SettingsError(f"{PREFIX}RATE_LIMIT_{name.upper()} must be at least 1")
        if min(rates.caller_maximum, rates.partner_maximum) < self.limits.max_cost:
            raise SettingsError(
                f"{PREFIX}RATE_LIMIT_CALLER_MAXIMUM and RATE_LIMIT_PARTNER_MAXIMUM must be at "
                f"least {PREFIX}MAX_COST: an operation allowed to cost that much must fit"
            )
        if min(self.webhooks.timeout_seconds, self.webhooks.poll_seconds) <= 0:
            raise SettingsError(
                f"{PREFIX}WEBHOOKS_TIMEOUT_SECONDS and WEBHOOKS_POLL_SECONDS must be above 0"
            )
        if self.is_production and "*" in self.cors_origins:
            raise SettingsError(f"{PREFIX}CORS_ORIGINS may not be '*' in production")


class _Reader:
    def __init__(self, environ: Mapping[str, str]) -> None:
        self.environ = environ

    def optional(self, name: str) -> str | None:
        value = self.environ.get(PREFIX + name, "").strip()
        return value or None

    def text(self, name: str, default: str) -> str:
        return self.optional(name) or default

    def number(self, name: str, default: float) -> float:
        value = self.optional(name)
        if value is None:
            return default
        try:
            number = float(value)
        except ValueError:
            number = math.nan
        if not math.isfinite(number) or number < 0:
            raise SettingsError(f"{PREFIX}{name} must be a number of at least 0, not {value!r}")
        return number

    def flag(self, name: str, default: bool) -> bool:
        value = self.optional(name)
        if value is None:
            return default
        if value.lower() in {"1", "true", "yes", "on"}:
            return True
        if value.lower() in {"0", "false", "no", "off"}:
            return False
        raise SettingsError(f"{PREFIX}{name} must be true or false, not {value!r}")

    def time_of_day(self, name: str, default: time) -> time:
        value = self.optional(name)
        if value is None:
            return default
        try:
            return time.fromisoformat(value)
        except ValueError:
            raise SettingsError(f"{PREFIX}{name} must be a time of day such as 02:00") from None

    def items(self, name: str) -> list[str]:
        value = self.optional(name) or ""
        return [item.strip() for item in value.split(",") if item.strip()]
