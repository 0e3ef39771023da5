"""Item 3 of the attack list: one slow input must not stop the service. Ingest runs as a background
job: the request returns at once, and health, questions and deletes go on while a URL drips."""

from __future__ import annotations

import time

import httpx

from tests.conftest import IQDEX
from tests.security.conftest import ServeApp
from tests.security.drip import dripping_server


def test_a_dripping_url_neither_blocks_the_service_nor_outlives_its_deadline(serve_app: ServeApp) -> None:
    with (
        dripping_server() as slow,
        serve_app(fetch_allow_private=["127.0.0.0/8"], fetch_timeout_s=6) as (base, _),
    ):
        started = time.monotonic()
        queued = httpx.post(f"{base}/api/ingest", data={"urls": [slow]}, timeout=10)
        assert queued.status_code == 202 and time.monotonic() - started < 2, queued.text
        job_url = f"{base}{queued.headers['location']}"
        assert httpx.get(job_url).json()["state"] in ("queued", "running")

        health_s: list[float] = []
        for _ in range(5):
            t0 = time.monotonic()
            assert httpx.get(f"{base}/api/health", timeout=5).status_code == 200
            health_s.append(time.monotonic() - t0)
            time.sleep(0.1)
        assert max(health_s) < 1.0, health_s
        answer = httpx.post(f"{base}/api/ask", json={"question": IQDEX}, timeout=30)
        assert answer.status_code == 200 and answer.json()["citations"]
        if time.monotonic() - started < 5:  # on a busy machine the question may outlast the deadline
            assert httpx.get(job_url).json()["state"] == "running", "the fetch is still dripping meanwhile"

        while (job := httpx.get(job_url).json())["state"] == "running" and time.monotonic() - started < 30:
            time.sleep(0.2)
        took = time.monotonic() - started
        assert job["state"] == "done" and job["failed"] == 1, job
        assert "RAG_FETCH_TIMEOUT_S" in job["items"][0]["errors"][0]
        assert took < 10, f"a 6 s fetch deadline took {took:.1f} s"


def test_a_delete_does_not_wait_for_a_fetch(serve_app: ServeApp) -> None:
    with (
        dripping_server() as slow,
        serve_app(fetch_allow_private=["127.0.0.0/8"], fetch_timeout_s=20) as (base, assistant),
    ):
        [seed] = assistant.articles()
        queued = httpx.post(f"{base}/api/ingest", data={"urls": [slow]}, timeout=10)
        assert queued.status_code == 202
        time.sleep(1.0)  # the job is now inside the fetch
        t0 = time.monotonic()
        response = httpx.delete(f"{base}/api/articles/{seed.id}", timeout=30)
        assert response.status_code == 200 and time.monotonic() - t0 < 3, response.text
