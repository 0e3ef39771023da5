"""Item 7: the Chroma server (RAG_CHROMA_URL) fails under a running `rag serve`.

A real `chroma run` is killed, stopped (SIGSTOP: it accepts connections and never answers) and
brought back: every route answers 503 JSON within the timeout and a few seconds, /api/health says
the store is down within 2 s and keeps answering at once while 50 questions wait, and the service
answers again once the server does, without a restart.
"""

from __future__ import annotations

import os
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from rag.assistant import Assistant
from rag.settings import load_settings
from tests.conftest import DATA_DIR, IQDEX
from tests.servers import free_port, wait_until_up
from tests.web.conftest import ThreadServer

pytestmark = pytest.mark.slow  # a Chroma server and the served app

TIMEOUT_S = 2  # RAG_CHROMA_TIMEOUT_S for these tests
ASK = {"question": IQDEX}


class ChromaServer:
    """`chroma run` on a fixed port and data folder, so it can be killed and started again."""

    def __init__(self, data: Path) -> None:
        exe = shutil.which("chroma", path=str(Path(sys.executable).parent)) or shutil.which("chroma")
        if exe is None:
            pytest.fail("the chroma CLI (from the chromadb package) is not installed")
        self.command = [exe, "run", "--host", "127.0.0.1", "--port", str(free_port()), "--path", str(data)]
        self.url = f"http://127.0.0.1:{self.command[5]}"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(self.command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_until_up(f"{self.url}/api/v2/heartbeat", 60, self.proc)
        except (RuntimeError, TimeoutError) as exc:
            pytest.fail(f"chroma server did not start: {exc}")

    def signal(self, sig: signal.Signals) -> None:
        assert self.proc is not None
        os.kill(self.proc.pid, sig)

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGCONT)
            self.proc.kill()
            self.proc.wait(30)


@contextmanager
def served_over_chroma(tmp_path: Path, seed_path: Path) -> Iterator[tuple[str, ChromaServer, Assistant]]:
    """The real app over a store whose vectors live in a real Chroma server holding the seed."""
    from app import build_app

    chroma = ChromaServer(tmp_path / "chroma-server")
    chroma.start()
    try:
        settings = load_settings(
            chroma_path=tmp_path / "local",
            chroma_url=chroma.url,
            chroma_timeout_s=TIMEOUT_S,
            cache_dir=tmp_path / "cache",
            data_dir=DATA_DIR,
            warm_sentences=False,
        )
        assistant = Assistant.from_settings(settings)
        assert assistant.ingest([seed_path]).added == 1
        with ThreadServer(build_app(assistant)) as server:
            yield server.base, chroma, assistant
    finally:
        chroma.kill()


def assert_store_error(response: httpx.Response, url: str) -> None:
    assert response.status_code == 503, response.text
    body = response.json()
    assert body["error"] == "StoreUnavailableError" and url in body["detail"], body
    assert "RAG_CHROMA_URL" in body["detail"]


def test_a_killed_server_is_503_json_on_every_route_and_a_restart_heals(
    tmp_path: Path, seed_path: Path
) -> None:
    with served_over_chroma(tmp_path, seed_path) as (base, chroma, assistant):
        article_id = assistant.articles()[0].id
        chroma.kill()
        assert_store_error(httpx.post(f"{base}/api/ask", json=ASK, timeout=30), chroma.url)
        assert_store_error(httpx.get(f"{base}/api/articles", timeout=30), chroma.url)
        assert_store_error(httpx.delete(f"{base}/api/articles/{article_id}", timeout=30), chroma.url)
        health = httpx.get(f"{base}/api/health", timeout=5)
        assert health.status_code == 503 and health.json()["status"] == "store_unreachable", health.text
        assert health.json()["articles"] == 1, "the counts stay (last known) while the store is down"

        chroma.start()  # same port, same data: the service recovers without a restart
        assert_recovers(base, "after the server came back")
        assert httpx.get(f"{base}/api/articles/{article_id}", timeout=10).status_code == 200


def test_a_stopped_server_times_out_into_503_while_health_answers_at_once(
    tmp_path: Path, seed_path: Path
) -> None:
    with served_over_chroma(tmp_path, seed_path) as (base, chroma, _):
        assert httpx.post(f"{base}/api/ask", json=ASK, timeout=30).status_code == 200
        chroma.signal(signal.SIGSTOP)
        stopped = time.monotonic()
        asked: list[tuple[httpx.Response, float]] = []

        def ask() -> None:
            started = time.monotonic()
            response = httpx.post(f"{base}/api/ask", json=ASK, timeout=60)
            asked.append((response, time.monotonic() - started))

        askers = [threading.Thread(target=ask) for _ in range(50)]
        for thread in askers:
            thread.start()
        down_after: float | None = None
        latencies: list[float] = []
        while any(t.is_alive() for t in askers) or len(latencies) < 20:
            started = time.monotonic()
            health = httpx.get(f"{base}/api/health", timeout=10)
            latencies.append(time.monotonic() - started)
            if health.status_code == 503 and down_after is None:
                down_after = time.monotonic() - stopped
                assert health.json()["status"] == "store_unreachable", health.text
            time.sleep(0.1)
        for thread in askers:
            thread.join()

        assert down_after is not None and down_after <= 2.0, f"health said down after {down_after} s"
        p95 = statistics.quantiles(latencies, n=20)[-1]
        assert p95 <= 0.5, f"health p95 {p95:.2f} s while 50 questions waited: {latencies}"
        assert len(asked) == 50
        for response, _ in asked:
            assert_store_error(response, chroma.url)
        # 40 worker threads: the last ten questions start when the first forty time out
        assert max(took for _, took in asked) <= 2 * TIMEOUT_S + 5, [round(t, 1) for _, t in asked]

        chroma.signal(signal.SIGCONT)
        assert_recovers(base, "after SIGCONT")


def assert_recovers(base: str, when: str) -> None:
    """Health turns 200 within 10 s and a question is answered with citations again."""
    deadline = time.monotonic() + 10
    while httpx.get(f"{base}/api/health", timeout=5).status_code != 200:
        assert time.monotonic() < deadline, f"health did not recover {when}"
        time.sleep(0.2)
    answer = httpx.post(f"{base}/api/ask", json=ASK, timeout=30)
    assert answer.status_code == 200 and answer.json()["citations"], answer.text
