"""`partnergraph`: serve, migrate, seed the demo, onboard partners, end subscription terms,
run collections, mint dev tokens."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable, Coroutine, Sequence
from datetime import date, datetime
from typing import Any

from api import database, demo
from api.progress import ProgressBar
from api.settings import Settings, SettingsError
from auth.viewer import PartnerKind, Role
from resolvers import collections, subscriptions
from resolvers.errors import DomainError
from resolvers.models import Cloud, CollectionActionKind
from schema.messages import translate

DEV_TOKEN_TTL = 12 * 3600
EXAMPLE_QUERY = "{ viewer { roles partner { name } } }"


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    arguments = parser.parse_args(argv)
    try:
        settings = Settings.from_environment()
        return arguments.run(settings, arguments) or 0
    except SettingsError as error:
        print(f"configuration error: {error}", file=sys.stderr)
        return 2
    except DomainError as error:
        print(f"error: {translate(error.key, 'en', **error.params)}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="partnergraph", description=__doc__)
    commands = parser.add_subparsers(required=True, metavar="command")

    serve = commands.add_parser("serve", help="serve the API (uvicorn)")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.set_defaults(run=_serve)

    migrate = commands.add_parser("migrate", help="create or upgrade the database")
    migrate.add_argument(
        "--target", help="stop at this migration, e.g. 0001_initial (never goes back)"
    )
    migrate.set_defaults(run=_migrate)
    seed = commands.add_parser("seed-demo", help="fill an empty database with demo data")
    seed.set_defaults(run=_seed_demo)
    commands.add_parser("export-schema", help="print the SDL").set_defaults(run=_export_schema)

    partner = commands.add_parser("partner", help="onboard partners")
    partner_commands = partner.add_subparsers(required=True, metavar="action")
    add = partner_commands.add_parser("add", help="onboard a partner")
    add.add_argument("--tenant-id", required=True)
    add.add_argument("--name", required=True)
    add.add_argument("--kind", required=True, choices=[kind.value for kind in PartnerKind])
    add.add_argument("--provider-tenant-id")
    add.add_argument("--mpn-id")
    add.add_argument(
        "--cloud", default=Cloud.GLOBAL.value, choices=[cloud.value for cloud in Cloud]
    )
    add.set_defaults(run=_partner_add)

    subscriptions = commands.add_parser("subscriptions", help="subscriptions' lifecycle")
    subscription_commands = subscriptions.add_subparsers(required=True, metavar="action")
    end_terms = subscription_commands.add_parser(
        "end-terms", help="renew, expire or disable the subscriptions whose term has ended"
    )
    end_terms.add_argument("--as-of", type=_moment, help="ISO 8601 with offset; default now")
    end_terms.set_defaults(run=_end_terms)

    collection = commands.add_parser("collections", help="collections for unpaid invoices")
    collection_commands = collection.add_subparsers(required=True, metavar="action")
    run = collection_commands.add_parser(
        "run", help="apply every seller's collections policy: reminders, suspensions, reactivations"
    )
    run.add_argument("--dry-run", action="store_true", help="list what it would do, change nothing")
    run.add_argument("--as-of", type=date.fromisoformat, help="the day, YYYY-MM-DD; default today")
    run.set_defaults(run=_collections_run)

    token = commands.add_parser("token", help="print a signed dev token (HS256 mode only)")
    token.add_argument("--tenant-id", required=True)
    token.add_argument("--role", action="append", default=[], choices=[role.value for role in Role])
    token.add_argument("--sub", default="dev-user")
    token.add_argument("--name")
    token.add_argument("--email")
    token.add_argument("--ttl", type=int, default=3600, help="seconds")
    token.set_defaults(run=_token)
    return parser


def _with_database(settings: Settings, work: Callable[[], Coroutine[Any, Any, Any]]) -> Any:
    async def run() -> Any:
        async with database.connected(settings.database_url, pool=settings.database_pool):
            return await work()

    return asyncio.run(run())


def _serve(settings: Settings, arguments: argparse.Namespace) -> None:
    import uvicorn

    from api.app import create_app
    from api.logs import configure

    configure(settings.log_level)
    uvicorn.run(
        create_app(settings),
        host=arguments.host or settings.host,
        port=arguments.port or settings.port,
        log_config=None,
        access_log=False,  # the application writes its own, with the request id
        proxy_headers=False,
        h11_max_incomplete_event_size=settings.limits.max_header_bytes * 2,
        ws_max_size=settings.limits.max_body_bytes,  # a WebSocket message, as a POST body
        timeout_graceful_shutdown=10,
    )


def _migrate(settings: Settings, arguments: argparse.Namespace) -> int:
    try:
        asyncio.run(database.migrate(settings.database_url, arguments.target))
    except database.MigrationRefused as refused:
        print(f"migrate: {refused}", file=sys.stderr)
        return 2
    print(f"database is up to date ({_display_url(settings.database_url)})")
    return 0


def _seed_demo(settings: Settings, _: argparse.Namespace) -> None:
    created = _with_database(settings, demo.seed_demo)
    print("demo data created" if created else "database already has data: left as it is")
    if settings.jwt_algorithm != "HS256":
        return
    from api.app import token_verifier

    verifier = token_verifier(settings)
    url = f"http://{settings.host}:{settings.port}/graphql"
    print(
        f"\nDev tokens ({DEV_TOKEN_TTL // 3600} h) for {demo.DIRECT[1]} (direct bill), one per role:"
    )
    for role in Role:
        token = verifier.issue(
            {
                "sub": f"demo-{role.value}",
                "tid": demo.DIRECT[0],
                "roles": [role.value],
                "name": f"Demo {role.value}",
            },
            ttl_seconds=DEV_TOKEN_TTL,
        )
        print(f"  {role.value:<22} {token}")
    for label, tenant_id in (
        ("indirect provider", demo.PROVIDER[0]),
        ("indirect reseller", demo.RESELLERS[0][0]),
    ):
        token = verifier.issue(
            {
                "sub": f"demo-{label.split()[1]}",
                "tid": tenant_id,
                "roles": [Role.GLOBAL_ADMIN.value],
            },
            ttl_seconds=DEV_TOKEN_TTL,
        )
        print(f"  global_admin ({label}) {token}")
    print(
        f'\nGraphiQL: {url}  (add the header {{"Authorization": "Bearer <token>"}})\n'
        f"Try it:\n  curl -s {url} -H 'content-type: application/json' "
        f"-H 'authorization: Bearer <token>' -d '{{\"query\": \"{EXAMPLE_QUERY}\"}}'\n"
    )


def _moment(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError("give the UTC offset too, as in 2026-11-21T09:30:00Z")
    return moment


def _end_terms(settings: Settings, arguments: argparse.Namespace) -> None:
    ended = _with_database(settings, lambda: subscriptions.end_terms(arguments.as_of))
    print(
        f"terms ended: {ended['renewed']} renewed, {ended['expired']} expired, "
        f"{ended['disabled']} disabled"
    )


def _collections_run(settings: Settings, arguments: argparse.Namespace) -> None:
    bar = ProgressBar()
    as_of = arguments.as_of or subscriptions.now().date()
    done = _with_database(
        settings,
        lambda: collections.run_every_policy(
            as_of=as_of,
            dry_run=arguments.dry_run,
            progress=lambda seller, sellers: bar.stage(f"seller {seller}/{sellers}"),
        ),
    )
    kinds = ", ".join(f"{done[kind.value]} {kind.value.lower()}" for kind in CollectionActionKind)
    verb = "would do (dry run, nothing changed)" if arguments.dry_run else "done"
    print(f"collections on {as_of}: {verb}: {kinds}")


def _export_schema(_: Settings, __: argparse.Namespace) -> None:
    from schema.schema import schema

    sys.stdout.write(str(schema).rstrip() + "\n")


def _partner_add(settings: Settings, arguments: argparse.Namespace) -> None:
    from resolvers.partners import add_partner

    partner = _with_database(
        settings,
        lambda: add_partner(
            tenant_id=arguments.tenant_id,
            name=arguments.name,
            kind=PartnerKind(arguments.kind),
            cloud=Cloud(arguments.cloud),
            provider_tenant_id=arguments.provider_tenant_id,
            mpn_id=arguments.mpn_id,
        ),
    )
    print(f"onboarded {partner.name} ({partner.kind.value}, tenant {partner.tenant_id})")


def _token(settings: Settings, arguments: argparse.Namespace) -> int:
    from api.app import token_verifier

    if settings.jwt_algorithm != "HS256":
        print("tokens can only be minted in HS256 mode", file=sys.stderr)
        return 2
    claims: dict[str, Any] = {
        "sub": arguments.sub,
        "tid": arguments.tenant_id,
        "roles": arguments.role,
    }
    if arguments.name:
        claims["name"] = arguments.name
    if arguments.email:
        claims["email"] = arguments.email
    print(token_verifier(settings).issue(claims, ttl_seconds=arguments.ttl))
    return 0


def _display_url(url: str) -> str:
    """The database URL without its password."""
    scheme, _, rest = url.partition("://")
    if "@" in rest:
        credentials, _, host = rest.rpartition("@")
        user = credentials.split(":")[0]
        return f"{scheme}://{user}:***@{host}"
    return url


if __name__ == "__main__":
    sys.exit(main())
