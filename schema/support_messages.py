"""Messages of the support desk in the five languages: refusals of offerings, tickets and
escalations, and the sentences of the support statement customers read."""

from __future__ import annotations

from schema.wording import in_languages as _m

SUPPORT_MESSAGES: dict[str, dict[str, str]] = {
    # the support offering
    "support.not_found": _m(
        "No support offering with this id is visible to you.",
        "Não existe nenhuma oferta de suporte visível para si com este id.",
        "Nenhuma oferta de suporte com este id está visível para você.",
        "Nessuna offerta di supporto con questo id è visibile per te.",
        "Inget supporterbjudande med detta id är synligt för dig.",
    ),
    "support.time_zone": _m(
        "Give an IANA time zone, such as Europe/Lisbon.",
        "Indique um fuso horário IANA, como Europe/Lisbon.",
        "Informe um fuso horário IANA, como America/Sao_Paulo.",
        "Indica un fuso orario IANA, come Europe/Rome.",
        "Ange en IANA-tidszon, till exempel Europe/Stockholm.",
    ),
    "support.day": _m(
        "Give a day of the week, from MONDAY to SUNDAY.",
        "Indique um dia da semana, de MONDAY a SUNDAY.",
        "Informe um dia da semana, de MONDAY a SUNDAY.",
        "Indica un giorno della settimana, da MONDAY a SUNDAY.",
        "Ange en veckodag, från MONDAY till SUNDAY.",
    ),
    "support.clock": _m(
        "Give the opening time as HH:MM, from 00:00 to 23:59.",
        "Indique a hora de abertura no formato HH:MM, entre 00:00 e 23:59.",
        "Informe o horário de abertura no formato HH:MM, entre 00:00 e 23:59.",
        "Indica l'orario di apertura nel formato HH:MM, tra 00:00 e 23:59.",
        "Ange öppningstiden som HH:MM, mellan 00:00 och 23:59.",
    ),
    "support.closes": _m(
        "Give the closing time as HH:MM, later than the opening time (24:00 for midnight).",
        "Indique a hora de fecho no formato HH:MM, depois da abertura (24:00 para a meia-noite).",
        "Informe o horário de fechamento no formato HH:MM, depois da abertura (24:00 para "
        "meia-noite).",
        "Indica l'orario di chiusura nel formato HH:MM, dopo l'apertura (24:00 per la mezzanotte).",
        "Ange stängningstiden som HH:MM, senare än öppningstiden (24:00 för midnatt).",
    ),
    "support.no_hours": _m(
        "Give at least one period of service hours.",
        "Indique pelo menos um período de horário de atendimento.",
        "Informe pelo menos um período de horário de atendimento.",
        "Indica almeno una fascia di orario di servizio.",
        "Ange minst en period med öppettider.",
    ),
    "support.overlap": _m(
        "Two periods of service hours on {day} overlap.",
        "Dois períodos de atendimento em {day} sobrepõem-se.",
        "Dois períodos de atendimento em {day} se sobrepõem.",
        "Due fasce orarie di {day} si sovrappongono.",
        "Två perioder med öppettider på {day} överlappar varandra.",
    ),
    "support.too_many_windows": _m(
        "Give at most {maximum} periods of service hours.",
        "Indique no máximo {maximum} períodos de atendimento.",
        "Informe no máximo {maximum} períodos de atendimento.",
        "Indica al massimo {maximum} fasce orarie.",
        "Ange högst {maximum} perioder med öppettider.",
    ),
    "support.contacts": _m(
        "Give from 1 to {maximum} ways for customers to contact you.",
        "Indique de 1 a {maximum} formas de os clientes o contactarem.",
        "Informe de 1 a {maximum} formas de os clientes entrarem em contato.",
        "Indica da 1 a {maximum} modi in cui i clienti possono contattarti.",
        "Ange 1 till {maximum} sätt för kunderna att kontakta er.",
    ),
    "support.contact.EMAIL": _m(
        "Give a valid email address.",
        "Indique um endereço de email válido.",
        "Informe um endereço de e-mail válido.",
        "Indica un indirizzo e-mail valido.",
        "Ange en giltig e-postadress.",
    ),
    "support.contact.PHONE": _m(
        "Give a phone number: digits, spaces, dots, dashes or brackets, optionally after a +.",
        "Indique um número de telefone: algarismos, espaços, pontos, hífenes ou parênteses, "
        "opcionalmente depois de um +.",
        "Informe um número de telefone: dígitos, espaços, pontos, hífens ou parênteses, "
        "opcionalmente após um +.",
        "Indica un numero di telefono: cifre, spazi, punti, trattini o parentesi, "
        "eventualmente dopo un +.",
        "Ange ett telefonnummer: siffror, mellanslag, punkter, bindestreck eller parenteser, "
        "gärna efter ett +.",
    ),
    "support.contact.WEB": _m(
        "Give an https:// address of at most 500 characters.",
        "Indique um endereço https:// com no máximo 500 caracteres.",
        "Informe um endereço https:// com no máximo 500 caracteres.",
        "Indica un indirizzo https:// di al massimo 500 caratteri.",
        "Ange en https://-adress på högst 500 tecken.",
    ),
    "support.price_included": _m(
        "Support included in the price has no amount of its own.",
        "O suporte incluído no preço não tem um valor próprio.",
        "O suporte incluído no preço não tem um valor próprio.",
        "Il supporto incluso nel prezzo non ha un importo proprio.",
        "Support som ingår i priset har inget eget belopp.",
    ),
    "support.price_missing": _m(
        "Give the amount and currency of the price.",
        "Indique o valor e a moeda do preço.",
        "Informe o valor e a moeda do preço.",
        "Indica l'importo e la valuta del prezzo.",
        "Ange prisets belopp och valuta.",
    ),
    "support.provider_for_direct": _m(
        "Support you give directly names no other party.",
        "O suporte prestado diretamente não indica outra entidade.",
        "O suporte prestado diretamente não indica outra empresa.",
        "Il supporto fornito direttamente non indica altre parti.",
        "Support som ni ger själva anger ingen annan part.",
    ),
    "support.provider_name": _m(
        "Name the party that provides the support (1 to {maximum} characters).",
        "Indique a entidade que presta o suporte (1 a {maximum} caracteres).",
        "Informe a empresa que presta o suporte (1 a {maximum} caracteres).",
        "Indica chi fornisce il supporto (da 1 a {maximum} caratteri).",
        "Ange vem som levererar supporten (1 till {maximum} tecken).",
    ),
    "support.credits": _m(
        "Product support incident credits go from 0 to {maximum}.",
        "Os créditos de incidentes de suporte ao produto vão de 0 a {maximum}.",
        "Os créditos de incidentes de suporte ao produto vão de 0 a {maximum}.",
        "I crediti per incidenti di supporto al prodotto vanno da 0 a {maximum}.",
        "Krediter för produktsupportärenden går från 0 till {maximum}.",
    ),
    # tickets
    "ticket.not_found": _m(
        "No ticket with this id is visible to you.",
        "Não existe nenhum pedido de suporte visível para si com este id.",
        "Nenhum chamado com este id está visível para você.",
        "Nessun ticket con questo id è visibile per te.",
        "Inget ärende med detta id är synligt för dig.",
    ),
    "ticket.event_not_found": _m(
        "No event of this ticket has this id.",
        "Nenhum evento deste pedido tem este id.",
        "Nenhum evento deste chamado tem este id.",
        "Nessun evento di questo ticket ha questo id.",
        "Ingen händelse i detta ärende har detta id.",
    ),
    "ticket.category_not_allowed": _m(
        "As a billing admin you open and work on billing tickets only.",
        "Enquanto administrador de faturação, só abre e trata pedidos de faturação.",
        "Como administrador de cobrança, você só abre e trata chamados de faturamento.",
        "Come amministratore della fatturazione apri e gestisci solo ticket di fatturazione.",
        "Som faktureringsadministratör öppnar och hanterar du bara faktureringsärenden.",
    ),
    "ticket.subscription": _m(
        "This subscription is not one of the customer's.",
        "Esta subscrição não pertence ao cliente.",
        "Esta assinatura não pertence ao cliente.",
        "Questa sottoscrizione non appartiene al cliente.",
        "Prenumerationen tillhör inte kunden.",
    ),
    "ticket.product_family": _m(
        "The product family must be the subscription's, or left out.",
        "A família de produtos tem de ser a da subscrição, ou ser omitida.",
        "A família de produtos deve ser a da assinatura, ou ser omitida.",
        "La famiglia di prodotti deve essere quella della sottoscrizione, oppure va omessa.",
        "Produktfamiljen måste vara prenumerationens, eller utelämnas.",
    ),
    "ticket.assignee": _m(
        "No active user of the organization handling this ticket has this id.",
        "Nenhum utilizador ativo da organização que trata este pedido tem este id.",
        "Nenhum usuário ativo da organização que atende este chamado tem este id.",
        "Nessun utente attivo dell'organizzazione che gestisce il ticket ha questo id.",
        "Ingen aktiv användare i organisationen som hanterar ärendet har detta id.",
    ),
    "ticket.triage_state": _m(
        "Only a NEW ticket is triaged; this one is {status}.",
        "Só um pedido NEW pode ser triado; este está {status}.",
        "Só um chamado NEW pode passar pela triagem; este está {status}.",
        "Solo un ticket NEW può essere valutato; questo è {status}.",
        "Bara ett ärende med status NEW kan bedömas; detta är {status}.",
    ),
    "ticket.resolve_state": _m(
        "A ticket is resolved after its triage; this one is {status}.",
        "Um pedido só pode ser resolvido depois da triagem; este está {status}.",
        "Um chamado só pode ser resolvido depois da triagem; este está {status}.",
        "Un ticket si risolve dopo la valutazione; questo è {status}.",
        "Ett ärende löses efter bedömningen; detta är {status}.",
    ),
    "ticket.escalation_open": _m(
        "The ticket's escalation is still open: it must resolve first.",
        "A escalação do pedido ainda está aberta: tem de ser resolvida primeiro.",
        "O escalonamento do chamado ainda está aberto: ele precisa ser resolvido antes.",
        "L'escalation del ticket è ancora aperta: deve essere risolta prima.",
        "Ärendets eskalering är fortfarande öppen: den måste lösas först.",
    ),
    "ticket.close_state": _m(
        "Only a RESOLVED ticket is closed; this one is {status}.",
        "Só um pedido RESOLVED pode ser fechado; este está {status}.",
        "Só um chamado RESOLVED pode ser encerrado; este está {status}.",
        "Solo un ticket RESOLVED può essere chiuso; questo è {status}.",
        "Bara ett ärende med status RESOLVED kan stängas; detta är {status}.",
    ),
    "ticket.closed": _m(
        "This ticket is closed: nothing more can be done on it.",
        "Este pedido está fechado: já não é possível alterá-lo.",
        "Este chamado está encerrado: não é mais possível alterá-lo.",
        "Questo ticket è chiuso: non si può più modificare.",
        "Ärendet är stängt: inget mer kan göras i det.",
    ),
    "ticket.not_notified": _m(
        "Tell the customer the outcome of the escalation (notifyCustomer) before closing the "
        "ticket.",
        "Informe o cliente do resultado da escalação (notifyCustomer) antes de fechar o pedido.",
        "Informe o cliente sobre o resultado do escalonamento (notifyCustomer) antes de "
        "encerrar o chamado.",
        "Comunica al cliente l'esito dell'escalation (notifyCustomer) prima di chiudere il ticket.",
        "Meddela kunden utfallet av eskaleringen (notifyCustomer) innan ärendet stängs.",
    ),
    # escalations
    "escalation.not_found": _m(
        "No escalation with this id is visible to you.",
        "Não existe nenhuma escalação visível para si com este id.",
        "Nenhum escalonamento com este id está visível para você.",
        "Nessuna escalation con questo id è visibile per te.",
        "Ingen eskalering med detta id är synlig för dig.",
    ),
    "escalation.not_triaged": _m(
        "A ticket is escalated only after a diagnosis: triage it first.",
        "Um pedido só é escalado depois de diagnosticado: faça primeiro a triagem.",
        "Um chamado só é escalonado depois do diagnóstico: faça a triagem primeiro.",
        "Un ticket si inoltra solo dopo una diagnosi: valutalo prima.",
        "Ett ärende eskaleras först efter en diagnos: bedöm det först.",
    ),
    "escalation.state": _m(
        "A ticket that is {status} can't be escalated.",
        "Um pedido no estado {status} não pode ser escalado.",
        "Um chamado com status {status} não pode ser escalonado.",
        "Un ticket in stato {status} non può essere inoltrato.",
        "Ett ärende med status {status} kan inte eskaleras.",
    ),
    "escalation.resolved": _m(
        "This escalation is resolved: it can't change any more.",
        "Esta escalação está resolvida: já não pode ser alterada.",
        "Este escalonamento está resolvido: não pode mais ser alterado.",
        "Questa escalation è risolta: non si può più modificare.",
        "Eskaleringen är löst: den kan inte ändras längre.",
    ),
    "escalation.followed_by_provider": _m(
        "An escalation to the indirect provider follows the provider's ticket.",
        "Uma escalação para o fornecedor indireto acompanha o pedido do fornecedor.",
        "Um escalonamento para o provedor indireto acompanha o chamado do provedor.",
        "Un'escalation al provider indiretto segue il ticket del provider.",
        "En eskalering till den indirekta leverantören följer leverantörens ärende.",
    ),
    "escalation.outcome_missing": _m(
        "Say the outcome to resolve the escalation.",
        "Indique o resultado para resolver a escalação.",
        "Informe o resultado para resolver o escalonamento.",
        "Indica l'esito per risolvere l'escalation.",
        "Ange utfallet för att lösa eskaleringen.",
    ),
    "escalation.RESELLER_ESCALATES_TO_PROVIDER": _m(
        "As an indirect reseller you escalate to your indirect provider, never to Microsoft.",
        "Enquanto revendedor indireto, escala para o seu fornecedor indireto, nunca para a "
        "Microsoft.",
        "Como revenda indireta, você escalona para o seu provedor indireto, nunca para a "
        "Microsoft.",
        "Come rivenditore indiretto inoltri al tuo provider indiretto, mai a Microsoft.",
        "Som indirekt återförsäljare eskalerar ni till er indirekta leverantör, aldrig till "
        "Microsoft.",
    ),
    "escalation.NOT_AN_INDIRECT_RESELLER": _m(
        "Only an indirect reseller escalates to an indirect provider.",
        "Só um revendedor indireto escala para um fornecedor indireto.",
        "Somente uma revenda indireta escalona para um provedor indireto.",
        "Solo un rivenditore indiretto inoltra a un provider indiretto.",
        "Bara en indirekt återförsäljare eskalerar till en indirekt leverantör.",
    ),
    "escalation.CATEGORY_NOT_COVERED": _m(
        "This vehicle doesn't take requests of this ticket's category.",
        "Este canal não aceita pedidos da categoria deste pedido.",
        "Este canal não aceita solicitações da categoria deste chamado.",
        "Questo canale non accetta richieste della categoria di questo ticket.",
        "Den här kanalen tar inte emot ärenden i det här ärendets kategori.",
    ),
    "escalation.PRODUCT_FAMILY_UNKNOWN": _m(
        "Say which product family the ticket is about: this vehicle depends on it.",
        "Indique a família de produtos do pedido: este canal depende dela.",
        "Informe a família de produtos do chamado: este canal depende dela.",
        "Indica la famiglia di prodotti del ticket: questo canale dipende da essa.",
        "Ange vilken produktfamilj ärendet gäller: kanalen beror på den.",
    ),
    "escalation.CLOUD_PRODUCTS_ONLY": _m(
        "This vehicle takes cloud products only; the ticket is about an on-premises product.",
        "Este canal só aceita produtos cloud; o pedido é sobre um produto instalado localmente.",
        "Este canal só aceita produtos de nuvem; o chamado é sobre um produto on-premises.",
        "Questo canale accetta solo prodotti cloud; il ticket riguarda un prodotto on-premises.",
        "Kanalen tar bara emot molnprodukter; ärendet gäller en lokalt installerad produkt.",
    ),
    "escalation.ON_PREMISES_PRODUCTS_ONLY": _m(
        "Product support incidents are for on-premises products only.",
        "Os incidentes de suporte ao produto são só para produtos instalados localmente.",
        "Os incidentes de suporte ao produto são apenas para produtos on-premises.",
        "Gli incidenti di supporto al prodotto valgono solo per prodotti on-premises.",
        "Produktsupportärenden gäller bara lokalt installerade produkter.",
    ),
    "escalation.CONTRACT_MISSING": _m(
        "Your organization holds no contract for this vehicle.",
        "A sua organização não tem contrato para este canal.",
        "Sua organização não tem contrato para este canal.",
        "La tua organizzazione non ha un contratto per questo canale.",
        "Er organisation har inget avtal för den här kanalen.",
    ),
    "escalation.CONTRACT_EXPIRED": _m(
        "Your organization's contract for this vehicle has ended.",
        "O contrato da sua organização para este canal terminou.",
        "O contrato da sua organização para este canal terminou.",
        "Il contratto della tua organizzazione per questo canale è scaduto.",
        "Er organisations avtal för den här kanalen har löpt ut.",
    ),
    "escalation.COMPETENCY_REQUIRED": _m(
        "This vehicle needs a Gold or Silver competency (or, for product support incidents, "
        "the Action Pack).",
        "Este canal exige uma competência Gold ou Silver (ou, para incidentes de suporte ao "
        "produto, o Action Pack).",
        "Este canal exige uma competência Gold ou Silver (ou, para incidentes de suporte ao "
        "produto, o Action Pack).",
        "Questo canale richiede una competenza Gold o Silver (o, per gli incidenti di supporto "
        "al prodotto, l'Action Pack).",
        "Kanalen kräver en Gold- eller Silver-kompetens (eller, för produktsupportärenden, "
        "Action Pack).",
    ),
    "escalation.NO_CREDITS_LEFT": _m(
        "No product support incident credits are left.",
        "Já não restam créditos de incidentes de suporte ao produto.",
        "Não restam créditos de incidentes de suporte ao produto.",
        "Non restano crediti per incidenti di supporto al prodotto.",
        "Det finns inga krediter för produktsupportärenden kvar.",
    ),
    # distributor bulk sync
    "sync.too_many": _m(
        "Send at most {maximum} customers and subscriptions in one call.",
        "Envie no máximo {maximum} clientes e subscrições numa chamada.",
        "Envie no máximo {maximum} clientes e assinaturas em uma chamada.",
        "Invia al massimo {maximum} clienti e sottoscrizioni in una chiamata.",
        "Skicka högst {maximum} kunder och prenumerationer i ett anrop.",
    ),
    "sync.customer_unknown": _m(
        "No customer of this reseller has this external id (send it in the same call, or before).",
        "Nenhum cliente deste revendedor tem este id externo (envie-o na mesma chamada ou antes).",
        "Nenhum cliente desta revenda tem este id externo (envie-o na mesma chamada ou antes).",
        "Nessun cliente di questo rivenditore ha questo id esterno (invialo nella stessa chiamata o prima).",
        "Ingen kund hos återförsäljaren har detta externa id (skicka den i samma anrop eller tidigare).",
    ),
    "sync.immutable": _m(
        "A synced subscription can't change this: a new offer, term or price is a new subscription.",
        "Uma subscrição sincronizada não pode mudar isto: uma nova oferta, prazo ou preço é uma "
        "nova subscrição.",
        "Uma assinatura sincronizada não pode mudar isto: uma nova oferta, prazo ou preço é uma "
        "nova assinatura.",
        "Una sottoscrizione sincronizzata non può cambiare questo: una nuova offerta, durata o "
        "prezzo è una nuova sottoscrizione.",
        "En synkad prenumeration kan inte ändra detta: ett nytt erbjudande, en ny period eller "
        "ett nytt pris är en ny prenumeration.",
    ),
    "sync.external_id": _m(
        "Give the item's external id: it is the key of the sync.",
        "Indique o id externo do item: é a chave da sincronização.",
        "Informe o id externo do item: é a chave da sincronização.",
        "Indica l'id esterno dell'elemento: è la chiave della sincronizzazione.",
        "Ange postens externa id: det är synkroniseringens nyckel.",
    ),
    "sync.duplicate": _m(
        "This external id is already in the call.",
        "Este id externo já está na chamada.",
        "Este id externo já está na chamada.",
        "Questo id esterno è già nella chiamata.",
        "Detta externa id finns redan i anropet.",
    ),
    # the statement customers read
    "statement.sourcing.DIRECT": _m(
        "Your support comes directly from {seller}.",
        "O seu suporte é prestado diretamente por {seller}.",
        "Seu suporte é prestado diretamente por {seller}.",
        "Il supporto vi è fornito direttamente da {seller}.",
        "Er support kommer direkt från {seller}.",
    ),
    "statement.sourcing.RESOLD": _m(
        "Your support is provided by {provider} and resold by {seller}.",
        "O seu suporte é prestado por {provider} e revendido por {seller}.",
        "Seu suporte é prestado por {provider} e revendido por {seller}.",
        "Il supporto vi è fornito da {provider} e rivenduto da {seller}.",
        "Er support levereras av {provider} och säljs vidare av {seller}.",
    ),
    "statement.sourcing.OUTSOURCED": _m(
        "Your support is handled by {provider} on behalf of {seller}.",
        "O seu suporte é assegurado por {provider} em nome de {seller}.",
        "Seu suporte é realizado por {provider} em nome de {seller}.",
        "Il supporto è affidato a {provider}, che lo gestisce per conto di {seller}.",
        "Er support sköts av {provider} på uppdrag av {seller}.",
    ),
    "statement.contact_us": _m(
        "Bring every support request to us: as a customer of a Cloud Solution Provider partner, "
        "you can't open requests with Microsoft directly.",
        "Envie-nos todos os pedidos de suporte: enquanto cliente de um parceiro Cloud Solution "
        "Provider, não pode abrir pedidos diretamente junto da Microsoft.",
        "Envie todas as solicitações de suporte para nós: como cliente de um parceiro Cloud "
        "Solution Provider, você não pode abrir solicitações diretamente com a Microsoft.",
        "Inviate a noi ogni richiesta di supporto: come clienti di un partner Cloud Solution "
        "Provider non potete aprire richieste direttamente con Microsoft.",
        "Skicka alla supportärenden till oss: som kund hos en Cloud Solution Provider-partner "
        "kan ni inte öppna ärenden direkt hos Microsoft.",
    ),
    "statement.unpublished": _m(
        "{seller} has not published its support offering yet.",
        "{seller} ainda não publicou a sua oferta de suporte.",
        "{seller} ainda não publicou sua oferta de suporte.",
        "{seller} non ha ancora pubblicato la sua offerta di supporto.",
        "{seller} har ännu inte publicerat sitt supporterbjudande.",
    ),
    "statement.hours": _m(
        "Support hours ({zone} time): {windows}.",
        "Horário do suporte (hora de {zone}): {windows}.",
        "Horário de atendimento (horário de {zone}): {windows}.",
        "Orari del supporto (ora di {zone}): {windows}.",
        "Supportens öppettider ({zone}): {windows}.",
    ),
    "statement.always": _m(
        "Support is open around the clock, every day.",
        "O suporte funciona 24 horas por dia, todos os dias.",
        "O atendimento funciona 24 horas por dia, todos os dias.",
        "Il supporto è attivo 24 ore su 24, tutti i giorni.",
        "Supporten är öppen dygnet runt, alla dagar.",
    ),
    "statement.window": _m(
        "{days}, {opens}–{closes}",
        "{days}, das {opens} às {closes}",
        "{days}, das {opens} às {closes}",
        "{days}, dalle {opens} alle {closes}",
        "{days} kl. {opens}–{closes}",
    ),
    "statement.all_day": _m(
        "{days}, all day",
        "{days}, 24 horas por dia",
        "{days}, 24 horas por dia",
        "{days}, 24 ore su 24",
        "{days}, dygnet runt",
    ),
    "statement.range": _m(
        "{first} to {last}",
        "de {first} a {last}",
        "de {first} a {last}",
        "da {first} a {last}",
        "{first}–{last}",
    ),
    "day.MONDAY": _m("Monday", "segunda-feira", "segunda-feira", "lunedì", "måndag"),
    "day.TUESDAY": _m("Tuesday", "terça-feira", "terça-feira", "martedì", "tisdag"),
    "day.WEDNESDAY": _m("Wednesday", "quarta-feira", "quarta-feira", "mercoledì", "onsdag"),
    "day.THURSDAY": _m("Thursday", "quinta-feira", "quinta-feira", "giovedì", "torsdag"),
    "day.FRIDAY": _m("Friday", "sexta-feira", "sexta-feira", "venerdì", "fredag"),
    "day.SATURDAY": _m("Saturday", "sábado", "sábado", "sabato", "lördag"),
    "day.SUNDAY": _m("Sunday", "domingo", "domingo", "domenica", "söndag"),
    "statement.contacts": _m(
        "Reach us {methods}.",
        "Contacte-nos {methods}.",
        "Fale conosco {methods}.",
        "Potete contattarci {methods}.",
        "Ni når oss {methods}.",
    ),
    "statement.contact.EMAIL": _m(
        "by email at {value}",
        "por email para {value}",
        "por e-mail em {value}",
        "via e-mail all'indirizzo {value}",
        "via e-post på {value}",
    ),
    "statement.contact.PHONE": _m(
        "by phone on {value}",
        "por telefone através do {value}",
        "por telefone no {value}",
        "per telefono al numero {value}",
        "per telefon på {value}",
    ),
    "statement.contact.WEB": _m(
        "on the web at {value}",
        "na web em {value}",
        "pela web em {value}",
        "sul web all'indirizzo {value}",
        "på webben via {value}",
    ),
    "statement.or": _m("or", "ou", "ou", "o", "eller"),
    "statement.price.INCLUDED": _m(
        "Support is included in the price of your subscriptions.",
        "O suporte está incluído no preço das suas subscrições.",
        "O suporte está incluído no preço das suas assinaturas.",
        "Il supporto è incluso nel prezzo delle vostre sottoscrizioni.",
        "Supporten ingår i priset för era prenumerationer.",
    ),
    "statement.price.PER_INCIDENT": _m(
        "Support costs {price} per request.",
        "O suporte custa {price} por pedido.",
        "O suporte custa {price} por solicitação.",
        "Il supporto costa {price} per richiesta.",
        "Supporten kostar {price} per ärende.",
    ),
    "statement.price.MONTHLY_FEE": _m(
        "Support costs {price} a month.",
        "O suporte custa {price} por mês.",
        "O suporte custa {price} por mês.",
        "Il supporto costa {price} al mese.",
        "Supporten kostar {price} per månad.",
    ),
    "statement.price.HOURLY": _m(
        "Support costs {price} an hour.",
        "O suporte custa {price} por hora.",
        "O suporte custa {price} por hora.",
        "Il supporto costa {price} all'ora.",
        "Supporten kostar {price} per timme.",
    ),
    "statement.baseline": _m(
        "Our support covers {categories} for {families}.",
        "O nosso suporte abrange {categories} de {families}.",
        "Nosso suporte abrange {categories} de {families}.",
        "Il nostro supporto copre {categories} per {families}.",
        "Vår support omfattar {categories} för {families}.",
    ),
    "category.BILLING": _m(
        "billing questions",
        "questões de faturação",
        "dúvidas de faturamento",
        "questioni di fatturazione",
        "faktureringsfrågor",
    ),
    "category.SUBSCRIPTION_MANAGEMENT": _m(
        "subscription management",
        "gestão de subscrições",
        "gerenciamento de assinaturas",
        "gestione delle sottoscrizioni",
        "prenumerationshantering",
    ),
    "category.TECHNICAL": _m(
        "technical issues",
        "problemas técnicos",
        "problemas técnicos",
        "problemi tecnici",
        "tekniska problem",
    ),
    "family.AZURE": _m("Azure", "Azure", "Azure", "Azure", "Azure"),
    "family.MICROSOFT_365": _m(
        "Microsoft 365", "Microsoft 365", "Microsoft 365", "Microsoft 365", "Microsoft 365"
    ),
    "family.DYNAMICS_365": _m(
        "Dynamics 365", "Dynamics 365", "Dynamics 365", "Dynamics 365", "Dynamics 365"
    ),
    "family.ON_PREMISES": _m(
        "on-premises products",
        "produtos instalados localmente",
        "produtos on-premises",
        "prodotti on-premises",
        "lokalt installerade produkter",
    ),
    "statement.beyond": _m(
        "What goes beyond that, we escalate to Microsoft on your behalf, and we let you know "
        "the outcome.",
        "O que ultrapassar esse âmbito, escalamos para a Microsoft em seu nome e informamo-lo "
        "do resultado.",
        "O que estiver fora desse escopo, escalamos para a Microsoft em seu nome e informamos "
        "você sobre o resultado.",
        "Ciò che va oltre lo inoltriamo a Microsoft per vostro conto e vi comunichiamo l'esito.",
        "Det som går utöver detta eskalerar vi till Microsoft för er räkning, och vi meddelar "
        "er utfallet.",
    ),
    "statement.beyond_reseller": _m(
        "What goes beyond that, we escalate on your behalf through our distributor, "
        "{provider}, and we let you know the outcome.",
        "O que ultrapassar esse âmbito, escalamos em seu nome através do nosso distribuidor, "
        "{provider}, e informamo-lo do resultado.",
        "O que estiver fora desse escopo, escalamos em seu nome por meio do nosso "
        "distribuidor, {provider}, e informamos você sobre o resultado.",
        "Ciò che va oltre lo inoltriamo per vostro conto tramite il nostro distributore, "
        "{provider}, e vi comunichiamo l'esito.",
        "Det som går utöver detta eskalerar vi för er räkning via vår distributör, "
        "{provider}, och vi meddelar er utfallet.",
    ),
    "statement.response": _m(
        "We answer critical requests within {a} hours of service, moderate ones within {b} "
        "and minor ones within {c}.",
        "Damos uma primeira resposta aos pedidos críticos no prazo de {a} horas de "
        "atendimento, aos moderados em {b} e aos de impacto reduzido em {c}.",
        "Damos a primeira resposta às solicitações críticas em até {a} horas de atendimento, "
        "às moderadas em até {b} e às de baixo impacto em até {c}.",
        "Rispondiamo alle richieste critiche entro {a} ore di servizio, a quelle moderate "
        "entro {b} e a quelle di impatto minimo entro {c}.",
        "Vi svarar på kritiska ärenden inom {a} servicetimmar, på måttliga inom {b} och på "
        "mindre allvarliga inom {c}.",
    ),
}
