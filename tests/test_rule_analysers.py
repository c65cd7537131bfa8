"""Behaviour of the rule-based analysers: normalise, language, relevance, topics, awareness."""

from __future__ import annotations

import pytest

from antena.nlp.normalise import normalise_text, segment_hashtag

from .test_analysers_conformance import run


def test_normalise_handles_tweet_noise():
    out = normalise_text("Siiiii xq #RoboDeNiños https://t.co/x @FGRMexico 😡")
    assert "si porque robo de niños" in out
    assert "url" in out and "http" not in out
    assert "@fgrmexico" in out and "😡" in out


@pytest.mark.parametrize("tag,expected", [("RoboDeNiños", "robo de niños"), ("alertaamber", "alerta amber"),
                                          ("YoDoyEsperanza", "yo doy esperanza"), ("xyzzy", "xyzzy")])
def test_hashtag_segmentation(tag, expected):
    assert segment_hashtag(tag) == expected


@pytest.mark.parametrize("text,lang", [
    ("Roban a un niño en Tijuana y la policía no hace nada", "es"),
    ("A child went missing in San Diego and nobody helped", "en"),
    ("Fëmijët e zhdukur në Shqipëri dhe trafikimi i qenieve njerëzore", "sq"),
    ("Crianças desaparecidas no Brasil e o tráfico de pessoas", "pt"),
])
def test_language(text, lang):
    assert run("language", [text]).column("language").to_pylist() == [lang]


def test_language_falls_back_to_declared_for_short_texts():
    out = run("language", ["ok 👍"])
    assert out.column("language_score").to_pylist() == [0.0]


def test_relevance_separates_trafficking_from_false_hits():
    texts = [
        "Roban a un niño afuera de la escuela en Ecatepec, #AlertaAmber",
        "Detienen a red de trata de menores en Chiapas",
        "Capturan a narco por tráfico de drogas en Sinaloa",
        "Mucho tráfico en periférico, no lleguen por aquí",
        "La oposición denuncia el secuestro de la agenda legislativa en el congreso",
        "Hoy comí tacos con mis hijos",
    ]
    relevant = run("relevance", texts).column("relevant").to_pylist()
    assert relevant == [True, True, False, False, False, False]


def test_topics_are_multi_label_with_scores():
    out = run("topics", ["Se roban a los niños para el tráfico de órganos, la PGR no hace nada"]).to_pylist()[0]
    assert {"kidnapping", "organ_trafficking", "criticism_authorities"} <= set(out["topics"])
    assert all(0 < s["score"] <= 1 for s in out["topic_scores"])


def test_awareness_mentions_and_not_knowing():
    out = run("awareness", ["¿Qué es la alerta amber? nunca la había oído", "Activan #AlertaAmber por niña en Puebla",
                            "What is an Amber Alert?", "Hoy llueve"]).to_pylist()
    assert [r["awareness_unaware"] for r in out] == [True, False, True, False]
    assert out[1]["awareness_programmes"] == ["amber_alert"]
    assert out[3]["awareness_programmes"] == []
