"""Lexical (BM25) index beside the vector store: SQLite FTS5 ranked with ``bm25()``.

Chroma's embedded client has no sparse index, so chunks are also written here, with the same ids and
the metadata a hit needs (so a lexical hit renders without a Chroma lookup, and filters run in SQL).
Writes are transactional (one ``BEGIN IMMEDIATE`` per call) and idempotent (re-adding a chunk id
replaces it). The :class:`LexicalIndex` is a ``ChunkIndex`` for the ingest pipeline: it is kept in
step on add, update, prune and delete. Stores built before the index existed are filled once from
the vector store with :meth:`LexicalIndex.rebuild`.

Search runs on one of two rankers over the same rows: ``bm25s`` (default; an in-memory bm25s index
built from the table and rebuilt after any change, by this process or another, see
:mod:`store.bm25`) or ``fts5`` (FTS5's own ``bm25()``, about ten times slower a query). The first
bm25s index is built before the first search; after a change, the old one is rebuilt in the background
(36 s at 100,000 chunks, bench/results/scale.md) while searches, document frequencies and IDFs read
FTS5, which holds every committed row: an added article is searchable at once, not after the rebuild.
"""

from __future__ import annotations

import logging
import math
import re
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Literal, Protocol

from rag.types import ArticleMeta, Chunk, Filters, Hit
from store.bm25 import MemoryBM25, Row, Tokenizer
from store.sqlite import connect, immediate_transaction, report_damage

_SCHEMA = """
CREATE VIRTUAL TABLE IF NOT EXISTS lex USING fts5(
    header, text,
    chunk_id UNINDEXED, article_id UNINDEXED, source UNINDEXED, category UNINDEXED, date UNINDEXED,
    title UNINDEXED, author UNINDEXED, published_at UNINDEXED, url UNINDEXED,
    start UNINDEXED, "end" UNINDEXED, tokens UNINDEXED, idx UNINDEXED,
    tokenize = 'porter unicode61 remove_diacritics 2'
);
CREATE TABLE IF NOT EXISTS lex_ids (chunk_id TEXT PRIMARY KEY, row INTEGER NOT NULL);
"""
_COLUMNS = (
    "header, text, chunk_id, article_id, source, category, date, title, author, published_at, url, "
    'start, "end", tokens, idx'
)
_TERM = re.compile(r"[^\W_]+(?:['’][^\W_]+)?", re.UNICODE)
_BATCH = 500
log = logging.getLogger("osint-rag")


class ChunkSource(Protocol):
    """What :meth:`LexicalIndex.rebuild` reads: the vector store's chunks (``ChromaStore`` fits)."""

    def all_metadata(self) -> list[tuple[str, dict[str, object]]]: ...

    def get(self, chunk_ids: Sequence[str]) -> list[Hit]: ...


def date_number(iso: str) -> int:
    """'2023-10-05...' -> 20231005; 0 when unknown (same encoding as the vector store)."""
    digits = iso[:10].replace("-", "")
    return int(digits) if len(digits) == 8 and digits.isdigit() else 0


def match_expression(text: str, stopwords: Iterable[str] = ()) -> str:
    """An FTS5 query that ORs the words of ``text`` (each quoted, so no FTS syntax leaks through)."""
    stop = {s.lower() for s in stopwords}
    terms: list[str] = []
    for match in _TERM.finditer(text):
        word = match.group(0).replace("’", "'").lower()
        if word in stop or word in terms:
            continue
        terms.append(word)
    return " OR ".join('"' + t.replace('"', "") + '"' for t in terms)


@report_damage()
class LexicalIndex:
    """Chunk header + text in an FTS5 table; thread-safe; one SQLite file (damage: StoreDamagedError)."""

    def __init__(
        self,
        path: Path,
        header_weight: float = 1.0,
        text_weight: float = 1.0,
        ranker: Literal["bm25s", "fts5"] = "bm25s",
    ) -> None:
        self.path = path
        self.ranker = ranker
        self.header_weight = header_weight
        self.text_weight = text_weight
        self._db = connect(path, _SCHEMA)
        self._lock = threading.RLock()
        self._local = threading.local()  # one read-only connection per searching thread
        self._readers: list[sqlite3.Connection] = []
        self.generation = 0  # bumped by every write: caches of outlets or IDF follow it
        self._df: dict[str, int] = {}
        self._n = -1
        self._memory: tuple[tuple[int, int], MemoryBM25] | None = None  # (table state, index)
        self._build_lock = threading.Lock()
        self._tokenizer: Tokenizer | None = None
        self._rebuilding = False  # a background rebuild of the bm25s index is running

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with immediate_transaction(self._db, self._lock) as db:
            yield db
            self.generation += 1
            self._df.clear()
            self._n = -1

    # ChunkIndex protocol (ingest/pipeline.py)
    def add(self, chunks: Sequence[Chunk], metas: dict[str, ArticleMeta]) -> None:
        """Insert or replace ``chunks`` (all in one transaction)."""
        with self._transaction() as db:
            for chunk in chunks:
                self._delete_one(db, chunk.id)
                meta = metas[chunk.article_id]
                cursor = db.execute(
                    f"INSERT INTO lex ({_COLUMNS}) VALUES ({','.join('?' * 15)})",
                    (
                        chunk.header,
                        chunk.text,
                        chunk.id,
                        chunk.article_id,
                        meta.source,
                        meta.category,
                        date_number(meta.published_at),
                        meta.title,
                        meta.author,
                        meta.published_at,
                        meta.url,
                        chunk.start,
                        chunk.end,
                        chunk.tokens,
                        chunk.index,
                    ),
                )
                db.execute("INSERT INTO lex_ids VALUES (?, ?)", (chunk.id, cursor.lastrowid))

    def delete(self, chunk_ids: Sequence[str]) -> None:
        """Remove chunks by id (unknown ids are ignored)."""
        with self._transaction() as db:
            for cid in chunk_ids:
                self._delete_one(db, cid)

    @staticmethod
    def _delete_one(db: sqlite3.Connection, chunk_id: str) -> None:
        row = db.execute("SELECT row FROM lex_ids WHERE chunk_id = ?", (chunk_id,)).fetchone()
        if row is not None:
            db.execute("DELETE FROM lex WHERE rowid = ?", (row[0],))
            db.execute("DELETE FROM lex_ids WHERE chunk_id = ?", (chunk_id,))

    def count(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM lex_ids").fetchone()[0])

    def ids(self) -> set[str]:
        with self._lock:
            return {r[0] for r in self._db.execute("SELECT chunk_id FROM lex_ids")}

    def outlets(self) -> list[str]:
        """The distinct outlets of the indexed chunks."""
        with self._lock:
            return sorted(r[0] for r in self._db.execute("SELECT DISTINCT source FROM lex") if r[0])

    def document_frequency(self, word: str) -> int:
        """Chunks containing ``word`` (after the index's stemming); cached until the next write."""
        index = self._fresh_memory()
        if index is not None:
            return index.document_frequency(word)
        with self._lock:
            if word not in self._df:
                expression = match_expression(word)
                self._df[word] = (
                    int(
                        self._db.execute(
                            "SELECT COUNT(*) FROM lex WHERE lex MATCH ?", (expression,)
                        ).fetchone()[0]
                    )
                    if expression
                    else 0
                )
            return self._df[word]

    def idf(self, word: str) -> float:
        """BM25's IDF of ``word`` over the indexed chunks."""
        index = self._fresh_memory()  # once: each call checks the table for changes
        if index is not None:
            n, df = len(index), index.document_frequency(word)
        else:
            with self._lock:
                if self._n < 0:
                    self._n = self.count()
                n = self._n
            df = self.document_frequency(word)
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def clear(self) -> None:
        with self._transaction() as db:
            db.execute("DELETE FROM lex")
            db.execute("DELETE FROM lex_ids")

    def rebuild(self, source: ChunkSource) -> int:
        """Make the index hold exactly the chunks of ``source``; returns how many were added.

        For stores ingested before the lexical index existed (or after it was lost): only missing
        chunks are read from the vector store, and chunks no longer there are dropped.
        """
        wanted = {cid for cid, _ in source.all_metadata()}
        have = self.ids()
        self.delete(sorted(have - wanted))
        missing = sorted(wanted - have)
        for i in range(0, len(missing), _BATCH):
            hits = source.get(missing[i : i + _BATCH])
            self.add([h.chunk for h in hits], {h.chunk.article_id: h.article for h in hits})
        return len(missing)

    def search(
        self, query: str, k: int, filters: Filters | None = None, stopwords: Iterable[str] = ()
    ) -> list[Hit]:
        """Top ``k`` chunks by BM25; ``Hit.lexical`` is the BM25 score (higher is better)."""
        index = self._fresh_memory()
        if index is not None:
            return self._search_memory(index, query, k, filters, stopwords)
        expression = match_expression(query, stopwords)
        if not expression or k <= 0:
            return []
        where, params = _filter_sql(filters)
        sql = (
            f"SELECT {_COLUMNS}, bm25(lex, ?, ?) AS rank FROM lex WHERE lex MATCH ?{where} "
            "ORDER BY rank LIMIT ?"
        )
        args: list[object] = [self.header_weight, self.text_weight, expression, *params, k]
        rows = self._reader().execute(sql, args).fetchall()
        return [_hit(row, rank, -float(str(row[15]))) for rank, row in enumerate(rows, start=1)]

    def _search_memory(
        self, index: MemoryBM25, query: str, k: int, filters: Filters | None, stopwords: Iterable[str]
    ) -> list[Hit]:
        f = filters or Filters()
        best = index.top(
            query,
            k,
            f.sources,
            f.categories,
            date_number(f.date_from) if f.date_from else None,
            date_number(f.date_to) if f.date_to else None,
            frozenset(w.lower() for w in stopwords),
        )
        if not best:
            return []
        ids = [rowid for rowid, _ in best]
        sql = f"SELECT {_COLUMNS}, rowid FROM lex WHERE rowid IN ({','.join('?' * len(ids))})"
        rows = {int(row[15]): row for row in self._reader().execute(sql, ids).fetchall()}
        found = [(rows[rowid], score) for rowid, score in best if rowid in rows]  # a row deleted meanwhile
        return [_hit(row, rank, score) for rank, (row, score) in enumerate(found, start=1)]

    def _state(self) -> tuple[int, int]:
        with self._lock:
            return (self.generation, int(self._db.execute("PRAGMA data_version").fetchone()[0]))

    def _fresh_memory(self) -> MemoryBM25 | None:
        """The bm25s index when it holds the current rows (built now if there is none yet); None while a
        changed table's index is rebuilt in the background (then FTS5 answers), or for the fts5 ranker."""
        if self.ranker != "bm25s":
            return None
        current = self._memory
        if current is None:
            return self.memory()
        if current[0] == self._state():
            return current[1]
        self._rebuild_in_background()
        return None

    def _rebuild_in_background(self) -> None:
        with self._lock:
            if self._rebuilding:
                return
            self._rebuilding = True

        def run() -> None:
            try:
                self.memory()  # for the rows of now; a later search starts another if writes came meanwhile
            except Exception:  # a damaged or closed store: searches keep reading FTS5 and say so
                log.exception("the in-memory BM25 index could not be rebuilt")
            finally:
                with self._lock:
                    self._rebuilding = False

        threading.Thread(target=run, name="bm25-rebuild", daemon=True).start()

    def memory(self) -> MemoryBM25:
        """The in-memory BM25 index of the current rows, rebuilt first when the table changed."""
        state = self._state()
        current = self._memory
        if current is not None and current[0] == state:
            return current[1]
        with self._build_lock:
            current = self._memory
            if current is not None and current[0] == state:
                return current[1]
            if self._tokenizer is None:
                self._tokenizer = Tokenizer()
            with self._lock:
                rows = [
                    Row(int(r[0]), f"{r[1]}\n{r[2]}", str(r[3]), str(r[4]), int(r[5] or 0))
                    for r in self._db.execute("SELECT rowid, header, text, source, category, date FROM lex")
                ]
            index = MemoryBM25(rows, self._tokenizer)
            self._memory = (state, index)
            return index

    def _reader(self) -> sqlite3.Connection:
        """This thread's read-only connection: searches of one question run side by side (WAL readers
        never block each other or the writer), where the shared connection would take turns."""
        reader: sqlite3.Connection | None = getattr(self._local, "db", None)
        if reader is None:
            reader = sqlite3.connect(
                f"{self.path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False
            )
            self._local.db = reader
            with self._lock:
                self._readers.append(reader)
        return reader

    def close(self) -> None:
        with self._lock:
            for reader in self._readers:
                reader.close()
            self._readers.clear()
            self._db.close()


def _filter_sql(filters: Filters | None) -> tuple[str, list[object]]:
    if filters is None or filters.is_empty():
        return "", []
    parts: list[str] = []
    params: list[object] = []
    if filters.sources:
        parts.append(f"source IN ({','.join('?' * len(filters.sources))})")
        params.extend(filters.sources)
    if filters.categories:
        parts.append(f"category IN ({','.join('?' * len(filters.categories))})")
        params.extend(filters.categories)
    if filters.date_from:
        parts.append("date >= ?")
        params.append(date_number(filters.date_from))
    if filters.date_to:
        parts.append("date <= ?")
        params.append(date_number(filters.date_to))
    return "".join(f" AND {p}" for p in parts), params


def _hit(row: tuple[object, ...], rank: int, score: float) -> Hit:
    (
        header,
        text,
        cid,
        aid,
        source,
        category,
        _date,
        title,
        author,
        published,
        url,
        start,
        end,
        tokens,
        idx,
    ) = row[:15]
    chunk = Chunk(
        id=str(cid),
        article_id=str(aid),
        text=str(text),
        start=int(str(start)),
        end=int(str(end)),
        tokens=int(str(tokens)),
        header=str(header),
        index=int(str(idx)),
    )
    article = ArticleMeta(
        id=str(aid),
        title=str(title),
        source=str(source),
        author=str(author),
        published_at=str(published),
        url=str(url),
        category=str(category),
    )
    return Hit(chunk=chunk, article=article, score=score, lexical=score, rank=rank)
