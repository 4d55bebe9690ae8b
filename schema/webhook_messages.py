"""Messages of webhooks in the five languages: refusals of endpoints and deliveries."""

from __future__ import annotations

from schema.wording import in_languages as _m

WEBHOOK_MESSAGES: dict[str, dict[str, str]] = {
    "webhook.not_found": _m(
        "No webhook endpoint with this id is visible to you.",
        "Não existe nenhum endpoint de webhook visível para si com este id.",
        "Nenhum endpoint de webhook com este id está visível para você.",
        "Nessun endpoint webhook con questo id è visibile per te.",
        "Ingen webhook-slutpunkt med detta id är synlig för dig.",
    ),
    "webhook.delivery_not_found": _m(
        "No webhook delivery with this id is visible to you.",
        "Não existe nenhuma entrega de webhook visível para si com este id.",
        "Nenhuma entrega de webhook com este id está visível para você.",
        "Nessuna consegna webhook con questo id è visibile per te.",
        "Ingen webhook-leverans med detta id är synlig för dig.",
    ),
    "webhook.url_length": _m(
        "Give a URL of at most {maximum} characters.",
        "Indique um URL com, no máximo, {maximum} caracteres.",
        "Informe uma URL com no máximo {maximum} caracteres.",
        "Indica un URL di al massimo {maximum} caratteri.",
        "Ange en URL på högst {maximum} tecken.",
    ),
    "webhook.url_invalid": _m(
        "This is not a URL events can be sent to: give an absolute URL with a host name, "
        "without credentials or a fragment.",
        "Este URL não pode receber eventos: indique um URL absoluto com nome de anfitrião, "
        "sem credenciais nem fragmento.",
        "Esta URL não pode receber eventos: informe uma URL absoluta com nome de host, sem "
        "credenciais nem fragmento.",
        "Questo URL non può ricevere eventi: indica un URL assoluto con un nome host, senza "
        "credenziali né frammento.",
        "Till den här URL:en kan inga händelser skickas: ange en absolut URL med värdnamn, "
        "utan inloggningsuppgifter eller fragment.",
    ),
    "webhook.url_scheme": _m(
        "Webhook URLs must use https.",
        "Os URLs de webhook têm de usar https.",
        "As URLs de webhook precisam usar https.",
        "Gli URL dei webhook devono usare https.",
        "Webhook-URL:er måste använda https.",
    ),
    "webhook.url_unresolvable": _m(
        "The URL's host name does not resolve to an address.",
        "O nome de anfitrião do URL não corresponde a nenhum endereço.",
        "O nome de host da URL não resolve para nenhum endereço.",
        "Il nome host dell'URL non corrisponde ad alcun indirizzo.",
        "URL:ens värdnamn går inte att slå upp till någon adress.",
    ),
    "webhook.url_private": _m(
        "Webhooks can't be sent to loopback, private or link-local addresses.",
        "Não é possível enviar webhooks para endereços de loopback, privados ou de ligação local.",
        "Não é possível enviar webhooks para endereços de loopback, privados ou link-local.",
        "Non si possono inviare webhook a indirizzi di loopback, privati o link-local.",
        "Webhooks kan inte skickas till loopback-, privata eller länklokala adresser.",
    ),
    "webhook.events_count": _m(
        "Ask for at most {maximum} events.",
        "Peça, no máximo, {maximum} eventos.",
        "Peça no máximo {maximum} eventos.",
        "Chiedi al massimo {maximum} eventi.",
        "Be om högst {maximum} händelser.",
    ),
    "webhook.events_unknown": _m(
        "There are no events named {names}: webhookEventNames lists them all.",
        "Não existem eventos com o nome {names}: webhookEventNames lista-os todos.",
        "Não existem eventos com o nome {names}: webhookEventNames lista todos eles.",
        "Non esistono eventi di nome {names}: webhookEventNames li elenca tutti.",
        "Det finns inga händelser som heter {names}: webhookEventNames listar alla.",
    ),
    "webhook.too_many": _m(
        "Your organization already has {maximum} webhook endpoints, the most it may have.",
        "A sua organização já tem {maximum} endpoints de webhook, o máximo permitido.",
        "Sua organização já tem {maximum} endpoints de webhook, o máximo permitido.",
        "La tua organizzazione ha già {maximum} endpoint webhook, il massimo consentito.",
        "Er organisation har redan {maximum} webhook-slutpunkter, det högsta antalet.",
    ),
    "webhook.endpoint_disabled": _m(
        "The endpoint is disabled: enable it with updateWebhookEndpoint first.",
        "O endpoint está desativado: ative-o primeiro com updateWebhookEndpoint.",
        "O endpoint está desativado: ative-o primeiro com updateWebhookEndpoint.",
        "L'endpoint è disattivato: riattivalo prima con updateWebhookEndpoint.",
        "Slutpunkten är inaktiverad: aktivera den först med updateWebhookEndpoint.",
    ),
}
