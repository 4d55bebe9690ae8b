"""The languages of the source documents, and how a text is written in each of them."""

from __future__ import annotations

LANGUAGES = ("en", "pt-PT", "pt-BR", "it", "sv")
DEFAULT_LANGUAGE = "en"


def in_languages(en: str, pt_pt: str, pt_br: str, it: str, sv: str) -> dict[str, str]:
    """One text in every language, in the order of `LANGUAGES`."""
    return {"en": en, "pt-PT": pt_pt, "pt-BR": pt_br, "it": it, "sv": sv}
