"""The report's wording (keys ``report.*`` of the gettext catalogue, ``antena.i18n``), and numbers,
percentages and dates formatted by Babel for the language."""

from __future__ import annotations

from antena import i18n
from antena.i18n import Messages

STRINGS = Messages("report")  # the wording lives in src/antena/locale/<lang>/LC_MESSAGES/antena.po

def text(lang: str, key: str, /, **values: object) -> str:
    """The wording of ``key`` in ``lang`` (English when missing), formatted with ``values``."""
    return i18n.message(lang, "report." + key, **values)


def percent(value: float | None, lang: str) -> str:
    return i18n.percent(value, lang)


def signed(value: float | None, lang: str) -> str:
    return i18n.signed(value, lang)


PLATFORM_NAMES = {"x": "X", "facebook": "Facebook", "instagram": "Instagram", "youtube": "YouTube",
                  "bluesky": "Bluesky", "mastodon": "Mastodon", "reddit": "Reddit", "telegram": "Telegram",
                  "tiktok": "TikTok"}


def platform_name(platform: str | None) -> str:
    return PLATFORM_NAMES.get(platform or "", platform or "?")


def num(value: int | float | None, lang: str) -> str:
    """A count or decimal as the language writes it (Babel: Spanish "1309", "13.090", "3,2")."""
    return i18n.number(value, lang)


def day(value: object, lang: str) -> str:
    """A date in the language's words (Babel: "16 jun 2017" / "Jun 16, 2017")."""
    return i18n.day(value, lang)  # type: ignore[arg-type]
