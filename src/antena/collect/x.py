"""X API v2: recent search (7 days) and full-archive search, paged with ``next_token``.

Pages are the JSON X returns (``data``, ``includes``, ``meta``), as twarc2 writes them, with the
expansions and fields twarc2 asks for, and are read by the ``twitter_v2`` importer. Needs a bearer
token (``ANTENA_X_BEARER_TOKEN``); in 2026 X bills reads per use. ``--archive`` uses
``/2/tweets/search/all``. Later runs stop at the newest tweet already collected (``since_id``).

Docs: https://docs.x.com/x-api/posts/search-recent-posts (``query``, ``max_results`` 10..100,
``start_time``, ``end_time``, ``since_id``, ``next_token``).
"""

from __future__ import annotations

from typing import Any

from antena.collect.base import Body, Collector, Page, rfc3339
from antena.collect.credentials import Credential

EXPANSIONS = ("author_id,attachments.media_keys,referenced_tweets.id,referenced_tweets.id.author_id,"
              "entities.mentions.username,in_reply_to_user_id,geo.place_id,attachments.poll_ids,"
              "edit_history_tweet_ids")
TWEET_FIELDS = ("attachments,author_id,context_annotations,conversation_id,created_at,edit_controls,"
                "edit_history_tweet_ids,entities,geo,id,in_reply_to_user_id,lang,note_tweet,possibly_sensitive,"
                "public_metrics,referenced_tweets,reply_settings,source,text,withheld")
USER_FIELDS = ("created_at,description,entities,id,location,name,pinned_tweet_id,profile_image_url,protected,"
               "public_metrics,url,username,verified,verified_type,withheld")
MEDIA_FIELDS = "alt_text,duration_ms,height,media_key,preview_image_url,public_metrics,type,url,variants,width"
PLACE_FIELDS = "contained_within,country,country_code,full_name,geo,id,name,place_type"
POLL_FIELDS = "duration_minutes,end_datetime,id,options,voting_status"


class XCollector(Collector):
    name = "x"
    title = "X API v2 recent and full-archive search"
    formats = ("twitter_v2",)
    targets = ("query", "hashtag")
    credentials = (Credential("bearer_token", "ANTENA_X_BEARER_TOKEN", "the app's bearer token"),)
    default_api_base = "https://api.x.com"
    min_interval = 1.1  # full-archive search allows 1 request per second
    numeric_markers = True

    def fetch(self, cursor: str | None, floor: str | None, limit: int | None) -> Page:
        job = self.job
        archive = bool(job.option("archive"))
        path = "/2/tweets/search/all" if archive else "/2/tweets/search/recent"
        query = job.value if job.kind == "query" else f"#{job.value.lstrip('#')}"
        size = 100 if limit is None else max(10, min(100, limit))
        params: dict[str, Any] = {
            "query": query, "max_results": size, "next_token": cursor,
            "expansions": EXPANSIONS, "tweet.fields": TWEET_FIELDS, "user.fields": USER_FIELDS,
            "media.fields": MEDIA_FIELDS, "place.fields": PLACE_FIELDS, "poll.fields": POLL_FIELDS,
            "end_time": rfc3339(job.until),
        }
        if floor:
            params["since_id"] = floor  # X refuses since_id together with start_time
        else:
            params["start_time"] = rfc3339(job.since)
        headers = {"Authorization": f"Bearer {self.secrets.get('bearer_token')}"}
        response = self.client.send("GET", f"{self.api_base}{path}", params=params, headers=headers)
        doc = self.json(response.content)
        body = Body(response.content, "twitter_v2", path.rsplit("/", 1)[-1])
        if not isinstance(doc, dict) or not isinstance(doc.get("meta", {}), dict) or not (
                "data" in doc or "meta" in doc or "errors" in doc):
            return Page([body], cursor, problem="not an X API v2 search page (no data, meta or errors)")
        meta = doc.get("meta") or {}
        next_token = meta.get("next_token")
        newest = str(meta["newest_id"]) if str(meta.get("newest_id", "")).isdigit() else None
        has_records = "data" in doc or "errors" in doc
        return Page([body] if has_records else [], str(next_token) if next_token else None, newest)
