"""The LangChain seams end to end: the README's example, the chain as a typed LCEL runnable, a chat
model and a retriever one brings. Real Chroma in a temp dir and the real embedding model.

No LLM server runs in these tests, so the chat model is LangChain's own ``GenericFakeChatModel``,
replying with a fixed sentence of the seed article; it is the only stand-in here.
"""

from __future__ import annotations

import itertools
import re
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.embeddings import Embeddings
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import BaseMessage
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.runnables import RunnableLambda
from langchain_core.vectorstores import InMemoryVectorStore

from rag.assistant import Assistant
from rag.chain import AnswerChain, ChainInput
from rag.errors import BackendError, ConfigError
from rag.types import Answer, StreamEvent, Turn
from tests.conftest import DATA_DIR, IQDEX, REPO, SEED

REPLY = "Helicopters, fighter jets and air defense systems were discussed [1]."
LLM_LINE = 'llm = ChatOpenAI(model="gpt-4o-mini")'


class Recorder(BaseCallbackHandler):
    """Keeps the messages each chat model call was given (LangChain's own callback interface)."""

    def __init__(self) -> None:
        self.prompts: list[str] = []

    def on_chat_model_start(
        self, serialized: dict[str, Any], messages: list[list[BaseMessage]], **kwargs: Any
    ) -> None:
        self.prompts.extend("\n".join(str(m.content) for m in batch) for batch in messages)


def scripted_model(recorder: Recorder | None = None) -> GenericFakeChatModel:
    """Stands in for an LLM endpoint (none runs here): always replies :data:`REPLY`, streamed word by word."""
    return GenericFakeChatModel(messages=itertools.cycle([REPLY]), callbacks=[recorder] if recorder else None)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, seeded_store: Path) -> Path:
    copy = tmp_path_factory.mktemp("langchain") / "store"
    shutil.copytree(seeded_store, copy)
    return copy


@pytest.fixture(scope="module")
def assistant(store: Path) -> Assistant:
    from rag.settings import load_settings

    return Assistant.from_settings(load_settings(chroma_path=store, data_dir=DATA_DIR))


def exact_sentences(assistant: Assistant, answer: Answer) -> None:
    assert not answer.abstained and answer.citations
    for c in answer.citations:
        text = assistant.article(c.article_id).text
        assert text[c.start : c.end] == c.quote and len(c.quote) > 20


def readme_code() -> str:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Use from LangChain\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    assert len(blocks) == 2
    return "\n".join(blocks)


def test_the_readme_example_runs(
    assistant: Assistant, store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sentences = assistant.calibration.max_answer_sentences
    code = readme_code()
    assert code.count('chroma_path="my-store"') == 1 and code.count(LLM_LINE) == 1
    code = code.replace('chroma_path="my-store"', "chroma_path=STORE, data_dir=DATA_DIR")
    code = code.replace(LLM_LINE, "llm = scripted_model(recorder)")
    recorder = Recorder()
    scope: dict[str, Any] = {
        "STORE": store,
        "DATA_DIR": DATA_DIR,
        "scripted_model": scripted_model,
        "recorder": recorder,
    }
    exec(compile(code, "README.md", "exec"), scope)
    printed = capsys.readouterr().out
    # our retriever fed the user's prompt: the seed article, numbered, with its outlet and date
    assert "[1] South Korea’s Strategic Pivot" in recorder.prompts[0]
    assert "(OSINTSights, 2025-04-23)" in recorder.prompts[0] and "IQDEX 2025" in recorder.prompts[0]
    assert printed.startswith(REPLY)
    # the model's draft in our chain came back verified: cited to an exact sentence of the article
    answer = scope["answer"]
    assert isinstance(answer, Answer) and answer.backend == "GenericFakeChatModel"
    exact_sentences(assistant, answer)
    assert "helicopters" in answer.citations[0].quote and "[1] OSINTSights, 2025-04-23: " in printed
    # the user's answer prompt reached the model, filled in with our numbered sources
    terse = [p for p in recorder.prompts if "each ending with its [n]" in p]
    assert (
        terse
        and f"At most {sentences} sentences" in terse[0]
        and "[1] South Korea’s Strategic Pivot" in terse[0]
    )
    texts = scope["texts"]
    assert len(texts) == 2 and all(isinstance(t, str) and "[1]" in t for t in texts)


def test_the_chain_is_a_typed_runnable_that_answers_as_ask_does(assistant: Assistant) -> None:
    chain = assistant.chain
    assert chain.OutputType is Answer and chain.InputType == ChainInput | str
    schema = chain.get_input_schema().model_json_schema()
    assert "question" in str(schema)
    asked = assistant.ask(IQDEX)
    invoked = chain.invoke(IQDEX)
    assert (invoked.text, invoked.citations) == (asked.text, asked.citations)
    exact_sentences(assistant, invoked)
    streamed = list(chain.stream(ChainInput(IQDEX)))
    assert len(streamed) == 1 and streamed[0].text == asked.text
    events = list(chain.answer_events(IQDEX))
    assert all(isinstance(e, StreamEvent) for e in events) and events[-1].answer is not None
    assert len([e for e in events if e.delta]) >= 2 and [e.answer for e in events[:-1]] == [None] * (
        len(events) - 1
    )
    piped = chain | RunnableLambda(lambda a: a.text)
    assert piped.batch([IQDEX, "Which South Korean agency confirmed the arms export discussions?"]) == [
        asked.text,
        assistant.ask("Which South Korean agency confirmed the arms export discussions?").text,
    ]
    names = [node.name for node in chain.get_graph().nodes.values()]
    assert names == [
        "condense_input",
        "condense",
        "retrieve",
        "pack",
        "generate",
        "verify",
        "verify_output",
    ]


def test_the_constructor_takes_keywords_only(assistant: Assistant) -> None:
    with pytest.raises(TypeError):
        AnswerChain(assistant.retriever, assistant.generator, assistant.embedder)  # type: ignore[misc]


def test_a_follow_up_is_rewritten_by_the_chat_model(assistant: Assistant) -> None:
    recorder = Recorder()
    model = GenericFakeChatModel(messages=iter([f"{IQDEX}\n", REPLY]), callbacks=[recorder])
    request = ChainInput("and which systems?", history=[Turn("user", "What happened at IQDEX?")])
    answer = assistant.chain.with_model(model).invoke(request)
    assert "Last question: and which systems?" in recorder.prompts[0]
    assert answer.standalone_question == IQDEX
    exact_sentences(assistant, answer)


class MiniLM(Embeddings):
    """Our embedding model behind LangChain's ``Embeddings`` interface, for a user's own vector store."""

    def __init__(self, assistant: Assistant) -> None:
        self.embedder = assistant.embedder

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [list(map(float, v)) for v in self.embedder.embed(texts)]

    def embed_query(self, text: str) -> list[float]:
        return list(map(float, self.embedder.embed_query(text)))


def test_a_retriever_of_ones_own_is_cited_by_exact_sentences(assistant: Assistant) -> None:
    body = SEED.read_text(encoding="utf-8").split("---\n", 2)[2].strip()
    paragraphs: Sequence[str] = body.split("\n")
    store = InMemoryVectorStore(MiniLM(assistant))
    at = 0
    metadatas = []
    for paragraph in paragraphs:
        metadatas.append({"source": "seed.md", "start_index": body.index(paragraph, at)})
        at = metadatas[-1]["start_index"] + len(paragraph)
    store.add_texts(list(paragraphs), metadatas=metadatas)
    chain = assistant.chain.with_retriever(store.as_retriever(search_kwargs={"k": 3}))
    answer = chain.invoke(IQDEX)
    assert not answer.abstained and "helicopters" in answer.text.lower()
    assert {h.article.source for h in answer.hits} == {"seed.md"}
    for c in answer.citations:  # offsets into the user's whole document, as its splitter recorded them
        assert body[c.start : c.end] == c.quote


def test_prompts_must_fit_the_backend(assistant: Assistant) -> None:
    unknown = ChatPromptTemplate.from_messages([("human", "{context}\n\n{question}")])
    with pytest.raises(ConfigError, match="context"):
        assistant.chain.with_model(scripted_model(), prompt=unknown)
    ok = ChatPromptTemplate.from_messages([("human", "{sources}\n\n{question}")])
    with pytest.raises(ConfigError, match="extractive"):
        AnswerChain(
            retriever=assistant.retriever,
            generator=assistant.generator,
            embedder=assistant.embedder,
            prompt=ok,
        )


def test_a_claim_the_articles_do_not_support_is_not_passed_on(assistant: Assistant) -> None:
    made_up = "IQDEX 2025 was held in Paris, where Iraq bought 500 tanks [1]."
    model = GenericFakeChatModel(messages=itertools.cycle([made_up]))
    answer = assistant.chain.with_model(model).invoke(IQDEX)
    assert answer.abstained and answer.citations == [] and "Paris" not in answer.text
    assert answer.unsupported == [made_up.replace(" [1]", "")]


def test_a_failing_chat_model_is_one_backend_error(assistant: Assistant) -> None:
    exhausted = GenericFakeChatModel(messages=iter([]))
    with pytest.raises(BackendError, match="the chat model GenericFakeChatModel failed"):
        assistant.chain.with_model(exhausted).invoke(IQDEX)
