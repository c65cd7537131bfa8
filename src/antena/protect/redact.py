"""Redaction of personal data in texts shown to people (quotes, reports, exports).

Phone numbers, e-mail addresses, street addresses with numbers, neighbourhoods (colonia,
fraccionamiento, manzana/lote), and @handles of private
persons are replaced by labels. Targets' own handles (e.g. @FGRMexico) are kept: they are
public institutions and the analysis is about them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
PHONE = re.compile(r"(?<![\w/])(?:\+?\d{1,3}[\s.-]?)?(?:\(?\d{2,4}\)?[\s.-]?){2,4}\d{2,4}(?![\w/])")
ADDRESS = re.compile(
    r"\b(calle|av\.?|avenida|col\.?|colonia|blvd\.?|boulevard|street|st\.|road|rd\.|avenue|ave\.?)\s+"
    r"[\w\s.áéíóúñ]{2,40}?\s*(#|no\.?|num\.?|número)?\s*\d{1,5}\b",
    re.IGNORECASE,
)
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


def redact(text: str | None, keep_handles: Iterable[str] = ()) -> str:
    """``text`` with personal data replaced by [phone], [email], [address], @user."""
    if not text:
        return ""
    keep = {h.lower().lstrip("@") for h in keep_handles}
    text = EMAIL.sub("[email]", text)
    text = ADDRESS.sub("[address]", text)
    text = NEIGHBOURHOOD.sub("[address]", text)
    text = PHONE.sub(lambda m: "[phone]" if sum(c.isdigit() for c in m.group(0)) >= 7 else m.group(0), text)
    return HANDLE.sub(lambda m: m.group(0) if m.group(1).lower() in keep else "@user", text)
