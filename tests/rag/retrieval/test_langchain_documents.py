"""Hits <-> LangChain Documents, and any BaseRetriever as the chain's search (no model, no store)."""

from __future__ import annotations

import datetime as dt

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever

from rag.retrieval.langchain import document_to_hit, hit_search, hit_to_document, passes
from rag.text import count_tokens
from rag.types import ArticleMeta, Chunk, Filters, Hit

TEXT = "Customs seized 40 drones at the port. … The shipment came from Izmir."


def excerpt_hit() -> Hit:
    chunk = Chunk(
        id="c-7",
        article_id="a-1",
        text=TEXT,
        start=120,
        end=260,
        tokens=17,
        header="Drones seized — Port Monitor — 2024-03-02",
        index=3,
        page=2,
        spans=((120, 156), (229, 260)),
    )
    article = ArticleMeta(
        "a-1", "Drones seized", "Port Monitor", "K. Ito", "2024-03-02", "https://x.org/1", "trade"
    )
    return Hit(chunk, article, score=0.71, dense=0.6, lexical=None, rerank=None, rank=2)


class ListRetriever(BaseRetriever):
    """A LangChain user's own retriever: returns its documents in order, whatever the query."""

    docs: list[Document]

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        return list(self.docs)


def test_our_documents_read_back_as_the_very_same_hits() -> None:
    hit = excerpt_hit()
    doc = hit_to_document(hit)
    assert doc.id == "c-7" and doc.page_content == TEXT
    assert doc.metadata["article_id"] == "a-1" and doc.metadata["published_at"] == "2024-03-02"
    assert (doc.metadata["start"], doc.metadata["end"], doc.metadata["spans"]) == (
        120,
        260,
        "120-156;229-260",
    )
    assert document_to_hit(doc, rank=9) == hit  # the stored rank wins over the position


def test_a_foreign_document_gets_a_stable_id_and_is_its_own_passage() -> None:
    doc = Document(
        page_content="Officials said the ferry resumed on Monday.", metadata={"source": "notes.txt"}
    )
    hit = document_to_hit(doc, rank=1)
    again = document_to_hit(Document(page_content=doc.page_content, metadata={"source": "notes.txt"}), rank=4)
    other = document_to_hit(Document(page_content="A different passage."), rank=1)
    assert hit.article.id == again.article.id and hit.chunk.id == again.chunk.id
    assert hit.article.id != other.article.id and hit.chunk.id != other.chunk.id
    assert (hit.chunk.start, hit.chunk.end, hit.chunk.text) == (0, len(doc.page_content), doc.page_content)
    assert hit.chunk.pieces() == [(0, doc.page_content)] and hit.chunk.tokens == count_tokens(
        doc.page_content
    )
    assert hit.article.source == "notes.txt" and hit.rank == 1 and hit.score == 0.0


def test_split_chunks_of_one_file_share_its_article_and_keep_their_offsets() -> None:
    text = "First sentence of the file. Second sentence of the file."
    a = Document(page_content=text[:27], metadata={"source": "f.txt", "start_index": 0})
    b = Document(page_content=text[28:], metadata={"source": "f.txt", "start_index": 28})
    ha, hb = document_to_hit(a), document_to_hit(b)
    assert ha.article.id == hb.article.id != document_to_hit(Document(page_content=text[:27])).article.id
    assert ha.chunk.id != hb.chunk.id
    assert all(text[s : s + len(p)] == p for h in (ha, hb) for s, p in h.chunk.pieces())


def test_a_foreign_retriever_is_searched_with_the_questions_k_and_filters() -> None:
    docs = [
        Document(page_content=f"Passage {n} about the port.", metadata={"source": src, "published_at": day})
        for n, (src, day) in enumerate(
            [
                ("Wire A", dt.date(2024, 1, 5)),
                ("Wire B", dt.date(2024, 2, 5)),
                ("Wire A", dt.date(2024, 3, 5)),
            ]
        )
    ]
    search = hit_search(ListRetriever(docs=docs))
    hits = search("port?", 2, None)
    assert [h.chunk.text for h in hits] == ["Passage 0 about the port.", "Passage 1 about the port."]
    assert [h.rank for h in hits] == [1, 2] and hits[1].article.published_at == "2024-02-05"
    only_a = search("port?", 5, Filters(sources=["Wire A"], date_from="2024-02-01"))
    assert [(h.chunk.text, h.rank) for h in only_a] == [("Passage 2 about the port.", 1)]


def test_filters_are_hard_limits_on_document_metadata() -> None:
    hit = excerpt_hit()
    assert passes(hit, None) and passes(hit, Filters())
    assert passes(hit, Filters(sources=["Port Monitor"], categories=["trade"], date_to="2024-03-02"))
    assert not passes(hit, Filters(sources=["Other"]))
    assert not passes(hit, Filters(categories=["sport"]))
    assert not passes(hit, Filters(date_from="2024-03-03"))
    undated = document_to_hit(Document(page_content="No date here."))
    assert not passes(undated, Filters(date_to="2030-01-01"))
