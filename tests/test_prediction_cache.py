"""The fast models featurise each distinct (normalised) text once, with the same result."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from antena.models import TextClassifier, features, model_dir
from antena.models import cache as cache_module
from antena.models.cache import FeatureRowCache

TEXTS = ["RT @ana: la fiscalía no hace nada http://t.co/x", "la fiscalía no hace nada",
         "La FISCALÍA no hace nada https://t.co/yy", "I love this campaign!!!", "I LOVE this campaign!!!",
         "Gracias @dif por la ayuda 123", "Gracias @otro por la ayuda 999", ""]
LANGS = ["es", "es", "es", "en", "en", "es", "es", None]


def _fresh_caches() -> None:
    features._CACHE.clear()
    features.ROW_CACHE.clear()


def test_cached_rows_equal_fresh_features_and_copies_hit() -> None:
    _fresh_caches()
    spec = TextClassifier.load(model_dir("sentiment")).spec
    texts, langs = TEXTS * 3, LANGS * 3
    cached = features.transform_cached(spec, texts, langs)
    assert (cached != features.raw_counts(spec, texts, langs)).nnz == 0
    # distinct after normalisation: the three fiscalía texts (an RT prefix, a URL), the @user and
    # number variants collapse, the English pair collapses (case), and the empty text: 6
    assert features.ROW_CACHE.misses == 6 and features.ROW_CACHE.hits == len(texts) - 6
    features._CACHE.clear()  # a new batch: every row comes from the row cache
    again = features.transform_cached(spec, TEXTS[::-1], LANGS[::-1])
    assert (again != features.raw_counts(spec, TEXTS[::-1], LANGS[::-1])).nnz == 0
    assert features.ROW_CACHE.misses == 6


def test_models_score_the_same_with_the_cache(monkeypatch) -> None:
    import antena.models

    texts, langs = TEXTS * 2, LANGS * 2
    for task in ("sentiment", "emotion", "target_sentiment"):
        _fresh_caches()
        model = TextClassifier.load(model_dir(task))
        with_cache = model.predict_proba(texts, langs)
        with monkeypatch.context() as m:  # featurise every row afresh, as before the cache
            m.setattr(antena.models, "transform_cached", features.raw_counts)
            plain = model.predict_proba(texts, langs)
        assert np.allclose(with_cache, plain, atol=1e-6)


def test_the_cache_is_bounded_and_keyed_by_feature_settings() -> None:
    cache = FeatureRowCache(max_entries=3)
    keys = [FeatureRowCache.key((1,), "es", str(i)) for i in range(5)]
    identity = np.eye(5, dtype=np.float32)
    cache.rows(keys, 5, lambda at: features.sp.csr_matrix(identity[at]))
    assert len(cache) == 3 and cache.misses == 5
    assert FeatureRowCache.key((1,), "es", "x") != FeatureRowCache.key((2,), "es", "x")
    assert FeatureRowCache.key((1,), "es", "x") != FeatureRowCache.key((1,), "en", "x")


@settings(max_examples=25, deadline=None)
@given(st.lists(st.sampled_from(TEXTS), min_size=1, max_size=12), st.sampled_from(["es", "en", None]))
def test_any_mix_of_repeats_featurises_like_one_by_one(texts: list[str], lang: str | None) -> None:
    features._CACHE.clear()
    spec = features.FeatureSpec()
    batch = features.transform_cached(spec, texts, [lang] * len(texts))
    singles = features.sp.vstack([features.raw_counts(spec, [t], [lang]) for t in texts])
    assert abs(batch - singles).max() < 1e-6


def test_the_cache_is_bounded_in_bytes_and_counts_them_exactly() -> None:
    rows = [np.arange(1, 41, dtype=np.float32) * (i + 1) for i in range(30)]  # 40 non-zeros each
    dense = np.zeros((30, 64), dtype=np.float32)
    for i, row in enumerate(rows):
        dense[i, :40] = row
    one = 40 * 4 + 40 * 4 + cache_module.ENTRY_OVERHEAD
    cache = FeatureRowCache(max_entries=10**6, max_bytes=5 * one)
    keys = [FeatureRowCache.key((1,), "es", str(i)) for i in range(30)]
    matrix = cache.rows(keys, 64, lambda at: features.sp.csr_matrix(dense[at]))
    assert np.array_equal(matrix.toarray(), dense)  # what was evicted was still returned
    assert len(cache) == 5 and cache.bytes == 5 * one
    cache.rows(keys[-5:], 64, lambda at: features.sp.csr_matrix(dense[at]))
    assert cache.hits == 5 and cache.bytes == 5 * one  # the newest five stayed
    cache.clear()
    assert cache.bytes == 0 and len(cache) == 0
