"""Antena: social listening, campaign planning and child-protection signals for
anti-trafficking organisations. ``antena.open(folder)`` is the notebook entry point."""

from antena.project import Project, open_project

__version__ = "0.1.0"

open = open_project  # noqa: A001 - `antena.open(DIR)` is the documented API

__all__ = ["Project", "open", "open_project", "__version__"]
