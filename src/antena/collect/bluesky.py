"""Bluesky: ``app.bsky.feed.searchPosts`` on the public AppView, newest first, by cursor.

Since 2025 Bluesky often refuses anonymous post search (HTTP 403, and always for a ``cursor``
on ``public.api.bsky.app``), so an account is recommended: with a handle and an app password
(``ANTENA_BLUESKY_HANDLE``, ``ANTENA_BLUESKY_APP_PASSWORD``) the collector opens a session
(``com.atproto.server.createSession`` at ``auth_base``, default ``https://bsky.social``) and
searches through that PDS, which forwards to the AppView; an expired session is renewed once.
Without an account it tries the public AppView and, when refused, says what to set.
Pages are read by the ``bluesky_appview`` importer. ``--live`` follows the Jetstream firehose
instead (:mod:`antena.collect.jetstream`).

Docs: https://docs.bsky.app/docs/api/app-bsky-feed-search-posts (``q``, ``sort=latest``,
``since``/``until`` as datetimes, ``limit`` 1..100, ``cursor``).
"""

from __future__ import annotations

from typing import Any

from antena.collect.base import Body, Collector, Page, rfc3339, time_marker
from antena.collect.credentials import CollectError, Credential

SEARCH = "/xrpc/app.bsky.feed.searchPosts"
DEFAULT_PDS = "https://bsky.social"


class BlueskyCollector(Collector):
    name = "bluesky"
    title = "Bluesky search (app.bsky.feed.searchPosts)"
    formats = ("bluesky_appview",)
    targets = ("query", "hashtag", "live")
    credentials = (
        Credential("handle", "ANTENA_BLUESKY_HANDLE", "your Bluesky handle, optional", required=False),
        Credential("app_password", "ANTENA_BLUESKY_APP_PASSWORD", "an app password, optional", required=False),
    )
    default_api_base = "https://public.api.bsky.app"
    min_interval = 0.5  # AppView: 3000 requests per 5 minutes per IP; stay well below
    page_size = 100

    _token: str | None = None
    _stream: Any = None

    @classmethod
    def default_base_for(cls, kind: str) -> str:
        from antena.collect.jetstream import JETSTREAM

        return JETSTREAM if kind == "live" else cls.default_api_base

    def close(self) -> None:
        if self._stream is not None:
            self._stream.close()
        super().close()

    @property
    def logged_in(self) -> bool:
        return "handle" in self.secrets and "app_password" in self.secrets

    def _auth_base(self) -> str:
        return str(self.settings.get("auth_base") or DEFAULT_PDS).rstrip("/")

    def _search_base(self) -> str:
        """The PDS when logged in and no other base was chosen; the AppView otherwise."""
        if self.logged_in and self.api_base == self.default_api_base:
            return self._auth_base()
        return self.api_base

    def _headers(self) -> dict[str, str]:
        if not self.logged_in:
            return {}
        if self._token is None:
            auth_base = self._auth_base() if self.api_base == self.default_api_base or "auth_base" in self.settings \
                else self.api_base
            response = self.client.send(
                "POST", f"{auth_base}/xrpc/com.atproto.server.createSession",
                json={"identifier": self.secrets.get("handle"), "password": self.secrets.get("app_password")},
                ok=(400, 401),
            )
            if response.status_code != 200:
                raise CollectError(f"bluesky: could not log in (HTTP {response.status_code}); check the handle and app password")
            self._token = str((self.json(response.content) or {}).get("accessJwt") or "")
            self.secrets.add("session", self._token)
        return {"Authorization": f"Bearer {self._token}"}

    def fetch(self, cursor: str | None, floor: str | None, limit: int | None) -> Page:
        job = self.job
        if job.kind == "live":
            if self._stream is None:
                from antena.collect.jetstream import JetstreamReader

                self._stream = JetstreamReader(self, job.value or str(self.settings.get("scope_query") or ""))
            return self._stream.fetch(cursor, limit)
        query = job.value if job.kind == "query" else f"#{job.value.lstrip('#')}"
        params: dict[str, Any] = {
            "q": query, "sort": "latest", "limit": max(1, min(self.page_size, limit or self.page_size)),
            "cursor": cursor, "until": rfc3339(job.until),
            "since": floor or rfc3339(job.since),
        }
        if "lang" in self.settings:
            params["lang"] = self.settings["lang"]
        response = self.client.send("GET", f"{self._search_base()}{SEARCH}", params=params, headers=self._headers(),
                                    ok=(400, 401, 403))
        if response.status_code in (400, 401) and self._token and b"ExpiredToken" in response.content:
            self._token = None  # sessions last about two hours: log in again once
            response = self.client.send("GET", f"{self._search_base()}{SEARCH}", params=params,
                                        headers=self._headers(), ok=(403,))
        if response.status_code == 403 and not self.logged_in:
            raise CollectError("bluesky: the AppView refuses anonymous search (HTTP 403). Set ANTENA_BLUESKY_HANDLE and"
                               " ANTENA_BLUESKY_APP_PASSWORD (an app password from bsky.app settings); docs/collect.md")
        if response.status_code >= 400:
            raise CollectError(self.client.describe(response))
        doc = self.json(response.content)
        body = Body(response.content, "bluesky_appview", "searchPosts")
        if not isinstance(doc, dict) or not isinstance(doc.get("posts"), list):
            return Page([body], cursor, problem="not a searchPosts response (no posts list)")
        posts = [p for p in doc["posts"] if isinstance(p, dict)]
        newest = max((m for m in (time_marker(p.get("indexedAt")) for p in posts) if m), default=None)
        next_cursor = doc.get("cursor") if posts and doc.get("cursor") else None
        return Page([body], str(next_cursor) if next_cursor else None, newest)
