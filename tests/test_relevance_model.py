"""The relevance and topic model, its reference labels, and the analyst's labels in a project."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from antena.models import corpus, relevance_model, train_relevance
from antena.nlp.textutil import TermMatcher, fold, tokens
from antena.project import Project
from antena.store import labels as label_store

from .conftest import ROOT, shared_path

LABELS = ROOT / "labels" / "relevance"
TOPIC_IDS = set(train_relevance.TOPICS)


def _rows(name: str) -> list[dict[str, str]]:
    with (LABELS / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))


@pytest.mark.parametrize("name", ["train.tsv", "dev.tsv"])
def test_reference_labels_are_references_not_texts(name):
    rows = _rows(name)
    assert list(rows[0]) == ["file", "line", "sha", "lang", "relevant", "topic", "note"]
    for row in rows:
        assert row["relevant"] in ("0", "1"), row
        if row["relevant"] == "1":
            assert row["topic"] in TOPIC_IDS, row
        else:
            assert row["topic"] == "", row
        assert len(row["note"]) <= 100 and len(row["sha"]) == 10


def test_dev_and_train_do_not_overlap():
    train = {(r["file"], r["line"]) for r in _rows("train.tsv")}
    dev = {(r["file"], r["line"]) for r in _rows("dev.tsv")}
    assert not train & dev
    shas = {r["sha"] for r in _rows("train.tsv")} & {r["sha"] for r in _rows("dev.tsv")}
    assert not shas, "the same text may not be in both splits"


def test_every_reference_points_at_its_text():
    root = shared_path("data")
    for name in ("train.tsv", "dev.tsv"):
        rows, problems = train_relevance.read_references(LABELS / name, root)
        assert not problems, problems[:5]
        assert len(rows) == len(_rows(name))


def test_corpus_reads_each_format():
    root = shared_path("data")
    files = corpus.post_files(root)
    assert any(f.endswith(".jsonl") for f in files) and any(f.endswith(".tsv") for f in files)
    for rel in files:
        first = next(corpus.iter_file(rel, root), None)
        assert first is not None, rel
        assert corpus.read_post(rel, first.line, root) == first.text
    with pytest.raises(KeyError):
        corpus.read_post(files[0], 10**9, root)


def test_seeds_are_written_examples():
    seeds = train_relevance.read_seeds(LABELS / "seeds.tsv")
    assert len(seeds) >= 1000
    assert {s.topic for s in seeds if s.relevant} <= TOPIC_IDS
    assert len({s.lang for s in seeds}) >= 8


def test_packaged_model_loads_and_scores():
    model = relevance_model.load()
    assert model.topics == train_relevance.TOPICS
    rel, topics = model.scores(["", "hola"], ["es", "es"])
    assert rel.shape == (2,) and topics.shape == (2, len(model.topics))
    assert rel[0] == 0.0
    assert 0.0 < model.threshold < 1.0
    assert model.meta["validation"]["dev"]["n"] > 800


@pytest.mark.parametrize("text,lang", [
    ("Detienen a red de trata que explotaba sexualmente a menores en Puebla", "es"),
    ("#AlertaAmber Ayúdanos a localizar a Sofía, 6 años, vista por última vez en Ecatepec", "es"),
    ("Relatives of the 200 Nigerian schoolgirls kidnapped by Boko Haram march in Abuja", "en"),
    ("Polícia resgata crianças vítimas de tráfico de pessoas em São Paulo", "pt"),
])
def test_clear_cases_are_relevant_with_a_topic(text, lang):
    model = relevance_model.load()
    rel, probs = model.scores([text], [lang])
    assert rel[0] >= model.threshold, (text, rel[0])
    assert model.topic_lists(np.array([True]), probs)[0]


@pytest.mark.parametrize("text,lang", [
    ("El tráfico en el Periférico está imposible hoy", "es"),
    ("What am I missing?", "en"),
    ("La renta me cuesta un riñón", "es"),
])
def test_clear_look_alikes_are_not_relevant(text, lang):
    model = relevance_model.load()
    rel, _ = model.scores([text], [lang])
    assert rel[0] < model.threshold, (text, rel[0])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(max_size=300), min_size=1, max_size=8))
def test_scores_are_probabilities_and_batch_independent(texts):
    model = relevance_model.load()
    rel, probs = model.scores(texts, [None] * len(texts))
    assert np.all((rel >= 0) & (rel <= 1)) and np.all((probs >= 0) & (probs <= 1))
    alone = np.array([model.scores([t], [None])[0][0] for t in texts])
    assert np.allclose(rel, alone, atol=1e-5)


def test_concept_features_match_across_languages():
    names, _, _ = relevance_model.concept_lexicon()
    feats = relevance_model.concept_features(["secuestro de un niño", "sequestro de uma criança", "rapimento di un bambino"])
    col = names.index("abduction")
    assert np.all(feats[:, col] > 0)


def _labelled_project(tmp_path: Path) -> Project:
    project = Project.init(tmp_path / "p", name="labels")
    con = project.con
    texts = [(f"a:{i}", t) for i, t in enumerate([
        "Rescatan a 12 menores víctimas de trata en Chiapas", "Roban a bebé en hospital de Tlaxcala",
        "Buscan a niña desaparecida en Ecatepec #AlertaAmber", "Detienen a red de explotación laboral infantil",
        "Encuentran migrantes abandonados en un tráiler en Veracruz", "Vendían niños por internet, detienen a pareja",
    ] * 3 + ["Qué calor hace hoy en Monterrey", "El partido de ayer estuvo buenísimo", "Me encanta este café",
             "El tráfico en Insurgentes está horrible", "Mañana hay examen de mate", "Se me perdió el celular"] * 3)]
    for post_id, text in texts:
        con.execute("INSERT INTO posts (post_id, platform, native_id, kind, text, lang, deleted, withheld)"
                    " VALUES (?, 'x', ?, 'post', ?, 'es', false, false)", [post_id, post_id, text])
    return project


def test_label_store_keeps_newest_label_and_undo(tmp_path):
    project = _labelled_project(tmp_path)
    con = project.con
    label_store.add(con, "a:0", True, "kidnapping", "ana")
    label_store.add(con, "a:0", True, "sexual_exploitation", "ana")
    label_store.add(con, "a:1", False, "kidnapping", "ana")
    current = {lb.post_id: lb for lb in label_store.current(con)}
    assert current["a:0"].topic == "sexual_exploitation" and current["a:1"].topic is None
    assert label_store.undo(con, "ana") == "a:1"
    assert {lb.post_id for lb in label_store.current(con)} == {"a:0"}
    assert label_store.undo(con, "nobody") is None
    project.close()


def test_candidates_skip_labelled_and_deleted_posts(tmp_path):
    project = _labelled_project(tmp_path)
    con = project.con
    con.execute("UPDATE posts SET deleted = true WHERE post_id = 'a:2'")
    label_store.add(con, "a:3", True, "kidnapping", "ana")
    ids = [c["post_id"] for c in label_store.candidates(con, 100, 0.5)]
    assert "a:2" not in ids and "a:3" not in ids
    assert len(ids) == len(set(ids)) == 34
    project.close()


def test_label_cli_then_adapt_and_evaluate(cli, tmp_path):
    project = _labelled_project(tmp_path)
    folder = project.folder
    project.close()
    cli("analyze", folder)
    # r + topic number, n, u (undo the n), s, then quit
    out = cli.json("label", folder, "--limit", "5", "--labeller", "ana", input="r\n1\nn\nu\ns\nq\n")
    assert out["session"] == {"labelled": 2, "relevant": 1, "skipped": 1, "undone": 1}
    assert out["project"]["labelled"] == 1 and out["project"]["topics"] == {"kidnapping": 1}
    with Project(folder) as opened:
        rows = opened.con.execute("SELECT post_id, text FROM posts ORDER BY post_id").fetchall()
        for post_id, text in rows:
            relevant = not any(w in text for w in ("calor", "partido", "café", "tráfico", "examen", "celular"))
            label_store.add(opened.con, post_id, relevant, "kidnapping" if relevant else None, "ana")
    evaluation = cli.json("models", "eval", "--project", folder)
    assert evaluation["labels"] == 36 and evaluation["relevant"] == 18
    assert 0 <= evaluation["packaged"]["f1"] <= 1 and "adapted_cv" in evaluation
    assert evaluation["adapted_cv"]["recall_ci"][0] <= evaluation["adapted_cv"]["recall"] <= evaluation["adapted_cv"]["recall_ci"][1]
    trained = cli.json("models", "train", "relevance", "--project", folder)
    meta = json.loads((Path(trained["path"]) / "meta.json").read_text())
    assert meta["base"] and meta["labels"] == 36
    cli("analyze", folder)
    with Project(folder, read_only=True) as opened:
        version = opened.con.execute(
            "SELECT DISTINCT version FROM ann_relevance").fetchall()
        share = opened.con.execute(
            "SELECT avg(CASE WHEN relevant THEN 1 ELSE 0 END) FROM analysis").fetchone()[0]
    assert any("+" in v[0] for v in version), version
    assert 0.3 <= share <= 0.7


def test_label_cli_needs_enough_labels_to_adapt(cli, tmp_path):
    project = _labelled_project(tmp_path)
    folder = project.folder
    project.close()
    result = cli("models", "train", "relevance", "--project", folder, expect=2)
    assert "label at least" in result.output


TERMS = ["niño robado", "secuestr*", "trata de personas", "a*", "x y*", "#alertaamber", "b", "menor de edad",
         "tráfico", "trafico de organos"]
VOCAB = sorted({w for t in TERMS for w in tokens(fold(t.rstrip("*")))} | {"hola", "el", "de", "ab", "secuestrados",
                                                                         "bb", "x", "y", "yy", "menores"})


def _naive_find(terms: list[str], folded: str) -> set[str]:
    words, out = tokens(folded), set()
    for term in terms:
        parts = tokens(fold(term.strip().rstrip("*")))
        k = len(parts)
        for i in range(len(words) - k + 1):
            if term.strip().endswith("*"):
                if words[i:i + k - 1] == parts[:-1] and words[i + k - 1].startswith(parts[-1]):
                    out.add(term)
            elif words[i:i + k] == parts:
                out.add(term)
    return out


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(VOCAB), max_size=15))
def test_term_matcher_finds_exactly_what_a_naive_scan_finds(words):
    text = " ".join(words)
    assert TermMatcher(TERMS).find(text) == _naive_find(TERMS, text)


def test_a_saved_model_scores_as_it_did_in_memory(tmp_path):
    seeds = train_relevance.read_seeds(LABELS / "seeds.tsv")[::4]
    model = train_relevance.fit(seeds, threshold=0.5)
    model.save(tmp_path / "m")
    loaded = relevance_model.RelevanceModel.load(tmp_path / "m")
    texts = ["Rescatan a 12 menores víctimas de trata en Chiapas", "hoy llueve en Monterrey", "kidnapped girl found"]
    before, before_topics = model.scores(texts, [None] * 3)
    after, after_topics = loaded.scores(texts, [None] * 3)
    assert np.allclose(before, after, atol=1e-5) and np.allclose(before_topics, after_topics, atol=1e-5)
