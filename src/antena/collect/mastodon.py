"""Mastodon: hashtag and public timelines of one instance, and status search with a token.

``--hashtag H`` reads ``/api/v1/timelines/tag/H``; no target reads the federated public timeline
(``/api/v1/timelines/public``), ``--channel local`` the instance's local one; ``--query Q`` uses
``/api/v2/search?type=statuses`` and needs an access token (``ANTENA_MASTODON_TOKEN``; also used
for timelines when the instance requires it). Pages go back in time with ``max_id`` taken from
the ``Link: <...>; rel="next"`` header; later runs stop at the newest status already collected
(``since_id``). Mastodon ids start with the creation time in milliseconds (``id >> 16``), which
turns ``--since``/``--until`` into ``since_id``/``max_id``. The instance is ``--api-base``
(default ``https://mastodon.social``). Pages are read by the ``mastodon`` importer; a reply's
parent is linked when it is in the same page.

Docs: https://docs.joinmastodon.org/methods/timelines/ and /methods/search/ (``limit`` up to 40).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, quote, urlparse

from antena.collect.base import Body, Collector, Page
from antena.collect.credentials import CollectError, Credential


def snowflake(when: datetime) -> str:
    """The smallest Mastodon id created at ``when``."""
    return str(int(when.timestamp() * 1000) << 16)


class MastodonCollector(Collector):
    name = "mastodon"
    title = "Mastodon timelines and search"
    formats = ("mastodon",)
    targets = ("hashtag", "public", "channel", "query")
    credentials = (Credential("token", "ANTENA_MASTODON_TOKEN", "an access token of the instance, needed for search",
                              required=False),)
    default_api_base = "https://mastodon.social"
    min_interval = 1.0  # 300 requests per 5 minutes per IP or account
    numeric_markers = True
    page_size = 40

    def fetch(self, cursor: str | None, floor: str | None, limit: int | None) -> Page:
        job = self.job
        params: dict[str, Any] = {"limit": max(1, min(self.page_size, limit or self.page_size))}
        if job.kind == "hashtag":
            path = f"/api/v1/timelines/tag/{quote(job.value.lstrip('#'), safe='')}"
        elif job.kind == "query":
            if "token" not in self.secrets:
                raise CollectError("mastodon: search needs an access token: set ANTENA_MASTODON_TOKEN (docs/collect.md)")
            path = "/api/v2/search"
            params.update({"q": job.value, "type": "statuses", "resolve": "false"})
        elif job.kind == "channel" and job.value != "local":
            raise CollectError(f"mastodon: --channel can only be 'local' (the instance's local timeline), not {job.value!r}")
        else:
            path = "/api/v1/timelines/public"
            params["local"] = "true" if job.kind == "channel" else None
        params["max_id"] = cursor or (snowflake(job.until) if job.until else None)
        params["since_id"] = floor or (snowflake(job.since) if job.since else None)
        headers = {"Authorization": f"Bearer {self.secrets.get('token')}"} if "token" in self.secrets else {}
        response = self.client.send("GET", f"{self.api_base}{path}", params=params, headers=headers, ok=(401, 403))
        if response.status_code in (401, 403):
            hint = "the token was refused" if "token" in self.secrets else \
                "this instance wants an access token for it: set ANTENA_MASTODON_TOKEN (docs/collect.md)"
            raise CollectError(f"mastodon: {self.client.describe(response)} ({hint})")
        doc = self.json(response.content)
        statuses = doc.get("statuses") if job.kind == "query" and isinstance(doc, dict) else doc
        body = Body(response.content, "mastodon", path.rsplit("/", 1)[-1])
        if not isinstance(statuses, list):
            return Page([body], cursor, problem="not a list of statuses")
        ids = [str(s["id"]) for s in statuses if isinstance(s, dict) and str(s.get("id", "")).isdigit()]
        if not statuses:
            return Page([], None)
        next_link = response.links.get("next", {}).get("url")
        next_max = parse_qs(urlparse(next_link).query).get("max_id", [None])[0] if next_link else None
        if next_max is None and job.kind == "query" and ids:
            next_max = min(ids, key=int)  # search answers carry no Link header
        if next_max is None and job.kind != "query" and ids and "Link" not in response.headers:
            next_max = min(ids, key=int)
        newest = max(ids, key=int) if ids else None
        return Page([body], next_max, newest)
