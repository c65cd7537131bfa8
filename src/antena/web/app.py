"""The dashboard application: server-rendered pages and JSON over one project, read-only.

``create_app(folder)`` returns a Starlette (ASGI) app; ``antena serve`` runs it with uvicorn.
Pages: overview, posts explorer, targets, topics, campaign impact, quarantine, the report,
listening (collectors' state and alert history);
``/api/...`` mirrors them as JSON. Every value a request carries reaches SQL only through
``Project.where`` (parameters) or as a ``?`` parameter.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import AsyncIterator, Callable
from importlib.resources import files
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode

import duckdb
import orjson
from jinja2 import Environment, PackageLoader, pass_context, select_autoescape
from markupsafe import Markup
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from antena.analytics.base import topic_name
from antena.analytics.impact import display_names, metric_label
from antena.config import load_config
from antena.errors import AntenaError, QuerySyntaxError
from antena.report import charts
from antena.report.i18n import percent, signed
from antena.textsafe import finalize
from antena.web import security
from antena.web.i18n import LANGS, number, text
from antena.web.labelling import label_routes
from antena.web.store import BadQuery, Page, ProjectBusy, ProjectReader
from antena.web.throttle import throttle_for

MAX_QUERY = 2000
PER_PAGE = 50
MAX_PER_PAGE = 500
MAX_PAGE = 1_000_000
MAX_FORM_BYTES = 4096


class Dashboard:
    """State shared by the routes: the project reader, the language, the optional login."""

    def __init__(self, folder: Path, lang: str, sessions: security.Sessions | None, cache_seconds: float) -> None:
        self.reader = ProjectReader(folder, cache_seconds)
        self.default_lang = lang
        self.sessions = sessions
        self.tls = False  # served over HTTPS: Secure cookie, HSTS
        self.env = Environment(loader=PackageLoader("antena.web", "templates"),
                               autoescape=select_autoescape(default=True, default_for_string=True),
                               finalize=finalize)
        self.env.filters.update(pct=percent, signed=signed, num=_context_number)

    # ------------------------------------------------------------------ helpers

    def lang(self, request: Request) -> str:
        wanted = request.query_params.get("lang", "")
        return wanted if wanted in LANGS else self.default_lang

    def link(self, lang: str) -> Callable[..., str]:
        """``link("/posts", q="x", page=2)``: a local URL keeping a non-default language."""

        def build(path: str, **params: Any) -> str:
            if lang != self.default_lang and "lang" not in params:
                params["lang"] = lang
            clean = {k: v for k, v in params.items() if v not in (None, "", False)}
            return path + ("?" + urlencode(clean) if clean else "")

        return build

    def render(self, request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        lang = context.pop("lang", None) or self.lang(request)
        summary = None
        if request.url.path != "/login":
            with contextlib.suppress(AntenaError, duckdb.Error):  # busy or broken: the page says why
                summary = self.reader.summary()
        other = "en" if lang == "es" else "es"
        switch = request.url.path + "?" + urlencode({**request.query_params, "lang": other})
        html = self.env.get_template(template).render(
            lang=lang, t=lambda key, **kw: text(lang, key, **kw), link=self.link(lang),
            path=request.url.path, summary=summary, login_enabled=self.sessions is not None,
            other_lang=other, switch_lang=switch, default_lang=self.default_lang, **context)
        return HTMLResponse(html, status_code=status)


@pass_context
def _context_number(context: Any, value: float | None, digits: int = 1) -> str:
    """``{{ n | num }}``: a number as the page's language writes it (Babel)."""
    return number(value, context.get("lang") or "en", digits)


def json_response(data: Any, status: int = 200) -> Response:
    body = orjson.dumps(data, option=orjson.OPT_NON_STR_KEYS | orjson.OPT_INDENT_2, default=str)
    return Response(body, status_code=status, media_type="application/json")


def _int(request: Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise HTTPException(400, f"{name} must be a whole number") from None
    return min(max(value, low), high)


def _query_error(exc: Exception, query: str) -> dict[str, Any]:
    """What went wrong with a query, for the caret display and the API."""
    if isinstance(exc, QuerySyntaxError):
        return {"error": str(exc).splitlines()[0], "query": exc.query, "column": exc.column}
    first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return {"error": first, "query": query, "column": None}


def _search(dash: Dashboard, request: Request) -> tuple[dict[str, Any], Page | None, dict[str, Any] | None]:
    """Run the explorer's query; returns (parameters, page, error)."""
    query = request.query_params.get("q", "")
    relevant = request.query_params.get("relevant") in ("1", "true", "on")
    page_no = _int(request, "page", 1, 1, MAX_PAGE)
    size = _int(request, "size", PER_PAGE, 1, MAX_PER_PAGE)
    params = {"q": query, "relevant": relevant, "page": page_no, "size": size}
    if len(query) > MAX_QUERY:
        return params, None, {"error": text(dash.lang(request), "query_too_long", n=MAX_QUERY), "query": query[:80] + "…", "column": None}
    try:
        return params, dash.reader.posts(query, page_no, size, relevant), None
    except (QuerySyntaxError, BadQuery) as exc:
        return params, None, _query_error(exc, query)


# ---------------------------------------------------------------------- pages


def _metric_label(metric: str, config: dict[str, Any], lang: str) -> str:
    """The impact metric's label, naming topics and targets as antena.toml does."""
    return metric_label(metric, lang, display_names(config, lang))


def _campaign_rows(campaign: dict[str, Any], config: dict[str, Any], lang: str) -> list[dict[str, Any]]:
    def fmt(value: float | None, unit: str) -> str:
        if value is None:
            return "–"
        if unit == "share":
            return percent(value, lang)
        if unit == "net":
            return signed(value, lang)
        return number(float(value), lang)

    return [{"label": _metric_label(m["metric"], config, lang),
             **{w: fmt((m.get(w) or {}).get("mean"), m.get("unit", "")) for w in ("before", "during", "after")},
             "summary": (m.get("summary") or {}).get(lang, "")} for m in campaign.get("metrics", [])]


REVIEW_STATUSES = ("open", "escalated", "dismissed", "actioned-offline", "all")


def build_app(dash: Dashboard) -> list[Route | Mount]:
    reader = dash.reader

    def overview(request: Request) -> Response:
        lang = dash.lang(request)
        stats, ctx = reader.stats(), reader.context(lang)
        corpus, vol = stats.get("corpus", {}), stats.get("volumes", {})
        relevant_by = {p["platform"]: p["posts"] for p in vol.get("by_platform", [])}
        return dash.render(request, "overview.html", lang=lang, stats=stats, ctx=ctx, corpus=corpus, vol=vol,
                           period=vol.get("period") or corpus.get("period") or {}, relevant_by=relevant_by)

    def posts(request: Request) -> Response:
        params, page, error = _search(dash, request)
        lang, config = dash.lang(request), load_config(reader.folder)
        names = {t["id"]: topic_name(t["id"], config, lang) for t in config.get("topics", []) if "id" in t}
        return dash.render(request, "posts.html", lang=lang, status=400 if error else 200, params=params, page=page,
                           error=error, topic_names=names)

    def targets(request: Request) -> Response:
        lang = dash.lang(request)
        return dash.render(request, "targets.html", lang=lang, ctx=reader.context(lang))

    def topics(request: Request) -> Response:
        lang = dash.lang(request)
        stats, ctx = reader.stats(), reader.context(lang)
        config = ctx["config"]
        rows = [{**t, "name": topic_name(t["topic"], config, lang)} for t in (stats.get("topics") or {}).get("totals", [])]
        return dash.render(request, "topics.html", lang=lang, ctx=ctx, topics=rows,
                           hashtags=(stats.get("hashtags") or {}).get("top", [])[:25],
                           spikes=(stats.get("spikes") or [])[:15])

    def campaigns(request: Request) -> Response:
        lang = dash.lang(request)
        found = reader.stats().get("campaigns") or []

        def draw() -> list[Markup | None]:
            specs = [charts.impact(c.get("metrics", []), lang) for c in found]
            return [Markup(svg) if svg else None for svg in charts.render_svgs(specs, lang)]  # noqa: S704 - SVG from vl-convert, data escaped

        svgs = reader.cached(f"campaign-charts:{lang}", draw)
        config = load_config(reader.folder)
        items = [{"campaign": c, "rows": _campaign_rows(c, config, lang), "chart": svg}
                 for c, svg in zip(found, svgs, strict=False)]
        return dash.render(request, "campaigns.html", lang=lang, items=items)

    def quarantine(request: Request) -> Response:
        page = reader.quarantine(_int(request, "page", 1, 1, MAX_PAGE), PER_PAGE)
        return dash.render(request, "quarantine.html", page=page)

    def reviews(request: Request) -> Response:
        status = request.query_params.get("status", "open")
        status = status if status in REVIEW_STATUSES else "open"
        page = reader.reviews(None if status == "all" else status, _int(request, "page", 1, 1, MAX_PAGE), PER_PAGE)
        return dash.render(request, "reviews.html", page=page, review_status=status, statuses=REVIEW_STATUSES)

    def report(request: Request) -> Response:
        return HTMLResponse(reader.report_html(dash.lang(request)))

    def _listening() -> dict[str, Any]:
        from antena.store.alerts import list_alerts
        from antena.store.collect_state import collector_overview

        with reader.open() as project:
            return {**collector_overview(project.con, runs=30), "alerts": list_alerts(project.con, 100)}

    def listening(request: Request) -> Response:
        return dash.render(request, "listening.html", **_listening())

    def api_listening(request: Request) -> Response:
        return json_response(_listening())

    # ------------------------------------------------------------------ JSON

    def api_stats(request: Request) -> Response:
        return json_response(reader.stats())

    def api_summary(request: Request) -> Response:
        return json_response(reader.summary())

    def api_posts(request: Request) -> Response:
        params, page, error = _search(dash, request)
        if error:
            return json_response({**params, **error}, status=400)
        assert page is not None
        return json_response({"query": params["q"], "relevant": params["relevant"], "count": page.total,
                              "page": page.page, "per_page": page.per_page, "pages": page.pages,
                              "columns": page.columns, "posts": page.rows})

    def api_reviews(request: Request) -> Response:
        status = request.query_params.get("status", "open")
        status = status if status in REVIEW_STATUSES else "open"
        page = reader.reviews(None if status == "all" else status, _int(request, "page", 1, 1, MAX_PAGE),
                              _int(request, "size", PER_PAGE, 1, MAX_PER_PAGE))
        return json_response(page.as_dict())

    def api_quarantine(request: Request) -> Response:
        page = reader.quarantine(_int(request, "page", 1, 1, MAX_PAGE), _int(request, "size", PER_PAGE, 1, MAX_PER_PAGE))
        return json_response(page.as_dict())

    # ------------------------------------------------------------------ login

    async def login_form(request: Request) -> Response:
        if dash.sessions is None:
            return RedirectResponse("/", status_code=303)
        return dash.render(request, "login.html", next=security.safe_next(request.query_params.get("next")),
                           failed=False)

    async def login(request: Request) -> Response:
        if dash.sessions is None:
            return RedirectResponse("/", status_code=303)
        body = await _small_body(request)
        form = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
        target = security.safe_next(form.get("next"))
        address = request.client.host if request.client else ""
        result = await dash.sessions.attempt(form.get("password", ""), address)
        if result.token is None:
            status = 401 if not (result.locked or result.busy or result.retry_after) else 429
            response = dash.render(request, "login.html", status=status, next=target, failed=True,
                                   locked=result.locked, retry_after=int(result.retry_after + 0.999))
            if status == 429 and not result.locked:
                response.headers["retry-after"] = str(max(1, int(result.retry_after + 0.999)))
            return response
        response = RedirectResponse(target, status_code=303)
        response.set_cookie(security.SESSION_COOKIE, result.token, max_age=int(dash.sessions.lifetime), httponly=True,
                            samesite="strict", path="/", secure=dash.tls)
        return response

    async def logout(request: Request) -> Response:
        await _small_body(request)
        if dash.sessions is not None:
            dash.sessions.logout(request.cookies.get(security.SESSION_COOKIE))
        response = RedirectResponse("/login" if dash.sessions else "/", status_code=303)
        response.delete_cookie(security.SESSION_COOKIE, path="/", httponly=True, samesite="strict", secure=dash.tls)
        return response

    static = StaticFiles(directory=str(files("antena.web").joinpath("static")))
    return [
        Route("/", overview), Route("/posts", posts), Route("/targets", targets), Route("/topics", topics),
        Route("/campaigns", campaigns), Route("/quarantine", quarantine), Route("/reviews", reviews),
        Route("/report", report), Route("/api/reviews", api_reviews),
        Route("/listening", listening), Route("/api/listening", api_listening),
        Route("/api/stats", api_stats), Route("/api/summary", api_summary), Route("/api/posts", api_posts),
        Route("/api/quarantine", api_quarantine),
        Route("/login", login_form, methods=["GET"]), Route("/login", login, methods=["POST"]),
        Route("/logout", logout, methods=["POST"]),
        *label_routes(dash, _small_body),
        Mount("/static", app=static, name="static"),
    ]


async def _small_body(request: Request) -> bytes:
    """The request body, refused when large or posted from another site."""
    site = request.headers.get("sec-fetch-site")
    origin = request.headers.get("origin")  # "null" under Referrer-Policy: no-referrer
    if (site and site not in ("same-origin", "none")) or (
            origin and origin != "null" and origin != f"{request.url.scheme}://{request.url.netloc}"):
        raise HTTPException(403, "cross-site form posts are refused")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            raise HTTPException(413, "form too large")
    return body


class LoginGate:
    """ASGI middleware: without a valid session, pages redirect to /login and the API says 401."""

    OPEN = ("/login", "/static/")

    def __init__(self, app: Any, dash: Dashboard) -> None:
        self.app = app
        self.dash = dash

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        sessions = self.dash.sessions
        path = scope.get("path", "")
        if scope["type"] != "http" or sessions is None or path == "/login" or path.startswith("/static/"):
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        if sessions.valid(request.cookies.get(security.SESSION_COOKIE)):
            await self.app(scope, receive, send)
            return
        if path.startswith("/api/"):
            response: Response = json_response({"error": "login required"}, status=401)
        else:
            response = RedirectResponse(security.login_redirect(path, scope.get("query_string", b"").decode("latin-1")),
                                        status_code=303)
        await response(scope, receive, send)


def _error_handlers(dash: Dashboard) -> dict[Any, Callable[..., Any]]:
    def page(request: Request, status: int, message: str) -> Response:
        if request.url.path.startswith("/api/"):
            return json_response({"error": message}, status=status)
        return dash.render(request, "error.html", status=status, message=message)

    async def busy(request: Request, exc: Exception) -> Response:
        return page(request, 503, text(dash.lang(request), "busy"))

    async def http_error(request: Request, exc: HTTPException) -> Response:
        lang = dash.lang(request)
        message = text(lang, "not_found") if exc.status_code == 404 else (exc.detail or text(lang, "bad_request"))
        return page(request, exc.status_code, message)

    async def crash(request: Request, exc: Exception) -> Response:
        # Runs outside the other middleware: add the security headers here; never show a traceback.
        with contextlib.suppress(Exception):
            response = page(request, 500, text(dash.lang(request), "server_error"))
            response.headers.update({"content-security-policy": security.CSP, "cache-control": "no-store",
                                     **security.HEADERS})
            return response
        return Response("internal error", status_code=500, media_type="text/plain")

    return {ProjectBusy: busy, HTTPException: http_error, Exception: crash}


def create_app(folder: str | Path, lang: str = "es", password_hash: str | None = None,
               allowed_hosts: list[str] | None = None, cache_seconds: float = 300.0, warm: bool = False,
               login_failure_delay: float = 1.0, tls: bool = False) -> Starlette:
    """The dashboard for project ``folder``.

    ``password_hash``: an argon2 hash; when given, every page needs a login.
    ``allowed_hosts``: Host header values accepted (default: loopback names, which blocks
    DNS-rebinding attacks on a local server). ``warm``: compute statistics at start-up.
    ``tls``: the dashboard is reached over HTTPS (directly or through a reverse proxy): the
    session cookie is ``Secure`` and responses carry HSTS.
    """
    folder = Path(folder)
    if lang not in LANGS:
        raise AntenaError("lang must be es or en")
    if not (folder / "antena.toml").is_file() or not (folder / "antena.duckdb").is_file():
        raise AntenaError(f"{folder} is not an Antena project (antena.toml and antena.duckdb are needed)")
    sessions = security.Sessions(password_hash, failure_delay=login_failure_delay,
                                 throttle=throttle_for(folder, load_config(folder))) if password_hash else None
    dash = Dashboard(folder, lang, sessions, cache_seconds)
    dash.tls = tls

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if warm:
            threading.Thread(target=_warm, args=(dash,), daemon=True, name="antena-warm").start()
        yield

    middleware = [
        Middleware(security.SecurityHeaders, tls=tls),
        Middleware(TrustedHostMiddleware, allowed_hosts=allowed_hosts or list(security.LOOPBACK_HOSTS)),
        Middleware(LoginGate, dash=dash),
    ]
    app = Starlette(routes=build_app(dash), middleware=middleware, exception_handlers=_error_handlers(dash),
                    lifespan=lifespan)
    app.state.dashboard = dash
    return app


def _warm(dash: Dashboard) -> None:
    """Fill the cache so the first visitor does not wait for the statistics. Charts are not
    drawn here: they are drawn (in a child process) when a page first needs them."""
    with contextlib.suppress(Exception):
        dash.reader.stats()
