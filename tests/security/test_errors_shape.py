"""Errors for malformed input: always a 4xx in the ``{"error", "detail"}`` shape, never a 5xx, and
never an absolute server path (only the file's name)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import httpx
import pytest

from rag.errors import BackendError
from tests.conftest import IQDEX
from tests.security.conftest import ServeApp
from web import security

pytestmark = pytest.mark.slow  # the served app over HTTP

JSON = {"Content-Type": "application/json"}
UNPARSABLE = [
    (b'{"question": "caf\xe9?"}', 400, "UTF-8"),  # Latin-1 bytes inside a JSON string
    (b"\xff\xfe\x00{", 422, "not valid JSON"),
    (b"[" * 50_000 + b"]" * 50_000, 400, "nests too deeply"),
    (b'{"a":' * 50_000 + b"1" + b"}" * 50_000, 400, "nests too deeply"),
    (b'{"question": "x",', 422, "not valid JSON"),
]
MALFORMED: list[tuple[str, str, dict[str, Any]]] = [
    ("POST", "/api/ask", {"content": b"NaN", "headers": JSON}),
    ("POST", "/api/ask", {"content": b'{"question": 1e999999}', "headers": JSON}),
    ("POST", "/api/ask", {"content": b'{"question": "a\\ud800"}', "headers": JSON}),
    ("POST", "/api/ask", {"content": b"question=x", "headers": {"Content-Type": "text/plain"}}),
    ("POST", "/api/ask", {"json": {"question": IQDEX, "filters": {"date_from": "2025-99-99"}}}),
    ("POST", "/api/ask", {"json": {"question": IQDEX, "history": [{"role": "system", "content": "x"}]}}),
    ("GET", "/api/articles?limit=abc&offset=-1", {}),
    ("GET", "/api/articles/%00", {}),
    ("DELETE", "/api/articles/%ff%fe", {}),
    ("POST", "/api/ingest", {"content": b"abc", "headers": {"Content-Type": "multipart/form-data"}}),
    (
        "POST",
        "/api/ingest",
        {"content": b"--x\r\nbroken", "headers": {"Content-Type": "multipart/form-data; boundary=x"}},
    ),
    ("POST", "/api/ingest?wait=abc", {}),
    ("GET", "/api/articles", {"headers": {"X-API-Key": b"\xc3\x28\xff"}}),
]


def shaped(response: httpx.Response) -> dict[str, Any]:
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:300])
    body: dict[str, Any] = response.json()
    assert {"error", "detail"} <= set(body) and body["detail"], body
    return body


@pytest.mark.parametrize(("body", "status", "says"), UNPARSABLE)
def test_unparsable_json_is_a_4xx_in_the_shape(
    serve_app: ServeApp, body: bytes, status: int, says: str
) -> None:
    with serve_app() as (base, _):
        response = httpx.post(f"{base}/api/ask", content=body, headers=JSON)
    assert response.status_code == status and says in shaped(response)["detail"], response.text[:300]


def test_malformed_requests_never_give_a_server_error(serve_app: ServeApp) -> None:
    with serve_app(api_keys=["k"]) as (base, _), httpx.Client(base_url=base, timeout=60) as client:
        for method, path, options in MALFORMED:
            headers = {"X-API-Key": "k", **options.pop("headers", {})}
            shaped(client.request(method, path, headers=headers, **options))


def test_error_bodies_name_files_not_server_paths(serve_app: ServeApp) -> None:
    from gradio_client import Client

    with serve_app() as (base, assistant):
        store = Path(assistant.settings.chroma_path).resolve()
        upload = Path(os.environ["GRADIO_TEMP_DIR"]) / "a1b2c3" / "brief.pdf"

        def failing(*args: Any, **kwargs: Any) -> Any:
            raise BackendError(f"could not read {store}/uploads/0f3a/report.pdf: disk error; also {upload}.")

        vars(assistant)["ask"] = failing
        vars(assistant)["stream"] = failing
        body = shaped_or_502(httpx.post(f"{base}/api/ask", json={"question": IQDEX}))
        client = Client(f"{base}/", verbose=False, download_files=False)
        _, chat, _ = client.predict(IQDEX, [], "", "", [], api_name="/ask")
    shown = str(chat[-1]["content"])
    for text in (body["detail"], shown):
        assert "report.pdf: disk error" in text and "brief.pdf." in text, text
        assert str(store) not in text and "/uploads/" not in text and str(upload.parent) not in text, text


def shaped_or_502(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 502, response.text
    body: dict[str, Any] = response.json()
    assert body["error"] == "BackendError"
    return body


def test_redact_paths_keeps_urls_routes_and_other_text(tmp_path: Path) -> None:
    root = tmp_path / "store"
    text = (
        f"{root}/uploads/ab/x.pdf: bad; ({root}/y.txt), {root}. See /api/ingest, "
        f"https://example.org{root}/z and {root}-other/w"
    )
    assert security.redact_paths(text, [root]) == (
        "x.pdf: bad; (y.txt), store. See /api/ingest, "
        f"https://example.org{root}/z and {root}-other/w"  # a URL, and a folder that merely starts alike
    )
