"""Retrieval modes, filters end to end (Python API, CLI), per-outlet evidence, boosts, LangChain."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from rag.assistant import Assistant
from rag.cli import main
from rag.retrieval.factory import build_retriever
from rag.retrieval.langchain import as_langchain_retriever
from rag.retrieval.pipeline import PipelineConfig, PipelineRetriever
from rag.retrieval.query import OutletMatcher, QuestionParser
from rag.settings import load_settings
from rag.text import count_tokens
from rag.types import ArticleMeta, Chunk, Filters, Hit
from store.embeddings import Vectors
from tests.conftest import CORPUS, DATA_DIR, require

pytestmark = pytest.mark.slow  # a store of corpus articles

CNBC = "Cnbc | World Business News Leader"
OUTLETS = (CNBC, "TechCrunch", "Sporting News", "The Verge", "The Independent - Life and Style")


@pytest.fixture(scope="module")
def small_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three articles from each of five outlets of the MultiHop-RAG corpus (read-only for tests)."""
    records = json.loads(require(CORPUS).read_text(encoding="utf-8"))
    picked = [r for outlet in OUTLETS for r in [x for x in records if x["source"] == outlet][:3]]
    folder = tmp_path_factory.mktemp("small")
    feed = folder / "feed.json"
    feed.write_text(json.dumps(picked), encoding="utf-8")
    store = folder / "store"
    Assistant.from_settings(load_settings(chroma_path=store, data_dir=DATA_DIR)).ingest([feed])
    return store


@pytest.fixture(scope="module")
def full(small_store: Path) -> Assistant:
    return Assistant.from_settings(load_settings(chroma_path=small_store, data_dir=DATA_DIR))


QUESTION = "What did the reports say about the FTX trial and Sam Bankman-Fried?"


@pytest.mark.parametrize("mode", ["dense", "bm25", "hybrid", "full"])
def test_every_mode_honours_filters(full: Assistant, mode: str) -> None:
    parts = full.components
    retriever = build_retriever(
        settings=parts.settings,
        calibration=parts.calibration.with_values(retrieval_mode=mode),
        embedder=parts.embedder,
        vectors=parts.vectors,
        lexical=parts.lexical,
    )
    unfiltered = retriever.retrieve(QUESTION, 10)
    assert len(unfiltered) == 10 and [h.rank for h in unfiltered] == list(range(1, 11))
    only = retriever.retrieve(QUESTION, 10, Filters(sources=["TechCrunch"]))
    assert only and {h.article.source for h in only} == {"TechCrunch"}
    dated = retriever.retrieve(QUESTION, 10, Filters(date_from="2023-10-01", date_to="2023-10-31"))
    assert dated and all("2023-10-01" <= h.article.published_at[:10] <= "2023-10-31" for h in dated)
    sports = retriever.retrieve(QUESTION, 10, Filters(categories=["sports"]))
    assert sports and {h.article.category for h in sports} == {"sports"}


def test_ask_filters_accept_outlet_aliases(full: Assistant) -> None:
    answer = full.ask(QUESTION, filters=Filters(sources=["CNBC"]))
    assert answer.hits and {h.article.source for h in answer.hits} == {CNBC}


def test_cli_source_filter(small_store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--store", str(small_store), "ask", "--json", QUESTION, "--source", "TechCrunch"])
    assert code == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["filters"]["sources"] == ["TechCrunch"]
    assert {c["source"] for c in answer["citations"]} <= {"TechCrunch"}


def test_each_named_outlet_brings_its_own_evidence(full: Assistant) -> None:
    question = "Did Sporting News and The Independent - Life and Style both write about Taylor Swift?"
    hits = full.retriever.retrieve(question, 10)
    assert {"Sporting News", "The Independent - Life and Style"} <= {h.article.source for h in hits}
    per_article: dict[str, int] = {}
    for h in hits:
        per_article[h.article.id] = per_article.get(h.article.id, 0) + 1
    assert max(per_article.values()) <= full.calibration.per_article_cap


def test_parallel_searches_and_excerpt_passages(full: Assistant) -> None:
    retriever = full.retriever
    assert isinstance(retriever, PipelineRetriever) and retriever.widener is not None
    question = "Did Sporting News and The Independent - Life and Style both write about Taylor Swift?"
    threaded = retriever.retrieve(question, 10)
    serial = PipelineRetriever(
        searcher=retriever.searcher,
        parser=retriever.parser,
        config=replace(retriever.config, search_threads=1),
        widener=retriever.widener,
    ).retrieve(question, 10)
    assert [h.chunk.id for h in threaded] == [h.chunk.id for h in serial]
    shown: dict[str, list[tuple[int, int]]] = {}
    for hit in threaded:  # exact pieces of the article within the budget, never shown twice
        text = full.article(hit.article.id).text
        assert hit.chunk.tokens == count_tokens(hit.chunk.text) <= full.calibration.passage_tokens
        assert " … ".join(piece for _, piece in hit.chunk.pieces()) == hit.chunk.text
        for at, piece in hit.chunk.pieces():
            assert text[at : at + len(piece)] == piece
            for a, b in shown.get(hit.article.id, []):
                assert at + len(piece) <= a or b <= at
            shown.setdefault(hit.article.id, []).append((at, at + len(piece)))
    assert any(hit.chunk.spans for hit in threaded)  # excerpts: sentences from apart in the article


def test_langchain_retriever_returns_documents_with_metadata(full: Assistant) -> None:
    docs = as_langchain_retriever(full, k=3, filters=Filters(sources=["TechCrunch"])).invoke(QUESTION)
    assert len(docs) == 3
    for rank, doc in enumerate(docs, start=1):
        assert doc.metadata["source"] == "TechCrunch" and doc.metadata["rank"] == rank
        assert doc.page_content and doc.id == doc.metadata["chunk_id"]
        text = full.article(doc.metadata["article_id"]).text
        spans = [tuple(map(int, piece.split("-"))) for piece in doc.metadata["spans"].split(";") if piece]
        spans = spans or [(doc.metadata["start"], doc.metadata["end"])]
        assert " … ".join(text[a:b] for a, b in spans) == doc.page_content
        assert all(isinstance(v, str | int | float | None) for v in doc.metadata.values())


def _hit(cid: str, source: str, day: str, score: float) -> Hit:
    chunk = Chunk(id=cid, article_id=cid, text=cid, start=0, end=1, tokens=1)
    return Hit(chunk=chunk, article=ArticleMeta(cid, cid, source=source, published_at=day), score=score)


class FakeSearcher:
    """Records each search's filters; answers from a fixed table of hits."""

    def __init__(self, hits: list[Hit]) -> None:
        self.hits = hits
        self.calls: list[Filters | None] = []

    def embed(self, text: str) -> Vectors | None:
        return None

    def search(
        self, text: str, k: int, filters: Filters | None = None, vector: Vectors | None = None
    ) -> list[Hit]:
        self.calls.append(filters)
        kept = [
            h for h in self.hits if not (filters and filters.sources) or h.article.source in filters.sources
        ]
        return [replace(h, rank=i) for i, h in enumerate(kept[:k], start=1)]


def _pipeline(hits: list[Hit], **config: float) -> tuple[PipelineRetriever, FakeSearcher]:
    searcher = FakeSearcher(hits)
    parser = QuestionParser(OutletMatcher({h.article.source for h in hits}))
    retriever = PipelineRetriever(
        searcher=searcher,  # type: ignore[arg-type]
        parser=parser,
        config=PipelineConfig(**config),  # type: ignore[arg-type]
    )
    return retriever, searcher


def test_sub_search_per_named_outlet_within_user_filters() -> None:
    hits = [_hit(f"v{i}", "The Verge", "2023-10-01", 1.0) for i in range(12)] + [
        _hit("t1", "TechCrunch", "2023-10-01", 0.1)
    ]
    retriever, searcher = _pipeline(hits, per_article=0)
    top = retriever.retrieve("Did The Verge and TechCrunch agree?", 3)
    assert [c.sources if c else None for c in searcher.calls] == [None, ["The Verge"], ["TechCrunch"]]
    assert "t1" in [h.chunk.id for h in top]  # ranked 13th overall, 1st in its own sub-search
    searcher.calls.clear()
    retriever.retrieve("Did The Verge and TechCrunch agree?", 3, Filters(sources=["TechCrunch"]))
    assert [c.sources if c else None for c in searcher.calls] == [["TechCrunch"], ["TechCrunch"]]


def test_named_dates_boost_matching_articles() -> None:
    hits = [_hit("sep", "X", "2023-09-28", 1.0), _hit("oct", "X", "2023-10-04", 0.9)]
    retriever, _ = _pipeline(hits, per_article=0, date_boost=0.25)
    assert [h.chunk.id for h in retriever.retrieve("What happened?", 2)] == ["sep", "oct"]
    assert [h.chunk.id for h in retriever.retrieve("What was reported on October 4, 2023?", 2)] == [
        "oct",
        "sep",
    ]
    assert [h.chunk.id for h in retriever.retrieve("What is the latest?", 2)] == ["oct", "sep"]
