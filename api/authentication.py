"""From an `Authorization` header to a Viewer: a verified token of an onboarded tenant's
active user, or `UNAUTHENTICATED` and nothing served."""

from __future__ import annotations

import logging
import re

from api.logs import REQUEST_ID
from auth.tokens import Claims, TokenError, TokenVerifier
from auth.viewer import Viewer
from resolvers.errors import Unauthenticated
from resolvers.rate_limits import Charge, Taken
from resolvers.users import authenticate_charging

logger = logging.getLogger("partnergraph.auth")

BEARER = re.compile(r"^Bearer ([A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]*)$", re.IGNORECASE)


class Authenticator:
    def __init__(self, verifier: TokenVerifier) -> None:
        self.verifier = verifier

    async def viewer_for(self, authorization: str) -> Viewer:
        viewer, _ = await self.viewer_charged(await self.claims_of(authorization), None)
        return viewer

    async def claims_of(self, authorization: str) -> Claims:
        """The verified claims of the header's bearer token; `Unauthenticated` otherwise."""
        if len(authorization) > self.verifier.policy.max_token_bytes + 16:
            raise Unauthenticated("auth.invalid_token")
        match = BEARER.match(authorization.strip())
        if match is None:
            raise Unauthenticated("auth.invalid_token")
        try:
            return await self.verifier.verify(match.group(1))
        except TokenError as error:
            logger.info("token refused", extra={"reason": error.reason})
            raise Unauthenticated("auth.invalid_token") from None

    async def viewer_charged(
        self, claims: Claims, charge: Charge | None
    ) -> tuple[Viewer, Taken | None]:
        """The claims' viewer, with `charge` taken from its buckets in the same round trip
        when it can be (what the take came to; None when it wasn't taken)."""
        return await authenticate_charging(
            sub=claims.sub,
            tenant_id=claims.tid,
            roles=claims.roles,
            name=claims.name,
            email=claims.email,
            request_id=REQUEST_ID.get(),
            charge=charge,
        )
