"""The per-request context: the viewer, its language, the request id and the DataLoaders."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property, partial
from typing import Any

from strawberry.dataloader import DataLoader

from auth.viewer import Viewer
from resolvers import customers, partners, subscriptions, users
from resolvers.audit import Actor


class Loaders:
    """One DataLoader per relation, created per request and bound to its viewer, so that
    every row a loader returns is already scoped to what the viewer may see."""

    def __init__(self, viewer: Viewer) -> None:
        self.customers = DataLoader(partial(customers.customers_by_id, viewer))
        self.partners = DataLoader(partial(partners.partners_by_id, viewer))
        self.users = DataLoader(partial(users.users_by_id, viewer))
        self.subscriptions = DataLoader(partial(subscriptions.subscriptions_by_id, viewer))
        self.customer_subscriptions = DataLoader(
            partial(subscriptions.customer_subscription_pages, viewer)
        )
        self.quantity_histories = DataLoader(partial(subscriptions.quantity_histories, viewer))


@dataclass
class Context:
    viewer: Viewer | None
    request_id: str
    language: str = "en"
    # GraphQL objects made from rows the loaders returned, one per relation and row:
    # (relation, key) -> (object,)
    related: dict[tuple[Any, Any], tuple[Any]] = field(default_factory=dict)
    # The loader-key parts of compiled relations' arguments in this request: field -> part
    arguments: dict[Any, Any] = field(default_factory=dict)

    @property
    def capabilities(self) -> frozenset[str]:
        return self.viewer.capabilities if self.viewer is not None else frozenset()

    @cached_property
    def loaders(self) -> Loaders:
        return Loaders(self.signed_in)

    def forget_loaded(self) -> None:
        """Drop what this request loaded so far: the next mutation of a request sees the rows
        as the previous one left them."""
        self.__dict__.pop("loaders", None)
        self.related.clear()
        self.arguments.clear()

    @property
    def signed_in(self) -> Viewer:
        if self.viewer is None:  # only introspection runs without a viewer
            raise RuntimeError("no viewer in this request")
        return self.viewer

    @property
    def actor(self) -> Actor:
        return Actor(viewer=self.signed_in, request_id=self.request_id)
