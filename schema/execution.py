"""Running one GraphQL request: parse and validate (cached per document), then execute with
the guarded executor, and format the response in the caller's language."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import AsyncIterator
from dataclasses import dataclass
from inspect import isawaitable
from typing import Any

from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    GraphQLError,
    GraphQLSchema,
    NoSchemaIntrospectionCustomRule,
    OperationDefinitionNode,
    OperationType,
    execute,
    get_operation_ast,
    located_error,
    parse,
    specified_rules,
    validate,
)
from graphql.error import GraphQLSyntaxError
from graphql.execution.collect_fields import collect_fields
from graphql.execution.execute import (
    create_source_event_stream,
    map_source_to_response_event,
)

from schema.context import Context
from schema.errors import LocalizedError, format_error
from schema.guards import GuardedExecutor
from schema.limits import NoNulCharacters, has_nul, operation_limits_rule
from schema.plans import PlannedExecutor

CACHE_SIZE = 512
MAX_VALIDATION_ERRORS = 20


@dataclass(frozen=True)
class GraphQLRequest:
    query: str  # empty when only `persisted` names it
    variables: dict[str, Any] | None = None
    operation_name: str | None = None
    persisted: Any = None  # `extensions.persistedQuery`, as sent


@dataclass(frozen=True)
class Prepared:
    document: DocumentNode
    operation: OperationDefinitionNode

    @property
    def is_subscription(self) -> bool:
        return self.operation.operation is OperationType.SUBSCRIPTION

    @property
    def is_introspection(self) -> bool:
        """Only `__schema`/`__type`/`__typename` at the top: what GraphiQL asks first."""
        selections = self.operation.selection_set.selections
        return all(
            isinstance(selection, FieldNode) and selection.name.value.startswith("__")
            for selection in selections
        )


class RequestError(Exception):
    """The request failed before execution (syntax, validation, operation choice)."""

    def __init__(self, errors: list[GraphQLError]) -> None:
        super().__init__(errors[0].message if errors else "request error")
        self.errors = errors


@dataclass(frozen=True)
class Outcome:
    body: dict[str, Any]
    executed: bool  # False when no field ran: a request error (HTTP 400 for graphql-response+json)


class Engine:
    def __init__(
        self,
        schema: GraphQLSchema,
        *,
        max_depth: int,
        max_aliases: int,
        max_tokens: int,
        max_directives: int,
        max_root_fields: int,
        introspection: bool,
        suggestions: bool,
        executor: type[GuardedExecutor] = PlannedExecutor,
    ) -> None:
        self.schema = schema
        self.executor = executor
        self.max_tokens = max_tokens
        self.suggestions = suggestions
        limits = operation_limits_rule(
            max_depth=max_depth,
            max_aliases=max_aliases,
            max_directives=max_directives,
            max_root_fields=max_root_fields,
        )
        rules = [*specified_rules, limits, NoNulCharacters]
        if not introspection:
            rules.append(NoSchemaIntrospectionCustomRule)
        self.rules = tuple(rules)
        self._documents: OrderedDict[str, DocumentNode | list[GraphQLError]] = OrderedDict()

    def prepare(self, request: GraphQLRequest) -> Prepared:
        """Parse and validate (once per distinct document) and pick the operation."""
        document = self._checked_document(request.query)
        operation = get_operation_ast(document, request.operation_name)
        if operation is None:
            if request.operation_name:
                error = LocalizedError(
                    "graphql.operation_not_found", "BAD_USER_INPUT", name=request.operation_name
                )
            else:
                error = LocalizedError("graphql.operation_name_required", "BAD_USER_INPUT")
            raise RequestError([error])
        if has_nul(request.variables):
            raise RequestError([LocalizedError("request.nul", "BAD_USER_INPUT")])
        return Prepared(document, operation)

    def _checked_document(self, query: str) -> DocumentNode:
        cached = self._documents.get(query)
        if cached is None:
            cached = self._parse_and_validate(query)
            self._documents[query] = cached
            if len(self._documents) > CACHE_SIZE:
                self._documents.popitem(last=False)
        else:
            self._documents.move_to_end(query)
        if isinstance(cached, list):
            raise RequestError(cached)
        return cached

    def _parse_and_validate(self, query: str) -> DocumentNode | list[GraphQLError]:
        try:
            document = parse(query, max_tokens=self.max_tokens)
        except GraphQLSyntaxError as error:
            if "tokens. Parsing aborted" in error.message:
                return [
                    LocalizedError("limits.tokens", "QUERY_TOO_COMPLEX", maximum=self.max_tokens)
                ]
            detail = error.message.removeprefix("Syntax Error: ")
            return [
                LocalizedError(
                    "graphql.syntax", "BAD_USER_INPUT", located_like=error, detail=detail
                )
            ]
        errors = validate(
            self.schema,
            document,
            self.rules,
            max_errors=MAX_VALIDATION_ERRORS,
            hide_suggestions=not self.suggestions,
        )
        return _merged(errors) or document

    async def execute(
        self, prepared: Prepared, request: GraphQLRequest, context: Context
    ) -> Outcome:
        result = execute(
            self.schema,
            prepared.document,
            context_value=context,
            variable_values=request.variables,
            operation_name=request.operation_name,
            executor_class=self.executor,
            hide_suggestions=not self.suggestions,
            max_coercion_errors=MAX_VALIDATION_ERRORS,
            operation_extensions={},
        )
        if isawaitable(result):
            result = await result
        # graphql-core's executor refers to itself (its resolve-info helpers are its bound
        # methods), so it only goes with the garbage collector; what it loaded goes now.
        context.forget_loaded()
        return self._outcome(result, context)

    async def subscribe(
        self, prepared: Prepared, request: GraphQLRequest, context: Context
    ) -> Outcome | AsyncIterator[Outcome]:
        """A subscription's stream of answers, or the one answer that refuses it. The root
        field's capability is decided before its stream starts: a denied subscription never
        runs its resolver."""
        executor = self.executor.build(
            self.schema,
            prepared.document,
            None,
            context,
            request.variables,
            request.operation_name,
            max_coercion_errors=MAX_VALIDATION_ERRORS,
            hide_suggestions=not self.suggestions,
            operation_extensions={},
        )
        if isinstance(executor, list):
            return self._outcome(ExecutionResult(None, executor), context)
        root_type = self.schema.subscription_type
        fields = collect_fields(
            self.schema,
            executor.fragments,
            executor.variable_values,
            root_type,  # type: ignore[arg-type]
            executor.operation,
        ).grouped_field_set
        key, details = next(iter(fields.items()))
        denial = executor.denial(root_type, details)  # type: ignore[arg-type]
        if denial is not None:
            error = located_error(denial, [detail.node for detail in details], [key])
            return self._outcome(ExecutionResult(None, [error]), context)
        stream = create_source_event_stream(executor)
        if isawaitable(stream):
            stream = await stream
        if isinstance(stream, ExecutionResult):
            return self._outcome(stream, context)
        responses = map_source_to_response_event(executor, stream)
        return (self._outcome(result, context) async for result in responses)

    def _outcome(self, result: ExecutionResult, context: Context) -> Outcome:
        errors = [
            format_error(error, context.language, context.request_id)
            for error in result.errors or ()
        ]
        if result.data is None and errors and all("path" not in error for error in errors):
            return Outcome({"errors": errors}, executed=False)
        body: dict[str, Any] = {"data": result.data}
        if errors:
            body["errors"] = errors
        return Outcome(body, executed=True)

    def format_request_error(self, error: RequestError, context: Context) -> Outcome:
        errors = [format_error(item, context.language, context.request_id) for item in error.errors]
        return Outcome({"errors": errors}, executed=False)


def _merged(errors: list[GraphQLError]) -> list[GraphQLError]:
    """The same complaint made at several places is one error with all their locations (ten
    unknown `@aa` directives are one "Unknown directive" error, not ten)."""
    by_message: dict[str, list[GraphQLError]] = {}
    for error in errors:
        by_message.setdefault(error.message, []).append(error)
    merged: list[GraphQLError] = []
    for first, *others in by_message.values():
        if not others:
            merged.append(first)
            continue
        nodes = [node for error in (first, *others) for node in error.nodes or ()]
        if isinstance(first, LocalizedError):
            code = (first.extensions or {})["code"]
            merged.append(LocalizedError(first.key, code, nodes=nodes, **first.params))
        else:
            merged.append(GraphQLError(first.message, nodes, extensions=first.extensions))
    return merged
