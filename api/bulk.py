"""Bulk export: `GET /bulk/{customers,subscriptions,invoices}.jsonl` streams everything the
caller may see, one JSON object per line, in constant memory.

Each export is the GraphQL query below, run page by page (keyset, 100 rows) through the same
engine, with the same token, tenancy and field capabilities as `POST /graphql`; only one page
is held at a time. If a page fails, or the caller's user is deactivated meanwhile, the export
ends with a line `{"errors": [...]}` instead of rows. The response's `Partnergraph-Changes-After` header is the change-feed cursor
at which the export was taken: a connector that then reads `changes(after:)` from it misses
nothing (a row exported in a newer state than the cursor comes back in the feed, and its
`version` says which is newer).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from api.authentication import Authenticator
from api.graphql_view import JSON, refusal
from api.logs import REQUEST_ID
from auth.permissions import Capability
from resolvers.changes import feed_cursor
from resolvers.errors import Unauthenticated
from resolvers.users import still_active
from schema.context import Context
from schema.execution import Engine, GraphQLRequest
from schema.messages import negotiate, translate
from schema.pagination import encode_cursor

PAGE = 100


@dataclass(frozen=True)
class Export:
    capability: Capability
    root: str  # the connection the query reads
    document: str


EXPORTS = {
    "customers": Export(
        Capability.CUSTOMERS_READ,
        "customers",
        """query Export($after: String) {
  customers(first: 100, after: $after) {
    pageInfo { hasNextPage endCursor }
    nodes { id externalId companyName domain country language
            billingContact { name email phone } reseller { id } version createdAt updatedAt }
  }
}""",
    ),
    "subscriptions": Export(
        Capability.SUBSCRIPTIONS_READ,
        "subscriptions",
        """query Export($after: String, $pricing: Boolean!) {
  subscriptions(first: 100, after: $after) {
    pageInfo { hasNextPage endCursor }
    nodes { id externalId customer { id } parentSubscription { id } offerId offerName
            productFamily quantity status suspensionReasons autoRenew billingCycle termDuration
            unitPrice { amount currency } unitCost @include(if: $pricing) { amount currency }
            purchasedAt termStartedAt termEndsAt cancelledAt version createdAt updatedAt }
  }
}""",
    ),
    "invoices": Export(
        Capability.BILLING_READ,
        "invoices",
        """query Export($after: String) {
  invoices(first: 100, after: $after) {
    pageInfo { hasNextPage endCursor }
    nodes { id number status currency customer { id } issuedAt dueDate
            total { amount currency } amountPaid { amount currency }
            amountCredited { amount currency } amountDue { amount currency }
            version createdAt updatedAt }
  }
}""",
    ),
}


@dataclass
class BulkExport:
    engine: Engine
    authenticator: Authenticator

    async def handle(self, request: Request) -> Response:
        language = negotiate(request.headers.get("accept-language"))
        export = EXPORTS.get(request.path_params["kind"])
        if export is None:
            return refusal(
                404, "bulk.unknown", "NOT_FOUND", language, JSON, kinds=", ".join(EXPORTS)
            )
        authorization = request.headers.get("authorization")
        if authorization is None:
            return refusal(401, "auth.missing_token", "UNAUTHENTICATED", language, JSON)
        try:
            viewer = await self.authenticator.viewer_for(authorization)
        except Unauthenticated as error:
            return refusal(401, error.key, "UNAUTHENTICATED", language, JSON)
        if viewer.safelist_only:  # it runs only its organization's registered operations
            return refusal(403, "persisted.not_registered", "FORBIDDEN", language, JSON)
        if export.capability not in viewer.capabilities:
            return refusal(
                403,
                "forbidden.capability",
                "FORBIDDEN",
                language,
                JSON,
                capability=str(export.capability),
            )
        cursor = await feed_cursor()
        context = Context(viewer=viewer, request_id=REQUEST_ID.get(), language=language)
        variables = {"pricing": Capability.PRICING_READ in viewer.capabilities}
        return StreamingResponse(
            self._lines(export, context, variables),
            media_type="application/x-ndjson",
            headers={"Partnergraph-Changes-After": encode_cursor(cursor)},
        )

    async def _lines(
        self, export: Export, context: Context, variables: dict[str, Any]
    ) -> AsyncIterator[bytes]:
        """The rows, a page at a time: each page is written, then let go."""
        after = None
        prepared = self.engine.prepare(GraphQLRequest(query=export.document))
        while True:
            if not await still_active(context.signed_in):  # deactivated while exporting
                failure = {"message": translate("auth.invalid_token", context.language)}
                yield orjson.dumps({"errors": [failure]}) + b"\n"
                return
            asked = GraphQLRequest(query=export.document, variables={**variables, "after": after})
            outcome = await self.engine.execute(prepared, asked, context)
            page = (outcome.body.get("data") or {}).get(export.root)
            if page is None or outcome.body.get("errors"):
                # a page that failed, even in part, is not written: the export ends with a
                # last line of errors (no `id`: no row has one like it)
                yield orjson.dumps({"errors": outcome.body.get("errors", [])}) + b"\n"
                return
            yield b"".join(orjson.dumps(node) + b"\n" for node in page["nodes"])
            if not page["pageInfo"]["hasNextPage"]:
                return
            after = page["pageInfo"]["endCursor"]
