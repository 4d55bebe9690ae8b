"""The partner's user directory: who has signed in, and who may no longer."""

from __future__ import annotations

from datetime import datetime

import strawberry

from auth.permissions import Capability
from resolvers import models, users
from schema.errors import UserError, attempt
from schema.guards import field, mutation
from schema.nodes import Node, decode_id, node_type, to_global_id
from schema.pagination import Connection, connection, page_request


@node_type("User", Capability.USERS_READ, loader="users")
@strawberry.type(description="A directory entry for a token subject of your organization.")
class User(Node):
    subject: str = field(Capability.USERS_READ, description="The token's `sub`.")
    name: str | None = field(Capability.USERS_READ, description="Name from the first token.")
    email: str | None = field(Capability.USERS_READ, description="Email from the first token.")
    active: bool = field(
        Capability.USERS_READ, description="False once deactivated: its tokens stop working."
    )
    safelist_only: bool = field(
        Capability.USERS_READ,
        description="True: its tokens run only your organization's registered operations.",
    )
    version: int = field(Capability.USERS_READ, description="Pass it as `expectedVersion`.")
    created_at: datetime = field(
        Capability.USERS_READ, description="First sign-in, or when it was bound to the safelist."
    )

    @classmethod
    def from_model(cls, row: models.User) -> User:
        return cls(
            id=to_global_id("User", row.id),
            subject=row.sub,
            name=row.name,
            email=row.email,
            active=row.active,
            safelist_only=row.safelist_only,
            version=row.version,
            created_at=row.created_at,
        )


@strawberry.input
class SetUserActiveInput:
    id: strawberry.ID
    expected_version: int | None = None


@strawberry.type(description="The result of changing a user.")
class UserPayload:
    user: User | None = field(Capability.USERS_READ, description="The user, unless it failed.")
    user_errors: list[UserError] = field(Capability.VIEWER, description="Why it failed.")


@strawberry.type
class UserQuery:
    @field(Capability.USERS_READ, description="Your organization's directory users.")
    async def users(
        self,
        info: strawberry.Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        active: bool | None = None,
        search: str | None = None,
    ) -> Connection[User] | None:
        page = await users.list_users(
            info.context.signed_in,
            page=page_request(first, after, last, before),
            active=active,
            search=search,
        )
        return connection(page, User.from_model)


async def _set_active(
    info: strawberry.Info, input: SetUserActiveInput, active: bool
) -> UserPayload:
    context = info.context

    async def work() -> models.User:
        return await users.set_user_active(
            context.actor,
            user_id=decode_id(input.id, "User", ["id"]),
            active=active,
            expected_version=input.expected_version,
        )

    row, errors = await attempt(work(), context.language)
    return UserPayload(user=row and User.from_model(row), user_errors=errors)


@strawberry.type
class UserMutation:
    @mutation(Capability.USERS_WRITE, description="Stop a user's tokens from working, at once.")
    async def deactivate_user(
        self, info: strawberry.Info, input: SetUserActiveInput
    ) -> UserPayload | None:
        return await _set_active(info, input, active=False)

    @mutation(Capability.USERS_WRITE, description="Let a deactivated user sign in again.")
    async def reactivate_user(
        self, info: strawberry.Info, input: SetUserActiveInput
    ) -> UserPayload | None:
        return await _set_active(info, input, active=True)
