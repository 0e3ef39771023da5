"""SQLite document store and ingest manifest, beside the vector store.

``articles`` keeps each article's clean text and metadata (citations open the exact sentence);
``chunks`` lists each article's chunk ids; ``sources`` maps an input (path, URL, record) to the
article it produced. An article row is written only after its chunks are in the vector store, so
the row is the commit marker: a killed ingest leaves no row and the next run redoes that article.
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

_SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (
    id TEXT PRIMARY KEY, title TEXT, source TEXT, author TEXT, published_at TEXT, date_provenance TEXT,
    url TEXT, category TEXT, origin TEXT, ingested_at TEXT, text TEXT, also_reported_by TEXT, pages TEXT
);
CREATE TABLE IF NOT EXISTS chunks (id TEXT PRIMARY KEY, article_id TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS chunks_article ON chunks(article_id);
CREATE TABLE IF NOT EXISTS sources (origin TEXT PRIMARY KEY, fingerprint TEXT, article_ids TEXT);
"""
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
_SELECT = f"SELECT {','.join(_FIELDS)}, also_reported_by, pages FROM articles"


class ArticleStore:
    """Articles, their chunk ids, and the source manifest in one SQLite file (thread-safe)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        self._lock = threading.RLock()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def put(self, article: Article, chunk_ids: Sequence[str]) -> None:
        """Record an article and its chunks (call after the chunks are in the vector store)."""
        with self.transaction() as db:
            db.execute("DELETE FROM chunks WHERE article_id = ?", (article.id,))
            db.executemany(
                "INSERT OR REPLACE INTO chunks VALUES (?, ?)", [(c, article.id) for c in chunk_ids]
            )
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
        """Remove an article; returns its chunk ids (for the vector store and lexical index)."""
        with self.transaction() as db:
            ids = [r[0] for r in db.execute("SELECT id FROM chunks WHERE article_id = ?", (article_id,))]
            db.execute("DELETE FROM chunks WHERE article_id = ?", (article_id,))
            db.execute("DELETE FROM articles WHERE id = ?", (article_id,))
            db.execute("DELETE FROM sources WHERE article_ids = ?", (json.dumps([article_id]),))
        return ids

    # manifest of inputs
    def source(self, origin: str) -> tuple[str, list[str]] | None:
        with self._lock:
            row = self._db.execute(
                "SELECT fingerprint, article_ids FROM sources WHERE origin = ?", (origin,)
            ).fetchone()
        return (row[0], json.loads(row[1])) if row else None

    def set_source(self, origin: str, fingerprint: str, article_ids: Sequence[str]) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO sources VALUES (?, ?, ?)",
                (origin, fingerprint, json.dumps(list(article_ids))),
            )

    def origins(self) -> dict[str, list[str]]:
        with self._lock:
            rows = self._db.execute("SELECT origin, article_ids FROM sources").fetchall()
        return {o: json.loads(a) for o, a in rows}

    def remove_source(self, origin: str) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM sources WHERE origin = ?", (origin,))

    def close(self) -> None:
        with self._lock:
            self._db.close()


def _article(row: tuple[object, ...]) -> Article:
    values = dict(zip(_FIELDS, row[: len(_FIELDS)], strict=True))
    reporters = [Reporter(**r) for r in json.loads(str(row[-2] or "[]"))]
    pages = [tuple(p) for p in json.loads(str(row[-1] or "[]"))]
    return Article(**{k: str(v or "") for k, v in values.items()}, also_reported_by=reporters, pages=pages)  # type: ignore[arg-type]
