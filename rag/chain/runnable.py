"""The answer chain as a LangChain runnable: ``Runnable[ChainInput | str, Answer]``.

Its steps (condense -> retrieve -> pack -> generate -> verify, plain functions in
rag/chain/steps.py and rag/chain/evidence.py) are composed into a ``RunnableSequence`` whose
chunks are :class:`~rag.types.StreamEvent`\\ s: text deltas as the backend writes, then the verified
answer. :meth:`AnswerChain.answer_events` streams those; ``invoke``/``batch``/``stream`` give the
verified :class:`~rag.types.Answer`, so the chain composes with LCEL like any runnable.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from functools import partial
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.retrievers import BaseRetriever
from langchain_core.runnables import Runnable, RunnableConfig, RunnableGenerator, RunnableLambda
from langchain_core.runnables.base import RunnableSequence
from langchain_core.runnables.graph import Graph

from rag.answer import AnswerGenerator
from rag.answer.backends import chat_model_generator, with_prompt
from rag.answer.extractive import ExtractiveGenerator
from rag.answer.llm import ChatGenerator
from rag.chain.evidence import StoreFacts, pack
from rag.chain.steps import condense, final_answer, generate, retrieve, verify
from rag.chain.values import ChainConfig, ChainInput
from rag.errors import ConfigError
from rag.retrieval import Retriever
from rag.retrieval.langchain import OsintRetriever, hit_search
from rag.types import Answer, StreamEvent
from rag.verify import SupportScorer, Verifier
from store.cache import EmbeddingCache, SentenceVectors
from store.embeddings import Embedder


class AnswerChain(Runnable[ChainInput | str, Answer]):
    """Retrieves, packs, drafts and verifies: a question in, a cited :class:`~rag.types.Answer` out.

    ``retriever``: ours (a :class:`~rag.retrieval.Retriever`, or the ``BaseRetriever`` of
    :func:`~rag.retrieval.langchain.as_langchain_retriever`) or any LangChain ``BaseRetriever``, whose
    documents become hits (see :func:`~rag.retrieval.langchain.hit_search`). ``generator``: one of
    our backends (rag/answer/), or any LangChain chat model (``ChatOpenAI``, ``ChatOllama``, ...);
    ``prompt`` replaces an LLM backend's cited-answer prompt (variables ``{sources}``,
    ``{question}``, ``{max_sentences}``).
    """

    def __init__(
        self,
        *,
        retriever: Retriever | BaseRetriever,
        generator: AnswerGenerator | BaseChatModel,
        embedder: Embedder,
        config: ChainConfig | None = None,
        prompt: ChatPromptTemplate | None = None,
        document_frequency: Callable[[str], int] | None = None,
        unknown_outlets: Callable[[str], list[str]] | None = None,
        outlet_clauses: Callable[[str], dict[str, str]] | None = None,
        cache: EmbeddingCache | None = None,
        sentence_vectors: SentenceVectors | None = None,
        known_articles: Callable[[Sequence[str]], set[str]] | None = None,
    ) -> None:
        """``document_frequency``, ``unknown_outlets``, ``outlet_clauses``: what the store knows (see
        :class:`~rag.chain.evidence.StoreFacts`); ``cache``: the store's embedding cache, where sentence
        vectors persist between runs; ``sentence_vectors``: the sentence vectors shared with the
        retriever's excerpts (one made over ``cache`` when not given); ``known_articles``: which of
        some article ids the article store holds (hits of any other article, a chunk a crash or a
        damaged file left behind, are never cited)."""
        self.config = config or ChainConfig()
        self.retriever = retriever
        self.generator = backend(generator, prompt, self.config.answer_sentences)
        self.embedder = embedder
        self.known_articles = known_articles
        self.document_frequency = document_frequency
        self.unknown_outlets = unknown_outlets
        self.outlet_clauses = outlet_clauses
        # not `or`: an empty SentenceVectors is falsy, and a fresh store's shared one starts empty
        self.sentence_vectors = (
            sentence_vectors if sentence_vectors is not None else SentenceVectors(embedder, cache=cache)
        )
        self.verifier = Verifier(SupportScorer(embedder), self.config.support_threshold)
        self.quoter = ExtractiveGenerator(self.config.quote_sentences)  # the quotes under an LLM's answer

    def steps(self) -> Runnable[ChainInput, StreamEvent]:
        """The steps as one ``RunnableSequence`` over the chain's parts as they are now."""
        facts = StoreFacts(self.document_frequency, self.unknown_outlets, self.outlet_clauses)
        search = hit_search(self.retriever, self.known_articles, self.config.encoding)
        packing = partial(
            pack,
            embedder=self.embedder,
            options=self.config,
            sentence_vectors=self.sentence_vectors,
            facts=facts,
        )
        generator = self.generator
        return RunnableSequence(
            RunnableLambda(partial(condense, generator=generator), name="condense"),
            RunnableLambda(partial(retrieve, search=search, top_k=self.config.top_k), name="retrieve"),
            RunnableLambda(packing, name="pack"),
            RunnableGenerator(partial(generate, generator=generator, quoter=self.quoter), name="generate"),
            RunnableGenerator(partial(verify, verifier=self.verifier, backend=generator.name), name="verify"),
            name=self.get_name(),
        )

    def answer_events(
        self, question: ChainInput | str, config: RunnableConfig | None = None
    ) -> Iterator[StreamEvent]:
        """Text deltas as they are drafted, then one event carrying the verified answer."""
        for event in self.steps().stream(ChainInput.of(question), config):
            if isinstance(event, StreamEvent):
                yield event

    def invoke(self, input: ChainInput | str, config: RunnableConfig | None = None, **kwargs: Any) -> Answer:
        """The verified answer to ``input`` (a question, or a :class:`ChainInput` with filters,
        history and k)."""
        return final_answer(self.answer_events(input, config))

    def get_graph(self, config: RunnableConfig | None = None) -> Graph:
        """The graph of the steps (``chain.get_graph().draw_ascii()``)."""
        return self.steps().get_graph(config)

    def with_model(self, model: BaseChatModel, prompt: ChatPromptTemplate | None = None) -> AnswerChain:
        """This chain with ``model`` (any LangChain chat model) writing the answers, and ``prompt``, when
        given, as its cited-answer prompt."""
        return self._with(generator=model, prompt=prompt)

    def with_retriever(self, retriever: Retriever | BaseRetriever) -> AnswerChain:
        """This chain retrieving with ``retriever``. What the chain knew of our store (outlets, word
        frequencies, stored articles) is dropped unless the retriever is ours, since it would not
        describe another retriever's documents."""
        if not isinstance(retriever, BaseRetriever) or isinstance(retriever, OsintRetriever):
            return self._with(retriever=retriever)
        return self._with(
            retriever=retriever,
            document_frequency=None,
            unknown_outlets=None,
            outlet_clauses=None,
            known_articles=None,
        )

    def _with(self, **changes: Any) -> AnswerChain:
        parts: dict[str, Any] = {
            "retriever": self.retriever,
            "generator": self.generator,
            "embedder": self.embedder,
            "config": self.config,
            "document_frequency": self.document_frequency,
            "unknown_outlets": self.unknown_outlets,
            "outlet_clauses": self.outlet_clauses,
            "sentence_vectors": self.sentence_vectors,
            "known_articles": self.known_articles,
        }
        return AnswerChain(**{**parts, **changes})


def backend(
    generator: AnswerGenerator | BaseChatModel, prompt: ChatPromptTemplate | None, max_sentences: int
) -> AnswerGenerator:
    """Our backend for ``generator``: itself, or, for a LangChain chat model, an LLM backend over it;
    with ``prompt`` as the cited-answer prompt of an LLM backend."""
    if isinstance(generator, BaseChatModel):
        return chat_model_generator(generator, prompt, max_sentences)
    if prompt is None:
        return generator
    if isinstance(generator, ChatGenerator):
        return with_prompt(generator, prompt)
    raise ConfigError(f"a prompt is for an LLM backend: the {generator.name} backend writes without one")
