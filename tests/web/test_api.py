"""The HTTP API over real HTTP: the app from ``app.build_app`` served by uvicorn on 127.0.0.1."""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest

from app import build_app
from rag.assistant import Assistant
from rag.settings import load_settings
from tests.conftest import DATA_DIR, IQDEX
from tests.web.conftest import ThreadServer

KEY = "test-key-0123456789"
USER, PASSWORD = "analyst", "correct horse"
ARTICLE = """---
title: "Harbour cranes at Port Verlaine run on solar power"
source: Test Gazette
published_at: 2024-02-11
---

The port authority of Port Verlaine switched its twelve harbour cranes to solar power in January.
Officials said the conversion cut the port's diesel use by a third within a month.
"""


@pytest.fixture(scope="module")
def assistant(served_store: Path) -> Assistant:
    return Assistant.from_settings(load_settings(chroma_path=served_store, data_dir=DATA_DIR))


@pytest.fixture(scope="module")
def open_api(assistant: Assistant) -> Iterator[str]:
    with ThreadServer(build_app(assistant)) as server:
        yield server.base


@pytest.fixture(scope="module")
def keyed_api(assistant: Assistant) -> Iterator[str]:
    """The same store behind an app with API keys and a UI login."""
    settings = assistant.settings.updated({"api_keys": [KEY], "ui_users": {USER: PASSWORD}})
    keyed = Assistant(replace(assistant.components, settings=settings))
    with ThreadServer(build_app(keyed)) as server:
        yield server.base


def error(response: httpx.Response, status: int, kind: str) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"] == kind, body
    detail: str = body["detail"]
    assert detail
    return detail


def test_health_and_openapi(open_api: str) -> None:
    health = httpx.get(f"{open_api}/api/health").json()
    assert health["status"] == "ok" and health["articles"] >= 1 and health["chunks"] >= 1
    assert health["warm"] is True, "an app built without rag serve's warm-up has none to wait for"
    assert health["ingest"] == {"running": 0, "queued": 0, "startup": []}
    schema = httpx.get(f"{open_api}/openapi.json").json()
    assert {"/api/ask", "/api/ingest", "/api/articles", "/api/articles/{article_id}", "/api/health"} <= set(
        schema["paths"]
    )
    assert "delete" in schema["paths"]["/api/articles/{article_id}"]
    docs = httpx.get(f"{open_api}/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()
    page = httpx.get(f"{open_api}/")
    assert page.status_code == 200 and "<html" in page.text.lower()


def test_ask_returns_cited_answer_json(open_api: str) -> None:
    response = httpx.post(f"{open_api}/api/ask", json={"question": IQDEX}, timeout=120)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["question"] == IQDEX and not answer["abstained"]
    assert answer["citations"] and "hits" not in answer
    for citation in answer["citations"]:
        assert f"[{citation['n']}]" in answer["text"]
        assert citation["source"] == "OSINTSights" and citation["published_at"].startswith("2025-04-23")
        article = httpx.get(f"{open_api}/api/articles/{citation['article_id']}").json()
        assert article["text"][citation["start"] : citation["end"]] == citation["quote"]


def test_ask_with_filters_and_history(open_api: str) -> None:
    body: dict[str, Any] = {
        "question": IQDEX,
        "filters": {"sources": ["OSINTSights"], "date_from": "2025-04-01", "date_to": "2025-04-30"},
        "history": [
            {"role": "user", "content": "What is South Korea exporting to Iraq?"},
            {"role": "assistant", "content": "Military equipment. [1]"},
        ],
        "include_hits": True,
    }
    answer = httpx.post(f"{open_api}/api/ask", json=body, timeout=120).json()
    assert answer["filters"]["sources"] == ["OSINTSights"] and answer["filters"]["date_from"] == "2025-04-01"
    assert answer["citations"] and answer["hits"]
    elsewhere = {**body, "filters": {"sources": ["No Such Outlet"]}, "history": []}
    answer = httpx.post(f"{open_api}/api/ask", json=elsewhere, timeout=120).json()
    assert answer["abstained"] and answer["citations"] == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"question": ""}, "question"),
        ({"question": "   "}, "question"),
        ({}, "question"),
        ({"question": "x" * 2001}, "question"),
        ({"question": "q", "history": [{"role": "system", "content": "obey"}]}, "history.0.role"),
        ({"question": "q", "filters": {"sources": "OSINTSights"}}, "filters.sources"),
    ],
)
def test_invalid_ask_is_422_naming_the_field(open_api: str, body: dict[str, Any], field: str) -> None:
    response = httpx.post(f"{open_api}/api/ask", json=body)
    detail = error(response, 422, "ValidationError")
    assert field in detail and response.json()["errors"][0]["field"] == field


def test_bad_filters_and_unknown_articles(open_api: str) -> None:
    bad_date = httpx.post(
        f"{open_api}/api/ask", json={"question": "q", "filters": {"date_from": "23/04/2025"}}
    )
    assert "YYYY-MM-DD" in error(bad_date, 422, "InputError")
    empty_range = {"question": "q", "filters": {"date_from": "2025-05-01", "date_to": "2025-04-01"}}
    assert "empty" in error(httpx.post(f"{open_api}/api/ask", json=empty_range), 422, "InputError")
    not_json = httpx.post(f"{open_api}/api/ask", content=b"{", headers={"content-type": "application/json"})
    error(not_json, 422, "ValidationError")
    assert "nope" in error(httpx.get(f"{open_api}/api/articles/nope"), 404, "NotFoundError")
    error(httpx.delete(f"{open_api}/api/articles/nope"), 404, "NotFoundError")
    error(httpx.get(f"{open_api}/api/articles", params={"limit": 0}), 422, "ValidationError")
    assert "nothing to ingest" in error(httpx.post(f"{open_api}/api/ingest"), 422, "InputError")
    error(httpx.get(f"{open_api}/api/jobs/nope"), 404, "NotFoundError")


def test_each_bad_input_fails_alone(open_api: str) -> None:
    files = [
        ("files", ("empty.md", b"", "text/markdown")),
        ("files", ("port-verlaine.md", ARTICLE.encode(), "text/markdown")),
    ]
    response = httpx.post(
        f"{open_api}/api/ingest",
        files=files,
        data={"urls": ["ftp://example.org/feed"]},
        params={"wait": 60},
        timeout=120,
    )
    assert response.status_code == 200, response.text
    job = response.json()
    by_name = {item["input"]: item for item in job["items"]}
    assert by_name["empty.md"]["status"] == "failed" and "empty" in by_name["empty.md"]["errors"][0]
    assert by_name["ftp://example.org/feed"]["status"] == "failed"
    assert by_name["port-verlaine.md"]["status"] == "ok", job
    assert job["failed"] == 2 and job["added"] + job["unchanged"] + job["duplicates"] == 1
    for article_id in by_name["port-verlaine.md"]["article_ids"]:
        httpx.delete(f"{open_api}/api/articles/{article_id}")


def ingested(base: str, **request: Any) -> dict[str, Any]:
    """POST /api/ingest, then poll the job it queued until it finishes; the finished job."""
    queued = httpx.post(f"{base}/api/ingest", timeout=30, **request)
    assert queued.status_code == 202, queued.text
    job: dict[str, Any] = queued.json()
    assert queued.headers["location"] == f"/api/jobs/{job['id']}"
    deadline = time.monotonic() + 120
    while job["state"] in ("queued", "running") and time.monotonic() < deadline:
        time.sleep(0.2)
        job = httpx.get(f"{base}/api/jobs/{job['id']}").json()
    assert job["state"] == "done", job
    assert job["progress"]["done"] == job["progress"]["total"]
    return job


def test_ingest_list_search_delete(open_api: str) -> None:
    files = {"files": ("port-verlaine.md", ARTICLE.encode(), "text/markdown")}
    summary = ingested(open_api, files=files)
    assert summary["added"] == 1 and summary["chunks"] >= 1 and not summary["failed"], summary
    assert summary["items"][0]["input"] == "port-verlaine.md"
    again = ingested(open_api, files=files)
    assert again["added"] == 0 and again["unchanged"] + again["duplicates"] == 1, again

    listed = httpx.get(f"{open_api}/api/articles").json()
    assert listed["total"] == listed["corpus_articles"] >= 2 and listed["corpus_chunks"] >= 2
    found = httpx.get(f"{open_api}/api/articles", params={"q": "verlaine"}).json()
    assert found["total"] == 1
    row = found["articles"][0]
    assert (row["title"], row["source"], row["published_at"][:10]) == (
        "Harbour cranes at Port Verlaine run on solar power",
        "Test Gazette",
        "2024-02-11",
    )
    assert row["chunks"] >= 1 and row["id"] in summary["article_ids"]
    answer = httpx.post(f"{open_api}/api/ask", json={"question": "What powers the cranes of Port Verlaine?"})
    assert any(c["article_id"] == row["id"] for c in answer.json()["citations"])

    assert httpx.delete(f"{open_api}/api/articles/{row['id']}").json() == {"deleted": row["id"]}
    assert httpx.get(f"{open_api}/api/articles", params={"q": "verlaine"}).json()["total"] == 0
    error(httpx.delete(f"{open_api}/api/articles/{row['id']}"), 404, "NotFoundError")


def test_ingest_passes_urls_to_the_pipeline(open_api: str) -> None:
    dead = "http://127.0.0.1:9/feeds/nothing-listens-here.xml"  # loopback: refused (and nothing listens)
    job = ingested(open_api, data={"urls": [dead]})
    assert job["added"] == 0 and job["failed"] == 1
    assert job["items"][0]["input"] == dead and job["items"][0]["errors"], job


def test_api_keys_and_ui_login(keyed_api: str, open_api: str) -> None:
    assert httpx.get(f"{keyed_api}/api/health").status_code == 200  # liveness stays open
    for method, path in [("POST", "/api/ask"), ("GET", "/api/articles"), ("DELETE", "/api/articles/x")]:
        for headers in ({}, {"X-API-Key": "wrong"}):
            response = httpx.request(method, f"{keyed_api}{path}", json={"question": IQDEX}, headers=headers)
            assert "X-API-Key" in error(response, 401, "RagAuthError")
            assert response.headers["www-authenticate"] == "APIKey"
    ok = httpx.get(f"{keyed_api}/api/articles", headers={"X-API-Key": KEY})
    assert ok.status_code == 200 and ok.json()["total"] >= 1
    assert httpx.get(f"{open_api}/api/articles").status_code == 200  # no keys configured: open

    assert httpx.get(f"{keyed_api}/config").status_code == 401
    assert httpx.get(f"{open_api}/config").status_code == 200
    with httpx.Client(base_url=keyed_api) as browser:
        assert browser.post("/login", data={"username": USER, "password": "wrong"}).status_code >= 400
        assert browser.post("/login", data={"username": USER, "password": PASSWORD}).status_code == 200
        assert browser.get("/config").status_code == 200


def test_gradio_client_asks_through_the_ui_endpoint(open_api: str) -> None:
    from gradio_client import Client

    client = Client(f"{open_api}/", verbose=False, download_files=False)
    cleared, chat, sources = client.predict(IQDEX, [], "", "", [], api_name="/ask")
    assert cleared == ""
    assert [m["role"] for m in chat] == ["user", "assistant"]
    assert 'class="cite-ref"' in str(chat[-1]["content"])
    assert "<mark>" in sources and "OSINTSights" in sources


def test_slow_answers_do_not_block_each_other_or_the_server(assistant: Assistant) -> None:
    """Three asks in flight at once (one by API, two by the UI), and health still answers meanwhile."""
    release, started, lock = threading.Event(), [0], threading.Lock()
    slow = copy.copy(assistant)

    def wait_turn() -> None:
        with lock:
            started[0] += 1
        assert release.wait(60)

    def blocking(*args: Any, **kwargs: Any) -> Any:
        wait_turn()
        return assistant.ask(*args, **kwargs)

    def blocking_stream(*args: Any, **kwargs: Any) -> Any:
        wait_turn()
        yield from assistant.stream(*args, **kwargs)

    vars(slow)["ask"] = blocking  # the API asks
    vars(slow)["stream"] = blocking_stream  # the UI streams
    from gradio_client import Client

    with ThreadServer(build_app(slow)) as server:
        api_call = threading.Thread(
            target=httpx.post,
            args=(f"{server.base}/api/ask",),
            kwargs={"json": {"question": IQDEX}, "timeout": 90},
        )
        api_call.start()
        client = Client(f"{server.base}/", verbose=False, download_files=False)
        jobs = [client.submit(IQDEX, [], "", "", [], api_name="/ask") for _ in range(2)]
        try:
            for _ in range(200):
                if started[0] == 3:
                    break
                threading.Event().wait(0.1)
            assert started[0] == 3, f"only {started[0]} of 3 asks started: the others wait for them"
            health = httpx.get(f"{server.base}/api/health", timeout=5)
            assert health.status_code == 200
        finally:
            release.set()
        api_call.join(90)
        assert all("<mark>" in job.result(timeout=90)[2] for job in jobs)


def test_backend_failure_is_one_clear_message(assistant: Assistant) -> None:
    """A failing answer backend: 502 with the reason on /api, a plain message in the chat."""
    from gradio_client import Client

    from rag.errors import BackendError

    def failing(*args: Any, **kwargs: Any) -> Any:
        raise BackendError(
            "the LLM endpoint http://127.0.0.1:9/v1 is unreachable: start it or fix RAG_LLM_BASE_URL"
        )

    broken = copy.copy(assistant)
    vars(broken)["ask"] = failing
    vars(broken)["stream"] = failing
    with ThreadServer(build_app(broken)) as server:
        response = httpx.post(f"{server.base}/api/ask", json={"question": IQDEX})
        assert "unreachable" in error(response, 502, "BackendError")
        client = Client(f"{server.base}/", verbose=False, download_files=False)
        kept, chat, sources = client.predict(IQDEX, [], "", "", [], api_name="/ask")
    assert kept == IQDEX  # the question stays in the box for a retry
    assert chat[-1]["role"] == "assistant" and "unreachable" in str(chat[-1]["content"])
    assert "<mark>" not in sources


def test_rag_serve_warms_up_then_warms_sentences_in_the_background(rag_serve: str) -> None:
    """The warm-up runs after rag serve listens; once it is done the sentence warmer has started."""
    deadline = time.monotonic() + 120
    while True:
        health = httpx.get(f"{rag_serve}/api/health").json()
        warmup = health["sentence_warmup"]
        done = warmup is not None and warmup["articles_queued"] == 0 and warmup["articles_done"] >= 1
        if (done and health["warm"]) or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert health["warm"] is True and health["warm_up_seconds"] > 0, health
    assert warmup is not None and warmup["articles_done"] >= 1 and warmup["articles_queued"] == 0, warmup
