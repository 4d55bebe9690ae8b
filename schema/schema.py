"""The one schema: every domain's Query and Mutation merged, built once per process."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal

import strawberry
from graphql import GraphQLField, GraphQLInterfaceType, GraphQLObjectType
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types

from schema.audit import AuditQuery
from schema.billing import BillingMutation
from schema.changes import ChangeQuery
from schema.collections import CollectionsMutation, CollectionsQuery
from schema.customers import CustomerMutation, CustomerQuery
from schema.escalations import EscalationMutation, EscalationQuery
from schema.invoices import InvoiceMutation, InvoiceQuery
from schema.nodes import NodeQuery
from schema.partners import PartnerQuery
from schema.persisted_operations import PersistedOperationMutation, PersistedOperationQuery
from schema.reports import ReportQuery
from schema.reseller_sync import ResellerSyncMutation
from schema.resellers import ResellerMutation, ResellerQuery
from schema.scalars import DateTime, DecimalScalar
from schema.subscriptions import SubscriptionMutation, SubscriptionQuery
from schema.support import SupportMutation, SupportQuery
from schema.tickets import TicketMutation, TicketQuery, TicketSubscription
from schema.users import UserMutation, UserQuery
from schema.viewer import ViewerQuery
from schema.webhooks import WebhookMutation, WebhookQuery

Query = merge_types(
    "Query",
    (
        ViewerQuery,
        PartnerQuery,
        NodeQuery,
        CustomerQuery,
        SubscriptionQuery,
        InvoiceQuery,
        CollectionsQuery,
        ReportQuery,
        ResellerQuery,
        SupportQuery,
        TicketQuery,
        EscalationQuery,
        UserQuery,
        AuditQuery,
        ChangeQuery,
        WebhookQuery,
        PersistedOperationQuery,
    ),
)
Mutation = merge_types(
    "Mutation",
    (
        CustomerMutation,
        SubscriptionMutation,
        BillingMutation,
        InvoiceMutation,
        CollectionsMutation,
        ResellerMutation,
        ResellerSyncMutation,
        SupportMutation,
        TicketMutation,
        EscalationMutation,
        UserMutation,
        WebhookMutation,
        PersistedOperationMutation,
    ),
)

schema = strawberry.Schema(
    query=Query,
    mutation=Mutation,
    subscription=TicketSubscription,
    config=StrawberryConfig(
        disable_field_suggestions=True, scalar_map={datetime: DateTime, Decimal: DecimalScalar}
    ),
)


def schema_fields() -> Iterator[tuple[str, str, GraphQLField]]:
    """(type name, field name, field) of every field of every object and interface type."""
    for name, graphql_type in schema._schema.type_map.items():
        if name.startswith("__") or not isinstance(
            graphql_type, GraphQLObjectType | GraphQLInterfaceType
        ):
            continue
        for field_name, graphql_field in graphql_type.fields.items():
            yield name, field_name, graphql_field
