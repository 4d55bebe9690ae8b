"""Persisted operations on the wire.

- Automatic persisted queries (Apollo's protocol): a request may carry
  `extensions.persistedQuery {version: 1, sha256Hash}` and no `query`. A hash this process
  has not seen is `PERSISTED_QUERY_NOT_FOUND`; the client then sends the query with its hash
  once, and it is remembered (per organization, once it has validated) for the requests
  that follow. The documents an organization registered are found by hash too.
- The safelist: a user bound to it (`safelistOnly`) runs only its organization's registered
  operations, sent by hash or in full; anything else is `FORBIDDEN`.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass, field, replace

from auth.viewer import Viewer
from resolvers.persisted_operations import hash_of, registered_document
from schema.errors import LocalizedError
from schema.execution import GraphQLRequest, RequestError

REMEMBERED = 2_000  # documents kept by hash, per process
MAX_REMEMBERED_LENGTH = 65_536  # a longer document is run, but not kept for its hash
SHA256 = re.compile(r"^[0-9a-f]{64}$")


def asked_hash(request: GraphQLRequest) -> str | None:
    """The hash of `extensions.persistedQuery`, if the request carries one."""
    extension = request.persisted
    if extension is None:
        return None
    if (
        not isinstance(extension, dict)
        or extension.get("version") != 1
        or not isinstance(extension.get("sha256Hash"), str)
        or not SHA256.match(extension["sha256Hash"])
    ):
        raise RequestError([LocalizedError("persisted.malformed", "BAD_USER_INPUT")])
    return extension["sha256Hash"]


@dataclass
class PersistedQueries:
    # (partner id, hash) -> document, kept by this process
    sent: OrderedDict[tuple[int, str], str] = field(default_factory=OrderedDict)  # with a hash
    registered: OrderedDict[tuple[int, str], str] = field(default_factory=OrderedDict)  # found

    async def resolve(self, viewer: Viewer | None, request: GraphQLRequest) -> GraphQLRequest:
        """The request with the document it names; `RequestError` when it names none, names
        one that isn't its query, or is not registered for a viewer bound to the safelist."""
        digest = asked_hash(request)
        if viewer is None:
            return request  # refused as unauthenticated, unless it is introspection
        if request.query and digest is not None and hash_of(request.query) != digest:
            raise RequestError([LocalizedError("persisted.hash_mismatch", "BAD_USER_INPUT")])
        if viewer.safelist_only:
            document = await self._registered(viewer, digest or hash_of(request.query))
            if document is None:
                raise RequestError([LocalizedError("persisted.not_registered", "FORBIDDEN")])
            return replace(request, query=document)
        if request.query or digest is None:
            return request
        document = _kept(self.sent, (viewer.partner_id, digest))
        document = document or await self._registered(viewer, digest)
        if document is None:
            raise RequestError([LocalizedError("persisted.not_found", "PERSISTED_QUERY_NOT_FOUND")])
        return replace(request, query=document)

    def remember(self, viewer: Viewer | None, request: GraphQLRequest) -> None:
        """Keep a valid document sent with its hash, for the requests that name it by hash."""
        if viewer is None or request.persisted is None:
            return
        if len(request.query) <= MAX_REMEMBERED_LENGTH:
            _keep(self.sent, (viewer.partner_id, hash_of(request.query)), request.query)

    async def _registered(self, viewer: Viewer, digest: str) -> str | None:
        key = (viewer.partner_id, digest)
        document = _kept(self.registered, key) or await registered_document(viewer, digest)
        if document is not None:
            _keep(self.registered, key, document)  # registered documents never change
        return document


def _kept(kept: OrderedDict[tuple[int, str], str], key: tuple[int, str]) -> str | None:
    document = kept.get(key)
    if document is not None:
        kept.move_to_end(key)
    return document


def _keep(kept: OrderedDict[tuple[int, str], str], key: tuple[int, str], document: str) -> None:
    kept[key] = document
    kept.move_to_end(key)
    if len(kept) > REMEMBERED:
        kept.popitem(last=False)
