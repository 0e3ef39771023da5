"""Chroma adapter: chunks in, hits out. Embedded (a folder) by default, a Chroma server by URL.

Embeddings are computed by us and passed in, so Chroma never embeds on its own; metadata carries
everything a citation needs, so a hit renders without another lookup.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx

from rag.errors import ConfigError, StoreUnavailableError
from rag.types import ArticleMeta, Chunk, Filters, Hit
from store.embeddings import Embedder, Vectors

_BATCH = 2000  # below Chroma's max batch size
HEARTBEAT = "/api/v2/heartbeat"


def date_number(iso: str) -> int:
    """'2023-10-05...' -> 20231005 (Chroma range filters work on numbers only); 0 when unknown."""
    digits = iso[:10].replace("-", "")
    return int(digits) if len(digits) == 8 and digits.isdigit() else 0


class ChromaStore:
    """One Chroma collection of chunks with article metadata.

    With a server (``url``) every call is bounded by ``timeout_s``; a refused connection or a timeout
    raises :class:`~rag.errors.StoreUnavailableError` (HTTP 503) and is remembered in
    :attr:`last_failure` for the health check.
    """

    def __init__(
        self,
        embedder: Embedder,
        path: Path | None = None,
        url: str | None = None,
        collection: str = "articles",
        timeout_s: float = 10.0,
    ) -> None:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        from store.chroma_ef import OsintEmbeddingFunction

        self.url = url.rstrip("/") if url else None
        self.collection = collection
        self.timeout_s = timeout_s
        self.last_failure: tuple[float, str] | None = None  # (time.monotonic(), why) of the last failure
        chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
        if url:
            parsed = urlparse(url)
            if not parsed.hostname:
                raise ConfigError(f"RAG_CHROMA_URL={url!r} is not a URL: use http://host:port")
            self.probe(timeout_s)  # chromadb's client waits forever on a stopped server
            with self._calls():
                self._client: Any = chromadb.HttpClient(
                    host=parsed.hostname,
                    port=parsed.port or 8000,
                    ssl=parsed.scheme == "https",
                    settings=chroma_settings,
                )
                _bound_requests(self._client, timeout_s)
        else:
            if path is None:
                raise ConfigError("no store: set RAG_CHROMA_PATH (a folder) or RAG_CHROMA_URL")
            path.mkdir(parents=True, exist_ok=True)
            self._client = chromadb.PersistentClient(path=str(path), settings=chroma_settings)
        self._embedder = embedder
        with self._calls():
            self._collection = self._client.get_or_create_collection(
                name=collection,
                embedding_function=OsintEmbeddingFunction(embedder, model=embedder.model_id),
                configuration={"hnsw": {"space": "cosine"}},
                metadata={"embedding_model": embedder.model_id},
            )
        stored_model = (self._collection.metadata or {}).get("embedding_model")
        if stored_model and stored_model != embedder.model_id:
            raise ConfigError(
                f"store collection {collection!r} was built with {stored_model!r}, not "
                f"{embedder.model_id!r}: use another RAG_CHROMA_PATH or RAG_COLLECTION, or re-ingest"
            )

    def probe(self, timeout_s: float) -> None:
        """Check that the server answers within ``timeout_s`` (StoreUnavailableError if not); a
        plain request of its own, so it never waits behind the client's other calls."""
        if self.url is None:
            return
        with self._calls(timeout_s):
            httpx.get(self.url + HEARTBEAT, timeout=timeout_s).raise_for_status()

    def companion(self, suffix: str) -> Any:
        """Another collection on the same client, ``<collection>__<suffix>``, for records that are read
        by id and metadata only (no model embeds them; see store/chroma_articles.py)."""
        with self._calls():
            return self._client.get_or_create_collection(
                name=f"{self.collection}__{suffix}", embedding_function=None
            )

    def calls(self) -> AbstractContextManager[None]:
        """Map a failed call on a :meth:`companion` collection as this store's own (StoreUnavailableError)."""
        return self._calls()

    @contextmanager
    def _calls(self, timeout_s: float | None = None) -> Iterator[None]:
        """Turn a refused, reset or timed-out server call into :class:`StoreUnavailableError`."""
        try:
            yield
        except (httpx.TransportError, httpx.HTTPStatusError, ConnectionError, TimeoutError) as exc:
            if self.url is None:
                raise
            waited = timeout_s if timeout_s is not None else self.timeout_s
            why = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            error = StoreUnavailableError(
                f"the Chroma server at {self.url} is unreachable or did not answer within {waited:g} s "
                f"({why}): check that it is running (and not stopped), raise RAG_CHROMA_TIMEOUT_S for "
                "a slow one, or unset RAG_CHROMA_URL to use the local store"
            )
            self.last_failure = (time.monotonic(), str(error))
            raise error from exc

    def count(self) -> int:
        with self._calls():
            return int(self._collection.count())

    def ids(self) -> list[str]:
        """Every chunk id in the collection (paged; no documents or metadata)."""
        return [cid for page in self._pages([]) for cid in page["ids"]]

    def existing_ids(self, ids: Sequence[str]) -> set[str]:
        found: set[str] = set()
        with self._calls():
            for i in range(0, len(ids), _BATCH):
                found.update(self._collection.get(ids=list(ids[i : i + _BATCH]), include=[])["ids"])
        return found

    def upsert(self, chunks: Sequence[Chunk], metas: dict[str, ArticleMeta], vectors: Vectors) -> None:
        with self._calls():
            for i in range(0, len(chunks), _BATCH):
                batch = chunks[i : i + _BATCH]
                self._collection.upsert(
                    ids=[c.id for c in batch],
                    embeddings=vectors[i : i + _BATCH],
                    documents=[c.text for c in batch],
                    metadatas=[_metadata(c, metas[c.article_id]) for c in batch],
                )

    def delete_articles(self, article_ids: Iterable[str]) -> None:
        ids = list(article_ids)
        if ids:
            with self._calls():
                self._collection.delete(where={"article_id": {"$in": ids}})

    def delete_chunks(self, chunk_ids: Sequence[str]) -> None:
        if chunk_ids:
            with self._calls():
                self._collection.delete(ids=list(chunk_ids))

    def query(self, vector: Vectors, k: int, filters: Filters | None = None) -> list[Hit]:
        """Nearest chunks to ``vector``; ``Hit.dense`` is the cosine similarity."""
        with self._calls():
            result = self._collection.query(
                query_embeddings=[vector],
                n_results=k,
                where=where_clause(filters),
                include=["documents", "metadatas", "distances"],
            )
        hits = []
        for rank, (cid, doc, meta, dist) in enumerate(
            zip(
                result["ids"][0],
                result["documents"][0],
                result["metadatas"][0],
                result["distances"][0],
                strict=True,
            ),
            start=1,
        ):
            similarity = 1.0 - float(dist)
            hits.append(_hit(cid, doc or "", meta or {}, similarity, rank))
        return hits

    def get(self, chunk_ids: Sequence[str]) -> list[Hit]:
        """Chunks by id, in the order asked (missing ids are skipped)."""
        if not chunk_ids:
            return []
        with self._calls():
            result = self._collection.get(ids=list(chunk_ids), include=["documents", "metadatas"])
        by_id = {
            cid: _hit(cid, doc or "", meta or {}, 0.0, 0)
            for cid, doc, meta in zip(result["ids"], result["documents"], result["metadatas"], strict=True)
        }
        return [by_id[c] for c in chunk_ids if c in by_id]

    def all_metadata(self) -> list[tuple[str, dict[str, Any]]]:
        """(chunk id, metadata) for every chunk; used to list articles and outlets."""
        return [
            (cid, dict(meta or {}))
            for page in self._pages(["metadatas"])
            for cid, meta in zip(page["ids"], page["metadatas"], strict=True)
        ]

    def _pages(self, include: list[str]) -> Iterator[dict[str, Any]]:
        """The whole collection, ``_BATCH`` chunks a page, with only the fields in ``include``."""
        total, offset = self.count(), 0
        with self._calls():
            while offset < total:
                yield self._collection.get(include=include, limit=_BATCH, offset=offset)
                offset += _BATCH

    def chunks_of(self, chunk_ids: Sequence[str]) -> list[tuple[str, str, dict[str, Any]]]:
        """(chunk id, text, metadata) of these chunks (missing ids skipped); for `rag repair`."""
        out: list[tuple[str, str, dict[str, Any]]] = []
        with self._calls():
            for i in range(0, len(chunk_ids), _BATCH):
                page = self._collection.get(
                    ids=list(chunk_ids[i : i + _BATCH]), include=["documents", "metadatas"]
                )
                out.extend(
                    (cid, doc or "", dict(meta or {}))
                    for cid, doc, meta in zip(page["ids"], page["documents"], page["metadatas"], strict=True)
                )
        return out


def _bound_requests(client: Any, timeout_s: float) -> None:
    """Give chromadb's HTTP client a request timeout: it offers no setting and defaults to none.

    Its requests go through one ``httpx.Client`` (``client._server._session``); if a chromadb
    release moves it, fail loudly here rather than hang on a stopped server later.
    """
    session = getattr(getattr(client, "_server", None), "_session", None)
    if not isinstance(session, httpx.Client):
        raise ConfigError(
            "this chromadb version hides its HTTP session, so RAG_CHROMA_TIMEOUT_S cannot apply: "
            "install the chromadb version pinned in pyproject.toml"
        )
    session.timeout = httpx.Timeout(timeout_s)


def where_clause(filters: Filters | None) -> dict[str, Any] | None:
    if filters is None or filters.is_empty():
        return None
    clauses: list[dict[str, Any]] = []
    if filters.sources:
        clauses.append({"source": {"$in": list(filters.sources)}})
    if filters.categories:
        clauses.append({"category": {"$in": list(filters.categories)}})
    if filters.date_from:
        clauses.append({"date": {"$gte": date_number(filters.date_from)}})
    if filters.date_to:
        clauses.append({"date": {"$lte": date_number(filters.date_to)}})
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def _metadata(chunk: Chunk, meta: ArticleMeta) -> dict[str, Any]:
    return {
        "article_id": chunk.article_id,
        "title": meta.title,
        "source": meta.source,
        "author": meta.author,
        "published_at": meta.published_at,
        "date": date_number(meta.published_at),
        "url": meta.url,
        "category": meta.category,
        "start": chunk.start,
        "end": chunk.end,
        "tokens": chunk.tokens,
        "index": chunk.index,
        "page": chunk.page or 0,  # 0: not paged (Chroma metadata has no null)
        "header": chunk.header,
    }


def _hit(cid: str, doc: str, meta: dict[str, Any], similarity: float, rank: int) -> Hit:
    chunk = Chunk(
        id=cid,
        article_id=str(meta.get("article_id", "")),
        text=doc,
        start=int(meta.get("start", 0)),
        end=int(meta.get("end", 0)),
        tokens=int(meta.get("tokens", 0)),
        header=str(meta.get("header", "")),
        index=int(meta.get("index", 0)),
        page=int(meta.get("page", 0)) or None,
    )
    article = ArticleMeta(
        id=chunk.article_id,
        title=str(meta.get("title", "")),
        source=str(meta.get("source", "")),
        author=str(meta.get("author", "")),
        published_at=str(meta.get("published_at", "")),
        url=str(meta.get("url", "")),
        category=str(meta.get("category", "")),
    )
    return Hit(chunk=chunk, article=article, score=similarity, dense=similarity, rank=rank)
