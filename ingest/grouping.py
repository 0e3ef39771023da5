"""Deciding whether an incoming article is new, already stored, or a copy of a stored one.

Exact copies share the content-hash id; near-duplicates are found by MinHash LSH over the stored
signatures (loaded lazily: an unchanged re-ingest never builds the index). A source's own earlier
articles (its older versions) are never taken as its duplicates, so an edited file replaces itself.
"""

from __future__ import annotations

from ingest.dedup import NearDuplicates
from rag.types import Article, Reporter
from store.articles import ArticleStore

Pending = dict[str, Article]  # articles batched but not yet committed, by id


class Grouper:
    """Duplicate decisions for one ingest run (call :meth:`reset` at the start of each)."""

    def __init__(self, articles: ArticleStore, threshold: float = 0.8) -> None:
        self.articles = articles
        self.threshold = threshold
        self._near: NearDuplicates | None = None
        self._own: dict[str, set[str]] = {}

    def reset(self) -> None:
        self._near = None
        self._own = {}

    def canonical_of(self, article: Article, signature: bytes, origin: str, pending: Pending) -> str | None:
        """The stored (or pending) article this one duplicates, exactly or nearly; None if new."""
        if article.id in pending or self.articles.has(article.id):
            return article.id
        return self.near().find(signature, exclude=self.own_ids(origin))

    def own_ids(self, origin: str) -> set[str]:
        """Articles this source produced before (from the manifest, or left by a killed run)."""
        if origin not in self._own:
            previous = self.articles.source(origin)
            self._own = {origin: {*(previous[1] if previous else []), *self.articles.ids_from(origin)}}
        return self._own[origin]

    def same_report(self, canonical: str, article: Article, pending: Pending) -> bool:
        """True when ``article`` is the stored article itself (same origin, or same outlet and URL)."""
        stored = pending.get(canonical) or self.articles.get(canonical)
        if stored is None:
            return False
        if stored.id == article.id and stored.origin == article.origin:
            return True
        return (stored.source, stored.url) == (article.source, article.url)

    def add_reporter(self, canonical: str, article: Article, pending: Pending) -> None:
        """Record ``article``'s outlet, URL and date as "also reported by" on the canonical article."""
        reporter = Reporter(article.source, article.url, article.published_at)
        if canonical in pending:
            if reporter not in pending[canonical].also_reported_by:
                pending[canonical].also_reported_by.append(reporter)
        else:
            self.articles.add_reporter(canonical, reporter)

    def added(self, article_id: str, signature: bytes) -> None:
        self.near().add(article_id, signature)

    def removed(self, article_id: str) -> None:
        if self._near is not None:
            self._near.remove(article_id)

    def near(self) -> NearDuplicates:
        if self._near is None:
            self._near = NearDuplicates(self.threshold)
            for article_id, signature in self.articles.signatures():
                self._near.add(article_id, signature)
        return self._near
