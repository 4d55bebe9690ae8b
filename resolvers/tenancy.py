"""Row-level visibility: which rows of a tenant-owned table a viewer may see.

Every tenant-owned row carries `partner_id` (the tenant root: a direct partner or an indirect
provider) and `reseller_id` (the indirect reseller that sells it, if any). A direct partner
and an indirect provider see their root's rows, which for a provider include its resellers'
rows; an indirect reseller sees only rows with its own `reseller_id`. Nothing else, ever.
"""

from __future__ import annotations

from typing import Any

from auth.viewer import Viewer


def visible_rows(viewer: Viewer) -> dict[str, Any]:
    """Filter arguments that restrict a tenant-owned table to the viewer's rows."""
    if viewer.is_reseller:
        return {"reseller_id": viewer.partner_id}
    return {"partner_id": viewer.partner_id}


def owner_of_new_row(viewer: Viewer, reseller_id: int | None) -> dict[str, Any]:
    """Ownership columns for a row the viewer creates, on behalf of `reseller_id` if given."""
    if viewer.is_reseller:
        return {"partner_id": viewer.root_partner_id, "reseller_id": viewer.partner_id}
    return {"partner_id": viewer.partner_id, "reseller_id": reseller_id}
