"""Benchmark: `antena stats` and `antena report` on the demo at given scales.

    .venv/bin/python benchmarks/bench_report.py --scale 1 --scale 10 [--write-docs]

Builds (or reuses) a demo project per scale under --work, analyses it, then times
`compute_stats` (the numbers behind `antena stats`) and the HTML + PDF report in a fresh
process each, as a user would run them. Results go to stdout and, with --write-docs, to
docs/benchmarks.md (section "Stats and report").
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

from machine import describe, machine

ROOT = Path(__file__).resolve().parents[1]
ANTENA = [str(Path(sys.executable).parent / "antena")]
START, END = "<!-- bench_report:start -->", "<!-- bench_report:end -->"
HEADING = "## Stats and report"


def child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(args: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds (user + system of the finished child, its threads included) of one command."""
    cpu, start = child_cpu(), time.perf_counter()
    subprocess.run(ANTENA + args, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start, child_cpu() - cpu


def ensure_demo(folder: Path, scale: float) -> None:
    if not (folder / "antena.toml").exists():
        subprocess.run(ANTENA + ["demo", str(folder), "--scale", str(scale), "--seed", "7"], check=True,
                       stdout=subprocess.DEVNULL)
    subprocess.run(ANTENA + ["analyze", str(folder)], check=True, stdout=subprocess.DEVNULL)


def posts(folder: Path) -> int:
    out = subprocess.run(ANTENA + ["info", str(folder), "--json"], check=True, capture_output=True, text=True)
    return json.loads(out.stdout)["posts"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, action="append", help="demo scale (repeatable)")
    parser.add_argument("--work", type=Path, default=Path("/tmp/antena-bench"))
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args()
    rows = []
    for scale in args.scale or [1.0]:
        folder = args.work / f"demo-{scale:g}"
        folder.parent.mkdir(parents=True, exist_ok=True)
        ensure_demo(folder, scale)
        n = posts(folder)
        load = round(os.getloadavg()[0], 1)  # shared machine: how busy it was when this scale's timings started
        t_stats = run(["stats", str(folder), "--json"])
        html, pdf = folder / "bench.html", folder / "bench.pdf"
        t_report = run(["report", str(folder), "--lang", "es", "--out", str(html), "--pdf", str(pdf)])
        t_html = run(["report", str(folder), "--lang", "en", "--out", str(html)])
        rows.append((scale, n, load, t_stats, t_html, t_report))
        print(f"scale {scale:g}: {n:,} posts; load {load}; stats {fmt(t_stats)}; report HTML {fmt(t_html)}; "
              f"HTML+PDF {fmt(t_report)}", flush=True)
        if args.write_docs:  # after each scale, so a run stopped during a long scale keeps what it measured
            write_docs(rows, " ".join(sys.argv))


def fmt(times: tuple[float, float]) -> str:
    return f"{times[0]:.1f} s ({times[1]:.1f} CPU s)"


def write_docs(rows: list[tuple], command: str) -> None:
    """Replace this script's section (between its markers) in docs/benchmarks.md, keeping the rest."""
    path = ROOT / "docs" / "benchmarks.md"
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    table = ["| scale | posts | load avg | `antena stats --json` | report HTML | report HTML + PDF |",
             "|---:|---:|---:|---:|---:|---:|"]
    table += [f"| {s:g} | {n:,} | {ld} | {fmt(a)} | {fmt(b)} | {fmt(c)} |" for s, n, ld, a, b, c in rows]
    section = (
        f"{START}\n{HEADING}\n\nMeasured on {describe(machine())} (when the docs were written).\n"
        f"Command: `{command}`. Each time is a fresh `antena` process (start-up included) on an analysed demo project: "
        "wall seconds, then CPU seconds (user + system of the process) in brackets, steadier on a shared machine. "
        "Load avg: the 1-minute load average when the scale's timings started.\n"
        "Targets (issue 4): stats over 1.2 M posts under 5 s; the report under 30 s.\n\n" + "\n".join(table) + "\n\n" + END
    )
    if START in text and END in text:
        head, rest = text.split(START, 1)
        text = head + section + rest.split(END, 1)[1]
    elif HEADING in text:  # a section written before the markers: replace it up to the next "## " heading
        head, rest = text.split(HEADING, 1)
        nxt = rest.find("\n## ")
        text = head + section + ("\n" + rest[nxt:] if nxt >= 0 else "\n")
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    path.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
