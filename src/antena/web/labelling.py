"""The dashboard's labelling page: the analyst marks posts relevant or not, with their main topic.

The same queue as ``antena label`` (least certain first, in turns across languages and
platforms), one post at a time, redacted. Every form carries a CSRF token bound to the login
session (or to the server when no login is set), on top of the same-origin check every form post
gets. Each answer opens the project for writing for the moment it takes to store one label; while
another command writes, the page says the project is busy.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from typing import Any
from urllib.parse import parse_qs

import duckdb
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from antena.analytics.base import topic_name
from antena.project import Project
from antena.web import security
from antena.web.store import ProjectBusy

LABELLER = "dashboard"
ACTIONS = ("relevant", "not_relevant", "skip", "undo")


class Labelling:
    """Per-server state: the CSRF secret and the posts skipped in this run."""

    def __init__(self) -> None:
        self.secret = secrets.token_bytes(32)
        self.skipped: set[str] = set()
        self.lock = threading.Lock()

    def token(self, request: Request) -> str:
        session = request.cookies.get(security.SESSION_COOKIE, "")
        return hmac.new(self.secret, f"label:{session}".encode(), hashlib.sha256).hexdigest()

    def check(self, request: Request, token: str | None) -> None:
        if not token or not hmac.compare_digest(token, self.token(request)):
            raise HTTPException(403, "the form expired or did not come from this dashboard; reload the page")


def label_routes(dash: Any, small_body: Any) -> list[Route]:
    """``GET /label`` (the next post) and ``POST /label`` (store an answer)."""
    from antena.models import relevance_model
    from antena.protect.redact import public_handles, redact
    from antena.store import labels as label_store

    state = Labelling()

    def page(request: Request) -> Response:
        lang = dash.lang(request)
        with dash.reader.open() as project:
            model = relevance_model.for_project(project.folder)
            queue = label_store.candidates(project.con, 20 + len(state.skipped), model.threshold)
            totals = label_store.counts(project.con)
            config = project.config
            keep = public_handles(config)
        post = next((p for p in queue if p["post_id"] not in state.skipped), None)
        ids = [t["id"] for t in config.get("topics", []) if t.get("id")]
        suggestion = None
        if post is not None:
            suggestion = relevance_model.suggest_topic(model, post["text"], post["lang"], ids)
            post = {**post, "text": redact(post["text"], keep_handles=keep)}
        names = [(t, topic_name(t, config, lang)) for t in ids]
        return dash.render(request, "label.html", post=post, topics=names, suggestion=suggestion, totals=totals,
                           csrf=state.token(request))

    async def answer(request: Request) -> Response:
        body = await small_body(request)
        form = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
        state.check(request, form.get("csrf"))
        action, post_id, topic = form.get("action", ""), form.get("post_id", ""), form.get("topic") or None
        if action not in ACTIONS:
            raise HTTPException(400, f"unknown action {action!r}")
        if action == "skip":
            state.skipped.add(post_id)
        else:
            with state.lock:
                _write(dash.reader.folder, action, post_id, topic)
        target = "/label" + (f"?lang={request.query_params['lang']}" if "lang" in request.query_params else "")
        return RedirectResponse(target, status_code=303)

    return [Route("/label", page, methods=["GET"]), Route("/label", answer, methods=["POST"])]


def _write(folder: Any, action: str, post_id: str, topic: str | None) -> None:
    from antena.store import labels as label_store

    try:
        project = Project(folder)
        try:
            if action == "undo":
                label_store.undo(project.con, LABELLER)
                return
            if not project.store.has_post(post_id):
                raise HTTPException(400, "no such post")
            label_store.add(project.con, post_id, action == "relevant", topic, LABELLER)
            project.audit("label", f"{action} {post_id}", actor=LABELLER)
        finally:
            project.close()
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise ProjectBusy("the project is being written by another antena command") from None
        raise

