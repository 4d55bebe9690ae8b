"""Demo data: a direct-bill partner, an indirect provider with two resellers, customers in
the five languages of the source documents, their subscriptions across the product families
in the customers' currencies (one with an add-on, one suspended), and billing: a collections
policy per seller, and invoices paid, open, overdue and disputed — with one customer (the
direct partner's fourth) far enough past due that the next collections run suspends it —
and a support desk (`api/demo_support.py`)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from api.demo_support import seed_support
from auth.viewer import PartnerKind, Role
from resolvers.audit import Actor
from resolvers.collections import PolicyOrder, set_policy
from resolvers.customers import Contact, create_customer
from resolvers.invoices import (
    NewInvoice,
    NewLine,
    NewPayment,
    issue_invoice,
    open_dispute,
    record_payment,
)
from resolvers.models import BillingCycle, Partner, ProductFamily, Subscription, SuspensionReason
from resolvers.money import from_minor
from resolvers.partners import add_partner
from resolvers.subscriptions import (
    NewSubscription,
    create_subscription,
    now,
    suspend_subscription,
)
from resolvers.users import authenticate

DIRECT = ("3f2b8c1e-7a4d-4e2b-9c1a-5d6e7f8a9b01", "Contoso Cloud Services", PartnerKind.DIRECT_BILL)
PROVIDER = (
    "8d1c2b3a-4e5f-4a6b-8c7d-9e0f1a2b3c02",
    "Northwind Distribution",
    PartnerKind.INDIRECT_PROVIDER,
)
RESELLERS = (
    ("b4a3c2d1-e0f9-4a8b-9c7d-6e5f4a3b2c03", "Fabrikam Revenda", "4412301"),
    ("c5b4d3e2-f1a0-4b9c-8d7e-5f4a3b2c1d04", "Tailspin Rivenditore", "4412302"),
)

CUSTOMERS = {
    # tenant root or reseller tenant -> customers (company, domain, country, language, contact)
    DIRECT[0]: [
        (
            "Lisboa Têxteis, Lda.",
            "lisboatexteis.onmicrosoft.com",
            "PT",
            "pt-PT",
            "Inês Carvalho",
            "financeiro@lisboatexteis.pt",
        ),
        (
            "Padaria Ipiranga Ltda.",
            "padariaipiranga.onmicrosoft.com",
            "BR",
            "pt-BR",
            "Rafael Souza",
            "contas@padariaipiranga.com.br",
        ),
        (
            "Ristorante Navigli S.r.l.",
            "ristorantenavigli.onmicrosoft.com",
            "IT",
            "it",
            "Giulia Bianchi",
            "amministrazione@navigli.it",
        ),
        (
            "Göteborgs Cykel AB",
            "goteborgscykel.onmicrosoft.com",
            "SE",
            "sv",
            "Erik Lindqvist",
            "ekonomi@goteborgscykel.se",
        ),
        (
            "Seattle Kayak Outfitters",
            "seattlekayak.onmicrosoft.com",
            "US",
            "en",
            "Dana Brooks",
            "billing@seattlekayak.com",
        ),
    ],
    PROVIDER[0]: [
        (
            "Porto Logística S.A.",
            "portologistica.onmicrosoft.com",
            "PT",
            "pt-PT",
            "Tiago Ferreira",
            "faturacao@portologistica.pt",
        ),
    ],
    RESELLERS[0][0]: [
        (
            "Clínica Boa Vista Ltda.",
            "clinicaboavista.onmicrosoft.com",
            "BR",
            "pt-BR",
            "Mariana Lima",
            "financeiro@boavista.med.br",
        ),
        (
            "Uppsala Bokhandel AB",
            "uppsalabok.onmicrosoft.com",
            "SE",
            "sv",
            "Sara Nyström",
            "faktura@uppsalabok.se",
        ),
    ],
    RESELLERS[1][0]: [
        (
            "Cantina Toscana S.p.A.",
            "cantinatoscana.onmicrosoft.com",
            "IT",
            "it",
            "Marco Rossi",
            "contabilita@cantinatoscana.it",
        ),
        (
            "Harbour Analytics Ltd",
            "harbouranalytics.onmicrosoft.com",
            "GB",
            "en",
            "Olivia Hughes",
            "accounts@harbouranalytics.co.uk",
        ),
    ],
}

SEED_SUBJECT = "partnergraph-demo-seed"
CURRENCIES = {"PT": "EUR", "IT": "EUR", "BR": "BRL", "SE": "SEK", "US": "USD", "GB": "GBP"}
# (offer id, offer name, family, unit price, unit cost, cycle, term), priced in EUR
OFFERS = (
    (
        "CFQ7TTC0LH18:0001",
        "Microsoft 365 Business Basic",
        ProductFamily.MICROSOFT_365,
        "5.60",
        "4.48",
        BillingCycle.MONTHLY,
        "P1Y",
    ),
    (
        "CFQ7TTC0LCHC:0002",
        "Microsoft 365 Business Premium",
        ProductFamily.MICROSOFT_365,
        "20.60",
        "16.48",
        BillingCycle.ANNUAL,
        "P1Y",
    ),
    (
        "DZH318Z0BPS6:0001",
        "Azure plan",
        ProductFamily.AZURE,
        "0.00",
        "0.00",
        BillingCycle.MONTHLY,
        "P1M",
    ),
    (
        "CFQ7TTC0LFK5:0001",
        "Dynamics 365 Sales Enterprise",
        ProductFamily.DYNAMICS_365,
        "97.40",
        "77.92",
        BillingCycle.MONTHLY,
        "P1Y",
    ),
    (
        "DG7GMGF0DVT6:0001",
        "Windows Server 2022 Standard - 16 Core",
        ProductFamily.ON_PREMISES,
        "902.00",
        "721.60",
        BillingCycle.TRIENNIAL,
        "P3Y",
    ),
)
TO_EUR = {"EUR": "1", "BRL": "5.8", "SEK": "11.5", "USD": "1.08", "GBP": "0.85"}
TEAMS_PHONE = ("CFQ7TTC0J1FV:0002", "Microsoft Teams Phone Standard", ProductFamily.MICROSOFT_365)


async def seed_demo() -> bool:
    """Create the demo data in an empty database; False if partners already exist."""
    if await Partner.exists():
        return False
    await add_partner(tenant_id=DIRECT[0], name=DIRECT[1], kind=DIRECT[2], mpn_id="4412300")
    await add_partner(tenant_id=PROVIDER[0], name=PROVIDER[1], kind=PROVIDER[2], mpn_id="4412399")
    for tenant_id, name, mpn_id in RESELLERS:
        await add_partner(
            tenant_id=tenant_id,
            name=name,
            kind=PartnerKind.INDIRECT_RESELLER,
            provider_tenant_id=PROVIDER[0],
            mpn_id=mpn_id,
        )
    actors: list[Actor] = []
    customer_ids: list[list[int]] = []
    for tenant_id, rows in CUSTOMERS.items():
        viewer = await authenticate(
            sub=SEED_SUBJECT,
            tenant_id=tenant_id,
            roles=(Role.GLOBAL_ADMIN.value,),
            name="Demo seed",
            email=None,
        )
        actor = Actor(viewer=viewer, request_id="seed-demo")
        actors.append(actor)
        customer_ids.append([])
        for number, (company, domain, country, language, contact, email) in enumerate(rows, 1):
            customer = await create_customer(
                actor,
                company_name=company,
                domain=domain,
                country=country,
                language=language,
                external_id=f"ERP-{tenant_id[:4].upper()}-{number:04d}",
                billing_contact=Contact(name=contact, email=email),
            )
            customer_ids[-1].append(customer.id)
            bought = await _subscriptions(actor, customer.id, CURRENCIES[country], number)
            await _invoices(actor, customer.id, CURRENCIES[country], number, bought)
        await set_policy(actor, POLICY)
    await seed_support(actors, customer_ids)
    return True


async def _subscriptions(
    actor: Actor, customer_id: int, currency: str, number: int
) -> list[Subscription]:
    """Two offers per customer, in its currency; the first customer of each tenant also has
    a Teams Phone add-on, the second a suspended subscription."""
    rate = Decimal(TO_EUR[currency])

    def local(amount: str) -> str:
        return str((Decimal(amount) * rate).quantize(Decimal("0.01")))

    bought = []
    for offset in (0, 2 + number % 3):
        offer_id, name, family, price, cost, cycle, term = OFFERS[(number + offset) % len(OFFERS)]
        order = NewSubscription(
            customer_id=customer_id,
            offer_id=offer_id,
            offer_name=name,
            product_family=family,
            quantity=5 * number + offset,
            unit_price=(local(price), currency),
            unit_cost=(local(cost), currency),
            billing_cycle=cycle,
            term_duration=term,
        )
        bought.append(await create_subscription(actor, order))
    if number == 1:
        offer_id, name, family = TEAMS_PHONE
        add_on = NewSubscription(
            customer_id=customer_id,
            offer_id=offer_id,
            offer_name=name,
            product_family=family,
            quantity=3,
            unit_price=(local("8.40"), currency),
            unit_cost=(local("6.72"), currency),
            billing_cycle=BillingCycle.MONTHLY,
            term_duration="P1Y",
            parent_id=bought[0].id,
        )
        await create_subscription(actor, add_on)
    if number == 2:
        await suspend_subscription(
            actor, subscription_id=bought[1].id, reason=SuspensionReason.PARTNER_REQUEST
        )
    return bought


# Each seller's customers by number: (days since the invoice was issued, how it stands).
# Terms are 30 days, so an invoice issued 42 days ago is 12 days past due.
INVOICES = {
    1: ((65, "paid"), (5, "open")),
    2: ((42, "open"),),  # overdue: a reminder is due
    3: ((80, "disputed"),),  # past the suspension day, but disputed: never suspended
    4: ((75, "open"), (10, "open")),  # 45 days past due: the next run suspends
    5: ((35, "paid"),),
}
POLICY = PolicyOrder(
    reminder_days_past_due=[7, 14, 30],
    suspend_after_days_past_due=40,
    reactivate_on_payment=True,
    customer_notice="Questions about an invoice? Write to billing@contoso.example.",
)


async def _invoices(
    actor: Actor, customer_id: int, currency: str, number: int, bought: list[Subscription]
) -> None:
    """Invoices billing the customer's first priced subscription, as `INVOICES` says."""
    today = now()
    billed = next(row for row in bought if Decimal(row.unit_price) > 0)
    for days_ago, state in INVOICES.get(number, ()):
        issued = today - timedelta(days=days_ago)
        line = NewLine(
            description=f"{billed.offer_name} × {billed.quantity}, {issued:%B %Y}",
            quantity=Decimal(billed.quantity),
            unit_price=Decimal(billed.unit_price),
            subscription_id=billed.id,
        )
        order = NewInvoice(
            customer_id=customer_id,
            currency=currency,
            due_date=(issued + timedelta(days=30)).date(),
            lines=[line],
            issued_at=issued,
        )
        invoice = await issue_invoice(actor, order)
        if state == "paid":
            payment = NewPayment(
                invoice_id=invoice.id,
                amount=from_minor(invoice.total_minor, currency),
                currency=currency,
                reference=f"SEPA-{invoice.id:06d}",
                received_at=issued + timedelta(days=20),
            )
            await record_payment(actor, payment)
        elif state == "disputed":
            await open_dispute(
                actor,
                invoice_id=invoice.id,
                reason="Licences billed after the customer reduced the seat count.",
                amount=None,
            )
