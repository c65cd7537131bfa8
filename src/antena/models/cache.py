"""Featurise each distinct text once: a bounded cache of hashed feature rows.

Retweets, copies and campaign templates repeat the same words many times. The fast models read
the normalised text (``features.normalise``: URLs, @users, numbers, laughter, elongations and case
folded) and a language token; turning that into hashed n-gram counts is most of their cost (about
0.12 ms of 0.13 ms a post). So rows are cached keyed by a 16-byte hash of (feature settings, which
are the features' version; language token; normalised text): two posts equal after normalisation
are featurised once, across batches and across the models that share the settings (sentiment and
emotion), and each model still applies its own weights. The English head's VADER scores read the
raw text and are not cached. ``hits``/``misses`` count rows.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict

import numpy as np
import scipy.sparse as sp

MAX_ENTRIES = 200_000
MAX_BYTES = 48 * 2**20  # a post's row is ~260 non-zeros: ~2.5 kB with Python's overheads, ~20k rows
ENTRY_OVERHEAD = 400  # bytes besides the two arrays' data: key, tuple, array headers, dict node


class FeatureRowCache:
    """Least-recently-used map from a text key to one sparse row (indices, data), bounded both in
    entries and in bytes (the arrays' data plus ``ENTRY_OVERHEAD`` each)."""

    def __init__(self, max_entries: int = MAX_ENTRIES, max_bytes: int = MAX_BYTES) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.bytes = 0
        self._rows: OrderedDict[bytes, tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    @staticmethod
    def key(settings: tuple, lang: str, normalised: str) -> bytes:
        return hashlib.blake2b(f"{settings}\x00{lang}\x00{normalised}".encode(), digest_size=16).digest()

    def rows(self, keys: list[bytes], n_features: int, compute) -> sp.csr_matrix:  # noqa: ANN001 - a callable
        """The matrix of ``keys``' rows; ``compute(positions)`` featurises the missing ones (each
        distinct key once) and returns their CSR rows in that order."""
        with self._lock:
            found = [self._rows.get(k) for k in keys]
            for k, row in zip(keys, found, strict=True):
                if row is not None:
                    self._rows.move_to_end(k)
        first: dict[bytes, int] = {}
        for i, (k, row) in enumerate(zip(keys, found, strict=True)):
            if row is None and k not in first:
                first[k] = i
        fresh: dict[bytes, tuple[np.ndarray, np.ndarray]] = {}
        if first:
            matrix = compute(list(first.values())).tocsr()
            for j, k in enumerate(first):
                lo, hi = matrix.indptr[j], matrix.indptr[j + 1]
                fresh[k] = (matrix.indices[lo:hi].copy(), matrix.data[lo:hi].copy())
        with self._lock:
            for k, row in fresh.items():
                if k not in self._rows:
                    self.bytes += _size(row)
                self._rows[k] = row
            while self._rows and (len(self._rows) > self.max_entries or self.bytes > self.max_bytes):
                self.bytes -= _size(self._rows.popitem(last=False)[1])
            self.hits += len(keys) - len(first)
            self.misses += len(first)
        parts = [row if row is not None else fresh[k] for k, row in zip(keys, found, strict=True)]
        lengths = np.fromiter((len(p[0]) for p in parts), dtype=np.int64, count=len(parts))
        indptr = np.zeros(len(parts) + 1, dtype=np.int64)
        np.cumsum(lengths, out=indptr[1:])
        indices = np.concatenate([p[0] for p in parts]) if parts else np.zeros(0, np.int32)
        data = np.concatenate([p[1] for p in parts]) if parts else np.zeros(0, np.float32)
        return sp.csr_matrix((data, indices, indptr), shape=(len(parts), n_features))

    @property
    def hit_rate(self) -> float:
        total = self.hits + self.misses
        return self.hits / total if total else 0.0

    def clear(self) -> None:
        with self._lock:
            self._rows.clear()
            self.bytes = 0
            self.hits = self.misses = 0

    def __len__(self) -> int:
        return len(self._rows)


def _size(row: tuple[np.ndarray, np.ndarray]) -> int:
    return row[0].nbytes + row[1].nbytes + ENTRY_OVERHEAD
