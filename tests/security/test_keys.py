"""Keys and logins that must not fail open: blank API keys or UI users, odd X-API-Key bytes, and
password guessing on the UI's /login (throttled per client address)."""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from app import build_app, check_access
from rag.assistant import Assistant
from rag.errors import ConfigError
from rag.settings import Settings, load_settings
from tests.conftest import DATA_DIR, REPO
from tests.security.conftest import ServeApp
from web import security

pytestmark = pytest.mark.slow  # the served app over HTTP

KEY = "clé-ünï-7Q9x"  # non-ASCII on purpose: compared as UTF-8 bytes
USER, PASSWORD = "analyst", "s3cret-pw"

BLANK = [
    ({"api_keys": [""]}, "RAG_API_KEYS"),
    ({"api_keys": ["good-key", "   "]}, "RAG_API_KEYS"),
    ({"api_keys": [" padded-key"]}, "RAG_API_KEYS"),  # a header value can never carry the spaces
    ({"ui_users": {"": "pw"}}, "RAG_UI_USERS"),
    ({"ui_users": {"analyst": ""}}, "RAG_UI_USERS"),
    ({"ui_users": {"analyst": " \t"}}, "RAG_UI_USERS"),
    ({"ui_users": {" analyst": "pw"}}, "RAG_UI_USERS"),  # Gradio strips the name typed at sign-in
]


def settings_with(tmp_path: Path, **overrides: Any) -> Settings:
    return load_settings(
        chroma_path=tmp_path / "store", cache_dir=tmp_path / "cache", data_dir=DATA_DIR, **overrides
    )


@pytest.mark.parametrize(("overrides", "name"), BLANK)
def test_blank_keys_and_users_are_refused_at_start_and_at_build_time(
    tmp_path: Path, overrides: dict[str, Any], name: str
) -> None:
    settings = settings_with(tmp_path, **overrides)
    with pytest.raises(ConfigError, match=name):
        check_access(settings, "127.0.0.1")  # even on loopback: a blank key reads as "protected"
    with pytest.raises(ConfigError, match=name):
        check_access(settings.model_copy(update={"allow_public": True}), "0.0.0.0")
    with pytest.raises(ConfigError, match=name):
        build_app(Assistant.from_settings(settings))


def test_rag_serve_refuses_a_blank_key_before_listening(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
    env |= {"RAG_DATA_DIR": str(tmp_path), "RAG_API_KEYS": '[""]', "RAG_UI_USERS": '{"a": "b"}'}
    command = [sys.executable, "-m", "rag.cli", "serve", "--store", str(tmp_path / "s"), "--host", "0.0.0.0"]
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stderr
    assert "RAG_API_KEYS" in done.stderr and "blank" in done.stderr
    assert not (tmp_path / "s").exists()  # refused before opening any store


def test_keys_compare_as_bytes_and_odd_headers_are_a_plain_401(serve_app: ServeApp) -> None:
    with serve_app(api_keys=[KEY]) as (base, _):
        ok = httpx.get(f"{base}/api/articles", headers={"X-API-Key": KEY.encode()})
        assert ok.status_code == 200, ok.text
        for sent in [
            "cl\xe9-\xfcn\xef-7Q9x".encode("latin-1"),  # the same characters, other bytes
            b"\xff\xfe\x80",  # not UTF-8 at all
            KEY.encode()[:-1],
            b"",
        ]:
            response = httpx.get(f"{base}/api/articles", headers={"X-API-Key": sent})
            assert response.status_code == 401, (sent, response.text)
            assert response.json()["error"] == "RagAuthError" and "X-API-Key" in response.json()["detail"]


def test_key_matches_needs_an_exact_key() -> None:
    keys = [b"alpha-key", KEY.encode()]
    assert security.key_matches("alpha-key", keys)
    assert security.key_matches(KEY.encode().decode("latin-1"), keys)  # as Starlette hands it over
    assert not security.key_matches(None, keys) and not security.key_matches("", keys)
    assert not security.key_matches("alpha-ke", keys) and not security.key_matches("alpha-key ", keys)


def login(base: str, password: str, address: str = "127.0.0.1") -> httpx.Response:
    transport = httpx.HTTPTransport(local_address=address)
    with httpx.Client(base_url=base, transport=transport, timeout=30) as client:
        return client.post("/login", data={"username": USER, "password": password})


def test_failed_logins_are_throttled_per_client(serve_app: ServeApp) -> None:
    with serve_app(ui_users={USER: PASSWORD}) as (base, _):
        wrong = [login(base, f"guess-{i}").status_code for i in range(security.LOGIN_MAX_FAILURES)]
        assert wrong == [400] * security.LOGIN_MAX_FAILURES
        refused = login(base, "guess-next")
        assert refused.status_code == 429
        assert int(refused.headers["retry-after"]) >= security.LOGIN_LOCKOUT_S - 5
        assert refused.json()["error"] == "TooManyRequests" and "wait" in refused.json()["detail"]
        assert login(base, PASSWORD).status_code == 429  # even the right password waits
        # Another client address is not held back by this one's guesses.
        other = login(base, PASSWORD, address="127.0.0.2")
        assert other.status_code == 200 and other.json() == {"success": True}


def test_a_successful_login_clears_the_count_and_parallel_guesses_get_no_extra_tries(
    serve_app: ServeApp,
) -> None:
    below = security.LOGIN_MAX_FAILURES - 1
    with serve_app(ui_users={USER: PASSWORD}) as (base, _):
        for _ in range(2):  # twice the allowance in all, a success between
            assert [login(base, "wrong").status_code for _ in range(below)] == [400] * below
            assert login(base, PASSWORD).status_code == 200
        with ThreadPoolExecutor(max_workers=12) as pool:
            codes = list(pool.map(lambda i: login(base, f"p{i}", "127.0.0.3").status_code, range(24)))
        assert codes.count(400) <= security.LOGIN_MAX_FAILURES and codes.count(429) >= 24 - 5, codes
