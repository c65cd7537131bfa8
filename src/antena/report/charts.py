"""Vega-Lite chart specifications built from ``compute_stats`` output (Altair), rendered to SVG
offline by vl-convert. The report embeds the SVGs; a dashboard can use the same specs."""

from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd

from antena.analytics.impact import metric_label
from antena.report.i18n import text
from antena.textsafe import display_data

MIN_POINTS = 2  # a chart is never drawn from zero or one point: the report says so in words

SENTIMENT_COLOURS = alt.Scale(domain=["negative", "neutral", "positive"], range=["#c0392b", "#b3b6b7", "#1e8449"])
WIDTH = 560


def _sentiment_labels(lang: str) -> dict[str, str]:
    return {k: text(lang, f"sentiment_{k}") for k in ("negative", "neutral", "positive")}


def target_sentiment(targets: list[dict[str, Any]], kind: str | None, lang: str) -> dict[str, Any] | None:
    """Stacked shares of negative / neutral / positive toward each target (like the source report)."""
    records = []
    labels = _sentiment_labels(lang)
    for t in targets:
        if (kind and t.get("kind") != kind) or t["mentions"] < MIN_POINTS:
            continue
        for key in ("negative", "neutral", "positive"):
            share = t["shares"].get(key) or 0.0
            records.append({"target": t["name"], "sentiment": labels[key], "key": key, "share": share,
                            "mentions": t["mentions"]})
    if not records:
        return None
    scale = alt.Scale(domain=[labels[k] for k in ("negative", "neutral", "positive")],
                      range=SENTIMENT_COLOURS.range)
    chart = alt.Chart(pd.DataFrame(records)).mark_bar().encode(
        y=alt.Y("target:N", title=None, sort="-x"),
        x=alt.X("share:Q", stack="normalize", axis=alt.Axis(format="%"), title=text(lang, "share_of_mentions")),
        color=alt.Color("sentiment:N", scale=scale, title=None, legend=alt.Legend(orient="bottom")),
        order=alt.Order("key:N"),
        tooltip=["target", "sentiment", alt.Tooltip("share:Q", format=".1%"), "mentions"],
    ).properties(width=WIDTH, height=max(60, 36 * len({r["target"] for r in records})))
    return chart.to_dict()


def volume_by_day(by_day: list[dict[str, Any]], lang: str, campaign: dict[str, Any] | None = None) -> dict[str, Any] | None:
    if len({str(r["day"]) for r in by_day}) < MIN_POINTS:
        return None
    df = pd.DataFrame(by_day)
    df["day"] = df["day"].astype(str)
    line = alt.Chart(df).mark_area(opacity=0.8).encode(
        x=alt.X("day:T", title=None),
        y=alt.Y("posts:Q", stack=True, title=text(lang, "posts_per_day")),
        color=alt.Color("platform:N", title=None, legend=alt.Legend(orient="bottom")),
    )
    layers = [_campaign_band(campaign), line] if campaign else [line]
    return alt.layer(*layers).properties(width=WIDTH, height=200).to_dict()


def _campaign_band(campaign: dict[str, Any]) -> alt.Chart:
    lo, hi = campaign["windows"]["during"]
    band = pd.DataFrame([{"start": lo, "end": hi}])
    return alt.Chart(band).mark_rect(color="#f9e79f", opacity=0.5).encode(x="start:T", x2="end:T")


def bars(records: list[dict[str, Any]], label: str, value: str, lang: str, title_key: str,
         percent: bool = False, limit: int = 15, base: int | None = None) -> dict[str, Any] | None:
    """Horizontal bars; None with fewer than two bars or a base of fewer than two posts."""
    records = [r for r in records if r.get(value) is not None][:limit]
    if len(records) < MIN_POINTS or (base is not None and base < MIN_POINTS):
        return None
    df = pd.DataFrame([{label: str(r[label]), value: r[value]} for r in records])
    axis = alt.Axis(format="%") if percent else alt.Axis()
    return alt.Chart(df).mark_bar(color="#2e86c1").encode(
        y=alt.Y(f"{label}:N", sort="-x", title=None),
        x=alt.X(f"{value}:Q", axis=axis, title=text(lang, title_key)),
        tooltip=[label, value],
    ).properties(width=WIDTH, height=max(60, 22 * len(records))).to_dict()


def weekly_lines(records: list[dict[str, Any]], fields: dict[str, str], lang: str, y_title: str,
                 campaign: dict[str, Any] | None = None, percent: bool = True) -> dict[str, Any] | None:
    rows = [{"week": str(r["week"]), "series": name, "value": r[field]}
            for r in records for field, name in fields.items() if r.get(field) is not None]
    if len({r["week"] for r in rows}) < MIN_POINTS:
        return None
    axis = alt.Axis(format="%") if percent else alt.Axis()
    line = alt.Chart(pd.DataFrame(rows)).mark_line(point=True).encode(
        x=alt.X("week:T", title=None), y=alt.Y("value:Q", axis=axis, title=y_title),
        color=alt.Color("series:N", title=None, legend=alt.Legend(orient="bottom")),
    )
    layers = [_campaign_band(campaign), line] if campaign else [line]
    return alt.layer(*layers).properties(width=WIDTH, height=200).to_dict()


def impact(metrics: list[dict[str, Any]], lang: str, names: dict[str, str] | None = None) -> dict[str, Any] | None:
    """Before / during / after means of the headline metrics (shares and net sentiment)."""
    wanted = ("awareness_rate", "unaware_rate", "net_sentiment")
    short = {"awareness_rate": text(lang, "amber_series"), "unaware_rate": text(lang, "unaware_series"),
             "net_sentiment": text(lang, "net_short")}
    rows = []
    for m in metrics:
        if m["metric"] not in wanted and not m["metric"].startswith("target_sentiment"):
            continue
        for window in ("before", "during", "after"):
            mean = m.get(window, {}).get("mean")
            if mean is not None:
                base, _, arg = m["metric"].partition(":")
                label = short.get(m["metric"]) or (names or {}).get(arg) or metric_label(m["metric"], lang, names)
                rows.append({"metric": label, "window": text(lang, f"window_{window}"),
                             "value": mean})
    if len(rows) < MIN_POINTS:
        return None
    order = [text(lang, f"window_{w}") for w in ("before", "during", "after")]
    metrics_count = len({r["metric"] for r in rows})
    return alt.Chart(pd.DataFrame(rows)).mark_bar().encode(
        y=alt.Y("metric:N", title=None, axis=alt.Axis(labelLimit=180)),
        yOffset=alt.YOffset("window:N", sort=order),
        x=alt.X("value:Q", title=None),
        color=alt.Color("window:N", sort=order, title=None, legend=alt.Legend(orient="bottom"),
                        scale=alt.Scale(range=["#95a5a6", "#f39c12", "#2e86c1"])),
        tooltip=["metric", "window", alt.Tooltip("value:Q", format=".3f")],
    ).properties(width=WIDTH - 200, height=44 * metrics_count, padding={"left": 40, "right": 8, "top": 4, "bottom": 4},
                 title=alt.TitleParams(text(lang, "impact_chart_note"), fontSize=10, anchor="start", fontWeight="normal")).to_dict()


CHART_LOCALES = {"es": "es-ES", "en": "en-US"}  # d3 locales bundled with vl-convert (offline)


def to_svg(spec: dict[str, Any], lang: str = "en") -> str:
    """SVG of one chart; "" when it cannot be drawn (see ``render_svgs``)."""
    return render_svgs([spec], lang)[0] or ""


RENDER_TIMEOUT = 180.0  # seconds for one batch of charts
_CHILD = (
    "import json, sys\n"
    "import vl_convert as vlc\n"
    "job = json.loads(sys.stdin.buffer.read())\n"
    "loc = job['locale']\n"
    "sys.stdout.write(json.dumps([vlc.vegalite_to_svg(s, format_locale=loc, time_format_locale=loc)"
    " for s in job['specs']]))\n"
)


def render_svgs(specs: list[dict[str, Any] | None], lang: str = "en") -> list[str | None]:
    """SVGs of chart specs, rendered in a child process; None for a spec that is None or that
    the renderer cannot draw.

    Every string in a spec first passes ``antena.textsafe.display_data`` (control characters
    make vl-convert panic, and a Rust panic aborts the whole process, which no ``except`` can
    catch). The child process is the second wall: if the renderer still dies, only the child
    dies; the charts are then drawn one per child so the others survive. Numbers and dates on
    the axes are written as ``lang`` writes them ("vie 16", "1.200" in Spanish).
    """
    locale = CHART_LOCALES.get(lang, "en-US")
    wanted = [(i, display_data(spec)) for i, spec in enumerate(specs) if spec is not None]
    out: list[str | None] = [None] * len(specs)
    if not wanted:
        return out
    drawn = _render_in_child([spec for _, spec in wanted], locale)
    if drawn is None and len(wanted) > 1:
        drawn = [(_render_in_child([spec], locale) or [None])[0] for _, spec in wanted]
    for (index, _), svg in zip(wanted, drawn or [None] * len(wanted), strict=True):
        out[index] = svg
    return out


def _render_in_child(specs: list[dict[str, Any]], locale: str = "en-US") -> list[str | None] | None:
    import json
    import subprocess
    import sys

    try:
        done = subprocess.run(  # noqa: S603 - our own interpreter and fixed code; specs go through stdin
            [sys.executable, "-c", _CHILD], input=json.dumps({"specs": specs, "locale": locale}, default=str).encode(),
            capture_output=True, timeout=RENDER_TIMEOUT, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode != 0:
        return None
    try:
        svgs = json.loads(done.stdout)
    except ValueError:
        return None
    return svgs if isinstance(svgs, list) and len(svgs) == len(specs) else None
