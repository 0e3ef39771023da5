"""The analyst's workspace: the Gradio UI mounted at ``/`` on a FastAPI app that also serves ``/api``.

``build_app(assistant)`` returns the ASGI app (one shared, thread-safe assistant behind both);
``serve(settings)`` checks the access settings and runs it with uvicorn, listening first: the store
opens, the workspace is built and the models warm up in the background (see :class:`Starting` and
:class:`rag.startup.WarmUp`). The UI lives in ``web/ui.py``, the HTTP API in ``web/api.py``; both, and
Gradio, are imported only when the app is built, so ``rag serve`` listens within a second or two.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import json
import logging
import os
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from rag.errors import ConfigError, RagError
from rag.settings import Settings
from rag.startup import WarmUp
from web import security

if TYPE_CHECKING:
    from fastapi import FastAPI
    from starlette.types import Receive, Scope, Send

    from rag.assistant import Assistant

log = logging.getLogger("osint-rag")
DESCRIPTION = f"""Grounded, cited answers from the ingested news articles.

Every `/api` route except `/api/health` needs an `X-API-Key` header when `RAG_API_KEYS` is set.
Errors come back as `{{"error": "<type>", "detail": "<what to fix>"}}` with a 4xx/5xx status.
Request bodies over the limit get 413: multipart uploads may carry {security.MAX_FILES_PER_UPLOAD} files of
`RAG_MAX_FILE_MB`, any other body {security.MAX_JSON_BODY // 2**20} MB.
Browsers may call the API from other sites only when their origin is in `RAG_CORS_ORIGINS`."""


def build_app(assistant: Assistant, warm_up: WarmUp | None = None) -> FastAPI:
    """FastAPI app with ``/api`` (OpenAPI at ``/docs``) and the Gradio workspace at ``/``.

    UI login comes from ``settings.ui_users`` and API keys from ``settings.api_keys``; both are off
    when empty, and a blank one is a :class:`ConfigError`. Every response carries the security headers;
    bodies are limited, failed UI sign-ins throttled, and CORS allowed only for ``settings.cors_origins``.
    Gradio's temporary uploads go under ``<cache_dir>/gradio`` unless ``GRADIO_TEMP_DIR`` is set;
    stale ones (and stale saved uploads) are swept here. ``warm_up``: what /api/health reports as the
    warm-up and the start-up ingest (none: nothing is warming up).
    """
    import gradio as gr
    from fastapi import FastAPI
    from starlette.middleware.cors import CORSMiddleware

    from web import api, assets
    from web.ui import build_ui

    settings = assistant.settings
    security.check_serving(settings)
    own_uploads(assistant)
    app = FastAPI(title="osint-rag", description=DESCRIPTION, version="0.1.0")
    api.install_error_handlers(app, lambda text: security.public_message(text, settings))
    app.include_router(api.build_router(assistant, warm_up))
    users = [(user, password) for user, password in settings.ui_users.items()]
    mounted: FastAPI = gr.mount_gradio_app(
        app,
        build_ui(assistant),
        path="/",
        auth=users or None,
        auth_message="osint-rag: sign in with your analyst account.",
        footer_links=["api"],
        run_history=False,
        css=assets.CSS,
        js=assets.JS,
        max_file_size=f"{int(settings.max_file_mb)}mb",
        ssr_mode=False,
        mcp_server=False,
    )
    # Innermost first. A CORSMiddleware on the parent app also switches off Gradio's own CORS,
    # which gave any localhost origin credentialed access.
    mounted.add_middleware(security.BodyLimit, max_file_mb=settings.max_file_mb)
    mounted.add_middleware(security.LoginThrottle)
    mounted.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_methods=["GET", "POST", "DELETE"],
        allow_headers=["X-API-Key", "Content-Type"],
        expose_headers=["Location", "Retry-After"],
    )
    mounted.add_middleware(security.SecurityHeaders)
    return mounted


def own_uploads(assistant: Assistant) -> Path:
    """Point Gradio's upload folder (``GRADIO_TEMP_DIR``, process-wide) at ``<cache_dir>/gradio`` unless
    set, and sweep stale files from it (only when it is ours) and from the saved uploads beside the store.
    """
    from web import service

    ours = (Path(assistant.settings.cache_dir) / "gradio").absolute()
    folder = Path(os.environ.setdefault("GRADIO_TEMP_DIR", str(ours)))
    if folder == ours:
        service.sweep_uploads(folder)
    service.sweep_uploads(service.uploads_dir(assistant))
    return folder


def is_loopback(host: str) -> bool:
    """Whether ``host`` only accepts connections from this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_access(settings: Settings, host: str) -> None:
    """Refuse blank keys or users anywhere, and a non-loopback address unless both the UI and the API
    are protected, or allowed public."""
    security.check_serving(settings)
    if is_loopback(host) or settings.allow_public:
        return
    missing = [
        name
        for name, value in (("RAG_UI_USERS", settings.ui_users), ("RAG_API_KEYS", settings.api_keys))
        if not value
    ]
    if missing:
        raise ConfigError(
            f"refusing to listen on {host} without {' and '.join(missing)}: set them "
            '(e.g. RAG_UI_USERS=\'{"analyst": "..."}\' RAG_API_KEYS=\'["..."]\') '
            "or RAG_ALLOW_PUBLIC=true to expose the workspace unprotected"
        )


class Starting:
    """The ASGI app ``rag serve`` listens with from its first second, before the workspace exists.

    ``build`` runs on a thread at lifespan start-up and returns the workspace app and what to do once
    it answers. Until then ``/api/health`` answers 503 ``{"status": "starting"}`` at once and every
    other request waits for the workspace (at most ``wait_s``; then 503 with ``Retry-After``). Then
    requests go straight to it, and its own lifespan (Gradio's queue) runs inside ours. ``build``
    raising calls ``on_error`` (``serve`` stops the server then, and raises ``error``).
    """

    def __init__(
        self, build: Callable[[], tuple[FastAPI, Callable[[], object]]], wait_s: float = 120.0
    ) -> None:
        self.build = build
        self.wait_s = wait_s
        self.app: FastAPI | None = None
        self.error: Exception | None = None
        self.on_error: Callable[[], object] = lambda: None
        self._ready = asyncio.Event()  # set once app or error is
        self._stopping = asyncio.Event()
        self._inner: asyncio.Task[None] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        elif self.app is None and scope["type"] == "http" and scope["path"].rstrip("/") == "/api/health":
            status = "failed" if self.error is not None else "starting"
            await _json(send, 503, {"status": status, "warm": False, "detail": f"the workspace is {status}"})
        else:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._ready.wait(), self.wait_s)
            if self.app is not None:
                await self.app(scope, receive, send)
            elif scope["type"] == "http":
                body = {"error": "Starting", "detail": "the workspace is not up yet: try again shortly"}
                await _json(send, 503, body)
            else:
                await send({"type": "websocket.close", "code": 1013})

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        loop = asyncio.get_running_loop()
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                threading.Thread(target=self._build, args=(loop,), name="rag-start", daemon=True).start()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                self._stopping.set()
                if self._inner is not None:  # the workspace's lifespan ends within ours
                    await asyncio.gather(self._inner, return_exceptions=True)
                await send({"type": "lifespan.shutdown.complete"})
                return

    def _build(self, loop: asyncio.AbstractEventLoop) -> None:
        try:
            app, on_ready = self.build()
            asyncio.run_coroutine_threadsafe(self._open(app), loop).result()
        except Exception as exc:  # any failure ends the server; serve() raises it
            self.error = exc
            if not isinstance(exc, RagError):
                log.exception("the workspace failed to start")
            with contextlib.suppress(RuntimeError):  # the loop already closed: we are shutting down
                loop.call_soon_threadsafe(self._ready.set)
            self.on_error()
            return
        on_ready()

    async def _open(self, app: FastAPI) -> None:
        """Run ``app``'s lifespan as a task until we shut down; return once it has started."""
        started = asyncio.Event()

        async def hold() -> None:
            try:
                async with app.router.lifespan_context(app):
                    self.app = app
                    started.set()
                    await self._stopping.wait()
            finally:
                started.set()

        self._inner = asyncio.create_task(hold())
        await started.wait()
        if self.app is None:
            await self._inner  # raises why its start-up failed
        self._ready.set()


async def _json(send: Send, status: int, body: Mapping[str, object]) -> None:
    headers = [
        (b"content-type", b"application/json"),
        (b"cache-control", b"no-store"),
        (b"retry-after", b"1"),
        (b"x-content-type-options", b"nosniff"),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": json.dumps(body).encode()})


def serve(
    settings: Settings, host: str | None = None, port: int | None = None, ingest: Sequence[str] = ()
) -> None:
    """Serve the workspace with uvicorn (blocking) after checking the access settings.

    Listens first; then opens the store, builds the workspace and, once it answers, queues ``ingest``
    (files, folders, URLs: one background job each, in order) and warms up (:class:`rag.startup.WarmUp`).
    """
    import uvicorn

    host, port = host or settings.host, port or settings.port
    check_access(settings, host)
    warm_up = WarmUp(ingest)
    began = time.perf_counter()

    def build() -> tuple[FastAPI, Callable[[], object]]:
        from rag.assistant import Assistant

        assistant = Assistant.from_settings(settings)
        app = build_app(assistant, warm_up)
        print(
            f"osint-rag: workspace built in {time.perf_counter() - began:.1f}s: http://{host}:{port}/ "
            f"({assistant.article_store.count()} articles; warming up in the background)",
            file=sys.stderr,
            flush=True,
        )
        return app, lambda: warm_up.start(assistant)

    starting = Starting(build)
    server = uvicorn.Server(uvicorn.Config(starting, host=host, port=port, log_level="info"))
    starting.on_error = lambda: setattr(server, "should_exit", True)
    print(
        f"osint-rag: starting on http://{host}:{port}/; the store opens once listening",
        file=sys.stderr,
        flush=True,
    )
    server.run()
    if starting.error is not None:
        raise starting.error
