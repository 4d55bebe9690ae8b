"""Demo data: a direct-bill partner, an indirect provider with two resellers, and customers
in the five languages of the source documents."""

from __future__ import annotations

from auth.viewer import PartnerKind, Role
from resolvers.audit import Actor
from resolvers.customers import Contact, create_customer
from resolvers.models import Partner
from resolvers.partners import add_partner
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
    for tenant_id, rows in CUSTOMERS.items():
        viewer = await authenticate(
            sub=SEED_SUBJECT,
            tenant_id=tenant_id,
            roles=(Role.GLOBAL_ADMIN.value,),
            name="Demo seed",
            email=None,
        )
        actor = Actor(viewer=viewer, request_id="seed-demo")
        for number, (company, domain, country, language, contact, email) in enumerate(rows, 1):
            await create_customer(
                actor,
                company_name=company,
                domain=domain,
                country=country,
                language=language,
                external_id=f"ERP-{tenant_id[:4].upper()}-{number:04d}",
                billing_contact=Contact(name=contact, email=email),
            )
    return True
