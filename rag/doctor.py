"""`rag doctor` and `rag repair` over the store the settings name (see store/doctor.py, store/repair.py).

Both open the parts one by one, without :class:`rag.Assistant` (which refuses a damaged store) and
without loading the embedding model (nothing here embeds).
"""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass

from rag.calibration import load_calibration
from rag.components import adopt_store_embedding, document_embedder, open_vectors
from rag.errors import RagError
from rag.offline import configure
from rag.settings import Settings
from store.articles import ArticleStore
from store.cache import EmbeddingCache
from store.doctor import Examination, StoreFiles, check, integrity, lost_sources
from store.ingest_lock import IngestLock
from store.lexical import LexicalIndex
from store.repair import RepairReport, repair, set_aside_damaged
from store.vectors import ChromaStore


@dataclass
class StoreParts:
    articles: ArticleStore
    vectors: ChromaStore
    lexical: LexicalIndex

    def close(self) -> None:
        self.articles.close()
        self.lexical.close()


def store_files(settings: Settings) -> StoreFiles:
    return StoreFiles(settings.chroma_path, settings.collection)


def open_parts(settings: Settings) -> StoreParts:
    """The article store, Chroma and the lexical index (StoreDamagedError if a file is corrupt)."""
    configure(settings.cache_dir)
    files = store_files(settings)
    settings = adopt_store_embedding(settings)  # the runtime the store was built with, unless set
    embedder = document_embedder(settings)  # loads nothing until asked to embed; Chroma checks its name
    vectors = open_vectors(settings, embedder)
    ranker = load_calibration().lexical_ranker
    if vectors.url is not None:  # a replica: this process's copies, brought up to date with the server
        from store.replica import open_replica

        replica, lexical = open_replica(files, vectors, ranker, poll_s=0)
        return StoreParts(replica, vectors, lexical)
    articles = ArticleStore(files.articles)
    try:
        return StoreParts(articles, vectors, LexicalIndex(files.lexical, ranker=ranker))
    except BaseException:
        articles.close()
        raise


def examine_store(settings: Settings) -> Examination:
    """Every check `rag doctor` makes; parts that cannot be opened are reported, not raised."""
    files = store_files(settings)
    found = Examination(integrity=integrity(files))
    try:
        parts = open_parts(settings)
    except RagError as exc:
        if not any(found.integrity.values()):  # else integrity already says which file is damaged
            found.errors.append(str(exc))
        return found
    with ExitStack() as stack:
        stack.callback(parts.close)
        found.consistency = check(parts.articles, parts.vectors, parts.lexical)
        found.lost_sources = lost_sources(parts.articles)
        if files.cache.exists() and not found.integrity.get(str(files.cache)):
            cache = EmbeddingCache(files.cache)
            stack.callback(cache.close)
            found.cache_vectors = cache.count()
    return found


def repair_store(settings: Settings) -> tuple[RepairReport, Examination] | None:
    """Repair the store, then examine it again; None (nothing done) while an ingest runs on it."""
    from ingest.dedup import signature

    files = store_files(settings)
    with IngestLock(files.folder).try_held() as free:
        if not free:
            return None
        actions = set_aside_damaged(files)
        parts = open_parts(settings)
        try:
            report = repair(parts.articles, parts.vectors, parts.lexical, signature)
        finally:
            parts.close()
    report.actions[:0] = actions
    return report, examine_store(settings)


def format_examination(found: Examination, settings: Settings) -> str:
    lines = [
        f"store {settings.chroma_path}"
        + (f" (Chroma at {settings.chroma_url})" if settings.chroma_url else "")
    ]
    c = found.consistency
    if c is not None:
        lines.append(
            f"  article store: {c.articles} articles, {c.article_chunks} chunks, {c.pending} pending"
        )
        lines.append(f"  chroma: {c.vector_chunks} chunks")
        lines.append(f"  lexical index: {c.lexical_chunks} chunks")
    if found.cache_vectors is not None:
        lines.append(f"  embedding cache: {found.cache_vectors} vectors")
    for path, problems in found.integrity.items():
        lines.append(f"  integrity {path}: {'; '.join(problems) if problems else 'ok'}")
    problems = found.problems()
    lines.append("problems:" if problems else "no problems found")
    lines += [f"  - {p}" for p in problems]
    return "\n".join(lines)


def format_repair(report: RepairReport, after: Examination) -> str:
    lines = [f"- {a}" for a in report.actions] or ["nothing to repair"]
    if report.reingest:
        lines.append("ingest these inputs again to restore what could not be rebuilt:")
        lines.append("  rag ingest " + " ".join(f"'{o}'" for o in report.reingest))
    remaining = after.problems()
    lines.append("the store is consistent now" if not remaining else "still wrong:")
    lines += [f"  - {p}" for p in remaining]
    return "\n".join(lines)
