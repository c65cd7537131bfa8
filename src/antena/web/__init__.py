"""The web dashboard (``antena serve``): pages and JSON over one project, read-only."""

from antena.web.app import create_app

__all__ = ["create_app"]
