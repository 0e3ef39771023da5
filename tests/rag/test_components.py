"""The wiring: one typed container of parts, built once from settings and the calibrated values."""

from __future__ import annotations

from dataclasses import FrozenInstanceError
from pathlib import Path

import pytest

from rag.assistant import Assistant
from rag.calibration import load_calibration
from rag.components import Components, build_components
from rag.errors import ConfigError
from rag.retrieval.excerpts import ExcerptBuilder
from rag.retrieval.hybrid import HybridSearcher
from rag.retrieval.pipeline import PipelineRetriever
from rag.settings import Settings


def test_every_part_is_built_once_and_shared(settings: Settings) -> None:
    parts = build_components(settings)
    assert parts.calibration == load_calibration()
    assert parts.ingestor.indexes == [parts.lexical] and parts.ingestor.cache is parts.cache
    assert parts.ingestor.write_lock is parts.write_lock
    retriever = parts.retriever
    assert isinstance(retriever, PipelineRetriever) and retriever.parser is parts.parser
    assert isinstance(parts.excerpts, ExcerptBuilder) and retriever.widener is parts.excerpts
    assert parts.excerpt_vectors is parts.sentence_vectors  # excerpts and evidence share one memo
    assert "chain" not in vars(parts)  # LangChain loads at the first question, not at open
    chain = parts.chain
    assert chain is parts.chain and chain.sentence_vectors is parts.sentence_vectors
    assert chain.config.top_k == settings.top_k and chain.verifier.threshold == 0.55
    with pytest.raises(FrozenInstanceError):
        parts.generator = parts.generator  # type: ignore[misc]


def test_a_calibration_override_reaches_every_part(settings: Settings) -> None:
    calibration = load_calibration().with_values(
        per_article_cap=1, support_threshold=0.7, passage_mode="window", lexical_weight=3.0
    )
    parts = build_components(settings, calibration=calibration)
    retriever = parts.retriever
    assert isinstance(retriever, PipelineRetriever) and retriever.config.per_article == 1
    assert retriever.searcher.weights == (1.0, 3.0)
    assert parts.excerpts is None and parts.excerpt_vectors is None  # windows use no sentence vectors
    assert parts.chain.verifier.threshold == 0.7
    assert Assistant(parts).embed_sentences() == 0


def test_other_retrieval_modes_have_no_pipeline(settings: Settings) -> None:
    parts = build_components(settings, calibration=load_calibration().with_values(retrieval_mode="bm25"))
    assert isinstance(parts.retriever, HybridSearcher) and parts.excerpts is None
    assert parts.chain.unknown_outlets is not None  # the chain still knows the store's outlets


def test_the_assistant_delegates_to_its_parts(settings: Settings, tmp_path: Path) -> None:
    assistant = Assistant.from_settings(settings)
    parts: Components = assistant.components
    assert (assistant.settings, assistant.retriever, assistant.chain) == (
        parts.settings,
        parts.retriever,
        parts.chain,
    )
    assert assistant.article_store is parts.articles and assistant.store_files == parts.files
    with pytest.raises(ConfigError, match="calibrated value"):
        Assistant.from_settings(settings, per_article_cap=1)
    with pytest.raises(TypeError):
        build_components(settings, load_calibration())  # type: ignore[misc]
