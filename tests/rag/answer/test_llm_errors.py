"""LLM endpoint failures reach the user as one BackendError with a clear message.

The failing endpoints are tiny stand-in HTTP servers on 127.0.0.1 (a real server cannot be made to
refuse a key or hang on demand); the working endpoint is tested with a real model in test_llm_server.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from rag.answer.llm import OpenAIChat
from rag.errors import BackendError
from tests.servers import free_port

MESSAGES = [("system", "Answer."), ("user", "Question?")]


class _Handler(BaseHTTPRequestHandler):
    mode = "401"

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.mode == "slow":
            time.sleep(3)
        status = 401 if self.mode == "401" else 404
        body = json.dumps({"error": {"message": "nope", "type": "invalid_request_error"}}).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except OSError:  # the client gave up (the timeout test)
            pass

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def stand_in() -> Iterator[tuple[str, type[_Handler]]]:
    handler = type("Handler", (_Handler,), {})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1", handler
    server.shutdown()
    server.server_close()


def test_unreachable_endpoint() -> None:
    url = f"http://127.0.0.1:{free_port()}/v1"
    with pytest.raises(BackendError, match="is unreachable: start the server or fix RAG_LLM_BASE_URL") as err:
        list(OpenAIChat(url, "m", "k", timeout_s=5).stream(MESSAGES))
    assert url in str(err.value) and "Traceback" not in str(err.value)


def test_bad_key(stand_in: tuple[str, type[_Handler]]) -> None:
    url, handler = stand_in
    handler.mode = "401"
    with pytest.raises(BackendError, match="refused the API key: set RAG_LLM_API_KEY"):
        list(OpenAIChat(url, "m", "bad", timeout_s=5).stream(MESSAGES))


def test_unknown_model(stand_in: tuple[str, type[_Handler]]) -> None:
    url, handler = stand_in
    handler.mode = "404"
    with pytest.raises(BackendError, match="does not serve this model"):
        list(OpenAIChat(url, "nope", "k", timeout_s=5).stream(MESSAGES))


def test_timeout(stand_in: tuple[str, type[_Handler]]) -> None:
    url, handler = stand_in
    handler.mode = "slow"
    with pytest.raises(BackendError, match="timed out"):
        list(OpenAIChat(url, "m", "k", timeout_s=0.5).stream(MESSAGES))
