"""Replicas of one Chroma store (store/chroma_articles.py, store/replica.py), here over an embedded
Chroma folder that two replicas open side by side (tests/test_replicas.py runs `chroma run`): what one
writes the other applies article by article, deletes included; the manifest is shared, crash recovery
is per writer, and a restarted replica reads only what changed."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from ingest.chunking import ChunkingConfig
from ingest.pipeline import Ingestor
from rag.calibration import load_calibration
from rag.components import document_embedder
from rag.settings import Settings
from rag.types import Article
from store.articles import ArticleStore
from store.chroma_articles import ChromaArticleStore
from store.doctor import StoreFiles, check
from store.lexical import LexicalIndex
from store.replica import Replica, open_replica, writer_id
from store.vectors import ChromaStore


@dataclass
class Node:
    """One replica: its article store (a mirror of the server's), lexical index and ingestor."""

    files: StoreFiles
    vectors: ChromaStore
    articles: ChromaArticleStore
    lexical: LexicalIndex
    ingestor: Ingestor

    def sync(self) -> None:
        self.articles.refresh()

    def close(self) -> None:
        self.articles.close()
        self.lexical.close()


def open_node(settings: Settings, chroma: Path, folder: Path) -> Node:
    embedder = document_embedder(settings)
    vectors = ChromaStore(embedder, path=chroma)
    files = StoreFiles(folder)
    articles, lexical = open_replica(files, vectors, poll_s=0)
    calibration = load_calibration()
    chunking = ChunkingConfig(
        max_tokens=calibration.chunk_tokens,
        overlap_tokens=calibration.chunk_overlap_tokens,
        max_wordpieces=calibration.max_embed_wordpieces,
        encoding=calibration.tokenizer_encoding,
    )
    ingestor = Ingestor(
        embedder=embedder, vectors=vectors, articles=articles, chunking=chunking, indexes=[lexical]
    )
    return Node(files, vectors, articles, lexical, ingestor)


@pytest.fixture
def nodes(settings: Settings, tmp_path: Path) -> Iterator[tuple[Node, Node]]:
    a = open_node(settings, tmp_path / "chroma", tmp_path / "a")
    b = open_node(settings, tmp_path / "chroma", tmp_path / "b")
    yield a, b
    a.close()
    b.close()


def report(folder: Path, place: str) -> Path:
    path = folder / f"{place}.md"
    folder.mkdir(parents=True, exist_ok=True)
    path.write_text(
        f"---\ntitle: Strike on {place}\nsource: Volga Monitor\npublished_at: 2025-03-02\n---\n"
        f"Drones struck the refinery at {place} overnight. Satellite images of {place} showed two "
        f"damaged storage tanks. Officials in {place} reported power cuts in three districts."
    )
    return path


def lexical_rows(index: LexicalIndex) -> dict[str, int]:
    db = sqlite3.connect(index.path)
    try:
        return dict(db.execute("SELECT chunk_id, row FROM lex_ids").fetchall())
    finally:
        db.close()


@pytest.mark.slow  # ingests with the embedding model
def test_what_one_replica_writes_the_other_applies_article_by_article(
    nodes: tuple[Node, Node], tmp_path: Path
) -> None:
    a, b = nodes
    first = a.ingestor.ingest([report(tmp_path / "in", "Kstovo")], progress=False).article_ids[0]
    assert b.articles.get(first) is None
    b.sync()
    assert b.articles.get(first) == a.articles.get(first)
    assert {h.article.id for h in b.lexical.search("Kstovo refinery", 5)} == {first}
    assert b.articles.source(str(tmp_path / "in" / "Kstovo.md")) == a.articles.source(
        str(tmp_path / "in" / "Kstovo.md")
    )
    rows = lexical_rows(b.lexical)

    second = a.ingestor.ingest([report(tmp_path / "in", "Tuapse")], progress=False).article_ids[0]
    assert b.articles.syncer is not None and b.articles.syncer() == 1, "only the new article is read"
    after = lexical_rows(b.lexical)
    assert {c: after[c] for c in rows} == rows, "the chunks already indexed were not rewritten"
    assert {h.article.id for h in b.lexical.search("Tuapse", 5)} == {second}
    assert b.articles.ids() == {first, second}

    with a.ingestor.write_lock:
        assert a.ingestor.remove_article(first)
    b.sync()
    assert b.articles.ids() == {second} and b.articles.get(first) is None
    assert b.lexical.search("Kstovo", 5) == []
    assert set(lexical_rows(b.lexical)) == set(b.articles.chunk_ids(second))
    for node in (a, b):
        found = check(node.articles, node.vectors, node.lexical)
        assert found.consistent, found.problems


@pytest.mark.slow  # ingests with the embedding model
def test_a_restarted_replica_reads_only_what_changed(
    nodes: tuple[Node, Node], settings: Settings, tmp_path: Path
) -> None:
    a, b = nodes
    a.ingestor.ingest([report(tmp_path / "in", "Kstovo"), report(tmp_path / "in", "Tuapse")], progress=False)
    b.sync()
    b.close()
    added = a.ingestor.ingest([report(tmp_path / "in", "Saratov")], progress=False).article_ids[0]
    with a.ingestor.write_lock:
        a.ingestor.remove_article(next(x.id for x in a.articles.all() if "Kstovo" in x.title))

    articles = ChromaArticleStore(b.files.mirror, b.vectors, writer_id(b.files.folder))
    lexical = LexicalIndex(b.files.lexical)
    try:
        applied = Replica(articles, b.vectors, lexical).reconcile()
        assert applied.articles == 2, "the new article and the deleted one; not the unchanged one"
        assert articles.ids() == a.articles.ids() and added in articles.ids()
        assert lexical.ids() == set(articles.chunk_rows())
    finally:
        articles.close()
        lexical.close()


def test_the_manifest_is_shared_and_crash_recovery_is_per_writer(nodes: tuple[Node, Node]) -> None:
    a, b = nodes
    assert a.articles.writer != b.articles.writer
    a.articles.set_source("/in/x.json", "fp1", ["art1", "art2"], 10)
    assert b.articles.source("/in/x.json") == ("fp1", ["art1", "art2"])
    assert b.articles.referenced("art2") and not b.articles.referenced("art2", besides="/in/x.json")
    assert b.articles.origins() == {"/in/x.json": ["art1", "art2"]}

    a.articles.add_pending([("chunk-a", "art9")])
    b.articles.add_pending([("chunk-b", "art8")])
    assert a.articles.orphans() == ["chunk-a"] and b.articles.orphans() == ["chunk-b"]
    assert a.articles.pending() == {"chunk-a", "chunk-b"}, "a running ingest elsewhere is not a stray"
    a.articles.clear_pending()
    assert b.articles.pending() == {"chunk-b"}
    b.articles.remove_source("/in/x.json")
    assert a.articles.source("/in/x.json") is None


def test_a_local_article_store_moves_to_an_empty_server(settings: Settings, tmp_path: Path) -> None:
    files = StoreFiles(tmp_path / "old")
    local = ArticleStore(files.articles)
    article = Article(id="a1", title="Old", text="Kept before replicas.", source="Wire", origin="/in/a.md")
    local.put(article, ["a1:0"], b"\x01\x02")
    local.set_source("/in/a.md", "fp", ["a1"])
    local.close()

    node = open_node(settings, tmp_path / "chroma", files.folder)
    other = open_node(settings, tmp_path / "chroma", tmp_path / "new")
    try:
        assert other.articles.get("a1") == article and other.articles.signatures() == [("a1", b"\x01\x02")]
        assert other.articles.source("/in/a.md") == ("fp", ["a1"])
        assert not files.articles.exists() and files.articles.with_name("articles.sqlite.adopted").exists()
    finally:
        node.close()
        other.close()
