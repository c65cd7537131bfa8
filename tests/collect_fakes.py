"""Local fake APIs for the collector tests: real HTTP on 127.0.0.1, real pagination, scripted faults.

Each fake holds items (synthetic, or loaded from recorded samples) and answers the platform's
endpoint the way its documentation says: page sizes capped, cursors, floors (``since``,
``since_id``), auth headers required where the platform requires them. Faults are scripted per
request number: ``429`` (with Retry-After), ``500``/``503``, ``drop`` (connection closed without
an answer), ``malformed`` (a body that is not JSON), ``wrongshape`` (JSON that is not the page).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

import orjson

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


class Reply:
    def __init__(self, status: int = 200, body: Any = None, headers: dict[str, str] | None = None,
                 raw: bytes | None = None) -> None:
        self.status = status
        self.raw = raw if raw is not None else orjson.dumps(body)
        self.headers = headers or {}


class FakeApi:
    """The HTTP plumbing shared by the fakes; subclasses implement ``route``."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.faults: dict[int, tuple[str, dict[str, str]]] = {}
        self.delay = 0.0
        self.page_cap = 5
        self._server: ThreadingHTTPServer | None = None
        self.served_pages = 0

    # faults -----------------------------------------------------------------
    def fault(self, at: int, kind: str, **headers: str) -> None:
        """Make request number ``at`` (1-based, counting every request) fail with ``kind``."""
        self.faults[at] = (kind, headers)

    # server -----------------------------------------------------------------
    @property
    def base(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> FakeApi:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _handle(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                parsed = urlparse(self.path)
                request = {"method": method, "path": parsed.path, "params": {k: v[0] for k, v in parse_qs(parsed.query).items()},
                           "headers": {k.lower(): v for k, v in self.headers.items()}, "body": body, "raw_path": self.path}
                fake.requests.append(request)
                number = len(fake.requests)
                if number in fake.faults:
                    kind, headers = fake.faults[number]
                    if kind == "drop":
                        self.connection.shutdown(socket.SHUT_RDWR)
                        self.close_connection = True
                        return
                    if kind == "malformed":
                        reply = Reply(200, raw=b'{"posts": [{"uri": "at://trunc')
                    elif kind == "wrongshape":
                        reply = Reply(200, {"unexpected": True})
                    else:
                        reply = Reply(int(kind), {"error": f"fault {kind}"}, headers)
                else:
                    if fake.delay:
                        time.sleep(fake.delay)
                    reply = fake.route(request)
                    if reply.status == 200:
                        fake.served_pages += 1
                self.send_response(reply.status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(reply.raw)))
                for key, value in reply.headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(reply.raw)

            def do_GET(self) -> None:  # noqa: N802
                self._handle("GET")

            def do_POST(self) -> None:  # noqa: N802
                self._handle("POST")

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def route(self, request: dict[str, Any]) -> Reply:
        raise NotImplementedError

    def limit(self, request: dict[str, Any], name: str, default: int) -> int:
        try:
            asked = int(request["params"].get(name, default))
        except ValueError:
            asked = default
        return max(1, min(asked, self.page_cap))


def _offset(value: str | None) -> int:
    return int(value) if value and value.isdigit() else 0


# ---------------------------------------------------------------- Bluesky


def bluesky_post(i: int, when: datetime, text: str | None = None) -> dict[str, Any]:
    did = f"did:plc:fakeauthor{i % 4:014d}"
    stamp = when.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    return {
        "uri": f"at://{did}/app.bsky.feed.post/3kfake{i:08d}", "cid": f"bafyfake{i:08d}",
        "author": {"did": did, "handle": f"user{i % 4}.example.social", "displayName": f"User {i % 4}", "labels": []},
        "record": {"$type": "app.bsky.feed.post", "text": text or f"Post {i} sobre #AlertaAmber robo de niños",
                   "createdAt": stamp, "langs": ["es"]},
        "replyCount": 0, "repostCount": i % 3, "likeCount": i, "quoteCount": 0, "indexedAt": stamp, "labels": [],
    }


class BlueskyFake(FakeApi):
    """``app.bsky.feed.searchPosts``: newest first, ``limit``, opaque ``cursor``, ``since``/``until``."""

    def __init__(self, posts: list[dict[str, Any]] | None = None, require_auth: str | None = None) -> None:
        super().__init__()
        self.posts = posts if posts is not None else [bluesky_post(i, T0 + timedelta(minutes=i)) for i in range(23)]
        self.require_auth = require_auth

    def route(self, request: dict[str, Any]) -> Reply:
        if request["path"] == "/xrpc/com.atproto.server.createSession":
            doc = orjson.loads(request["body"])
            if doc.get("password") != "app-pass-1234":
                return Reply(401, {"error": "AuthenticationRequired"})
            return Reply(200, {"accessJwt": "jwt-session-token-5678", "did": "did:plc:me"})
        if request["path"] != "/xrpc/app.bsky.feed.searchPosts":
            return Reply(404, {"error": "MethodNotImplemented"})
        if self.require_auth and request["headers"].get("authorization") != f"Bearer {self.require_auth}":
            return Reply(403, {"error": "Forbidden"})
        params = request["params"]
        if not params.get("q"):
            return Reply(400, {"error": "InvalidRequest", "message": "q is required"})
        posts = sorted(self.posts, key=lambda p: p["indexedAt"], reverse=True)
        if params.get("since"):
            posts = [p for p in posts if p["indexedAt"] >= _bsky_time(params["since"])]
        if params.get("until"):
            posts = [p for p in posts if p["indexedAt"] < _bsky_time(params["until"])]
        start = _offset(params.get("cursor"))
        size = self.limit(request, "limit", 25)
        page = posts[start:start + size]
        doc: dict[str, Any] = {"posts": page}
        if start + size < len(posts):
            doc["cursor"] = str(start + size)
        return Reply(200, doc)


def _bsky_time(value: str) -> str:
    from antena.sources.base import parse_time

    return parse_time(value).strftime("%Y-%m-%dT%H:%M:%S.000Z")


# ---------------------------------------------------------------- Mastodon


def mastodon_status(i: int, when: datetime, host: str = "fake.example") -> dict[str, Any]:
    sid = str((int(when.timestamp() * 1000) << 16) + i)
    user = f"user{i % 3}"
    return {
        "id": sid, "uri": f"https://{host}/users/{user}/statuses/{sid}", "url": f"https://{host}/@{user}/{sid}",
        "created_at": when.strftime("%Y-%m-%dT%H:%M:%S.000Z"), "edited_at": None,
        "in_reply_to_id": None, "in_reply_to_account_id": None, "sensitive": False, "spoiler_text": "",
        "visibility": "public", "language": "es", "replies_count": 0, "reblogs_count": i % 2, "favourites_count": i,
        "content": f'<p>Estado {i} sobre <a href="https://{host}/tags/alertaamber" class="mention hashtag">#<span>AlertaAmber</span></a></p>',
        "reblog": None, "media_attachments": [], "mentions": [], "tags": [{"name": "alertaamber", "url": f"https://{host}/tags/alertaamber"}],
        "emojis": [], "card": None, "poll": None,
        "account": {"id": str(100 + i % 3), "username": user, "acct": user, "display_name": user.title(),
                    "url": f"https://{host}/@{user}", "uri": f"https://{host}/users/{user}"},
    }


class MastodonFake(FakeApi):
    """Tag and public timelines (``max_id``/``since_id``/``min_id``, Link headers) and v2 search."""

    def __init__(self, statuses: list[dict[str, Any]] | None = None, token: str | None = None) -> None:
        super().__init__()
        self.statuses = statuses if statuses is not None else [
            mastodon_status(i, T0 + timedelta(minutes=i)) for i in range(17)]
        self.token = token

    def route(self, request: dict[str, Any]) -> Reply:
        path, params = request["path"], request["params"]
        authorised = self.token is not None and request["headers"].get("authorization") == f"Bearer {self.token}"
        if path == "/api/v2/search":
            if not authorised:
                return Reply(401, {"error": "The access token is invalid"})
            items = [s for s in self.statuses if params.get("q", "").lower() in s["content"].lower()]
        elif path.startswith("/api/v1/timelines/tag/"):
            tag = path.rsplit("/", 1)[-1].lower()
            items = [s for s in self.statuses if any(t["name"] == tag for t in s["tags"])]
        elif path == "/api/v1/timelines/public":
            items = list(self.statuses)
        else:
            return Reply(404, {"error": "Record not found"})
        items = sorted(items, key=lambda s: int(s["id"]), reverse=True)
        if params.get("max_id"):
            items = [s for s in items if int(s["id"]) < int(params["max_id"])]
        if params.get("since_id"):
            items = [s for s in items if int(s["id"]) > int(params["since_id"])]
        size = self.limit(request, "limit", 20)
        page = items[:size]
        if path == "/api/v2/search":
            return Reply(200, {"accounts": [], "statuses": page, "hashtags": []})
        headers = {}
        if page:
            base = self.base + path
            extra = {k: v for k, v in params.items() if k not in ("max_id", "since_id", "min_id")}
            headers["Link"] = (f'<{base}?{urlencode({**extra, "max_id": page[-1]["id"]})}>; rel="next", '
                               f'<{base}?{urlencode({**extra, "min_id": page[0]["id"]})}>; rel="prev"')
        return Reply(200, page, headers)


# ---------------------------------------------------------------- X


def x_tweet(i: int, when: datetime) -> dict[str, Any]:
    tid = str(1_900_000_000_000_000_000 + i)
    return {"id": tid, "text": f"Tweet {i}: roban a un niño #AlertaAmber", "author_id": str(10 + i % 3),
            "created_at": when.strftime("%Y-%m-%dT%H:%M:%S.000Z"), "lang": "es", "conversation_id": tid,
            "edit_history_tweet_ids": [tid],
            "public_metrics": {"retweet_count": i % 4, "reply_count": 0, "like_count": i, "quote_count": 0},
            "entities": {"hashtags": [{"start": 30, "end": 42, "tag": "AlertaAmber"}]}}


class XFake(FakeApi):
    """``/2/tweets/search/recent`` and ``/all``: bearer token, ``next_token``, ``since_id``, times."""

    def __init__(self, token: str, tweets: list[dict[str, Any]] | None = None,
                 users: list[dict[str, Any]] | None = None) -> None:
        super().__init__()
        self.token = token
        self.tweets = tweets if tweets is not None else [x_tweet(i, T0 + timedelta(minutes=i)) for i in range(21)]
        self.users = users if users is not None else [
            {"id": str(10 + k), "username": f"cuenta{k}", "name": f"Cuenta {k}"} for k in range(3)]
        self.page_cap = 10

    def route(self, request: dict[str, Any]) -> Reply:
        if request["path"] not in ("/2/tweets/search/recent", "/2/tweets/search/all"):
            return Reply(404, {"title": "Not Found Error"})
        if request["headers"].get("authorization") != f"Bearer {self.token}":
            return Reply(401, {"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"})
        params = request["params"]
        if "since_id" in params and "start_time" in params:
            return Reply(400, {"title": "Invalid Request", "detail": "since_id and start_time cannot both be used"})
        items = sorted(self.tweets, key=lambda t: int(t["id"]), reverse=True)
        if params.get("since_id"):
            items = [t for t in items if int(t["id"]) > int(params["since_id"])]
        if params.get("start_time"):
            items = [t for t in items if t["created_at"] >= _bsky_time(params["start_time"])]
        if params.get("end_time"):
            items = [t for t in items if t["created_at"] < _bsky_time(params["end_time"])]
        start = _offset(params.get("next_token", "").removeprefix("tok"))
        size = self.limit(request, "max_results", 10)
        page = items[start:start + size]
        if not page:
            return Reply(200, {"meta": {"result_count": 0}})
        meta: dict[str, Any] = {"newest_id": page[0]["id"], "oldest_id": page[-1]["id"], "result_count": len(page)}
        if start + size < len(items):
            meta["next_token"] = f"tok{start + size}"
        authors = {t["author_id"] for t in page}
        return Reply(200, {"data": page, "includes": {"users": [u for u in self.users if u["id"] in authors]}, "meta": meta},
                     {"x-rate-limit-limit": "450", "x-rate-limit-remaining": "449", "x-rate-limit-reset": str(int(time.time()) + 900)})


# ---------------------------------------------------------------- replay of recorded pages


class ReplayFake(FakeApi):
    """Serves recorded response bodies in order, following their own cursors.

    ``pages`` are raw bodies; ``cursor_param`` is the request parameter carrying the cursor and
    ``next_of(doc)`` reads the next cursor from a recorded page. A cursor no recorded page
    answers gets ``empty``."""

    def __init__(self, path: str, pages: list[bytes], cursor_param: str,
                 next_of: Callable[[Any], str | None], empty: Any, headers_of: Callable[[Any], dict[str, str]] | None = None) -> None:
        super().__init__()
        self.path = path
        self.by_cursor: dict[str | None, bytes] = {}
        cursor: str | None = None
        for body in pages:
            self.by_cursor[cursor] = body
            cursor = next_of(orjson.loads(body))
            if cursor is None:
                break
        self.cursor_param = cursor_param
        self.empty = empty
        self.headers_of = headers_of

    def route(self, request: dict[str, Any]) -> Reply:
        if request["path"] != self.path:
            return Reply(404, {"error": "not found"})
        body = self.by_cursor.get(request["params"].get(self.cursor_param))
        if body is None:
            return Reply(200, self.empty)
        headers = self.headers_of(orjson.loads(body)) if self.headers_of else {}
        return Reply(200, raw=body, headers=headers)


# ---------------------------------------------------------------- YouTube


def youtube_comment(cid: str, when: datetime, video: str, parent: str | None = None, n: int = 0) -> dict[str, Any]:
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    snippet = {"authorDisplayName": f"Autor {n % 5}", "authorChannelId": {"value": f"UCauthor{n % 5:016d}"},
               "textDisplay": f"Comentario {cid} sobre #AlertaAmber", "textOriginal": f"Comentario {cid} sobre #AlertaAmber",
               "likeCount": n, "publishedAt": stamp, "updatedAt": stamp, "videoId": video}
    if parent:
        snippet["parentId"] = parent
    return {"kind": "youtube#comment", "etag": f"e-{cid}", "id": cid, "snippet": snippet}


def youtube_thread(i: int, when: datetime, video: str = "vidFAKE0001", replies: int = 0) -> dict[str, Any]:
    tid = f"UgxFake{i:05d}"
    all_replies = [youtube_comment(f"{tid}.r{k}", when + timedelta(seconds=k + 1), video, tid, k) for k in range(replies)]
    thread = {"kind": "youtube#commentThread", "etag": f"t-{tid}", "id": tid,
              "snippet": {"channelId": "UCchannelFake0000000001", "videoId": video, "canReply": True,
                          "totalReplyCount": replies, "isPublic": True,
                          "topLevelComment": youtube_comment(tid, when, video, None, i)}}
    if all_replies:
        thread["replies"] = {"comments": all_replies[:5]}
    thread["_all_replies"] = all_replies
    return thread


def live_message(i: int, when: datetime, chat: str) -> dict[str, Any]:
    text = f"Mensaje {i} #AlertaAmber"
    return {"kind": "youtube#liveChatMessage", "etag": "e", "id": f"LCC.fake{i:05d}",
            "snippet": {"type": "textMessageEvent", "liveChatId": chat, "authorChannelId": f"UCviewer{i % 3:016d}",
                        "publishedAt": when.strftime("%Y-%m-%dT%H:%M:%S.000Z"), "hasDisplayContent": True,
                        "displayMessage": text, "textMessageDetails": {"messageText": text}},
            "authorDetails": {"channelId": f"UCviewer{i % 3:016d}", "displayName": f"Espectador {i % 3}",
                              "isChatSponsor": False}}


class YouTubeFake(FakeApi):
    """commentThreads (videoId / allThreadsRelatedToChannelId), comments (parentId), videos, liveChat."""

    def __init__(self, key: str, threads: list[dict[str, Any]] | None = None, live: int = 12) -> None:
        super().__init__()
        self.key = key
        self.threads = threads if threads is not None else [
            youtube_thread(i, T0 + timedelta(minutes=i), replies=7 if i == 3 else (2 if i % 4 == 0 else 0)) for i in range(14)]
        self.chat = "LiveChatFake0001"
        self.live = [live_message(i, T0 + timedelta(seconds=i), self.chat) for i in range(live)]

    def _error(self, code: int, reason: str) -> Reply:
        return Reply(code, {"error": {"code": code, "message": reason, "errors": [{"reason": reason, "domain": "youtube"}]}})

    def route(self, request: dict[str, Any]) -> Reply:
        if request["headers"].get("x-goog-api-key") != self.key:
            return self._error(400, "keyInvalid")
        path, params = request["path"], request["params"]
        size = self.limit(request, "maxResults", 20)
        start = _offset(params.get("pageToken", "").removeprefix("p"))
        if path == "/youtube/v3/commentThreads":
            if params.get("videoId"):
                items = [t for t in self.threads if t["snippet"]["videoId"] == params["videoId"]]
            elif params.get("allThreadsRelatedToChannelId"):
                items = list(self.threads)
            else:
                return self._error(400, "missingRequiredParameter")
            items = sorted(items, key=lambda t: t["snippet"]["topLevelComment"]["snippet"]["publishedAt"], reverse=True)
            page = [{k: v for k, v in t.items() if not k.startswith("_")} for t in items[start:start + size]]
            doc = {"kind": "youtube#commentThreadListResponse", "etag": "x", "items": page,
                   "pageInfo": {"totalResults": len(items), "resultsPerPage": size}}
            if start + size < len(items):
                doc["nextPageToken"] = f"p{start + size}"
            return Reply(200, doc)
        if path == "/youtube/v3/comments":
            thread = next((t for t in self.threads if t["id"] == params.get("parentId")), None)
            if thread is None:
                return self._error(404, "commentNotFound")
            replies = thread["_all_replies"]
            doc = {"kind": "youtube#commentListResponse", "etag": "y", "items": replies[start:start + size]}
            if start + size < len(replies):
                doc["nextPageToken"] = f"p{start + size}"
            return Reply(200, doc)
        if path == "/youtube/v3/videos":
            details = {"actualStartTime": "2026-11-01T12:00:00Z", "activeLiveChatId": self.chat} if self.live else {}
            return Reply(200, {"kind": "youtube#videoListResponse", "items": [
                {"kind": "youtube#video", "id": params.get("id"), "liveStreamingDetails": details}]})
        if path == "/youtube/v3/liveChat/messages":
            if params.get("liveChatId") != self.chat:
                return self._error(404, "liveChatNotFound")
            page = self.live[start:start + size]
            doc = {"kind": "youtube#liveChatMessageListResponse", "etag": "z", "pollingIntervalMillis": 10,
                   "pageInfo": {"totalResults": len(page), "resultsPerPage": len(page)}, "items": page,
                   "nextPageToken": f"p{start + len(page)}"}
            if start >= len(self.live):
                doc["offlineAt"] = "2026-11-01T13:00:00Z"
            return Reply(200, doc)
        return self._error(404, "notFound")


# ---------------------------------------------------------------- Reddit


def reddit_link(i: int, when: datetime, sub: str = "mexico", comments: int = 0) -> dict[str, Any]:
    return {"kind": "t3", "data": {
        "id": f"fk{i:04d}", "name": f"t3_fk{i:04d}", "title": f"Publicación {i}: roban a un niño", "selftext": "Difundan #AlertaAmber",
        "author": f"redditor{i % 3}", "author_fullname": f"t2_user{i % 3}", "created_utc": when.timestamp(),
        "subreddit": sub, "subreddit_name_prefixed": f"r/{sub}", "permalink": f"/r/{sub}/comments/fk{i:04d}/x/",
        "url": f"https://www.reddit.com/r/{sub}/comments/fk{i:04d}/x/", "num_comments": comments, "score": i,
        "is_self": True, "over_18": False, "edited": False}}


def reddit_tree(link: dict[str, Any], n: int) -> list[dict[str, Any]]:
    link_id = link["data"]["name"]
    comments = [{"kind": "t1", "data": {
        "id": f"c{link['data']['id']}{k}", "name": f"t1_c{link['data']['id']}{k}", "body": f"Comentario {k}",
        "author": f"redditor{k % 2}", "author_fullname": f"t2_user{k % 2}",
        "created_utc": link["data"]["created_utc"] + 60 * (k + 1), "link_id": link_id, "parent_id": link_id,
        "subreddit": link["data"]["subreddit"], "score": 1, "replies": "", "edited": False,
        "permalink": f"{link['data']['permalink']}c{k}/"}} for k in range(n)]
    listing = {"kind": "Listing", "data": {"after": None, "before": None, "children": [link]}}
    return [listing, {"kind": "Listing", "data": {"after": None, "before": None, "children": comments}}]


class RedditFake(FakeApi):
    """``/api/v1/access_token`` (basic auth), ``/r/SUB/new``, ``/search``, ``/comments/ID`` (bearer)."""

    def __init__(self, client_id: str, secret: str, links: list[dict[str, Any]] | None = None) -> None:
        super().__init__()
        self.client_id, self.secret = client_id, secret
        self.links = links if links is not None else [
            reddit_link(i, T0 + timedelta(minutes=i), comments=3 if i % 5 == 0 else 0) for i in range(12)]
        self.tokens: list[str] = []

    def route(self, request: dict[str, Any]) -> Reply:
        import base64

        path, params = request["path"], request["params"]
        if path == "/api/v1/access_token":
            expected = "Basic " + base64.b64encode(f"{self.client_id}:{self.secret}".encode()).decode()
            if request["method"] != "POST" or request["headers"].get("authorization") != expected:
                return Reply(401, {"message": "Unauthorized", "error": 401})
            token = f"reddit-access-{len(self.tokens)}-zzzz"
            self.tokens.append(token)
            return Reply(200, {"access_token": token, "token_type": "bearer", "expires_in": 3600, "scope": "*"})
        if not self.tokens or request["headers"].get("authorization") != f"Bearer {self.tokens[-1]}":
            return Reply(401, {"message": "Unauthorized", "error": 401})
        items = sorted(self.links, key=lambda link: link["data"]["created_utc"], reverse=True)
        if path.startswith("/comments/"):
            link = next((x for x in self.links if x["data"]["id"] == path.rsplit("/", 1)[-1]), None)
            if link is None:
                return Reply(404, {"message": "Not Found", "error": 404})
            return Reply(200, reddit_tree(link, link["data"]["num_comments"]))
        if path.startswith("/r/") and path.endswith("/new"):
            sub = path.split("/")[2]
            items = [x for x in items if x["data"]["subreddit"] == sub]
        elif path in ("/search",) or path.endswith("/search"):
            items = [x for x in items if params.get("q", "").lower() in x["data"]["title"].lower()]
        else:
            return Reply(404, {"message": "Not Found", "error": 404})
        names = [x["data"]["name"] for x in items]
        start = names.index(params["after"]) + 1 if params.get("after") in names else 0
        size = self.limit(request, "limit", 25)
        page = items[start:start + size]
        after = page[-1]["data"]["name"] if page and start + size < len(items) else None
        return Reply(200, {"kind": "Listing", "data": {"after": after, "dist": len(page), "modhash": "", "before": None,
                                                      "children": page}},
                     {"x-ratelimit-remaining": "99.0", "x-ratelimit-used": "1", "x-ratelimit-reset": "400"})


# ---------------------------------------------------------------- Telegram (same interface as Telethon's transport)


def telegram_message(i: int, when: datetime, text: str | None = None, replies: int = 0) -> dict[str, Any]:
    body = text or f"Mensaje {i}: #AlertaAmber difundan"
    return {"id": i, "type": "message", "date": when.strftime("%Y-%m-%dT%H:%M:%S"),
            "date_unixtime": str(int(when.timestamp())), "from": "Canal Alerta", "from_id": "channel777",
            "text": [body.split("#")[0], {"type": "hashtag", "text": "#AlertaAmber"}, " difundan"] if "#AlertaAmber" in body else body,
            "text_entities": [{"type": "plain", "text": body.split("#")[0]}, {"type": "hashtag", "text": "#AlertaAmber"},
                              {"type": "plain", "text": " difundan"}] if "#AlertaAmber" in body else [{"type": "plain", "text": body}],
            "replies": replies}


class FakeTelegram:
    """A local stand-in for Telegram with the collector's transport interface (no MTProto)."""

    def __init__(self, secrets: Any = None, count: int = 230) -> None:
        self.info = {"id": 777, "name": "Canal Alerta", "type": "public_channel"}
        self.messages_by_id = {i: telegram_message(i, T0 + timedelta(minutes=i), replies=2 if i % 50 == 0 else 0)
                               for i in range(1, count + 1)}
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.fail_on_call: int | None = None

    def channel(self, name: str) -> dict[str, Any]:
        if name != "canalalerta":
            raise ValueError(f"No user has {name!r} as username")
        return dict(self.info)

    def messages(self, name: str, *, offset_id: int, min_id: int, limit: int, offset_date: datetime | None) -> list[dict[str, Any]]:
        self.calls.append(("messages", {"offset_id": offset_id, "min_id": min_id, "limit": limit}))
        if self.fail_on_call is not None and len(self.calls) == self.fail_on_call:
            raise ConnectionError("Connection to Telegram failed 5 time(s)")
        ids = sorted((i for i in self.messages_by_id if i > min_id and (offset_id == 0 or i < offset_id)), reverse=True)
        if offset_date is not None:
            ids = [i for i in ids if int(self.messages_by_id[i]["date_unixtime"]) < offset_date.timestamp()]
        return [dict(self.messages_by_id[i]) for i in ids[:limit]]

    def replies(self, name: str, message_id: int, limit: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        self.calls.append(("replies", {"message_id": message_id}))
        group = {"id": 888, "name": "Canal Alerta Chat", "type": "public_supergroup"}
        base = self.messages_by_id[message_id]
        out = []
        for k in range(int(base.get("replies") or 0)):
            when = int(base["date_unixtime"]) + 60 * (k + 1)
            out.append({"id": 10_000 + message_id * 10 + k, "type": "message", "date": "2026-11-01T12:00:00",
                        "date_unixtime": str(when), "from": f"Lector {k}", "from_id": f"user{500 + k}",
                        "text": f"Respuesta {k}", "text_entities": [{"type": "plain", "text": f"Respuesta {k}"}],
                        "reply_to_message_id": 10_000 + message_id * 10})
        return group, out


TELEGRAM = {"fake": FakeTelegram()}


def shared_telegram(secrets: Any = None) -> FakeTelegram:
    """The factory ``[collect.telegram] transport`` names in the CLI tests (one fake per test)."""
    return TELEGRAM["fake"]


# ---------------------------------------------------------------- Bluesky Jetstream (websocket)


def jetstream_event(i: int, text: str, collection: str = "app.bsky.feed.post", operation: str = "create") -> dict[str, Any]:
    did = f"did:plc:stream{i % 5:016d}"
    when = T0 + timedelta(seconds=i)
    commit: dict[str, Any] = {"rev": f"rev{i}", "operation": operation, "collection": collection, "rkey": f"3kjet{i:08d}",
                              "cid": f"bafyjet{i:08d}"}
    if operation != "delete":
        commit["record"] = {"$type": collection, "text": text, "createdAt": when.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                            "langs": ["es"]}
    return {"did": did, "time_us": int(when.timestamp() * 1_000_000), "kind": "commit", "commit": commit}


class JetstreamFake:
    """``/subscribe?wantedCollections=...&cursor=...`` over a real websocket on 127.0.0.1."""

    def __init__(self, events: list[dict[str, Any]], drop_after: int | None = None) -> None:
        self.events = events
        self.drop_after = drop_after  # close the first connection after this many events
        self.connections: list[str] = []
        self._server: Any = None

    def start(self) -> JetstreamFake:
        from websockets.sync.server import serve

        def handler(connection: Any) -> None:
            path = connection.request.path
            self.connections.append(path)
            params = {k: v[0] for k, v in parse_qs(urlparse(path).query).items()}
            cursor = int(params.get("cursor", 0))
            sent = 0
            for event in self.events:
                if event["time_us"] < cursor:
                    continue
                if self.drop_after is not None and len(self.connections) == 1 and sent >= self.drop_after:
                    connection.close()
                    return
                connection.send(orjson.dumps(event).decode())
                sent += 1
            try:
                connection.recv(timeout=30)  # stay open, as the firehose does
            except Exception:  # noqa: S110 - the client went away
                pass

        self._server = serve(handler, "127.0.0.1", 0)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    @property
    def base(self) -> str:
        return f"ws://127.0.0.1:{self._server.socket.getsockname()[1]}"

    def stop(self) -> None:
        self._server.shutdown()
