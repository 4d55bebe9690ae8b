"""Bearer tokens: every way a token can be wrong is a 401 with nothing served, and the
verifier pins its algorithm, checks iss/aud, and fetches JWKS keys sparingly."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import socket
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import jwt
import pytest
import pytest_asyncio
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from api.app import create_app
from api.settings import DEVELOPMENT_SECRET, Settings, SettingsError
from auth.tokens import Claims, JwksKeys, TokenError, TokenPolicy, TokenVerifier
from resolvers import models
from schema.execution import Engine, GraphQLRequest
from schema.messages import MESSAGES
from tests.conftest import TEST_SECRET, Api, World, counting_statements

VIEWER = "{ viewer { roles } }"

OTHER_SECRET = "another-secret-that-is-long-enough-0123456789"
ISSUER = "https://login.example.com/partnergraph/v2.0"
AUDIENCE = "api://partnergraph"

RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
ROTATED_RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
EC_KEY = ec.generate_private_key(ec.SECP256R1())


# helpers -------------------------------------------------------------------------------


def now() -> int:
    return int(time.time())


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def segment(value: dict[str, Any]) -> str:
    return b64url(json.dumps(value, separators=(",", ":")).encode())


def claims_for(world: World, partner: str = "direct", **overrides: Any) -> dict[str, Any]:
    issued = now()
    claims: dict[str, Any] = {
        "sub": f"token-user-{partner}",
        "tid": world.partners[partner].tenant_id,
        "roles": ["global_admin"],
        "iat": issued,
        "nbf": issued,
        "exp": issued + 600,
    }
    claims.update(overrides)
    return claims


def hs256(claims: dict[str, Any], secret: str = TEST_SECRET) -> str:
    return jwt.encode(claims, secret, algorithm="HS256")


def unit_claims(**overrides: Any) -> dict[str, Any]:
    issued = now()
    return {
        "sub": "unit-user",
        "tid": str(uuid.uuid4()),
        "roles": ["global_admin"],
        "iat": issued,
        "exp": issued + 600,
        **overrides,
    }


def assert_unauthenticated(
    response: httpx.Response, key: str = "auth.invalid_token", *, token_sent: bool = True
) -> None:
    assert response.status_code == 401, response.text
    body = response.json()
    assert "data" not in body
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert body["errors"][0]["message"] == MESSAGES[key]["en"]
    challenge = 'Bearer error="invalid_token"' if token_sent else "Bearer"
    assert response.headers["www-authenticate"] == challenge


def rsa_jwk(key: rsa.RSAPrivateKey, kid: str) -> dict[str, Any]:
    return {
        **RSAAlgorithm.to_jwk(key.public_key(), as_dict=True),
        "kid": kid,
        "use": "sig",
        "alg": "RS256",
    }


def ec_jwk(key: ec.EllipticCurvePrivateKey, kid: str) -> dict[str, Any]:
    return {
        **ECAlgorithm.to_jwk(key.public_key(), as_dict=True),
        "kid": kid,
        "use": "sig",
        "alg": "ES256",
    }


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class JwksServer:
    """A JWKS endpoint on the loopback interface; `keys` may change while it serves."""

    keys: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""
    requests: int = 0
    fail: bool = False  # answer 503, as an issuer's endpoint that is down


@pytest.fixture
def jwks_server() -> Iterator[JwksServer]:
    served = JwksServer()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            served.requests += 1
            if served.fail:
                self.send_error(503)
                return
            body = json.dumps({"keys": served.keys}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    served.url = f"http://127.0.0.1:{server.server_address[1]}/.well-known/jwks.json"
    try:
        yield served
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest_asyncio.fixture
async def rs256_api(database_url: str, jwks_server: JwksServer) -> AsyncIterator[Api]:
    """The API configured for RS256 tokens checked against the loopback JWKS."""
    jwks_server.keys = [rsa_jwk(RSA_KEY, "rsa-1")]
    settings = Settings(
        database_url=database_url, jwt_algorithm="RS256", jwt_jwks_url=jwks_server.url
    )
    app = create_app(settings, manage_database=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield Api(http)


@pytest.fixture
def refusals(caplog: pytest.LogCaptureFixture) -> Callable[[], list[str]]:
    """The reasons the verifier gave, as logged for operators (never sent to clients)."""
    caplog.set_level(logging.INFO, logger="partnergraph.auth")
    return lambda: [
        record.reason for record in caplog.records if record.name == "partnergraph.auth"
    ]


# over HTTP -------------------------------------------------------------------------------


async def test_a_valid_token_is_served(api: Api, world: World) -> None:
    data = await api.data(VIEWER, token=hs256(claims_for(world)))
    assert data == {"viewer": {"roles": ["global_admin"]}}


async def test_a_request_without_authorization_is_refused(api: Api, world: World) -> None:
    response = await api.post(VIEWER)
    assert_unauthenticated(response, "auth.missing_token", token_sent=False)


@pytest.mark.parametrize("authorization", ["Bearer", "Basic xyz", "Bearer a b"])
async def test_a_malformed_authorization_header_is_refused(
    api: Api, world: World, authorization: str, refusals: Callable[[], list[str]]
) -> None:
    response = await api.post(VIEWER, headers={"authorization": authorization})
    assert_unauthenticated(response)
    assert refusals() == []  # refused by the header parser, before the verifier


async def test_a_token_signed_with_another_secret_is_refused(
    api: Api, world: World, refusals: Callable[[], list[str]]
) -> None:
    response = await api.post(VIEWER, token=hs256(claims_for(world), OTHER_SECRET))
    assert_unauthenticated(response)
    assert refusals() == ["InvalidSignatureError"]


async def test_an_expired_token_is_refused(
    api: Api, world: World, refusals: Callable[[], list[str]]
) -> None:
    expired = claims_for(world, iat=now() - 3_600, nbf=now() - 3_600, exp=now() - 120)
    response = await api.post(VIEWER, token=hs256(expired))
    assert_unauthenticated(response)
    assert refusals() == ["ExpiredSignatureError"]


async def test_a_token_expired_within_the_leeway_still_works(api: Api, world: World) -> None:
    barely_expired = claims_for(world, iat=now() - 600, nbf=now() - 600, exp=now() - 10)
    data = await api.data(VIEWER, token=hs256(barely_expired))
    assert data == {"viewer": {"roles": ["global_admin"]}}


async def test_a_token_with_alg_none_is_refused(
    api: Api, world: World, refusals: Callable[[], list[str]]
) -> None:
    unsigned = ".".join([segment({"alg": "none", "typ": "JWT"}), segment(claims_for(world)), ""])
    response = await api.post(VIEWER, token=unsigned)
    assert_unauthenticated(response)
    assert refusals() == ["unexpected algorithm"]


async def test_a_token_without_exp_is_refused(
    api: Api, world: World, refusals: Callable[[], list[str]]
) -> None:
    claims = claims_for(world)
    del claims["exp"]
    response = await api.post(VIEWER, token=hs256(claims))
    assert_unauthenticated(response)
    assert refusals() == ["MissingRequiredClaimError"]


async def test_a_token_not_yet_valid_is_refused(
    api: Api, world: World, refusals: Callable[[], list[str]]
) -> None:
    early = claims_for(world, nbf=now() + 300, exp=now() + 900)
    response = await api.post(VIEWER, token=hs256(early))
    assert_unauthenticated(response)
    assert refusals() == ["ImmatureSignatureError"]


async def test_a_token_of_a_tenant_never_onboarded_is_refused(
    api: Api, world: World, refusals: Callable[[], list[str]]
) -> None:
    stranger = claims_for(world, tid=str(uuid.uuid4()), sub="stranger")
    response = await api.post(VIEWER, token=hs256(stranger))
    assert_unauthenticated(response, "auth.unknown_tenant")
    assert refusals() == []  # the token itself was good
    assert not await models.User.filter(sub="stranger").exists()


async def test_a_deactivated_user_is_refused_at_once(api: Api, world: World) -> None:
    token = hs256(claims_for(world, sub="soon-gone"))
    assert await api.data(VIEWER, token=token) == {"viewer": {"roles": ["global_admin"]}}
    updated = await models.User.filter(sub="soon-gone").update(active=False)
    assert updated == 1
    response = await api.post(VIEWER, token=token)
    assert_unauthenticated(response, "auth.user_deactivated")


async def test_a_user_of_a_deactivated_partner_is_refused(api: Api, world: World) -> None:
    token = hs256(claims_for(world, "other"))
    assert await api.data(VIEWER, token=token) == {"viewer": {"roles": ["global_admin"]}}
    await models.Partner.filter(id=world.partners["other"].id).update(active=False)
    response = await api.post(VIEWER, token=token)
    assert_unauthenticated(response, "auth.unknown_tenant")


async def test_a_token_over_the_size_limit_is_refused_before_any_work(
    api: Api, world: World, monkeypatch: pytest.MonkeyPatch, refusals: Callable[[], list[str]]
) -> None:
    small = hs256(claims_for(world))
    with counting_statements() as statements:
        await api.data(VIEWER, token=small)
    assert statements, "the statement counter sees the database work of a served request"

    oversized = hs256(claims_for(world, padding="x" * 9_000))
    assert len(oversized) > 8_192
    parsed: list[str] = []
    parse = jwt.get_unverified_header

    def spying(token: str) -> dict[str, Any]:
        parsed.append(token)
        return parse(token)

    monkeypatch.setattr(jwt, "get_unverified_header", spying)
    started = time.perf_counter()
    with counting_statements() as statements:
        response = await api.post(VIEWER, token=oversized)
    elapsed = time.perf_counter() - started
    assert_unauthenticated(response)
    assert parsed == []
    assert statements == []
    assert refusals() == []
    assert elapsed < 1.0


async def test_the_largest_token_that_fits_is_served_and_one_byte_more_is_refused(
    api: Api, world: World, refusals: Callable[[], list[str]]
) -> None:
    def sized(length: int) -> str:
        return hs256(claims_for(world, padding="x" * length))

    lengths = {len(sized(n)): n for n in range(5_900, 6_200)}
    fits = max(length for length in lengths if length <= 8_192)
    over = min(length for length in lengths if length > 8_192)
    assert await api.data(VIEWER, token=sized(lengths[fits])) == {
        "viewer": {"roles": ["global_admin"]}
    }
    assert_unauthenticated(await api.post(VIEWER, token=sized(lengths[over])))
    assert refusals() == ["token too large"]


async def test_a_token_for_another_audience_is_not_checked_when_none_is_configured(
    api: Api, world: World
) -> None:
    token = hs256(claims_for(world, aud="api://someone-else", iss="https://elsewhere"))
    assert await api.data(VIEWER, token=token) == {"viewer": {"roles": ["global_admin"]}}


async def test_an_rs256_api_serves_tokens_signed_by_its_jwks(rs256_api: Api, world: World) -> None:
    token = jwt.encode(claims_for(world), RSA_KEY, algorithm="RS256", headers={"kid": "rsa-1"})
    data = await rs256_api.data(VIEWER, token=token)
    assert data == {"viewer": {"roles": ["global_admin"]}}


async def test_an_rs256_api_refuses_hs256_tokens_signed_with_its_public_key(
    rs256_api: Api, world: World, refusals: Callable[[], list[str]]
) -> None:
    public_pem = RSA_KEY.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    for header in ({"alg": "HS256", "typ": "JWT", "kid": "rsa-1"}, {"alg": "HS256", "typ": "JWT"}):
        signing_input = f"{segment(header)}.{segment(claims_for(world))}"
        signature = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()
        confused = f"{signing_input}.{b64url(signature)}"
        assert_unauthenticated(await rs256_api.post(VIEWER, token=confused))
    assert refusals() == ["unexpected algorithm", "unexpected algorithm"]


async def test_an_rs256_api_refuses_hs256_tokens_signed_with_any_secret(
    rs256_api: Api, world: World, refusals: Callable[[], list[str]]
) -> None:
    response = await rs256_api.post(VIEWER, token=hs256(claims_for(world)))
    assert_unauthenticated(response)
    assert refusals() == ["unexpected algorithm"]


# the verifier on its own ----------------------------------------------------------------


def hs256_verifier(**policy: Any) -> TokenVerifier:
    return TokenVerifier(policy=TokenPolicy(algorithm="HS256", **policy), secret=TEST_SECRET)


async def test_iss_and_aud_are_accepted_when_they_match_the_configuration() -> None:
    verifier = hs256_verifier(issuer=ISSUER, audience=AUDIENCE)
    claims = unit_claims(iss=ISSUER, aud=AUDIENCE, name="Ana", email="ana@example.com")
    verified = await verifier.verify(hs256(claims))
    assert verified == Claims(
        sub="unit-user",
        tid=claims["tid"],
        roles=("global_admin",),
        name="Ana",
        email="ana@example.com",
    )


@pytest.mark.parametrize(
    "overrides",
    [
        {"iss": "https://login.example.com/evil/v2.0", "aud": AUDIENCE},
        {"iss": ISSUER, "aud": "api://someone-else"},
        {"aud": AUDIENCE},
        {"iss": ISSUER},
    ],
    ids=["wrong-iss", "wrong-aud", "missing-iss", "missing-aud"],
)
async def test_a_wrong_or_missing_iss_or_aud_is_a_token_error(overrides: dict[str, Any]) -> None:
    verifier = hs256_verifier(issuer=ISSUER, audience=AUDIENCE)
    with pytest.raises(TokenError):
        await verifier.verify(hs256(unit_claims(**overrides)))


async def test_the_verifier_refuses_an_oversized_token_without_parsing_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def never(token: str) -> dict[str, Any]:
        raise AssertionError("an oversized token was parsed")

    oversized = hs256(unit_claims(padding="x" * 9_000))
    monkeypatch.setattr(jwt, "get_unverified_header", never)
    with pytest.raises(TokenError, match="too large"):
        await hs256_verifier().verify(oversized)


@pytest.mark.parametrize(
    ("claims", "reason"),
    [
        ({"tid": None}, "invalid tid"),
        ({"tid": ""}, "invalid tid"),
        ({"roles": "global_admin"}, "invalid roles"),
        ({"roles": [1]}, "invalid roles"),
    ],
)
async def test_claims_of_the_wrong_shape_are_a_token_error(
    claims: dict[str, Any], reason: str
) -> None:
    with pytest.raises(TokenError, match=reason):
        await hs256_verifier().verify(hs256(unit_claims(**claims)))


class Clock:
    """Both clocks the verifier reads, moved forward together."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.offset = 0.0
        wall, monotonic = time.time, time.monotonic
        clock = self

        class ShiftedDatetime(datetime):  # what PyJWT reads
            @classmethod
            def now(cls, tz: Any = None) -> datetime:  # type: ignore[override]
                return datetime.now(tz) + timedelta(seconds=clock.offset)

        monkeypatch.setattr(time, "time", lambda: wall() + self.offset)
        monkeypatch.setattr(time, "monotonic", lambda: monotonic() + self.offset)
        monkeypatch.setattr(jwt.api_jwt, "datetime", ShiftedDatetime)


async def test_a_token_is_verified_once_and_its_time_window_on_every_use(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    verifier = hs256_verifier(leeway_seconds=0)
    decoded: list[str] = []
    decode = jwt.decode

    def counting(token: str, *args: Any, **kwargs: Any) -> Any:
        decoded.append(token)
        return decode(token, *args, **kwargs)

    monkeypatch.setattr(jwt, "decode", counting)
    clock = Clock(monkeypatch)
    token = hs256(unit_claims(exp=now() + 60))
    for _ in range(3):
        await verifier.verify(token)
    assert len(decoded) == 1
    clock.offset = 61  # expired: the remembered verification no longer counts
    with pytest.raises(TokenError, match="ExpiredSignature"):
        await verifier.verify(token)


async def test_a_remembered_token_is_checked_again_after_five_minutes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    verifier = hs256_verifier()
    clock = Clock(monkeypatch)
    token = hs256(unit_claims(exp=now() + 3600))
    await verifier.verify(token)
    verifier.secret = "a-rotated-secret-of-at-least-thirty-two-bytes"
    await verifier.verify(token)  # within five minutes, remembered
    clock.offset = 301
    with pytest.raises(TokenError, match="InvalidSignature"):
        await verifier.verify(token)


async def test_tokens_with_odd_but_accepted_exp_values_are_served() -> None:
    verifier = hs256_verifier()
    as_text = hs256(unit_claims(exp=str(now() + 600)))  # PyJWT reads it as an integer
    beyond_floats = hs256(unit_claims(exp=10**400))
    for token in (as_text, beyond_floats, as_text, beyond_floats):
        assert (await verifier.verify(token)).sub == "unit-user"
    assert as_text in verifier._verified
    assert beyond_floats not in verifier._verified  # checked in full each time


async def test_a_token_not_yet_valid_is_never_remembered_early(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    verifier = hs256_verifier(leeway_seconds=0)
    Clock(monkeypatch)
    with pytest.raises(TokenError, match="ImmatureSignature"):
        await verifier.verify(hs256(unit_claims(nbf=now() + 60)))
    assert verifier._verified == {}


def test_a_verifier_refuses_to_be_built_with_a_short_hs256_secret() -> None:
    with pytest.raises(ValueError, match="at least 32 bytes"):
        TokenVerifier(policy=TokenPolicy(algorithm="HS256"), secret="short-secret")
    with pytest.raises(ValueError, match="at least 32 bytes"):
        TokenVerifier(policy=TokenPolicy(algorithm="HS256"), secret=None)


def test_a_verifier_refuses_unsupported_algorithms_and_asymmetric_ones_without_jwks() -> None:
    with pytest.raises(ValueError, match="unsupported algorithm"):
        TokenVerifier(policy=TokenPolicy(algorithm="none"), secret=TEST_SECRET)
    with pytest.raises(ValueError, match="needs a JWKS URL"):
        TokenVerifier(policy=TokenPolicy(algorithm="RS256"))


async def test_rs256_tokens_are_verified_with_a_key_from_the_jwks(
    jwks_server: JwksServer,
) -> None:
    jwks_server.keys = [rsa_jwk(RSA_KEY, "rsa-1"), ec_jwk(EC_KEY, "ec-1")]
    verifier = TokenVerifier(policy=TokenPolicy(algorithm="RS256"), jwks=JwksKeys(jwks_server.url))
    claims = unit_claims()
    token = jwt.encode(claims, RSA_KEY, algorithm="RS256", headers={"kid": "rsa-1"})
    verified = await verifier.verify(token)
    assert (verified.sub, verified.tid, verified.roles) == (
        "unit-user",
        claims["tid"],
        ("global_admin",),
    )
    es256 = jwt.encode(claims, EC_KEY, algorithm="ES256", headers={"kid": "ec-1"})
    with pytest.raises(TokenError, match="unexpected algorithm"):
        await verifier.verify(es256)


async def test_es256_tokens_are_verified_with_a_key_from_the_jwks(
    jwks_server: JwksServer,
) -> None:
    jwks_server.keys = [ec_jwk(EC_KEY, "ec-1"), rsa_jwk(RSA_KEY, "rsa-1")]
    verifier = TokenVerifier(policy=TokenPolicy(algorithm="ES256"), jwks=JwksKeys(jwks_server.url))
    claims = unit_claims()
    token = jwt.encode(claims, EC_KEY, algorithm="ES256", headers={"kid": "ec-1"})
    verified = await verifier.verify(token)
    assert (verified.sub, verified.tid) == ("unit-user", claims["tid"])
    # the header says ES256 but the key id names the RSA key: the key's algorithm wins
    confused = jwt.encode(claims, EC_KEY, algorithm="ES256", headers={"kid": "rsa-1"})
    with pytest.raises(TokenError):
        await verifier.verify(confused)


async def test_a_jwks_token_signed_by_another_key_under_a_known_kid_is_refused(
    jwks_server: JwksServer,
) -> None:
    jwks_server.keys = [rsa_jwk(RSA_KEY, "rsa-1")]
    verifier = TokenVerifier(policy=TokenPolicy(algorithm="RS256"), jwks=JwksKeys(jwks_server.url))
    forged = jwt.encode(unit_claims(), ROTATED_RSA_KEY, algorithm="RS256", headers={"kid": "rsa-1"})
    with pytest.raises(TokenError, match="InvalidSignatureError"):
        await verifier.verify(forged)


async def test_a_jwks_token_without_a_kid_is_refused_without_fetching(
    jwks_server: JwksServer,
) -> None:
    jwks_server.keys = [rsa_jwk(RSA_KEY, "rsa-1")]
    keys = JwksKeys(jwks_server.url)
    verifier = TokenVerifier(policy=TokenPolicy(algorithm="RS256"), jwks=keys)
    token = jwt.encode(unit_claims(), RSA_KEY, algorithm="RS256")
    with pytest.raises(TokenError, match="missing key id"):
        await verifier.verify(token)
    assert keys.fetch_count == 0


async def test_unknown_key_ids_refetch_the_jwks_at_most_once_per_interval(
    jwks_server: JwksServer,
) -> None:
    jwks_server.keys = [rsa_jwk(RSA_KEY, "rsa-1")]
    clock = FakeClock()
    keys = JwksKeys(jwks_server.url, clock=clock)
    verifier = TokenVerifier(policy=TokenPolicy(algorithm="RS256"), jwks=keys)

    def random_kid_token() -> str:
        return jwt.encode(
            unit_claims(), RSA_KEY, algorithm="RS256", headers={"kid": uuid.uuid4().hex}
        )

    for _ in range(50):
        with pytest.raises(TokenError, match="unknown key id"):
            await verifier.verify(random_kid_token())
    assert keys.fetch_count == 1
    assert jwks_server.requests == 1

    clock.advance(30)
    with pytest.raises(TokenError, match="unknown key id"):
        await verifier.verify(random_kid_token())
    assert keys.fetch_count == 1

    clock.advance(31)
    for _ in range(20):
        with pytest.raises(TokenError, match="unknown key id"):
            await verifier.verify(random_kid_token())
    assert keys.fetch_count == 2
    assert jwks_server.requests == 2

    good = jwt.encode(unit_claims(), RSA_KEY, algorithm="RS256", headers={"kid": "rsa-1"})
    assert (await verifier.verify(good)).sub == "unit-user"
    assert keys.fetch_count == 2


async def test_a_rotated_key_is_accepted_once_the_refresh_interval_has_passed(
    jwks_server: JwksServer,
) -> None:
    jwks_server.keys = [rsa_jwk(RSA_KEY, "rsa-1")]
    clock = FakeClock()
    keys = JwksKeys(jwks_server.url, clock=clock)
    verifier = TokenVerifier(policy=TokenPolicy(algorithm="RS256"), jwks=keys)
    old = jwt.encode(unit_claims(), RSA_KEY, algorithm="RS256", headers={"kid": "rsa-1"})
    new = jwt.encode(unit_claims(), ROTATED_RSA_KEY, algorithm="RS256", headers={"kid": "rsa-2"})
    assert (await verifier.verify(old)).sub == "unit-user"

    jwks_server.keys = [rsa_jwk(RSA_KEY, "rsa-1"), rsa_jwk(ROTATED_RSA_KEY, "rsa-2")]
    with pytest.raises(TokenError, match="unknown key id"):
        await verifier.verify(new)
    assert keys.fetch_count == 1

    clock.advance(61)
    assert (await verifier.verify(new)).sub == "unit-user"
    assert (await verifier.verify(old)).sub == "unit-user"
    assert keys.fetch_count == 2


async def test_a_withdrawn_key_stops_verifying_once_the_keys_are_an_hour_old(
    jwks_server: JwksServer,
) -> None:
    """No token names an unknown key, yet the keys are fetched again after `max_age`: a key
    the issuer withdrew verifies no new token. While the JWKS is down, the keys held serve."""
    jwks_server.keys = [rsa_jwk(RSA_KEY, "rsa-1"), rsa_jwk(ROTATED_RSA_KEY, "rsa-2")]
    clock = FakeClock()
    keys = JwksKeys(jwks_server.url, clock=clock)
    verifier = TokenVerifier(policy=TokenPolicy(algorithm="RS256"), jwks=keys)

    def signed(key: Any, kid: str, sub: str) -> str:
        return jwt.encode(unit_claims(sub=sub), key, algorithm="RS256", headers={"kid": kid})

    assert (await verifier.verify(signed(RSA_KEY, "rsa-1", "before"))).sub == "before"
    jwks_server.keys = [rsa_jwk(ROTATED_RSA_KEY, "rsa-2")]  # rsa-1 withdrawn
    clock.advance(3599)
    assert (await verifier.verify(signed(RSA_KEY, "rsa-1", "within"))).sub == "within"
    assert keys.fetch_count == 1
    clock.advance(1)
    with pytest.raises(TokenError, match="unknown key id"):
        await verifier.verify(signed(RSA_KEY, "rsa-1", "after"))
    assert keys.fetch_count == 2
    assert (await verifier.verify(signed(ROTATED_RSA_KEY, "rsa-2", "rotated"))).sub == "rotated"

    jwks_server.fail = True
    clock.advance(3600)
    assert (await verifier.verify(signed(ROTATED_RSA_KEY, "rsa-2", "down"))).sub == "down"
    assert keys.fetch_count == 3
    assert (await verifier.verify(signed(ROTATED_RSA_KEY, "rsa-2", "still down"))).sub
    assert keys.fetch_count == 3  # tried again only after the refresh interval
    jwks_server.fail = False
    jwks_server.keys = [rsa_jwk(RSA_KEY, "rsa-3")]  # rsa-2 withdrawn while it was down
    clock.advance(60)
    with pytest.raises(TokenError, match="unknown key id"):
        await verifier.verify(signed(ROTATED_RSA_KEY, "rsa-2", "back"))
    assert keys.fetch_count == 4


async def test_an_empty_jwks_is_a_token_error(jwks_server: JwksServer) -> None:
    jwks_server.keys = []
    verifier = TokenVerifier(policy=TokenPolicy(algorithm="RS256"), jwks=JwksKeys(jwks_server.url))
    token = jwt.encode(unit_claims(), RSA_KEY, algorithm="RS256", headers={"kid": "rsa-1"})
    with pytest.raises(TokenError, match="JWKS unavailable"):
        await verifier.verify(token)


async def test_an_unreachable_jwks_is_a_token_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    keys = JwksKeys(f"http://127.0.0.1:{port}/keys", timeout=2)
    verifier = TokenVerifier(policy=TokenPolicy(algorithm="RS256"), jwks=keys)
    token = jwt.encode(unit_claims(), RSA_KEY, algorithm="RS256", headers={"kid": "rsa-1"})
    with pytest.raises(TokenError, match="JWKS unavailable"):
        await verifier.verify(token)
    assert keys.fetch_count == 1


def test_a_jwks_url_must_be_http() -> None:
    with pytest.raises(ValueError, match="http"):
        JwksKeys("file:///etc/passwd")


# settings -------------------------------------------------------------------------------


def test_production_without_a_secret_refuses_to_start() -> None:
    with pytest.raises(SettingsError, match="JWT_SECRET is required"):
        Settings.from_environment({"PARTNERGRAPH_ENV": "production"})


def test_production_with_the_development_secret_refuses_to_start() -> None:
    environ = {"PARTNERGRAPH_ENV": "production", "PARTNERGRAPH_JWT_SECRET": DEVELOPMENT_SECRET}
    with pytest.raises(SettingsError, match="development default"):
        Settings.from_environment(environ)


def test_production_with_a_short_secret_refuses_to_start() -> None:
    environ = {"PARTNERGRAPH_ENV": "production", "PARTNERGRAPH_JWT_SECRET": "too-short"}
    with pytest.raises(SettingsError, match="at least 32 bytes"):
        Settings.from_environment(environ)


def test_production_with_a_long_random_secret_starts_without_graphiql_or_introspection() -> None:
    secret = base64.urlsafe_b64encode(uuid.uuid4().bytes + uuid.uuid4().bytes).decode()
    settings = Settings.from_environment(
        {"PARTNERGRAPH_ENV": "production", "PARTNERGRAPH_JWT_SECRET": secret}
    )
    assert settings.is_production
    assert settings.jwt_algorithm == "HS256"
    assert settings.jwt_secret == secret
    assert settings.graphiql is False
    assert settings.introspection is False


def test_development_falls_back_to_the_development_secret() -> None:
    settings = Settings.from_environment({})
    assert not settings.is_production
    assert settings.jwt_secret == DEVELOPMENT_SECRET
    assert settings.graphiql is True
    assert settings.introspection is True


def test_a_jwks_url_selects_rs256_and_needs_no_secret_in_production() -> None:
    settings = Settings.from_environment(
        {
            "PARTNERGRAPH_ENV": "production",
            "PARTNERGRAPH_JWT_JWKS_URL": "https://login.example.com/keys",
        }
    )
    assert settings.jwt_algorithm == "RS256"
    assert settings.jwt_secret is None


async def test_a_long_name_or_email_in_a_valid_token_is_kept_to_the_directorys_size(
    api: Api, world: World
) -> None:
    for sub, claims in (("long-name", {"name": "x" * 500}), ("long-email", {"email": "e" * 500})):
        response = await api.post(
            VIEWER, token=world.token("direct", "global_admin", sub=sub, **claims)
        )
        assert response.status_code == 200, response.text
    assert len((await models.User.get(sub="long-name")).name) == 200


@pytest.mark.parametrize(
    "environ",
    [
        {"PARTNERGRAPH_ENV": "prod"},
        {
            "PARTNERGRAPH_ENV": "production",
            "PARTNERGRAPH_JWT_JWKS_URL": "http://keys.example.com/jwks",
        },
    ],
)
def test_an_unknown_environment_or_a_plain_http_jwks_in_production_is_refused(
    environ: dict[str, str],
) -> None:
    with pytest.raises(SettingsError):
        Settings.from_environment(environ)


async def test_a_refused_token_is_answered_before_its_document_is_read(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    read: list[str] = []
    prepare = Engine.prepare

    def reading(engine: Engine, request: GraphQLRequest) -> Any:
        read.append(request.query)
        return prepare(engine, request)

    monkeypatch.setattr(Engine, "prepare", reading)
    response = await api.post("{ viewer { roles } }", token="forged.token.value")
    assert response.status_code == 401
    assert read == []
