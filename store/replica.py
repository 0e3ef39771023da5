"""Opening the article store and the lexical index, and, for replicas on one Chroma server, keeping
this process's copies of them in step with the server.

Embedded (no ``RAG_CHROMA_URL``): both are SQLite files in the store folder, as they always were.

With a Chroma server, the server holds everything replicas must agree on (store/chroma_articles.py)
and each process keeps two caches in its own store folder: its mirror of the articles and its
lexical index. :func:`open_replica` brings both up to date at open (reading only what differs: a
restart reads just the articles that changed while it was down); then a daemon thread
(:class:`Replica`) asks the server every :data:`POLL_S` for the article records stamped since the
last version it saw, and applies each change: an added article's chunks go into the lexical index
(FTS5 at once; the in-memory bm25s index rebuilds in the background as after any write, searches
reading FTS5 meanwhile), a deleted one's leave it. Nothing is rebuilt whole for one article.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
import uuid
import weakref
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from store.articles import ArticleStore
from store.chroma_articles import WINDOW_NS, ChromaArticleStore
from store.chroma_records import Applied, Change
from store.doctor import StoreFiles
from store.lexical import LexicalIndex
from store.sqlite import sidecars
from store.vectors import ChromaStore

POLL_S = 1.0
WRITER_FILE = "writer-id"
_BATCH = 500
Ranker = Literal["bm25s", "fts5"]
log = logging.getLogger("osint-rag")


def open_article_store(
    files: StoreFiles, vectors: ChromaStore, ranker: Ranker = "bm25s", poll_s: float = POLL_S
) -> tuple[ArticleStore, LexicalIndex]:
    """The article store and the lexical index for ``vectors``: the store folder's own (embedded), or
    this replica's copies of what the Chroma server holds, kept in step every ``poll_s`` seconds."""
    if vectors.url is None:
        articles = ArticleStore(files.articles)
        return articles, open_lexical(files.lexical, vectors, ranker)
    return open_replica(files, vectors, ranker, poll_s)


def open_lexical(path: Path, vectors: ChromaStore, ranker: Ranker = "bm25s") -> LexicalIndex:
    """The lexical index at ``path``, filled from the vector store when it lags behind (older stores)."""
    index = LexicalIndex(path, ranker=ranker)
    if index.count() != vectors.count():
        index.rebuild(vectors)
    return index


def open_replica(
    files: StoreFiles, vectors: ChromaStore, ranker: Ranker = "bm25s", poll_s: float = POLL_S
) -> tuple[ChromaArticleStore, LexicalIndex]:
    """This process's replica of the store on ``vectors``' server, up to date now; with ``poll_s`` > 0
    a daemon thread keeps it so (``articles.refresh()`` catches up at once)."""
    articles = ChromaArticleStore(files.mirror, vectors, writer_id(files.folder))
    lexical = LexicalIndex(files.lexical, ranker=ranker)
    try:
        adopt_local(files, articles)
        replica = Replica(articles, vectors, lexical)
        replica.reconcile()
    except BaseException:
        articles.close()
        lexical.close()
        raise
    articles.syncer = replica.sync
    if poll_s > 0:
        replica.start(poll_s)
    return articles, lexical


def writer_id(folder: Path) -> str:
    """This store folder's writer id (made once): pending chunk ids are noted under it on the server."""
    path = folder / WRITER_FILE
    folder.mkdir(parents=True, exist_ok=True)
    try:
        with path.open("x") as out:
            out.write(uuid.uuid4().hex)
    except FileExistsError:
        pass
    return path.read_text().strip()


def adopt_local(files: StoreFiles, articles: ChromaArticleStore) -> int:
    """Move the articles and manifest of a local article store (what a Chroma-server store kept in its
    folder before replicas) to a server that holds none yet; the file is kept as ``*.adopted``."""
    if not files.articles.exists() or articles.record_count():
        return 0
    local = ArticleStore(files.articles)
    try:
        signatures = dict(local.signatures())
        found = local.all()
        for article in found:
            articles.put(article, local.chunk_ids(article.id), signatures.get(article.id))
        for origin in local.origins():
            if (entry := local.source(origin)) is not None:
                articles.set_source(origin, entry[0], entry[1])
    finally:
        local.close()
    name = files.articles.name
    for part in sidecars(files.articles):
        if part.exists():
            part.rename(part.with_name(part.name.replace(name, name + ".adopted")))
    log.warning("moved %d articles from %s to %s", len(found), files.articles, articles.where)
    return len(found)


class Replica:
    """Keeps a :class:`ChromaArticleStore`'s mirror and a lexical index in step with the server."""

    def __init__(self, articles: ChromaArticleStore, vectors: ChromaStore, lexical: LexicalIndex) -> None:
        self.articles = articles
        self.vectors = vectors
        self.lexical = lexical
        self.version = 0  # the store version: the largest record version seen
        self._since: int | None = None
        self._lock = threading.Lock()

    def reconcile(self) -> Applied:
        """Make the mirror hold exactly the server's articles, and the lexical index exactly their
        chunks (what opening does; reads only the records whose version differs)."""
        with self._lock:
            started = time.time_ns()
            records = self.articles.changes()
            held = self.articles.ids()
            gone = [Change(a, 0, True) for a in sorted(held - {c.article_id for c in records})]
            todo = [
                c
                for c in records
                if self.articles.version_of(c.article_id) != c.version or (c.deleted and c.article_id in held)
            ]
            applied = self.articles.apply(todo + gone)
            wanted = set(self.articles.chunk_rows())
            have = self.lexical.ids()
            self.lexical.delete(sorted(have - wanted))
            self._index(sorted(wanted - have))
            self._advance(records, started)
            return applied

    def sync(self) -> int:
        """Apply what changed on the server since the last sync; returns how many articles changed."""
        with self._lock:
            started = time.time_ns()
            since = None if self._since is None else self._since - WINDOW_NS
            records = self.articles.changes(since)
            todo = [c for c in records if self.articles.version_of(c.article_id) != c.version]
            if todo:
                applied = self.articles.apply(todo)
                self.lexical.delete(applied.removed)
                self._index(applied.added)
            self._advance(records, started)
            return len(todo)

    def _index(self, chunk_ids: Sequence[str]) -> None:
        for i in range(0, len(chunk_ids), _BATCH):
            hits = self.vectors.get(chunk_ids[i : i + _BATCH])
            self.lexical.add([h.chunk for h in hits], {h.chunk.article_id: h.article for h in hits})

    def _advance(self, records: Sequence[Change], started: int) -> None:
        if records:
            self.version = max(self.version, max(c.version for c in records))
        # a writer whose clock runs ahead must not make this replica skip the others' writes
        self._since = min(self.version, started)

    def start(self, every_s: float = POLL_S) -> None:
        """Sync every ``every_s`` seconds on a daemon thread, until this replica is garbage."""
        thread = threading.Thread(
            target=_poll, args=(weakref.ref(self), every_s), name="replica-sync", daemon=True
        )
        thread.start()


def _poll(ref: weakref.ref[Replica], every_s: float) -> None:
    failing = False
    while True:
        time.sleep(every_s)
        replica = ref()
        if replica is None:
            return
        try:
            replica.sync()
        except sqlite3.ProgrammingError:  # the store was closed
            return
        except Exception as exc:  # a server down: the health monitor says so; keep trying
            if not failing:
                log.warning("replica sync failed, retrying every %g s: %s", every_s, exc)
            failing = True
        else:
            if failing:
                log.warning("replica sync works again")
            failing = False
        del replica
