"""Redaction of personal data shown to people (quotes, reports, review queue, dashboard)."""

from __future__ import annotations

import pytest

from antena.protect.redact import redact


@pytest.mark.parametrize("text,gone,kept", [
    ("llámame al 55 1234 5678 o escribe a ana.lopez@example.com", ["1234", "ana.lopez"], ["llámame"]),
    ("vivo en calle Hidalgo 123, col. Jardines del Sur, Mexicali", ["Hidalgo 123", "Jardines"], ["Mexicali"]),
    ("Colonia Las Flores, manzana 4 lote 12", ["Las Flores", "manzana 4", "lote 12"], []),
    ("gracias @NinosRobados, @juanita_14 ayuda", ["juanita_14"], ["@NinosRobados"]),
])
def test_personal_data_is_replaced(text, gone, kept):
    out = redact(text, keep_handles=["@NinosRobados"])
    assert all(g not in out for g in gone), out
    assert all(k in out for k in kept), out


def test_ordinary_words_and_years_survive():
    text = "La colonia está tranquila; en 2017 hubo 31% de conocimiento de la Alerta Amber"
    assert redact(text) == text
