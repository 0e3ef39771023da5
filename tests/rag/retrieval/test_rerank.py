"""Rerankers: a tiny cross-encoder built here (no downloads), and the sentence reranker."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.retrieval.rerank import CrossEncoderReranker, SentenceReranker
from rag.types import ArticleMeta, Chunk, Hit

WORDS = [
    "the",
    "fraud",
    "trial",
    "of",
    "bankman",
    "fried",
    "jury",
    "chiefs",
    "won",
    "touchdowns",
    "kelce",
    "swift",
    "concert",
    "ftx",
    "alameda",
]


def hit(cid: str, text: str, score: float = 1.0) -> Hit:
    chunk = Chunk(
        id=cid, article_id=cid, text=text, start=0, end=len(text), tokens=len(text.split()), header="T · X"
    )
    return Hit(chunk=chunk, article=ArticleMeta(cid, "T"), score=score)


@pytest.fixture(scope="module")
def tiny_cross_encoder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import torch
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizer

    folder = tmp_path_factory.mktemp("tiny-ce")
    vocab = folder / "vocab.txt"
    vocab.write_text(
        "\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *WORDS]) + "\n", encoding="utf-8"
    )
    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=5 + len(WORDS),
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=128,
        num_labels=1,
    )
    BertForSequenceClassification(config).save_pretrained(folder)
    BertTokenizer(str(vocab)).save_pretrained(folder)
    return folder


def test_cross_encoder_reranker_orders_by_model_score(tiny_cross_encoder: Path) -> None:
    from sentence_transformers import CrossEncoder

    hits = [hit("a", "the jury heard of fraud"), hit("b", "kelce won touchdowns"), hit("c", "swift concert")]
    question = "who committed fraud at ftx"
    reranked = CrossEncoderReranker(str(tiny_cross_encoder)).rerank(question, hits)
    expected = CrossEncoder(str(tiny_cross_encoder)).predict([(question, h.chunk.embed_text) for h in hits])
    by_id = {h.chunk.id: h.rerank for h in reranked}
    assert by_id == pytest.approx(
        {h.chunk.id: float(s) for h, s in zip(hits, expected, strict=True)}, abs=1e-5
    )
    assert [h.rank for h in reranked] == [1, 2, 3]
    assert [h.rerank for h in reranked] == sorted(by_id.values(), reverse=True)
    assert CrossEncoderReranker(str(tiny_cross_encoder)).rerank(question, []) == []


def test_sentence_reranker_scores_a_chunk_by_its_best_sentence() -> None:
    hits = [
        hit("diluted", "Stocks fell. The weather was mild. Markets closed early.", 2.0),
        hit(
            "exact",
            "Kelce played well. Prosecutors say Bankman-Fried committed fraud at FTX. Other news.",
            1.0,
        ),
    ]
    idf = {"fraud": 3.0, "ftx": 3.0, "bankman-fri": 2.0}
    reranker = SentenceReranker(embedder=None, idf=lambda w: idf.get(w, 1.0))
    reranked = reranker.rerank("Did Bankman-Fried commit fraud at FTX?", hits)
    assert [h.chunk.id for h in reranked] == ["exact", "diluted"]
    assert reranked[0].rerank is not None and reranked[0].rerank > 0.5 and reranked[1].rerank == 0.0
