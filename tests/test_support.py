"""The support offering and the statement customers read, in their own language."""

from __future__ import annotations

from copy import deepcopy
from typing import Any

from auth.viewer import Role
from schema.nodes import to_global_id
from tests.conftest import Api, World

SET_OFFERING = """
mutation Set($input: SetSupportOfferingInput!) {
  setSupportOffering(input: $input) {
    supportOffering {
      sourcing providerName version
      hours { timeZone days { day opens closes } }
      contactMethods { kind value }
      pricing { model amount { amount currency } }
      baseline { categories productFamilies }
      entitlements {
        premierSupportContract { reference endsOn active }
        advancedSupportContract { reference endsOn active }
        competency actionPack productSupportIncidentCredits
      }
    }
    userErrors { field code message }
  }
}"""

STATEMENT = """
query Statement($customerId: ID!) {
  supportStatement(customerId: $customerId) { language text }
}"""

WEEKDAYS = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY")

OFFERING: dict[str, Any] = {
    "sourcing": "DIRECT",
    "hours": {
        "timeZone": "Europe/Lisbon",
        "days": [
            *({"day": day, "opens": "08:00", "closes": "18:00"} for day in WEEKDAYS),
            {"day": "SATURDAY", "opens": "09:00", "closes": "13:00"},
        ],
    },
    "contactMethods": [
        {"kind": "EMAIL", "value": "Suporte@Contoso.example"},
        {"kind": "PHONE", "value": "+351 210 000 000"},
    ],
    "pricing": {"model": "PER_INCIDENT", "amount": {"amount": "49", "currency": "EUR"}},
    "baseline": {
        "categories": ["BILLING", "TECHNICAL"],
        "productFamilies": ["MICROSOFT_365", "AZURE"],
    },
    "entitlements": {
        "advancedSupportContract": {"reference": "ASfP-1", "endsOn": "2099-12-31"},
        "competency": "GOLD",
        "productSupportIncidentCredits": 2,
    },
}


def offering(**changes: Any) -> dict[str, Any]:
    made = deepcopy(OFFERING)
    made.update(changes)
    return made


async def set_offering(api: Api, token: str, value: dict[str, Any]) -> dict[str, Any]:
    body = await api.data(SET_OFFERING, {"input": value}, token=token)
    return body["setSupportOffering"]


async def test_a_partner_sets_its_offering_and_reads_it_back(api: Api, world: World) -> None:
    result = await set_offering(api, world.admin("direct"), OFFERING)
    assert result["userErrors"] == []
    saved = result["supportOffering"]
    assert saved["version"] == 1
    assert saved["hours"]["days"][0] == {"day": "MONDAY", "opens": "08:00", "closes": "18:00"}
    assert saved["contactMethods"][0] == {"kind": "EMAIL", "value": "suporte@contoso.example"}
    assert saved["pricing"] == {
        "model": "PER_INCIDENT",
        "amount": {"amount": "49.00", "currency": "EUR"},
    }
    assert saved["baseline"] == {
        "categories": ["BILLING", "TECHNICAL"],
        "productFamilies": ["AZURE", "MICROSOFT_365"],
    }
    assert saved["entitlements"] == {
        "premierSupportContract": None,
        "advancedSupportContract": {"reference": "ASfP-1", "endsOn": "2099-12-31", "active": True},
        "competency": "GOLD",
        "actionPack": False,
        "productSupportIncidentCredits": 2,
    }
    read = await api.data(
        "{ supportOffering { version sourcing } partner { supportOffering { version } } }",
        token=world.token("direct", Role.HELPDESK_AGENT),
    )
    assert read == {
        "supportOffering": {"version": 1, "sourcing": "DIRECT"},
        "partner": {"supportOffering": {"version": 1}},
    }


async def test_setting_the_offering_again_replaces_it_and_checks_the_version(
    api: Api, world: World
) -> None:
    token = world.admin("direct")
    await set_offering(api, token, OFFERING)
    second = await set_offering(
        api,
        token,
        offering(sourcing="OUTSOURCED", providerName="Fabrikam Support", expectedVersion=1),
    )
    assert second["supportOffering"]["version"] == 2
    assert second["supportOffering"]["providerName"] == "Fabrikam Support"
    stale = await set_offering(api, token, offering(expectedVersion=1))
    assert [error["code"] for error in stale["userErrors"]] == ["VERSION_CONFLICT"]


async def test_every_problem_of_an_offering_is_reported_at_once(api: Api, world: World) -> None:
    bad = offering(
        sourcing="RESOLD",
        hours={
            "timeZone": "Europe/Atlantis",
            "days": [
                {"day": "MONDAY", "opens": "09:00", "closes": "08:00"},
                {"day": "TUESDAY", "opens": "08:00", "closes": "12:00"},
                {"day": "TUESDAY", "opens": "11:00", "closes": "24:00"},
            ],
        },
        contactMethods=[{"kind": "WEB", "value": "http://insecure.example"}],
        pricing={"model": "INCLUDED", "amount": {"amount": "1", "currency": "EUR"}},
    )
    result = await set_offering(api, world.admin("direct"), bad)
    assert result["supportOffering"] is None
    assert {tuple(error["field"]) for error in result["userErrors"]} == {
        ("providerName",),
        ("hours", "timeZone"),
        ("hours", "days", "0", "closes"),
        ("hours", "days"),
        ("contactMethods", "0", "value"),
        ("pricing", "amount"),
    }
    assert {error["code"] for error in result["userErrors"]} == {"BAD_USER_INPUT"}


async def test_a_malformed_web_address_is_refused_like_any_other(api: Api, world: World) -> None:
    bad = offering(contactMethods=[{"kind": "WEB", "value": "https://[::1"}])
    result = await set_offering(api, world.admin("direct"), bad)
    assert [(error["code"], error["field"]) for error in result["userErrors"]] == [
        ("BAD_USER_INPUT", ["contactMethods", "0", "value"])
    ]


async def test_only_global_and_account_admins_set_the_offering(api: Api, world: World) -> None:
    agent = await api.gql(
        SET_OFFERING, {"input": OFFERING}, token=world.token("direct", Role.HELPDESK_AGENT)
    )
    assert agent["data"]["setSupportOffering"] is None
    assert agent["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    account_admin = await set_offering(api, world.token("direct", Role.ACCOUNT_ADMIN), OFFERING)
    assert account_admin["userErrors"] == []


async def test_the_statement_is_written_in_the_customers_language(api: Api, world: World) -> None:
    await set_offering(api, world.admin("direct"), OFFERING)
    text = await _statement(api, world, "direct", world.customer_id("direct"))
    assert text == {
        "language": "pt-PT",
        "text": "O seu suporte é prestado diretamente por Contoso. Envie-nos todos os pedidos "
        "de suporte: enquanto cliente de um parceiro Cloud Solution Provider, não pode abrir "
        "pedidos diretamente junto da Microsoft. Horário do suporte (hora de Europe/Lisbon): "
        "de segunda-feira a sexta-feira, das 08:00 às 18:00; sábado, das 09:00 às 13:00. "
        "Contacte-nos por email para suporte@contoso.example ou por telefone através do "
        "+351 210 000 000. O suporte custa 49,00 EUR por pedido. O nosso suporte abrange "
        "questões de faturação e problemas técnicos de Azure e Microsoft 365. O que "
        "ultrapassar esse âmbito, escalamos para a Microsoft em seu nome e informamo-lo do "
        "resultado. Damos uma primeira resposta aos pedidos críticos no prazo de 2 horas de "
        "atendimento, aos moderados em 4 e aos de impacto reduzido em 8.",
    }


async def test_the_statement_comes_in_all_five_languages(api: Api, world: World) -> None:
    everyday = [
        {"day": day, "opens": "00:00", "closes": "24:00"}
        for day in (*WEEKDAYS, "SATURDAY", "SUNDAY")
    ]
    for owner in ("other", "provider", "reseller", "reseller2"):
        await set_offering(
            api,
            world.admin(owner),
            offering(hours={"timeZone": "Europe/Stockholm", "days": everyday}),
        )
    expected = {
        ("other", "sv"): (
            "Er support kommer direkt från Litware.",
            "dygnet runt",
            "49,00 EUR per ärende",
        ),
        ("provider", "it"): (
            "direttamente da Northwind",
            "24 ore su 24",
            "49,00 EUR per richiesta",
        ),
        ("reseller", "pt-BR"): (
            "diretamente por Reseller",
            "24 horas por dia",
            "por meio do nosso distribuidor, Northwind",
        ),
        ("reseller2", "en"): (
            "Your support comes directly from Reseller2.",
            "around the clock",
            "through our distributor, Northwind",
        ),
    }
    for (owner, language), phrases in expected.items():
        statement = await _statement(api, world, owner, world.customer_id(owner))
        assert statement["language"] == language
        for phrase in phrases:
            assert phrase in statement["text"], (language, statement["text"])


async def test_a_seller_without_an_offering_still_tells_customers_where_to_turn(
    api: Api, world: World
) -> None:
    statement = await _statement(api, world, "other", world.customer_id("other"))
    assert statement == {
        "language": "sv",
        "text": "Litware har ännu inte publicerat sitt supporterbjudande. Skicka alla "
        "supportärenden till oss: som kund hos en Cloud Solution Provider-partner kan ni inte "
        "öppna ärenden direkt hos Microsoft.",
    }


async def test_another_tenants_customer_has_no_statement(api: Api, world: World) -> None:
    body = await api.gql(
        STATEMENT, {"customerId": world.customer_id("other")}, token=world.admin("direct")
    )
    assert body["data"]["supportStatement"] is None
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    forged = await api.gql(
        STATEMENT, {"customerId": to_global_id("Partner", 1)}, token=world.admin("direct")
    )
    assert forged["errors"][0]["extensions"]["code"] == "NOT_FOUND"


async def test_only_those_who_read_customers_learn_of_one_from_its_statement(
    api: Api, world: World
) -> None:
    """The offering is every role's to read; which customers exist, in what language and
    from which seller, is `customers:read`'s: the account admin finds no customer."""
    variables = {"customerId": world.customer_id("direct")}
    account_admin = world.token("direct", Role.ACCOUNT_ADMIN)
    body = await api.gql(STATEMENT, variables, token=account_admin)
    assert body["data"]["supportStatement"] is None
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert "errors" not in await api.gql("{ supportOffering { version } }", token=account_admin)
    sales = await api.data(STATEMENT, variables, token=world.token("direct", Role.SALES_AGENT))
    assert sales["supportStatement"]["text"]


async def _statement(api: Api, world: World, owner: str, customer_id: str) -> dict[str, str]:
    body = await api.data(STATEMENT, {"customerId": customer_id}, token=world.admin(owner))
    return body["supportStatement"]
