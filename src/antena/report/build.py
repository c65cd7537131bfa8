"""Build the listening report: self-contained HTML and a PDF (WeasyPrint), in Spanish or English.

The structure follows the source report: a headline quote, findings that cite their numbers,
data analytics, sentiment toward each target as charts, topics and trending hashtags,
awareness, live streams, campaign impact, recommendations (from the campaign planner's
knowledge base) and a methods appendix. Every number comes from ``compute_stats``, the very
output of ``antena stats --json``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.resources import files
from pathlib import Path
from typing import Any

from jinja2 import Environment, select_autoescape
from markupsafe import Markup

from antena import i18n
from antena.analytics import compute_stats
from antena.analytics.base import localized
from antena.analytics.impact import display_names
from antena.plan.knowledge import load_knowledge
from antena.plan.suggest import suggest
from antena.report import charts
from antena.report.estimate_methods import estimate_rows
from antena.report.findings import (
    emotion_name,
    findings,
    population,
    programme_name,
    spike_key,
    topic_name,
)
from antena.report.i18n import day, num, percent, platform_name, signed, text
from antena.store.queries import Store
from antena.textsafe import finalize


@dataclass
class ReportResult:
    html: Path
    pdf: Path | None
    stats: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {"html": str(self.html), "pdf": str(self.pdf) if self.pdf else None,
                "findings": self.stats.get("_findings", [])}


def _environment() -> Environment:
    env = Environment(autoescape=select_autoescape(default=True, default_for_string=True), finalize=finalize)
    env.filters["pct"] = percent
    env.filters["signed"] = signed
    env.filters["num"] = num
    env.filters["platform"] = platform_name
    env.filters["day"] = day
    return env


def _svgs(specs: dict[str, dict[str, Any] | None], lang: str = "en") -> dict[str, Markup | None]:
    """Inline SVGs of our own chart specs, drawn in one child process (``charts.render_svgs``:
    strings sanitised, data values escaped by the SVG renderer); None where a chart fails."""
    names = list(specs)
    drawn = charts.render_svgs([specs[name] for name in names], lang)
    return {name: Markup(svg) if svg else None for name, svg in zip(names, drawn, strict=True)}  # noqa: S704


def model_scores(lang: str = "en") -> list[dict[str, Any]]:
    """Validation scores recorded next to each packaged model (meta.json), when present."""
    out = []
    try:
        root = files("antena").joinpath("models")
        for task_dir in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("_")):
            for version_dir in sorted(p for p in task_dir.iterdir() if p.is_dir()):
                meta = version_dir.joinpath("meta.json")
                if meta.is_file():
                    data = json.loads(meta.read_text(encoding="utf-8"))
                    scores = data.get("validation") or data.get("scores") or {}
                    out.append({"task": task_dir.name, "version": version_dir.name,
                                "scores": _headline_scores(scores, lang)})
    except (FileNotFoundError, NotADirectoryError):
        pass
    return out


def relevance_method(store: Store) -> dict[str, Any]:
    """The relevance model behind the report's counts and its scores (project labels or dev set)."""
    from antena.models.relevance_model import method_summary
    from antena.store import labels as label_store

    counts = label_store.counts(store.con)
    return method_summary(store.folder, counts["labelled"], counts["relevant"])


def _headline_scores(scores: dict[str, Any], lang: str = "en") -> dict[str, str]:
    """Macro-F1 per validation set, with the issue's target and the published anchor when given."""
    out = {}
    for name, value in scores.items():
        if isinstance(value, dict) and "macro_f1" in value:
            extra = []
            if value.get("target") is not None:
                extra.append(text(lang, "score_target", value=i18n.number(float(value["target"]), lang, 2)))
            anchor = value.get("anchor")
            if isinstance(anchor, dict) and anchor.get("score") is not None:
                extra.append(text(lang, "score_published", score=i18n.number(float(anchor["score"]), lang, 3),
                                  model=anchor.get("model", ""), split=anchor.get("split", "test")))
            suffix = f" ({'; '.join(extra)})" if extra else ""
            out[name] = text(lang, "score_on", score=i18n.number(float(value["macro_f1"]), lang, 3),
                             split=value.get("split", "val"), n=value.get("n", "?")) + suffix
        elif isinstance(value, int | float):
            out[name] = i18n.number(float(value), lang, 3)
    return out


def recommendations(store: Store, lang: str, stats: dict[str, Any] | None = None) -> tuple[list[dict[str, Any]], list[str]]:
    """The data-driven suggestions of ``antena plan --from-project`` for the report, read from the
    report's own statistics (one number, one source), and the notes saying why there are none."""
    result = suggest(store, load_knowledge(), lang, stats)
    return [{"title": s["title"], "evidence": s["evidence"],
             "tools": [t for t in s.get("tools", [])]} for s in result.get("suggestions", [])], result.get("notes", [])


def estimated_shares(target: dict[str, Any]) -> dict[str, Any]:
    """The shares the report shows for a target: PPI-corrected when a reference sample exists."""
    est = target.get("estimates") or {}
    if est.get("method") == "ppi":
        return {k: v.get("share") for k, v in (est.get("shares") or {}).items()}
    return target.get("shares") or {}


def build_context(store: Store, stats: dict[str, Any], lang: str) -> dict[str, Any]:
    config = store.config
    first_campaign = (stats.get("campaigns") or [None])[0]
    targets = [{**t, "name": localized(t["name"], lang, t["target"]), "shares": estimated_shares(t)}
               for t in stats.get("targets") or []]
    topics = (stats.get("topics") or {}).get("totals", [])
    topic_rows = [{"topic": topic_name(t["topic"], config, lang), "share": t["share"]} for t in topics]
    aw = stats.get("awareness") or {}
    vol = stats.get("volumes") or {}
    chart_specs = {
        "volume": charts.volume_by_day(vol.get("by_day", []), lang, first_campaign),
        "authorities": charts.target_sentiment(targets, "authority", lang),
        "ngos": charts.target_sentiment(targets, "ngo", lang),
        "topics": charts.bars(topic_rows, "topic", "share", lang, "share", percent=True,
                             base=(stats.get("topics") or {}).get("posts")),
        "hashtags": charts.bars([{"hashtag": "#" + h["hashtag"], "posts": h["posts"]}
                                 for h in (stats.get("hashtags") or {}).get("top", [])],
                                "hashtag", "posts", lang, "posts", base=vol.get("posts")),
        "awareness": charts.weekly_lines(aw.get("by_week", []), {"amber_rate": text(lang, "amber_series"),
                                                                 "unaware_rate": text(lang, "unaware_series")},
                                         lang, text(lang, "share"), first_campaign),
        "impact": charts.impact(first_campaign["metrics"], lang, display_names(config, lang)) if first_campaign else None,
    }
    corpus = stats.get("corpus", {})
    advice = recommendations(store, lang, stats)
    platforms = ", ".join(f"{num(p['posts'], lang)} {platform_name(p['platform'])}" for p in corpus.get("by_platform", []))
    period = vol.get("period") or corpus.get("period") or {}
    files_count = store.source_files()
    quotes = stats.get("quotes") or {}
    return {
        "lang": lang, "t": lambda name_, **kw: text(lang, name_, **kw),
        "stats": stats, "config": config,
        "generated": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "synthetic": bool(corpus.get("synthetic_posts")),
        "findings": findings(stats, config, lang),
        "data_sentence": text(lang, "data_sentence_one" if vol.get("posts") == 1 else "data_sentence", relevant=num(vol.get("posts", 0), lang), posts=num(corpus.get("posts", 0), lang),
                              platforms=platforms or text(lang, "none"),
                              start=day(period.get("start"), lang), end=day(period.get("end"), lang)),
        "charts": _svgs(chart_specs, lang),
        "specs": chart_specs,
        "targets": targets,
        "headline": quotes.get("headline"),
        "quotes_by_topic": [(topic_name(k, config, lang), v) for k, v in (quotes.get("by_topic") or {}).items()],
        "spikes": (stats.get("spikes") or [])[:5],
        "streams": vol.get("streams") or [],
        "campaigns": stats.get("campaigns") or [],
        "recommendations": advice[0], "recommendation_notes": advice[1],
        "judged_targets": [t for t in targets if t["mentions"]],
        "pop": population(stats, lang),
        "platforms": [{**p, "share": p["posts"] / vol["posts"]} for p in vol.get("by_platform", []) if vol.get("posts")],
        "topic_rows": [{**t, "topic": topic_name(t["topic"], config, lang)} for t in topics],
        "awareness_rows": [{"name": programme_name(p["programme"], lang), "posts": p["posts"], "rate": p["rate"], "ci": p["ci"]}
                           for p in aw.get("programmes", [])]
                          + ([{"name": text(lang, "unaware_series"), **aw["unaware"]}] if aw.get("unaware") else []),
        "emotion_rows": [{**e, "name": emotion_name(e["emotion"], lang)} for e in (stats.get("sentiment") or {}).get("emotion") or []],
        "spike_key": lambda s: spike_key(s, lang, config),
        "models": model_scores(lang),
        "relevance_method": relevance_method(store),
        "estimate_rows": estimate_rows(stats, {t["target"]: t["name"] for t in targets}, lambda k, **kw: text(lang, k, **kw)),
        "files_count": files_count,
        "analysed": stats.get("analysed"),
    }


def build_report(store: Store, lang: str, out_html: Path, out_pdf: Path | None = None,
                 stats: dict[str, Any] | None = None) -> ReportResult:
    """Compute the statistics (unless given) and write the HTML (and PDF) report."""
    if lang not in ("es", "en"):
        raise ValueError("lang must be 'es' or 'en'")
    stats = stats if stats is not None else compute_stats(store)
    context = build_context(store, stats, lang)
    template = _environment().from_string(files("antena.report").joinpath("report.html.j2").read_text(encoding="utf-8"))
    html = template.render(**context)
    out_html.parent.mkdir(parents=True, exist_ok=True)
    out_html.write_text(html, encoding="utf-8")
    if out_pdf is not None:
        from weasyprint import HTML

        out_pdf.parent.mkdir(parents=True, exist_ok=True)
        HTML(string=html, base_url=str(out_html.parent)).write_pdf(out_pdf)
    stats["_findings"] = context["findings"]
    return ReportResult(out_html, out_pdf, stats)
