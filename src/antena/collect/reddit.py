"""Reddit: subreddit listings, search and comment trees through the OAuth API.

Needs a registered app (``ANTENA_REDDIT_CLIENT_ID``, ``ANTENA_REDDIT_CLIENT_SECRET``; with
``ANTENA_REDDIT_USERNAME``/``ANTENA_REDDIT_PASSWORD`` a script app logs in as that user, otherwise
it uses app-only ``client_credentials``). ``--channel SUB`` reads ``/r/SUB/new``, ``--query Q``
``/search?sort=new`` (within ``--channel`` when both are given, via the ``subreddit`` setting),
and ``--comments`` adds each submission's comment tree (``/comments/<id>``; "more" stubs are kept
in quarantine as the importer does). Pages go back with ``after``; later runs stop at the newest
submission already collected. Reddit's API has no date filter, so ``--until`` is refused and
``--since`` stops at the first page reaching it.

Docs: https://www.reddit.com/dev/api (listings: ``limit`` up to 100, ``after``; 100 queries a
minute per OAuth client); a descriptive ``user_agent`` in ``[collect.reddit]`` is required.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from antena.collect.base import Body, Collector, Page, newest_of, time_marker
from antena.collect.credentials import CollectError, Credential
from antena.sources.base import dig


class RedditCollector(Collector):
    name = "reddit"
    title = "Reddit listings, search and comment trees"
    formats = ("reddit",)
    targets = ("channel", "query")
    credentials = (
        Credential("client_id", "ANTENA_REDDIT_CLIENT_ID", "the app's client id"),
        Credential("client_secret", "ANTENA_REDDIT_CLIENT_SECRET", "the app's secret"),
        Credential("username", "ANTENA_REDDIT_USERNAME", "optional, for script apps", required=False),
        Credential("password", "ANTENA_REDDIT_PASSWORD", "optional, for script apps", required=False),
    )
    default_api_base = "https://oauth.reddit.com"
    min_interval = 0.7  # 100 queries per minute
    supports_until = False

    _token: str | None = None

    def _auth(self) -> dict[str, str]:
        if self._token is None:
            default_auth = "https://www.reddit.com" if self.api_base == self.default_api_base else self.api_base
            auth_base = str(self.settings.get("auth_base") or default_auth).rstrip("/")
            form = {"grant_type": "client_credentials"}
            if "username" in self.secrets and "password" in self.secrets:
                form = {"grant_type": "password", "username": self.secrets.get("username") or "",
                        "password": self.secrets.get("password") or ""}
            response = self.client.send("POST", f"{auth_base}/api/v1/access_token", data=form,
                                        auth=(self.secrets.get("client_id") or "", self.secrets.get("client_secret") or ""),
                                        headers=self._agent(), ok=(400, 401, 403))
            token = (self.json(response.content) or {}).get("access_token") if response.status_code == 200 else None
            if not token:
                raise CollectError(f"reddit: the app credentials were refused (HTTP {response.status_code})")
            self._token = str(token)
            self.secrets.add("access_token", self._token)
        return {"Authorization": f"Bearer {self._token}", **self._agent()}

    def _agent(self) -> dict[str, str]:
        agent = self.settings.get("user_agent")
        return {"User-Agent": str(agent)} if agent else {}

    def _get(self, path: str, params: dict[str, Any], ok: tuple[int, ...] = ()) -> Any:
        response = self.client.send("GET", f"{self.api_base}{path}", params=params, headers=self._auth(), ok=(401, *ok))
        if response.status_code == 401:  # the hour-long token expired: log in again once
            self._token = None
            response = self.client.send("GET", f"{self.api_base}{path}", params=params, headers=self._auth(), ok=ok)
        return response

    def fetch(self, cursor: str | None, floor: str | None, limit: int | None) -> Page:
        job = self.job
        params: dict[str, Any] = {"limit": max(1, min(100, limit or 100)), "after": cursor, "raw_json": 1}
        if job.kind == "channel":
            path = f"/r/{quote(job.value.removeprefix('r/'), safe='')}/new"
        else:
            sub = job.option("subreddit") or self.settings.get("subreddit")
            path = f"/r/{quote(str(sub), safe='')}/search" if sub else "/search"
            params.update({"q": job.value, "sort": "new", "type": "link", "restrict_sr": "true" if sub else None})
        response = self._get(path, params)
        doc = self.json(response.content)
        if not isinstance(doc, dict) or doc.get("kind") != "Listing" or not isinstance(dig(doc, "data", "children"), list):
            return Page([Body(response.content, "reddit", "listing")], cursor, problem="not a Reddit Listing")
        things = [c.get("data") for c in doc["data"]["children"] if isinstance(c, dict) and isinstance(c.get("data"), dict)]
        times = [time_marker(t.get("created_utc")) for t in things]
        bodies = [Body(response.content, "reddit", "listing")] if things else []
        if job.option("comments"):
            for thing in things:
                if thing.get("id") and (thing.get("num_comments") or 0) > 0:
                    tree = self._get(f"/comments/{quote(str(thing['id']), safe='')}",
                                     {"raw_json": 1, "limit": 500, "sort": "new"}, ok=(403, 404))
                    if tree.status_code == 200 and isinstance(self.json(tree.content), list):
                        bodies.append(Body(tree.content, "reddit", f"comments {thing['id']}"))
        since = time_marker(job.since) if job.since else None
        stop_at = max(m for m in (floor, since) if m) if floor or since else None
        reached = stop_at is not None and any(t is not None and t <= stop_at for t in times)
        after = dig(doc, "data", "after")
        return Page(bodies, str(after) if after and things and not reached else None, newest_of(times))
