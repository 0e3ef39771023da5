"""The analyst's workspace: the Gradio UI mounted at ``/`` on a FastAPI app that also serves ``/api``.

``build_app(assistant)`` returns the ASGI app (one shared, thread-safe assistant behind both);
``serve(settings)`` checks the access settings and runs it with uvicorn. The UI lives in ``web/ui.py``,
the HTTP API in ``web/api.py``.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import sys
import time
from pathlib import Path

import gradio as gr
from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware

from rag.assistant import Assistant
from rag.errors import ConfigError, RagError
from rag.settings import Settings
from web import api, assets, security, service
from web.ui import build_ui

log = logging.getLogger("osint-rag")
DESCRIPTION = f"""Grounded, cited answers from the ingested news articles.

Every `/api` route except `/api/health` needs an `X-API-Key` header when `RAG_API_KEYS` is set.
Errors come back as `{{"error": "<type>", "detail": "<what to fix>"}}` with a 4xx/5xx status.
Request bodies over the limit get 413: multipart uploads may carry {security.MAX_FILES_PER_UPLOAD} files of
`RAG_MAX_FILE_MB`, any other body {security.MAX_JSON_BODY // 2**20} MB.
Browsers may call the API from other sites only when their origin is in `RAG_CORS_ORIGINS`."""


def build_app(assistant: Assistant) -> FastAPI:
    """FastAPI app with ``/api`` (OpenAPI at ``/docs``) and the Gradio workspace at ``/``.

    UI login comes from ``settings.ui_users`` and API keys from ``settings.api_keys``; both are off
    when empty, and a blank one is a :class:`ConfigError`. Every response carries the security headers;
    bodies are limited, failed UI sign-ins throttled, and CORS allowed only for ``settings.cors_origins``.
    Gradio's temporary uploads go under ``<cache_dir>/gradio`` unless ``GRADIO_TEMP_DIR`` is set;
    stale ones (and stale saved uploads) are swept here.
    """
    settings = assistant.settings
    security.check_serving(settings)
    own_uploads(assistant)
    app = FastAPI(title="osint-rag", description=DESCRIPTION, version="0.1.0")
    api.install_error_handlers(app, lambda text: security.public_message(text, settings))
    app.include_router(api.build_router(assistant))
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


def warm_up(assistant: Assistant) -> float:
    """Ask one question before listening, so the first analyst does not wait for models to load."""
    started = time.perf_counter()
    try:
        service.ask(assistant, "Which systems were discussed at the exhibition?")
    except RagError as exc:  # an empty store or an unreachable LLM: the first real question will say so
        log.warning("warm-up question failed: %s", exc)
    return time.perf_counter() - started


def serve(settings: Settings, host: str | None = None, port: int | None = None) -> None:
    """Serve the workspace with uvicorn (blocking) after checking the access settings."""
    import uvicorn

    host = host or settings.host
    check_access(settings, host)
    assistant = Assistant.from_settings(settings)
    seconds = warm_up(assistant)
    if settings.warm_sentences and assistant.warm_sentences() is not None:
        count = assistant.article_store.count()
        print(f"osint-rag: embedding the sentences of {count} articles in the background", file=sys.stderr)
    print(
        f"osint-rag: warmed up in {seconds:.1f}s; serving http://{host}:{port or settings.port}/",
        file=sys.stderr,
    )
    uvicorn.run(build_app(assistant), host=host, port=port or settings.port, log_level="info")
