from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

# Takes `cost` points from every bucket in `keys` (sorted, so that processes lock them in
# the same order), or from none when one holds too few: then `wait` is the seconds until
# all of them would hold enough. A bucket's level is refilled from `at` on the database's
# clock, read after its row is locked. Only PostgreSQL has it: SQLite's buckets are kept
# in the one process that serves it.
TAKE_POINTS = """
CREATE OR REPLACE FUNCTION partnergraph_take_points(
    keys text[], maximums float8[], rates float8[], cost float8,
    OUT allowed boolean, OUT levels float8[], OUT wait float8
) LANGUAGE plpgsql AS $$
DECLARE
    moment timestamptz;
    held float8;
BEGIN
    INSERT INTO rate_buckets (key, level, at)
        SELECT k, m, clock_timestamp() FROM unnest(keys, maximums) AS t(k, m)
        ON CONFLICT (key) DO NOTHING;
    PERFORM 1 FROM rate_buckets WHERE key = ANY(keys) ORDER BY key FOR UPDATE;
    moment := clock_timestamp();
    levels := '{}';
    wait := 0;
    FOR i IN 1 .. array_length(keys, 1) LOOP
        SELECT LEAST(maximums[i],
                     b.level + GREATEST(0, EXTRACT(EPOCH FROM moment - b.at))::float8 * rates[i])
            INTO held FROM rate_buckets AS b WHERE b.key = keys[i];
        levels := levels || held;
        IF held < cost THEN
            wait := GREATEST(wait, (cost - held) / rates[i]);
        END IF;
    END LOOP;
    allowed := wait = 0;
    IF allowed THEN
        FOR i IN 1 .. array_length(keys, 1) LOOP
            levels[i] := levels[i] - cost;
            UPDATE rate_buckets SET level = levels[i], at = moment WHERE key = keys[i];
        END LOOP;
    END IF;
END
$$
"""


async def create_take_points(apps, schema_editor) -> None:
    if schema_editor.client.capabilities.dialect == "postgres":
        await schema_editor.client.execute_script(TAKE_POINTS)


async def drop_take_points(apps, schema_editor) -> None:
    if schema_editor.client.capabilities.dialect == "postgres":
        await schema_editor.client.execute_script(
            "DROP FUNCTION IF EXISTS partnergraph_take_points(text[], float8[], float8[], float8)"
        )


class Migration(migrations.Migration):
    dependencies = [("models", "0009_webhooks")]

    initial = False

    operations = [
        ops.CreateModel(
            name="RateBucket",
            fields=[
                (
                    "key",
                    fields.CharField(primary_key=True, unique=True, db_index=True, max_length=200),
                ),
                ("level", fields.FloatField()),
                ("at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={"table": "rate_buckets", "app": "models", "pk_attr": "key"},
            bases=["Model"],
        ),
        ops.RunPython(create_take_points, reverse_code=drop_take_points),
    ]
