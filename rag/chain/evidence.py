"""The answer chain's pack step: number the sources, rank their sentences, decide whether to answer."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from rag.answer import Scored
from rag.answer.abstain import check_specifics
from rag.answer.answerability import load_model, masked_question, missing_entities, reason, signals
from rag.answer.context import pack_sources
from rag.answer.lead import build_lead
from rag.answer.ranking import rank_evidence, score_against
from rag.answer.verdict import decide, read_parts
from rag.chain.values import ChainConfig, Packed, Retrieved, carried
from rag.question.acronyms import spell_out, spelled_question
from rag.question.analysis import QuestionAnalysis, analyze
from store.cache import SentenceVectors
from store.embeddings import Embedder

MASKED_SENTENCES = 30  # how many of the best sentences the entity-masked question is scored against


@dataclass(frozen=True)
class StoreFacts:
    """What the pack step may ask of the whole store (each None when the chain has no store of ours).

    ``document_frequency``: chunks of the whole store holding a word (the lexical index's);
    ``unknown_outlets``: the outlets a question attributes reports to that the store lacks;
    ``outlet_clauses``: ``question -> {outlet: its clause}``, so each named outlet's sentences are
    also judged by what the question says of that outlet.
    """

    document_frequency: Callable[[str], int] | None = None
    unknown_outlets: Callable[[str], list[str]] | None = None
    outlet_clauses: Callable[[str], dict[str, str]] | None = None


def pack(
    retrieved: Retrieved,
    embedder: Embedder,
    options: ChainConfig,
    sentence_vectors: SentenceVectors,
    facts: StoreFacts,
) -> Packed:
    """Number the sources within the token budget, rank their sentences, decide on abstention.

    (``options``, not ``config``: LangChain hands a step's ``config`` argument its RunnableConfig.)
    """
    started = time.perf_counter()
    question, hits, frequency = retrieved.standalone, retrieved.hits, facts.document_frequency
    sources = pack_sources(hits, options.context_tokens, options.encoding)
    clauses = facts.outlet_clauses(question) if facts.outlet_clauses is not None else None
    ranked = rank_evidence(
        question,
        sources,
        embedder,
        dense_weight=options.evidence_dense_weight,
        sentence_vectors=sentence_vectors,
        clauses=clauses,
    )
    texts = [t for h in hits for t in (h.chunk.text, h.article.title, h.article.source)]
    analysis = spell_out(analyze(question), texts)  # "KIDA" -> "Korea Institute for ..."
    reading = None
    if analysis.is_yes_no:
        reading = read_parts(question, ranked, _score_parts(ranked, embedder, options), sources)
        lead = decide(reading, sources, analysis.is_choice) if reading else None
    else:
        lead = build_lead(analysis, ranked, sources)
    specifics = check_specifics(spelled_question(analysis), texts, frequency)
    missing_outlets = facts.unknown_outlets(question) if facts.unknown_outlets is not None else []
    found = signals(
        analysis,
        ranked,
        specifics,
        lead,
        missing_outlets,
        frequency,
        _masked_best(analysis, ranked, embedder, options),
        named_outlets=list(clauses or {}),
    )
    if reading is not None:
        found.update(reading.features(question))
    model = load_model()
    answerability = round(model.probability(found), 4)
    # attributing a report to an outlet the store does not hold is decisive on its own
    abstain = bool(missing_outlets) or answerability < model.threshold
    why = reason(analysis, found, missing_entities(analysis, frequency)) if abstain else ""
    return Packed(
        **carried(retrieved, "pack", started),
        sources=sources,
        ranked=ranked,
        analysis=analysis,
        lead=lead,
        signals=found,
        answerability=answerability,
        abstain=abstain,
        reason=why,
        missing_outlets=missing_outlets,
    )


def _masked_best(
    analysis: QuestionAnalysis, ranked: Sequence[Scored], embedder: Embedder, options: ChainConfig
) -> float | None:
    """The best sentences' score against the question with its entities masked (a signal); None when
    masking changes nothing (the best score then stands)."""
    masked = masked_question(analysis)
    if not ranked or not masked or masked == analysis.question:
        return None
    top = ranked[:MASKED_SENTENCES]
    return float(score_against([masked], top, embedder, options.evidence_dense_weight).max())


def _score_parts(
    ranked: Sequence[Scored], embedder: Embedder, options: ChainConfig
) -> Callable[[list[str]], np.ndarray]:
    dense = options.evidence_dense_weight
    return lambda parts: score_against(parts, ranked, embedder, dense)
