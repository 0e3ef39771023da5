"""Synthetic news for bench/scale.py: articles, their chunks, stand-in vectors, and questions.

Words come from a fixed vocabulary of pronounceable pseudo-words drawn with Zipf's law, so BM25
sees news-like term statistics (a few very common words, a long tail). Each article has a topic: a
share of its words come from the topic's own 120 mid-frequency words, so an article's chunks, and a
question made of its words, have real lexical neighbours. :class:`BagOfWordsEmbedder` stands in for
the embedding model (dimension 384, as all-MiniLM-L6-v2): a text's vector is the normalized sum of
fixed random word vectors weighted by the words' information, so texts that share topic words are
near in cosine and questions have real dense neighbours too. Everything is seeded: article ``i`` is
the same in every run, which is what lets a stopped run resume.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from ingest.chunking import chunk_header
from rag.types import Article, Chunk

DIM = 384
VOCAB = 40_000
TOPICS = 500
TOPIC_WORDS = 120
TOPIC_SHARE = 0.3  # of an article's words, drawn from its topic's words
OUTLETS = 40
_SYLLABLES = [c + v for c in "bdfgklmnprstvz" for v in "aeiou"] + ["ran", "tel", "mos", "dek", "sul"]
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
Floats = npt.NDArray[np.float32]


def _vocabulary(rng: np.random.Generator) -> list[str]:
    words: set[str] = set()
    while len(words) < VOCAB:
        n = int(rng.integers(2, 5))
        words.add("".join(_SYLLABLES[i] for i in rng.integers(0, len(_SYLLABLES), n)))
    return sorted(words, key=lambda w: (len(w), w))  # short words are the common ones, as in English


@dataclass(frozen=True)
class Corpus:
    """The fixed vocabulary, topics and word vectors; ``article(i)`` makes article ``i``."""

    words: npt.NDArray[np.object_]
    cdf: npt.NDArray[np.float64]  # Zipf over the vocabulary (rank 1 = most common)
    topics: npt.NDArray[np.int64]  # (TOPICS, TOPIC_WORDS) word indexes
    weighted: Floats  # (VOCAB, DIM) word vectors times each word's information
    outlets: tuple[str, ...]
    chunks_per_article: int = 8
    words_per_chunk: int = 150

    @classmethod
    def make(cls, chunks_per_article: int = 8, words_per_chunk: int = 150, seed: int = 17) -> Corpus:
        rng = np.random.default_rng(seed)
        words = _vocabulary(rng)
        p = 1.0 / (np.arange(VOCAB) + 2.7)
        p /= p.sum()
        topics = rng.integers(300, VOCAB, size=(TOPICS, TOPIC_WORDS))
        vectors = rng.standard_normal((VOCAB, DIM)).astype(np.float32)
        weighted = vectors * (-np.log(p)).astype(np.float32)[:, None]
        outlets = tuple(
            f"The {words[5000 + i].title()} {('Times', 'Post', 'Herald', 'Wire')[i % 4]}"
            for i in range(OUTLETS)
        )
        return cls(
            np.array(words, dtype=object),
            np.cumsum(p),
            topics,
            weighted,
            outlets,
            chunks_per_article,
            words_per_chunk,
        )

    def _draw(self, rng: np.random.Generator, topic: int, n: int) -> npt.NDArray[np.int64]:
        common = np.searchsorted(self.cdf, rng.random(n) * self.cdf[-1])
        own = self.topics[topic][rng.integers(0, TOPIC_WORDS, n)]
        drawn: npt.NDArray[np.int64] = np.where(rng.random(n) < TOPIC_SHARE, own, common).astype(np.int64)
        return drawn

    def article(self, i: int) -> tuple[Article, list[Chunk], Floats]:
        """Article ``i`` (deterministic), its chunks (``text == article.text[start:end]``), their vectors."""
        rng = np.random.default_rng([17, i])
        topic = int(rng.integers(0, TOPICS))
        title_ids = self._draw(rng, topic, 7)
        day = np.datetime64("2023-01-01") + int(i % 730)
        article = Article(
            id=f"scale{i:09d}",
            title=" ".join(self.words[title_ids]).capitalize(),
            text="",
            source=self.outlets[int(rng.integers(0, OUTLETS))],
            published_at=str(day),
            url=f"https://example.org/scale/{i}",
            category=("world", "business", "technology", "politics")[i % 4],
            origin=f"scale://{i}",
        )
        parts, bags, pos = [], [], 0
        for _ in range(self.chunks_per_article):
            ids = self._draw(rng, topic, self.words_per_chunk)
            cuts = np.cumsum(rng.integers(10, 22, self.words_per_chunk // 10 + 2))
            sentences = [self.words[ids[a:b]] for a, b in zip([0, *cuts], cuts, strict=False) if a < len(ids)]
            text = " ".join(" ".join(s).capitalize() + "." for s in sentences if len(s))
            parts.append((pos, text))
            bags.append(np.concatenate([title_ids, ids]))
            pos += len(text) + 2
        article = replace(article, text="\n\n".join(t for _, t in parts))
        header = chunk_header(article)
        chunks = [
            Chunk(f"{article.id}-{j}", article.id, text, start, start + len(text), 200, header, j)
            for j, (start, text) in enumerate(parts)
        ]
        return article, chunks, self.vectors(bags)

    def vectors(self, bags: Sequence[npt.NDArray[np.int64]]) -> Floats:
        """Unit vectors of bags of word indexes (what :class:`BagOfWordsEmbedder` computes)."""
        out = np.stack([self.weighted[b].sum(axis=0) if len(b) else np.ones(DIM, np.float32) for b in bags])
        unit: Floats = (out / np.linalg.norm(out, axis=1, keepdims=True)).astype(np.float32)
        return unit

    def question(self, i: int, articles: int, about: int | None = None) -> tuple[str, str, str]:
        """Question ``i`` about one of the first ``articles`` articles (or article ``about``), that
        article's id, and the outlet the question names: four words of one of its chunks, and for
        every third question its outlet ("" for the others)."""
        rng = np.random.default_rng([18, i])
        article, chunks, _ = self.article(int(rng.integers(0, articles)) if about is None else about)
        words = chunks[int(rng.integers(0, len(chunks)))].text.lower().rstrip(".").split()
        picked = [w.strip(".") for w in rng.choice(words, 4, replace=False)]
        if i % 3 == 0:
            text = f"What did {article.source} report about {', '.join(picked[:3])} and {picked[3]}?"
            return text, article.id, article.source
        return f"What is known about {', '.join(picked[:3])} and {picked[3]}?", article.id, ""


class BagOfWordsEmbedder:
    """The stand-in for the embedding model (see the module docstring); an ``Embedder``."""

    def __init__(self, corpus: Corpus) -> None:
        self.corpus = corpus
        self.index = {str(w): i for i, w in enumerate(corpus.words)}

    @property
    def model_id(self) -> str:
        return "scale-bag-of-words-384"

    def embed(self, texts: Sequence[str]) -> Floats:
        if not texts:
            return np.zeros((0, DIM), dtype=np.float32)
        bags = [
            np.array([self.index[w] for w in _WORD.findall(t.lower()) if w in self.index], dtype=np.int64)
            for t in texts
        ]
        return self.corpus.vectors(bags)

    def embed_query(self, text: str) -> Floats:
        vector: Floats = self.embed([text])[0]
        return vector

    def count_wordpieces(self, text: str) -> int:
        return len(_WORD.findall(text))
