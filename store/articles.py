"""SQLite document store and ingest manifest, beside the vector store.

``articles`` keeps each article's clean text and metadata (citations open the exact sentence);
``chunks`` lists each article's chunk ids; ``sources`` (the manifest) maps an input (path or URL)
to its content fingerprint and the articles it produced (also in ``source_articles``, one row per
pair). An article row is written only after its chunks are in the vector store, so the row is the
commit marker: a killed ingest leaves no row and the next run redoes that article. Chunk ids are
noted in ``pending_chunks`` before they are written anywhere; :meth:`ArticleStore.orphans` lists
those whose article never committed, for the pipeline to delete. ``minhash`` keeps each article's
MinHash signature for near-duplicate detection.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path

from rag.types import Article, Reporter
from store.sqlite import connect, damage_as_error, immediate_transaction, report_damage

_SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (
    id TEXT PRIMARY KEY, title TEXT, source TEXT, author TEXT, published_at TEXT, date_provenance TEXT,
    url TEXT, category TEXT, origin TEXT, ingested_at TEXT, text TEXT, also_reported_by TEXT, pages TEXT
);
CREATE TABLE IF NOT EXISTS chunks (id TEXT PRIMARY KEY, article_id TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS chunks_article ON chunks(article_id);
CREATE TABLE IF NOT EXISTS sources (origin TEXT PRIMARY KEY, fingerprint TEXT, article_ids TEXT);
CREATE TABLE IF NOT EXISTS source_articles (
    origin TEXT NOT NULL, article_id TEXT NOT NULL, PRIMARY KEY (origin, article_id)
);
CREATE INDEX IF NOT EXISTS source_articles_article ON source_articles(article_id);
CREATE TABLE IF NOT EXISTS pending_chunks (id TEXT PRIMARY KEY, article_id TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS minhash (article_id TEXT PRIMARY KEY, signature BLOB NOT NULL);
"""
_SOURCE_COLUMNS = {"size": "INTEGER DEFAULT 0", "updated_at": "TEXT DEFAULT ''"}
_FIELDS = (
    "id",
    "title",
    "source",
    "author",
    "published_at",
    "date_provenance",
    "url",
    "category",
    "origin",
    "ingested_at",
    "text",
)
_ORIGINS_OF = "SELECT origin FROM source_articles WHERE article_id = ?"
_SELECT = f"SELECT {','.join(_FIELDS)}, also_reported_by, pages FROM articles"


@report_damage()
class ArticleStore:
    """Articles, their chunk ids, and the source manifest in one SQLite file (thread-safe).

    A corrupt or truncated file raises :class:`~rag.errors.StoreDamagedError` (see store/sqlite.py).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._db = connect(path, _SCHEMA)
        self._lock = threading.RLock()
        with damage_as_error(path):
            self._migrate()

    def _migrate(self) -> None:
        """Bring a store made by an older version up to this schema (new manifest columns)."""
        columns = {r[1] for r in self._db.execute("PRAGMA table_info(sources)")}
        for name, kind in _SOURCE_COLUMNS.items():
            if name not in columns:
                self._db.execute(f"ALTER TABLE sources ADD COLUMN {name} {kind}")
        if not self._db.execute("SELECT 1 FROM source_articles LIMIT 1").fetchone():
            rows = self._db.execute("SELECT origin, article_ids FROM sources").fetchall()
            pairs = [(o, a) for o, ids in rows for a in json.loads(ids or "[]")]
            self._db.executemany("INSERT OR IGNORE INTO source_articles VALUES (?, ?)", pairs)

    @property
    def where(self) -> str:
        """Where the articles are kept, for messages (this file; a server for replicas)."""
        return str(self.path)

    def refresh(self) -> None:
        """Bring this process's copy up to date with a store shared with other processes: nothing to
        do for a local file (see :class:`store.chroma_articles.ChromaArticleStore`)."""

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with immediate_transaction(self._db, self._lock) as db:
            yield db

    def put(self, article: Article, chunk_ids: Sequence[str], signature: bytes | None = None) -> None:
        """Record an article and its chunks (call after the chunks are in the vector store)."""
        with self.transaction() as db:
            db.execute("DELETE FROM chunks WHERE article_id = ?", (article.id,))
            db.executemany(
                "INSERT OR REPLACE INTO chunks VALUES (?, ?)", [(c, article.id) for c in chunk_ids]
            )
            db.execute("DELETE FROM pending_chunks WHERE article_id = ?", (article.id,))
            if signature is not None:
                db.execute("INSERT OR REPLACE INTO minhash VALUES (?, ?)", (article.id, signature))
            values = [getattr(article, f) for f in _FIELDS]
            values += [json.dumps([asdict(r) for r in article.also_reported_by]), json.dumps(article.pages)]
            db.execute(f"INSERT OR REPLACE INTO articles VALUES ({','.join('?' * 13)})", values)

    def add_reporter(self, article_id: str, reporter: Reporter) -> None:
        with self.transaction() as db:
            row = db.execute("SELECT also_reported_by FROM articles WHERE id = ?", (article_id,)).fetchone()
            if row is None:
                return
            reporters = json.loads(row[0] or "[]")
            if asdict(reporter) not in reporters:
                reporters.append(asdict(reporter))
            db.execute(
                "UPDATE articles SET also_reported_by = ? WHERE id = ?", (json.dumps(reporters), article_id)
            )

    def get(self, article_id: str) -> Article | None:
        with self._lock:
            row = self._db.execute(
                f"{_SELECT} WHERE id = ?",
                (article_id,),
            ).fetchone()
        return _article(row) if row else None

    def has(self, article_id: str) -> bool:
        with self._lock:
            return (
                self._db.execute("SELECT 1 FROM articles WHERE id = ?", (article_id,)).fetchone() is not None
            )

    def chunk_ids(self, article_id: str) -> list[str]:
        with self._lock:
            rows = self._db.execute("SELECT id FROM chunks WHERE article_id = ?", (article_id,)).fetchall()
        return [r[0] for r in rows]

    def all(self) -> list[Article]:
        """Every article (text included), newest first."""
        with self._lock:
            rows = self._db.execute(f"{_SELECT} ORDER BY published_at DESC").fetchall()
        return [_article(r) for r in rows]

    def chunk_counts(self) -> dict[str, int]:
        with self._lock:
            rows = self._db.execute("SELECT article_id, COUNT(*) FROM chunks GROUP BY article_id").fetchall()
        return {a: n for a, n in rows}

    def count(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM articles").fetchone()[0])

    def delete(self, article_id: str) -> list[str]:
        """Remove an article and every manifest entry naming it; returns the chunk ids it had.

        Call after its chunks are gone from the vector store and indexes (see ``chunk_ids``), so a
        killed delete leaves the row behind and is simply redone.
        """
        with self.transaction() as db:
            ids = [r[0] for r in db.execute("SELECT id FROM chunks WHERE article_id = ?", (article_id,))]
            db.execute("DELETE FROM chunks WHERE article_id = ?", (article_id,))
            db.execute("DELETE FROM articles WHERE id = ?", (article_id,))
            db.execute("DELETE FROM minhash WHERE article_id = ?", (article_id,))
            origins = [r[0] for r in db.execute(_ORIGINS_OF, (article_id,))]
            db.executemany("DELETE FROM sources WHERE origin = ?", [(o,) for o in origins])
            db.executemany("DELETE FROM source_articles WHERE origin = ?", [(o,) for o in origins])
        return ids

    def ids(self) -> set[str]:
        """Every article id."""
        with self._lock:
            return {r[0] for r in self._db.execute("SELECT id FROM articles")}

    def chunk_rows(self) -> dict[str, str]:
        """Every chunk id the store knows, with its article id."""
        with self._lock:
            return dict(self._db.execute("SELECT id, article_id FROM chunks").fetchall())

    def drop_chunk_rows(self, chunk_ids: Sequence[str]) -> None:
        """Forget chunk rows (those naming no article; see store/repair.py)."""
        with self.transaction() as db:
            db.executemany("DELETE FROM chunks WHERE id = ?", [(c,) for c in chunk_ids])

    def pending(self) -> set[str]:
        """Chunk ids an ingest noted as about to be written (a running or killed one)."""
        with self._lock:
            return {r[0] for r in self._db.execute("SELECT id FROM pending_chunks")}

    def existing(self, article_ids: Sequence[str]) -> set[str]:
        """The ids among ``article_ids`` that have an article row."""
        found: set[str] = set()
        with self._lock:
            for i in range(0, len(article_ids), 500):
                batch = list(article_ids[i : i + 500])
                query = f"SELECT id FROM articles WHERE id IN ({','.join('?' * len(batch))})"
                found.update(r[0] for r in self._db.execute(query, batch))
        return found

    def ids_from(self, origin: str) -> list[str]:
        """Ids of the articles loaded from ``origin`` (a file or URL, or one of its records ``origin#n``)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT id FROM articles WHERE origin = ? OR substr(origin, 1, ?) = ?",
                (origin, len(origin) + 1, origin + "#"),
            ).fetchall()
        return [r[0] for r in rows]

    def referenced(self, article_id: str, besides: str = "") -> bool:
        """Whether any source in the manifest (other than ``besides``) still names this article."""
        with self._lock:
            row = self._db.execute(_ORIGINS_OF + " AND origin != ? LIMIT 1", (article_id, besides)).fetchone()
        return row is not None

    # crash recovery and near-duplicate signatures
    def add_pending(self, chunks: Sequence[tuple[str, str]]) -> None:
        """Note (chunk id, article id) pairs about to be written to the vector store and indexes."""
        with self.transaction() as db:
            db.executemany("INSERT OR REPLACE INTO pending_chunks VALUES (?, ?)", chunks)

    def orphans(self) -> list[str]:
        """Chunk ids noted as pending whose article never committed (left by a killed run)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT p.id FROM pending_chunks p LEFT JOIN chunks c ON c.id = p.id WHERE c.id IS NULL"
            ).fetchall()
        return [r[0] for r in rows]

    def clear_pending(self) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM pending_chunks")

    def signatures(self) -> list[tuple[str, bytes]]:
        """(article id, MinHash signature) of every stored article that has one."""
        with self._lock:
            return [(a, bytes(s)) for a, s in self._db.execute("SELECT article_id, signature FROM minhash")]

    # manifest of inputs
    def source(self, origin: str) -> tuple[str, list[str]] | None:
        with self._lock:
            row = self._db.execute(
                "SELECT fingerprint, article_ids FROM sources WHERE origin = ?", (origin,)
            ).fetchone()
        return (row[0], json.loads(row[1])) if row else None

    def set_source(self, origin: str, fingerprint: str, article_ids: Sequence[str], size: int = 0) -> None:
        """Record that ``origin`` (content ``fingerprint``) yielded ``article_ids``: the last write."""
        ids = list(dict.fromkeys(article_ids))
        with self.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO sources (origin, fingerprint, article_ids, size, updated_at) "
                "VALUES (?, ?, ?, ?, datetime('now'))",
                (origin, fingerprint, json.dumps(ids), size),
            )
            db.execute("DELETE FROM source_articles WHERE origin = ?", (origin,))
            db.executemany("INSERT INTO source_articles VALUES (?, ?)", [(origin, a) for a in ids])

    def origins(self) -> dict[str, list[str]]:
        with self._lock:
            rows = self._db.execute("SELECT origin, article_ids FROM sources").fetchall()
        return {o: json.loads(a) for o, a in rows}

    def remove_source(self, origin: str) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM sources WHERE origin = ?", (origin,))
            db.execute("DELETE FROM source_articles WHERE origin = ?", (origin,))

    def close(self) -> None:
        with self._lock:
            self._db.close()


def _article(row: tuple[object, ...]) -> Article:
    values = dict(zip(_FIELDS, row[: len(_FIELDS)], strict=True))
    reporters = [Reporter(**r) for r in json.loads(str(row[-2] or "[]"))]
    pages = [tuple(p) for p in json.loads(str(row[-1] or "[]"))]
    return Article(**{k: str(v or "") for k, v in values.items()}, also_reported_by=reporters, pages=pages)  # type: ignore[arg-type]
