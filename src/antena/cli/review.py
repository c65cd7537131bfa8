"""``antena review``: the human review queue for risky posts (see docs/protect.md).

Antena flags; people decide. Nothing here sends, reports or blocks anything.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from antena.cli.app import JsonFlag, ProjectDir, app, console, emit_json, fail, open_project
from antena.errors import AntenaError
from antena.protect.review import DECISIONS, STATUSES, ReviewQueue
from antena.protect.signals import SIGNAL_MIN, SIGNALS, rules_table

review_app = typer.Typer(
    help="Review risky posts (recruitment offers, predatory replies, minors oversharing): a person decides, "
         "nothing is sent or blocked automatically.",
    no_args_is_help=True,
)
app.add_typer(review_app, name="review")

UNREDACTED_WARNING = (
    "WARNING: unredacted text and handles of possibly vulnerable people, often minors. Share only with a "
    "safeguarding partner under a data-sharing agreement, store encrypted, delete when the case closes."
)
IncludeText = Annotated[bool, typer.Option("--include-text", help="Show the original text and handles (personal data; prints a warning).")]


def _queue(project: Any) -> ReviewQueue:
    try:
        return ReviewQueue(project.store)
    except AntenaError as exc:
        fail(str(exc))
        raise  # unreachable: fail exits


def _status_filter(status: str) -> str | None:
    if status == "all":
        return None
    if status not in STATUSES:
        fail(f"--status must be one of {', '.join(STATUSES)} or all")
    return status


@review_app.command("sync")
def sync(
    folder: ProjectDir,
    threshold: Annotated[float | None, typer.Option(help="Risk score from which a post is queued (default: [protect] threshold, 0.5).")] = None,
    json: JsonFlag = False,
) -> None:
    """Queue analysed posts whose risk score reaches the threshold (never twice, never re-opening a decided case)."""
    with open_project(folder) as project:
        try:
            report = _queue(project).sync(threshold)
        except AntenaError as exc:
            fail(str(exc))
    if json:
        emit_json(report.as_dict())
    else:
        console.print(f"{report.added} posts added to the review queue ({report.candidates} at or above "
                      f"{report.threshold}); {report.open} open of {report.total} queued.", highlight=False)


@review_app.command("list")
def list_(
    folder: ProjectDir,
    status: Annotated[str, typer.Option(help=f"{', '.join(STATUSES)} or all.")] = "open",
    signal: Annotated[str | None, typer.Option(help=f"Only cases with this signal: {', '.join(SIGNALS)}.")] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", help="How many cases (0: all).")] = 50,
    json: JsonFlag = False,
) -> None:
    """List queued cases, highest risk first, with redacted previews."""
    if signal is not None and signal not in SIGNALS:
        fail(f"--signal must be one of {', '.join(SIGNALS)}")
    with open_project(folder) as project:
        try:
            rows = _queue(project).cases(_status_filter(status), signal, limit or None)
        except AntenaError as exc:
            fail(str(exc))
    if json:
        emit_json(rows)
        return
    if not rows:
        console.print(f"no {status if status != 'all' else ''} cases in the review queue".replace("  ", " "))
        return
    table = Table("post", "signal", "score", "status", "kind", "preview (redacted)")
    for r in rows:
        table.add_row(escape(r["post_id"]), r["signal"], f"{r['score']:.2f}", r["status"], r["kind"] or "",
                      escape(" ".join(r["preview"].split())))
    console.print(table)


@review_app.command("show")
def show(folder: ProjectDir, post_id: Annotated[str, typer.Argument(help="The case's post id, e.g. x:123.")],
         include_text: IncludeText = False, json: JsonFlag = False) -> None:
    """Show one case: the post (redacted), its signals and reasons, its decisions and, for a reply, the parent post."""
    if include_text:
        console.print(UNREDACTED_WARNING, style="bold yellow", highlight=False, markup=False)
    with open_project(folder) as project:
        try:
            case = _queue(project).show(post_id, include_text)
        except AntenaError as exc:
            fail(str(exc))
    if json:
        emit_json(case)
        return
    _print_case(case)


def _print_case(case: dict[str, Any]) -> None:
    post, parent = case["post"], case["parent"]
    say = lambda text: console.print(text, highlight=False, markup=False, soft_wrap=True)  # noqa: E731
    say(f"case {case['post_id']}  score {case['score']:.2f}  status {case['status']}")
    say(f"signals: {', '.join(case['signals'] or [])}")
    for reason in case["reasons"] or []:
        say(f"  - {reason}")
    if post is None:
        say("the post is no longer in the project")
    else:
        label = "text" if not case["redacted"] else "text (redacted)"
        say(f"{post['kind']} on {post['platform']} at {post['created_at']} by author {post['author_id']}")
        say(f"{label}: {post['text']}")
    if parent is not None:
        say(f"in reply to {parent['post_id']} by author {parent['author_id']} "
            f"(signals: {', '.join(parent['risk_signals']) or 'none'}):")
        say(f"  {parent['text']}")
    elif post is not None and post.get("parent_id"):
        say(f"in reply to {post['parent_id']} (not in the project)")
    if case["decided_at"]:
        say(f"decided {case['status']} by {case['reviewer']} at {case['decided_at']}: {case['note']}")
    for h in case["history"]:
        say(f"  history {h['logged_at']} {h['actor']}: {h['detail']}")


@review_app.command("decide")
def decide(
    folder: ProjectDir,
    post_id: Annotated[str, typer.Argument(help="The case's post id.")],
    status: Annotated[str, typer.Option(help=f"{' | '.join(DECISIONS)}.")],
    note: Annotated[str, typer.Option(help="Why (kept in the queue and the audit log; no personal data).")],
    reviewer: Annotated[str, typer.Option(help="Who decides (recorded in the audit log).")],
    json: JsonFlag = False,
) -> None:
    """Record a decision on a case. Antena takes no action itself: act offline, then record it."""
    with open_project(folder) as project:
        try:
            case = _queue(project).decide(post_id, status, reviewer, note)
        except AntenaError as exc:
            fail(str(exc))
    if json:
        emit_json(case)
    else:
        console.print(f"{case['post_id']}: {case['status']} by {case['reviewer']} (audited)", highlight=False,
                      markup=False)


@review_app.command("export")
def export(
    folder: ProjectDir,
    out: Annotated[Path, typer.Option("--out", "-o", help="CSV file to write.")],
    status: Annotated[list[str] | None, typer.Option(help="Statuses to export (repeat; 'all' for every case). Default: escalated.")] = None,
    include_text: IncludeText = False,
    json: JsonFlag = False,
) -> None:
    """Write cases to CSV for a safeguarding partner: redacted text, pseudonymous authors."""
    statuses = status or ["escalated"]
    if "all" in statuses:
        statuses = list(STATUSES)
    if include_text:
        console.print(UNREDACTED_WARNING, style="bold yellow", highlight=False, markup=False)
    with open_project(folder) as project:
        try:
            rows = _queue(project).export(out, statuses, include_text)
        except AntenaError as exc:
            fail(str(exc))
    result = {"cases": rows, "path": str(out), "statuses": statuses, "redacted": not include_text}
    if json:
        emit_json(result)
    else:
        console.print(f"wrote {rows} cases to {out} ({'UNREDACTED' if include_text else 'redacted'})",
                      highlight=False, markup=False)


@review_app.command("rules")
def rules(json: JsonFlag = False) -> None:
    """List the rules behind each risk signal, with their weights and explanations."""
    rows = rules_table()
    if json:
        emit_json(rows)
        return
    table = Table("rule", "weight", "gate", "explanation",
                  caption=f"A signal fires when one rule of each of its gates fired and its weights add up to {SIGNAL_MIN}.")
    for r in rows:
        table.add_row(str(r["id"]), f"{r['weight']:+.2f}", str(r["gate"]), str(r["explanation"]))
    console.print(table)
