"""Servers for the workspace tests: the app in a uvicorn thread (API tests) and ``rag serve`` in a
subprocess (browser test), each on a free loopback port with its own copy of the seeded store."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from tests.servers import free_port, serving, wait_until_up

REPO = Path(__file__).resolve().parents[2]


def wait_healthy(base: str, timeout: float, proc: subprocess.Popen[bytes] | None = None) -> None:
    wait_until_up(f"{base}/api/health", timeout, proc)


class ThreadServer:
    """An ASGI app served by uvicorn in a daemon thread on 127.0.0.1."""

    def __init__(self, app: Any) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> ThreadServer:
        self.thread.start()
        wait_healthy(self.base, 60)
        return self

    def __exit__(self, *_: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)


def copy_store(source: Path, target: Path) -> Path:
    shutil.copytree(source, target)
    return target


@pytest.fixture(scope="session")
def served_store(seeded_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A writable copy of the seeded store for the tests that ingest and delete."""
    return copy_store(seeded_store, tmp_path_factory.mktemp("served") / "store")


@pytest.fixture(scope="session")
def rag_serve(seeded_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``rag serve --store <copy of the seeded store>`` in a subprocess; yields its base URL."""
    root = tmp_path_factory.mktemp("rag-serve")
    store = copy_store(seeded_store, root / "store")
    port = free_port()
    env = {**os.environ, "RAG_CACHE_DIR": str(root / "cache"), "GRADIO_ANALYTICS_ENABLED": "False"}
    for key in ("RAG_API_KEYS", "RAG_UI_USERS", "RAG_ALLOW_PUBLIC", "RAG_HOST", "RAG_PORT"):
        env.pop(key, None)
    rag = Path(sys.executable).with_name("rag")
    command = [str(rag)] if rag.exists() else [sys.executable, "-m", "rag.cli"]
    command += ["serve", "--store", str(store), "--port", str(port)]
    with serving(command, port, REPO, env, root / "serve.log") as base:
        yield base


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's chromium, headless, driven by Playwright."""
    import tests.conftest as shared
    from tests.web.browsing import ARGS

    if not shared.CHROMIUM.exists():
        pytest.skip(shared.BROWSER_MISSING)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(shared.CHROMIUM), args=ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Where the browser tests leave screenshots and timings: ``test-artifacts/`` (git-ignored) unless
    RAG_TEST_ARTIFACTS names another folder."""
    chosen = os.environ.get("RAG_TEST_ARTIFACTS")
    folder = Path(chosen) if chosen else REPO / "test-artifacts"
    folder.mkdir(parents=True, exist_ok=True)
    return folder
