"""The dashboard's wording (keys ``web.*`` of the gettext catalogue, ``antena.i18n``); chart
captions come from the report's."""

from __future__ import annotations

from antena import i18n
from antena.i18n import Messages
from antena.report import i18n as report_i18n

LANGS = ("es", "en")

STRINGS = Messages("web")  # the wording lives in src/antena/locale/<lang>/LC_MESSAGES/antena.po


def text(lang: str, key: str, /, **values: object) -> str:
    """Dashboard wording for ``key``; falls back to the report's wording, then to English."""
    try:
        return i18n.message(lang, "web." + key, **values)
    except KeyError:
        return report_i18n.text(lang, key, **values)


def number(value: float | None, lang: str = "en", digits: int = 1) -> str:
    """A count or a rounded mean as the language writes it (Babel)."""
    return i18n.number(value, lang, digits)
