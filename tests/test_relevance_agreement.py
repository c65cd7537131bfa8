"""scripts/relevance_agreement.py: the blind agreement sample and its kappa."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("relevance_agreement", ROOT / "scripts" / "relevance_agreement.py")
assert _spec and _spec.loader
agreement = importlib.util.module_from_spec(_spec)
sys.modules["relevance_agreement"] = agreement  # dataclasses look their module up
_spec.loader.exec_module(agreement)


def _label(line: int, relevant: bool, topic: str = "") -> object:
    return agreement.Label("f.txt", line, f"{line:010d}", relevant, topic, "")


def test_kappa_of_a_known_table() -> None:
    # 20 both yes, 5 first only, 10 second only, 15 both no: po 0.70, pe 0.50, kappa 0.40
    a = [True] * 25 + [False] * 25
    b = [True] * 20 + [False] * 5 + [True] * 10 + [False] * 15
    assert abs(agreement.cohen_kappa(a, b) - 0.4) < 1e-9


@given(st.lists(st.booleans(), min_size=2, max_size=60), st.lists(st.booleans(), min_size=2, max_size=60))
def test_kappa_is_symmetric_and_at_most_one(a: list[bool], b: list[bool]) -> None:
    n = min(len(a), len(b))
    a, b = a[:n], b[:n]
    assert abs(agreement.cohen_kappa(a, b) - agreement.cohen_kappa(b, a)) < 1e-9
    assert agreement.cohen_kappa(a, b) <= 1 + 1e-9
    assert agreement.cohen_kappa(a, a) == 1.0


def test_sample_holds_every_relevant_row_and_a_fixed_random_set_of_the_others() -> None:
    rows = [_label(i, i % 10 == 0) for i in range(1, 501)]
    chosen = agreement.sample(rows, negatives=30)
    assert len(chosen) == 50 + 30 and len({r.line for r in chosen}) == 80
    assert {r.line for r in chosen if r.relevant} == {r.line for r in rows if r.relevant}
    assert chosen == agreement.sample(rows, negatives=30)
    assert chosen != agreement.sample(rows, negatives=30, seed=1)


def test_score_counts_the_confusion_table_and_topic_disagreements() -> None:
    first = [_label(1, True, "csam"), _label(2, True, "migration"), _label(3, False), _label(4, False)]
    second = [_label(1, True, "csam"), _label(2, True, "kidnapping"), _label(3, True, "other"), _label(4, False)]
    result = agreement.score(first, second)
    assert result["confusion"] == {"first 1, second 1": 2, "first 1, second 0": 0,
                                   "first 0, second 1": 1, "first 0, second 0": 1}
    assert result["topic_agreement"] == 1 and result["topic_disagreements"] == {"migration -> kidnapping": 1}
    assert [d["ref"] for d in result["relevance_disagreements"]] == ["f.txt:3"]


def test_the_stored_second_labels_are_the_scripts_sample_of_the_dev_set() -> None:
    first = agreement.read_labels(agreement.LABELS / "dev.tsv")
    second = agreement.read_labels(agreement.LABELS / "dev_second.tsv")
    assert {r.ref for r in second} == {r.ref for r in agreement.sample(first)}
    by_ref = {r.ref: r for r in first}
    assert all(by_ref[r.ref].sha == r.sha for r in second)
    assert all(bool(r.topic) == r.relevant for r in second)
    assert all(len(r.note) <= 100 for r in second)  # short notes, never texts
    assert agreement.score(first, second)["posts"] == len(second)
