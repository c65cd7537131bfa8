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


@pytest.mark.parametrize("text,gone,label", [
    ("su CURP es GOML850101HDFRPS09", ["GOML850101HDFRPS09"], "[id]"),
    ("RFC GOML850101AB1 del papá", ["GOML850101AB1"], "[id]"),
    ("clave de elector GMLRNS85010109H400", ["GMLRNS85010109H400"], "[id]"),
    ("INE 1234567890123 de la mamá", ["1234567890123"], "[id]"),
    ("márcame al 664-123-4567", ["664-123-4567"], "[phone]"),
    ("WhatsApp +52 1 55 1234 5678", ["1234 5678"], "[phone]"),
    ("viejo formato 044 55 1234 5678", ["1234 5678"], "[phone]"),
    ("call +1 (619) 555-0134 now", ["555-0134"], "[phone]"),
    ("vive en Privada Los Pinos No. 12", ["Los Pinos", "No. 12"], "[address]"),
    ("Av. Reforma #222 int. 4", ["Reforma", "222"], "[address]"),
    ("Cerrada de Olivos 45, C.P. 22000", ["Olivos", "22000"], "[address]"),
    ("la niña Ana Sofía Ramírez López", ["Ana Sofía", "Ramírez"], "[name]"),
    ("va a la Escuela Primaria Benito Juárez", ["Benito Juárez"], "[school]"),
    ("from Lincoln Elementary School", ["Lincoln"], "[school]"),
])
def test_identifiers_phones_addresses_schools_and_names(text, gone, label):
    out = redact(text)
    assert all(g not in out for g in gone), out
    assert label in out, out


@pytest.mark.parametrize("text", [
    "fecha 01-03-2017 y 2017-03-01, de 2010 a 2017",
    "el 31/12/2017 a las 10:30, 1,234 casos",
    "en la escuela del barrio dijo María",
])
def test_dates_and_plain_words_are_not_redacted(text):
    assert redact(text) == text


def test_targets_names_are_kept():
    assert redact("dijo Andrés Manuel López Obrador", keep_names=["Andrés Manuel López Obrador"]).endswith("Obrador")
