"""app.py: the access rules of ``serve`` and the shape of ``build_app`` (served tests: tests/web/)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from app import build_app, check_access, is_loopback
from rag.errors import ConfigError
from rag.settings import Settings, load_settings

REPO = Path(__file__).resolve().parents[1]


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
