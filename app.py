"""The analyst's workspace: the Gradio UI mounted at ``/`` on a FastAPI app that also serves ``/api``.

``build_app(assistant)`` returns the ASGI app (one shared, thread-safe assistant behind both);
``serve(settings)`` checks the access settings and runs it with uvicorn. The UI lives in ``web/ui.py``,
the HTTP API in ``web/api.py``.
"""

from __future__ import annotations

import ipaddress
import logging
import sys
import time

import gradio as gr
from fastapi import FastAPI

from rag.assistant import Assistant
from rag.errors import ConfigError, RagError
from rag.settings import Settings
from web import api, assets, service
from web.ui import build_ui

log = logging.getLogger("osint-rag")
DESCRIPTION = """Grounded, cited answers from the ingested news articles.

Every `/api` route except `/api/health` needs an `X-API-Key` header when `RAG_API_KEYS` is set.
Errors come back as `{"error": "<type>", "detail": "<what to fix>"}` with a 4xx/5xx status."""


def build_app(assistant: Assistant) -> FastAPI:
    """FastAPI app with ``/api`` (OpenAPI at ``/docs``) and the Gradio workspace at ``/``.

    UI login comes from ``settings.ui_users`` and API keys from ``settings.api_keys``; both are off
    when empty.
    """
    app = FastAPI(title="osint-rag", description=DESCRIPTION, version="0.1.0")
    api.install_error_handlers(app)
    app.include_router(api.build_router(assistant))
    users = [(user, password) for user, password in assistant.settings.ui_users.items()]
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
        max_file_size=f"{int(assistant.settings.max_file_mb)}mb",
        ssr_mode=False,
        mcp_server=False,
    )
    return mounted


def is_loopback(host: str) -> bool:
    """Whether ``host`` only accepts connections from this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_access(settings: Settings, host: str) -> None:
    """Refuse a non-loopback address unless both the UI and the API are protected, or allowed public."""
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
