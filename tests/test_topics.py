"""Topics: training the tagger from a CSV, re-analysis on retraining, and topic discovery."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from antena.analytics.discovery import discover
from antena.project import Project

RULES = '["normalise", "relevance", "topics"]'

# Organ trafficking phrased without any of the topic's seeds (órganos, tráfico de órganos, ...).
KIDNEY_POST = "En Puebla hallaron a un menor al que le quitaron un riñón, lo dejaron en la carretera"
UNRELATED = "Hoy juega el América contra Chivas en el estadio, vamos con todo"
CITIES = ["Puebla", "Tijuana", "Oaxaca", "Mérida", "León", "Toluca", "Morelia", "Cancún", "Monterrey", "Durango"]


def use_rules_only(folder: Path) -> None:
    path = folder / "antena.toml"
    text = path.read_text(encoding="utf-8")
    start = text.index("analysers = [")
    end = text.index("]", start) + 1
    path.write_text(text[:start] + "analysers = " + RULES + text[end:], encoding="utf-8")


def write_x_page(path: Path, texts: list[str], start_id: int = 1) -> Path:
    """One X API v2 search page (as twarc2 writes it) holding ``texts``."""
    data, users = [], []
    for i, text in enumerate(texts):
        tweet_id = str(1_950_000_000_000_000_000 + start_id + i)
        user_id = str(500 + (start_id + i) % 40)
        data.append({"id": tweet_id, "text": text, "author_id": user_id, "lang": "es",
                     "created_at": f"2017-03-{1 + i % 28:02d}T12:{i % 60:02d}:00.000Z",
                     "edit_history_tweet_ids": [tweet_id]})
        users.append({"id": user_id, "username": f"persona{user_id}", "name": f"Persona {user_id}"})
    unique_users = list({u["id"]: u for u in users}.values())
    page = {"data": data, "includes": {"users": unique_users},
            "meta": {"result_count": len(data), "newest_id": data[0]["id"], "oldest_id": data[-1]["id"]}}
    path.write_text(json.dumps(page, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def write_csv(path: Path, rows: list[tuple[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "topic"])
        writer.writerows(rows)
    return path


def labelled_rows() -> list[tuple[str, str]]:
    rows = []
    for city in CITIES:
        rows.append((f"En {city} le quitaron un riñón a un niño y lo abandonaron", "organ_trafficking"))
        rows.append((f"Encontraron a una niña en {city} sin un riñón, se lo quitaron unos hombres", "organ_trafficking"))
        rows.append((f"Se robaron a un bebé en el mercado de {city}", "kidnapping"))
        rows.append((f"Buscan a un niño desaparecido en {city} desde el lunes", "kidnapping"))
        rows.append((f"Obligan a niños a trabajar en los campos de {city}", "labour_exploitation"))
        rows.append((f"La policía de {city} no hace nada, pura corrupción", "criticism_authorities"))
        rows.append((f"Qué rico estuvo el partido en {city} ayer", "none"))
        rows.append((f"Hay tráfico en la avenida principal de {city}", "none"))
    rows.append(("Se robaron a un bebé en el mercado de Puebla", "criticism_authorities"))  # a second topic
    return rows


def flat(output: str) -> str:
    """CLI output with the console's line wrapping undone."""
    return " ".join(output.split())


def topics_of(folder: Path) -> dict[str, list[str]]:
    with Project(folder, read_only=True) as project:
        rows = project.analysis().select(["text", "topics"]).to_pylist()
    return {r["text"]: r["topics"] for r in rows}


def organ_score(folder: Path) -> float:
    with Project(folder, read_only=True) as project:
        rows = project.analysis().select(["text", "topic_scores"]).to_pylist()
    scores = {r["text"]: {s["topic"]: s["score"] for s in r["topic_scores"] or []} for r in rows}
    return scores[KIDNEY_POST].get("organ_trafficking", 0.0)


def own_topics(folder: Path) -> None:
    """Give the project topic ids of its own: the relevance model's topic heads then do not apply."""
    path = folder / "antena.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('id = "', 'id = "own_'), encoding="utf-8")


def test_training_teaches_a_phrasing_no_seed_covers(cli, project_dir, tmp_path):
    use_rules_only(project_dir)
    cli("import", project_dir, write_x_page(tmp_path / "page.jsonl", [KIDNEY_POST, UNRELATED]))
    cli.json("analyze", project_dir)
    before = organ_score(project_dir)

    labels = write_csv(tmp_path / "labels.csv", labelled_rows())
    meta = cli.json("topics", "train", project_dir, "--from", labels)
    assert meta["topics"]["organ_trafficking"]["examples"] == 20
    assert meta["topics"]["kidnapping"]["cv_f1"] is not None
    assert meta["examples"] == 80  # the repeated text is one example with two topics
    assert (project_dir / ".antena" / "models" / "topics" / "meta.json").exists()

    cli.json("analyze", project_dir)
    after = topics_of(project_dir)
    assert "organ_trafficking" in after[KIDNEY_POST] and organ_score(project_dir) > before
    assert after[UNRELATED] == []


def test_bad_csv_line_is_reported_with_its_number(cli, project_dir, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text('text,topic\n"Roban a un niño,\nen dos líneas",kidnapping\nSe llevaron a una niña,kidnapping\n'
                   "Extraterrestres en Puebla,aliens\n", encoding="utf-8")
    result = cli("topics", "train", project_dir, "--from", bad, expect=2)
    assert "bad.csv:5" in flat(result.output) and "aliens" in result.output
    assert "kidnapping" in result.output  # the message lists the valid topic ids
    assert not (project_dir / ".antena" / "models" / "topics" / "model.npz").exists()

    headless = write_csv(tmp_path / "headless.csv", [])
    headless.write_text("post,label\nhola,kidnapping\n", encoding="utf-8")
    assert "`text` and `topic`" in flat(cli("topics", "train", project_dir, "--from", headless, expect=2).output)


def test_retraining_reanalyses_every_post(cli, project_dir, tmp_path):
    use_rules_only(project_dir)
    texts = [KIDNEY_POST, UNRELATED, "Roban a un niño en Tijuana #AlertaAmber"]
    cli("import", project_dir, write_x_page(tmp_path / "page.jsonl", texts))
    assert cli.json("analyze", project_dir)["analysed"] == 3
    assert cli.json("analyze", project_dir)["analysed"] == 0

    rows = labelled_rows()
    cli.json("topics", "train", project_dir, "--from", write_csv(tmp_path / "a.csv", rows))
    assert cli.json("analyze", project_dir)["analysed"] == 3
    assert cli.json("analyze", project_dir)["analysed"] == 0
    with Project(project_dir, read_only=True) as project:
        first = project.con.execute("SELECT DISTINCT version FROM ann_topics").fetchall()
    assert len(first) == 1 and first[0][0].startswith("3+")

    cli.json("topics", "train", project_dir, "--from", write_csv(tmp_path / "b.csv", rows[:-3]))
    assert cli.json("analyze", project_dir)["analysed"] == 3
    with Project(project_dir, read_only=True) as project:
        second = project.con.execute("SELECT DISTINCT version FROM ann_topics").fetchall()
    assert len(second) == 1 and second != first


def planted_corpus() -> list[str]:
    """Relevant posts: a planted new theme (baby sales), a second untagged theme, and tagged posts."""
    texts = []
    for i, city in enumerate(CITIES * 3):
        texts.append(f"Venta ilegal de bebés en grupos de Facebook de {city}: ofrecen recién nacidos por "
                     f"{40 + i} mil pesos, informes al 55 {1000 + i} {5000 + i} @vendedor{i}")
    for city in CITIES * 2:
        texts.append(f"Abusan de menores en un albergue de {city}, las cuidadoras golpeaban a los niños")
    for city in CITIES * 2:
        texts.append(f"Roban a un niño en {city} #AlertaAmber")
    return texts


def test_discovery_finds_a_planted_theme(cli, project_dir, tmp_path):
    use_rules_only(project_dir)
    own_topics(project_dir)  # seeds only, so which posts lack a topic is known
    assert "antena analyze" in flat(cli("topics", "discover", project_dir, expect=2).output)
    cli("import", project_dir, write_x_page(tmp_path / "page.jsonl", planted_corpus()))
    cli.json("analyze", project_dir)

    result = cli.json("topics", "discover", project_dir, "--min-size", "5")
    assert result["candidates"] == 50 and result["relevant"] == 70 and not result["sampled"]
    sales = [t for t in result["themes"] if {"bebes", "venta", "nacidos"} & set(t["keywords"])]
    assert len(sales) == 1, result["themes"]
    theme = sales[0]
    assert theme["size"] == 30
    assert not {"de", "en", "por", "los", "las", "al"} & {w for p in theme["phrases"] for w in p.split()}
    assert len(theme["examples"]) == 3
    shown = " ".join(e["text"] for e in theme["examples"])
    assert "Venta ilegal" in shown and "[phone]" in shown and "@vendedor" not in shown
    assert all(e["author"] and "persona" not in e["author"] for e in theme["examples"])
    assert not any("AlertaAmber" in e["text"] for t in result["themes"] for e in t["examples"])

    human = cli("topics", "discover", project_dir)
    assert "keywords:" in human.output and "50 of 70 relevant posts" in flat(human.output)

    with Project(project_dir, read_only=True) as project:  # the Python function the report uses
        sampled = discover(project.store, k=2, max_posts=20)
    assert sampled.sampled and sampled.clustered == 20 and sampled.candidates == 50
