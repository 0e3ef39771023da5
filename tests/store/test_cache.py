from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np

from rag.types import Article
from store.articles import ArticleStore
from store.cache import EmbeddingCache


def test_embedding_cache_is_keyed_by_text_and_model(tmp_path: Path) -> None:
    cache = EmbeddingCache(tmp_path / "c.sqlite")
    vectors = np.arange(6, dtype=np.float32).reshape(2, 3)
    cache.put_many("m1", ["a", "b"], vectors)
    found = cache.get_many("m1", ["b", "x", "a"])
    assert sorted(found) == [0, 2]
    assert np.array_equal(found[0], vectors[1]) and np.array_equal(found[2], vectors[0])
    assert cache.get_many("m2", ["a"]) == {}
    reopened = EmbeddingCache(tmp_path / "c.sqlite")
    assert reopened.count("m1") == 2 and reopened.count() == 2


def test_manifest_upgrade_and_orphan_tracking(tmp_path: Path) -> None:
    path = tmp_path / "a.sqlite"
    old = sqlite3.connect(path)
    old.execute("CREATE TABLE sources (origin TEXT PRIMARY KEY, fingerprint TEXT, article_ids TEXT)")
    old.execute("INSERT INTO sources VALUES ('/x/a.md', 'f1', '[\"a1\"]')")
    old.commit()
    old.close()
    store = ArticleStore(path)
    assert store.source("/x/a.md") == ("f1", ["a1"])
    assert store.referenced("a1") and not store.referenced("a1", besides="/x/a.md")
    store.add_pending([("c1", "a1"), ("c2", "a2")])
    store.put(Article(id="a1", title="T", text="x", origin="/x/a.md#0"), ["c1"], b"sig")
    assert store.orphans() == ["c2"]
    assert store.ids_from("/x/a.md") == ["a1"] and store.ids_from("/x/a") == []
    assert store.signatures() == [("a1", b"sig")]
    store.delete("a1")
    assert store.source("/x/a.md") is None and store.signatures() == []


def test_asking_never_writes_sentence_vectors_to_the_store_and_warming_does(tmp_path: Path) -> None:
    from store.cache import SentenceVectors
    from store.embeddings import shared_embedder

    embedder = shared_embedder("all-MiniLM-L6-v2")
    cache = EmbeddingCache(tmp_path / "c.sqlite")
    asked = SentenceVectors(embedder, cache=cache).embed(["Talks took place in Baghdad."])
    assert asked.shape[0] == 1 and cache.count() == 0  # the question path keeps it in memory only
    assert SentenceVectors(embedder, cache=cache).fill(["Talks took place in Baghdad."]) == 1
    assert cache.count() == 1  # ingest and the background warmer persist it
