"""The loading half of the pipeline, run on a background thread while the other half embeds.

For each source it reads the bytes (capped), skips it when its fingerprint matches the manifest,
loads, cleans and chunks its articles and computes their MinHash signatures, and emits events in
order. Nothing here writes to a store.

With a :class:`Shard` (``rag ingest --shard i/n``) only the articles whose id hashes to shard ``i``
of ``n`` are emitted, so several machines can fill one Chroma server with disjoint parts. Each
shard keeps its own manifest entry per input (``<origin>#shard-i-of-n``) naming only its articles,
so a shard's rerun skips what it did, and no shard ever removes another's articles as stale.
"""

from __future__ import annotations

import hashlib
import html
import queue
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from ingest import dedup
from ingest.addresses import AddressPolicy
from ingest.chunking import ChunkingConfig, chunk_article
from ingest.clean import clean_text, content_hash
from ingest.fetch import Source, read
from ingest.loaders import load
from rag.errors import InputError
from rag.types import Article, Chunk, IngestFailure
from store.articles import ArticleStore

_SHARD_KEY = re.compile(r"#shard-\d+-of-\d+$")


@dataclass(frozen=True)
class Shard:
    """Shard ``index`` of ``count`` (0-based): the articles whose id hashes to ``index`` mod ``count``."""

    index: int
    count: int

    @classmethod
    def parse(cls, text: str) -> Shard:
        """``"i/n"`` -> Shard(i, n); InputError unless 0 <= i < n."""
        match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text)
        if match is None or not int(match[1]) < int(match[2]):
            raise InputError(
                f"shard {text!r} is not i/n with 0 <= i < n: give each of n machines one of "
                f"0/n ... (n-1)/n, e.g. --shard 0/2 on one and --shard 1/2 on the other"
            )
        return cls(int(match[1]), int(match[2]))

    def owns(self, article_id: str) -> bool:
        digest = hashlib.sha1(article_id.encode("utf-8")).digest()
        return int.from_bytes(digest[:8], "big") % self.count == self.index

    def key(self, origin: str) -> str:
        """This shard's manifest entry for ``origin``."""
        return f"{origin}#shard-{self.index}-of-{self.count}"


def manifest_origin(key: str) -> str:
    """The input a manifest entry is about (a shard's entry names its input with a suffix)."""
    return _SHARD_KEY.sub("", key)


@dataclass
class Ready:
    """A cleaned, chunked article (chunks empty when the article is already stored)."""

    origin: str
    article: Article
    chunks: list[Chunk]
    signature: bytes


@dataclass
class SourceDone:
    """Every article of ``origin`` has been emitted; ``previous``: the ids it yielded before (those its
    manifest entry records, and any a killed run committed); ``recorded``: the manifest's alone."""

    origin: str
    fingerprint: str
    size: int
    previous: list[str]
    recorded: list[str] = field(default_factory=list)
    failed: list[IngestFailure] = field(default_factory=list)
    unchanged: bool = False
    error: str = ""  # the whole source failed
    key: str = ""  # its manifest entry (the origin, or a shard's entry for it)
    foreign: int = 0  # articles left to other shards

    def __post_init__(self) -> None:
        self.key = self.key or self.origin


Event = Ready | SourceDone


@dataclass
class Producer:
    """Turns sources into events on a bounded queue (``None`` marks the end)."""

    sources: Sequence[Source]
    articles: ArticleStore
    chunking: ChunkingConfig
    count_wordpieces: Callable[[str], int]
    max_bytes: int
    timeout_s: float
    policy: AddressPolicy = field(default_factory=AddressPolicy)
    shard: Shard | None = None
    events: queue.Queue[Event | None] = field(default_factory=lambda: queue.Queue(maxsize=512))
    stop: threading.Event = field(default_factory=threading.Event)
    error: BaseException | None = None

    def start(self) -> threading.Thread:
        thread = threading.Thread(target=self._run, name="ingest-loader", daemon=True)
        thread.start()
        return thread

    def _put(self, event: Event | None) -> None:
        while not self.stop.is_set():
            try:
                self.events.put(event, timeout=0.2)
                return
            except queue.Full:
                continue

    def _run(self) -> None:
        try:
            for source in self.sources:
                if self.stop.is_set():
                    return
                self._source(source)
        except BaseException as exc:  # handed to the consumer, which re-raises it
            self.error = exc
        finally:
            self._put(None)

    def _source(self, source: Source) -> None:
        key = self.shard.key(source.origin) if self.shard else source.origin
        previous = self.articles.source(key)
        recorded = previous[1] if previous else []
        # a killed run may have committed articles of this source before recording it in the manifest
        old_ids = list(dict.fromkeys([*recorded, *self._mine(self.articles.ids_from(source.origin))]))
        try:
            raw = read(source, self.max_bytes, self.timeout_s, self.policy)
        except InputError as exc:
            self._put(SourceDone(source.origin, "", 0, old_ids, recorded, error=str(exc), key=key))
            return
        fingerprint = hashlib.sha1(raw.data).hexdigest()
        size = len(raw.data)
        if (
            previous
            and previous[0] == fingerprint
            and len(self.articles.existing(recorded)) == len(set(recorded))
        ):
            done = SourceDone(source.origin, fingerprint, size, recorded, recorded, unchanged=True, key=key)
            self._put(done)
            return
        done = SourceDone(source.origin, fingerprint, size, old_ids, recorded, key=key)
        try:
            for item in load(raw):
                if isinstance(item, IngestFailure):
                    done.failed.append(item)
                    continue
                ready = self._prepare(source.origin, item)
                if ready is None:
                    done.failed.append(IngestFailure(item.origin or source.origin, "no article text"))
                elif not self._mine([ready.article.id]):
                    done.foreign += 1
                else:
                    self._put(ready)
        except InputError as exc:
            done.error = str(exc)
        except Exception as exc:  # a parser choking on bad input must not stop the other inputs
            done.error = f"{source.origin}: unreadable ({type(exc).__name__}: {exc})"
        self._put(done)

    def _mine(self, article_ids: list[str]) -> list[str]:
        """Those of ``article_ids`` this run's shard owns (all of them without a shard)."""
        shard = self.shard
        return article_ids if shard is None else [a for a in article_ids if shard.owns(a)]

    def _prepare(self, origin: str, raw: Article) -> Ready | None:
        text = clean_text(raw.text)
        if not text.strip():
            return None
        raw.text = text
        raw.id = content_hash(text)
        # feeds and JSON exports often carry HTML entities in titles ("&#039;Massive intel failure&#039;")
        raw.title = clean_text(html.unescape(raw.title)).replace("\n", " ") or "(untitled)"
        raw.ingested_at = datetime.now(UTC).isoformat(timespec="seconds")
        chunks: list[Chunk] = []
        if self._mine([raw.id]) and not self.articles.has(raw.id):
            chunks = chunk_article(raw, self.chunking, self.count_wordpieces)
            for chunk in chunks:
                chunk.page = page_at(raw.pages, chunk.start)
        return Ready(origin, raw, chunks, dedup.signature(text))


def page_at(pages: Sequence[tuple[int, int]], offset: int) -> int | None:
    """The page holding character ``offset`` given (start offset, page number) pairs."""
    page = None
    for start, number in pages:
        if start > offset:
            break
        page = number
    return page
