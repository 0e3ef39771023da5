"""The full retrieval pipeline: understand the question, search per part, boost, rerank, diversify.

1. Parse the question (:mod:`rag.retrieval.query`): outlets named, dates, recency.
2. One hybrid search over everything the caller's filters allow, plus one per named outlet
   (restricted to that outlet), all with the same query vector; merged by reciprocal rank fusion, so
   each outlet the question names brings its own evidence even when another outlet dominates.
3. Soft boosts: chunks from articles published in a date range the question names, or recent ones
   when it asks for the latest.
4. Rerank the top candidates (cross-encoder when configured, else the sentence reranker), blended
   with the fused rank.
5. Diversify: at most ``per_article`` chunks of one article in the top ``k`` (the rest follow).
6. Passages (the calibrated ``passage_mode``): each of the top ``k`` becomes an excerpt of its
   article's sentences that bear on the question (:mod:`rag.retrieval.excerpts`, the default) or grows
   with its neighbouring sentences (:mod:`rag.retrieval.windows`), within ``passage_tokens``; a hit
   with nothing left to show beside a better passage of its article is dropped.

User filters (:class:`~rag.types.Filters`) are hard restrictions applied to every search; outlet
names in them may be aliases ("CNBC").
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import date

from rag.calibration import calibrated
from rag.retrieval.fusion import RRF_K, interleave, renumber, rrf
from rag.retrieval.hybrid import HybridSearcher
from rag.retrieval.query import OutletMatcher, ParsedQuestion, QuestionParser
from rag.retrieval.rerank import Reranker
from rag.retrieval.sentences import PassageBuilder
from rag.types import Filters, Hit


@dataclass(kw_only=True)
class PipelineConfig:
    """Knobs of :class:`PipelineRetriever` (see the module docstring). ``candidates``, ``rerank_depth``
    and ``per_article`` default to the calibrated ``candidates``, ``rerank_depth`` and
    ``per_article_cap`` (rag/calibration.json); the rest are the pipeline's own constants."""

    candidates: int = calibrated("candidates")  # per search
    max_outlet_searches: int = 8
    merge: str = "interleave"  # how the searches combine: "interleave" (round-robin) or "rrf"
    part_text: bool = True  # search each part with its own clause (else the whole question)
    part_dates: bool = True  # and, when the part names a date, also within that date
    outlet_weight: float = 1.0  # rrf only: weight of each per-outlet list (the global one is 1)
    date_boost: float = 0.25  # relative boost for articles in a named date range
    recency_boost: float = 0.3  # relative boost for the newest week when asked for the latest
    rerank_depth: int = calibrated("rerank_depth")
    rerank_weight: float = 0.5  # 0: fused order only, 1: reranker order only
    per_article: int = calibrated("per_article_cap")
    widen_spare: int = 5  # extra hits handed to the widener, to fill in for the ones it drops
    search_threads: int = 4  # the searches of one question run side by side (1: one after another)


class PipelineRetriever:
    """The ``full`` retrieval mode; a :class:`~rag.retrieval.Retriever`."""

    def __init__(
        self,
        *,
        searcher: HybridSearcher,
        parser: QuestionParser,
        reranker: Reranker | None = None,
        config: PipelineConfig | None = None,
        widener: PassageBuilder | None = None,
    ) -> None:
        self.searcher = searcher
        self.widener = widener
        self.parser = parser
        self.reranker = reranker
        self.config = config or PipelineConfig()

    @property
    def matcher(self) -> OutletMatcher:
        return self.parser.matcher

    def resolve_filters(self, filters: Filters | None) -> Filters | None:
        """Filters with outlet aliases replaced by the store's outlet names."""
        if filters is None or not filters.sources:
            return filters
        sources = [o for name in filters.sources for o in self.matcher.resolve(name)]
        return replace(filters, sources=list(dict.fromkeys(sources)))

    def retrieve(self, question: str, k: int, filters: Filters | None = None) -> list[Hit]:
        parsed = self.parser.parse(question)
        return self.retrieve_parsed(parsed, k, filters)

    def retrieve_parsed(self, parsed: ParsedQuestion, k: int, filters: Filters | None = None) -> list[Hit]:
        """Run steps 2-5 for an already parsed question."""
        cfg = self.config
        filters = self.resolve_filters(filters)
        question = parsed.question
        vector = self.searcher.embed(question)
        specs = [(question, filters), *self.sub_searches(parsed, filters)[: cfg.max_outlet_searches]]
        if len(specs) == 1 or cfg.search_threads <= 1:
            lists = [self.searcher.search(text, cfg.candidates, sub, vector) for text, sub in specs]
        else:  # Chroma and SQLite release the GIL: one part's dense search overlaps another's BM25
            pool = _pool(cfg.search_threads)
            lists = list(
                pool.map(lambda spec: self.searcher.search(spec[0], cfg.candidates, spec[1], vector), specs)
            )
        weights = [1.0] + [cfg.outlet_weight] * (len(lists) - 1)
        if len(lists) == 1:
            fused = lists[0]
        elif cfg.merge == "interleave":  # scores become rank-based, so boosts act on positions
            fused = [replace(h, score=1.0 / (RRF_K + h.rank)) for h in interleave(lists)]
        else:
            fused = rrf(lists, weights)
        fused = self._boost(fused, parsed)
        if self.reranker is not None and fused:
            fused = self._rerank(question, fused)
        if self.widener is None:
            return diversify(fused, k, cfg.per_article)
        spare = diversify(fused, k + cfg.widen_spare, cfg.per_article)  # widening may drop covered hits
        return self.widener.widen(question, spare, k)

    def sub_searches(self, parsed: ParsedQuestion, filters: Filters | None) -> list[tuple[str, Filters]]:
        """(text, filters) of each part's own search: its outlets, and its date when it names one."""
        base = filters or Filters()
        specs: list[tuple[str, Filters]] = []
        dated: list[tuple[str, Filters]] = []
        for part in parsed.parts:
            outlets = [o for o in part.outlets if not base.sources or o in base.sources]
            if not outlets:
                continue
            text = part.text if self.config.part_text and part.text else parsed.question
            specs.append((text, replace(base, sources=outlets)))
            for r in part.dates if self.config.part_dates else []:
                if r.start is not None and r.end is not None:
                    start = max(r.start.isoformat(), base.date_from or "")
                    end = min(r.end.isoformat(), base.date_to or "9999")
                    dated.append((text, replace(base, sources=outlets, date_from=start, date_to=end)))
        unique: dict[str, tuple[str, Filters]] = {}
        for text, sub in dated + specs:
            unique.setdefault(repr((text, sub)), (text, sub))
        return list(unique.values())

    def _boost(self, hits: list[Hit], parsed: ParsedQuestion) -> list[Hit]:
        cfg = self.config
        if not hits or not (parsed.dates or parsed.recency):
            return hits
        days = [d for d in (_day(h) for h in hits) if d is not None]
        newest = max(days, default=None)
        boosted = []
        for hit in hits:
            factor = 1.0
            day = _day(hit)
            if day and any(r.contains(day) for r in parsed.dates):
                factor += cfg.date_boost
            if day and newest and parsed.recency and not parsed.dates:
                factor += cfg.recency_boost * max(0.0, 1.0 - (newest - day).days / 7.0)
            boosted.append(replace(hit, score=hit.score * factor))
        boosted.sort(key=lambda h: -h.score)
        return renumber(boosted)

    def _rerank(self, question: str, hits: list[Hit]) -> list[Hit]:
        cfg = self.config
        assert self.reranker is not None
        head, tail = hits[: cfg.rerank_depth], hits[cfg.rerank_depth :]
        reranked = self.reranker.rerank(question, head)
        if cfg.rerank_weight >= 1.0:
            return renumber(reranked + tail)
        # blend the two orders by reciprocal rank, so neither a noisy reranker nor fusion dominates
        fused_rank = {h.chunk.id: h.rank for h in head}
        scores = {
            h.chunk.id: cfg.rerank_weight / (10 + h.rank)
            + (1 - cfg.rerank_weight) / (10 + fused_rank[h.chunk.id])
            for h in reranked
        }
        by_id = {h.chunk.id: h for h in reranked}
        order = sorted(by_id, key=lambda cid: -scores[cid])
        return renumber([replace(by_id[c], score=scores[c]) for c in order] + tail)


def diversify(hits: Sequence[Hit], k: int, per_article: int) -> list[Hit]:
    """Top ``k`` with at most ``per_article`` chunks per article (filled up from the rest if short)."""
    if per_article <= 0:
        return renumber(hits[:k])
    counts: dict[str, int] = {}
    kept: list[Hit] = []
    spill: list[Hit] = []
    for hit in hits:
        n = counts.get(hit.chunk.article_id, 0)
        if n < per_article:
            counts[hit.chunk.article_id] = n + 1
            kept.append(hit)
        else:
            spill.append(hit)
        if len(kept) >= k:
            break
    return renumber((kept + spill)[:k])


_POOLS: dict[int, ThreadPoolExecutor] = {}
_POOLS_LOCK = threading.Lock()


def _pool(workers: int) -> ThreadPoolExecutor:
    """One shared pool per size: the per-question searches of every retriever in the process."""
    with _POOLS_LOCK:
        if workers not in _POOLS:
            _POOLS[workers] = ThreadPoolExecutor(workers, thread_name_prefix="rag-search")
        return _POOLS[workers]


def _day(hit: Hit) -> date | None:
    try:
        return date.fromisoformat(hit.article.published_at[:10])
    except ValueError:
        return None
