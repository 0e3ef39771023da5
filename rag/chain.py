"""The answer chain as a LangChain runnable: condense -> retrieve -> pack -> generate -> verify.

Each step is a ``RunnableLambda`` / ``RunnableGenerator`` over our own dataclasses, so the chain
streams: the generate step yields :class:`~rag.types.StreamEvent` deltas as the backend writes, and
the verify step passes them through and turns the finished draft into the final, verified
:class:`~rag.types.Answer`. LangChain types stay inside this module.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from langchain_core.runnables import Runnable, RunnableGenerator, RunnableLambda

from rag.answer import AnswerGenerator, Context, Scored
from rag.answer.abstain import Specifics, check_specifics, says_cannot_answer
from rag.answer.answerability import load_model, masked_question, missing_entities, reason, signals
from rag.answer.compose import abstained, render_lead, renumber
from rag.answer.context import Source, pack_sources
from rag.answer.extractive import ExtractiveGenerator
from rag.answer.lead import Lead, build_lead
from rag.answer.ranking import rank_evidence, score_against
from rag.answer.spans import LABELS
from rag.answer.verdict import decide, read_parts
from rag.question.acronyms import spell_out, spelled_question
from rag.question.analysis import QuestionAnalysis, analyze
from rag.retrieval import Retriever
from rag.types import Answer, Filters, Hit, StreamEvent, Turn
from rag.verify import SupportScorer, Verifier
from store.cache import EmbeddingCache, SentenceVectors
from store.embeddings import Embedder

MASKED_SENTENCES = 30  # how many of the best sentences the entity-masked question is scored against


@dataclass
class ChainConfig:
    """The chain's knobs (from settings; see rag/settings.py for their meaning)."""

    top_k: int = 10
    context_tokens: int = 3000
    encoding: str = "cl100k_base"
    evidence_dense_weight: float = 0.5
    support_threshold: float = 0.55
    quote_sentences: int = 8  # most quotes under an LLM's one-sentence answer (as the extractive backend's)


@dataclass
class ChainInput:
    question: str
    filters: Filters | None = None
    history: list[Turn] = field(default_factory=list)
    k: int | None = None


@dataclass
class State:
    """Everything one question accumulates on its way through the chain."""

    input: ChainInput
    standalone: str = ""
    hits: list[Hit] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)
    ranked: list[Scored] = field(default_factory=list)
    specifics: Specifics = field(default_factory=Specifics)
    analysis: QuestionAnalysis | None = None
    lead: Lead | None = None
    signals: dict[str, float] = field(default_factory=dict)
    answerability: float | None = None
    reason: str = ""
    missing_outlets: list[str] = field(default_factory=list)
    abstain: bool = False
    timings: dict[str, float] = field(default_factory=dict)
    started: float = field(default_factory=time.perf_counter)


@dataclass
class _Drafted:
    """The generate step's last chunk: the complete draft, handed to the verify step."""

    state: State
    text: str


class AnswerChain:
    """Builds and runs the runnable; :meth:`stream` is what :class:`rag.Assistant` calls."""

    def __init__(
        self,
        retriever: Retriever,
        generator: AnswerGenerator,
        embedder: Embedder,
        config: ChainConfig,
        document_frequency: Callable[[str], int] | None = None,
        unknown_outlets: Callable[[str], list[str]] | None = None,
        cache: EmbeddingCache | None = None,
        outlet_clauses: Callable[[str], dict[str, str]] | None = None,
        sentence_vectors: SentenceVectors | None = None,
        known_articles: Callable[[Sequence[str]], set[str]] | None = None,
    ) -> None:
        """``document_frequency``: chunks of the whole store holding a word (the lexical index's);
        ``unknown_outlets``: the outlets a question attributes reports to that the store lacks;
        ``cache``: the store's embedding cache, where sentence vectors persist between runs;
        ``outlet_clauses``: ``question -> {outlet: its clause}``, so each named outlet's sentences are
        also judged by what the question says of that outlet; ``sentence_vectors``: the sentence
        vectors shared with the retriever's excerpts (one made over ``cache`` when not given);
        ``known_articles``: which of some article ids the article store holds (hits of any other
        article, a chunk a crash or a damaged file left behind, are never cited)."""
        self.known_articles = known_articles
        self.document_frequency = document_frequency
        self.outlet_clauses = outlet_clauses
        self.unknown_outlets = unknown_outlets
        self.retriever = retriever
        self.generator = generator
        self.embedder = embedder
        self.config = config
        # not `or`: an empty SentenceVectors is falsy, and a fresh store's shared one starts empty
        self.sentence_vectors = (
            sentence_vectors if sentence_vectors is not None else SentenceVectors(embedder, cache=cache)
        )
        self.verifier = Verifier(SupportScorer(embedder), config.support_threshold)
        self.quoter = ExtractiveGenerator(config.quote_sentences)  # the quotes under an LLM's answer
        self.runnable: Runnable[ChainInput, Any] = (
            RunnableLambda(self._condense, name="condense")
            | RunnableLambda(self._retrieve, name="retrieve")
            | RunnableLambda(self._pack, name="pack")
            | RunnableGenerator(self._generate, name="generate")
            | RunnableGenerator(self._verify, name="verify")
        )

    def stream(self, request: ChainInput) -> Iterator[StreamEvent]:
        """Text deltas as they are drafted, then one event carrying the verified answer."""
        for event in self.runnable.stream(request):
            if isinstance(event, StreamEvent):
                yield event

    def _condense(self, request: ChainInput) -> State:
        state = State(request)
        started = time.perf_counter()
        standalone = request.question
        if request.history:
            standalone = self.generator.standalone(request.question, request.history).strip() or standalone
        state.standalone = standalone
        state.timings["condense"] = _ms(time.perf_counter() - started)
        return state

    def _retrieve(self, state: State) -> State:
        started = time.perf_counter()
        k = state.input.k or self.config.top_k
        hits = self.retriever.retrieve(state.standalone, k, state.input.filters)
        if self.known_articles is not None and hits:
            known = self.known_articles(list(dict.fromkeys(h.article.id for h in hits)))  # one query
            hits = [h for h in hits if h.article.id in known]
        state.hits = hits
        state.timings["retrieve"] = _ms(time.perf_counter() - started)
        return state

    def _pack(self, state: State) -> State:
        """Number the sources within the token budget, rank their sentences, decide on abstention."""
        started = time.perf_counter()
        state.sources = pack_sources(state.hits, self.config.context_tokens, self.config.encoding)
        clauses = self.outlet_clauses(state.standalone) if self.outlet_clauses is not None else None
        state.ranked = rank_evidence(
            state.standalone,
            state.sources,
            self.embedder,
            dense_weight=self.config.evidence_dense_weight,
            sentence_vectors=self.sentence_vectors,
            clauses=clauses,
        )
        texts = [t for h in state.hits for t in (h.chunk.text, h.article.title, h.article.source)]
        state.analysis = spell_out(analyze(state.standalone), texts)  # "KIDA" -> "Korea Institute for ..."
        reading = None
        if state.analysis.is_yes_no:
            reading = read_parts(
                state.standalone, state.ranked, self._score_parts(state.ranked), state.sources
            )
            state.lead = decide(reading, state.sources, state.analysis.is_choice) if reading else None
        else:
            state.lead = build_lead(state.analysis, state.ranked, state.sources)
        state.specifics = check_specifics(spelled_question(state.analysis), texts, self.document_frequency)
        if self.unknown_outlets is not None:
            state.missing_outlets = self.unknown_outlets(state.standalone)
        state.signals = signals(
            state.analysis,
            state.ranked,
            state.specifics,
            state.lead,
            state.missing_outlets,
            self.document_frequency,
            self._masked_best(state.analysis, state.ranked),
            named_outlets=list(clauses or {}),
        )
        if reading is not None:
            state.signals.update(reading.features(state.standalone))
        model = load_model()
        state.answerability = round(model.probability(state.signals), 4)
        # attributing a report to an outlet the store does not hold is decisive on its own
        state.abstain = bool(state.missing_outlets) or state.answerability < model.threshold
        if state.abstain:
            absent = missing_entities(state.analysis, self.document_frequency)
            state.reason = reason(state.analysis, state.signals, absent)
        state.timings["pack"] = _ms(time.perf_counter() - started)
        return state

    def _masked_best(self, analysis: QuestionAnalysis, ranked: Sequence[Scored]) -> float | None:
        """The best sentences' score against the question with its entities masked (a signal); None when
        masking changes nothing (the best score then stands)."""
        masked = masked_question(analysis)
        if not ranked or not masked or masked == analysis.question:
            return None
        top = ranked[:MASKED_SENTENCES]
        return float(score_against([masked], top, self.embedder, self.config.evidence_dense_weight).max())

    def _score_parts(self, ranked: Sequence[Scored]) -> Callable[[list[str]], np.ndarray]:
        dense = self.config.evidence_dense_weight
        return lambda parts: score_against(parts, ranked, self.embedder, dense)

    def _generate(self, states: Iterator[State]) -> Iterator[StreamEvent | _Drafted]:
        state = _last(states)
        started = time.perf_counter()
        parts: list[str] = []
        if not state.abstain:
            if self._chain_leads(state):
                assert state.lead is not None  # stated by the chain, rendered again with final numbers
                yield StreamEvent(delta=state.lead.render(lambda item: item.n) + "\n")
            for delta in self._draft(state):
                if delta:
                    parts.append(delta)
                    yield StreamEvent(delta=delta)
        state.timings["generate"] = _ms(time.perf_counter() - started)
        yield _Drafted(state, "".join(parts))

    def _draft(self, state: State) -> Iterator[str]:
        """The draft the verifier checks: the quotes or the backend's answer, after the chain's lead.

        The extractive backend quotes under the chain's lead. An LLM backend writes the one-sentence
        answer of a question that asks for a name, place, date or number (its citation checked like any
        other), and the chain quotes the evidence under it; a yes/no question gets the evidence's verdict
        (rag.answer.verdict), never the model's; other questions get the LLM's own answer.
        """
        analysis = state.analysis
        typed = analysis is not None and analysis.answer_type in LABELS
        context = Context(state.standalone, state.sources, state.ranked, state.lead)
        if self._chain_leads(state):
            yield from (self.generator if not self.generator.writes_lead else self.quoter).draft(context)
        elif self.generator.writes_lead and typed:
            lead_context = Context(state.standalone, state.sources, state.ranked, lead_only=True)
            yield "".join(self.generator.draft(lead_context)).strip() + "\n"
            yield from self.quoter.draft(Context(state.standalone, state.sources, state.ranked))
        else:
            yield from self.generator.draft(context)

    def _chain_leads(self, state: State) -> bool:
        """Whether the chain states the lead: for the extractive backend, and a yes/no verdict for any."""
        if state.lead is None:
            return False
        return not self.generator.writes_lead or (state.analysis is not None and state.analysis.is_yes_no)

    def _verify(self, items: Iterator[StreamEvent | _Drafted]) -> Iterator[StreamEvent]:
        for item in items:
            if isinstance(item, StreamEvent):
                yield item
                continue
            started = time.perf_counter()
            answer = self._answer(item.state, item.text)
            item.state.timings["verify"] = _ms(time.perf_counter() - started)
            answer.timings_ms = {**item.state.timings, "total": _ms(time.perf_counter() - item.state.started)}
            if answer.abstained and not item.text:
                yield StreamEvent(delta=answer.text)
            yield StreamEvent(answer=answer)

    def _answer(self, state: State, draft: str) -> Answer:
        answer = Answer(
            question=state.input.question,
            text="",
            hits=list(state.hits),
            filters=state.input.filters or Filters(),
            standalone_question=state.standalone,
            backend=self.generator.name,
            answerability=state.answerability,
            signals=dict(state.signals),
        )
        if state.abstain or says_cannot_answer(draft):
            return abstained(answer, state.hits, state.missing_outlets, state.reason)
        pool = [(r.n, r.evidence) for r in state.ranked]
        vectors = np.stack([r.vector for r in state.ranked]) if state.ranked else None
        verified = self.verifier.verify(draft, pool, vectors)
        if not verified.supported_claims:
            refused = abstained(answer, state.hits)
            refused.unsupported = verified.unsupported
            return refused
        answer.text, answer.citations, answer.unsupported = (
            verified.text,
            verified.citations,
            verified.unsupported,
        )
        if state.lead is not None and self._chain_leads(state):
            text = f"{render_lead(state.lead, answer.citations)}\n{answer.text}"
            answer.text, answer.citations = renumber(text, answer.citations)
        return answer


def _last(items: Iterator[State]) -> State:
    state: State | None = None
    for state in items:  # noqa: B007 - a lambda step yields its one output as one chunk
        pass
    if state is None:
        raise RuntimeError("the chain's generate step received no input")
    return state


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 2)
