"""Listening live: ``antena collect``, ``antena watch`` and ``antena alerts``."""

from __future__ import annotations

import re
from typing import Annotated, Any

import duckdb
import typer

from antena.cli.app import (
    JsonFlag,
    ProjectDir,
    app,
    console,
    emit_json,
    fail,
    open_project,
    progress_bar,
)
from antena.errors import AntenaError

SOURCES = "bluesky|mastodon|youtube|telegram|x|reddit"
def parse_duration(value: str, option: str) -> float:
    """Seconds in ``90``, ``90s``, ``15m``, ``2h``, ``1d``."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*", value or "")
    if not match:
        fail(f"{option} {value!r}: give a duration like 90s, 15m, 2h or 1d")
    return float(match.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[match.group(2)]


@app.command()
def collect(
    folder: ProjectDir,
    source: Annotated[str, typer.Option("--source", "-s", help=f"The platform: {SOURCES}.")],
    query: Annotated[str | None, typer.Option(help="Search query (bluesky, x, mastodon with a token, reddit).")] = None,
    hashtag: Annotated[str | None, typer.Option(help="A hashtag, without # (bluesky, mastodon, x).")] = None,
    channel: Annotated[str | None, typer.Option(help="YouTube channel id, Telegram channel, subreddit, or 'local' for Mastodon's local timeline.")] = None,
    video: Annotated[str | None, typer.Option(help="YouTube video id (its comments; with --live its live chat).")] = None,
    live: Annotated[bool, typer.Option("--live", help="YouTube with --video: follow its live chat; Bluesky: follow the Jetstream firehose filtered by --query or the project's query.")] = False,
    comments: Annotated[bool, typer.Option("--comments", help="Reddit, Telegram: also collect each post's comment thread.")] = False,
    archive: Annotated[bool, typer.Option("--archive", help="X: full-archive search instead of the last 7 days.")] = False,
    since: Annotated[str | None, typer.Option(help="Oldest post wanted: a date/time or an age (7d).")] = None,
    until: Annotated[str | None, typer.Option(help="Newest post wanted: a date/time or an age.")] = None,
    max_: Annotated[int | None, typer.Option("--max", help="Stop after about N records (rounded up to a page).")] = None,
    time_limit: Annotated[str | None, typer.Option("--time-limit", help="Stop after this long (90s, 15m, 2h); the next run continues.")] = None,
    api_base: Annotated[str | None, typer.Option("--api-base", help="The API's base URL (an instance, a proxy, a test server).")] = None,
    json: JsonFlag = False,
) -> None:
    """Collect posts from a platform's API into the project; run it again to continue."""
    from antena.collect import CollectError, Limits, build_collector

    targets = {"query": query, "hashtag": hashtag, "channel": channel, "video": video}
    given = [(k, v) for k, v in targets.items() if v]
    if len(given) > 1 and not (source == "reddit" and {k for k, _ in given} == {"query", "channel"}):
        fail("give one of --query, --hashtag, --channel, --video")
    kind, value = given[0] if given else (None, "")
    options: dict[str, Any] = {}
    if source == "reddit" and query and channel:
        kind, value, options["subreddit"] = "query", query, channel
    if live:
        if source == "bluesky" and kind in (None, "query"):
            kind = "live"  # the Jetstream firehose, filtered by --query or the project's query
        elif kind != "video":
            fail("--live needs --video VIDEO_ID (YouTube live chat), or --source bluesky (the Jetstream firehose)")
        else:
            kind = "live"
    if comments:
        options["comments"] = True
    if archive:
        options["archive"] = True
    limits = Limits(max_records=max_, time_limit=parse_duration(time_limit, "--time-limit") if time_limit else None)
    with open_project(folder) as project:
        try:
            collector = build_collector(project.config, source, kind, value, since=since, until=until,
                                        api_base=api_base, options=options)
            with progress_bar(quiet=json) as bar:
                task = bar.add_task(f"{source} {collector.job.target}", total=max_)
                result = collector.run(project, limits, progress=lambda n: bar.advance(task, n))
        except (CollectError, AntenaError) as exc:
            fail(str(exc))
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower():
                raise
            fail("the project is being written by another antena command (import, analyze or watch); try again when it ends")
    summary = result.summary()
    if json:
        emit_json(summary)
    else:
        for message in result.messages:
            console.print(message, highlight=False, markup=False)
        console.print(
            f"{source} {summary['target']}: {summary['received']} received, {summary['stored']} new, "
            f"{summary['updated']} updated, {summary['duplicates']} already stored, {summary['quarantined']} "
            f"quarantined ({summary['status']}; {summary['pages']} pages, {summary['waits']} rate-limit waits)",
            highlight=False, markup=False)
        if summary["error"]:
            console.print(f"error: {summary['error']}", highlight=False, markup=False, style="red")
    if summary["status"] == "error":
        raise typer.Exit(1)




@app.command()
def watch(
    folder: ProjectDir,
    every: Annotated[str, typer.Option(help="Time between cycles (start to start): 90s, 15m, 1h.")] = "15m",
    once: Annotated[bool, typer.Option("--once", help="Run one cycle and exit (for cron).")] = False,
    no_analyze: Annotated[bool, typer.Option("--no-analyze", help="Skip analysing new posts (alerts then use all posts).")] = False,
    json: JsonFlag = False,
) -> None:
    """Run the collect jobs of antena.toml, analyse new posts, raise and deliver alerts; repeat."""
    from antena.watch.loop import watch as run_watch

    seconds = parse_duration(every, "--every")
    if seconds < 60 and not once:
        console.print("note: cycles shorter than a minute mostly wait for rate limits", highlight=False)

    def report(summary: dict[str, Any]) -> None:
        if json:
            emit_json(summary)
            return
        if summary.get("skipped"):
            console.print(f"{summary['at']}: cycle skipped: {summary['skipped']}", highlight=False, markup=False)
            return
        for job in summary["collect"]:
            line = (f"{job['source']} {job.get('target', '')}: {job['received']} received, {job['stored']} new "
                    f"({job['status']})" + (f": {job['error']}" if job.get("error") else ""))
            console.print(line, highlight=False, markup=False)
        console.print(f"{summary['at']}: {len(summary['new_alerts'])} new alerts; delivered {summary['deliveries']['sent']}, "
                      f"failed {summary['deliveries']['failed']}", highlight=False, markup=False)

    try:
        run_watch(folder, seconds, once, report, analyse=not no_analyze)
    except duckdb.IOException as exc:
        if "lock" not in str(exc).lower():
            raise
        fail("the project is being written by another antena command; try again when it ends")
    except KeyboardInterrupt:
        console.print("stopped", highlight=False)
    except AntenaError as exc:
        fail(str(exc))


@app.command()
def alerts(
    folder: ProjectDir,
    limit: Annotated[int, typer.Option(help="How many, newest first.")] = 50,
    json: JsonFlag = False,
) -> None:
    """List the alerts `antena watch` raised, with their evidence and deliveries."""
    from rich.table import Table

    from antena.store.alerts import list_alerts

    with open_project(folder, read_only=True) as project:
        try:
            found = list_alerts(project.con, limit)
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower():
                raise
            fail("the project is being written by another antena command (a watch cycle?); try again in a moment")
    if json:
        emit_json(found)
        return
    if not found:
        console.print("No alerts yet (`antena watch` raises them).")
        return
    table = Table("id", "when", "alert", "delivered")
    for alert in found:
        sent = ", ".join(f"{d['channel']}: {d['status']}" for d in alert["deliveries"]) or "-"
        table.add_row(str(alert["id"]), str(alert["created_at"])[:16], f"{alert['title']}\n{alert['summary']}", sent)
    console.print(table)
