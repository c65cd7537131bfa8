"""Antena: social listening, campaign planning and child-protection signals for
anti-trafficking organisations. ``antena.open(folder)`` is the notebook entry point."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from antena.project import Project, open_project

    open = open_project  # noqa: A001 - `antena.open(DIR)` is the documented API


def __getattr__(name: str) -> Any:
    """``Project``, ``open`` and ``open_project``, imported on first use: importing any part of
    Antena (a command answered from a cache) does not load the whole project layer."""
    if name in ("Project", "open", "open_project"):
        from antena import project

        return project.Project if name == "Project" else project.open_project
    raise AttributeError(f"module 'antena' has no attribute {name!r}")


__all__ = ["Project", "open", "open_project", "__version__"]
