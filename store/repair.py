"""`rag repair`: bring a damaged or drifted store back to one where every part agrees.

Chroma is the reference: it holds every chunk's text and the metadata of its article (title,
outlet, author, date, URL, category, offsets, page). In order:

1. a damaged SQLite file is set aside as ``<name>.damaged`` (the article store: every readable table
   is copied into a fresh file first; the lexical index and the embedding cache are rebuilt or refill);
2. chunks a killed ingest left uncommitted are dropped (as the next ingest would);
3. Chroma chunks whose article row is gone rebuild that article when all its chunks survive (the text
   is pieced together from the chunks at their exact offsets; whitespace between chunks that did not
   overlap becomes spaces), else they are dropped;
4. articles whose chunks are missing from Chroma are removed, and their inputs named for re-ingest,
   as are manifest entries naming articles that are gone;
5. the lexical index is rebuilt to hold exactly Chroma's chunks.

Fields Chroma does not keep (where the date came from, other outlets that carried the story, the
input it came from unless the manifest survived) stay empty on a rebuilt article.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from rag.types import Article
from store.articles import ArticleStore
from store.doctor import StoreFiles, check, lost_sources
from store.lexical import LexicalIndex
from store.sqlite import integrity_problems, sidecars
from store.vectors import ChromaStore

Signature = Callable[[str], bytes]  # article text -> MinHash signature (ingest.dedup.signature)
Stored = tuple[str, str, dict[str, Any]]  # a chunk as Chroma holds it: id, text, metadata
_TABLES = ("articles", "chunks", "sources", "source_articles", "minhash")


@dataclass
class RepairReport:
    """What `rag repair` did, and which inputs to ingest again."""

    actions: list[str] = field(default_factory=list)
    reingest: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"actions": self.actions, "reingest": self.reingest}


def set_aside_damaged(files: StoreFiles) -> list[str]:
    """Step 1, before anything opens the files: returns what was done."""
    actions = []
    for name, path in files.sqlite_files().items():
        problems = integrity_problems(path)
        if not problems:
            continue
        aside = path.with_name(path.name + ".damaged")
        for part in sidecars(path):
            if part.exists():
                shutil.move(part, part.with_name(part.name.replace(path.name, aside.name)))
        if name == "articles":
            copied = _salvage(aside, path)
            actions.append(
                f"{path} was damaged ({problems[0]}): set aside as {aside.name}; copied what was "
                f"readable ({copied})"
            )
        else:
            then = "a fresh one fills as you ingest" if name == "cache" else "rebuilt from Chroma"
            actions.append(f"{path} was damaged ({problems[0]}): set aside as {aside.name}; {then}")
    return actions


def repair(
    articles: ArticleStore,
    vectors: ChromaStore,
    lexical: LexicalIndex,
    signature: Signature | None = None,
) -> RepairReport:
    """Steps 2-5 on open stores (hold the store's write lock: no ingest may run meanwhile)."""
    report = RepairReport()
    if dropped := drop_uncommitted(articles, vectors, [lexical]):
        report.actions.append(f"dropped {dropped} chunks a killed ingest left uncommitted")
    found = check(articles, vectors, lexical)
    _adopt_orphans(found.orphan_chunks, articles, vectors, lexical, signature, report)
    rows = articles.chunk_rows()
    broken = set(found.articles_without_chunks) | {rows[c] for c in found.missing_chunks if c in rows}
    _remove_articles(sorted(broken & articles.ids()), articles, vectors, lexical, report)
    if found.rows_without_article:
        articles.drop_chunk_rows(found.rows_without_article)
        report.actions.append(f"dropped {len(found.rows_without_article)} chunk rows naming no article")
    for origin, missing in lost_sources(articles).items():
        articles.remove_source(origin)
        report.reingest.append(origin.split("#", 1)[0])
        report.actions.append(f"forgot input {origin} ({len(missing)} of its articles are gone)")
    added = lexical.rebuild(vectors)
    if added or found.lexical_extra:
        report.actions.append(f"lexical index rebuilt from Chroma ({added} chunks added)")
    report.reingest = sorted(set(report.reingest))
    return report


def _adopt_orphans(
    orphan_ids: Sequence[str],
    articles: ArticleStore,
    vectors: ChromaStore,
    lexical: LexicalIndex,
    signature: Signature | None,
    report: RepairReport,
) -> None:
    """Give Chroma's unclaimed chunks back to their article (rebuilt when gone), or drop them."""
    groups: dict[str, list[Stored]] = {}
    for chunk in vectors.chunks_of(list(orphan_ids)):
        groups.setdefault(str(chunk[2].get("article_id", "")), []).append(chunk)
    origins = _origins_by_article(articles)
    rebuilt = attached = unrecorded = 0
    dropped: list[str] = []
    for article_id, chunks in groups.items():
        chunks.sort(key=lambda c: int(c[2].get("index", 0)))
        existing = articles.get(article_id) if article_id else None
        if existing is not None:
            ids = articles.chunk_ids(article_id) + [c[0] for c in chunks]
            articles.put(existing, ids)
            attached += len(chunks)
        elif article_id and _complete(chunks):
            article = _rebuilt_article(article_id, chunks, origins.get(article_id, ""))
            articles.put(article, [c[0] for c in chunks], signature(article.text) if signature else None)
            rebuilt += 1
            unrecorded += not article.origin
        else:
            dropped += [c[0] for c in chunks]
    if dropped:
        vectors.delete_chunks(dropped)
        lexical.delete(dropped)
        report.actions.append(f"dropped {len(dropped)} orphan chunks (their article cannot be rebuilt)")
    if rebuilt:
        report.actions.append(f"rebuilt {rebuilt} articles from their chunks in Chroma")
    if unrecorded:
        report.actions.append(
            f"{unrecorded} rebuilt articles have no recorded input (the manifest lost them): ingest "
            "their inputs again to record them (unchanged articles are not embedded again)"
        )
    if attached:
        report.actions.append(f"re-attached {attached} chunks to their stored articles")


class ChunkDeleter(Protocol):
    def delete(self, chunk_ids: Sequence[str]) -> None: ...


def drop_uncommitted(articles: ArticleStore, vectors: ChromaStore, indexes: Sequence[ChunkDeleter]) -> int:
    """Delete the chunks a killed ingest wrote without committing their article; returns how many."""
    orphans = articles.orphans()
    if orphans:
        vectors.delete_chunks(orphans)
        for index in indexes:
            index.delete(orphans)
    articles.clear_pending()
    return len(orphans)


def _remove_articles(
    article_ids: Sequence[str],
    articles: ArticleStore,
    vectors: ChromaStore,
    lexical: LexicalIndex,
    report: RepairReport,
) -> None:
    origins = _origins_by_article(articles)
    for article_id in article_ids:
        article = articles.get(article_id)
        chunk_ids = articles.chunk_ids(article_id)
        vectors.delete_chunks(chunk_ids)
        lexical.delete(chunk_ids)
        articles.delete(article_id)
        named = origins.get(article_id) or (article.origin if article is not None else "")
        if named:
            report.reingest.append(named.split("#", 1)[0])
    if article_ids:
        report.actions.append(f"removed {len(article_ids)} articles whose chunks are missing from Chroma")


def _complete(chunks: Sequence[Stored]) -> bool:
    """Whether these are all of an article's chunks (their indexes run 0, 1, ... without a gap)."""
    return [int(c[2].get("index", -1)) for c in chunks] == list(range(len(chunks)))


def _rebuilt_article(article_id: str, chunks: Sequence[Stored], origin: str) -> Article:
    """The article as its chunks show it: ``text[start:end]`` is each chunk's text again."""
    text = ""
    pages: list[tuple[int, int]] = []
    for _, chunk_text, meta in sorted(chunks, key=lambda c: int(c[2].get("start", 0))):
        start, end = int(meta.get("start", 0)), int(meta.get("end", 0))
        if len(text) < end:
            text = text[:start].ljust(start) + chunk_text
        page = int(meta.get("page", 0))
        if page and (not pages or pages[-1][1] != page):
            pages.append((start, page))
    meta = chunks[0][2]
    return Article(
        id=article_id,
        title=str(meta.get("title", "")),
        text=text,
        source=str(meta.get("source", "")),
        author=str(meta.get("author", "")),
        published_at=str(meta.get("published_at", "")),
        url=str(meta.get("url", "")),
        category=str(meta.get("category", "")),
        origin=origin,
        ingested_at=datetime.now(UTC).isoformat(timespec="seconds"),
        pages=pages,
    )


def _origins_by_article(articles: ArticleStore) -> dict[str, str]:
    by_article: dict[str, str] = {}
    for origin, ids in articles.origins().items():
        for article_id in ids:
            by_article.setdefault(article_id, origin)
    return by_article


def _salvage(damaged: Path, target: Path) -> str:
    """Copy every table of the damaged article store that still reads into a fresh one at ``target``."""
    fresh = ArticleStore(target)
    fresh.close()
    counts = []
    source = sqlite3.connect(f"{damaged.resolve().as_uri()}?mode=ro", uri=True)
    out = sqlite3.connect(target, isolation_level=None)
    try:
        for table in _TABLES:
            try:
                cursor = source.execute(f"SELECT * FROM {table}")
                rows = cursor.fetchall()
            except sqlite3.DatabaseError:
                counts.append(f"{table}: unreadable")
                continue
            if rows:  # by column name: an older store's tables may lack later columns
                columns = ",".join(f'"{d[0]}"' for d in cursor.description)
                marks = ",".join("?" * len(cursor.description))
                out.execute("BEGIN")
                out.executemany(f"INSERT OR REPLACE INTO {table} ({columns}) VALUES ({marks})", rows)
                out.execute("COMMIT")
            counts.append(f"{table}: {len(rows)} rows")
    finally:
        source.close()
        out.close()
    return ", ".join(counts)
