"""Redaction of personal data in texts shown to people (quotes, reports, exports).

Replaced by labels: official identifiers (Mexican CURP, RFC, INE voter keys; ``[id]``), phone
numbers (``[phone]``: every number ``phonenumbers`` finds valid for the project's countries, any
``+`` international number, and long digit runs; dates such as 01-03-2017 are not numbers),
e-mail addresses (``[email]``), street addresses (Calle, Av., Privada, Cerrada, Andador, Calzada,
Prolongación, Retorno, No./núm./#, interior numbers, postal codes; ``[address]``),
neighbourhoods (colonia, fraccionamiento, barrio, manzana/lote; ``[address]``), school names
(Escuela, Primaria, Secundaria, Colegio, Kínder, Jardín de Niños ...; ``[school]``), person
names (a common given name followed by capitalised surnames, ``protect/names.py``; ``[name]``)
and @handles of private persons (``@user``). Targets' own handles and names (e.g.
@FGRMexico, their aliases in antena.toml) are kept: they are public institutions and the
analysis is about them. What is *not* caught is listed in docs/security.md.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import phonenumbers

from antena.protect.names import GIVEN_NAMES

EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
# Mexican CURP (18), voter key of the INE credential (18), RFC (12-13); "INE/IFE/folio/OCR/CIC" + digits.
CURP = re.compile(r"\b[A-Z][AEIOUX][A-Z]{2}\d{6}[HMX][A-Z]{2}[B-DF-HJ-NP-TV-Z]{3}[A-Z\d]\d\b", re.IGNORECASE)
VOTER_KEY = re.compile(r"\b[A-Z]{6}\d{8}[HMX]\d{3}\b", re.IGNORECASE)
RFC = re.compile(r"\b[A-ZÑ&]{3,4}\d{6}[A-Z\d]{2}[A\d]\b", re.IGNORECASE)
ID_NUMBER = re.compile(r"\b(?i:ine|ife|credencial|folio|ocr|cic|curp|rfc|pasaporte|passport|nss|ssn)\b[\s:#.no]*\d[\d\s-]{5,20}\d")
# A loose phone-like pattern, used by the risk signals to spot contact details (not for redaction).
PHONE = re.compile(r"(?<![\w/])(?:\+?\d{1,3}[\s.-]?)?(?:\(?\d{2,4}\)?[\s.-]?){2,4}\d{2,4}(?![\w/])")
# Phone numbers phonenumbers may miss (old 044/045 prefixes, "+52 1"): 10 or more digits in a row.
LONG_NUMBER = re.compile(r"(?<![\w/])\+?\d(?:[\s.()-]{0,2}\d){9,14}(?![\w/])")
PHONE_REGIONS = ("MX", "US", "GT", "SV", "HN", "CO", "ES")
STREET = (r"calle|c\.|av\.?|avda\.?|avenida|blvd\.?|boulevard|privada|priv\.|cerrada|cda\.|andador|calzada|calz\.|"
          r"callej[oó]n|prolongaci[oó]n|prol\.|retorno|circuito|carretera|camino|street|st\.|road|rd\.|avenue|ave\.?|"
          r"lane|drive")
ADDRESS = re.compile(
    rf"\b(?:{STREET})\s+[\w\s.áéíóúñÁÉÍÓÚÑ]{{2,40}}?\s*(?:#|no\.?|n[uú]m\.?|n[uú]mero)?\s*\d{{1,5}}\b"
    r"(?:\s*(?:int\.?|interior|depto\.?|dpto\.?|apt\.?)\s*\w{1,4})?",
    re.IGNORECASE,
)
HOUSE_NUMBER = re.compile(r"(?i:\bn[uú]m(?:ero)?\.?|\bno\.|#)\s*\d{1,5}\b(?:\s*(?i:int\.?|interior)\s*\w{1,4})?")
POSTAL_CODE = re.compile(r"\b(?i:c\.\s?p\.|cp|c[oó]digo postal)\s*:?\s*\d{5}\b")
SCHOOL = re.compile(
    r"\b(?i:escuela|primaria|secundaria|telesecundaria|preparatoria|prepa|bachillerato|colegio|"
    r"k[ií]nder|kinder|jard[ií]n de ni[ñn]os|instituto|guarder[ií]a|cbtis|cetis|conalep|cecyte|school|academy)"
    r"(?:\s+(?:(?i:de|del|la|las|los|el|y|para|no|n[uú]m)\b\.?|#|\d{1,4}\b|[A-ZÁÉÍÓÚÑ\"“«][\w\"”»áéíóúñ.-]*)){1,8}"
    r"|\b(?:[A-Z][\w.'-]+\s+){1,4}(?:Elementary|Middle|High|Primary|Secondary)?\s*(?:School|Academy)\b"
)
_NAME_WORD = r"[A-ZÁÉÍÓÚÑ][a-záéíóúñü]+"
NAME_RUN = re.compile(rf"\b{_NAME_WORD}(?:\s+(?:{_NAME_WORD}|(?:de|del|de la|de los)\s+{_NAME_WORD})){{1,4}}\b")
# Neighbourhood names and lot numbers locate a home as well as a street address does.
NEIGHBOURHOOD = re.compile(
    r"\b(?i:col\.|colonia|fracc?\.|fraccionamiento|barrio|unidad habitacional)\s+"
    r"[A-ZÁÉÍÓÚÑ][\wáéíóúñ]*(\s+(?:del?|las?|los|[A-ZÁÉÍÓÚÑ][\wáéíóúñ]*)){0,3}"
    r"|\b(?i:manzana|mz\.?|lote|lt\.?)\s*\d+"
)
HANDLE = re.compile(r"(?<![\w@])@(\w{2,30})")


def public_handles(config: dict[str, Any]) -> list[str]:
    """The targets' own @handles (public institutions) from antena.toml: redaction keeps them."""
    return [a for t in config.get("targets", []) for a in t.get("aliases", []) if str(a).startswith("@")]


def redact(text: str | None, keep_handles: Iterable[str] = (), keep_names: Iterable[str] = ()) -> str:
    """``text`` with personal data replaced by [id], [phone], [email], [address], [school],
    [name] and @user. ``keep_handles``: public @handles to keep (targets'); ``keep_names``:
    public names to keep (targets' aliases)."""
    if not text:
        return ""
    keep = {h.lower().lstrip("@") for h in keep_handles}
    text = EMAIL.sub("[email]", text)
    for pattern in (CURP, VOTER_KEY, RFC, ID_NUMBER):
        text = pattern.sub("[id]", text)
    text = _phones(text)
    text = ADDRESS.sub("[address]", text)
    text = NEIGHBOURHOOD.sub("[address]", text)
    text = POSTAL_CODE.sub("[address]", text)
    text = SCHOOL.sub(_school, text)
    text = HOUSE_NUMBER.sub("[address]", text)
    text = _names(text, {n.lower() for n in keep_names})
    return HANDLE.sub(lambda m: m.group(0) if m.group(1).lower() in keep else "@user", text)


def _phones(text: str) -> str:
    if sum(c.isdigit() for c in text) < 7:
        return text
    spans: list[tuple[int, int]] = []
    for region in PHONE_REGIONS:
        try:
            spans += [(m.start, m.end) for m in phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.VALID)]
        except Exception:  # noqa: BLE001 - a library failure must never leak the text unredacted below
            continue
    for start, end in sorted(set(spans), reverse=True):
        if text[start:end] and "[" not in text[start:end]:
            text = text[:start] + "[phone]" + text[end:]
    return LONG_NUMBER.sub("[phone]", text)


def _school(match: re.Match[str]) -> str:
    """A school's name, not the bare word ("la escuela del barrio" stays)."""
    rest = match.group(0).split(None, 1)[1:] or [""]
    named = any(word[:1].isupper() or word[:1].isdigit() or word[:1] in "\"“«" for word in rest[0].split())
    return "[school]" if named or match.group(0).endswith(("School", "Academy")) else match.group(0)


def _names(text: str, keep: set[str]) -> str:
    def replace(match: re.Match[str]) -> str:
        words = match.group(0).split()
        if words[0].lower() not in GIVEN_NAMES or match.group(0).lower() in keep:
            return match.group(0)
        return "[name]"

    return NAME_RUN.sub(replace, text)
