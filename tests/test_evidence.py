"""Evidence thresholds: statements name their base and are made only when the evidence
supports them; intervals stay honest at small n."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from antena.analytics.base import Evidence, net_interval, wilson
from antena.errors import ProjectError
from antena.report.findings import findings
from antena.settings import Settings, validate_settings


def one_post_stats(population: str = "relevant") -> dict:
    """What compute_stats gives for a project with a single relevant post."""
    return {
        "population": population, "evidence": vars(Evidence()),
        "corpus": {"posts": 1309},
        "volumes": {"posts": 1, "by_platform": [{"platform": "reddit", "posts": 1}], "streams": []},
        "awareness": {"posts": 1, "programmes": [{"programme": "amber_alert", "posts": 1, "rate": 1.0, "ci": wilson(1, 1)}],
                      "unaware": {"posts": 0, "rate": 0.0, "ci": wilson(0, 1)}},
        "topics": {"posts": 1, "totals": [{"topic": "kidnapping", "posts": 1, "share": 1.0}]},
        "sentiment": {"emotion": [{"emotion": "anger", "posts": 1, "share": 1.0}]},
        "targets": [{"target": "gov", "name": "Government", "kind": "authority", "mentions": 3, "positive": 0,
                     "neutral": 0, "negative": 3, "shares": {"negative": 1.0, "neutral": 0.0, "positive": 0.0},
                     "net": -1.0, "net_ci": list(net_interval(0, 3, 3)[1:])}],
    }


@pytest.mark.parametrize("lang,words", [("en", "too few posts to say (n = 1)"),
                                        ("es", "muy pocas publicaciones para afirmarlo (n = 1)")])
def test_one_post_claims_no_share(lang, words):
    text = " ".join(findings(one_post_stats(), {}, lang))
    assert "100" not in text  # no "enojo (100,0%)", no platform share from one post
    assert text.count(words) == 4  # platforms, awareness, topics, emotions
    mentions = "too few mentions to say (n = 3)" if lang == "en" else "muy pocas menciones para afirmarlo (n = 3)"
    assert mentions in text


def test_a_net_of_zero_is_not_called_positive():
    stats = one_post_stats()
    stats["targets"] = [{"target": "ninos", "name": "Niños Robados", "kind": "ngo", "mentions": 40, "positive": 10,
                         "neutral": 20, "negative": 10, "shares": {"negative": 0.25, "neutral": 0.5, "positive": 0.25},
                         "net": 0.0, "net_ci": list(net_interval(10, 10, 40)[1:])}]
    (sentence,) = [f for f in findings(stats, {}, "en") if "Niños Robados" in f]
    assert "mixed" in sentence and "positive" in sentence.split(":")[1]  # "... 25.0% positive", not "seen positively"
    assert "is mostly positive" not in sentence and "across 40 mentions in relevant posts" in sentence


def test_statements_name_their_population():
    stats = one_post_stats(population="all")
    stats["volumes"]["posts"] = 40
    stats["volumes"]["by_platform"] = [{"platform": "reddit", "posts": 30}, {"platform": "x", "posts": 10}]
    head = findings(stats, {}, "en")[0]
    assert "Reddit carries 75.0% of them (n = 40 posts in scope (relevance not yet decided))" in head


def test_thresholds_come_from_antena_toml():
    stats = one_post_stats()
    stats["evidence"] = vars(Evidence(min_posts_share=1, min_target_mentions=3))
    text = " ".join(findings(stats, {}, "en"))
    assert "too few" not in text and "1 relevant post out of 1,309 collected. Reddit carries 100.0% of them (n = 1 relevant post)" in text


def test_evidence_settings_are_validated():
    assert Settings().evidence.min_posts_share == 30 and Settings().evidence.min_target_mentions == 20
    assert Settings().evidence.min_impact_days == 7
    with pytest.raises(ProjectError, match="antena.toml:2: evidence.min_posts_share"):
        validate_settings({"evidence": {"min_posts_share": 0}}, "[evidence]\nmin_posts_share = 0\n", "antena.toml")
    with pytest.raises(ProjectError, match="evidence.min_post"):
        validate_settings({"evidence": {"min_post": 3}}, "[evidence]\nmin_post = 3\n", "antena.toml")
    assert Evidence.from_config({"evidence": {"min_target_mentions": 5}}).min_target_mentions == 5


def test_small_intervals_are_never_zero_width():
    lo, hi = wilson(1, 1)
    assert 0.1 < lo < 0.3 and hi == 1.0
    net, lo, hi = net_interval(0, 3, 3)
    assert net == -1.0 and lo == pytest.approx(-1.0, abs=0.02) and hi > -0.5  # three mentions prove little
    assert net_interval(0, 3, 3) == net_interval(0, 3, 3)  # fixed seed: the same report twice


@given(st.integers(0, 60), st.integers(0, 60), st.integers(0, 60))
def test_net_interval_is_ordered_and_wide(pos, neg, neutral):
    n = pos + neg + neutral
    net, lo, hi = net_interval(pos, neg, n)
    if n == 0:
        assert net is None
        return
    assert -1.0 <= lo < hi <= 1.0
    assert lo - 0.05 <= net <= hi + 0.05
