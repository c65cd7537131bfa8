"""Calibration of the fast models and the "uncertain" rule in the shares."""

from __future__ import annotations

import duckdb
import numpy as np
import pytest

from antena.analytics.perception import sentiment
from antena.models import load_model
from antena.models.calibration import UNCERTAIN, abstention, ece, fit_temperature, report, softmax


def _synthetic(rng: np.random.Generator, n: int, true_temp: float) -> tuple[np.ndarray, np.ndarray]:
    """Scores whose softmax at ``true_temp`` gives the real class probabilities."""
    scores = rng.normal(size=(n, 3)) * 2
    proba = softmax(scores * true_temp)
    gold = (rng.random(n)[:, None] > proba.cumsum(axis=1)).sum(axis=1)
    return scores, gold


def test_temperature_is_recovered_and_ece_falls() -> None:
    scores, gold = _synthetic(np.random.default_rng(1), 20000, 0.5)
    temp = fit_temperature(scores, gold)
    assert temp == pytest.approx(0.5, abs=0.06)
    assert ece(softmax(scores), gold) > 0.1  # overconfident without temperature
    assert ece(softmax(scores * temp), gold) < 0.02


def test_report_crossfits_per_head_and_keeps_decisions() -> None:
    rng = np.random.default_rng(2)
    s_en, g_en = _synthetic(rng, 4000, 0.4)
    s_es, g_es = _synthetic(rng, 4000, 1.5)
    scores, gold = np.vstack([s_en, s_es]), np.concatenate([g_en, g_es])
    routes = np.array(["en"] * 4000 + ["other"] * 4000)
    found = report(scores, gold, routes, single=0.8)
    assert found["head_temperatures"]["en"] < 0.6 < 1.2 < found["head_temperatures"]["other"]
    assert found["ece_head_temperatures_crossfit"] < found["ece_single_temperature"]
    kept = [row["kept"] for row in found["abstention"]]
    assert kept == sorted(kept, reverse=True)  # a higher threshold keeps fewer posts
    assert all(r["accuracy_kept"] >= r["accuracy_uncertain"] for r in found["abstention"])


def test_abstention_table_on_known_values() -> None:
    proba = np.array([[0.9, 0.05, 0.05], [0.35, 0.33, 0.32], [0.2, 0.7, 0.1]])
    rows = abstention(proba, np.array([0, 1, 1]), thresholds=(0.5,))
    assert rows == [{"threshold": 0.5, "kept": pytest.approx(2 / 3, abs=1e-4), "accuracy_kept": 1.0,
                     "accuracy_uncertain": 0.0}]


def test_packaged_models_record_calibration_and_head_temperatures_keep_decisions() -> None:
    model = load_model("sentiment")
    cal = model.meta["calibration"]
    assert cal["ece_head_temperatures_crossfit"] < cal["ece_uncalibrated"]
    assert cal["ece_single_temperature"] < cal["ece_uncalibrated"]
    assert not model.head_temperatures and not cal["applied"]  # measured, not applied (see the card)
    assert set(cal["head_temperatures"]) == {"en", "other"}
    model = type(model)(**{**model.__dict__, "head_temperatures": cal["head_temperatures"]})
    texts = ["I love this", "this is awful", "meh", "me encanta", "qué horror", "no sé"]
    langs = ["en", "en", "en", "es", "es", None]
    calibrated = model.predict_proba(texts, langs)
    model_plain = type(model)(**{**model.__dict__, "head_temperatures": {}})
    plain = model_plain.predict_proba(texts, langs)
    assert (calibrated.argmax(axis=1) == plain.argmax(axis=1)).all()
    assert np.allclose(calibrated.sum(axis=1), 1.0, atol=1e-5)
    for task in ("emotion", "target_sentiment"):
        assert "ece_uncalibrated" in load_model(task).meta["calibration"]


def test_uncertain_posts_are_counted_apart() -> None:
    con = duckdb.connect()
    con.execute("""CREATE TABLE analysis AS SELECT * FROM (VALUES
        ('a', 't', 'negative', 0.80, 0.10, 0.10, 'anger', 0.9),
        ('b', 't', 'negative', 0.38, 0.33, 0.29, 'anger', 0.3),
        ('c', 't', 'positive', 0.10, 0.20, 0.70, 'joy', 0.8),
        ('d', 't', 'neutral', 0.30, 0.39, 0.31, 'joy', 0.35)
    ) v(post_id, text, sentiment, sentiment_negative, sentiment_neutral, sentiment_positive, emotion, emotion_score)""")
    con.execute("ALTER TABLE analysis ADD COLUMN created_at TIMESTAMPTZ")
    result = sentiment(con, "SELECT * FROM analysis", "UTC", uncertain_below=0.4)
    assert {k: v["posts"] for k, v in result["overall"].items()} == {
        "negative": 1, "neutral": 0, "positive": 1, UNCERTAIN: 2}
    assert result["net"] == -0.25  # net reads the model's labels: (1 positive - 2 negative) of 4
    assert {e["emotion"]: e["posts"] for e in result["emotion"]} == {"anger": 1, "joy": 1, UNCERTAIN: 2}
    assert result["estimates"]["shares"]["negative"]["model_share"] == 0.25
    off = sentiment(con, "SELECT * FROM analysis", "UTC", uncertain_below=0.0)
    assert off["overall"][UNCERTAIN]["posts"] == 0 and off["overall"]["negative"]["posts"] == 2
