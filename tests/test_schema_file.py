"""`schema.graphql` at the top level is the exported SDL: clients diff it, so it must be fresh."""

from pathlib import Path

from schema.schema import schema

SDL = Path(__file__).resolve().parents[1] / "schema.graphql"


def test_schema_graphql_is_the_current_schema() -> None:
    assert SDL.read_text() == str(schema).rstrip() + "\n", "stale: run `make schema`"
