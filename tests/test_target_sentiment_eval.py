"""Sentiment toward a target through the `antena predict target-sentiment` contract, the packaged
artifacts (default and no-CIC variant) and the per-target validation measures (issue 13 item 5)."""

from __future__ import annotations

import re

import orjson
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from antena.models import PACKAGE_DIR, load_model, target_eval
from antena.models.train import variant_dir
from antena.nlp.target_sentiment import TargetSentiment

from .conftest import Cli, shared_path

LABELS = {"negative", "neutral", "positive"}


def predict(*texts: str, target: str, aliases: str, lang: str = "es") -> list[dict]:
    result = Cli()("predict", "target-sentiment", "--target", target, "--aliases", aliases, "--lang", lang,
                   input="\n".join(orjson.dumps({"text": t}).decode() for t in texts) + "\n")
    return [orjson.loads(line) for line in result.stdout.splitlines() if line.strip()]


def test_packaged_default_and_no_cic_variant_load_and_differ():
    default = load_model("target_sentiment")
    assert default.version == "2" and set(default.heads) == {"en", "other"}
    assert (PACKAGE_DIR / "target_sentiment" / "2" / "model.npz").exists()
    assert any("Catalonia" in t for t in default.meta["training_data"])
    variant = load_model("target_sentiment", variant_dir("no-cic"))
    assert variant.meta["variant"] == "no-cic"
    assert not any("Catalonia" in t for t in variant.meta["training_data"])
    assert "cic/es" not in variant.meta["train_rows"]
    per_topic = default.meta["analyser_validation"]["semeval_bd"]["per_topic"]
    assert len(per_topic) == 40 and all(0 <= t["avg_recall"] <= 1 for t in per_topic.values())
    text = ["Visca Catalunya lliure, el procés no s'atura"]
    p_default = default.predict_proba(text, ["es"])
    p_variant = variant.predict_proba(text, ["es"])
    assert abs(p_default - p_variant).max() > 1e-3


def test_variant_is_chosen_by_setting():
    texts = ["Ni un paso atrás, la república catalana ya es nuestra", "Que se vayan los golpistas de una vez"]
    batch = pa.RecordBatch.from_pydict({"post_id": ["a", "b"], "text": texts, "lang": ["es", "es"]})
    spec = [{"id": "indep", "aliases": ["independencia"]}]
    scores = {}
    for variant in ("default", "no-cic"):
        out = TargetSentiment(targets=spec, unmentioned=True, variant=variant)(batch).column("targets").to_pylist()
        scores[variant] = [row[0]["score"] for row in out]
    assert scores["default"] != scores["no-cic"]


def test_predict_judges_each_text_toward_the_target():
    rows = predict("Gracias a la PGR por encontrar al niño", "La PGR no hizo nada, inútiles",
                   "Hoy llueve en Puebla", target="pgr", aliases="PGR,Fiscalía")
    assert [r["targets"][0]["target"] for r in rows] == ["pgr"] * 3
    assert rows[0]["targets"][0]["alias"] == "PGR" and rows[0]["targets"][0]["sentiment"] == "positive"
    assert rows[1]["targets"][0]["sentiment"] == "negative"
    assert rows[2]["targets"][0]["alias"] is None  # not named: the whole post is judged
    assert all(r["targets"][0]["sentiment"] in LABELS and -1 <= r["targets"][0]["score"] <= 1 for r in rows)


def test_project_analysis_ignores_posts_that_do_not_name_the_target():
    batch = pa.RecordBatch.from_pydict({"post_id": ["a"], "text": ["Hoy llueve en Puebla"], "lang": ["es"]})
    assert TargetSentiment(targets=[{"id": "pgr", "aliases": ["PGR"]}])(batch).column("targets").to_pylist() == [[]]


TEMPLATES = [
    "Gracias a {t} por ayudar a las familias",
    "{t} no hizo nada por los niños desaparecidos",
    "I can't believe what {t} said today, so disappointing",
    "Watching {t} tonight, best show ever!",
    "Mañana {t} presenta su informe anual",
]
NAME = st.from_regex(r"\A[A-Z][a-z]{4,9}\Z", fullmatch=True)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(template=st.sampled_from(TEMPLATES), first=NAME, second=NAME)
def test_renaming_the_target_in_text_and_target_keeps_the_prediction(template, first, second):
    words = set(re.findall(r"\w+", template.lower()))
    if first.lower() in words or second.lower() in words:
        return
    a = predict(template.format(t=first), target=first.lower(), aliases=first)[0]["targets"][0]
    b = predict(template.format(t=second), target=second.lower(), aliases=second)[0]["targets"][0]
    assert a["sentiment"] == b["sentiment"]
    assert a["score"] == pytest.approx(b["score"], abs=1e-5)


def test_measures_match_their_definitions():
    assert target_eval.mae_macro([-2, -2, 0, 1], [-1, -2, 0, 2]) == pytest.approx((0.5 + 0 + 1) / 3)
    assert [target_eval.to_scale(s) for s in (-0.9, -0.5, 0.0, 0.5, 0.9)] == [-2, -1, 0, 1, 2]
    rows = [target_eval.TargetRow("x", t, g, "en") for t, g in
            (("a", "positive"), ("a", "negative"), ("b", "positive"), ("b", "positive"))]
    entries = [{"score": 0.5, "sentiment": "positive"}, {"score": 0.2, "sentiment": "positive"},
               {"score": -0.1, "sentiment": "negative"}, None]
    bd = target_eval.score_bd(rows, entries)
    assert bd["per_topic"]["a"]["avg_recall"] == 0.5  # positive found, negative missed
    assert bd["per_topic"]["b"]["avg_recall"] == 0.0  # only positives, none found
    assert bd["avg_recall"] == 0.25 and bd["missed"] == 1


def test_semeval_topics_scored_per_topic_on_real_validation_rows():
    shared_path("data", "sentiment", "semeval2017_en", "BD")
    rows = target_eval.semeval_val("BD")
    topics = sorted({r.target for r in rows})
    assert len(topics) == 40
    few = [r for r in rows if r.target in topics[:3]]
    result = target_eval.score_bd(few, target_eval.predict_entries(few))
    assert result["topics"] == 3 and result["missed"] == 0
    assert result["avg_recall"] > 0.55  # chance is 0.5


def test_lang_option_wins_over_language_detection():
    """"Aaaaaaaaau" made the detector read a Spanish sentence as Extremaduran; --lang es is the caller's word."""
    first = predict("Mañana Aaaaa presenta su informe anual", target="x", aliases="Aaaaa")[0]["targets"][0]
    second = predict("Mañana Aaaaaaaaau presenta su informe anual", target="x", aliases="Aaaaaaaaau")[0]["targets"][0]
    assert first["score"] == pytest.approx(second["score"], abs=1e-6)
    assert first["scale"] == second["scale"] == 0


def test_alias_with_a_split_apostrophe_finds_the_written_form():
    """SemEval writes topics tokenised ("valentine 's day"); tweets write "Valentine's Day"."""
    analyser = TargetSentiment(targets=[{"id": "v", "aliases": ["valentine 's day"]}])
    for text in ("Happy Valentine's Day!", "valentine’s day again", "valentine 's day"):
        assert [m[0] for m in analyser.mentions(text)] == ["v"], text
    assert analyser.mentions("Valentines day") == []  # the apostrophe is still required



def test_the_alias_named_does_not_depend_on_the_string_hash_seed():
    """Aliases that fold alike name a mention by the same one in every process: a Spark worker
    (another hash seed, so another set order) must store what the local engine stores."""
    import os
    import subprocess
    import sys

    code = ("from antena.nlp.target_sentiment import TargetSentiment;"
            "a = TargetSentiment(targets=[{'id': 'nr', 'aliases': ['Ninos Robados', 'Niños Robados', 'NINOS ROBADOS',"
            " 'Robados', 'Niños robados', 'ninos robados']}]);"
            "print([m[1] for m in a.mentions('Ayuda de ninos robados hoy')])")
    named = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                            env={**os.environ, "PYTHONHASHSEED": str(seed)}).stdout.strip() for seed in range(4)}
    assert named == {"['NINOS ROBADOS']"}
