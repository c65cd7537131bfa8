"""One conformance suite over every registered analyser (schema, determinism, hostile inputs)."""

from __future__ import annotations

import tomllib

import pyarrow as pa
import pytest

from antena import registry
from antena.config import default_config_text
from antena.engine.pipeline import DEFAULT_ANALYSERS, analyser_config, run_chain
from antena.schema import POST_SCHEMA

CONFIG = tomllib.loads(default_config_text("conformance"))
ANALYSERS = sorted(registry.analysers())

EDGE_TEXTS = {
    "spanish": "Roban a un niño en Tijuana, la PGR no hace nada #AlertaAmber @FGRMexico",
    "english": "Missing child in San Diego, police did nothing. Please share #AmberAlert",
    "empty": "",
    "null": None,
    "emoji_only": "😡😡😭🙏🏽❤️",
    "mixed": "Gracias a Niños Robados, thank you so much, la PGR no hizo nada but NGOs did",
    "huge": ("secuestro de niños y trata de personas " * 2700)[:100_000],
    "non_text": "\x00\x01 12345 <script>alert(1)</script> ' OR 1=1; DROP TABLE posts; --",
    "albanian": "Fëmijët e zhdukur në Shqipëri, trafikimi i qenieve njerëzore",
}


def make_batch(texts: list[str | None]) -> pa.RecordBatch:
    rows = [{"post_id": f"x:{i}", "platform": "x", "native_id": str(i), "kind": "post", "text": t,
             "lang": None, "hashtags": [], "mentions": []} for i, t in enumerate(texts)]
    return pa.RecordBatch.from_pylist(rows, schema=POST_SCHEMA)  # missing columns become null


def chain_until(name: str) -> list:
    """The default pipeline's analysers before ``name`` (its inputs), then ``name`` itself."""
    available = registry.analysers()
    order = [n for n in DEFAULT_ANALYSERS if n in available and n != name]
    before = order[: DEFAULT_ANALYSERS.index(name)] if name in DEFAULT_ANALYSERS else order
    names = [n for n in before if n in available] + [name]
    return [available[n](**analyser_config(n, CONFIG)) for n in names]


def run(name: str, texts: list[str | None]) -> pa.RecordBatch:
    chain = chain_until(name)
    return run_chain(chain, make_batch(texts))[name]


@pytest.mark.parametrize("name", ANALYSERS)
def test_declares_its_contract(name):
    cls = registry.analysers()[name]
    assert cls.name == name and cls.version and cls.assigns
    assert "post_id" in cls.requires
    assert not (set(cls.assigns) & set(POST_SCHEMA.names)), "must not overwrite post columns"
    cls()  # __init__ only stores parameters: constructing without config must work


@pytest.mark.parametrize("name", ANALYSERS)
def test_output_schema_rows_and_ids(name):
    texts = list(EDGE_TEXTS.values())
    out = run(name, texts)
    cls = registry.analysers()[name]
    assert out.schema == cls.output_schema()
    assert out.num_rows == len(texts)
    assert out.column("post_id").to_pylist() == [f"x:{i}" for i in range(len(texts))]


@pytest.mark.parametrize("name", ANALYSERS)
def test_deterministic(name):
    texts = list(EDGE_TEXTS.values())
    assert run(name, texts).to_pylist() == run(name, texts).to_pylist()


@pytest.mark.parametrize("name", ANALYSERS)
def test_empty_batch(name):
    out = run(name, [])
    assert out.num_rows == 0


@pytest.mark.parametrize("name", ANALYSERS)
@pytest.mark.parametrize("case", sorted(EDGE_TEXTS))
def test_edge_inputs_one_by_one(name, case):
    out = run(name, [EDGE_TEXTS[case]])
    assert out.num_rows == 1
