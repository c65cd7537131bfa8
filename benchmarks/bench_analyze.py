"""Analysis benchmark: each analyser alone and the whole pipeline end to end, on the demo corpus.

    .venv/bin/python benchmarks/bench_analyze.py --scale 0.15 --write-docs

Steps, in a work folder:

1. generate the demo corpus (``antena demo``'s generator; scale 1 = about 127,000 posts) and import
   it into a fresh project with ``Project.import_files``; keep a copy of the unanalysed database;
2. ``pipeline``: ``Project.analyze`` on the project's configured pipeline (analysers not installed
   are dropped and named), end to end: reading posts from DuckDB, every analyser, storing results,
   models loaded lazily inside the timing as in a real ``antena analyze`` run;
3. ``alone``: each analyser over the same 2,000-post batches, fed the columns the analysers before
   it add (computed once, untimed), models already loaded;
4. with ``--train`` (default on), the topic tagger is trained on demo labels (``antena topics
   train``'s code, 2,000 examples) and steps 2-3 are repeated for the pipeline and ``topics``.

Throughput is posts per second of wall time and per CPU second (user + system of this process,
DuckDB's threads included; steadier on a shared machine). The process is pinned to at most 2 cores.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import os
import random
import shutil
import sys
import time
from pathlib import Path
from typing import Any

import psutil
from machine import machine

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs" / "benchmarks.md"
START, END = "<!-- bench_analyze:start -->", "<!-- bench_analyze:end -->"
TARGET = 1000  # posts/s, whole pipeline (issue)


class Clock:
    """Wall and CPU seconds (user + system of the whole process) of a block."""

    def __enter__(self) -> Clock:
        self._proc = psutil.Process()
        self._cpu = sum(self._proc.cpu_times()[:2])
        self._wall = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self._wall
        self.cpu = sum(self._proc.cpu_times()[:2]) - self._cpu


def pin_two_cores() -> int:
    cpus = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    if len(cpus) > 2:
        os.sched_setaffinity(0, cpus[:2])
    return min(2, len(cpus)) if cpus else psutil.cpu_count() or 1


def build_project(workdir: Path, scale: float, seed: int) -> tuple[Path, Path, dict[str, Any]]:
    """Generate the corpus and import it; returns the project, the corpus folder and counts."""
    from antena.demo import Scenario, generate
    from antena.project import Project

    corpus_dir, project_dir = workdir / "corpus", workdir / "project"
    shutil.rmtree(corpus_dir, ignore_errors=True)
    shutil.rmtree(project_dir, ignore_errors=True)
    corpus = generate(corpus_dir, Scenario(scale=scale, seed=seed))
    with Project.init(project_dir, name="bench-analyze") as project:
        with Clock() as clock:
            total, _ = project.import_files([corpus.exports])
        posts = project.count()
    return project_dir, corpus_dir, {"records": total.read, "posts": posts, "import_seconds": clock.wall}


def usable_pipeline(project_dir: Path) -> tuple[list[str], list[str]]:
    """The configured analysers that are installed (written back to antena.toml) and the missing ones."""
    import tomlkit

    from antena import registry
    from antena.config import load_config, update_config
    from antena.engine.pipeline import DEFAULT_ANALYSERS

    names = load_config(project_dir).get("pipeline", {}).get("analysers", DEFAULT_ANALYSERS)
    available = registry.analysers()
    usable = [n for n in names if n in available]
    missing = [n for n in names if n not in available]
    if missing:
        def drop(doc: Any) -> None:
            doc["pipeline"]["analysers"] = tomlkit.array(usable)
        update_config(project_dir, drop)
    return usable, missing


def fresh_copy(project_dir: Path, pristine_db: Path, name: str) -> Path:
    """A copy of the project with the unanalysed database (and the trained model, if any)."""
    target = project_dir.parent / name
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(project_dir, target, ignore=shutil.ignore_patterns("antena.duckdb*"))
    shutil.copy2(pristine_db, target / "antena.duckdb")
    return target


def end_to_end(folder: Path) -> dict[str, Any]:
    from antena.project import Project

    with Project(folder) as project, Clock() as clock:
        report = project.analyze()
    return {"posts": report.analysed, "wall": clock.wall, "cpu": clock.cpu, "analysers": report.analysers}


def forget_shared_features() -> None:
    """Empty the feature memo the model analysers share, so each one alone pays its own features."""
    try:
        from antena.models import features
    except ImportError:
        return
    cache = getattr(features, "_CACHE", None)
    if cache is not None:
        cache.clear()


def warm_up(folder: Path) -> None:
    """Import every analyser's modules once (a real run pays this once per process, a few seconds)."""
    import pyarrow as pa

    from antena.engine.pipeline import run_chain
    from antena.project import Project
    from antena.schema import POST_SCHEMA

    row = {"post_id": "x:0", "platform": "x", "native_id": "0", "kind": "post", "text": "Roban a un niño #AlertaAmber"}
    with Project(folder, read_only=True) as project:
        run_chain(project.pipeline(), pa.RecordBatch.from_pylist([row], schema=POST_SCHEMA))


def analysers_alone(folder: Path) -> dict[str, dict[str, Any]]:
    """Each analyser timed over the same batches, given the columns earlier analysers add."""
    from antena.engine.local import iter_todo_batches, prepare_todo
    from antena.project import Project

    with Project(folder) as project:
        chain = project.pipeline()
        todo, _ = prepare_todo(project.con, chain)
        batches = [batch for batch, _ in iter_todo_batches(project.con, chain)]
    inputs: dict[str, list[Any]] = {a.name: [] for a in chain}
    for batch in batches:  # untimed: build each analyser's input (also loads models)
        current = batch
        for analyser in chain:
            inputs[analyser.name].append(current)
            out = analyser(current)
            for field in out.schema:
                if field.name == "post_id":
                    continue
                column = out.column(field.name)
                if field.name in current.schema.names:
                    current = current.set_column(current.schema.get_field_index(field.name), field, column)
                else:
                    current = current.append_column(field, column)
    results = {}
    for analyser in chain:
        forget_shared_features()
        with Clock() as clock:
            for batch in inputs[analyser.name]:
                analyser(batch)
        results[analyser.name] = {"posts": todo, "wall": clock.wall, "cpu": clock.cpu, "version": str(analyser.version)}
    return results


def train_tagger(project_dir: Path, corpus_dir: Path, n: int = 2000) -> dict[str, Any]:
    """Write a labels CSV from the demo's labels and train the tagger as `antena topics train` does."""
    from antena.nlp.topic_tagger import read_labels, save, train
    from antena.project import Project

    truth = {}
    with gzip.open(corpus_dir / "demo_labels.jsonl.gz", "rt", encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            truth[row["post_id"]] = row.get("topic") or "none"
    with Project(project_dir, read_only=True) as project:
        rows = project.con.execute(
            "SELECT post_id, text FROM posts WHERE text IS NOT NULL AND kind <> 'repost' ORDER BY post_id").fetchall()
        topic_ids = [t["id"] for t in project.config.get("topics", [])]
    random.Random(0).shuffle(rows)
    labels = project_dir.parent / "labels.csv"
    with labels.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "topic"])
        writer.writerows([(text, truth[pid]) for pid, text in rows if pid in truth][:n])
    with Clock() as clock:
        examples = read_labels(labels, topic_ids)
        arrays, meta = train(examples, topic_ids)
        save(project_dir, arrays, meta)
    return {"examples": meta["examples"], "wall": clock.wall, "cpu": clock.cpu, "mean_cv_f1": meta["mean_cv_f1"]}


def rate(posts: int, seconds: float) -> str:
    return f"{posts / seconds:,.0f}" if seconds > 0 else "-"


def markdown(result: dict[str, Any], info: dict[str, Any], command: str) -> str:
    pipe = result["pipeline"]
    lines = [
        START,
        "## Analysis",
        "",
        f"`antena analyze` on the demo corpus (scale {result['scale']:g}: {result['posts']:,} posts) with the default "
        "pipeline. *Pipeline* rows are `Project.analyze` end to end: posts read from DuckDB in 2,000-post batches, "
        "every analyser, results stored, models loaded inside the timing (Python modules imported before). *Alone* rows time one analyser over the "
        "same batches, fed the columns the analysers before it add, models already loaded. CPU s is user + system "
        "time of the process (steadier than wall time on a shared machine). Pinned to 2 cores.",
        "",
        f"Machine: {info['cpu']}, {info['cores']} cores, {info['ram_gib']} GiB RAM; {info['os']}; Python {info['python']}; "
        f"commit {info['commit']}; {info['date']}; load average {info['load']} when it started (other engineers' jobs), "
        "so wall figures are indicative.",
        "",
        f"Command: `{command}`",
        "",
        "| what | version | posts | wall s | CPU s | posts/s (wall) | posts per CPU s | share of the analysers' CPU |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    total_cpu = sum(r["cpu"] for r in result["alone"].values()) or 1.0
    for name, r in result["alone"].items():
        lines.append(f"| {name} alone | {r['version']} | {r['posts']:,} | {r['wall']:.2f} | {r['cpu']:.2f} | "
                     f"{rate(r['posts'], r['wall'])} | {rate(r['posts'], r['cpu'])} | {r['cpu'] / total_cpu:.0%} |")
    lines.append(f"| **pipeline end to end** ({len(pipe['analysers'])} analysers) | | {pipe['posts']:,} | {pipe['wall']:.1f} | "
                 f"{pipe['cpu']:.1f} | **{rate(pipe['posts'], pipe['wall'])}** | {rate(pipe['posts'], pipe['cpu'])} | |")
    if result.get("tagger"):
        t, tp, ta = result["tagger"], result["pipeline_tagger"], result["topics_tagger"]
        lines.append(f"| topics alone, seeds + trained tagger | {ta['version']} | {ta['posts']:,} | {ta['wall']:.2f} | "
                     f"{ta['cpu']:.2f} | {rate(ta['posts'], ta['wall'])} | {rate(ta['posts'], ta['cpu'])} | |")
        lines.append(f"| **pipeline end to end, trained tagger** | | {tp['posts']:,} | {tp['wall']:.1f} | {tp['cpu']:.1f} | "
                     f"**{rate(tp['posts'], tp['wall'])}** | {rate(tp['posts'], tp['cpu'])} | |")
        lines.append(f"| `antena topics train` ({t['examples']:,} examples, 5-fold F1) | | {t['examples']:,} | "
                     f"{t['wall']:.1f} | {t['cpu']:.1f} | | | |")
    slowest = max(result["alone"].items(), key=lambda kv: kv[1]["cpu"])[0]
    verdict = "meets" if pipe["posts"] / pipe["wall"] >= TARGET else "misses"
    lines += ["", f"Slowest analyser: `{slowest}`. The whole pipeline {verdict} the target of {TARGET:,} posts/s (wall)."]
    if result["missing"]:
        lines.append(f"Not installed, so not measured: {', '.join(result['missing'])}.")
    lines += ["", END]
    return "\n".join(lines)


def write_docs(section: str) -> None:
    text = DOCS.read_text(encoding="utf-8") if DOCS.exists() else "# Benchmarks\n\nMeasured figures; each section names the command that produced it.\n\n"
    if START in text and END in text:
        head, rest = text.split(START, 1)
        text = head + section + rest.split(END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    DOCS.write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=0.15, help="demo scale (0.15 = about 19,000 posts)")
    parser.add_argument("--seed", type=int, default=2017)
    parser.add_argument("--workdir", type=Path, default=None, help="work folder (default: a temporary one, removed)")
    parser.add_argument("--no-train", dest="train", action="store_false", help="skip the trained-tagger rows")
    parser.add_argument("--write-docs", action="store_true", help=f"write the table into {DOCS.relative_to(ROOT)}")
    args = parser.parse_args()
    cores = pin_two_cores()
    import tempfile

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="bench-analyze-"))
    workdir.mkdir(parents=True, exist_ok=True)
    info = machine()
    print(f"generating and importing scale {args.scale:g} in {workdir} ({cores} cores) ...", file=sys.stderr, flush=True)
    project_dir, corpus_dir, counts = build_project(workdir, args.scale, args.seed)
    usable, missing = usable_pipeline(project_dir)
    pristine = workdir / "pristine.duckdb"
    shutil.copy2(project_dir / "antena.duckdb", pristine)
    result: dict[str, Any] = {"scale": args.scale, **counts, "pipeline_names": usable, "missing": missing}
    print(f"{counts['posts']:,} posts; pipeline {usable}; end to end ...", file=sys.stderr, flush=True)
    warm_up(project_dir)
    result["pipeline"] = end_to_end(fresh_copy(project_dir, pristine, "run-pipeline"))
    print("each analyser alone ...", file=sys.stderr, flush=True)
    result["alone"] = analysers_alone(fresh_copy(project_dir, pristine, "run-alone"))
    if args.train and "topics" in usable:
        print("training the topic tagger ...", file=sys.stderr, flush=True)
        result["tagger"] = train_tagger(project_dir, corpus_dir)
        result["pipeline_tagger"] = end_to_end(fresh_copy(project_dir, pristine, "run-pipeline-tagger"))
        result["topics_tagger"] = analysers_alone(fresh_copy(project_dir, pristine, "run-alone-tagger"))["topics"]
    command = "python benchmarks/bench_analyze.py " + " ".join(sys.argv[1:])
    section = markdown(result, info, command.strip())
    print(section)
    print(json.dumps({"machine": info, "result": result}, indent=2, default=str), file=sys.stderr)
    if args.write_docs:
        write_docs(section)
    if args.workdir is None:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
