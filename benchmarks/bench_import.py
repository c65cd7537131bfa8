"""Import benchmark: the demo corpus through ``Project.import_files`` against a plain DuckDB read.

    .venv/bin/python benchmarks/bench_import.py --scale 1 --scale 10 --write-docs

For each scale it generates the demo corpus (``antena demo``'s generator, scale 1 = 110,560
tweets + 3,560 Facebook + 760 Instagram posts + 76 live streams), then, each in a fresh
subprocess so peak memory is clean:

* ``import-x``: ``Project.import_files`` on the X files (twarc2 pages, gzipped JSONL), the import
  path chosen as ``antena import`` chooses it (``auto``: the vectorised path for these files);
* ``import-x-python``: the same with the per-record Python path forced (``path="python"``);
* ``import-all``: the same on every file of the corpus, into a fresh project;
* ``duckdb-x``: ``duckdb.read_json`` of the same X files, tweets unnested into a table: the floor
  of what reading this JSON can cost.

Throughput is records read per second of wall time and of CPU time (user + system of the
process, DuckDB's threads included; steadier on a shared machine); peak memory is the highest RSS
sampled every 20 ms. ``--profile`` runs the imports once more under pyinstrument (a dev tool:
``pip install pyinstrument``) and writes the profiles into the work folder.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import psutil
from machine import machine

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs" / "benchmarks.md"
START, END = "<!-- bench_import:start -->", "<!-- bench_import:end -->"


# --------------------------------------------------------------------- measuring (child side)


class PeakRSS:
    """Samples this process's resident memory in a thread; ``peak`` in bytes."""

    def __init__(self, interval: float = 0.02) -> None:
        self.interval = interval
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._proc = psutil.Process()
        self.cpu_start = sum(self._proc.cpu_times()[:2])
        self.cpu = 0.0  # user + system seconds of the whole process (DuckDB's threads included)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._proc.memory_info().rss)
            time.sleep(self.interval)

    def __enter__(self) -> PeakRSS:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._proc.memory_info().rss)
        self.cpu = sum(self._proc.cpu_times()[:2]) - self.cpu_start


def x_files(corpus: Path) -> list[Path]:
    return sorted((corpus / "exports" / "x").glob("*.jsonl.gz"))


def run_phase(phase: str, corpus: Path, workdir: Path, profile: bool) -> dict[str, Any]:
    """One measured phase, in this (fresh) process."""
    if phase == "duckdb-x":
        import duckdb

        files = [str(p) for p in x_files(corpus)]
        con = duckdb.connect(str(workdir / "plain.duckdb"))
        with PeakRSS() as mem:
            started = time.perf_counter()
            con.execute(
                "CREATE OR REPLACE TABLE tweets AS SELECT unnest(data) AS tweet"
                " FROM read_json(?, format = 'newline_delimited', maximum_object_size = 268435456)",
                [files],
            )
            rows = con.execute("SELECT count(*) FROM tweets").fetchone()[0]
            seconds = time.perf_counter() - started
        con.close()
        return {"phase": phase, "records": rows, "seconds": seconds, "cpu_seconds": mem.cpu, "peak_rss": mem.peak}

    from antena.project import Project

    folder = workdir / f"project-{phase}"
    shutil.rmtree(folder, ignore_errors=True)
    project = Project.init(folder, name="bench")
    paths = x_files(corpus) if phase.startswith("import-x") else [corpus / "exports"]
    import_path = "python" if phase == "import-x-python" else None
    profiler = None
    if profile:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.005)
        profiler.start()
    with PeakRSS() as mem:
        started = time.perf_counter()
        total, _ = project.import_files(paths, path=import_path)
        seconds = time.perf_counter() - started
    if profiler is not None:
        profiler.stop()
        (workdir / f"profile-{phase}.txt").write_text(profiler.output_text(unicode=True, color=False, show_all=False),
                                                       encoding="utf-8")
    project.close()
    db_size = (folder / "antena.duckdb").stat().st_size
    return {"phase": phase, "records": total.read, "stored": total.stored, "duplicates": total.duplicates,
            "quarantined": total.quarantined, "seconds": seconds, "cpu_seconds": mem.cpu, "peak_rss": mem.peak, "db_bytes": db_size}


# --------------------------------------------------------------------- orchestrating (parent side)


def measure(phase: str, corpus: Path, workdir: Path, profile: bool = False) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--phase", phase, "--corpus", str(corpus), "--workdir", str(workdir)]
    if profile:
        cmd.append("--profile")
    load = os.getloadavg()[0]  # the machine is shared: record how busy it was when the phase started
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return {**json.loads(out.strip().splitlines()[-1]), "load": round(load, 1)}


PHASES = ("duckdb-x", "import-x", "import-x-python", "import-all")


def bench_scale(scale: float, seed: int, workdir: Path, profile: bool, phases: tuple[str, ...] = PHASES,
                reuse: bool = False) -> dict[str, Any]:
    from antena.demo import Scenario, generate

    corpus = workdir / f"corpus-{scale:g}"
    generated_json = corpus / "generated.json"
    if reuse and generated_json.exists():  # a corpus this script generated before, same scale and seed
        result = json.loads(generated_json.read_text(encoding="utf-8"))
        result["phases"] = {}
    else:
        shutil.rmtree(corpus, ignore_errors=True)
        started = time.perf_counter()
        generated = generate(corpus, Scenario(scale=scale, seed=seed))
        gen_seconds = time.perf_counter() - started
        size = sum(p.stat().st_size for p in generated.files)
        x_size = sum(p.stat().st_size for p in x_files(corpus))
        result = {"scale": scale, "seed": seed, "generate_seconds": gen_seconds, "records": generated.records,
                  "files": len(generated.files), "bytes": size, "x_bytes": x_size}
        generated_json.write_text(json.dumps(result), encoding="utf-8")
        result["phases"] = {}
    for phase in phases:
        print(f"scale {scale:g}: {phase} ...", file=sys.stderr, flush=True)
        result["phases"][phase] = measure(phase, corpus, workdir)
    if profile:
        for phase in (p for p in phases if p.startswith("import")):
            print(f"scale {scale:g}: profiling {phase} ...", file=sys.stderr, flush=True)
            measure(phase, corpus, workdir, profile=True)
        result["profiles"] = sorted(str(p) for p in workdir.glob("profile-*.txt"))
    return result


def markdown(results: list[dict[str, Any]], info: dict[str, Any], command: str) -> str:
    lines = [
        START,
        "## Import",
        "",
        "The demo corpus (`antena demo`'s generator) imported with `Project.import_files`, against a plain "
        "`duckdb.read_json` of the same X files with tweets unnested into a table (the floor of reading this JSON). "
        "Records/s counts records read (duplicates included); CPU s is user + system time of the process (DuckDB's "
        "threads included); peak RSS is sampled every 20 ms in a fresh process per row.",
        "",
        f"Machine: {info['cpu']}, {info['cores']} cores, {info['ram_gib']} GiB RAM; {info['os']}; Python {info['python']}, "
        f"DuckDB {info['duckdb']}; commit {info['commit']}; {info['date']}. Other work was running on the machine "
        "(load avg: the 1-minute load average when each row started), so wall figures are indicative; CPU s is steadier.",
        "",
        f"Command: `{command}`",
        "",
        "| scale | what | records | wall s | CPU s | records/s (wall) | records/CPU s | peak RSS | load avg | notes |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        plain = r["phases"].get("duckdb-x")
        lines.append(f"| {r['scale']:g} | generate corpus | {r['records']:,} | {r['generate_seconds']:.1f} | | "
                     f"{r['records'] / r['generate_seconds']:,.0f} | | | | {r['files']} files, {r['bytes'] / 2**20:.0f} MiB "
                     f"(X: {r['x_bytes'] / 2**20:.0f} MiB gzipped) |")
        for name, label in (("duckdb-x", "duckdb.read_json, X files"), ("import-x", "antena import, X files"),
                            ("import-x-python", "antena import, X files, per-record path"),
                            ("import-all", "antena import, all files")):
            p = r["phases"].get(name)
            if p is None:
                continue
            notes = []
            if name.startswith("import-x") and plain:
                notes.append(f"{p['seconds'] / plain['seconds']:.1f}x the plain read's wall time, "
                             f"{p['cpu_seconds'] / plain['cpu_seconds']:.1f}x its CPU time")
            if p.get("db_bytes"):
                notes.append(f"database {p['db_bytes'] / 2**20:.0f} MiB")
            lines.append(f"| {r['scale']:g} | {label} | {p['records']:,} | {p['seconds']:.1f} | {p['cpu_seconds']:.1f} | "
                         f"{p['records'] / p['seconds']:,.0f} | {p['records'] / p['cpu_seconds']:,.0f} | "
                         f"{p['peak_rss'] / 2**20:,.0f} MiB | {p.get('load', '')} | {'; '.join(notes)} |")
    lines += ["", END]
    return "\n".join(lines)


def write_docs(section: str) -> None:
    text = DOCS.read_text(encoding="utf-8") if DOCS.exists() else "# Benchmarks\n\nMeasured figures; each section names the command that produced it.\n\n"
    if START in text and END in text:
        head, rest = text.split(START, 1)
        text = head + section + rest.split(END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    DOCS.parent.mkdir(parents=True, exist_ok=True)
    DOCS.write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, action="append", help="demo scale (repeatable; default 1)")
    parser.add_argument("--seed", type=int, default=2017)
    parser.add_argument("--workdir", type=Path, help="where corpora and projects go (default: a temporary folder)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    parser.add_argument("--profile", action="store_true", help="also profile the X import with pyinstrument")
    parser.add_argument("--write-docs", action="store_true", help=f"write the results table into {DOCS.relative_to(ROOT)}")
    parser.add_argument("--phases", default=",".join(PHASES), help=f"comma-separated, of {', '.join(PHASES)}")
    parser.add_argument("--reuse-corpus", action="store_true", help="reuse WORKDIR/corpus-SCALE if this script made it")
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--corpus", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.phase:  # child process: one measurement, JSON on the last line of stdout
        print(json.dumps(run_phase(args.phase, args.corpus, args.workdir, args.profile)))
        return

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="antena-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    command = "python " + " ".join([os.path.relpath(__file__, ROOT), *sys.argv[1:]])
    try:
        phases = tuple(p for p in args.phases.split(",") if p in PHASES)
        results: list[dict[str, Any]] = []
        for scale in args.scale or [1.0]:
            results.append(bench_scale(scale, args.seed, workdir, args.profile, phases, args.reuse_corpus))
            info = machine()
            section = markdown(results, info, command)
            print(json.dumps({"machine": info, "results": results}, indent=2), file=sys.stderr, flush=True)
            if args.write_docs:  # after each scale, so a long run that is stopped keeps what it measured
                write_docs(section)
    finally:
        if not args.keep and not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)
    print(section)


if __name__ == "__main__":
    main()
