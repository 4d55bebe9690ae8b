"""Who is calling: the roles of the contract and the Viewer built from a verified token."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    """Canonical Partner Center role ids, as they arrive in the token's `roles` claim."""

    GLOBAL_ADMIN = "global_admin"
    ACCOUNT_ADMIN = "account_admin"
    USER_MANAGEMENT_ADMIN = "user_management_admin"
    BILLING_ADMIN = "billing_admin"
    ADMIN_AGENT = "admin_agent"
    SALES_AGENT = "sales_agent"
    HELPDESK_AGENT = "helpdesk_agent"

    @classmethod
    def parse_all(cls, values: Iterable[str]) -> frozenset[Role]:
        """The known roles among a claim's values; unknown values are ignored, never honoured."""
        return frozenset(_ROLES[value] for value in values if value in _ROLES)


_ROLES = {role.value: role for role in Role}


class PartnerKind(StrEnum):
    DIRECT_BILL = "DIRECT_BILL"
    INDIRECT_PROVIDER = "INDIRECT_PROVIDER"
    INDIRECT_RESELLER = "INDIRECT_RESELLER"


@dataclass(frozen=True, slots=True)
class Viewer:
    """An authenticated caller: a directory user of an onboarded partner, with its roles.

    `root_partner_id` is the tenant root that owns the rows the viewer may see: the partner
    itself, or for an indirect reseller its indirect provider.
    """

    user_id: int
    sub: str
    tenant_id: str
    partner_id: int
    partner_kind: PartnerKind
    root_partner_id: int
    roles: frozenset[Role]
    capabilities: frozenset[str]
    name: str | None = None
    email: str | None = None
    safelist_only: bool = False  # runs only its partner's persisted operations

    @property
    def is_reseller(self) -> bool:
        return self.partner_kind is PartnerKind.INDIRECT_RESELLER

    @property
    def is_provider(self) -> bool:
        return self.partner_kind is PartnerKind.INDIRECT_PROVIDER
