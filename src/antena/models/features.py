"""Fast tweet features: normalisation, hashed word and character n-grams, tf-idf weighting.

Hashing keeps the shipped models small (no vocabulary) and lets several models that share the
same settings reuse one feature matrix per batch (see :func:`transform_cached`).
"""

from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from antena.models.cache import FeatureRowCache
from antena.models.hashing import char_columns, hashed_counts

if TYPE_CHECKING:
    from sklearn.feature_extraction.text import HashingVectorizer

MAX_CHARS = 1000  # longer posts are cut: a tweet-trained model gains nothing from more

_URL = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
_USER = re.compile(r"@\w+")
_ELONGATED = re.compile(r"(\w)\1{2,}")
_LAUGH = re.compile(r"\b(?:[jh][aeiou]){2,}[jh]?\b|\bl+o+l+\b", re.IGNORECASE)
_DIGITS = re.compile(r"\d+")
_TOKEN = re.compile(r"#?\w+|[!?]+|[^\w\s]", re.UNICODE)
_NEGATORS = frozenset(
    "no not nunca jamás jamas nada ni never nothing nobody nadie sin without non pas nicht kein keine "
    "nao não".split()
)
_CLAUSE_END = frozenset(".,;:!?")
TARGET_TOKEN = "xtargetx"  # stands for the named target in target-sentiment inputs
LEXICON_SCALE = 0.3  # weight of the lexicon columns beside the L2-normalised n-grams (chosen on dev)
LEXICON_FEATURES = ("neg", "neu", "pos", "compound", "compound+", "compound-", "is_pos", "is_neg")


def normalise(text: str) -> str:
    """Lower-case, cut, and replace URLs, @users, numbers, laughter and elongations by tokens."""
    text = text[:MAX_CHARS]
    lowered = text.lower()
    if "http" in lowered or "www." in lowered:  # the two cheap checks skip regex scans that find nothing
        text = _URL.sub(" http ", text)
    if "@" in text:
        text = _USER.sub(" @user ", text)
    text = text.lower()
    text = _LAUGH.sub(" jaja ", text)
    text = _ELONGATED.sub(r"\1\1", text)
    text = _DIGITS.sub("0", text)
    return " ".join(text.split())  # runs of whitespace (str.isspace, as regex \s) to one space, stripped


def mask_target(text: str, target: str) -> str:
    """Replace every case-insensitive occurrence of ``target`` by :data:`TARGET_TOKEN`."""
    if not target:
        return text
    return re.sub(re.escape(target), f" {TARGET_TOKEN} ", text, flags=re.IGNORECASE)


def word_tokens(text: str) -> list[str]:
    """Word tokens with negation scope marked (``neg_`` up to the next punctuation), plus bigrams."""
    tokens = _mark_negation(_TOKEN.findall(text))
    bigrams = [f"{a} {b}" for a, b in zip(tokens, tokens[1:], strict=False)]
    return tokens + bigrams


@dataclass(frozen=True)
class FeatureSpec:
    n_features: int = 2**20
    char_min: int = 2
    char_max: int = 5
    lang_token: bool = True

    def key(self) -> tuple:
        return tuple(asdict(self).values())


def _vectorizers(spec: FeatureSpec) -> tuple[HashingVectorizer, HashingVectorizer]:
    # imported here: scikit-learn costs ~1 CPU s to import, and a Spark driver builds the
    # pipeline without featurising anything
    from sklearn.feature_extraction.text import HashingVectorizer

    words = HashingVectorizer(
        analyzer=word_tokens, n_features=spec.n_features, alternate_sign=False, norm=None
    )
    chars = HashingVectorizer(
        analyzer="char_wb", ngram_range=(spec.char_min, spec.char_max), lowercase=False,
        n_features=spec.n_features, alternate_sign=False, norm=None,
    )
    return words, chars


_VECTORIZERS: dict[tuple, tuple[HashingVectorizer, HashingVectorizer]] = {}


def raw_counts(spec: FeatureSpec, texts: list[str], langs: list[str | None]) -> sp.csr_matrix:
    """Hashed term counts (words + characters), sublinear (1 + log tf), before idf."""
    return _counts_of_normalised(spec, [normalise(t or "") for t in texts], langs)


def _counts_of_normalised(spec: FeatureSpec, normalised: list[str], langs: list[str | None]) -> sp.csr_matrix:
    """What :func:`_counts_reference` computes, each n-gram hashed once per process (:mod:`.hashing`)."""
    token_lists = []
    for text, lang in zip(normalised, langs, strict=True):
        toks = _TOKEN.findall(f"{text} __lang_{lang or 'xx'}" if spec.lang_token else text)
        if "n't" in text or not _NEGATORS.isdisjoint(toks):  # otherwise no token is negated
            toks = _mark_negation(toks)
        token_lists.append(toks)
    matrix = hashed_counts(char_columns(spec.n_features, spec.char_min, spec.char_max), token_lists, normalised)
    matrix.data = 1.0 + np.log(matrix.data)
    return matrix.astype(np.float32)


def _mark_negation(toks: list[str]) -> list[str]:
    """:func:`word_tokens`' negation marking of ``toks`` (without the bigrams)."""
    out: list[str] = []
    negated = False
    for token in toks:
        if token in _CLAUSE_END or token[0] in "!?":
            negated = False
            out.append(token)
            continue
        out.append("neg_" + token if negated else token)
        if token in _NEGATORS or token.endswith("n't"):
            negated = True
    return out


def _counts_reference(spec: FeatureSpec, normalised: list[str], langs: list[str | None]) -> sp.csr_matrix:
    """The features as scikit-learn's hashing vectorizers compute them (the definition; slow)."""
    if spec.key() not in _VECTORIZERS:
        _VECTORIZERS[spec.key()] = _vectorizers(spec)
    words, chars = _VECTORIZERS[spec.key()]
    if spec.lang_token:
        word_input = [f"{t} __lang_{lang or 'xx'}" for t, lang in zip(normalised, langs, strict=True)]
    else:
        word_input = normalised
    matrix = words.transform(word_input) + chars.transform(normalised)
    matrix = matrix.tocsr()
    matrix.data = 1.0 + np.log(matrix.data)
    return matrix.astype(np.float32)


def idf_weights(counts: sp.csr_matrix) -> np.ndarray:
    """Smoothed idf per hashed feature, from a training matrix."""
    n_docs = counts.shape[0]
    df = np.bincount(counts.indices, minlength=counts.shape[1])
    return (np.log((1 + n_docs) / (1 + df)) + 1.0).astype(np.float32)


def weight(counts: sp.csr_matrix, idf: np.ndarray) -> sp.csr_matrix:
    """Apply idf and L2-normalise each row (a new matrix; ``counts`` is left as it is)."""
    matrix = counts.tocsr().astype(np.float32, copy=True)
    matrix.data *= idf[matrix.indices]
    squares = matrix.data * matrix.data
    row_nnz = np.diff(matrix.indptr)
    sums = np.zeros(matrix.shape[0], dtype=np.float32)
    nonempty = row_nnz > 0
    if squares.size:
        sums[nonempty] = np.add.reduceat(squares, matrix.indptr[:-1][nonempty])
    norms = np.sqrt(sums)
    norms[norms == 0] = 1.0
    matrix.data /= np.repeat(norms, row_nnz)
    return matrix


_CACHE: OrderedDict[tuple, tuple[tuple, tuple, sp.csr_matrix]] = OrderedDict()
_CACHE_SIZE = 4
ROW_CACHE = FeatureRowCache()


def transform_cached(spec: FeatureSpec, texts: list[str], langs: list[str | None]) -> sp.csr_matrix:
    """Raw counts for a batch, memoised for the last few batches.

    The sentiment and emotion analysers read the same texts one after the other; with the same
    spec the second one reuses the matrix instead of tokenising again. Rows come from
    ``ROW_CACHE`` (``antena.models.cache``): each distinct normalised text is featurised once.
    """
    text_key, lang_key = tuple(texts), tuple(langs)
    key = (spec.key(), hash(text_key), hash(lang_key), len(texts))
    hit = _CACHE.get(key)
    if hit is not None and hit[0] == text_key and hit[1] == lang_key:
        _CACHE.move_to_end(key)
        return hit[2]
    normalised = [normalise(t or "") for t in texts]
    tokens = [(lang or "xx") if spec.lang_token else "" for lang in langs]
    settings = spec.key()
    keys = [ROW_CACHE.key(settings, token, text) for token, text in zip(tokens, normalised, strict=True)]
    matrix = ROW_CACHE.rows(keys, spec.n_features, lambda at: _counts_of_normalised(
        spec, [normalised[i] for i in at], [langs[i] for i in at]))
    _CACHE[key] = (text_key, lang_key, matrix)
    while len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return matrix


_VADER: list = []


def lexicon_features(texts: list[str]) -> np.ndarray:
    """VADER (English lexicon, emoji and emoticons, negation, caps, "but") scores per text.

    Columns: :data:`LEXICON_FEATURES`, scaled by :data:`LEXICON_SCALE`; about 50 microseconds a
    tweet, so only the English head reads them.
    """
    if not _VADER:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        _VADER.append(SentimentIntensityAnalyzer())
    vader = _VADER[0]
    out = np.zeros((len(texts), len(LEXICON_FEATURES)), dtype=np.float32)
    for i, text in enumerate(texts):
        if not text:
            continue
        s = vader.polarity_scores(text[:MAX_CHARS])
        c = s["compound"]
        out[i] = (s["neg"], s["neu"], s["pos"], c, max(c, 0.0), max(-c, 0.0), c > 0.05, c < -0.05)
    return out * LEXICON_SCALE
