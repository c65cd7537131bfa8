"""Redaction of personal data in texts shown to people (quotes, reports, exports).

Phone numbers, e-mail addresses, street addresses with numbers, and @handles of private
persons are replaced by labels. Targets' own handles (e.g. @FGRMexico) are kept: they are
public institutions and the analysis is about them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
PHONE = re.compile(r"(?<![\w/])(?:\+?\d{1,3}[\s.-]?)?(?:\(?\d{2,4}\)?[\s.-]?){2,4}\d{2,4}(?![\w/])")
ADDRESS = re.compile(
    r"\b(calle|av\.?|avenida|col\.?|colonia|blvd\.?|boulevard|street|st\.|road|rd\.|avenue|ave\.?)\s+"
    r"[\w\s.áéíóúñ]{2,40}?\s*(#|no\.?|num\.?|número)?\s*\d{1,5}\b",
    re.IGNORECASE,
)
HANDLE = re.compile(r"(?<![\w@])@(\w{2,30})")


def redact(text: str | None, keep_handles: Iterable[str] = ()) -> str:
    """``text`` with personal data replaced by [phone], [email], [address], @user."""
    if not text:
        return ""
    keep = {h.lower().lstrip("@") for h in keep_handles}
    text = EMAIL.sub("[email]", text)
    text = ADDRESS.sub("[address]", text)
    text = PHONE.sub(lambda m: "[phone]" if sum(c.isdigit() for c in m.group(0)) >= 7 else m.group(0), text)
    return HANDLE.sub(lambda m: m.group(0) if m.group(1).lower() in keep else "@user", text)
