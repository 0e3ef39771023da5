"""store/doctor.py and store/repair.py on real stores (Chroma, SQLite) with stand-in vectors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ingest.chunking import ChunkingConfig, chunk_article
from rag.types import Article
from store.articles import ArticleStore
from store.doctor import StoreFiles, check
from store.lexical import LexicalIndex
from store.repair import repair
from store.vectors import ChromaStore

PARAGRAPH = (
    "Officials in {p} reported power cuts across three districts after the strike. "
    "Air defence units said they intercepted most of the drones near {p}.\n\n"
    "Satellite images of {p} showed damage to two storage tanks.   Repairs began on Monday."
)


class StandIn:
    """Enough of an embedder for the stores: a model name (vectors are passed in)."""

    model_id = "all-MiniLM-L6-v2"

    def embed(self, texts: list[str]) -> np.ndarray:
        return np.random.default_rng(0).random((len(texts), 8), dtype=np.float32)


class Parts:
    def __init__(self, folder: Path) -> None:
        files = StoreFiles(folder)
        self.vectors = ChromaStore(StandIn(), path=files.chroma)  # type: ignore[arg-type]
        self.articles = ArticleStore(files.articles)
        self.lexical = LexicalIndex(files.lexical)

    def add(self, article: Article) -> list[str]:
        # no overlap, so whitespace between chunks is lost from Chroma and must be rebuilt as such
        chunks = chunk_article(article, ChunkingConfig(max_tokens=24, overlap_tokens=0))
        metas = {article.id: article.meta()}
        self.vectors.upsert(chunks, metas, StandIn().embed([c.text for c in chunks]))
        self.lexical.add(chunks, metas)
        self.articles.put(article, [c.id for c in chunks])
        self.articles.set_source(f"/in/{article.id}.md", "fp", [article.id])
        return [c.id for c in chunks]


@pytest.fixture
def parts(tmp_path: Path) -> Parts:
    store = Parts(tmp_path)
    for place in ("Tuapse", "Saratov", "Kstovo"):
        text = "\n\n".join(PARAGRAPH.format(p=place) for _ in range(3))
        store.add(Article(id=place.lower(), title=f"Strike on {place}", text=text, source="Wire"))
    return store


def test_a_consistent_store_has_no_problems(parts: Parts) -> None:
    found = check(parts.articles, parts.vectors, parts.lexical)
    assert found.consistent and found.articles == 3 and found.vector_chunks == found.article_chunks > 3


def test_a_lost_article_is_found_and_rebuilt_at_its_exact_offsets(parts: Parts) -> None:
    original = parts.articles.get("kstovo")
    assert original is not None
    parts.articles.delete("kstovo")
    found = check(parts.articles, parts.vectors, parts.lexical)
    assert len(found.orphan_chunks) == found.vector_chunks - found.article_chunks > 0
    assert not found.consistent and "belong to no stored article" in found.problems[0]

    report = repair(parts.articles, parts.vectors, parts.lexical)
    assert any("rebuilt 1 articles" in a for a in report.actions), report
    rebuilt = parts.articles.get("kstovo")
    assert rebuilt is not None and rebuilt.title == original.title and rebuilt.source == "Wire"
    assert len(rebuilt.text) <= len(original.text)
    assert " ".join(rebuilt.text.split()) == " ".join(original.text.split())
    for hit in parts.vectors.get(parts.articles.chunk_ids("kstovo")):
        assert rebuilt.text[hit.chunk.start : hit.chunk.end] == hit.chunk.text
    assert check(parts.articles, parts.vectors, parts.lexical).consistent


def test_missing_chunks_and_lexical_drift_are_repaired(parts: Parts) -> None:
    lost = parts.articles.chunk_ids("saratov")[1]
    parts.vectors.delete_chunks([lost])  # Chroma lost one chunk of an article
    parts.lexical.delete(parts.articles.chunk_ids("tuapse")[:2])  # and the lexical index two others
    found = check(parts.articles, parts.vectors, parts.lexical)
    assert found.missing_chunks == [lost] and len(found.lexical_missing) == 2

    report = repair(parts.articles, parts.vectors, parts.lexical)
    assert report.reingest == ["/in/saratov.md"], report
    assert parts.articles.get("saratov") is None and parts.articles.get("tuapse") is not None
    assert check(parts.articles, parts.vectors, parts.lexical).consistent
