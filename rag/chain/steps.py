"""The answer chain's steps other than packing (rag/chain/evidence.py), as plain functions.

condense -> retrieve -> pack -> generate -> verify: each takes the previous step's value and its
own parts as arguments and returns (or, for generate and verify, yields) the next; rag/chain/runnable.py
composes them into a LangChain ``RunnableSequence``.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator

import numpy as np

from rag.answer import AnswerGenerator, Context
from rag.answer.abstain import says_cannot_answer
from rag.answer.compose import abstained, render_lead, renumber
from rag.answer.extractive import ExtractiveGenerator
from rag.answer.spans import LABELS
from rag.chain.values import ChainInput, Condensed, Drafted, Packed, Retrieved, carried, ms
from rag.retrieval.langchain import HitSearch
from rag.types import Answer, Filters, StreamEvent
from rag.verify import Verifier


def condense(request: ChainInput, generator: AnswerGenerator) -> Condensed:
    """The question made standalone by the backend when there is a conversation before it."""
    started = time.perf_counter()  # also when the question came in (for the total time)
    standalone = request.question
    if request.history:
        standalone = generator.standalone(request.question, request.history).strip() or standalone
    return Condensed(request, standalone, started, {"condense": ms(time.perf_counter() - started)})


def retrieve(question: Condensed, search: HitSearch, top_k: int) -> Retrieved:
    """The standalone question's hits (the request's k, else ``top_k``), within its filters."""
    started = time.perf_counter()
    request = question.request
    hits = search(question.standalone, request.k or top_k, request.filters)
    return Retrieved(**carried(question, "retrieve", started), hits=hits)


def generate(
    packed: Iterator[Packed], generator: AnswerGenerator, quoter: ExtractiveGenerator
) -> Iterator[StreamEvent | Drafted]:
    """Text deltas as the draft is written (nothing when the chain abstains), then the whole draft."""
    value = _last(packed)
    started = time.perf_counter()
    parts: list[str] = []
    leads = chain_leads(value, generator)
    if not value.abstain:
        if leads:
            assert value.lead is not None  # stated by the chain, rendered again with final numbers
            yield StreamEvent(delta=value.lead.render(lambda item: item.n) + "\n")
        for delta in draft(value, generator, quoter, leads):
            if delta:
                parts.append(delta)
                yield StreamEvent(delta=delta)
    yield Drafted(**carried(value, "generate", started), text="".join(parts), chain_leads=leads)


def draft(
    packed: Packed, generator: AnswerGenerator, quoter: ExtractiveGenerator, leads: bool
) -> Iterator[str]:
    """The draft the verifier checks: the quotes or the backend's answer, after the chain's lead.

    The extractive backend quotes under the chain's lead. An LLM backend writes the one-sentence
    answer of a question that asks for a name, place, date or number (its citation checked like any
    other), and the chain quotes the evidence under it; a yes/no question gets the evidence's verdict
    (rag.answer.verdict), never the model's; other questions get the LLM's own answer.
    """
    typed = packed.analysis.answer_type in LABELS
    question, sources, ranked = packed.standalone, packed.sources, packed.ranked
    if leads:
        writer = generator if not generator.writes_lead else quoter
        yield from writer.draft(Context(question, sources, ranked, packed.lead))
    elif generator.writes_lead and typed:
        lead_context = Context(question, sources, ranked, lead_only=True)
        yield "".join(generator.draft(lead_context)).strip() + "\n"
        yield from quoter.draft(Context(question, sources, ranked))
    else:
        yield from generator.draft(Context(question, sources, ranked, packed.lead))


def chain_leads(packed: Packed, generator: AnswerGenerator) -> bool:
    """Whether the chain states the lead: for the extractive backend, and a yes/no verdict for any."""
    if packed.lead is None:
        return False
    return not generator.writes_lead or packed.analysis.is_yes_no


def verify(items: Iterable[StreamEvent | Drafted], verifier: Verifier, backend: str) -> Iterator[StreamEvent]:
    """The deltas passed through, then one event with the verified answer (its text too when the chain
    abstained without a draft)."""
    for item in items:
        if isinstance(item, StreamEvent):
            yield item
            continue
        started = time.perf_counter()
        answer = verified(item, verifier, backend)
        timings = {**item.timings, "verify": ms(time.perf_counter() - started)}
        answer.timings_ms = {**timings, "total": ms(time.perf_counter() - item.started)}
        if answer.abstained and not item.text:
            yield StreamEvent(delta=answer.text)
        yield StreamEvent(answer=answer)


def verified(drafted: Drafted, verifier: Verifier, backend: str) -> Answer:
    """The answer the draft's supported sentences make, each cited to an exact sentence; an abstention
    when the chain abstained, the backend declined, or nothing in the draft is supported."""
    answer = Answer(
        question=drafted.request.question,
        text="",
        hits=list(drafted.hits),
        filters=drafted.request.filters or Filters(),
        standalone_question=drafted.standalone,
        backend=backend,
        answerability=drafted.answerability,
        signals=dict(drafted.signals),
    )
    if drafted.abstain or says_cannot_answer(drafted.text):
        return abstained(answer, drafted.hits, drafted.missing_outlets, drafted.reason)
    pool = [(r.n, r.evidence) for r in drafted.ranked]
    vectors = np.stack([r.vector for r in drafted.ranked]) if drafted.ranked else None
    checked = verifier.verify(drafted.text, pool, vectors)
    if not checked.supported_claims:
        refused = abstained(answer, drafted.hits)
        refused.unsupported = checked.unsupported
        return refused
    answer.text, answer.citations, answer.unsupported = (
        checked.text,
        checked.citations,
        checked.unsupported,
    )
    if drafted.lead is not None and drafted.chain_leads:
        text = f"{render_lead(drafted.lead, answer.citations)}\n{answer.text}"
        answer.text, answer.citations = renumber(text, answer.citations)
    return answer


def final_answer(events: Iterable[StreamEvent]) -> Answer:
    """The answer the last event of a stream carries."""
    for event in events:
        if event.answer is not None:
            return event.answer
    raise RuntimeError("the answer chain ended without an answer")


def _last(values: Iterator[Packed]) -> Packed:
    value: Packed | None = None
    for value in values:  # noqa: B007 - a lambda step yields its one output as one chunk
        pass
    if value is None:
        raise RuntimeError("the chain's generate step received no input")
    return value
