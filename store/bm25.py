"""An in-memory BM25 index (bm25s) over the lexical index's rows, for fast ranked search.

SQLite FTS5 keeps the chunks durably and transactionally, but its ``bm25()`` ranking visits every
chunk that shares any word with a question: about 17 ms a search over the 9,263 MultiHop-RAG
chunks, and the full pipeline runs three or four searches a question. bm25s scores the same
question against a sparse matrix in about 1.5 ms. :class:`MemoryBM25` is built from the rows in
one pass (about 2 s for those chunks) and rebuilt whenever the table changes; filters become a mask.

Words are lower-cased and stemmed with Snowball's English stemmer (PyStemmer); header and text are
indexed together; a query's stopwords are left out.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

_WORD = re.compile(r"[^\W_]+", re.UNICODE)


class Tokenizer:
    """Text -> stemmed terms (stemming memoised: news vocabularies repeat)."""

    def __init__(self) -> None:
        import Stemmer

        self._stem = Stemmer.Stemmer("english").stemWord
        self._memo: dict[str, str] = {}

    def __call__(self, text: str, stopwords: frozenset[str] = frozenset()) -> list[str]:
        """The terms of ``text``, leaving out the (lower-case) ``stopwords``."""
        out = []
        for word in _WORD.findall(text.lower()):
            if word in stopwords:
                continue
            term = self._memo.get(word)
            if term is None:
                term = self._memo[word] = self._stem(word)
            out.append(term)
        return out


@dataclass(frozen=True)
class Row:
    """What the index keeps of one chunk: its row id, words and the fields filters use."""

    rowid: int
    text: str
    source: str
    category: str
    date: int


class MemoryBM25:
    """BM25 (Lucene variant, k1 = 1.2, b = 0.75) over ``rows``; immutable once built."""

    def __init__(self, rows: Sequence[Row], tokenizer: Tokenizer, k1: float = 1.2, b: float = 0.75) -> None:
        import bm25s

        self.tokenizer = tokenizer
        self.rowids = np.array([r.rowid for r in rows], dtype=np.int64)
        self.sources = np.array([r.source for r in rows], dtype=object)
        self.categories = np.array([r.category for r in rows], dtype=object)
        self.dates = np.array([r.date for r in rows], dtype=np.int64)
        self._bm25 = bm25s.BM25(k1=k1, b=b) if rows else None
        self._vocab: dict[str, int] = {}
        self._df: npt.NDArray[np.int64] = np.zeros(0, dtype=np.int64)
        if self._bm25 is not None:
            self._bm25.index([tokenizer(r.text) for r in rows], show_progress=False)
            self._vocab = dict(self._bm25.vocab_dict)
            indptr = np.asarray(self._bm25.scores["indptr"])
            self._df = np.diff(indptr).astype(np.int64)  # chunks per term (CSC columns)

    def __len__(self) -> int:
        return len(self.rowids)

    def document_frequency(self, word: str) -> int:
        """Chunks holding ``word`` (tokenized as the index is; 0 for a stopword or unknown word)."""
        terms = [t for t in self.tokenizer(word) if t in self._vocab]
        return int(self._df[self._vocab[terms[0]]]) if terms else 0

    def top(
        self,
        query: str,
        k: int,
        sources: Sequence[str] = (),
        categories: Sequence[str] = (),
        date_from: int | None = None,
        date_to: int | None = None,
        stopwords: frozenset[str] = frozenset(),
    ) -> list[tuple[int, float]]:
        """(row id, BM25 score) of the best ``k`` chunks with a positive score that pass the filters
        (outlets, categories, dates as ``YYYYMMDD`` numbers), best first."""
        terms = [t for t in dict.fromkeys(self.tokenizer(query, stopwords)) if t in self._vocab]
        if not terms or k <= 0 or self._bm25 is None:
            return []
        scores = np.asarray(self._bm25.get_scores(terms), dtype=np.float32)
        mask = np.ones(len(scores), dtype=bool)
        if sources:
            mask &= np.isin(self.sources, list(sources))
        if categories:
            mask &= np.isin(self.categories, list(categories))
        if date_from is not None:
            mask &= self.dates >= date_from
        if date_to is not None:
            mask &= self.dates <= date_to
        scores = np.where(mask & (scores > 0), scores, 0.0)
        n = min(k, int(np.count_nonzero(scores)))
        if n == 0:
            return []
        best = np.argpartition(-scores, n - 1)[:n]
        best = best[np.lexsort((best, -scores[best]))]  # by score, ties by row order
        return [(int(self.rowids[i]), float(scores[i])) for i in best]
