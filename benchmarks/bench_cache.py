"""Hit rate and time saved by the fast models' prediction cache (antena.models.cache).

    .venv/bin/python benchmarks/bench_cache.py --project DIR [--project DIR2 ...] [--formats ../shared/formats]

Reads the live posts (text, language) of each project, or imports every file under ``--formats``
into a temporary project first, and scores them with the sentiment and emotion models in batches
of 2,000, as ``antena analyze`` does: once with the feature-row cache (fresh) and once without.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from antena.models import TextClassifier, features, model_dir
from antena.project import Project


def posts(folder: Path) -> tuple[list[str], list[str | None]]:
    project = Project(folder, read_only=True)
    try:
        rows = project.con.execute("SELECT coalesce(text, ''), lang FROM live_posts ORDER BY created_at, post_id").fetchall()
    finally:
        project.close()
    return [r[0] for r in rows], [r[1] for r in rows]


def imported(formats: Path) -> Path:
    folder = Path(tempfile.mkdtemp()) / "formats"
    project = Project.init(folder, name="formats")
    try:
        project.import_files([formats])
    finally:
        project.close()
    return folder


def run(texts: list[str], langs: list[str | None], batch: int = 2000) -> dict[str, float]:
    """Sentiment then emotion on each batch (as ``antena analyze``), with the row cache and without."""
    out: dict[str, float] = {"posts": len(texts)}
    models = [TextClassifier.load(model_dir(task)) for task in ("sentiment", "emotion")]
    plain_rows = features.ROW_CACHE.rows
    models[0].predict_proba(texts[:50], langs[:50])  # warm up: vectorizers, VADER
    for cached in (False, True, False, True):
        features._CACHE.clear()
        features.ROW_CACHE.clear()
        if not cached:  # every row featurised, as before the cache
            features.ROW_CACHE.rows = lambda keys, n, compute: compute(list(range(len(keys)))).tocsr()
        started = time.process_time()
        try:
            for i in range(0, len(texts), batch):
                for model in models:
                    model.predict_proba(texts[i:i + batch], langs[i:i + batch])
        finally:
            features.ROW_CACHE.rows = plain_rows
        name = "cached_cpu_s" if cached else "uncached_cpu_s"
        out[name] = min(out.get(name, 1e9), round(time.process_time() - started, 2))  # best of two
        if cached:
            out["row_hit_rate"] = round(features.ROW_CACHE.hit_rate, 4)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--project", type=Path, action="append", default=[])
    parser.add_argument("--formats", type=Path)
    args = parser.parse_args()
    folders = list(args.project) + ([imported(args.formats)] if args.formats else [])
    for folder in folders:
        texts, langs = posts(folder)
        print(json.dumps({"source": str(folder), **run(texts, langs)}))


if __name__ == "__main__":
    main()
