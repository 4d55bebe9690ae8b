"""Persisted operations: documents an organization registers, sent afterwards by hash
(`extensions.persistedQuery`), and the safelist its integrations can be bound to."""

from __future__ import annotations

from datetime import datetime

import strawberry
from graphql import (
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    parse,
    specified_rules,
    validate,
)

from auth.permissions import Capability
from resolvers import models, persisted_operations as operations
from resolvers.errors import BadInput, InvalidInput
from schema.errors import UserError, attempted
from schema.guards import field, mutation
from schema.nodes import Node, node_type, to_global_id
from schema.pagination import Connection, connection, page_request
from schema.users import User, UserPayload

WRITE = Capability.OPERATIONS_WRITE
MAX_TOKENS = 5_000  # as a request's document may have


@node_type("PersistedOperation", WRITE, loader="persisted_operations")
@strawberry.type(
    description="A document your organization registered. Send it by hash: "
    '`{"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "<hash>"}}}`; users '
    "bound to the safelist run nothing else."
)
class PersistedOperation(Node):
    hash: str = field(WRITE, description="The hex SHA-256 of the document's UTF-8 text.")
    name: str | None = field(WRITE, description="Its operation's name, if it has one operation.")
    document: str = field(WRITE, description="The document, as registered.")
    created_at: datetime = field(WRITE, description="When it was registered.")

    @classmethod
    def from_model(cls, row: models.PersistedOperation) -> PersistedOperation:
        return cls(
            id=to_global_id("PersistedOperation", row.id),
            hash=row.hash,
            name=row.name,
            document=row.document,
            created_at=row.created_at,
        )


@strawberry.input
class RegisterPersistedOperationsInput:
    documents: list[str] = strawberry.field(
        description="Up to 100 documents; each must be valid against the schema."
    )


@strawberry.type(description="The result of registerPersistedOperations.")
class RegisterPersistedOperationsPayload:
    operations: list[PersistedOperation] | None = field(
        WRITE, description="The operations registered, in the order of the documents."
    )
    user_errors: list[UserError] = field(Capability.VIEWER, description="Why it failed.")


@strawberry.input
class SetUserSafelistOnlyInput:
    subject: str = strawberry.field(
        description="The token subject (`sub`) of the integration; it need not have signed in."
    )
    safelist_only: bool = strawberry.field(
        description="True: its tokens run only your registered operations."
    )


def checked(schema: GraphQLSchema, documents: list[str]) -> list[operations.NewOperation]:
    """Documents valid against the schema, with their operation's name; `InvalidInput`
    naming each one that isn't."""
    checked, problems = [], []
    for index, document in enumerate(documents):
        try:
            parsed = parse(document, max_tokens=MAX_TOKENS)
            errors = validate(schema, parsed, specified_rules)
        except GraphQLError as error:
            errors = [error]
        if errors:
            field_path = ["documents", str(index)]
            problems.append(
                BadInput("operations.invalid", field=field_path, detail=errors[0].message)
            )
            continue
        named = [
            definition.name.value
            for definition in parsed.definitions
            if isinstance(definition, OperationDefinitionNode) and definition.name
        ]
        checked.append(operations.NewOperation(document, named[0] if len(named) == 1 else None))
    if problems:
        raise InvalidInput(problems)
    return checked


@strawberry.type
class PersistedOperationQuery:
    @field(WRITE, description="The operations your organization registered, oldest first.")
    async def persisted_operations(
        self,
        info: strawberry.Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[PersistedOperation] | None:
        page = await operations.list_operations(
            info.context.signed_in, page=page_request(first, after, last, before)
        )
        return connection(page, PersistedOperation.from_model)


@strawberry.type
class PersistedOperationMutation:
    @mutation(WRITE, description="Register documents to be sent by hash, and run by the safelist.")
    async def register_persisted_operations(
        self, info: strawberry.Info, input: RegisterPersistedOperationsInput
    ) -> RegisterPersistedOperationsPayload | None:
        context = info.context
        rows, errors = await attempted(
            info,
            lambda: operations.register_operations(
                context.actor, checked(info.schema._schema, input.documents)
            ),
        )
        registered = None if rows is None else [PersistedOperation.from_model(row) for row in rows]
        return RegisterPersistedOperationsPayload(operations=registered, user_errors=errors)

    @mutation(
        Capability.USERS_WRITE,
        description="Bind a user (an integration's token subject) to the safelist, or free it.",
    )
    async def set_user_safelist_only(
        self, info: strawberry.Info, input: SetUserSafelistOnlyInput
    ) -> UserPayload | None:
        context = info.context
        row, errors = await attempted(
            info,
            lambda: operations.set_safelist_only(
                context.actor, subject=input.subject, safelist_only=input.safelist_only
            ),
        )
        return UserPayload(user=row and User.from_model(row), user_errors=errors)
