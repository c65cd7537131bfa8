"""One catalogue of user-facing wording: gettext ``.po`` files read with Babel, and numbers,
percentages and dates formatted by Babel for the locale.

The catalogues live in ``src/antena/locale/<lang>/LC_MESSAGES/antena.po`` and are read at run
time (no compile step). Message ids are stable keys named by the part that shows them
(``report.findings``, ``web.nav_posts``, ``suggest.awareness``, ``impact.volume``...); the English
catalogue holds the English wording and the Spanish one the Spanish wording, each written for
its language. ``babel.cfg`` says how ``pybabel extract`` finds the keys in code and templates;
``tests/test_i18n.py`` fails when a key of the English catalogue has no Spanish wording, or when
a Spanish page shows English wording.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date, datetime
from functools import lru_cache
from importlib.resources import files
from typing import Any

LANGS = ("es", "en")
MIN_GROUPING_2 = {"es"}  # locales that group thousands only from 10 000 on ("1309", "13.090")
DOMAIN = "antena"


def po_path(lang: str) -> Any:
    return files("antena").joinpath("locale", lang, "LC_MESSAGES", f"{DOMAIN}.po")


@lru_cache(maxsize=8)
def catalogue(lang: str) -> dict[str, str]:
    """msgid -> wording for ``lang`` (empty translations left out)."""
    from babel.messages.pofile import read_po

    path = po_path(lang if lang in LANGS else "en")
    with path.open("rb") as handle:
        found = read_po(handle, locale=lang if lang in LANGS else "en", domain=DOMAIN)
    return {str(m.id): str(m.string) for m in found if m.id and m.string}


def wording(lang: str, key: str) -> str:
    """The template of ``key`` in ``lang`` (English when missing); KeyError when unknown."""
    found = catalogue(lang).get(key)
    if found is None:
        found = catalogue("en")[key]
    return found


def message(lang: str, key: str, /, **values: object) -> str:
    """``key`` in ``lang`` with ``values`` filled in; numbers formatted for the locale."""
    template = wording(lang, key)
    if not values:
        return template
    return template.format(**{k: number(v, lang) if _is_number(v) else v for k, v in values.items()})


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


class Messages(Mapping[str, Mapping[str, str]]):
    """A part's wording as ``{lang: {key: template}}``, read from the catalogue under a prefix."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix

    def __getitem__(self, lang: str) -> Mapping[str, str]:
        return _Part(self.prefix, lang if lang in LANGS else "en")

    def __iter__(self) -> Iterator[str]:
        return iter(LANGS)

    def __len__(self) -> int:
        return len(LANGS)


class _Part(Mapping[str, str]):
    def __init__(self, prefix: str, lang: str) -> None:
        self.prefix, self.lang = prefix + ".", lang

    def __getitem__(self, key: str) -> str:
        try:
            return wording(self.lang, self.prefix + key)
        except KeyError:
            raise KeyError(key) from None

    def __iter__(self) -> Iterator[str]:
        n = len(self.prefix)
        return iter([k[n:] for k in catalogue("en") if k.startswith(self.prefix)])

    def __len__(self) -> int:
        return sum(1 for _ in self)


# ---------------------------------------------------------------- numbers and dates


def number(value: float | None, lang: str, digits: int = 1) -> str:
    """A count (``1309`` and ``13.090`` in Spanish, ``1,309`` in English) or a decimal."""
    if value is None:
        return "–"
    from babel.numbers import format_decimal

    rounded = value if isinstance(value, int) else round(float(value), digits)
    if lang in MIN_GROUPING_2 and abs(rounded) < 10_000:  # CLDR minimumGroupingDigits, which Babel skips
        return format_decimal(rounded, format="0.###", locale=lang)
    return format_decimal(rounded, locale=lang)


def percent(value: float | None, lang: str) -> str:
    """A share as a percentage with one decimal (``19,1 %`` in Spanish, ``19.1%`` in English)."""
    if value is None:
        return "–"
    from babel import Locale
    from babel.numbers import format_percent

    pattern = Locale.parse(lang).percent_formats[None].pattern.replace("0", "0.0", 1)
    return format_percent(value, format=pattern, locale=lang)


def signed(value: float | None, lang: str) -> str:
    """A net score with its sign and two decimals (``+0,05`` / ``-0.45``)."""
    if value is None:
        return "–"
    from babel.numbers import format_decimal

    return format_decimal(value, format="+#,##0.00;-#,##0.00", locale=lang)


def day(value: date | datetime | str | None, lang: str, style: str = "medium") -> str:
    """A date in the locale's words (``16 jun 2017`` / ``Jun 16, 2017``)."""
    if value is None or value == "":
        return "–"
    from babel.dates import format_date

    if isinstance(value, str):
        try:
            value = date.fromisoformat(value[:10])
        except ValueError:
            return value
    if isinstance(value, datetime):
        value = value.date()
    return format_date(value, format=style, locale=lang)
