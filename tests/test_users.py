"""The user directory: scoped to one's own organization, and deactivation stops tokens."""

from __future__ import annotations

from auth.viewer import Role
from resolvers import models
from schema.nodes import to_global_id
from tests.conftest import Api, World

USERS = "query($active: Boolean) { users(active: $active) { totalCount nodes { subject active } } }"
DEACTIVATE = "mutation($id: ID!) { deactivateUser(input: {id: $id}) { user { active } userErrors { code } } }"


async def test_a_partner_lists_only_its_own_directory(api: Api, world: World) -> None:
    for partner in ("direct", "provider", "reseller"):
        await api.data(
            "{ viewer { roles } }",
            token=world.token(partner, Role.SALES_AGENT, sub=f"seen-{partner}"),
        )
    for partner in ("direct", "provider", "reseller"):
        data = await api.data(
            USERS, token=world.token(partner, Role.USER_MANAGEMENT_ADMIN, sub=f"uma-{partner}")
        )
        subjects = {node["subject"] for node in data["users"]["nodes"]}
        assert f"seen-{partner}" in subjects
        assert not subjects & {
            f"seen-{other}" for other in ("direct", "provider", "reseller") if other != partner
        }


async def test_a_user_cannot_deactivate_itself(api: Api, world: World) -> None:
    token = world.token("direct", Role.GLOBAL_ADMIN, sub="me")
    await api.data("{ viewer { roles } }", token=token)
    me = await models.User.get(sub="me")
    data = await api.data(DEACTIVATE, {"id": to_global_id("User", me.id)}, token=token)
    assert data["deactivateUser"] == {"user": None, "userErrors": [{"code": "BAD_USER_INPUT"}]}


async def test_users_can_be_filtered_by_active(api: Api, world: World) -> None:
    await models.User.create(partner=world.partners["direct"], sub="gone", active=False)
    data = await api.data(USERS, {"active": False}, token=world.admin("direct"))
    assert data["users"]["nodes"] == [{"subject": "gone", "active": False}]
