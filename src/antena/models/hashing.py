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

MEMO_LIMIT = 300_000  # words whose n-gram columns are kept (about 100 MB at most); then it starts again


def columns(names: Iterable[str], n_features: int) -> np.ndarray:
    """The column scikit-learn's ``FeatureHasher`` gives each name (signed murmurhash3, seed 0).

    ``abs(h) % n_features``; scikit-learn special-cases ``h = -2**31`` to a value that equals
    ``2**31 % n_features``, which is what int64 ``abs`` gives here.
    """
    # imported here: scikit-learn costs ~1 CPU s to import, and a Spark driver never hashes
    from sklearn.utils import murmurhash3_32

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
        """Hash the n-grams of the words the memo lacks (ASCII words all at once, in numpy)."""
        new = list(words.difference(self.memo))
        if not new:
            return
        if len(self.memo) + len(new) > MEMO_LIMIT:  # start again rather than grow without bound
            self.memo.clear()
            new = list(words)
        plain = [w for w in new if w.isascii()]
        if plain:
            self.memo.update(zip(plain, self._ascii_columns(plain), strict=True))
        other = [w for w in new if not w.isascii()]
        if other:
            padded = [f" {w} " for w in other]
            flat = columns(self._ngrams_of(padded), self.n_features)
            self.memo.update(zip(other, np.split(flat, np.cumsum(self._counts(padded))[:-1]), strict=True))

    def _counts(self, padded: list[str]) -> np.ndarray:
        """How many n-grams each padded word has (as :meth:`_ngrams_of` lists them)."""
        sizes = np.fromiter(map(len, padded), dtype=np.int64, count=len(padded))
        counts = np.zeros(len(padded), dtype=np.int64)
        longest = np.minimum(self.char_max, np.maximum(self.char_min, sizes))
        for n in range(self.char_min, self.char_max + 1):
            counts += np.where(n <= longest, np.maximum(1, sizes - n + 1), 0)
        return counts

    def _ascii_columns(self, words: list[str]) -> list[np.ndarray]:
        """The n-gram columns of ASCII words (one byte a character), hashed in numpy."""
        buffer = np.frombuffer("".join(f" {w} " for w in words).encode("ascii"), dtype=np.uint8)
        sizes = np.fromiter(map(len, words), dtype=np.int64, count=len(words)) + 2
        offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        longest = np.minimum(self.char_max, np.maximum(self.char_min, sizes))
        owners, cols = [], []
        for n in range(self.char_min, self.char_max + 1):
            for short in (True, False):  # a word shorter than n gives one n-gram: itself
                chosen = np.flatnonzero((n <= longest) & ((sizes < n) if short else (sizes >= n)))
                if not chosen.size:
                    continue
                if short:
                    for size in np.unique(sizes[chosen]):
                        group = chosen[sizes[chosen] == size]
                        owners.append(group)
                        cols.append(_murmur_columns(buffer, offsets[group], int(size), self.n_features))
                    continue
                counts = sizes[chosen] - n + 1
                ends = np.cumsum(counts)
                within = np.arange(ends[-1]) - np.repeat(ends - counts, counts)
                owners.append(np.repeat(chosen, counts))
                cols.append(_murmur_columns(buffer, np.repeat(offsets[chosen], counts) + within, n, self.n_features))
        owner = np.concatenate(owners)
        order = np.argsort(owner, kind="stable")
        split = np.cumsum(np.bincount(owner, minlength=len(words)))[:-1]
        return np.split(np.concatenate(cols)[order], split)


_C1, _C2 = np.uint32(0xCC9E2D51), np.uint32(0x1B873593)


def _rotl(x: np.ndarray, r: int) -> np.ndarray:
    return (x << np.uint32(r)) | (x >> np.uint32(32 - r))


def _murmur_columns(buffer: np.ndarray, starts: np.ndarray, length: int, n_features: int) -> np.ndarray:
    """Columns of the byte strings ``buffer[start:start + length]``: murmurhash3_x86_32 (seed 0),
    the same arithmetic as scikit-learn's, on uint32 arrays."""
    data = buffer[starts[:, None] + np.arange(length)].astype(np.uint32)
    h = np.zeros(len(starts), dtype=np.uint32)
    with np.errstate(over="ignore"):
        for b in range(length // 4):
            k = data[:, 4 * b] | (data[:, 4 * b + 1] << 8) | (data[:, 4 * b + 2] << 16) | (data[:, 4 * b + 3] << 24)
            h ^= _rotl(k * _C1, 15) * _C2
            h = _rotl(h, 13) * np.uint32(5) + np.uint32(0xE6546B64)
        if length % 4:
            k = np.zeros(len(starts), dtype=np.uint32)
            for j in range(length % 4 - 1, -1, -1):
                k = (k << np.uint32(8)) | data[:, 4 * (length // 4) + j]
            h ^= _rotl(k * _C1, 15) * _C2
        h ^= np.uint32(length)
        h ^= h >> np.uint32(16)
        h *= np.uint32(0x85EBCA6B)
        h ^= h >> np.uint32(13)
        h *= np.uint32(0xC2B2AE35)
        h ^= h >> np.uint32(16)
    return np.abs(h.view(np.int32).astype(np.int64)) % n_features


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
