"""Building the retriever that the settings and the calibrated values describe (called by
:func:`rag.components.build_components`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from rag.calibration import Calibration
from rag.errors import ConfigError
from rag.retrieval import Retriever
from rag.retrieval.attribution import unknown_outlets
from rag.retrieval.excerpts import ExcerptBuilder
from rag.retrieval.hybrid import HybridSearcher
from rag.retrieval.pipeline import PipelineConfig, PipelineRetriever
from rag.retrieval.query import OutletMatcher, ParsedQuestion, QuestionParser
from rag.retrieval.rerank import CrossEncoderReranker, Reranker, SentenceReranker
from rag.retrieval.sentences import ArticleSource, PassageBuilder
from rag.retrieval.windows import PassageWidener
from rag.settings import Settings
from store.cache import SentenceVectors
from store.embeddings import Embedder
from store.lexical import LexicalIndex
from store.vectors import ChromaStore


def open_lexical_index(settings: Settings, calibration: Calibration, vectors: ChromaStore) -> LexicalIndex:
    """The store's lexical index, filled from the vector store when it lags behind (older stores).

    :func:`rag.components.build_components` opens it with the article store instead
    (``store.replica.open_article_store``), which keeps a replica's index in step with a Chroma server."""
    from store.replica import open_lexical

    path = Path(settings.chroma_path) / f"{settings.collection}.lexical.sqlite"
    return open_lexical(path, vectors, calibration.lexical_ranker)


class LiveQuestionParser(QuestionParser):
    """A :class:`QuestionParser` whose outlet list follows the lexical index as articles come and go."""

    def __init__(self, lexical: LexicalIndex, aliases: dict[str, str], today: date | None = None) -> None:
        super().__init__(OutletMatcher(lexical.outlets(), aliases), today)
        self._lexical = lexical
        self._aliases = aliases
        self._generation = lexical.generation

    def refresh(self) -> OutletMatcher:
        """The matcher, rebuilt first when articles came or went since the last call."""
        if self._lexical.generation != self._generation:
            self._generation = self._lexical.generation
            self.matcher = OutletMatcher(self._lexical.outlets(), self._aliases)
        return self.matcher

    def parse(self, question: str, today: date | None = None) -> ParsedQuestion:
        self.refresh()
        return super().parse(question, today)


def live_parser(settings: Settings, lexical: LexicalIndex) -> LiveQuestionParser:
    """The question parser the retriever and the answer chain share (outlets follow the store)."""
    today = date.fromisoformat(settings.reference_date) if settings.reference_date else None
    return LiveQuestionParser(lexical, dict(settings.outlet_aliases), today)


def unknown_outlet_finder(parser: LiveQuestionParser) -> Callable[[str], list[str]]:
    """``question -> outlets it attributes reports to that no stored article is from`` (live)."""

    def find(question: str) -> list[str]:
        matcher = parser.refresh()
        return unknown_outlets(question, lambda name: bool(matcher.find(name)))

    return find


def outlet_clause_finder(parser: QuestionParser) -> Callable[[str], dict[str, str]]:
    """``question -> {outlet: the clause around its mention}``: what to judge that outlet's evidence by."""

    def clauses(question: str) -> dict[str, str]:
        out: dict[str, str] = {}
        for part in parser.parse(question).parts:
            for outlet in part.outlets:
                out.setdefault(outlet, part.text)
        return out

    return clauses


@dataclass(frozen=True)
class Retrieval:
    """What :func:`build_retrieval` made: the retriever, and the full pipeline's excerpt builder (None
    unless ``passage_mode`` is excerpt), whose sentence vectors are worth embedding ahead of questions."""

    retriever: Retriever
    excerpts: ExcerptBuilder | None


def build_retrieval(
    *,
    settings: Settings,
    calibration: Calibration,
    embedder: Embedder,
    vectors: ChromaStore,
    lexical: LexicalIndex | None,
    articles: ArticleSource | None = None,
    parser: LiveQuestionParser | None = None,
    sentence_vectors: SentenceVectors | None = None,
) -> Retrieval:
    """dense / bm25 / hybrid (``calibration.retrieval_mode``): one :class:`HybridSearcher`; full: the
    :class:`PipelineRetriever`.

    ``articles`` (the article store) lets the full pipeline build passages of ``passage_tokens``;
    ``parser`` is the shared question parser (one is made from ``lexical`` when not given);
    ``sentence_vectors`` give excerpts their dense score (``excerpt_dense_weight``).
    """
    mode = calibration.retrieval_mode
    if mode != "dense" and lexical is None:
        raise ConfigError(f"retrieval mode {mode} needs the lexical index; use dense or a local store")
    searcher = HybridSearcher(
        embedder=embedder,
        vectors=vectors,
        lexical=lexical,
        mode="hybrid" if mode == "full" else mode,
        fusion=calibration.fusion,
        dense_weight=calibration.dense_weight,
        lexical_weight=calibration.lexical_weight,
        candidates=calibration.candidates,
    )
    if mode != "full":
        return Retrieval(searcher, None)
    assert lexical is not None
    parser = parser or live_parser(settings, lexical)
    reranker: Reranker | None = None
    if settings.rerank_model:
        reranker = CrossEncoderReranker(settings.rerank_model, device=settings.embedding_device)
    elif calibration.sentence_rerank:
        reranker = SentenceReranker(embedder, idf=lexical.idf)
    config = PipelineConfig(
        candidates=calibration.candidates,
        rerank_depth=calibration.rerank_depth,
        per_article=calibration.per_article_cap,
    )
    excerpts: ExcerptBuilder | None = None
    widener: PassageBuilder | None = None
    if articles is not None and calibration.passage_tokens > 0:
        size, encoding = calibration.passage_tokens, calibration.tokenizer_encoding
        if calibration.passage_mode == "excerpt":
            widener = excerpts = ExcerptBuilder(
                articles,
                idf=lexical.idf,
                max_tokens=size,
                encoding=encoding,
                vectors=sentence_vectors,
                dense_weight=calibration.excerpt_dense_weight,
            )
        else:
            widener = PassageWidener(articles, max_tokens=size, encoding=encoding)
    retriever = PipelineRetriever(
        searcher=searcher, parser=parser, reranker=reranker, config=config, widener=widener
    )
    return Retrieval(retriever, excerpts)


def build_retriever(
    *,
    settings: Settings,
    calibration: Calibration,
    embedder: Embedder,
    vectors: ChromaStore,
    lexical: LexicalIndex | None,
    articles: ArticleSource | None = None,
    parser: LiveQuestionParser | None = None,
    sentence_vectors: SentenceVectors | None = None,
) -> Retriever:
    """The retriever alone of :func:`build_retrieval` (benchmarks and ablations)."""
    return build_retrieval(
        settings=settings,
        calibration=calibration,
        embedder=embedder,
        vectors=vectors,
        lexical=lexical,
        articles=articles,
        parser=parser,
        sentence_vectors=sentence_vectors,
    ).retriever
