"""Hashed n-gram counts as scikit-learn's ``HashingVectorizer`` computes them, about twice as fast.

The fast models' features (:mod:`antena.models.features`) are hashed word 1-2-grams and
``char_wb`` character n-grams; hashing them was most of those models' cost. Here:

* word tokens and bigrams are hashed with scikit-learn's own ``murmurhash3_32`` (what its
  ``FeatureHasher`` calls), mapped over a whole batch at once;
* a whitespace word's character n-grams depend on that word alone, and words repeat, so the
  columns of each word's n-grams are memoised (a word not seen before is sliced and hashed once);
* the repeats of each row are counted at once, over one sorted array of ``row * n_features +
  column`` keys, which gives the canonical CSR matrix (sorted columns, no repeats).

The result equals the vectorizers' matrix exactly (``tests/test_feature_hashing.py``).
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import chain, pairwise

import numpy as np
import scipy.sparse as sp
from sklearn.utils import murmurhash3_32

MEMO_LIMIT = 300_000  # words whose n-gram columns are kept (about 100 MB at most); then it starts again


def columns(names: Iterable[str], n_features: int) -> np.ndarray:
    """The column scikit-learn's ``FeatureHasher`` gives each name (signed murmurhash3, seed 0).

    ``abs(h) % n_features``; scikit-learn special-cases ``h = -2**31`` to a value that equals
    ``2**31 % n_features``, which is what int64 ``abs`` gives here.
    """
    hashes = np.fromiter(map(murmurhash3_32, names), dtype=np.int64)
    return np.abs(hashes) % n_features


class CharColumns:
    """Word -> the columns of its ``char_wb`` n-grams (the word padded with one space each side)."""

    def __init__(self, n_features: int, char_min: int, char_max: int) -> None:
        self.n_features, self.char_min, self.char_max = n_features, char_min, char_max
        self.memo: dict[str, np.ndarray] = {}

    def ngrams(self, word: str) -> list[str]:
        """The n-grams of one whitespace word, as scikit-learn's ``_char_wb_ngrams`` lists them."""
        return self._ngrams_of([f" {word} "])

    def _ngrams_of(self, padded: list[str]) -> list[str]:
        # n from char_min up to the padded length (capped at char_max): size - n + 1 n-grams each;
        # a word shorter than char_min gives one, itself, as scikit-learn does
        lo, hi = self.char_min, self.char_max
        return [p[i:i + n] for p in padded for n in range(lo, min(hi, max(lo, len(p))) + 1)
                for i in range(max(1, len(p) - n + 1))]

    def learn(self, words: set[str]) -> None:
        """Hash the n-grams of the words the memo lacks."""
        new = list(words.difference(self.memo))
        if not new:
            return
        if len(self.memo) + len(new) > MEMO_LIMIT:  # start again rather than grow without bound
            self.memo.clear()
            new = list(words)
        padded = [f" {w} " for w in new]
        flat = columns(self._ngrams_of(padded), self.n_features)
        sizes = np.fromiter(map(len, padded), dtype=np.int64, count=len(padded))
        counts = np.zeros(len(padded), dtype=np.int64)
        for n in range(self.char_min, self.char_max + 1):  # how many n-grams of each size each word has
            longest = np.minimum(self.char_max, np.maximum(self.char_min, sizes))
            counts += np.where(n <= longest, np.maximum(1, sizes - n + 1), 0)
        self.memo.update(zip(new, np.split(flat, np.cumsum(counts)[:-1]), strict=True))


_CHARS: dict[tuple[int, int, int], CharColumns] = {}


def char_columns(n_features: int, char_min: int, char_max: int) -> CharColumns:
    key = (n_features, char_min, char_max)
    found = _CHARS.get(key)
    if found is None:
        found = _CHARS.setdefault(key, CharColumns(n_features, char_min, char_max))
    return found


def hashed_counts(chars: CharColumns, token_lists: list[list[str]], texts: list[str]) -> sp.csr_matrix:
    """Counts of (word tokens and their bigrams) + (character n-grams of ``texts``' whitespace words).

    Row i counts ``token_lists[i]``, its consecutive pairs joined by a space, and the ``char_wb``
    n-grams of ``texts[i]``: float64 counts in canonical CSR.
    """
    n, width = len(texts), chars.n_features
    word_lists = [t.split() for t in texts]
    chars.learn(set(chain.from_iterable(word_lists)))
    tok_cols = columns(chain.from_iterable(token_lists), width)
    pair_cols = columns((f"{a} {b}" for toks in token_lists for a, b in pairwise(toks)), width)
    parts = list(map(chars.memo.__getitem__, chain.from_iterable(word_lists)))
    char_cols = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
    n_toks = np.fromiter(map(len, token_lists), dtype=np.int64, count=n)
    part_ends = np.zeros(len(parts) + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, parts), dtype=np.int64, count=len(parts)), out=part_ends[1:])
    word_bounds = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, word_lists), dtype=np.int64, count=n), out=word_bounds[1:])
    offsets = np.arange(n, dtype=np.int64) * width  # a row's keys are row * n_features + column
    keys = np.concatenate([tok_cols, pair_cols, char_cols])
    keys += np.repeat(np.concatenate([offsets, offsets, offsets]),
                      np.concatenate([n_toks, np.maximum(n_toks - 1, 0), np.diff(part_ends[word_bounds])]))
    keys.sort()
    first = np.empty(keys.size, dtype=bool)
    first[:1] = True
    np.not_equal(keys[1:], keys[:-1], out=first[1:])
    starts = np.flatnonzero(first)
    unique = keys[starts]
    counts = np.diff(starts, append=keys.size).astype(np.float64)
    indptr = np.searchsorted(unique, np.arange(n + 1, dtype=np.int64) * width)
    cols = (unique - np.repeat(offsets, np.diff(indptr))).astype(np.int32)
    return sp.csr_matrix((counts, cols, indptr), shape=(n, width))
