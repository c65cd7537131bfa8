"""The stages the demo runs after importing, discovered defensively.

Later stages of Antena (analysis, reports, ...) are added as methods of ``Project``. The demo
calls each one that exists, in order, with no arguments; a stage that is missing is reported
as "not available" and one that fails is reported with its error, so the demo keeps working
while stages are being added. To add a stage, add its ``Project`` method name to ``LATER_STAGES``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# Project methods run after the import, in order.
LATER_STAGES = ("analyze", "sync_reviews", "report")


def run_later_stages(project: Any, on_stage: Callable[[str], None] | None = None) -> list[dict[str, Any]]:
    """Run every later stage ``project`` offers; one status dict per stage in ``LATER_STAGES``."""
    results = []
    for name in LATER_STAGES:
        method = getattr(project, name, None)
        if not callable(method):
            results.append({"stage": name, "status": "not available"})
            continue
        if on_stage:
            on_stage(name)
        try:
            outcome = method()
        except Exception as exc:  # a failing stage must not hide the others or the import
            results.append({"stage": name, "status": "failed", "error": f"{type(exc).__name__}: {exc}"})
            continue
        results.append({"stage": name, "status": "done", "result": _summarise(outcome)})
    return results


def _summarise(outcome: Any) -> Any:
    """A JSON-friendly view of what a stage returned (paths as text, objects by their dict)."""
    if outcome is None or isinstance(outcome, str | int | float | bool):
        return outcome
    if isinstance(outcome, dict):
        return {str(k): _summarise(v) for k, v in outcome.items()}
    if isinstance(outcome, list | tuple):
        return [_summarise(v) for v in outcome[:50]]
    if hasattr(outcome, "as_dict"):
        return _summarise(outcome.as_dict())
    return str(outcome)
