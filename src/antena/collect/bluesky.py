"""Bluesky: ``app.bsky.feed.searchPosts`` on the public AppView, newest first, by cursor.

No account is needed on the public AppView (``https://public.api.bsky.app``). With a handle and
an app password (``ANTENA_BLUESKY_HANDLE``, ``ANTENA_BLUESKY_APP_PASSWORD``) the collector opens a
session (``com.atproto.server.createSession``) and searches through the account's PDS, which
some AppViews require for search. Pages are read by the ``bluesky_appview`` importer.

Docs: https://docs.bsky.app/docs/api/app-bsky-feed-search-posts (``q``, ``sort=latest``,
``since``/``until`` as datetimes, ``limit`` 1..100, ``cursor``).
"""

from __future__ import annotations

from typing import Any

from antena.collect.base import Body, Collector, Page, rfc3339, time_marker
from antena.collect.credentials import CollectError, Credential

SEARCH = "/xrpc/app.bsky.feed.searchPosts"


class BlueskyCollector(Collector):
    name = "bluesky"
    title = "Bluesky search (app.bsky.feed.searchPosts)"
    formats = ("bluesky_appview",)
    targets = ("query", "hashtag")
    credentials = (
        Credential("handle", "ANTENA_BLUESKY_HANDLE", "your Bluesky handle, optional", required=False),
        Credential("app_password", "ANTENA_BLUESKY_APP_PASSWORD", "an app password, optional", required=False),
    )
    default_api_base = "https://public.api.bsky.app"
    min_interval = 0.5  # AppView: 3000 requests per 5 minutes per IP; stay well below
    page_size = 100

    _token: str | None = None

    def _headers(self) -> dict[str, str]:
        if "handle" not in self.secrets or "app_password" not in self.secrets:
            return {}
        if self._token is None:
            auth_base = str(self.settings.get("auth_base") or self.api_base).rstrip("/")
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
        query = job.value if job.kind == "query" else f"#{job.value.lstrip('#')}"
        params: dict[str, Any] = {
            "q": query, "sort": "latest", "limit": max(1, min(self.page_size, limit or self.page_size)),
            "cursor": cursor, "until": rfc3339(job.until),
            "since": floor or rfc3339(job.since),
        }
        if "lang" in self.settings:
            params["lang"] = self.settings["lang"]
        response = self.client.send("GET", f"{self.api_base}{SEARCH}", params=params, headers=self._headers())
        doc = self.json(response.content)
        body = Body(response.content, "bluesky_appview", "searchPosts")
        if not isinstance(doc, dict) or not isinstance(doc.get("posts"), list):
            return Page([body], cursor, problem="not a searchPosts response (no posts list)")
        posts = [p for p in doc["posts"] if isinstance(p, dict)]
        newest = max((m for m in (time_marker(p.get("indexedAt")) for p in posts) if m), default=None)
        next_cursor = doc.get("cursor") if posts and doc.get("cursor") else None
        return Page([body], str(next_cursor) if next_cursor else None, newest)
