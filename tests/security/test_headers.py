"""Security headers on every response, and CORS: off by default (Gradio's own CORS gave any localhost
origin credentialed access), on only for the exact origins in RAG_CORS_ORIGINS."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from app import build_app
from rag.assistant import Assistant
from rag.errors import ConfigError
from rag.settings import load_settings
from tests.conftest import DATA_DIR
from tests.security.conftest import ServeApp

pytestmark = pytest.mark.slow  # the served app over HTTP

EVIL = "http://localhost:9999"  # another local web app the analyst's browser happens to visit
TRUSTED = "https://tools.example.org"
PREFLIGHT = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "x-api-key"}


def assert_hardened(response: httpx.Response) -> None:
    headers = response.headers
    where = f"{response.request.method} {response.request.url.path} ({response.status_code})"
    assert headers.get("x-frame-options") == "DENY", where
    assert headers.get("x-content-type-options") == "nosniff", where
    assert headers.get("referrer-policy") == "no-referrer", where
    policy = dict(
        [*part.split(" ", 1), ""][:2] for part in headers.get("content-security-policy", "").split("; ")
    )
    assert policy.get("frame-ancestors") == "'none'", (where, policy)
    assert policy.get("img-src") == "'self' data: blob:", (where, policy)  # no pixels from other hosts
    assert policy.get("connect-src") == "'self'", (where, policy)
    assert policy.get("default-src") == "'self'" and policy.get("object-src") == "'none'", where


def test_every_response_carries_the_security_headers(serve_app: ServeApp) -> None:
    with serve_app(api_keys=["k"], ui_users={"analyst": "pw"}) as (base, _):
        with httpx.Client(base_url=base, timeout=30) as client:
            responses = [
                client.get("/"),  # the UI page (login page here)
                client.get("/config"),  # 401 from Gradio
                client.post("/login", data={"username": "analyst", "password": "nope"}),
                client.get("/api/health"),
                client.get("/api/articles"),  # 401 from the API
                client.get("/api/articles", headers={"X-API-Key": "k"}),
                client.get("/api/articles/none", headers={"X-API-Key": "k"}),  # 404
                client.get("/no/such/page"),
                client.post("/api/ask", content=b"x" * (3 * 2**20), headers={"X-API-Key": "k"}),  # 413
            ]
        assert {r.status_code for r in responses} >= {200, 400, 401, 404, 413}
        for response in responses:
            assert_hardened(response)


def test_no_cors_by_default(serve_app: ServeApp) -> None:
    with serve_app() as (base, _):
        for origin in (EVIL, "null", TRUSTED):
            for path in ("/api/ask", "/api/articles", "/config", "/gradio_api/queue/join"):
                preflight = httpx.options(f"{base}{path}", headers={"Origin": origin, **PREFLIGHT})
                assert "access-control-allow-origin" not in preflight.headers, (origin, path)
                assert "access-control-allow-credentials" not in preflight.headers, (origin, path)
            for path in ("/api/articles", "/api/health", "/config"):
                response = httpx.get(f"{base}{path}", headers={"Origin": origin})
                assert response.status_code == 200
                assert "access-control-allow-origin" not in response.headers, (origin, path)
                assert "access-control-allow-credentials" not in response.headers, (origin, path)


def test_cors_origins_allow_exactly_those_origins(serve_app: ServeApp) -> None:
    with serve_app(cors_origins=[TRUSTED], api_keys=["k"]) as (base, _):
        preflight = httpx.options(f"{base}/api/ask", headers={"Origin": TRUSTED, **PREFLIGHT})
        assert preflight.status_code == 200
        assert preflight.headers["access-control-allow-origin"] == TRUSTED
        assert "x-api-key" in preflight.headers["access-control-allow-headers"].lower()
        assert "access-control-allow-credentials" not in preflight.headers  # keys, not cookies
        listed = httpx.get(f"{base}/api/articles", headers={"Origin": TRUSTED, "X-API-Key": "k"})
        assert listed.status_code == 200 and listed.headers["access-control-allow-origin"] == TRUSTED
        for origin in (EVIL, TRUSTED + ".evil.net", "http://tools.example.org"):
            preflight = httpx.options(f"{base}/api/ask", headers={"Origin": origin, **PREFLIGHT})
            assert "access-control-allow-origin" not in preflight.headers, origin
            response = httpx.get(f"{base}/api/articles", headers={"Origin": origin, "X-API-Key": "k"})
            assert "access-control-allow-origin" not in response.headers, origin


@pytest.mark.parametrize("origin", ["*", "https://tools.example.org/", "tools.example.org", "https://*.org"])
def test_cors_origins_must_be_exact(tmp_path: Path, origin: str) -> None:
    settings = load_settings(
        chroma_path=tmp_path / "s", cache_dir=tmp_path / "c", data_dir=DATA_DIR, cors_origins=[origin]
    )
    with pytest.raises(ConfigError, match="RAG_CORS_ORIGINS"):
        build_app(Assistant.from_settings(settings))
