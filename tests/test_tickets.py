"""Tickets: the status machine, due times in hours of service, timelines and who sees what."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from typing import Any

import pytest

from auth.viewer import Role
from resolvers import models
from resolvers.service_hours import due_after, windows_from, zone_named
from schema.nodes import from_global_id, to_global_id
from tests.conftest import Api, Clock, World, counting_statements
from tests.test_support import OFFERING, offering, set_offering

OPEN = """
mutation Open($input: OpenTicketInput!) {
  openTicket(input: $input) {
    ticket { id number status severity firstResponseDueAt overdue productFamily version }
    event { kind status body }
    userErrors { field code message }
  }
}"""

STEP = """
mutation Step($id: ID!, $ticketId: ID!) {
  triage: triageTicket(input: {id: $id, diagnosis: "Licence not assigned", withinBaseline: true}) {
    ticket { status withinBaseline } userErrors { code }
  }
  comment: commentOnTicket(input: {id: $id, body: "Assigned the licence", visibility: CUSTOMER}) {
    ticket { firstRespondedAt overdue } event { kind visibility } userErrors { code }
  }
  resolve: resolveTicket(input: {id: $id, resolution: "Licence assigned"}) {
    ticket { status resolution } userErrors { code }
  }
  notify: notifyCustomer(input: {ticketId: $ticketId, message: "Fixed: please sign in again"}) {
    ticket { customerNotifiedAt } userErrors { code }
  }
  close: closeTicket(input: {id: $id}) { ticket { status closedAt } userErrors { code } }
}"""

TIMELINE = """
query Timeline($id: ID!) {
  ticket(id: $id) {
    status
    timeline { kind status visibility body actor }
    customer { companyName }
    handler { name }
  }
}"""


def ticket_input(world: World, owner: str = "direct", **changes: Any) -> dict[str, Any]:
    return {
        "customerId": world.customer_id(owner),
        "category": "TECHNICAL",
        "severity": "B",
        "title": "Can't sign in to Outlook",
        "description": "Every user of the tenant since this morning.",
        "productFamily": "MICROSOFT_365",
        "channel": "EMAIL",
        **changes,
    }


async def open_ticket(api: Api, token: str, value: dict[str, Any]) -> dict[str, Any]:
    body = await api.data(OPEN, {"input": value}, token=token)
    return body["openTicket"]


async def test_each_step_answers_the_event_it_added_though_another_followed_it(
    api: Api, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Between a step's commit and its answer, another request comments on the ticket: the
    step still answers its own event, not the timeline's last."""
    import schema.tickets
    from resolvers.errors import InvalidStateTransition
    from resolvers.tickets import comment_on_ticket

    token = world.admin("direct")
    ticket = (await open_ticket(api, token, ticket_input(world)))["ticket"]
    answer = schema.tickets.ticket_payload

    async def after_another_comment(*args: Any, **kwargs: Any) -> Any:
        with contextlib.suppress(InvalidStateTransition):  # a closed ticket takes none
            await comment_on_ticket(
                await world.actor("direct"),
                ticket_id=from_global_id(ticket["id"])[1],
                body="Meanwhile",
                visibility=models.Visibility.INTERNAL,
            )
        return await answer(*args, **kwargs)

    monkeypatch.setattr(schema.tickets, "ticket_payload", after_another_comment)
    steps = """
    mutation($id: ID!) {
      triage: triageTicket(input: {id: $id, diagnosis: "Licence not assigned", withinBaseline: true}) {
        event { kind body } userErrors { code }
      }
      resolve: resolveTicket(input: {id: $id, resolution: "Licence assigned"}) {
        event { kind body } userErrors { code }
      }
      close: closeTicket(input: {id: $id}) { event { kind } userErrors { code } }
    }"""
    data = await api.data(steps, {"id": ticket["id"]}, token=token)
    assert data["triage"]["event"] == {"kind": "TRIAGED", "body": "Licence not assigned"}
    assert data["resolve"]["event"] == {"kind": "RESOLVED", "body": "Licence assigned"}
    assert data["close"]["event"] == {"kind": "CLOSED"}
    kinds = await models.TicketEvent.filter(ticket_id=from_global_id(ticket["id"])[1]).values_list(
        "kind", flat=True
    )
    assert kinds.count(models.TicketEventKind.COMMENTED) == 2  # the third found it closed


async def test_a_ticket_goes_from_new_to_closed_with_a_timeline_of_every_step(
    api: Api, world: World
) -> None:
    token = world.admin("direct")
    opened = await open_ticket(api, token, ticket_input(world))
    ticket = opened["ticket"]
    assert opened["userErrors"] == []
    assert (ticket["number"], ticket["status"], ticket["version"]) == ("TKT-000001", "NEW", 1)
    assert opened["event"] == {
        "kind": "OPENED",
        "status": "NEW",
        "body": "Can't sign in to Outlook",
    }
    steps = await api.data(STEP, {"id": ticket["id"], "ticketId": ticket["id"]}, token=token)
    assert steps["triage"]["ticket"] == {"status": "TRIAGED", "withinBaseline": True}
    assert steps["comment"]["ticket"]["firstRespondedAt"] is not None
    assert steps["comment"]["event"] == {"kind": "COMMENTED", "visibility": "CUSTOMER"}
    assert steps["resolve"]["ticket"] == {"status": "RESOLVED", "resolution": "Licence assigned"}
    assert steps["close"]["ticket"]["status"] == "CLOSED"
    assert all(step["userErrors"] == [] for step in steps.values())
    timeline = (await api.data(TIMELINE, {"id": ticket["id"]}, token=token))["ticket"]
    assert [(event["kind"], event["status"]) for event in timeline["timeline"]] == [
        ("OPENED", "NEW"),
        ("TRIAGED", "TRIAGED"),
        ("COMMENTED", "TRIAGED"),
        ("RESOLVED", "RESOLVED"),
        ("CUSTOMER_NOTIFIED", "RESOLVED"),
        ("CLOSED", "CLOSED"),
    ]
    assert timeline["customer"] == {"companyName": "Alpha Lda"}
    assert timeline["handler"] == {"name": "Contoso"}
    assert {event["actor"] for event in timeline["timeline"]} == {"user-direct-global_admin"}
    audited = await models.AuditEvent.filter(entity_type="Ticket").order_by("id")
    changes = await models.ChangeEvent.filter(entity_type="Ticket").count()
    assert len(audited) == changes == 6
    # every moment a step sets is in its record's before and after
    moments = ("firstRespondedAt", "resolvedAt", "customerNotifiedAt", "closedAt")
    set_by = {
        record.action: [name for name in moments if record.before[name] != record.after[name]]
        for record in audited[1:]
    }
    assert set_by == {
        "ticket.triaged": [],
        "ticket.commented": ["firstRespondedAt"],
        "ticket.resolved": ["resolvedAt"],
        "ticket.customer_notified": ["customerNotifiedAt"],
        "ticket.closed": ["closedAt"],
    }


REFUSALS = [
    # (steps taken first, the step refused, the code)
    ((), 'resolveTicket(input: {id: $id, resolution: "x"})', "INVALID_STATE_TRANSITION"),
    ((), "closeTicket(input: {id: $id})", "INVALID_STATE_TRANSITION"),
    (
        ("triage",),
        'triageTicket(input: {id: $id, diagnosis: "x", withinBaseline: true})',
        "INVALID_STATE_TRANSITION",
    ),
    (("triage",), "closeTicket(input: {id: $id})", "INVALID_STATE_TRANSITION"),
    (
        ("triage", "resolve", "close"),
        'commentOnTicket(input: {id: $id, body: "x"})',
        "INVALID_STATE_TRANSITION",
    ),
    (
        ("triage", "resolve", "close"),
        'notifyCustomer(input: {ticketId: $id, message: "x"})',
        "INVALID_STATE_TRANSITION",
    ),
    (
        ("triage", "resolve", "close"),
        "assignTicket(input: {id: $id, assigneeId: null})",
        "INVALID_STATE_TRANSITION",
    ),
    (
        (),
        'triageTicket(input: {id: $id, diagnosis: "x", withinBaseline: true, expectedVersion: 7})',
        "VERSION_CONFLICT",
    ),
    ((), 'triageTicket(input: {id: $id, diagnosis: "  ", withinBaseline: true})', "BAD_USER_INPUT"),
]
STEPS = {
    "triage": 'triageTicket(input: {id: $id, diagnosis: "d", withinBaseline: true}) { userErrors { code } }',
    "resolve": 'resolveTicket(input: {id: $id, resolution: "r"}) { userErrors { code } }',
    "close": "closeTicket(input: {id: $id}) { userErrors { code } }",
}


@pytest.mark.parametrize(("before", "refused", "code"), REFUSALS)
async def test_a_step_out_of_order_is_refused_and_changes_nothing(
    api: Api, world: World, before: tuple[str, ...], refused: str, code: str
) -> None:
    token = world.admin("direct")
    ticket = (await open_ticket(api, token, ticket_input(world)))["ticket"]
    for step in before:
        done = await api.data(
            f"mutation($id: ID!) {{ {STEPS[step]} }}", {"id": ticket["id"]}, token=token
        )
        assert next(iter(done.values()))["userErrors"] == []
    version = (await models.Ticket.get(id=_pk(ticket["id"]))).version
    body = await api.data(
        f"mutation($id: ID!) {{ step: {refused} {{ ticket {{ id }} userErrors {{ code field }} }} }}",
        {"id": ticket["id"]},
        token=token,
    )
    assert [error["code"] for error in body["step"]["userErrors"]] == [code]
    assert all(f"{error['field'][0]}:" in refused for error in body["step"]["userErrors"])
    assert body["step"]["ticket"] is None
    assert (await models.Ticket.get(id=_pk(ticket["id"]))).version == version


def _pk(global_id: str) -> int:
    return from_global_id(global_id)[1]


async def test_assigning_a_triaged_ticket_starts_the_work(api: Api, world: World) -> None:
    token = world.admin("direct")
    ticket = (await open_ticket(api, token, ticket_input(world)))["ticket"]
    await api.data(f"mutation($id: ID!) {{ {STEPS['triage']} }}", {"id": ticket["id"]}, token=token)
    agent = await models.User.create(partner=world.partners["direct"], sub="agent-ana", name="Ana")
    other = await models.User.create(partner=world.partners["other"], sub="agent-lars")
    assign = "mutation($id: ID!, $user: ID!) { assignTicket(input: {id: $id, assigneeId: $user}) { ticket { status assignee { name } } userErrors { code field } } }"
    foreign = await api.data(
        assign, {"id": ticket["id"], "user": to_global_id("User", other.id)}, token=token
    )
    assert foreign["assignTicket"]["userErrors"] == [{"code": "NOT_FOUND", "field": ["assigneeId"]}]
    mine = await api.data(
        assign, {"id": ticket["id"], "user": to_global_id("User", agent.id)}, token=token
    )
    assert mine["assignTicket"]["ticket"] == {"status": "IN_PROGRESS", "assignee": {"name": "Ana"}}


async def test_a_ticket_assigned_before_its_triage_is_in_progress_once_triaged(
    api: Api, world: World
) -> None:
    token = world.admin("direct")
    ticket = (await open_ticket(api, token, ticket_input(world)))["ticket"]
    agent = await models.User.create(partner=world.partners["direct"], sub="agent-ana", name="Ana")
    assign = "mutation($id: ID!, $user: ID!) { assignTicket(input: {id: $id, assigneeId: $user}) { ticket { status } } }"
    assigned = await api.data(
        assign, {"id": ticket["id"], "user": to_global_id("User", agent.id)}, token=token
    )
    assert assigned["assignTicket"]["ticket"] == {"status": "NEW"}
    triage = 'mutation($id: ID!) { triageTicket(input: {id: $id, diagnosis: "d", withinBaseline: true}) { ticket { status } } }'
    triaged = await api.data(triage, {"id": ticket["id"]}, token=token)
    assert triaged["triageTicket"]["ticket"] == {"status": "IN_PROGRESS"}


async def test_the_first_response_is_due_in_hours_of_service_across_the_weekend(
    api: Api, world: World, clock: Clock
) -> None:
    await set_offering(api, world.admin("direct"), OFFERING)  # Lisbon, weekdays 8–18, Sat 9–13
    clock.at(datetime(2026, 11, 27, 17, 30, tzinfo=UTC))  # Friday 17:30 in Lisbon (UTC+0)
    due = {}
    for severity in ("A", "B", "C"):
        opened = await open_ticket(
            api, world.admin("direct"), ticket_input(world, severity=severity)
        )
        due[severity] = opened["ticket"]["firstResponseDueAt"]
    assert due == {
        "A": "2026-11-28T10:30:00+00:00",  # ½ h on Friday, 1½ h on Saturday from 9:00
        "B": "2026-11-28T12:30:00+00:00",
        "C": "2026-11-30T11:30:00+00:00",  # 4½ h by Saturday 13:00, Sunday closed, 3½ on Monday
    }


def test_due_times_count_the_real_hours_across_a_change_of_clocks() -> None:
    windows = windows_from(
        [{"day": day, "opens": "00:00", "closes": "24:00"} for day in ("SATURDAY", "SUNDAY")]
        + [{"day": "MONDAY", "opens": "08:00", "closes": "17:00"}],
        ["days"],
    )
    stockholm = zone_named("Europe/Stockholm", ["timeZone"])
    # Sunday 29 March 2026 is 23 hours long in Stockholm: 8 hours from Saturday 22:00 local
    # (21:00 UTC) end at Sunday 07:00 local, which is 05:00 UTC.
    assert due_after(datetime(2026, 3, 28, 21, 0, tzinfo=UTC), 8, windows, stockholm) == datetime(
        2026, 3, 29, 5, 0, tzinfo=UTC
    )
    # In autumn Sunday is 25 hours long: a weekend window holds an hour more.
    assert due_after(datetime(2026, 10, 24, 22, 0, tzinfo=UTC), 8, windows, stockholm) == datetime(
        2026, 10, 25, 6, 0, tzinfo=UTC
    )
    # Hours that open at a time the clocks skip open when they jump: 02:30 on the Sunday New
    # York springs forward from 02:00 to 03:00 is 03:00 EDT, 07:00 UTC.
    skipped = windows_from([{"day": "SUNDAY", "opens": "02:30", "closes": "05:00"}], ["days"])
    new_york = zone_named("America/New_York", ["timeZone"])
    assert due_after(datetime(2026, 3, 8, 5, 0, tzinfo=UTC), 2, skipped, new_york) == datetime(
        2026, 3, 8, 9, 0, tzinfo=UTC
    )
    # Friday evening to Monday morning on weekday hours in São Paulo (no clock change).
    weekdays = windows_from(
        [{"day": day, "opens": "09:00", "closes": "18:00"} for day in ("MONDAY", "FRIDAY")],
        ["days"],
    )
    sao_paulo = zone_named("America/Sao_Paulo", ["timeZone"])
    assert due_after(datetime(2026, 11, 27, 20, 0, tzinfo=UTC), 2, weekdays, sao_paulo) == datetime(
        2026, 11, 30, 13, 0, tzinfo=UTC
    )


async def test_overdue_tickets_are_listed_until_someone_answers_them(
    api: Api, world: World, clock: Clock
) -> None:
    token = world.admin("direct")
    clock.at(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))  # Monday; no offering: round the clock
    late = (await open_ticket(api, token, ticket_input(world, severity="A")))["ticket"]
    await open_ticket(api, token, ticket_input(world, severity="C"))
    clock.at(datetime(2026, 11, 23, 12, 0, tzinfo=UTC))
    overdue = "query($overdue: Boolean) { tickets(filter: {overdue: $overdue}) { nodes { id overdue severity } } }"
    listed = await api.data(overdue, {"overdue": True}, token=token)
    assert listed["tickets"]["nodes"] == [{"id": late["id"], "overdue": True, "severity": "A"}]
    on_time = await api.data(overdue, {"overdue": False}, token=token)
    assert [node["severity"] for node in on_time["tickets"]["nodes"]] == ["C"]
    await api.data(
        'mutation($id: ID!) { commentOnTicket(input: {id: $id, body: "On it", visibility: CUSTOMER}) { userErrors { code } } }',
        {"id": late["id"]},
        token=token,
    )
    assert (await api.data(overdue, {"overdue": True}, token=token))["tickets"]["nodes"] == []


@pytest.mark.parametrize(
    "roles",
    [(Role.BILLING_ADMIN,), (Role.BILLING_ADMIN, Role.SALES_AGENT)],
    ids=["billing_admin", "also_sales_agent"],
)
async def test_a_billing_admin_works_only_billing_tickets(
    api: Api, world: World, roles: tuple[Role, ...]
) -> None:
    """A billing admin reads and works on billing tickets only; one who is also a sales agent
    reads every ticket, as the sales agent does, and still works on billing ones only."""
    admin, billing_admin = world.admin("direct"), world.token("direct", *roles)
    technical = (await open_ticket(api, admin, ticket_input(world)))["ticket"]
    billing = (await open_ticket(api, admin, ticket_input(world, category="BILLING")))["ticket"]
    reads_all = Role.SALES_AGENT in roles
    listed = await api.data("{ tickets { nodes { id } } }", token=billing_admin)
    readable = [technical, billing] if reads_all else [billing]
    assert listed["tickets"]["nodes"] == [{"id": ticket["id"]} for ticket in readable]
    read = await api.gql(
        "query($id: ID!) { ticket(id: $id) { id } }", {"id": technical["id"]}, token=billing_admin
    )
    assert (read["data"]["ticket"] is not None) is reads_all
    triage = 'mutation($id: ID!) { triageTicket(input: {id: $id, diagnosis: "d", withinBaseline: true}) { userErrors { code } } }'
    refused = await api.data(triage, {"id": technical["id"]}, token=billing_admin)
    assert refused["triageTicket"]["userErrors"] == [{"code": "NOT_FOUND"}]
    allowed = await api.data(triage, {"id": billing["id"]}, token=billing_admin)
    assert allowed["triageTicket"]["userErrors"] == []
    opened = await api.data(OPEN, {"input": ticket_input(world)}, token=billing_admin)
    assert [error["code"] for error in opened["openTicket"]["userErrors"]] == ["FORBIDDEN"]
    billing_ticket = ticket_input(world, category="BILLING")
    assert (await open_ticket(api, billing_admin, billing_ticket))["userErrors"] == []


async def test_another_tenants_tickets_are_not_found(api: Api, world: World) -> None:
    theirs = (await open_ticket(api, world.admin("other"), ticket_input(world, "other")))["ticket"]
    mine = world.admin("direct")
    found = await api.gql(
        "query($id: ID!) { ticket(id: $id) { id } node(id: $id) { id } }",
        {"id": theirs["id"]},
        token=mine,
    )
    assert found["data"] == {"ticket": None, "node": None}
    assert {error["extensions"]["code"] for error in found["errors"]} == {"NOT_FOUND"}
    refused = await api.data(OPEN, {"input": ticket_input(world, "other")}, token=mine)
    assert refused["openTicket"]["userErrors"][0]["code"] == "NOT_FOUND"
    listed = await api.data("{ tickets { totalCount } }", token=mine)
    assert listed["tickets"]["totalCount"] == 0


async def test_opening_twice_with_the_same_key_opens_one_ticket(api: Api, world: World) -> None:
    token = world.admin("direct")
    first = await open_ticket(api, token, ticket_input(world, idempotencyKey="call-4711"))
    again = await open_ticket(api, token, ticket_input(world, idempotencyKey="call-4711"))
    assert again["ticket"]["id"] == first["ticket"]["id"]
    changed = await open_ticket(
        api, token, ticket_input(world, idempotencyKey="call-4711", severity="A")
    )
    assert changed["userErrors"][0]["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert await models.Ticket.all().count() == 1


async def test_a_subscription_gives_the_ticket_its_product_family(api: Api, world: World) -> None:
    subscription = await world.add_subscription("direct", product_family=models.ProductFamily.AZURE)
    opened = await open_ticket(
        api,
        world.admin("direct"),
        ticket_input(
            world, productFamily=None, subscriptionId=to_global_id("Subscription", subscription.id)
        ),
    )
    assert opened["ticket"]["productFamily"] == "AZURE"
    foreign = await world.add_subscription("other")
    refused = await open_ticket(
        api,
        world.admin("direct"),
        ticket_input(world, subscriptionId=to_global_id("Subscription", foreign.id)),
    )
    assert refused["userErrors"][0]["field"] == ["subscriptionId"]
    contradicting = await open_ticket(
        api,
        world.admin("direct"),
        ticket_input(
            world,
            productFamily="ON_PREMISES",
            subscriptionId=to_global_id("Subscription", subscription.id),
        ),
    )
    assert contradicting["userErrors"] == [
        {
            "field": ["productFamily"],
            "code": "BAD_USER_INPUT",
            "message": "The product family must be the subscription's, or left out.",
        }
    ]


TICKET_PAGE = """
query($n: Int) {
  tickets(first: $n) {
    totalCount
    nodes { number status overdue customer { companyName } handler { name }
            timeline { kind } escalations { vehicle } escalationOptions { vehicle eligible } }
  }
}"""


async def test_a_page_of_tickets_costs_the_same_statements_whatever_its_size(
    api: Api, world: World
) -> None:
    token = world.admin("direct")
    for _ in range(12):
        await open_ticket(api, token, ticket_input(world))
    counts = []
    for size in (2, 12):
        with counting_statements() as statements:
            body = await api.data(TICKET_PAGE, {"n": size}, token=token)
        assert len(body["tickets"]["nodes"]) == size
        counts.append(len(statements))
    assert counts[0] == counts[1]


async def test_the_offering_of_the_queue_decides_due_times_not_the_customers_seller(
    api: Api, world: World, clock: Clock
) -> None:
    await set_offering(
        api,
        world.admin("provider"),
        offering(
            hours={
                "timeZone": "Europe/Rome",
                "days": [{"day": "MONDAY", "opens": "09:00", "closes": "10:00"}],
            }
        ),
    )
    clock.at(datetime(2026, 11, 23, 7, 0, tzinfo=UTC))  # Monday 08:00 in Rome
    opened = await open_ticket(
        api, world.admin("provider"), ticket_input(world, "provider", severity="A")
    )
    # one hour on this Monday, the second on the next
    assert opened["ticket"]["firstResponseDueAt"] == "2026-11-30T09:00:00+00:00"


async def test_a_comment_or_notification_retried_with_its_key_is_added_once(
    api: Api, world: World
) -> None:
    token = world.admin("direct")
    ticket = (await open_ticket(api, token, ticket_input(world)))["ticket"]["id"]
    steps = """mutation($id: ID!) {
      comment: commentOnTicket(input: {id: $id, body: "On it", visibility: CUSTOMER,
                                       idempotencyKey: "c-1"}) { event { id } userErrors { code } }
      notify: notifyCustomer(input: {ticketId: $id, message: "Fixed", idempotencyKey: "n-1"}) {
        event { id } userErrors { code }
      }
    }"""
    first = await api.data(steps, {"id": ticket}, token=token)
    again = await api.data(steps, {"id": ticket}, token=token)
    assert again == first
    timeline = await api.data(TIMELINE, {"id": ticket}, token=token)
    kinds = [event["kind"] for event in timeline["ticket"]["timeline"]]
    assert kinds == ["OPENED", "COMMENTED", "CUSTOMER_NOTIFIED"]


async def test_a_key_replayed_by_a_user_who_may_not_see_the_ticket_finds_nothing(
    api: Api, world: World
) -> None:
    technical = (await open_ticket(api, world.admin("direct"), ticket_input(world)))["ticket"]["id"]
    comment = """mutation($id: ID!) {
      commentOnTicket(input: {id: $id, body: "Looking", idempotencyKey: "shared-key"}) {
        event { id } userErrors { code }
      }
    }"""
    first = await api.data(comment, {"id": technical}, token=world.admin("direct"))
    assert first["commentOnTicket"]["userErrors"] == []
    billing_admin = world.token("direct", Role.BILLING_ADMIN)
    replayed = await api.data(comment, {"id": technical}, token=billing_admin)
    assert replayed["commentOnTicket"] == {"event": None, "userErrors": [{"code": "NOT_FOUND"}]}
