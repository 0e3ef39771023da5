"""What guards the served workspace: access settings checked at start, API key matching, and the ASGI
middleware around the whole app (security headers, a request body limit, UI login throttling).

Each middleware is plain ASGI, so it covers the Gradio UI (mounted at ``/``) and ``/api`` alike, and
answers in the API's ``{"error", "detail"}`` shape.
"""

from __future__ import annotations

import hmac
import json
import math
import re
import tempfile
import time
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from urllib.parse import urlsplit

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from rag.errors import ConfigError
from rag.settings import Settings

MAX_FILES_PER_UPLOAD = 20  # files one multipart request may reasonably carry, at RAG_MAX_FILE_MB each
MAX_JSON_BODY = 2 * 2**20  # any other body (JSON asks, Gradio events): /api/ask's largest valid is ~1 MB
MULTIPART_SLACK = 2**20  # form fields and part headers around the files

# Gradio runs its own inline bootstrap scripts (per-page config, so no fixed hashes) and evaluates
# gr.HTML templates with Function(): 'unsafe-inline' and 'unsafe-eval' are what it needs. What the
# policy buys: nothing loads from or talks to another host, and no site can frame the workspace.
CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; "
    "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; "
    "media-src 'self' data: blob:; worker-src 'self' blob:; connect-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
# FastAPI's /docs and /redoc pages load Swagger UI and ReDoc from the jsDelivr CDN.
DOCS_CSP = (
    CSP.replace("script-src 'self'", "script-src 'self' https://cdn.jsdelivr.net")
    .replace("style-src 'self'", "style-src 'self' https://cdn.jsdelivr.net")
    .replace("img-src 'self'", "img-src 'self' https://fastapi.tiangolo.com https://cdn.redoc.ly")
)
DOCS_PATHS = ("/docs", "/redoc")
HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
# What each response gets, built once rather than per request.
_PAGE_HEADERS = tuple({**HEADERS, "Content-Security-Policy": CSP}.items())
_DOCS_HEADERS = tuple({**HEADERS, "Content-Security-Policy": DOCS_CSP}.items())

LOGIN_MAX_FAILURES = 5  # failed sign-ins from one address before it must wait
LOGIN_LOCKOUT_S = 60.0  # the first wait; each later lockout doubles it...
LOGIN_MAX_LOCKOUT_S = 900.0  # ...up to this
LOGIN_FORGET_S = 3600.0  # an address with no sign-in attempt for this long starts afresh
LOGIN_MAX_CLIENTS = 10_000  # addresses remembered at once (the least recently seen are dropped)


def check_serving(settings: Settings) -> None:
    """Refuse API keys, UI users or CORS origins that would leave the workspace open or unusable."""
    for i, key in enumerate(settings.api_keys):
        if not key.strip() or key != key.strip():
            raise ConfigError(
                f"RAG_API_KEYS entry {i + 1} is blank or has spaces around it: a blank key "
                "would leave /api open; list only real keys, e.g. RAG_API_KEYS='[\"<32 random chars>\"]'"
            )
    for user, password in settings.ui_users.items():
        if not user.strip() or user != user.strip() or not password.strip():
            raise ConfigError(
                f"RAG_UI_USERS has a blank user name or password (user {user!r}): give every user a "
                'name without surrounding spaces and a password, e.g. RAG_UI_USERS=\'{"analyst": "..."}\''
            )
    for origin in settings.cors_origins:
        parts = urlsplit(origin)
        exact = f"{parts.scheme}://{parts.netloc}" == origin and "*" not in origin
        if parts.scheme not in ("http", "https") or not parts.netloc or not exact:
            raise ConfigError(
                f"RAG_CORS_ORIGINS entry {origin!r} is not an exact origin: list scheme://host[:port] "
                'values without a path or wildcard, e.g. ["https://tools.example.org"]'
            )


def key_matches(sent: str | None, keys: Sequence[bytes]) -> bool:
    """Whether the ``X-API-Key`` value ``sent`` is one of ``keys`` (UTF-8), compared in constant time.

    Header values reach us decoded as Latin-1, so re-encoding them gives the bytes the client sent.
    """
    if not sent:
        return False
    raw = sent.encode("latin-1", errors="replace")
    matched = False
    for key in keys:  # no early exit: the time taken does not tell which key came close
        matched |= hmac.compare_digest(raw, key)
    return matched


def redact_paths(text: str, roots: Iterable[str | Path]) -> str:
    """``text`` with each absolute path under one of ``roots`` replaced by its file name."""
    names = {str(p) for root in roots if Path(root).is_absolute() for p in (Path(root), Path(root).resolve())}
    for root in sorted((n for n in names if n != "/"), key=len, reverse=True):
        # Not inside a longer path or a URL; up to the next space or quote.
        text = re.sub(
            r"(?<![\w./:-])" + re.escape(root) + r"(?:/[^\s'\"`]*|(?![\w-]|\.\w))", _file_name, text
        )
    return text


def server_roots(settings: Settings) -> list[Path]:
    """The folders whose paths an error shown to a client must not reveal."""
    from gradio.utils import get_upload_folder

    folders = [settings.chroma_path, settings.cache_dir, settings.data_dir, Path(get_upload_folder())]
    return [*folders, Path(tempfile.gettempdir()), Path.cwd(), Path.home()]


def public_message(text: str, settings: Settings) -> str:
    """An error message fit for a client: server paths reduced to their file names."""
    return redact_paths(text, (p.absolute() for p in server_roots(settings)))


def _file_name(match: re.Match[str]) -> str:
    path = match.group(0)
    core = path.rstrip(".,;:)")  # sentence punctuation after a path is not part of it
    return Path(core).name + path[len(core) :]


def status_name(status: int) -> str:
    """The ``error`` of an HTTP-level failure: its reason phrase in CamelCase (413: RequestEntityTooLarge)."""
    try:
        return HTTPStatus(status).phrase.title().replace(" ", "").replace("-", "")
    except ValueError:
        return "HTTPError"


async def send_error(send: Send, status: int, detail: str, headers: dict[str, str] | None = None) -> None:
    """Answer with ``{"error", "detail"}`` JSON, ``error`` named after the status."""
    body = json.dumps({"error": status_name(status), "detail": detail}).encode()
    head = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    head += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": head})
    await send({"type": "http.response.body", "body": body})


class SecurityHeaders:
    """Add the security headers (and the content security policy) to every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        added = _DOCS_HEADERS if path.rstrip("/").endswith(DOCS_PATHS) else _PAGE_HEADERS

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in added:
                    headers[name] = value
            await send(message)

        await self.app(scope, receive, with_headers)


class BodyLimit:
    """Refuse request bodies over the limit with 413: multipart uploads up to ``MAX_FILES_PER_UPLOAD``
    files of ``max_file_mb``, anything else ``MAX_JSON_BODY``.

    A declared ``Content-Length`` over the limit is refused before the app runs; a chunked body is
    counted as it streams, and once over, the app is told the client left and its reply is dropped.
    """

    def __init__(self, app: ASGIApp, max_file_mb: float) -> None:
        self.app = app
        self.multipart_limit = int(max_file_mb * 2**20) * MAX_FILES_PER_UPLOAD + MULTIPART_SLACK

    def limit_for(self, headers: Headers) -> int:
        multipart = headers.get("content-type", "").lower().startswith("multipart/")
        return self.multipart_limit if multipart else MAX_JSON_BODY

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        limit = self.limit_for(headers)
        declared = headers.get("content-length", "")  # the server refuses a malformed one itself
        if declared.isdigit() and int(declared) > limit:
            await send_error(send, 413, _too_large(limit))
            return
        received, refused, started = 0, False, False

        async def counted_receive() -> Message:
            nonlocal received, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    refused = True
                    if not started:
                        await send_error(send, 413, _too_large(limit))
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if refused:
                return  # our 413 went out instead
            started = started or message["type"] == "http.response.start"
            await send(message)

        await self.app(scope, counted_receive, guarded_send)


def _too_large(limit: int) -> str:
    return (
        f"the request body is larger than {limit / 2**20:.1f} MB: send fewer or smaller files "
        f"(at most {MAX_FILES_PER_UPLOAD} files of RAG_MAX_FILE_MB each) or a shorter JSON body"
    )


@dataclass
class _Client:
    attempts: int = 0  # failed (or still running) sign-ins since the last lockout
    lockouts: int = 0
    locked_until: float = 0.0
    seen: float = 0.0


class LoginThrottle:
    """Slow down password guessing on the UI's ``POST /login``, per client address.

    After ``LOGIN_MAX_FAILURES`` failed sign-ins, the address gets 429 with ``Retry-After`` for
    ``LOGIN_LOCKOUT_S``, doubling with each further lockout up to ``LOGIN_MAX_LOCKOUT_S``. Sign-ins
    still running count as failures until they succeed, so parallel guesses get no more tries. A
    successful sign-in clears the address's record; other addresses are never affected.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.clients: OrderedDict[str, _Client] = OrderedDict()

    def client(self, address: str, now: float) -> _Client:
        entry = self.clients.pop(address, None)
        if entry is None or (now - entry.seen > LOGIN_FORGET_S and now >= entry.locked_until):
            entry = _Client()
        entry.seen = now
        self.clients[address] = entry  # most recently seen last
        while len(self.clients) > LOGIN_MAX_CLIENTS:
            self.clients.popitem(last=False)
        return entry

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        is_login = scope["type"] == "http" and scope["method"] == "POST"
        if not is_login or not str(scope.get("path", "")).rstrip("/").endswith("/login"):
            await self.app(scope, receive, send)
            return
        address = (scope.get("client") or ("unknown", 0))[0]
        now = time.monotonic()
        entry = self.client(address, now)
        if now < entry.locked_until or entry.attempts >= LOGIN_MAX_FAILURES:
            wait = max(1, math.ceil(entry.locked_until - now))
            await send_error(
                send,
                429,
                f"too many failed sign-ins from {address}: wait {wait} s and try again",
                {"Retry-After": str(wait)},
            )
            return
        entry.attempts += 1
        status = 0

        async def watched_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, watched_send)
        finally:
            self.settle(address, entry, status)

    def settle(self, address: str, entry: _Client, status: int) -> None:
        if 200 <= status < 400:
            self.clients.pop(address, None)
        elif entry.attempts >= LOGIN_MAX_FAILURES and time.monotonic() >= entry.locked_until:
            wait = min(LOGIN_LOCKOUT_S * 2**entry.lockouts, LOGIN_MAX_LOCKOUT_S)
            entry.locked_until = time.monotonic() + wait
            entry.lockouts += 1
            entry.attempts = 0
