"""Campaign impact statistics, validated by simulation on series with planted effects."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from antena.analytics.impact import Windows, describe, its_model, window_means

WINDOWS = Windows.from_campaign({"start": "2017-04-01", "end": "2017-04-30", "before_days": 60, "after_days": 30})
DAYS = [WINDOWS.before[0] + timedelta(i) for i in range((WINDOWS.after[1] - WINDOWS.before[0]).days + 1)]


def simulate(rng: np.random.Generator, effect: float) -> list[float]:
    """Daily rate with trend, weekly pattern, a level shift during/after the campaign, and noise."""
    values = []
    for i, day in enumerate(DAYS):
        label = WINDOWS.label(day)
        weekly = 0.02 if day.weekday() >= 5 else 0.0
        shift = effect if label in ("during", "after") else 0.0
        values.append(0.10 + 0.0002 * i + weekly + shift + rng.normal(0, 0.03))
    return values


def test_intervals_cover_the_planted_effect_about_95_percent():
    rng = np.random.default_rng(20261122)
    effect, runs, covered = 0.05, 300, 0
    for _ in range(runs):
        fit = its_model(DAYS, simulate(rng, effect), WINDOWS)
        lo, hi = fit["during"]["ci"]
        covered += lo <= effect <= hi
    assert 0.90 <= covered / runs <= 0.98, covered / runs


def test_no_effect_is_rarely_claimed():
    rng = np.random.default_rng(7)
    runs, claimed = 300, 0
    for _ in range(runs):
        fit = its_model(DAYS, simulate(rng, 0.0), WINDOWS)
        lo, hi = fit["during"]["ci"]
        claimed += lo > 0 or hi < 0
    assert claimed / runs <= 0.08, claimed / runs


def test_a_real_effect_is_detected_and_described():
    rng = np.random.default_rng(1)
    values = simulate(rng, 0.08)
    entry = {"metric": "awareness_rate", "unit": "share", **window_means(DAYS, values, WINDOWS),
             "its": its_model(DAYS, values, WINDOWS)}
    assert entry["its"]["during"]["ci"][0] > 0
    assert "the change is clear" in describe(entry, "en")
    assert "el cambio es claro" in describe(entry, "es")
    assert entry["during_minus_before"]["effect"] > 0.05


def test_windows_default_to_campaign_length():
    w = Windows.from_campaign({"start": "2017-04-01", "end": "2017-04-10"})
    assert w.before == (date(2017, 3, 22), date(2017, 3, 31))
    assert w.after == (date(2017, 4, 11), date(2017, 4, 20))


def test_too_few_days_gives_no_model():
    assert its_model(DAYS[:5], [0.1] * 5, WINDOWS) is None


@pytest.mark.parametrize("lang", ["en", "es"])
def test_describe_says_when_unsure(lang):
    entry = {"metric": "volume", "unit": "posts/day", "before": {"mean": 10.0, "days": 30}, "during": {"mean": 10.5, "days": 30},
             "its": {"during": {"effect": 0.5, "ci": [-1.0, 2.0], "p": 0.4}}}
    text = describe(entry, lang)
    assert ("cannot say" in text) if lang == "en" else ("no podemos afirmar" in text)


@pytest.mark.parametrize("lang,words", [("en", "too few days to compare (3 before, 30 during; 7 on each side"),
                                        ("es", "muy pocos días para comparar (3 antes, 30 durante; se necesitan 7")])
def test_describe_refuses_a_comparison_on_too_few_days(lang, words):
    entry = {"metric": "awareness_rate", "unit": "share", "before": {"mean": 0.1, "days": 3},
             "during": {"mean": 0.5, "days": 30}, "its": {"during": {"effect": 0.4, "ci": [0.3, 0.5], "p": 0.001}}}
    text = describe(entry, lang)
    assert words in text and "clear" not in text and "claro" not in text


def test_describe_names_its_base():
    rng = np.random.default_rng(1)
    values = simulate(rng, 0.08)
    entry = {"metric": "awareness_rate", "unit": "share", **window_means(DAYS, values, WINDOWS),
             "its": its_model(DAYS, values, WINDOWS)}
    assert "daily means over 60 days before and 30 during, of relevant posts" in describe(entry, "en")
    assert "sobre todas las publicaciones del alcance" in describe(entry, "es", population="all")
