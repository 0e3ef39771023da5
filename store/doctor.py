"""Do the store's parts agree? The article store (SQLite), the vectors (Chroma) and the lexical index
each hold every chunk id; a killed run, a lost or rolled-back file, or a hand-deleted index makes them
drift apart, and then answers cite articles that do not exist.

:func:`check` compares chunk ids across the three (one pass over each, no texts or vectors: about a
tenth of a second for 10k chunks) and runs at every open; :func:`examine` adds SQLite's
``integrity_check`` of every file for ``rag doctor``. Chunk ids an ingest has noted as pending are
not counted as problems: a running ingest writes them before it commits their article.
"""

from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from rag.errors import StoreDamagedError
from store.articles import ArticleStore
from store.lexical import LexicalIndex
from store.sqlite import damaged, integrity_problems
from store.vectors import ChromaStore

log = logging.getLogger("osint-rag")
_SHOWN = 5  # ids quoted per problem


@dataclass(frozen=True)
class StoreFiles:
    """Where a store's parts live inside its folder (``RAG_CHROMA_PATH``)."""

    folder: Path
    collection: str = "articles"

    @property
    def articles(self) -> Path:
        return self.folder / f"{self.collection}.sqlite"

    @property
    def lexical(self) -> Path:
        return self.folder / f"{self.collection}.lexical.sqlite"

    @property
    def mirror(self) -> Path:
        """A replica's copy of the articles a Chroma server holds (store/chroma_articles.py)."""
        return self.folder / f"{self.collection}.replica.sqlite"

    @property
    def cache(self) -> Path:
        return self.folder / "embedding-cache.sqlite"

    @property
    def chroma(self) -> Path:
        return self.folder / "chroma"

    def sqlite_files(self) -> dict[str, Path]:
        files = {"articles": self.articles, "lexical": self.lexical, "cache": self.cache}
        return files | ({"mirror": self.mirror} if self.mirror.exists() else {})


@dataclass
class Consistency:
    """Counts in each part and the chunk ids on which they disagree."""

    articles: int = 0
    article_chunks: int = 0  # chunk rows in the article store
    vector_chunks: int = 0
    lexical_chunks: int = 0
    pending: int = 0  # noted by an ingest, not committed yet (running, or killed and not recovered)
    orphan_chunks: list[str] = field(default_factory=list)  # in Chroma, no committed article
    missing_chunks: list[str] = field(default_factory=list)  # an article's chunk, absent from Chroma
    articles_without_chunks: list[str] = field(default_factory=list)  # none of theirs in Chroma
    rows_without_article: list[str] = field(default_factory=list)  # chunk rows naming no article
    lexical_missing: list[str] = field(default_factory=list)  # in Chroma, not in the lexical index
    lexical_extra: list[str] = field(default_factory=list)  # in the lexical index, not in Chroma
    seconds: float = 0.0

    @property
    def consistent(self) -> bool:
        return not self.problems

    @property
    def looks_lost(self) -> bool:
        """The article store is empty while Chroma holds committed-looking chunks: the file was
        lost, truncated or replaced, not a store that was never filled."""
        return self.articles == 0 and self.article_chunks == 0 and bool(self.orphan_chunks)

    @property
    def problems(self) -> list[str]:
        """One line per disagreement, each naming what `rag repair` does about it."""
        lines = []
        if self.orphan_chunks:
            lines.append(
                f"{len(self.orphan_chunks)} chunks in Chroma belong to no stored article "
                f"(e.g. {_some(self.orphan_chunks)}): `rag repair` rebuilds their articles or drops them"
            )
        if self.missing_chunks:
            lines.append(
                f"{len(self.missing_chunks)} chunks of stored articles are missing from Chroma "
                f"(e.g. {_some(self.missing_chunks)}): `rag repair` removes those articles for re-ingest"
            )
        if self.articles_without_chunks:
            lines.append(
                f"{len(self.articles_without_chunks)} articles have no chunks "
                f"(e.g. {_some(self.articles_without_chunks)}): `rag repair` removes them for re-ingest"
            )
        if self.rows_without_article:
            lines.append(
                f"{len(self.rows_without_article)} chunk rows name no stored article "
                f"(e.g. {_some(self.rows_without_article)}): `rag repair` drops them"
            )
        if self.lexical_missing or self.lexical_extra:
            lines.append(
                f"the lexical index lacks {len(self.lexical_missing)} and has {len(self.lexical_extra)} "
                "extra chunks compared with Chroma: `rag repair` rebuilds it"
            )
        return lines

    def to_dict(self) -> dict[str, Any]:
        """Counts and problems, for /api/health and `rag doctor --json` (ids listed up to 20 each)."""
        out: dict[str, Any] = {"consistent": self.consistent, "problems": self.problems}
        for key, value in asdict(self).items():
            out[key] = value[:20] if isinstance(value, list) else value
        return out


def check(articles: ArticleStore, vectors: ChromaStore, lexical: LexicalIndex | None) -> Consistency:
    """Compare the chunk ids of the three parts (cheap enough for every open)."""
    started = time.perf_counter()
    # in the order an ingest writes (pending, Chroma, lexical, rows), read backwards, so a running
    # ingest's chunks are seen as pending or as committed, never as strays
    in_chroma = set(vectors.ids())
    pending = articles.pending()
    articles.refresh()  # a replica catches up with what other processes committed meanwhile
    in_lexical = lexical.ids() if lexical is not None else set(in_chroma)
    rows = articles.chunk_rows()
    article_ids = articles.ids()
    with_chunks = {rows[c] for c in in_chroma if c in rows}
    return Consistency(
        articles=len(article_ids),
        article_chunks=len(rows),
        vector_chunks=len(in_chroma),
        lexical_chunks=len(in_lexical),
        pending=len(pending),
        orphan_chunks=sorted(in_chroma - rows.keys() - pending),
        missing_chunks=sorted(rows.keys() - in_chroma),
        articles_without_chunks=sorted(article_ids - with_chunks),
        rows_without_article=sorted(c for c, a in rows.items() if a not in article_ids),
        lexical_missing=sorted(in_chroma - in_lexical - pending),
        lexical_extra=sorted(in_lexical - in_chroma - pending),
        seconds=round(time.perf_counter() - started, 3),
    )


def check_at_open(
    files: StoreFiles, articles: ArticleStore, vectors: ChromaStore, lexical: LexicalIndex | None
) -> Consistency:
    """What every open runs: SQLite's ``quick_check`` of the article store and the lexical index
    (a few ms each), then :func:`check`; disagreements are logged.

    Raises :class:`StoreDamagedError` for a corrupt file, and for an article store that is empty
    while Chroma holds chunks (a lost or truncated file must not pass for an empty store).
    """
    for path in (articles.path, files.lexical):
        if problems := integrity_problems(path, quick=True):
            raise damaged(path, problems[0])
    found = check(articles, vectors, lexical)
    if found.looks_lost:
        raise StoreDamagedError(
            f"{articles.where} holds no articles while Chroma holds {found.vector_chunks} chunks: "
            "it was lost, truncated or replaced; run `rag repair` to rebuild it from Chroma"
        )
    if not found.consistent:
        log.warning("store parts disagree (`rag doctor` for details): %s", "; ".join(found.problems))
    return found


@dataclass
class Examination:
    """What `rag doctor` reports: each file's integrity, then how the parts agree."""

    integrity: dict[str, list[str]] = field(default_factory=dict)  # file -> problems ([] when sound)
    consistency: Consistency | None = None
    cache_vectors: int | None = None
    lost_sources: dict[str, list[str]] = field(default_factory=dict)  # input -> its missing articles
    errors: list[str] = field(default_factory=list)  # parts that could not be opened

    @property
    def healthy(self) -> bool:
        damaged = any(self.integrity.values())
        drift = self.consistency is None or not self.consistency.consistent
        return not (damaged or drift or self.lost_sources or self.errors)

    def problems(self) -> list[str]:
        lines = [f"{name}: {'; '.join(found)}" for name, found in self.integrity.items() if found]
        lines += self.errors
        if self.consistency is not None:
            lines += self.consistency.problems
        if self.lost_sources:
            lines.append(
                f"{len(self.lost_sources)} ingested inputs name articles that are gone "
                f"(e.g. {_some(sorted(self.lost_sources))}): `rag repair` forgets them so they re-ingest"
            )
        return lines

    def to_dict(self) -> dict[str, Any]:
        return {
            "healthy": self.healthy,
            "problems": self.problems(),
            "integrity": self.integrity,
            "consistency": self.consistency.to_dict() if self.consistency is not None else None,
            "cache_vectors": self.cache_vectors,
            "lost_sources": self.lost_sources,
        }


def integrity(files: StoreFiles) -> dict[str, list[str]]:
    """SQLite ``integrity_check`` of each store file, by path ([] when sound or absent)."""
    return {str(path): integrity_problems(path) for path in files.sqlite_files().values()}


def lost_sources(articles: ArticleStore) -> dict[str, list[str]]:
    """Manifest entries (ingested inputs) naming articles the store no longer has."""
    present = articles.ids()
    lost = {o: [a for a in ids if a not in present] for o, ids in articles.origins().items()}
    return {o: ids for o, ids in lost.items() if ids}


def _some(ids: list[str]) -> str:
    shown = ", ".join(ids[:_SHOWN])
    return shown + (", …" if len(ids) > _SHOWN else "")
