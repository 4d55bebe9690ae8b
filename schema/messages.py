"""Client-facing messages in the five languages of the source documents.

Codes never change with the language; only `message` does. The language is chosen from the
request's `Accept-Language` (`negotiate`). Each entry reads as written by someone who speaks
the language, not as a word-for-word copy of the English.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from schema.support_messages import SUPPORT_MESSAGES
from schema.webhook_messages import WEBHOOK_MESSAGES
from schema.wording import DEFAULT_LANGUAGE, LANGUAGES, in_languages

__all__ = ["DEFAULT_LANGUAGE", "LANGUAGES", "MESSAGES", "negotiate", "translate"]
_m = in_languages


MESSAGES: dict[str, dict[str, str]] = {
    # authentication and authorization
    "auth.missing_token": _m(
        "Authentication required: send an 'Authorization: Bearer <token>' header.",
        "É necessária autenticação: envie o cabeçalho 'Authorization: Bearer <token>'.",
        "É necessário autenticar: envie o cabeçalho 'Authorization: Bearer <token>'.",
        "Autenticazione richiesta: invia l'intestazione 'Authorization: Bearer <token>'.",
        "Autentisering krävs: skicka rubriken 'Authorization: Bearer <token>'.",
    ),
    "auth.invalid_token": _m(
        "The access token is invalid or has expired.",
        "O token de acesso é inválido ou expirou.",
        "O token de acesso é inválido ou expirou.",
        "Il token di accesso non è valido o è scaduto.",
        "Åtkomsttoken är ogiltig eller har gått ut.",
    ),
    "auth.unknown_tenant": _m(
        "This organization is not onboarded to partnergraph.",
        "Esta organização não está registada no partnergraph.",
        "Esta organização não está cadastrada no partnergraph.",
        "Questa organizzazione non è registrata su partnergraph.",
        "Den här organisationen är inte ansluten till partnergraph.",
    ),
    "auth.user_deactivated": _m(
        "This user account has been deactivated.",
        "Esta conta de utilizador foi desativada.",
        "Esta conta de usuário foi desativada.",
        "Questo account utente è stato disattivato.",
        "Det här användarkontot har inaktiverats.",
    ),
    "forbidden.capability": _m(
        "Your roles do not allow this ({capability}).",
        "As suas funções não permitem esta operação ({capability}).",
        "Suas funções não permitem esta operação ({capability}).",
        "I tuoi ruoli non consentono questa operazione ({capability}).",
        "Dina roller tillåter inte detta ({capability}).",
    ),
    # request shape and limits
    "request.invalid_json": _m(
        "The request body is not valid JSON.",
        "O corpo do pedido não é JSON válido.",
        "O corpo da requisição não é um JSON válido.",
        "Il corpo della richiesta non è un JSON valido.",
        "Begärans innehåll är inte giltig JSON.",
    ),
    "request.not_graphql": _m(
        "The request must be a JSON object with a 'query' string; 'variables' and 'extensions' must be objects and 'operationName' a string.",
        "O pedido tem de ser um objeto JSON com uma string 'query'; 'variables' e 'extensions' têm de ser objetos e 'operationName' uma string.",
        "A requisição deve ser um objeto JSON com uma string 'query'; 'variables' e 'extensions' devem ser objetos e 'operationName', uma string.",
        "La richiesta deve essere un oggetto JSON con una stringa 'query'; 'variables' e 'extensions' devono essere oggetti e 'operationName' una stringa.",
        "Begäran måste vara ett JSON-objekt med strängen 'query'; 'variables' och 'extensions' ska vara objekt och 'operationName' en sträng.",
    ),
    "request.batching": _m(
        "Batched operations are not supported: send one operation per request.",
        "Não são suportadas operações em lote: envie uma operação por pedido.",
        "Operações em lote não são suportadas: envie uma operação por requisição.",
        "Le operazioni in batch non sono supportate: invia un'operazione per richiesta.",
        "Batchade operationer stöds inte: skicka en operation per begäran.",
    ),
    "request.body_too_large": _m(
        "The request body is larger than {maximum} bytes.",
        "O corpo do pedido excede {maximum} bytes.",
        "O corpo da requisição excede {maximum} bytes.",
        "Il corpo della richiesta supera {maximum} byte.",
        "Begärans innehåll är större än {maximum} byte.",
    ),
    "request.headers_too_large": _m(
        "The request headers are larger than {maximum} bytes.",
        "Os cabeçalhos do pedido excedem {maximum} bytes.",
        "Os cabeçalhos da requisição excedem {maximum} bytes.",
        "Le intestazioni della richiesta superano {maximum} byte.",
        "Begärans rubriker är större än {maximum} byte.",
    ),
    "request.content_type": _m(
        "Send the operation as 'application/json'.",
        "Envie a operação como 'application/json'.",
        "Envie a operação como 'application/json'.",
        "Invia l'operazione come 'application/json'.",
        "Skicka operationen som 'application/json'.",
    ),
    "request.method": _m(
        "Send GraphQL operations with POST.",
        "Envie as operações GraphQL com POST.",
        "Envie as operações GraphQL usando POST.",
        "Invia le operazioni GraphQL con POST.",
        "Skicka GraphQL-operationer med POST.",
    ),
    "request.not_acceptable": _m(
        "This endpoint answers with 'application/graphql-response+json' or 'application/json'.",
        "Este endpoint responde com 'application/graphql-response+json' ou 'application/json'.",
        "Este endpoint responde com 'application/graphql-response+json' ou 'application/json'.",
        "Questo endpoint risponde con 'application/graphql-response+json' o 'application/json'.",
        "Den här slutpunkten svarar med 'application/graphql-response+json' eller 'application/json'.",
    ),
    "request.nul": _m(
        "Text may not contain NUL characters.",
        "O texto não pode conter caracteres NUL.",
        "O texto não pode conter caracteres NUL.",
        "Il testo non può contenere caratteri NUL.",
        "Texten får inte innehålla NUL-tecken.",
    ),
    "graphql.syntax": _m(
        "The document is not valid GraphQL: {detail}",
        "O documento não é GraphQL válido: {detail}",
        "O documento não é um GraphQL válido: {detail}",
        "Il documento non è GraphQL valido: {detail}",
        "Dokumentet är inte giltig GraphQL: {detail}",
    ),
    "graphql.invalid": _m(
        "{detail}",
        "O pedido não é válido: {detail}",
        "A requisição não é válida: {detail}",
        "La richiesta non è valida: {detail}",
        "Begäran är ogiltig: {detail}",
    ),
    "graphql.operation_not_found": _m(
        "No operation named '{name}' in the document.",
        "O documento não contém nenhuma operação com o nome '{name}'.",
        "O documento não tem nenhuma operação chamada '{name}'.",
        "Nel documento non c'è alcuna operazione chiamata '{name}'.",
        "Dokumentet innehåller ingen operation med namnet '{name}'.",
    ),
    "bulk.unknown": _m(
        "There is no such export: ask for one of {kinds} (as /bulk/<kind>.jsonl).",
        "Essa exportação não existe: peça uma destas: {kinds} (como /bulk/<tipo>.jsonl).",
        "Essa exportação não existe: peça uma destas: {kinds} (como /bulk/<tipo>.jsonl).",
        "Questa esportazione non esiste: chiedine una tra {kinds} (come /bulk/<tipo>.jsonl).",
        "Den exporten finns inte: be om en av {kinds} (som /bulk/<typ>.jsonl).",
    ),
    "changes.entity_type": _m(
        "The change feed has no objects of type {names}.",
        "O feed de alterações não tem objetos do tipo {names}.",
        "O feed de alterações não tem objetos do tipo {names}.",
        "Il feed delle modifiche non contiene oggetti di tipo {names}.",
        "Ändringsflödet har inga objekt av typen {names}.",
    ),
    "graphql.subscription_over_http": _m(
        "Subscriptions run over WebSocket on this path, with the graphql-transport-ws protocol.",
        "As subscrições funcionam por WebSocket neste caminho, com o protocolo "
        "graphql-transport-ws.",
        "As assinaturas funcionam via WebSocket neste caminho, com o protocolo "
        "graphql-transport-ws.",
        "Le subscription funzionano via WebSocket su questo percorso, con il protocollo "
        "graphql-transport-ws.",
        "Prenumerationer körs över WebSocket på den här sökvägen, med protokollet "
        "graphql-transport-ws.",
    ),
    "graphql.operation_name_required": _m(
        "The document has several operations: say which one with 'operationName'.",
        "O documento tem várias operações: indique qual com 'operationName'.",
        "O documento tem várias operações: informe qual delas em 'operationName'.",
        "Il documento contiene più operazioni: indica quale con 'operationName'.",
        "Dokumentet har flera operationer: ange vilken med 'operationName'.",
    ),
    "limits.tokens": _m(
        "The document has more than {maximum} tokens.",
        "O documento tem mais de {maximum} tokens.",
        "O documento tem mais de {maximum} tokens.",
        "Il documento contiene più di {maximum} token.",
        "Dokumentet har fler än {maximum} token.",
    ),
    "limits.depth": _m(
        "The operation is nested {actual} levels deep; the maximum is {maximum}.",
        "A operação tem {actual} níveis de profundidade; o máximo é {maximum}.",
        "A operação tem {actual} níveis de aninhamento; o máximo é {maximum}.",
        "L'operazione ha {actual} livelli di annidamento; il massimo è {maximum}.",
        "Operationen är nästlad i {actual} nivåer; högst {maximum} tillåts.",
    ),
    "limits.aliases": _m(
        "The operation uses {actual} aliases; the maximum is {maximum}.",
        "A operação usa {actual} aliases; o máximo é {maximum}.",
        "A operação usa {actual} aliases; o máximo é {maximum}.",
        "L'operazione usa {actual} alias; il massimo è {maximum}.",
        "Operationen använder {actual} alias; högst {maximum} tillåts.",
    ),
    "limits.directives": _m(
        "The operation uses {actual} directives; the maximum is {maximum}.",
        "A operação usa {actual} diretivas; o máximo é {maximum}.",
        "A operação usa {actual} diretivas; o máximo é {maximum}.",
        "L'operazione usa {actual} direttive; il massimo è {maximum}.",
        "Operationen använder {actual} direktiv; högst {maximum} tillåts.",
    ),
    "limits.root_fields": _m(
        "The operation asks for {actual} top-level fields; the maximum is {maximum}.",
        "A operação pede {actual} campos de topo; o máximo é {maximum}.",
        "A operação solicita {actual} campos de nível superior; o máximo é {maximum}.",
        "L'operazione richiede {actual} campi di primo livello; il massimo è {maximum}.",
        "Operationen begär {actual} fält på toppnivå; högst {maximum} tillåts.",
    ),
    "limits.cost": _m(
        "The operation may cost {actual} points; the maximum is {maximum}. Ask for smaller pages.",
        "A operação pode custar {actual} pontos; o máximo é {maximum}. Peça páginas mais pequenas.",
        "A operação pode custar {actual} pontos; o máximo é {maximum}. Solicite páginas menores.",
        "L'operazione può costare {actual} punti; il massimo è {maximum}. Richiedi pagine più piccole.",
        "Operationen kan kosta {actual} poäng; högst {maximum} tillåts. Begär mindre sidor.",
    ),
    "limits.rate": _m(
        "Too many requests: this operation costs {cost} points and {remaining} are left. Retry in {retry_after} s.",
        "Demasiados pedidos: esta operação custa {cost} pontos e restam {remaining}. Tente de novo dentro de {retry_after} s.",
        "Requisições demais: esta operação custa {cost} pontos e restam {remaining}. Tente novamente em {retry_after} s.",
        "Troppe richieste: questa operazione costa {cost} punti e ne restano {remaining}. Riprova tra {retry_after} s.",
        "För många förfrågningar: operationen kostar {cost} poäng och {remaining} återstår. Försök igen om {retry_after} s.",
    ),
    "limits.timeout": _m(
        "The operation took longer than {seconds} s and was stopped; a change it had not finished was rolled back. Ask for less, or retry.",
        "A operação demorou mais de {seconds} s e foi interrompida; uma alteração que não tinha terminado foi anulada. Peça menos ou tente de novo.",
        "A operação levou mais de {seconds} s e foi interrompida; uma alteração não concluída foi desfeita. Solicite menos ou tente novamente.",
        "L'operazione ha richiesto più di {seconds} s ed è stata interrotta; una modifica non completata è stata annullata. Chiedi meno dati o riprova.",
        "Operationen tog längre tid än {seconds} s och avbröts; en ändring som inte hann slutföras rullades tillbaka. Begär mindre eller försök igen.",
    ),
    "database.unavailable": _m(
        "The database could not be reached while answering: a change was made whole or not at all. Retry in a moment, with the same idempotencyKey.",
        "Não foi possível contactar a base de dados durante a resposta: uma alteração foi feita por inteiro ou não foi feita. Tente de novo dentro de momentos, com a mesma idempotencyKey.",
        "Não foi possível acessar o banco de dados durante a resposta: uma alteração foi feita por inteiro ou não foi feita. Tente novamente em instantes, com a mesma idempotencyKey.",
        "Non è stato possibile raggiungere il database durante la risposta: una modifica è stata fatta per intero o per niente. Riprova tra un momento, con la stessa idempotencyKey.",
        "Databasen kunde inte nås under svaret: en ändring gjordes helt eller inte alls. Försök igen om en stund, med samma idempotencyKey.",
    ),
    "persisted.not_found": _m(
        "PersistedQueryNotFound: send the query with its hash once.",
        "PersistedQueryNotFound: envie a consulta com o seu hash uma vez.",
        "PersistedQueryNotFound: envie a consulta com o hash uma vez.",
        "PersistedQueryNotFound: invia una volta la query con il suo hash.",
        "PersistedQueryNotFound: skicka frågan med sin hash en gång.",
    ),
    "persisted.hash_mismatch": _m(
        "The sha256Hash of extensions.persistedQuery is not the SHA-256 of the query.",
        "O sha256Hash de extensions.persistedQuery não é o SHA-256 da consulta.",
        "O sha256Hash de extensions.persistedQuery não é o SHA-256 da consulta.",
        "Lo sha256Hash di extensions.persistedQuery non è lo SHA-256 della query.",
        "sha256Hash i extensions.persistedQuery är inte frågans SHA-256.",
    ),
    "persisted.malformed": _m(
        "extensions.persistedQuery must be {{version: 1, sha256Hash: <64 hex digits>}}.",
        "extensions.persistedQuery tem de ser {{version: 1, sha256Hash: <64 dígitos hexadecimais>}}.",
        "extensions.persistedQuery deve ser {{version: 1, sha256Hash: <64 dígitos hexadecimais>}}.",
        "extensions.persistedQuery deve essere {{version: 1, sha256Hash: <64 cifre esadecimali>}}.",
        "extensions.persistedQuery måste vara {{version: 1, sha256Hash: <64 hexadecimala siffror>}}.",
    ),
    "persisted.not_registered": _m(
        "This token runs only operations your organization has registered, and this one is not.",
        "Este token só executa operações registadas pela sua organização, e esta não está registada.",
        "Este token só executa operações registradas pela sua organização, e esta não está registrada.",
        "Questo token esegue solo operazioni registrate dalla tua organizzazione, e questa non lo è.",
        "Den här token kör bara operationer som din organisation har registrerat, och den här är inte registrerad.",
    ),
    "operations.too_many": _m(
        "Register at most {maximum} documents in one call.",
        "Registe no máximo {maximum} documentos numa chamada.",
        "Registre no máximo {maximum} documentos em uma chamada.",
        "Registra al massimo {maximum} documenti in una chiamata.",
        "Registrera högst {maximum} dokument i ett anrop.",
    ),
    "operations.invalid": _m(
        "This document is not a valid operation of the schema: {detail}",
        "Este documento não é uma operação válida do esquema: {detail}",
        "Este documento não é uma operação válida do schema: {detail}",
        "Questo documento non è un'operazione valida dello schema: {detail}",
        "Dokumentet är inte en giltig operation i schemat: {detail}",
    ),
    "internal.error": _m(
        "Something went wrong on our side. Quote request id {request_id} when you contact support.",
        "Ocorreu um erro do nosso lado. Indique o identificador do pedido {request_id} ao contactar o suporte.",
        "Ocorreu um erro do nosso lado. Informe o ID da requisição {request_id} ao entrar em contato com o suporte.",
        "Si è verificato un errore da parte nostra. Indica l'ID richiesta {request_id} quando contatti l'assistenza.",
        "Något gick fel hos oss. Ange begärans id {request_id} när du kontaktar supporten.",
    ),
    # identifiers and pagination
    "node.not_found": _m(
        "No object with this id is visible to you.",
        "Não existe nenhum objeto visível para si com este id.",
        "Nenhum objeto com este id está visível para você.",
        "Nessun oggetto con questo id è visibile per te.",
        "Inget objekt med detta id är synligt för dig.",
    ),
    "cursor.invalid": _m(
        "The cursor is not one this API gave out.",
        "O cursor não foi emitido por esta API.",
        "O cursor não foi emitido por esta API.",
        "Il cursore non è stato emesso da questa API.",
        "Markören kommer inte från det här API:et.",
    ),
    "page.first_and_last": _m(
        "Give 'first' or 'last', not both.",
        "Indique 'first' ou 'last', não ambos.",
        "Informe 'first' ou 'last', não os dois.",
        "Indica 'first' oppure 'last', non entrambi.",
        "Ange 'first' eller 'last', inte båda.",
    ),
    "page.size": _m(
        "Page sizes go from 1 to {maximum}.",
        "O tamanho da página vai de 1 a {maximum}.",
        "O tamanho da página vai de 1 a {maximum}.",
        "La dimensione della pagina va da 1 a {maximum}.",
        "Sidstorleken är mellan 1 och {maximum}.",
    ),
    # input validation
    "text.length": _m(
        "Must be between {minimum} and {maximum} characters long.",
        "Tem de ter entre {minimum} e {maximum} caracteres.",
        "Deve ter entre {minimum} e {maximum} caracteres.",
        "Deve contenere tra {minimum} e {maximum} caratteri.",
        "Måste vara mellan {minimum} och {maximum} tecken lång.",
    ),
    "customer.domain": _m(
        "Give a domain name such as contoso.onmicrosoft.com.",
        "Indique um nome de domínio, por exemplo contoso.onmicrosoft.com.",
        "Informe um nome de domínio, como contoso.onmicrosoft.com.",
        "Indica un nome di dominio, ad esempio contoso.onmicrosoft.com.",
        "Ange ett domännamn, till exempel contoso.onmicrosoft.com.",
    ),
    "customer.country": _m(
        "Give a two-letter ISO 3166 country code such as PT, BR, IT or SE.",
        "Indique um código de país ISO 3166 de duas letras, como PT, BR, IT ou SE.",
        "Informe um código de país ISO 3166 de duas letras, como PT, BR, IT ou SE.",
        "Indica un codice paese ISO 3166 di due lettere, come PT, BR, IT o SE.",
        "Ange en landskod enligt ISO 3166 med två bokstäver, till exempel PT, BR, IT eller SE.",
    ),
    "customer.language": _m(
        "Give a language tag such as en, pt-PT, pt-BR, it or sv.",
        "Indique uma etiqueta de idioma, como en, pt-PT, pt-BR, it ou sv.",
        "Informe uma tag de idioma, como en, pt-PT, pt-BR, it ou sv.",
        "Indica un codice lingua, come en, pt-PT, pt-BR, it o sv.",
        "Ange en språkkod, till exempel en, pt-PT, pt-BR, it eller sv.",
    ),
    "contact.email": _m(
        "Give a valid email address.",
        "Indique um endereço de email válido.",
        "Informe um endereço de e-mail válido.",
        "Indica un indirizzo email valido.",
        "Ange en giltig e-postadress.",
    ),
    "contact.phone": _m(
        "Give a phone number with digits only, optionally starting with +.",
        "Indique um número de telefone só com algarismos, opcionalmente começado por +.",
        "Informe um número de telefone apenas com dígitos, opcionalmente começando com +.",
        "Indica un numero di telefono composto da sole cifre, eventualmente preceduto da +.",
        "Ange ett telefonnummer med bara siffror, gärna inlett med +.",
    ),
    "customer.not_found": _m(
        "No customer with this id is visible to you.",
        "Não existe nenhum cliente visível para si com este id.",
        "Nenhum cliente com este id está visível para você.",
        "Nessun cliente con questo id è visibile per te.",
        "Ingen kund med detta id är synlig för dig.",
    ),
    "customer.external_id_taken": _m(
        "Another customer already has this external id.",
        "Já existe outro cliente com este id externo.",
        "Outro cliente já usa este id externo.",
        "Un altro cliente ha già questo id esterno.",
        "En annan kund har redan detta externa id.",
    ),
    "reseller.provider_only": _m(
        "Only an indirect provider names one of its resellers here.",
        "Só um fornecedor indireto indica aqui um dos seus revendedores.",
        "Somente um provedor indireto indica aqui uma de suas revendas.",
        "Solo un provider indiretto indica qui uno dei suoi rivenditori.",
        "Endast en indirekt leverantör anger här en av sina återförsäljare.",
    ),
    "money.amount": _m(
        "Give a non-negative amount as a decimal string with at most {decimals} decimals.",
        "Indique um montante não negativo, como texto decimal, com no máximo {decimals} casas decimais.",
        "Informe um valor não negativo, como texto decimal, com no máximo {decimals} casas decimais.",
        "Indica un importo non negativo, come stringa decimale, con al massimo {decimals} decimali.",
        "Ange ett belopp som inte är negativt, som decimaltext med högst {decimals} decimaler.",
    ),
    "money.currency": _m(
        "Give an ISO 4217 currency code such as EUR, BRL or SEK.",
        "Indique um código de moeda ISO 4217, como EUR, BRL ou SEK.",
        "Informe um código de moeda ISO 4217, como EUR, BRL ou SEK.",
        "Indica un codice valuta ISO 4217, come EUR, BRL o SEK.",
        "Ange en valutakod enligt ISO 4217, till exempel EUR, BRL eller SEK.",
    ),
    "money.currency_mismatch": _m(
        "This amount must be in the same currency as the price.",
        "Este montante tem de estar na mesma moeda que o preço.",
        "Este valor precisa estar na mesma moeda do preço.",
        "Questo importo deve essere nella stessa valuta del prezzo.",
        "Beloppet måste vara i samma valuta som priset.",
    ),
    "subscription.not_found": _m(
        "No subscription with this id is visible to you.",
        "Não existe nenhuma subscrição visível para si com este id.",
        "Nenhuma assinatura com este id está visível para você.",
        "Nessun abbonamento con questo id è visibile per te.",
        "Ingen prenumeration med detta id är synlig för dig.",
    ),
    "subscription.transition": _m(
        "This subscription is {status}: that change is not possible in this status.",
        "Esta subscrição está em {status}: esta alteração não é possível neste estado.",
        "Esta assinatura está em {status}: essa alteração não é possível nesse status.",
        "Questo abbonamento è in stato {status}: in questo stato la modifica non è possibile.",
        "Prenumerationen har status {status}: ändringen går inte att göra i den statusen.",
    ),
    "subscription.term_ended": _m(
        "The subscription's term has ended: it can no longer be reactivated.",
        "O período da subscrição já terminou: já não pode ser reativada.",
        "O período da assinatura já terminou: ela não pode mais ser reativada.",
        "Il periodo dell'abbonamento è terminato: non è più possibile riattivarlo.",
        "Prenumerationens period har löpt ut: den kan inte längre återaktiveras.",
    ),
    "subscription.base_suspended": _m(
        "Reactivate the base subscription first: its add-ons follow it.",
        "Reative primeiro a subscrição base: os suplementos acompanham-na.",
        "Reative primeiro a assinatura base: os complementos a acompanham.",
        "Riattiva prima l'abbonamento base: i componenti aggiuntivi lo seguono.",
        "Återaktivera basprenumerationen först: tilläggen följer den.",
    ),
    # the collections policy as customers read it
    "notice.and": _m("and", "e", "e", "e", "och"),
    "notice.reminders": _m(
        "We send payment reminders {days} days after the due date.",
        "Enviamos lembretes de pagamento {days} dias após a data de vencimento.",
        "Enviamos lembretes de pagamento {days} dias após a data de vencimento.",
        "Inviamo promemoria di pagamento {days} giorni dopo la data di scadenza.",
        "Vi skickar betalningspåminnelser {days} dagar efter förfallodagen.",
    ),
    "notice.suspend.ALL_SUBSCRIPTIONS": _m(
        "If an invoice is still unpaid {days} days after its due date, access to all your "
        "subscriptions is suspended.",
        "Se uma fatura continuar por pagar {days} dias após a data de vencimento, o acesso a "
        "todas as suas subscrições é suspenso.",
        "Se uma fatura continuar em aberto {days} dias após o vencimento, o acesso a todas as "
        "suas assinaturas é suspenso.",
        "Se una fattura risulta ancora non pagata {days} giorni dopo la scadenza, l'accesso a "
        "tutte le sue sottoscrizioni viene sospeso.",
        "Om en faktura fortfarande är obetald {days} dagar efter förfallodagen stängs åtkomsten "
        "till alla era prenumerationer av.",
    ),
    "notice.suspend.INVOICED_SUBSCRIPTIONS": _m(
        "If an invoice is still unpaid {days} days after its due date, access to the "
        "subscriptions billed on it is suspended.",
        "Se uma fatura continuar por pagar {days} dias após a data de vencimento, o acesso às "
        "subscrições nela faturadas é suspenso.",
        "Se uma fatura continuar em aberto {days} dias após o vencimento, o acesso às "
        "assinaturas cobradas nela é suspenso.",
        "Se una fattura risulta ancora non pagata {days} giorni dopo la scadenza, l'accesso "
        "alle sottoscrizioni fatturate in essa viene sospeso.",
        "Om en faktura fortfarande är obetald {days} dagar efter förfallodagen stängs åtkomsten "
        "till de prenumerationer som faktureras på den av.",
    ),
    "notice.never_suspended": _m(
        "Access is never suspended for non-payment.",
        "O acesso nunca é suspenso por falta de pagamento.",
        "O acesso nunca é suspenso por falta de pagamento.",
        "L'accesso non viene mai sospeso per mancato pagamento.",
        "Åtkomsten stängs aldrig av på grund av utebliven betalning.",
    ),
    "notice.reactivated_on_payment": _m(
        "Access is restored as soon as the overdue amount is paid.",
        "O acesso é restabelecido assim que o montante em atraso for pago.",
        "O acesso é restabelecido assim que o valor em atraso for pago.",
        "L'accesso viene ripristinato non appena l'importo scaduto è pagato.",
        "Åtkomsten återställs så snart det förfallna beloppet är betalt.",
    ),
    "notice.reactivated_on_request": _m(
        "After a suspension, access is restored once you contact us and settle the overdue amount.",
        "Após uma suspensão, o acesso é restabelecido quando nos contactar e regularizar o "
        "montante em atraso.",
        "Após uma suspensão, o acesso é restabelecido quando você entrar em contato conosco e "
        "quitar o valor em atraso.",
        "Dopo una sospensione, l'accesso viene ripristinato quando ci contatta e salda "
        "l'importo scaduto.",
        "Efter en avstängning återställs åtkomsten när ni kontaktar oss och betalar det "
        "förfallna beloppet.",
    ),
    "notice.disputes": _m(
        "While a dispute is open, the amount you dispute does not lead to a reminder or a "
        "suspension; the rest of the invoice stays due.",
        "Enquanto uma contestação estiver aberta, o montante contestado não leva a lembretes "
        "nem a suspensão; o resto da fatura continua em dívida.",
        "Enquanto uma contestação estiver aberta, o valor contestado não gera lembretes nem "
        "suspensão; o restante da fatura continua devido.",
        "Finché una contestazione è aperta, l'importo contestato non porta a solleciti né alla "
        "sospensione; il resto della fattura resta dovuto.",
        "Så länge en tvist pågår leder det bestridda beloppet inte till påminnelser eller "
        "avstängning; resten av fakturan ska fortfarande betalas.",
    ),
    # reports
    "report.period": _m(
        "The period must be a month written YYYY-MM, such as 2026-11.",
        "O período tem de ser um mês no formato AAAA-MM, por exemplo 2026-11.",
        "O período deve ser um mês no formato AAAA-MM, por exemplo 2026-11.",
        "Il periodo deve essere un mese nel formato AAAA-MM, ad esempio 2026-11.",
        "Perioden måste vara en månad skriven ÅÅÅÅ-MM, till exempel 2026-11.",
    ),
    # billing
    "billing.terms_days": _m(
        "Payment terms must be between 0 and {maximum} days.",
        "O prazo de pagamento tem de estar entre 0 e {maximum} dias.",
        "O prazo de pagamento deve ficar entre 0 e {maximum} dias.",
        "I termini di pagamento devono essere tra 0 e {maximum} giorni.",
        "Betalningsvillkoren måste vara mellan 0 och {maximum} dagar.",
    ),
    "billing.currency_in_use": _m(
        "The currency can't change while invoices in the current one are unpaid.",
        "A moeda não pode mudar enquanto houver faturas por pagar na moeda atual.",
        "A moeda não pode mudar enquanto houver faturas em aberto na moeda atual.",
        "La valuta non può cambiare finché ci sono fatture non pagate in quella attuale.",
        "Valutan kan inte ändras så länge fakturor i den nuvarande är obetalda.",
    ),
    "invoice.not_found": _m(
        "No such invoice.",
        "Fatura não encontrada.",
        "Fatura não encontrada.",
        "Fattura non trovata.",
        "Fakturan finns inte.",
    ),
    "invoice.lines": _m(
        "An invoice needs between 1 and {maximum} lines.",
        "Uma fatura precisa de 1 a {maximum} linhas.",
        "Uma fatura precisa ter de 1 a {maximum} linhas.",
        "Una fattura deve avere da 1 a {maximum} righe.",
        "En faktura behöver mellan 1 och {maximum} rader.",
    ),
    "invoice.total": _m(
        "An invoice's total must be more than zero.",
        "O total de uma fatura tem de ser superior a zero.",
        "O total de uma fatura deve ser maior que zero.",
        "Il totale di una fattura deve essere maggiore di zero.",
        "En fakturas summa måste vara större än noll.",
    ),
    "invoice.line_amount": _m(
        "This line's amount is larger than an invoice can hold.",
        "O montante desta linha excede o que uma fatura comporta.",
        "O valor desta linha é maior do que uma fatura comporta.",
        "L'importo di questa riga supera quanto una fattura può contenere.",
        "Radens belopp är större än en faktura kan rymma.",
    ),
    "invoice.currency": _m(
        "Invoice the customer in its billing currency.",
        "Fature o cliente na moeda de faturação definida para ele.",
        "Fature o cliente na moeda de faturamento definida para ele.",
        "Fattura il cliente nella sua valuta di fatturazione.",
        "Fakturera kunden i dess faktureringsvaluta.",
    ),
    "invoice.due_before_issue": _m(
        "The due date can't be before the issue date.",
        "A data de vencimento não pode ser anterior à data de emissão.",
        "A data de vencimento não pode ser anterior à data de emissão.",
        "La scadenza non può precedere la data di emissione.",
        "Förfallodagen kan inte ligga före fakturadatumet.",
    ),
    "invoice.transition": _m(
        "Only an open invoice with nothing paid can be voided; this one is {status}.",
        "Só é possível anular uma fatura em aberto sem pagamentos; esta está {status}.",
        "Só dá para cancelar uma fatura em aberto sem pagamentos; esta está {status}.",
        "Si può annullare solo una fattura aperta senza pagamenti; questa è {status}.",
        "Bara en öppen faktura utan betalningar kan makuleras; den här är {status}.",
    ),
    "payment.not_found": _m(
        "No such payment.",
        "Pagamento não encontrado.",
        "Pagamento não encontrado.",
        "Pagamento non trovato.",
        "Betalningen finns inte.",
    ),
    "payment.amount": _m(
        "A payment is a positive amount with at most {decimals} decimals.",
        "Um pagamento é um montante positivo com no máximo {decimals} casas decimais.",
        "Um pagamento é um valor positivo com no máximo {decimals} casas decimais.",
        "Un pagamento è un importo positivo con al massimo {decimals} decimali.",
        "En betalning är ett positivt belopp med högst {decimals} decimaler.",
    ),
    "payment.currency": _m(
        "This invoice is in {currency}: record the payment in {currency}.",
        "Esta fatura está em {currency}: registe o pagamento em {currency}.",
        "Esta fatura está em {currency}: registre o pagamento em {currency}.",
        "Questa fattura è in {currency}: registra il pagamento in {currency}.",
        "Fakturan är i {currency}: registrera betalningen i {currency}.",
    ),
    "payment.disputed": _m(
        "Only {due} {currency} of this invoice is not disputed: the rest waits for the"
        " dispute's outcome.",
        "Só {due} {currency} desta fatura não estão contestados: o resto aguarda a"
        " decisão da contestação.",
        "Só {due} {currency} desta fatura não estão contestados: o restante aguarda o"
        " resultado da contestação.",
        "Solo {due} {currency} di questa fattura non sono contestati: il resto attende"
        " l'esito della contestazione.",
        "Bara {due} {currency} av fakturan är obestridda: resten väntar på tvistens utfall.",
    ),
    "payment.overpaid": _m(
        "The payment is more than the {due} {currency} still due.",
        "O pagamento excede os {due} {currency} ainda em dívida.",
        "O pagamento é maior que os {due} {currency} ainda devidos.",
        "Il pagamento supera i {due} {currency} ancora dovuti.",
        "Betalningen är större än de {due} {currency} som återstår.",
    ),
    "payment.received_future": _m(
        "A payment can't be received in the future: receivedAt is after now.",
        "Um pagamento não pode ser recebido no futuro: receivedAt é posterior a agora.",
        "Um pagamento não pode ser recebido no futuro: receivedAt é posterior a agora.",
        "Un pagamento non può essere ricevuto nel futuro: receivedAt è successivo a adesso.",
        "En betalning kan inte tas emot i framtiden: receivedAt är efter nu.",
    ),
    "payment.invoice_closed": _m(
        "Nothing can be paid on this invoice: it is {status}.",
        "Não é possível pagar esta fatura: está {status}.",
        "Não dá para pagar esta fatura: ela está {status}.",
        "Questa fattura non si può pagare: è {status}.",
        "Fakturan kan inte betalas: den är {status}.",
    ),
    "dispute.not_found": _m(
        "No such dispute.",
        "Contestação não encontrada.",
        "Contestação não encontrada.",
        "Contestazione non trovata.",
        "Tvisten finns inte.",
    ),
    "dispute.invoice_not_open": _m(
        "Only an open invoice can be disputed; this one is {status}.",
        "Só é possível contestar uma fatura em aberto; esta está {status}.",
        "Só dá para contestar uma fatura em aberto; esta está {status}.",
        "Si può contestare solo una fattura aperta; questa è {status}.",
        "Bara en öppen faktura kan bestridas; den här är {status}.",
    ),
    "dispute.amount": _m(
        "The disputed amount must be positive, in the invoice's minor unit, and no more than is due.",
        "O montante contestado tem de ser positivo, na unidade mínima da moeda, e não superior ao valor em dívida.",
        "O valor contestado deve ser positivo, na menor unidade da moeda, e não maior que o valor devido.",
        "L'importo contestato deve essere positivo, nell'unità minima della valuta, e non superiore al dovuto.",
        "Det bestridda beloppet måste vara positivt, i valutans minsta enhet och högst det som återstår.",
    ),
    "dispute.resolved": _m(
        "This dispute is resolved already.",
        "Esta contestação já foi resolvida.",
        "Esta contestação já foi resolvida.",
        "Questa contestazione è già stata risolta.",
        "Tvisten är redan avgjord.",
    ),
    "dispute.credit_rejected": _m(
        "A rejected dispute credits nothing: leave out the credit.",
        "Uma contestação recusada não dá crédito: omita o crédito.",
        "Uma contestação recusada não gera crédito: não informe o crédito.",
        "Una contestazione respinta non dà credito: ometti il credito.",
        "En avvisad tvist ger ingen kreditering: utelämna krediten.",
    ),
    "dispute.credit_upheld": _m(
        "An upheld dispute credits the disputed amount: leave out the credit.",
        "Uma contestação aceite credita o montante contestado: omita o crédito.",
        "Uma contestação aceita credita o valor contestado: não informe o crédito.",
        "Una contestazione accolta accredita l'importo contestato: ometti il credito.",
        "En godkänd tvist krediterar det bestridda beloppet: utelämna krediten.",
    ),
    "dispute.credit_missing": _m(
        "Say how much a partially upheld dispute credits.",
        "Indique quanto credita uma contestação aceite em parte.",
        "Informe quanto uma contestação aceita em parte credita.",
        "Indica quanto accredita una contestazione accolta in parte.",
        "Ange hur mycket en delvis godkänd tvist krediterar.",
    ),
    "dispute.credit": _m(
        "A partial credit is positive, in the minor unit, and less than the amount disputed.",
        "Um crédito parcial é positivo, na unidade mínima da moeda, e inferior ao valor contestado.",
        "Um crédito parcial é positivo, na menor unidade da moeda, e menor que o valor contestado.",
        "Un credito parziale è positivo, nell'unità minima, e inferiore all'importo contestato.",
        "En delkredit är positiv, i minsta enheten, och mindre än det bestridda beloppet.",
    ),
    "collections.reminder_days": _m(
        "Give at most {count} reminder days, each between 0 and {maximum}.",
        "Indique no máximo {count} dias de lembrete, cada um entre 0 e {maximum}.",
        "Informe no máximo {count} dias de lembrete, cada um entre 0 e {maximum}.",
        "Indica al massimo {count} giorni di sollecito, ciascuno tra 0 e {maximum}.",
        "Ange högst {count} påminnelsedagar, var och en mellan 0 och {maximum}.",
    ),
    "collections.suspend_after": _m(
        "Suspension must come between 1 and {maximum} days past due.",
        "A suspensão tem de ocorrer entre 1 e {maximum} dias após o vencimento.",
        "A suspensão deve ocorrer entre 1 e {maximum} dias após o vencimento.",
        "La sospensione deve avvenire tra 1 e {maximum} giorni dopo la scadenza.",
        "Avstängningen måste ske mellan 1 och {maximum} dagar efter förfallodagen.",
    ),
    "collections.future": _m(
        "Only a dry run may look ahead: asOf is after today.",
        "Só uma simulação pode olhar para o futuro: asOf é posterior a hoje.",
        "Só uma simulação pode olhar para o futuro: asOf é posterior a hoje.",
        "Solo una simulazione può guardare avanti: asOf è successivo a oggi.",
        "Bara en provkörning får se framåt: asOf är efter i dag.",
    ),
    "collections.no_policy": _m(
        "Set your collections policy before running collections.",
        "Defina a sua política de cobrança antes de executar a cobrança.",
        "Defina sua política de cobrança antes de executar a cobrança.",
        "Imposta la tua politica di recupero crediti prima di eseguirla.",
        "Ange er inkassopolicy innan ni kör inkasso.",
    ),
    "subscription.cancellation_window_closed": _m(
        "A subscription can be cancelled only within 7 days of its purchase or renewal (until {until}).",
        "Uma subscrição só pode ser cancelada nos 7 dias seguintes à compra ou à renovação (até {until}).",
        "Uma assinatura só pode ser cancelada em até 7 dias após a compra ou a renovação (até {until}).",
        "Un abbonamento si può annullare solo entro 7 giorni dall'acquisto o dal rinnovo (fino al {until}).",
        "En prenumeration kan bara sägas upp inom 7 dagar från köp eller förnyelse (till {until}).",
    ),
    "subscription.reduction_window_closed": _m(
        "Licences can be removed only within 7 days of the purchase or renewal (until {until}).",
        "Só é possível retirar licenças nos 7 dias seguintes à compra ou à renovação (até {until}).",
        "Só é possível remover licenças em até 7 dias após a compra ou a renovação (até {until}).",
        "Le licenze si possono ridurre solo entro 7 giorni dall'acquisto o dal rinnovo (fino al {until}).",
        "Licenser kan bara tas bort inom 7 dagar från köp eller förnyelse (till {until}).",
    ),
    "subscription.term": _m(
        "Give the term as P1M, P1Y or P3Y.",
        "Indique o período como P1M, P1Y ou P3Y.",
        "Informe o período como P1M, P1Y ou P3Y.",
        "Indica la durata come P1M, P1Y o P3Y.",
        "Ange perioden som P1M, P1Y eller P3Y.",
    ),
    "subscription.billing_cycle": _m(
        "The billing cycle cannot be longer than the term.",
        "O ciclo de faturação não pode ser mais longo do que o período.",
        "O ciclo de faturamento não pode ser mais longo que o período.",
        "Il ciclo di fatturazione non può essere più lungo della durata.",
        "Faktureringsperioden kan inte vara längre än avtalsperioden.",
    ),
    "subscription.quantity": _m(
        "Give a quantity from 1 to {maximum}.",
        "Indique uma quantidade entre 1 e {maximum}.",
        "Informe uma quantidade entre 1 e {maximum}.",
        "Indica una quantità da 1 a {maximum}.",
        "Ange ett antal från 1 till {maximum}.",
    ),
    "subscription.parent": _m(
        "An add-on needs an active base subscription of the same customer.",
        "Um suplemento precisa de uma subscrição base ativa do mesmo cliente.",
        "Um complemento precisa de uma assinatura base ativa do mesmo cliente.",
        "Un componente aggiuntivo richiede un abbonamento base attivo dello stesso cliente.",
        "Ett tillägg kräver en aktiv basprenumeration hos samma kund.",
    ),
    "subscription.external_id_taken": _m(
        "Another subscription already has this external id.",
        "Já existe outra subscrição com este id externo.",
        "Outra assinatura já usa este id externo.",
        "Un altro abbonamento ha già questo id esterno.",
        "En annan prenumeration har redan detta externa id.",
    ),
    "version.conflict": _m(
        "Someone changed this object since you read it: reload it and try again.",
        "Alguém alterou este objeto depois de o ter lido: volte a carregá-lo e tente novamente.",
        "Alguém alterou este objeto depois que você o leu: recarregue-o e tente de novo.",
        "Qualcuno ha modificato questo oggetto dopo che l'hai letto: ricaricalo e riprova.",
        "Någon har ändrat objektet sedan du läste det: läs in det igen och försök på nytt.",
    ),
    "idempotency.key_reused": _m(
        "This idempotency key was already used with different input.",
        "Esta chave de idempotência já foi usada com outros dados.",
        "Esta chave de idempotência já foi usada com outros dados.",
        "Questa chiave di idempotenza è già stata usata con dati diversi.",
        "Den här idempotensnyckeln har redan använts med andra indata.",
    ),
    "idempotency.key_length": _m(
        "An idempotency key has 1 to {maximum} characters.",
        "Uma chave de idempotência tem entre 1 e {maximum} caracteres.",
        "Uma chave de idempotência tem de 1 a {maximum} caracteres.",
        "Una chiave di idempotenza ha da 1 a {maximum} caratteri.",
        "En idempotensnyckel har 1 till {maximum} tecken.",
    ),
    # partners, resellers, users
    "partner.not_found": _m(
        "No partner with this id is visible to you.",
        "Não existe nenhum parceiro visível para si com este id.",
        "Nenhum parceiro com este id está visível para você.",
        "Nessun partner con questo id è visibile per te.",
        "Ingen partner med detta id är synlig för dig.",
    ),
    "partner.tenant_id": _m(
        "Give the Microsoft Entra tenant id (a GUID).",
        "Indique o id de inquilino do Microsoft Entra (um GUID).",
        "Informe o ID de locatário do Microsoft Entra (um GUID).",
        "Indica l'ID tenant di Microsoft Entra (un GUID).",
        "Ange klientorganisationens id i Microsoft Entra (ett GUID).",
    ),
    "partner.mpn_id": _m(
        "Give the partner's MPN id (4 to 12 digits).",
        "Indique o id MPN do parceiro (4 a 12 algarismos).",
        "Informe o ID MPN do parceiro (de 4 a 12 dígitos).",
        "Indica l'ID MPN del partner (da 4 a 12 cifre).",
        "Ange partnerns MPN-id (4 till 12 siffror).",
    ),
    "partner.tenant_taken": _m(
        "A partner with this tenant id is already onboarded.",
        "Já existe um parceiro registado com este id de inquilino.",
        "Já existe um parceiro cadastrado com este ID de locatário.",
        "Un partner con questo ID tenant è già registrato.",
        "En partner med detta klient-id är redan ansluten.",
    ),
    "partner.provider_required": _m(
        "An indirect reseller needs the tenant id of its indirect provider.",
        "Um revendedor indireto precisa do id de inquilino do seu fornecedor indireto.",
        "Uma revenda indireta precisa do ID de locatário do seu provedor indireto.",
        "Un rivenditore indiretto richiede l'ID tenant del suo provider indiretto.",
        "En indirekt återförsäljare behöver klient-id:t för sin indirekta leverantör.",
    ),
    "partner.provider_not_found": _m(
        "No indirect provider with this tenant id is onboarded.",
        "Não existe nenhum fornecedor indireto registado com este id de inquilino.",
        "Nenhum provedor indireto com este ID de locatário está cadastrado.",
        "Nessun provider indiretto con questo ID tenant è registrato.",
        "Ingen indirekt leverantör med detta klient-id är ansluten.",
    ),
    "partner.provider_only_for_resellers": _m(
        "Only an indirect reseller has an indirect provider.",
        "Só um revendedor indireto tem fornecedor indireto.",
        "Somente uma revenda indireta tem provedor indireto.",
        "Solo un rivenditore indiretto ha un provider indiretto.",
        "Endast en indirekt återförsäljare har en indirekt leverantör.",
    ),
    "reseller.not_found": _m(
        "No reseller with this id is visible to you.",
        "Não existe nenhum revendedor visível para si com este id.",
        "Nenhuma revenda com este id está visível para você.",
        "Nessun rivenditore con questo id è visibile per te.",
        "Ingen återförsäljare med detta id är synlig för dig.",
    ),
    "reseller.only_providers_register": _m(
        "Only an indirect provider registers resellers.",
        "Só um fornecedor indireto regista revendedores.",
        "Somente um provedor indireto cadastra revendas.",
        "Solo un provider indiretto registra i rivenditori.",
        "Endast en indirekt leverantör registrerar återförsäljare.",
    ),
    "user.not_found": _m(
        "No user with this id is visible to you.",
        "Não existe nenhum utilizador visível para si com este id.",
        "Nenhum usuário com este id está visível para você.",
        "Nessun utente con questo id è visibile per te.",
        "Ingen användare med detta id är synlig för dig.",
    ),
    "user.cannot_deactivate_self": _m(
        "You cannot deactivate your own account.",
        "Não pode desativar a sua própria conta.",
        "Você não pode desativar a sua própria conta.",
        "Non puoi disattivare il tuo account.",
        "Du kan inte inaktivera ditt eget konto.",
    ),
    **SUPPORT_MESSAGES,
    **WEBHOOK_MESSAGES,
}


def translate(key: str, language: str, **params: Any) -> str:
    entry = MESSAGES.get(key)
    if entry is None:
        return key
    template = entry.get(language) or entry[DEFAULT_LANGUAGE]
    try:
        return template.format(**params)
    except (KeyError, IndexError, ValueError):
        return template


def listed(items: Sequence[str], language: str) -> str:
    """a; a and b; a, b and c — in the language."""
    if len(items) == 1:
        return items[0]
    return f"{', '.join(items[:-1])} {translate('notice.and', language)} {items[-1]}"


def negotiate(accept_language: str | None) -> str:
    """The best of our languages for an `Accept-Language` header (RFC 9110 §12.5.4)."""
    if not accept_language:
        return DEFAULT_LANGUAGE
    ranked: list[tuple[float, int, str]] = []
    for position, item in enumerate(accept_language.split(",")[:20]):
        tag, _, parameters = item.strip().partition(";")
        quality = 1.0
        if parameters.strip().startswith("q="):
            try:
                quality = float(parameters.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag and quality > 0:
            ranked.append((-quality, position, tag.strip().lower()))
    for _, _, tag in sorted(ranked):
        if (language := _match(tag)) is not None:
            return language
    return DEFAULT_LANGUAGE


def _match(tag: str) -> str | None:
    if tag == "pt-br":
        return "pt-BR"
    if tag.startswith("pt"):
        return "pt-PT"
    primary = tag.split("-")[0]
    return primary if primary in {"en", "it", "sv"} else None
