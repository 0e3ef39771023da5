"""Embedding cache: (hash of the text embedded, model id) -> vector, in one SQLite file.

The ingest pipeline looks chunks up here before embedding them, so re-ingesting a changed article
re-embeds only its new passages, and a store rebuilt from scratch with the same model embeds nothing.
Writes are idempotent (``INSERT OR REPLACE``), so a killed run leaves only complete rows.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from store.embeddings import Embedder, Vectors
from store.sqlite import connect, report_damage

_SCHEMA = """
CREATE TABLE IF NOT EXISTS embeddings (
    text_hash TEXT NOT NULL, model_id TEXT NOT NULL, dim INTEGER NOT NULL, vector BLOB NOT NULL,
    PRIMARY KEY (text_hash, model_id)
);
"""
_BATCH = 500
CACHE_FIX = "delete that file (it is only a cache of embeddings) or run `rag repair`"


def text_hash(text: str) -> str:
    """Key of one embedded text (the chunk's header + text, exactly as given to the model)."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


@report_damage(CACHE_FIX)
class EmbeddingCache:
    """Vectors by (text hash, model id); thread-safe. A damaged file raises StoreDamagedError."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._db = connect(path, _SCHEMA, CACHE_FIX)
        self._lock = threading.Lock()

    def get_many(self, model_id: str, texts: Sequence[str]) -> dict[int, Vectors]:
        """Cached vectors for ``texts``, by position in ``texts`` (misses are absent)."""
        keys = [text_hash(t) for t in texts]
        found: dict[str, Vectors] = {}
        with self._lock:
            for i in range(0, len(keys), _BATCH):
                batch = keys[i : i + _BATCH]
                rows = self._db.execute(
                    f"SELECT text_hash, vector FROM embeddings WHERE model_id = ? "
                    f"AND text_hash IN ({','.join('?' * len(batch))})",
                    [model_id, *batch],
                ).fetchall()
                found.update((k, np.frombuffer(v, dtype=np.float32)) for k, v in rows)
        return {i: found[k] for i, k in enumerate(keys) if k in found}

    def put_many(self, model_id: str, texts: Sequence[str], vectors: Vectors) -> None:
        """Store one vector per text (rows of ``vectors``, float32)."""
        rows = [
            (text_hash(t), model_id, int(v.shape[0]), np.asarray(v, dtype=np.float32).tobytes())
            for t, v in zip(texts, vectors, strict=True)
        ]
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.executemany("INSERT OR REPLACE INTO embeddings VALUES (?, ?, ?, ?)", rows)
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def count(self, model_id: str | None = None) -> int:
        with self._lock:
            if model_id is None:
                return int(self._db.execute("SELECT COUNT(*) FROM embeddings").fetchone()[0])
            query = "SELECT COUNT(*) FROM embeddings WHERE model_id = ?"
            return int(self._db.execute(query, (model_id,)).fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._db.close()


def embed_cached(
    embedder: Embedder, cache: EmbeddingCache | None, texts: Sequence[str], write: bool = True
) -> tuple[Vectors, int]:
    """Vectors for ``texts`` (float32, one row each), embedding only what the cache lacks.

    Returns the vectors and how many texts the model embedded. Misses are embedded sorted by length
    (less padding per batch) and, with ``write``, written back to the cache.
    """
    if not texts:
        return np.zeros((0, 0), dtype=np.float32), 0
    found = cache.get_many(embedder.model_id, texts) if cache is not None else {}
    missing = sorted((i for i in range(len(texts)) if i not in found), key=lambda i: len(texts[i]))
    if missing:
        fresh = embedder.embed([texts[i] for i in missing])
        if cache is not None and write:
            cache.put_many(embedder.model_id, [texts[i] for i in missing], fresh)
        found.update(zip(missing, fresh, strict=True))
    return np.stack([found[i] for i in range(len(texts))]).astype(np.float32), len(missing)


class SentenceVectors:
    """Sentence embeddings memoised in memory (LRU): the same sentences come back question after question.

    With the store's embedding ``cache``, a sentence missing from memory is read from there before the
    model is asked. :meth:`fill` (ingest and the background warmer) writes what the model embeds back, so
    it persists between processes; :meth:`embed` (asking) never writes to the store.
    ``max_items`` 100k vectors of 384 floats hold about 150 MB (the 609-article corpus has 58k
    sentences).
    """

    def __init__(
        self, embedder: Embedder, max_items: int = 100_000, cache: EmbeddingCache | None = None
    ) -> None:
        self.embedder = embedder
        self.cache = cache
        self.max_items = max_items
        self._memo: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        """Vectors held in memory."""
        with self._lock:
            return len(self._memo)

    def fill(self, texts: Sequence[str], write: bool = True) -> int:
        """Make sure ``texts`` have vectors (memory, then the cache, then the model); returns how many
        the model had to embed. ``write``: keep those in the store's cache too."""
        with self._lock:
            missing = list(dict.fromkeys(t for t in texts if t not in self._memo))
        if not missing:
            return 0
        vectors, embedded = embed_cached(self.embedder, self.cache, missing, write)
        with self._lock:
            for text, vector in zip(missing, np.asarray(vectors), strict=True):
                self._memo[text] = vector
            while len(self._memo) > self.max_items:
                self._memo.popitem(last=False)
        return embedded

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors of ``texts`` for a question: from memory, the cache or the model, written nowhere
        but memory."""
        self.fill(texts, write=False)
        with self._lock:
            out = []
            for text in texts:
                vector = self._memo.get(text)
                if vector is None:  # evicted meanwhile by another thread
                    vector = np.asarray(self.embedder.embed([text]))[0]
                else:
                    self._memo.move_to_end(text)
                out.append(vector)
        return np.stack(out) if out else np.zeros((0, 0), dtype=np.float32)
