"""YouTube Data API v3: comment threads of videos or channels, and the live chat of a live video.

``--video V`` reads ``commentThreads?videoId=V``, ``--channel C`` ``commentThreads?
allThreadsRelatedToChannelId=C``, newest first (``order=time``); threads with more replies than
the 5 the thread carries get them from ``comments?parentId=`` (setting ``replies = false`` skips
that). Later runs stop at the newest thread already collected, so replies added later to old
threads are not fetched again. ``--video V --live`` finds the video's ``activeLiveChatId``
and polls ``liveChat/messages`` at the interval the API asks for, until the chat ends or a limit.

The API key (``ANTENA_YOUTUBE_API_KEY``) is sent in the ``X-Goog-Api-Key`` header, never in a
URL. Quota: 10,000 units a day; every call here costs 1 unit (live chat: about 5).
Docs: https://developers.google.com/youtube/v3/docs/commentThreads/list,
https://developers.google.com/youtube/v3/live/docs/liveChatMessages/list.
"""

from __future__ import annotations

from typing import Any

from antena.collect.base import Body, Collector, Page, newest_of, time_marker
from antena.collect.credentials import CollectError, Credential
from antena.sources.base import dig

MAX_REPLY_PAGES = 20  # per thread, per page: a bound on quota spent on one huge thread


class YouTubeCollector(Collector):
    name = "youtube"
    title = "YouTube comment threads and live chat"
    formats = ("youtube_comments", "youtube_livechat_api")
    targets = ("video", "channel", "live")
    credentials = (Credential("api_key", "ANTENA_YOUTUBE_API_KEY", "a YouTube Data API v3 key"),)
    default_api_base = "https://www.googleapis.com"
    min_interval = 0.2
    supports_until = False

    def _get(self, path: str, params: dict[str, Any], ok: tuple[int, ...] = ()) -> Any:
        response = self.client.send("GET", f"{self.api_base}/youtube/v3/{path}", params=params,
                                    headers={"X-Goog-Api-Key": self.secrets.get("api_key") or ""}, ok=(403, *ok))
        if response.status_code == 403 and b"quotaExceeded" in response.content:
            raise CollectError("youtube: the API key's daily quota is used up (10,000 units by default); it resets at"
                               " midnight Pacific time and the next run continues from the cursor")
        if response.status_code == 403 and 403 not in ok:
            raise CollectError(self.client.describe(response))
        return response

    def fetch(self, cursor: str | None, floor: str | None, limit: int | None) -> Page:
        if self.job.kind == "live":
            return self._live(cursor, limit)
        return self._threads(cursor, floor, limit)

    # ------------------------------------------------------------------ comment threads

    def _threads(self, cursor: str | None, floor: str | None, limit: int | None) -> Page:
        job = self.job
        params: dict[str, Any] = {"part": "snippet,replies", "maxResults": max(1, min(100, limit or 100)),
                                  "order": "time", "textFormat": "html", "pageToken": cursor}
        params["videoId" if job.kind == "video" else "allThreadsRelatedToChannelId"] = job.value
        response = self._get("commentThreads", params)
        doc = self.json(response.content)
        if not isinstance(doc, dict) or not isinstance(doc.get("items"), list):
            return Page([Body(response.content, "youtube_comments", "commentThreads")], cursor,
                        problem="not a commentThreads response (no items list)")
        threads = [t for t in doc["items"] if isinstance(t, dict)]
        times = [time_marker(dig(t, "snippet", "topLevelComment", "snippet", "publishedAt")) for t in threads]
        bodies = [Body(response.content, "youtube_comments", "commentThreads")] if threads else []
        if self.settings.get("replies", True):
            for thread in threads:
                total = dig(thread, "snippet", "totalReplyCount", default=0) or 0
                if total > len(dig(thread, "replies", "comments", default=[]) or []):
                    bodies += self._replies(str(thread.get("id")))
        reached_floor = floor is not None and any(t is not None and t <= floor for t in times)
        next_cursor = doc.get("nextPageToken") if threads and not reached_floor else None
        return Page(bodies, str(next_cursor) if next_cursor else None, newest_of(times))

    def _replies(self, parent: str) -> list[Body]:
        bodies, token = [], None
        for _ in range(MAX_REPLY_PAGES):
            response = self._get("comments", {"part": "snippet", "parentId": parent, "maxResults": 100,
                                              "textFormat": "html", "pageToken": token}, ok=(400, 403, 404))
            doc = self.json(response.content) if response.status_code == 200 else None
            if not isinstance(doc, dict) or not isinstance(doc.get("items"), list):
                break  # the thread itself is stored; its extra replies wait for a later run
            bodies.append(Body(response.content, "youtube_comments", f"replies {parent}"))
            token = doc.get("nextPageToken")
            if not token:
                break
        return bodies

    # ------------------------------------------------------------------ live chat

    def _live(self, cursor: str | None, limit: int | None) -> Page:
        if cursor:
            chat_id, _, token = cursor.partition(" ")
        else:
            response = self._get("videos", {"part": "liveStreamingDetails", "id": self.job.value})
            doc = self.json(response.content) or {}
            chat_id = dig(doc, "items", 0, "liveStreamingDetails", "activeLiveChatId")
            if not chat_id:
                raise CollectError(f"youtube: video {self.job.value} has no active live chat (not live, or ended)")
            token = ""
        response = self._get("liveChat/messages", {"liveChatId": chat_id, "part": "snippet,authorDetails",
                                                   "maxResults": max(200, min(2000, limit or 2000)),
                                                   "pageToken": token or None}, ok=(403, 404))
        doc = self.json(response.content)
        if response.status_code in (403, 404):
            reason = str(dig(doc, "error", "errors", 0, "reason", default="") or "")
            if reason in ("liveChatEnded", "liveChatNotFound", "liveChatDisabled") or response.status_code == 404:
                return Page([], None)
            raise CollectError(f"youtube: live chat refused (HTTP {response.status_code} {reason})")
        if not isinstance(doc, dict) or not isinstance(doc.get("items"), list):
            return Page([Body(response.content, "youtube_livechat_api", "liveChatMessages")], cursor,
                        problem="not a liveChatMessages response (no items list)")
        items = [i for i in doc["items"] if isinstance(i, dict)]
        times = [time_marker(dig(i, "snippet", "publishedAt")) for i in items]
        bodies = [Body(response.content, "youtube_livechat_api", "liveChatMessages")] if items else []
        next_token = doc.get("nextPageToken")
        if doc.get("offlineAt") or not next_token:
            return Page(bodies, None, newest_of(times))
        delay = max(float(doc.get("pollingIntervalMillis") or 5000) / 1000, float(self.settings.get("min_poll", 0)))
        return Page(bodies, f"{chat_id} {next_token}", newest_of(times), delay=delay, follows=True)
