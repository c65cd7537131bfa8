"""Benchmark: cost of import, analysis and stats against corpus size, and Spark local[1] vs local[2].

    python benchmarks/bench_scale.py run --scale 0.1 --scale 1 --work /tmp/bench-scale [--spark]
    python benchmarks/bench_scale.py docs --work /tmp/bench-scale      # table + log-log plot
    python benchmarks/bench_scale.py spark --scale 1 --project DIR --work /tmp/bench-scale

``run`` generates the demo corpus per scale (seed 7), imports it with ``antena import``, analyses it
with ``antena analyze`` and times ``antena stats --json`` three times (the first run after the
analysis is called "cold": a fresh process, a fresh DuckDB buffer pool, the OS file cache as the
analysis left it; the median of the next two "warm"). With ``--spark`` the same imported posts are
analysed again in copies of the project with ``--engine spark`` at ``local[1]`` and ``local[2]``.

Each step is a fresh ``antena`` process: wall seconds, CPU seconds (user + system of the process
and the processes it waited for, from ``wait4``; a Spark JVM included) and peak RSS (``ru_maxrss``
of the largest process). Results are appended as JSON lines to ``WORK/results.jsonl``; ``docs``
renders them into docs/benchmarks.md (section "Scale") and ``docs/bench_scale.png``.
The machine is shared: the 1-minute load average is recorded when each step starts.

``spark`` analyses copies of an already imported (or analysed: the copies forget the results)
project ``DIR`` with ``--engine spark`` at ``local[1]`` and ``local[2]`` (``--cores N`` for one),
sampling the whole process tree (driver, JVM, Python workers) every 0.5 s with psutil: CPU seconds
of the tree split by process kind and by phase (before, during and after the ``mapInArrow``
stage), the wall time that split implies on two free cores (``spark_split``), peak RSS of the tree
and the load average over the run. On a shared machine compare the CPU split, not the wall time.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from machine import describe, machine

ROOT = Path(__file__).resolve().parents[1]
ANTENA = [str(Path(sys.executable).parent / "antena")]
START, END = "<!-- bench_scale:start -->", "<!-- bench_scale:end -->"


def measured(args: list[str], nice: int = 0) -> dict[str, Any]:
    """Wall s, CPU s and peak RSS of one command run to completion (stdout kept, for counts)."""
    load = os.getloadavg()[0]
    started = time.perf_counter()
    with open(os.devnull, "wb") as devnull:
        proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=devnull,
                                preexec_fn=(lambda: os.nice(nice)) if nice else None)  # noqa: PLW1509
        out = proc.stdout.read() if proc.stdout else b""
        _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{' '.join(args)} failed ({status})")
    return {"wall": round(wall, 2), "cpu": round(usage.ru_utime + usage.ru_stime, 2),
            "peak_rss_mib": round(usage.ru_maxrss / 1024), "load": round(load, 1), "stdout": out.decode()}


def prepare(folder: Path, scale: float, seed: int) -> dict[str, Any]:
    """Generate the demo exports and an empty project with the demo's campaign (not timed here
    but for generation, measured in a child process)."""
    code = (
        "import json, sys, time; from pathlib import Path;"
        "from antena.demo import Scenario, generate; from antena.project import Project;"
        "from antena.cli.demo import add_campaign, PROJECT_NAME;"
        f"folder = Path({str(folder)!r}); s = Scenario(scale={scale}, seed={seed}); t = time.perf_counter();"
        "c = generate(folder, s); g = time.perf_counter() - t;"
        "p = Project.init(folder, name=PROJECT_NAME); add_campaign(folder, s); p.close();"
        "print(json.dumps({'records': c.records, 'files': len(c.files), 'exports': str(c.exports), 'seconds': g}))"
    )
    step = measured([sys.executable, "-c", code])
    info = json.loads(step.pop("stdout").strip().splitlines()[-1])
    return {**step, **info}


def stats_rows(folder: Path, posts: int, nice: int, row: Any) -> None:
    """``antena stats --json`` three times: the first "cold", the median of the others "warm"."""
    runs = [measured(ANTENA + ["stats", str(folder), "--json"], nice) for _ in range(3)]
    row("stats cold", runs[0], posts)
    warm = sorted(runs[1:], key=lambda r: r["wall"])[0]
    row("stats warm", {**warm, "wall": round(statistics.median(r["wall"] for r in runs[1:]), 2)}, posts)


def run_scale(scale: float, work: Path, seed: int, spark: bool, nice: int, restats: bool = False,
              tag: str = "") -> list[dict[str, Any]]:
    """Every step at one scale; ``restats`` reuses the analysed project and times only a new
    ``antena analyze`` (nothing to analyse: the aggregates) and the stats."""
    folder = work / f"scale-{scale:g}"
    if not restats:
        shutil.rmtree(folder, ignore_errors=True)
    rows: list[dict[str, Any]] = []

    def row(step: str, result: dict[str, Any], size: int, **extra: Any) -> None:
        result.pop("stdout", None)
        entry = {"scale": scale, "step": step + tag, "size": size, **result, **extra, "machine": machine()}
        rows.append(entry)
        with (work / "results.jsonl").open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(entry) + "\n")
        print(json.dumps(entry), file=sys.stderr, flush=True)

    if restats:
        posts = int(json.loads(subprocess.run(ANTENA + ["info", str(folder), "--json"], check=True,
                                              capture_output=True, text=True).stdout)["live_posts"])
        row("analyse again: aggregates only", measured(ANTENA + ["analyze", str(folder), "--json"], nice), posts)
        stats_rows(folder, posts, nice, row)
        return rows
    gen = prepare(folder, scale, seed)
    records = gen.pop("records")
    row("generate", gen, records)
    imported = measured(ANTENA + ["import", str(folder), gen["exports"], "--json"], nice)
    report = json.loads(imported["stdout"])
    row("import", imported, records, stored=report.get("stored") if isinstance(report, dict) else None)
    posts = int(json.loads(subprocess.run(ANTENA + ["info", str(folder), "--json"], check=True, capture_output=True,
                                          text=True).stdout)["live_posts"])
    if spark:  # copies taken before the local analysis, so Spark analyses every post
        for cores in (1, 2):
            copy = work / f"scale-{scale:g}-spark{cores}"
            shutil.rmtree(copy, ignore_errors=True)
            shutil.copytree(folder, copy)
    row("analyse", measured(ANTENA + ["analyze", str(folder), "--json"], nice), posts)
    stats_rows(folder, posts, nice, row)
    if spark:
        for cores in (1, 2):
            copy = work / f"scale-{scale:g}-spark{cores}"
            row(f"analyse spark local[{cores}]",
                measured(ANTENA + ["analyze", str(copy), "--engine", "spark", "--spark-master", f"local[{cores}]",
                                   "--json"], nice), posts)
            shutil.rmtree(copy, ignore_errors=True)
    return rows


def process_kind(proc: Any, root_pid: int) -> str:
    """``driver`` (the measured command itself), ``workers`` (Python processes: Spark's daemon and
    the workers it forks) or ``jvm`` (Spark's Java process and its launcher scripts)."""
    if proc.pid == root_pid:
        return "driver"
    try:
        return "workers" if proc.name().startswith("python") else "jvm"
    except Exception:  # noqa: BLE001 - a process that ended meanwhile
        return "jvm"


KINDS = ("driver", "jvm", "workers")


def measured_tree(args: list[str], nice: int = 0, interval: float = 0.5) -> dict[str, Any]:
    """Like ``measured``, for commands whose work runs in grandchildren (Spark's JVM and Python
    workers): CPU seconds and peak RSS summed over the process tree, sampled every ``interval`` s,
    CPU split by process kind (``cpu_split``: driver, JVM, Python workers), a timeline of the
    cumulative split (``timeline``: one row per second) and the mean 1-minute load average while it ran.

    A process's CPU counts as last sampled: what a Python worker spends in the last ``interval``
    before it exits is missed (Spark keeps its workers until the JVM ends, so little is)."""
    import psutil

    load = os.getloadavg()[0]
    started = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            preexec_fn=(lambda: os.nice(nice)) if nice else None)  # noqa: PLW1509
    root = psutil.Process(proc.pid)
    cpu: dict[int, tuple[str, float]] = {}
    kinds: dict[int, str] = {}
    peak, loads, timeline, last_mark = 0, [], [], -1.0
    while proc.poll() is None:
        rss = 0
        try:
            for p in [root, *root.children(recursive=True)]:
                try:
                    kind = kinds.setdefault(p.pid, process_kind(p, proc.pid))
                    times = p.cpu_times()
                    cpu[p.pid] = (kind, times.user + times.system + times.children_user + times.children_system)
                    rss += p.memory_info().rss
                except psutil.Error:
                    continue
        except psutil.Error:
            pass
        peak = max(peak, rss)
        loads.append(os.getloadavg()[0])
        now = time.perf_counter() - started
        if now - last_mark >= 1.0:
            last_mark = now
            split = {k: round(sum(c for kd, c in cpu.values() if kd == k), 1) for k in KINDS}
            timeline.append({"t": round(now, 1), **split, "workers_alive": sum(
                1 for pid, k in kinds.items() if k == "workers" and psutil.pid_exists(pid))})
        time.sleep(interval)
    out = proc.stdout.read() if proc.stdout else b""
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed ({proc.returncode})")
    split = {k: round(sum(c for kd, c in cpu.values() if kd == k), 2) for k in KINDS}
    return {"wall": round(wall, 2), "cpu": round(sum(c for _, c in cpu.values()), 2),
            "driver_cpu": split["driver"], "cpu_split": split,
            "worker_processes": sum(1 for k in kinds.values() if k == "workers"),
            "peak_rss_mib": round(peak / 2**20),
            "load": round(load, 1), "load_during": round(statistics.mean(loads), 1) if loads else None,
            "timeline": timeline, "stdout": out.decode()}


def two_core_estimate(split: dict[str, float], serial: float) -> float:
    """Wall seconds the CPU split implies on free cores: the serial CPU (the driver's own, the
    JVM's outside the parallel stage) runs alone, the rest spreads over two cores."""
    total = sum(split.values())
    return serial + (total - serial) / 2


def parallel_window(timeline: list[dict[str, Any]]) -> tuple[float, float]:
    """First and last second at which the Python workers' CPU grew (by more than an idle worker's
    0.2 s a second): the ``mapInArrow`` stage."""
    grew = [b["t"] for a, b in zip(timeline, timeline[1:], strict=False) if b["workers"] > a["workers"] + 0.2]
    return (grew[0], grew[-1]) if grew else (0.0, 0.0)


def spark_split(result: dict[str, Any]) -> dict[str, Any]:
    """The CPU split of one Spark run by phase and process kind, and the wall time it implies on
    two free cores.

    ``serial``: the driver and the JVM before and after the stage (DuckDB's export, the JVM's start
    and first job, storing the results, the aggregates). In the stage the Python workers analyse;
    the JVM reads and writes Parquet and moves Arrow batches beside them. On two free cores
    ``local[1]`` is bound by its one Python worker (the JVM's stage work runs on the other core):
    about ``serial + workers``; ``local[2]`` shares both cores between two workers and the JVM:
    about ``serial + (workers + jvm_stage) / 2``. Both assume the serial part runs on one core
    (the JVM's start uses a little more)."""
    timeline, split = result["timeline"], result["cpu_split"]
    first, last = parallel_window(timeline)

    def at(t: float, kind: str) -> float:
        rows = [r for r in timeline if r["t"] <= t]
        return rows[-1][kind] if rows else 0.0

    pre = {k: at(first, k) for k in ("driver", "jvm")}
    post = {k: split[k] - at(last, k) for k in ("driver", "jvm")}
    jvm_stage = split["jvm"] - pre["jvm"] - post["jvm"]
    serial = pre["driver"] + pre["jvm"] + post["driver"] + post["jvm"]
    workers = split["workers"]
    return {"driver_before": round(pre["driver"], 1), "jvm_before": round(pre["jvm"], 1),
            "workers": round(workers, 1), "jvm_stage": round(jvm_stage, 1),
            "driver_after": round(post["driver"], 1), "jvm_after": round(post["jvm"], 1),
            "serial_cpu": round(serial, 1),
            "local1_on_two_free_cores_s": round(serial + workers, 1),
            "local2_on_two_free_cores_s": round(serial + (workers + jvm_stage) / 2, 1)}


def run_spark(scale: float, project: Path, work: Path, nice: int, tag: str = "",
              cores_list: tuple[int, ...] = (1, 2)) -> None:
    """Spark ``local[1]`` then ``local[2]`` on fresh copies of ``project`` (results forgotten);
    prints each run's CPU split (driver, JVM, Python workers; serial and parallel parts)."""
    import duckdb

    for cores in cores_list:
        copy = work / f"scale-{scale:g}-spark{cores}"
        shutil.rmtree(copy, ignore_errors=True)
        shutil.copytree(project, copy)
        con = duckdb.connect(str(copy / "antena.duckdb"))
        for (name,) in con.execute("SELECT table_name FROM duckdb_tables() WHERE table_name LIKE 'ann_%'").fetchall():
            con.execute(f"DELETE FROM {name}")  # noqa: S608 - names from the catalogue
        posts = int(con.execute("SELECT count(*) FROM live_posts").fetchone()[0])
        con.close()
        result = measured_tree(ANTENA + ["analyze", str(copy), "--engine", "spark", "--spark-master",
                                         f"local[{cores}]", "--json"], nice)
        result.pop("stdout", None)
        entry = {"scale": scale, "step": f"analyse spark local[{cores}]{tag}", "size": posts, **result,
                 "split": spark_split(result), "cpu_tree": True, "machine": machine()}
        with (work / "results.jsonl").open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(entry) + "\n")
        shown = {k: v for k, v in entry.items() if k not in ("timeline", "machine")}
        print(json.dumps(shown), file=sys.stderr, flush=True)
        shutil.rmtree(copy, ignore_errors=True)


# --------------------------------------------------------------------- docs


STEP_ORDER = ("generate", "import", "analyse", "analyse again", "stats cold", "stats warm", "analyse spark")


def load(work: Path, extra: list[Path] | None = None) -> list[dict[str, Any]]:
    """The results of ``WORK/results.jsonl`` (and ``extra`` files, read first): the last run of
    each (scale, step) counts."""
    latest: dict[tuple[float, str], dict[str, Any]] = {}
    for path in [*(extra or []), work / "results.jsonl"]:
        for line in path.read_text(encoding="utf-8").splitlines():
            entry = json.loads(line)
            latest[(entry["scale"], entry["step"])] = entry

    def rank(entry: dict[str, Any]) -> tuple[float, int, str]:
        step = entry["step"]
        found = [(len(s), i) for i, s in enumerate(STEP_ORDER) if step.startswith(s)]
        return entry["scale"], max(found)[1] if found else 99, step

    return sorted(latest.values(), key=rank)


PLOTTED = ("import", "analyse", "stats cold", "stats warm")


def newest_per_step(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per scale and plotted step, the newest run of it (whatever its tag: the table says which)."""
    chosen: dict[tuple[float, str], dict[str, Any]] = {}
    for r in rows:
        step = next((s for s in PLOTTED if r["step"] == s or r["step"].startswith(s + " (")), None)
        if step is None or not r.get("cpu"):
            continue
        best = chosen.get((r["scale"], step))
        if best is None or r["machine"].get("date", "") >= best["machine"].get("date", ""):
            chosen[(r["scale"], step)] = {**r, "series": step}
    return sorted(chosen.values(), key=lambda r: (r["series"], r["size"]))


def plot(rows: list[dict[str, Any]], path: Path) -> None:
    """Log-log plot of CPU seconds against posts: the newest run of each plotted step per scale."""
    import altair as alt
    import vl_convert

    data = [{"posts": r["size"], "seconds": r["cpu"], "measure": f"{r['series']} (CPU s)"}
            for r in newest_per_step(rows)]
    chart = alt.Chart(alt.Data(values=data)).mark_line(point=True).encode(
        x=alt.X("posts:Q", scale=alt.Scale(type="log"), title="posts (log)"),
        y=alt.Y("seconds:Q", scale=alt.Scale(type="log"), title="CPU seconds (log)"),
        color=alt.Color("measure:N", title=None),
    ).properties(width=520, height=340, title="Cost against corpus size (demo, CPU seconds, newest run of each step)")
    path.write_bytes(vl_convert.vegalite_to_png(chart.to_dict(), scale=2))


def markdown(rows: list[dict[str, Any]], command: str) -> str:
    info = rows[-1]["machine"]
    lines = [START, "## Scale", "",
             "`benchmarks/bench_scale.py`: each step a fresh `antena` process on the demo corpus (seed 7). "
             "CPU s is user + system time of the process and the children it waited for, from `wait4`; "
             "peak RSS is the largest such process's `ru_maxrss`. Spark rows sample the whole process tree "
             "(driver, JVM, Python workers) every 0.5 s with psutil: CPU s and RSS summed over the tree "
             "(older Spark rows without a CPU figure measured the driver only). Load avg: the 1-minute load "
             "average when the step started (and its mean during Spark runs); the 2-core machine is shared "
             "with other workers, so wall figures are indicative.", "",
             f"Machine: {describe(info)}.", "", f"Command: `{command}`", "",
             "| scale | step | posts | wall s | CPU s | posts per CPU s | peak RSS | load avg |",
             "|---:|---|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        known = "spark" not in r["step"] or r.get("cpu_tree")  # older Spark rows: the driver only
        per_cpu = f"{r['size'] / r['cpu']:,.0f}" if r["cpu"] and known else ""
        cpu = f"{r['cpu']:.1f}" if known else ""
        load_avg = f"{r['load']}" + (f" ({r['load_during']} during)" if r.get("load_during") is not None else "")
        lines.append(f"| {r['scale']:g} | {r['step']} | {r['size']:,} | {r['wall']:.1f} | {cpu} | {per_cpu} | "
                     f"{r['peak_rss_mib']:,} MiB | {load_avg} |")
    lines += ["", "![cost against size](bench_scale.png)", "", END]
    return "\n".join(lines)


def write_docs(work: Path, command: str, extra: list[Path] | None = None) -> None:
    rows = load(work, extra)
    plot(rows, ROOT / "docs" / "bench_scale.png")
    doc = ROOT / "docs" / "benchmarks.md"
    text = doc.read_text(encoding="utf-8")
    block = markdown(rows, command)
    if START in text:
        text = text[: text.index(START)] + block + text[text.index(END) + len(END):]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    doc.write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", choices=("run", "restats", "docs", "spark"))
    parser.add_argument("--project", type=Path, help="for spark: the imported project to copy")
    parser.add_argument("--scale", type=float, action="append", default=[])
    parser.add_argument("--work", type=Path, default=Path("/tmp/bench-scale"))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--spark", action="store_true", help="also analyse with Spark local[1] and local[2]")
    parser.add_argument("--cores", type=int, action="append", default=[],
                        help="for spark: N of local[N] (repeat; default 1 and 2)")
    parser.add_argument("--nice", type=int, default=0, help="niceness of the measured processes")
    parser.add_argument("--command", default="", help="the command line to record in the docs")
    parser.add_argument("--tag", default="", help="appended to the steps' names (e.g. ' (aggregates)')")
    parser.add_argument("--extra", type=Path, action="append", default=[],
                        help="for docs: more results.jsonl files (earlier runs), read before WORK's")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    if args.action == "spark":
        for scale in args.scale:
            run_spark(scale, args.project, args.work, args.nice, args.tag, tuple(args.cores) or (1, 2))
    elif args.action in ("run", "restats"):
        for scale in args.scale:
            run_scale(scale, args.work, args.seed, args.spark, args.nice, restats=args.action == "restats",
                      tag=args.tag)
    else:
        write_docs(args.work, args.command or "python benchmarks/bench_scale.py run ...", args.extra)


if __name__ == "__main__":
    main()
