"""app.py: the access rules of ``serve``, the shape of ``build_app``, and how ``rag serve`` starts:
listening first, then building the workspace, ingesting ``--ingest`` and warming up in the background
(more served tests: tests/web/)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from app import Starting, build_app, check_access, is_loopback
from rag.errors import ConfigError
from rag.settings import Settings, load_settings
from store.ingest_lock import IngestLock
from tests.conftest import IQDEX
from tests.servers import free_port, serving

pytestmark = pytest.mark.slow  # serves the app (`rag serve` processes)

REPO = Path(__file__).resolve().parents[1]
ARTICLE = """---
title: "Harbour cranes at Port Verlaine run on solar power"
source: Test Gazette
published_at: 2024-02-11
---

The port authority of Port Verlaine switched its twelve harbour cranes to solar power in January.
"""


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.0.0.2", True),
        ("localhost", True),
        ("::1", True),
        ("[::1]", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.20", False),
        ("example.org", False),
    ],
)
def test_is_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_public_address_needs_login_and_keys_unless_allowed(settings: Settings) -> None:
    check_access(settings, "127.0.0.1")  # open by default on loopback
    with pytest.raises(ConfigError, match="RAG_UI_USERS and RAG_API_KEYS"):
        check_access(settings, "0.0.0.0")
    with pytest.raises(ConfigError, match="without RAG_API_KEYS"):
        check_access(settings.model_copy(update={"ui_users": {"a": "b"}}), "0.0.0.0")
    with pytest.raises(ConfigError, match="without RAG_UI_USERS"):
        check_access(settings.model_copy(update={"api_keys": ["k"]}), "10.0.0.5")
    check_access(settings.model_copy(update={"ui_users": {"a": "b"}, "api_keys": ["k"]}), "0.0.0.0")
    check_access(settings.model_copy(update={"allow_public": True}), "0.0.0.0")


def test_access_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAG_API_KEYS", '["k1", "k2"]')
    monkeypatch.setenv("RAG_UI_USERS", '{"analyst": "pw"}')
    monkeypatch.setenv("RAG_ALLOW_PUBLIC", "true")
    settings = load_settings()
    assert (
        settings.api_keys == ["k1", "k2"] and settings.ui_users == {"analyst": "pw"} and settings.allow_public
    )


def test_rag_serve_refuses_a_public_address_without_protection(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
    env["RAG_DATA_DIR"] = str(tmp_path)
    command = [sys.executable, "-m", "rag.cli", "serve", "--store", str(tmp_path / "s"), "--host", "0.0.0.0"]
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stderr
    assert "refusing to listen on 0.0.0.0" in done.stderr and "RAG_ALLOW_PUBLIC=true" in done.stderr
    assert not (tmp_path / "s").exists()  # refused before opening any store


def test_build_app_routes(assistant: object) -> None:
    app = build_app(assistant)  # type: ignore[arg-type]
    paths = set(app.openapi()["paths"])
    assert {"/api/ask", "/api/ingest", "/api/articles", "/api/articles/{article_id}", "/api/health"} <= paths
    assert not any(p.startswith("/gradio_api") for p in paths)  # the UI's own routes stay out of /docs
    mounts = [r for r in app.routes if type(r).__name__ == "Mount"]
    assert [getattr(m, "path", None) for m in mounts] == [""]  # Gradio at the root


def test_health_answers_while_the_workspace_is_built_and_requests_wait_for_it(assistant: Any) -> None:
    """``Starting`` listens before the workspace exists: health says so at once, and a request that
    comes meanwhile waits and is served once the workspace is up."""
    release, ready = threading.Event(), threading.Event()

    def build() -> tuple[Any, Callable[[], object]]:
        assert release.wait(60)
        return build_app(assistant), ready.set

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = uvicorn.Server(uvicorn.Config(Starting(build), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        wait_for(lambda: _status(f"{base}/api/health") == 503, 60)
        starting = httpx.get(f"{base}/api/health", timeout=5)
        assert starting.json() == {"status": "starting", "warm": False, "detail": "the workspace is starting"}
        assert starting.headers["retry-after"] == "1"
        early: list[httpx.Response] = []
        waiting = threading.Thread(target=lambda: early.append(httpx.get(f"{base}/api/articles", timeout=60)))
        waiting.start()
        time.sleep(0.5)
        assert waiting.is_alive() and not ready.is_set(), "the request waits for the workspace"
        release.set()
        waiting.join(60)
        assert early and early[0].status_code == 200 and early[0].json()["total"] == 0
        assert ready.wait(10), "what follows the build (rag serve: the warm-up) runs once it answers"
        health = httpx.get(f"{base}/api/health", timeout=5).json()
        assert health["status"] == "ok" and health["warm"] is True  # nothing to warm up in this app
        assert health["ingest"] == {"running": 0, "queued": 0, "startup": []}
    finally:
        release.set()
        server.should_exit = True
        thread.join(15)


def test_rag_serve_stops_with_the_reason_when_the_store_cannot_open(tmp_path: Path) -> None:
    store = tmp_path / "store"
    store.mkdir()
    (store / "articles.sqlite").write_bytes(b"not a database at all" * 100)
    done = subprocess.run(
        rag_command("serve", "--store", str(store), "--port", str(free_port())),
        cwd=REPO,
        env=serve_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    assert "articles.sqlite is damaged" in done.stderr and "rag repair" in done.stderr


def test_rag_serve_listens_first_then_ingests_in_order_and_warms_up(seed_path: Path, tmp_path: Path) -> None:
    """``rag serve --ingest seed more``: health answers (warm false) while the first job cannot start,
    a question is answered meanwhile, the seed is answerable once the first job is done, and a restart
    with the same ``--ingest`` adds nothing."""
    more = tmp_path / "more"
    more.mkdir()
    (more / "port-verlaine.md").write_text(ARTICLE, encoding="utf-8")
    store = tmp_path / "store"
    args = ["--store", str(store), "--ingest", str(seed_path.parent), str(more)]
    with ExitStack() as holding, served(tmp_path, *args, holding=holding) as base:
        health = httpx.get(f"{base}/api/health", timeout=5).json()
        assert health["status"] == "ok" and health["warm"] is False and health["articles"] == 0
        first, second = health["ingest"]["startup"]
        assert first["inputs"] == ["seed"] and second["inputs"] == ["more"]
        assert first["state"] in ("queued", "running") and second["state"] == "queued"
        assert first["progress"] == {"done": 0, "total": 1} and str(tmp_path) not in str(health)
        early = httpx.post(f"{base}/api/ask", json={"question": IQDEX}, timeout=120)
        assert early.status_code == 200 and early.json()["abstained"], "answered before the warm-up is done"
        assert httpx.get(f"{base}/api/health", timeout=5).json()["warm"] is False

        holding.close()  # the other ingest is over: the start-up jobs run, the seed's first
        wait_for(lambda: startup_jobs(base)[0]["state"] == "done", 120)
        answer = httpx.post(f"{base}/api/ask", json={"question": IQDEX}, timeout=120).json()
        assert answer["citations"] and all(c["source"] == "OSINTSights" for c in answer["citations"])
        wait_for(lambda: all(j["state"] == "done" for j in startup_jobs(base)), 120)
        assert [j["added"] for j in startup_jobs(base)] == [1, 1]
        wait_for(lambda: httpx.get(f"{base}/api/health", timeout=5).json()["warm"] is True, 120)
    with served(tmp_path, *args) as base:  # restarted: what is in the store already is skipped
        wait_for(lambda: all(j["state"] == "done" for j in startup_jobs(base)), 120)
        jobs = startup_jobs(base)
        assert [(j["added"], j["updated"], j["unchanged"]) for j in jobs] == [(0, 0, 1), (0, 0, 1)]
        assert httpx.get(f"{base}/api/health", timeout=5).json()["articles"] == 2


@contextmanager
def served(root: Path, *args: str, holding: ExitStack | None = None) -> Iterator[str]:
    """``rag serve *args`` on a free port until /api/health answers 200; yields its base URL.
    ``holding``: take the store's ingest lock into it first (as another process's ingest would)."""
    store = Path(args[args.index("--store") + 1])
    if holding is not None:
        holding.enter_context(IngestLock(store).held())
    port = free_port()
    log_path = root / f"serve-{port}.log"
    command = rag_command("serve", "--port", str(port), *args)
    with serving(command, port, REPO, serve_env(root), log_path) as base:
        yield base


def startup_jobs(base: str) -> list[dict[str, Any]]:
    jobs: list[dict[str, Any]] = httpx.get(f"{base}/api/health", timeout=5).json()["ingest"]["startup"]
    return jobs


def wait_for(condition: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"not so after {timeout:.0f}s"
        time.sleep(0.2)


def _status(url: str) -> int | None:
    try:
        return httpx.get(url, timeout=5).status_code
    except httpx.TransportError:
        return None


def rag_command(*args: str) -> list[str]:
    rag = Path(sys.executable).with_name("rag")
    return [str(rag) if rag.exists() else sys.executable, *([] if rag.exists() else ["-m", "rag.cli"]), *args]


def serve_env(root: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("RAG_API_KEYS", "RAG_UI_USERS", "RAG_PORT")}
    return env | {"RAG_CACHE_DIR": str(root / "cache"), "GRADIO_ANALYTICS_ENABLED": "False"}
