"""The per-request context: the viewer, its language, the request id and the DataLoaders."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property, partial
from typing import Any

from auth.viewer import Viewer
from resolvers.audit import Actor
from resolvers.billing import billing_summaries
from resolvers.collections import policies_by_id, policies_by_seller
from resolvers.customers import customers_by_id
from resolvers.escalations import escalations_by_id, ticket_escalations
from resolvers.invoices import (
    customer_invoice_pages,
    disputes_by_id,
    invoice_disputes,
    invoice_lines,
    invoice_payments,
    invoices_by_id,
    payments_by_id,
)
from resolvers.partners import partners_by_id
from resolvers.persisted_operations import operations_by_id
from resolvers.subscriptions import (
    customer_subscription_pages,
    quantity_histories,
    subscriptions_by_id,
)
from resolvers.support import offerings_by_id, offerings_of
from resolvers.tickets import ticket_events_by_id, ticket_timelines, tickets_by_id
from resolvers.users import users_by_id
from resolvers.webhook_targets import TargetPolicy
from resolvers.webhooks import deliveries_by_id, delivery_attempts, endpoints_by_id
from schema.relations import Loader


class _Loader:
    """A DataLoader of `Loaders` over `batch`, made when a request first uses it."""

    def __init__(self, batch: Callable[..., Any]) -> None:
        self.batch = batch

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, loaders: Loaders | None, owner: type | None = None) -> Any:
        if loaders is None:
            return self
        made = loaders.__dict__[self.name] = Loader(partial(self.batch, loaders.viewer))
        return made


class Loaders:
    """One DataLoader per relation, made per request (when first used) and bound to its
    viewer, so that every row a loader returns is already scoped to what the viewer may see."""

    customers = _Loader(customers_by_id)
    partners = _Loader(partners_by_id)
    users = _Loader(users_by_id)
    subscriptions = _Loader(subscriptions_by_id)
    customer_subscriptions = _Loader(customer_subscription_pages)
    quantity_histories = _Loader(quantity_histories)
    invoices = _Loader(invoices_by_id)
    customer_invoices = _Loader(customer_invoice_pages)
    payments = _Loader(payments_by_id)
    disputes = _Loader(disputes_by_id)
    invoice_lines = _Loader(invoice_lines)
    invoice_payments = _Loader(invoice_payments)
    invoice_disputes = _Loader(invoice_disputes)
    billing_summaries = _Loader(billing_summaries)
    collections_policies = _Loader(policies_by_seller)
    collections_policies_by_id = _Loader(policies_by_id)
    support_offerings = _Loader(offerings_of)
    support_offerings_by_id = _Loader(offerings_by_id)
    tickets = _Loader(tickets_by_id)
    ticket_timelines = _Loader(ticket_timelines)
    ticket_events = _Loader(ticket_events_by_id)
    escalations = _Loader(escalations_by_id)
    ticket_escalations = _Loader(ticket_escalations)
    webhook_endpoints = _Loader(endpoints_by_id)
    webhook_deliveries = _Loader(deliveries_by_id)
    webhook_attempts = _Loader(delivery_attempts)
    persisted_operations = _Loader(operations_by_id)

    def __init__(self, viewer: Viewer) -> None:
        self.viewer = viewer


@dataclass
class Context:
    viewer: Viewer | None
    request_id: str
    language: str = "en"
    # where webhook endpoints may point (the settings decide whether private addresses may)
    webhook_targets: TargetPolicy = field(default_factory=TargetPolicy)
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
