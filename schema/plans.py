"""The planned executor: graphql-core's executor with compiled work, its semantics kept.

graphql-core spends most of an answer on machinery around each field: looking the field
up, building a resolve-info, calling Strawberry's wrapper around `getattr`, awaiting checks,
dispatching on the type, coercing the value. `PlannedExecutor` avoids it at two levels:

- a value whose whole selection `schema/shapes.py` can compile (plain fields and declared
  relations, granted, without arguments) is built by the compiled shape in one pass, after
  the relations of a whole list were fetched breadth-first; a shape that meets a value it
  can't complete exactly hands the value back to graphql-core;
- any other selection is compiled, once per request and type, into steps: a granted plain
  leaf field becomes an attribute read and a precomputed coercion, everything else
  (resolvers, denials, and any value that is null where the schema forbids it or does not
  coerce) takes graphql-core's own path.

So errors, paths and null propagation stay exactly as the specification and graphql-core
make them; `tests/test_plans.py` and `tests/test_plans_corpus.py` run the same operations
through both executors and require identical answers.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from graphql import (
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    is_leaf_type,
)
from graphql.execution.collect_fields import FieldDetailsList, GroupedFieldSet
from graphql.pyutils import Path, Undefined, gather_with_cancel

from schema.guards import GuardedExecutor, IdentityCache, is_plain
from schema.relations import RELATION, Loader
from schema.shapes import (
    UNACCEPTABLE,
    Bail,
    Compiled,
    Fetch,
    ShapeCache,
    ShapeCompiler,
    coercion,
    made_from,
    request_part,
    shape_key,
)

SHAPES = ShapeCache()


async def load_all(loader: Loader, keys: list[Any]) -> list[Any]:
    """The loader's value for every key: those it has or was asked for already as it has
    them, the others from one call of its batch function, kept in `loader.loaded` (a future
    per key costs more than the rest of the prefetch; the loader makes one only for a key a
    resolver asks it for). A key the batch function answers with an exception has that
    exception as its value, and is left to the loader."""
    cache, loaded = loader.cache_map, loader.loaded
    asked = {key: future for key in keys if (future := cache.get(key)) is not None}
    missing = [key for key in keys if key not in asked and key not in loaded]
    failed: dict[Any, Exception] = {}
    if missing:
        for key, value in zip(missing, await loader.load_fn(missing), strict=True):
            if isinstance(value, Exception):
                failed[key] = value
            else:
                loaded[key] = value
    values = []
    for key in keys:
        future = asked.get(key)
        if future is None:
            values.append(failed[key] if key in failed else loaded[key])
            continue
        try:
            values.append(future.result() if future.done() else await future)
        except Exception as error:
            values.append(error)
    return values


async def settled(awaitables: list[Awaitable[Any]]) -> list[Any]:
    """`asyncio.gather(*awaitables, return_exceptions=True)`, the last awaitable run in this
    task, while the others run as tasks: a task and a gathering future cost more than the
    Python work of a load. The others are cancelled when this task is."""
    if not awaitables:
        return []
    *others, last = awaitables
    started = [asyncio.ensure_future(other) for other in others]
    try:
        final = await _outcome(last)
        values = [await _outcome(task) for task in started]
    except BaseException:
        for task in started:
            task.cancel()
        raise
    return [*values, final]


async def _outcome(awaitable: Awaitable[Any]) -> Any:
    """The awaitable's result, or the exception it raised."""
    try:
        return await awaitable
    except Exception as error:
        return error


def _object_type(graphql_type: GraphQLOutputType) -> GraphQLObjectType | None:
    """The object type inside `graphql_type`, non-null and list wrappers removed."""
    while isinstance(graphql_type, GraphQLNonNull | GraphQLList):
        graphql_type = graphql_type.of_type
    return graphql_type if isinstance(graphql_type, GraphQLObjectType) else None


@dataclass(frozen=True, slots=True)
class Step:
    key: str
    details: FieldDetailsList
    attribute: str | None  # set for a plain, granted leaf read from the source
    coerce: Callable[[Any], Any] | None
    nullable: bool


class PlannedExecutor(GuardedExecutor):
    """The guarded executor with compiled steps for each selection it executes."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._plans = IdentityCache()
        self._fetches = IdentityCache()
        self._shapes: dict[Any, Compiled | None] | None = None

    # -- whole subtrees compiled into shapes, shared across requests -----------------------

    def _shared(self) -> dict[Any, Any]:
        """What is compiled for this operation, these capabilities and these `@skip` and
        `@include` values, kept across requests."""
        if self._shapes is None:
            self._shapes = SHAPES.shapes_for(
                self.operation, self.fragments, self._granted, self.variable_values.coerced
            )
        return self._shapes

    def _shape(
        self, kind: str, graphql_type: GraphQLOutputType, details: FieldDetailsList, path: Path
    ) -> Compiled | None:
        shapes = self._shared()
        key = shape_key(path, f"{kind}:{graphql_type}")
        if key in shapes:
            return shapes[key]
        # A compiler for this miss only: kept in the executor, it would make a reference
        # cycle that holds the whole request's rows until the garbage collector runs.
        compiler = ShapeCompiler(self)
        if kind == "items":
            compiled = compiler.value(graphql_type, details)
        else:
            compiled = compiler.object(graphql_type, details, nullable=False)  # type: ignore[arg-type]
        shapes[key] = compiled
        return compiled

    def complete_object_value(
        self,
        return_type: GraphQLObjectType,
        field_details_list: FieldDetailsList,
        info: GraphQLResolveInfo,
        path: Path,
        result: Any,
        position_context: Any,
    ) -> Any:
        compiled = self._shape("object", return_type, field_details_list, path)
        if compiled is None:
            return super().complete_object_value(
                return_type, field_details_list, info, path, result, position_context
            )

        def general() -> Any:
            return super(PlannedExecutor, self).complete_object_value(
                return_type, field_details_list, info, path, result, position_context
            )

        return self._built(compiled, result, general)

    def _built(self, compiled: Compiled, value: Any, general: Callable[[], Any]) -> Any:
        """`value` completed by its shape, or by graphql-core if the shape bails out."""
        if not compiled.fetches:
            try:
                return compiled.complete(value, self.context_value)
            except Bail:
                return general()

        async def fetched_then_built() -> Any:
            rows = value if type(value) is list else [value]
            await self._prefetch(rows, compiled.fetches)
            try:
                return compiled.complete(value, self.context_value)
            except Bail:
                completed = general()
                return await completed if self.is_awaitable(completed) else completed

        return fetched_then_built()

    # -- breadth-first prefetch of relations, for the rows of a list -----------------------

    def _fetch_plan(
        self, object_type: GraphQLObjectType, details: FieldDetailsList, depth: int = 0
    ) -> tuple[Fetch, ...]:
        """What to load for rows of `object_type` selected by `details`, level by level."""
        known = self._fetches.get(details, None)
        if known is not None and object_type.name in known:
            return known[object_type.name]
        fetches = []
        if depth < 8:
            collected = self.collect_subfields(object_type, details).grouped_field_set
            for sub_details in collected.values():
                name = sub_details[0].node.name.value
                field_def = self.schema.get_field(object_type, name)
                definition = (
                    field_def.extensions.get("strawberry-definition") if field_def else None
                )
                if definition is None or field_def.args or self.denial(object_type, sub_details):  # type: ignore[union-attr]
                    continue
                related_type = _object_type(field_def.type)  # type: ignore[union-attr]
                if related_type is None:
                    continue
                spec = definition.metadata.get(RELATION)
                if spec is None and not is_plain(definition):
                    continue  # another resolver: nothing to learn ahead of it
                then = self._fetch_plan(related_type, sub_details, depth + 1)
                if spec is not None or then:
                    attribute = None if spec is not None else definition.python_name
                    fetches.append(Fetch(attribute, spec, then))
        plan = tuple(fetches)
        self._fetches.put(details, {**(known or {}), object_type.name: plan})
        return plan

    async def _prefetch(self, rows: list[Any], fetches: tuple[Fetch, ...]) -> None:
        """Load every relation the rows' selection reaches, one batch per relation and level."""
        loads = []
        context = self.context_value
        related = context.related
        for fetch in fetches:
            if (relation := fetch.relation) is not None:
                part = None
                if fetch.arguments is not None:
                    part = request_part(fetch.arguments, self)
                    if part is UNACCEPTABLE:
                        continue  # each field reports its arguments' fault itself
                keys = list(
                    dict.fromkeys(
                        relation.load_key(key, part)
                        for row in rows
                        if (key := getattr(row, relation.key, None)) is not None
                    )
                )
                # rows made already (for another list of this request) are not loaded again
                missing = [key for key in keys if (relation, key) not in related]
                loader = getattr(context.loaders, relation.loader)
                loads.append((fetch, keys, missing, load_all(loader, missing)))
            else:
                reached = []
                for row in rows:
                    value = getattr(row, fetch.attribute, None)  # type: ignore[arg-type]
                    if isinstance(value, list):
                        reached.extend(item for item in value if item is not None)
                    elif value is not None:
                        reached.append(value)
                if reached:
                    await self._prefetch(reached, fetch.then)
        # The relations of one level load together; a failing one is reported by its fields.
        outcomes = await settled([load for *_, load in loads])
        for (fetch, keys, missing, _), loaded in zip(loads, outcomes, strict=True):
            if isinstance(loaded, BaseException):
                continue  # each field reports its own failure later
            relation, convert = fetch.relation, fetch.relation.convert  # type: ignore[union-attr]
            for key, value in zip(missing, loaded, strict=True):
                if isinstance(value, Exception):
                    continue  # its field reports it
                try:
                    related[relation, key] = made_from(convert, value)
                except Exception:  # noqa: S112 - its field reports it, at its own path
                    continue
            if fetch.then:
                reached = [
                    made[0]
                    for key in keys
                    if (made := related.get((relation, key))) is not None and made[0] is not None
                ]
                await self._prefetch(reached, fetch.then)

    def complete_iterable_value(
        self,
        item_type: GraphQLOutputType,
        field_details_list: FieldDetailsList,
        info: GraphQLResolveInfo,
        path: Path,
        items: Any,
        position_context: Any,
    ) -> Any:
        compiled = self._shape("items", item_type, field_details_list, path)
        if compiled is not None:
            rows = list(items)
            item = compiled.complete
            whole = Compiled(
                lambda values, context: [item(row, context) for row in values], compiled.fetches
            )
            return self._built(
                whole,
                rows,
                lambda: super(PlannedExecutor, self).complete_iterable_value(
                    item_type, field_details_list, info, path, rows, position_context
                ),
            )
        object_type = _object_type(item_type)
        fetches = self._fetch_plan(object_type, field_details_list) if object_type else ()
        if not fetches:
            return super().complete_iterable_value(
                item_type, field_details_list, info, path, items, position_context
            )
        rows = list(items)

        async def prefetched_then_completed() -> Any:
            await self._prefetch(rows, fetches)
            completed = super(PlannedExecutor, self).complete_iterable_value(
                item_type, field_details_list, info, path, rows, position_context
            )
            return await completed if self.is_awaitable(completed) else completed

        return prefetched_then_completed()

    def _compile(self, parent_type: GraphQLObjectType, fields: GroupedFieldSet) -> list[Step]:
        steps = []
        for key, details in fields.items():
            attribute = coerce = None
            nullable = True
            name = details[0].node.name.value
            field_def = self.schema.get_field(parent_type, name)
            definition = field_def.extensions.get("strawberry-definition") if field_def else None
            plain = (
                definition is not None
                and is_plain(definition)
                and not field_def.args  # type: ignore[union-attr]
                and self.denial(parent_type, details) is None
            )
            if plain:
                field_type = field_def.type  # type: ignore[union-attr]
                nullable = not isinstance(field_type, GraphQLNonNull)
                leaf = field_type if nullable else field_type.of_type
                if is_leaf_type(leaf):
                    attribute, coerce = definition.python_name, coercion(leaf)
            steps.append(Step(key, details, attribute, coerce, nullable))
        return steps

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: GroupedFieldSet,
        position_context: Any,
    ) -> Any:
        # Grouped field sets are memoized per selection, so the plan compiled for one serves
        # every object it is applied to; and the same position of the same operation has the
        # same selection in every request.
        steps = self._plans.get(grouped_field_set, None)
        if steps is None:
            shared, key = self._shared(), ("steps", *shape_key(path, parent_type.name))
            steps = shared.get(key)
            if steps is None:
                steps = shared[key] = self._compile(parent_type, grouped_field_set)
            self._plans.put(grouped_field_set, steps)
        results: dict[str, Any] = {}
        awaiting: list[str] = []
        try:
            self._run(steps, parent_type, source_value, path, position_context, results, awaiting)
        except Exception:
            if awaiting:  # let the other fields' work settle, as graphql-core does
                self.settle_in_background([results[key] for key in awaiting])
            raise
        if not awaiting:
            return results

        async def gather() -> dict[str, Any]:
            values = await gather_with_cancel(*(results[key] for key in awaiting))
            results.update(zip(awaiting, values, strict=True))
            return results

        return gather()

    def _run(
        self,
        steps: list[Step],
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        position_context: Any,
        results: dict[str, Any],
        awaiting: list[str],
    ) -> None:
        is_awaitable = self.is_awaitable
        for step in steps:
            if step.attribute is not None:
                value = getattr(source_value, step.attribute, Undefined)
                if value is None and step.nullable:
                    results[step.key] = None
                    continue
                if value is not None and value is not Undefined:
                    coerced = step.coerce(value)  # type: ignore[misc]
                    if coerced is not Undefined:
                        results[step.key] = coerced
                        continue
            # Anything else, including every way a plain read can go wrong: graphql-core's path.
            result = self.execute_field(
                parent_type,
                source_value,
                step.details,
                Path(path, step.key, parent_type.name),
                position_context,
            )
            if result is not Undefined:
                results[step.key] = result
                if is_awaitable(result):
                    awaiting.append(step.key)
