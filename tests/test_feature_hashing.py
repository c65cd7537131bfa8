"""The memoised n-gram hashing gives exactly scikit-learn's hashing vectorizers' matrix."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from antena.models import datasets, features, hashing

SPECS = [features.FeatureSpec(), features.FeatureSpec(n_features=2**12, char_min=1, char_max=3, lang_token=False),
         features.FeatureSpec(n_features=1000, char_min=3, char_max=6),
         features.FeatureSpec(n_features=2**16, char_min=4, char_max=7)]  # words shorter than char_min
WORDS = ["no", "not", "nunca", "don't", "isn't", "niños", "trata", "de", "personas", "!!", "?", ".", ",",
         "#AlertaAmber", "@user", "http", "a", "aa", "ñ", "日本", "😀", "kidnap", "jaja", "0", "neg_x", "__lang_es"]


def assert_same(spec: features.FeatureSpec, texts: list[str], langs: list[str | None]) -> None:
    normalised = [features.normalise(t) for t in texts]
    fast = features._counts_of_normalised(spec, normalised, langs)
    reference = features._counts_reference(spec, normalised, langs)
    reference.sort_indices()
    assert fast.shape == reference.shape and fast.dtype == reference.dtype == np.float32
    assert np.array_equal(fast.indptr, reference.indptr)
    assert np.array_equal(fast.indices, reference.indices)
    assert np.array_equal(fast.data, reference.data)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.text(max_size=80), st.lists(st.sampled_from(WORDS), max_size=25).map(" ".join)),
                min_size=1, max_size=12),
       st.sampled_from(SPECS), st.sampled_from([None, "es", "en"]))
def test_fast_counts_equal_the_vectorizers(texts: list[str], spec: features.FeatureSpec, lang: str | None) -> None:
    texts = [t.encode("utf-8", "ignore").decode("utf-8") for t in texts]  # no lone surrogates
    assert_same(spec, texts, [lang if i % 2 else None for i in range(len(texts))])


def test_repeated_words_come_from_the_memo_with_the_same_columns() -> None:
    spec = SPECS[0]
    chars = hashing.char_columns(spec.n_features, spec.char_min, spec.char_max)
    texts = ["la trata de personas no para", "la trata de personas no para", "secuestro secuestro secuestro"]
    assert_same(spec, texts, ["es"] * 3)
    assert {"trata", "personas", "secuestro"} <= set(chars.memo)
    assert_same(spec, texts[::-1], [None] * 3)  # again, now from the memo


def test_a_full_memo_starts_again(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hashing, "MEMO_LIMIT", 5)
    chars = hashing.CharColumns(2**10, 2, 4)
    chars.learn({"uno", "dos", "tres"})
    chars.learn({"cuatro", "cinco", "seis"})
    assert set(chars.memo) == {"cuatro", "cinco", "seis"}
    assert np.array_equal(chars.memo["seis"], hashing.columns(chars.ngrams("seis"), 2**10))


@pytest.mark.skipif(not datasets.available(), reason="../shared/data is absent")
def test_real_posts_give_the_same_counts() -> None:
    from antena.models import corpus

    texts = []
    for post in corpus.iter_posts():
        texts.append(post.text)
        if len(texts) >= 3000:
            break
    assert_same(SPECS[0], texts, [("es", "en", None)[i % 3] for i in range(len(texts))])


def normalise_reference(text: str) -> str:
    """``features.normalise`` as first written: every regex applied (the fast one skips scans)."""
    import re

    text = text[:features.MAX_CHARS]
    text = features._URL.sub(" http ", text)
    text = features._USER.sub(" @user ", text)
    text = text.lower()
    text = features._LAUGH.sub(" jaja ", text)
    text = features._ELONGATED.sub(r"\1\1", text)
    text = features._DIGITS.sub("0", text)
    return re.sub(r"\s+", " ", text).strip()


def fold_reference(text: str) -> str:
    import unicodedata

    from antena.nlp import textutil

    return textutil._COMBINING.sub("", unicodedata.normalize("NFD", text[:textutil.MAX_MATCH_CHARS].lower()))


URLISH = ["HTTPS://t.co/X", "Www.Ejemplo.MX", "hTtP://a", "@Ana", "@", "jajaja", "LOOOL", "\u00a0", "\u2003",
          "\u200b", "\x1c", "\n\t", "İ", "ſ", "Niños", "ÁÉÍ", "123", "٣٤", "www", "http"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(URLISH), st.text(max_size=12)), max_size=12).map("".join))
def test_fast_normalise_and_fold_equal_the_regex_versions(text: str) -> None:
    from antena.nlp.textutil import fold

    assert features.normalise(text) == normalise_reference(text)
    assert fold(text) == fold_reference(text)


def _fresh_caches() -> None:
    from antena.models import relevance_model

    features._CACHE.clear()
    features.ROW_CACHE.clear()
    relevance_model._SCORES.clear()


def test_relevance_and_topic_scores_equal_those_of_the_vectorizers(monkeypatch: pytest.MonkeyPatch) -> None:
    from antena.models import relevance_model, train_relevance

    seeds = train_relevance.read_seeds(train_relevance.LABELS_DIR / "seeds.tsv")[::7]
    texts, langs = [r.text for r in seeds] + ["", "what am I missing?"], [r.lang for r in seeds] + [None, "en"]
    model = relevance_model.load()
    _fresh_caches()
    fast_rel, fast_topics = model.scores(texts, langs)
    monkeypatch.setattr(features, "_counts_of_normalised", features._counts_reference)
    _fresh_caches()
    ref_rel, ref_topics = model.scores(texts, langs)
    _fresh_caches()
    assert np.abs(fast_rel - ref_rel).max() <= 1e-9 and np.abs(fast_topics - ref_topics).max() <= 1e-9
    assert ((fast_rel >= model.threshold) == (ref_rel >= model.threshold)).all()


def reference_find(terms: list[str], folded: str) -> set[str]:
    """Term matching by its definition: phrases as consecutive words, ``*`` a prefix on the last word."""
    from antena.nlp.textutil import fold, tokens

    words = tokens(folded)
    found = set()
    for term in terms:
        parts = tokens(fold(term.strip().rstrip("*")))
        wildcard = term.strip().endswith("*")
        for i in range(len(words) - len(parts) + 1):
            window = words[i:i + len(parts)]
            if parts and window[:-1] == parts[:-1] and (
                    window[-1].startswith(parts[-1]) if wildcard else window[-1] == parts[-1]):
                found.add(term)
    return found


TERMS = ["trata de personas", "trata", "secuestr*", "niño*", "alerta amber", "#alertaamber", "se trata de",
         "kidnap*", "missing child*", "a", "de la*"]
VOCAB = ["trata", "de", "personas", "secuestro", "secuestrada", "secuestr", "niños", "niño", "alerta", "amber",
         "#alertaamber", "se", "kidnapped", "missing", "children", "child", "a", "la", "las", "x"]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(VOCAB), max_size=15))
def test_term_matcher_finds_what_the_definition_finds(words: list[str]) -> None:
    from antena.nlp.textutil import TermMatcher

    matcher = TermMatcher(TERMS)
    text = " ".join(words)
    assert matcher.find(text) == reference_find(TERMS, text)
    assert matcher.find(text) == reference_find(TERMS, text)  # again, from the word memo
