"""What a customer is told of its seller's collections policy, in the customer's language."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import strawberry

from auth.permissions import Capability
from resolvers import collections
from schema.guards import field
from schema.messages import listed, negotiate, translate


@strawberry.type(description="A text for the customer, in the customer's language.")
class CustomerNotice:
    language: str = field(
        Capability.BILLING_READ, description="en, pt-PT, pt-BR, it or sv: the customer's."
    )
    text: str = field(Capability.BILLING_READ, description="Ready to show or send.")


def collections_notice(policy: Any, customer_language: str) -> CustomerNotice:
    """The policy as sentences in the customer's language (English when we have none of
    its), followed by the seller's own notice as written."""
    return _notice(
        tuple(collections.reminder_days(policy)),
        policy.suspend_after_days,
        str(policy.scope),
        policy.reactivate_on_payment,
        policy.customer_notice,
        negotiate(customer_language),
    )


@lru_cache(maxsize=1024)  # a page of customers shares a few policies and languages
def _notice(
    reminders: tuple[int, ...],
    suspend_after: int | None,
    scope: str,
    reactivate: bool,
    own_notice: str | None,
    language: str,
) -> CustomerNotice:
    sentences = []
    if reminders:
        sentences.append(
            translate(
                "notice.reminders", language, days=listed([str(day) for day in reminders], language)
            )
        )
    if suspend_after is None:
        sentences.append(translate("notice.never_suspended", language))
    else:
        sentences.append(translate(f"notice.suspend.{scope}", language, days=suspend_after))
        reactivation = "on_payment" if reactivate else "on_request"
        sentences.append(translate(f"notice.reactivated_{reactivation}", language))
        sentences.append(translate("notice.disputes", language))
    if own_notice:
        sentences.append(own_notice.strip())
    return CustomerNotice(language=language, text=" ".join(sentences))
