"""The lexical index: BM25 ranking (bm25s in memory and FTS5, both rankers), filters, transactions,
changes made by another connection, and staying in step with Chroma."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from rag.assistant import Assistant
from rag.settings import Settings
from rag.types import ArticleMeta, Chunk, Filters
from store.lexical import LexicalIndex, match_expression


def _chunk(cid: str, article: str, text: str, header: str = "") -> Chunk:
    return Chunk(
        id=cid, article_id=article, text=text, start=0, end=len(text), tokens=len(text.split()), header=header
    )


@pytest.fixture(params=["bm25s", "fts5"])
def index(tmp_path: Path, request: pytest.FixtureRequest) -> LexicalIndex:
    lex = LexicalIndex(tmp_path / "lex.sqlite", ranker=request.param)
    metas = {
        "a1": ArticleMeta("a1", "FTX trial", "TechCrunch", published_at="2023-10-07", category="technology"),
        "a2": ArticleMeta("a2", "Chiefs win", "Sporting News", published_at="2023-11-20", category="sports"),
    }
    lex.add(
        [
            _chunk(
                "c1", "a1", "Bankman-Fried is accused of fraud for personal gain.", "FTX trial · TechCrunch"
            ),
            _chunk(
                "c2", "a1", "The jury heard from Caroline Ellison about Alameda.", "FTX trial · TechCrunch"
            ),
            _chunk(
                "c3",
                "a2",
                "Travis Kelce caught two touchdowns as the Chiefs won.",
                "Chiefs win · Sporting News",
            ),
        ],
        metas,
    )
    return lex


def test_bm25_ranks_matching_chunks_first_and_fills_hits(index: LexicalIndex) -> None:
    hits = index.search("Who was accused of fraud?", 10)
    assert [h.chunk.id for h in hits][:1] == ["c1"]
    top = hits[0]
    assert top.rank == 1 and top.lexical is not None and top.lexical > 0
    assert (top.article.source, top.article.published_at, top.chunk.header) == (
        "TechCrunch",
        "2023-10-07",
        "FTX trial · TechCrunch",
    )
    # words of the header are searchable too, the text alone would not match
    assert [h.chunk.id for h in index.search("Sporting", 5)] == ["c3"]


def test_search_applies_source_date_and_category_filters(index: LexicalIndex) -> None:
    query = "fraud Alameda touchdowns Chiefs"
    assert {h.chunk.id for h in index.search(query, 10)} == {"c1", "c2", "c3"}
    assert {h.chunk.id for h in index.search(query, 10, Filters(sources=["Sporting News"]))} == {"c3"}
    assert {h.chunk.id for h in index.search(query, 10, Filters(categories=["technology"]))} == {"c1", "c2"}
    assert {h.chunk.id for h in index.search(query, 10, Filters(date_from="2023-11-01"))} == {"c3"}
    assert {h.chunk.id for h in index.search(query, 10, Filters(date_to="2023-10-07"))} == {"c1", "c2"}
    assert index.search(query, 10, Filters(sources=["TechCrunch"], date_from="2023-10-08")) == []


def test_query_syntax_is_never_interpreted() -> None:
    assert (
        match_expression('fraud AND "x" NEAR(a b) -c*')
        == '"fraud" OR "and" OR "x" OR "near" OR "a" OR "b" OR "c"'
    )
    assert match_expression("the of", stopwords={"the", "of"}) == ""


def test_readd_replaces_and_delete_removes(index: LexicalIndex) -> None:
    meta = {"a1": ArticleMeta("a1", "FTX trial", "TechCrunch")}
    index.add([_chunk("c1", "a1", "Completely different words now.")], meta)
    assert index.count() == 3
    assert "c1" not in {h.chunk.id for h in index.search("fraud", 10)}
    index.delete(["c1", "unknown"])
    assert index.ids() == {"c2", "c3"}


def test_search_sees_writes_of_another_connection(index: LexicalIndex) -> None:
    assert index.search("Ellison", 5)[0].chunk.id == "c2"  # the in-memory ranker is built now
    other = LexicalIndex(index.path)  # e.g. `rag ingest` in another process while the UI serves
    other.add([_chunk("c9", "a2", "Patrick Mahomes thanked Ellison.")], {"a2": ArticleMeta("a2", "t", "X")})
    other.delete(["c2"])
    assert [h.chunk.id for h in index.search("Ellison", 5)] == ["c9"]


def test_stems_match_and_frequencies_follow_the_rows(index: LexicalIndex) -> None:
    assert [h.chunk.id for h in index.search("touchdown catches", 5)] == [
        "c3"
    ]  # "touchdown" matches "touchdowns"
    assert index.document_frequency("trial") == 2 and index.document_frequency("zeppelin") == 0
    assert index.idf("Kelce") > index.idf("trial") > 0
    index.delete(["c3"])
    assert index.document_frequency("Kelce") == 0


def test_failed_add_writes_nothing(index: LexicalIndex) -> None:
    before = index.ids()
    with pytest.raises(KeyError):  # the second chunk has no article metadata: the batch rolls back
        index.add([_chunk("n1", "a1", "new"), _chunk("n2", "missing", "new")], {"a1": ArticleMeta("a1", "t")})
    assert index.ids() == before


def _write(path: Path, records: list[dict[str, str]]) -> None:
    path.write_text(json.dumps(records), encoding="utf-8")


def _records(corpus_path: Path, n: int) -> list[dict[str, str]]:
    records: list[dict[str, str]] = json.loads(corpus_path.read_text(encoding="utf-8"))[:n]
    return records


def _chroma_ids(assistant: Assistant) -> set[str]:
    return {cid for cid, _ in assistant.vectors.all_metadata()}


@pytest.mark.slow
def test_index_follows_ingest_update_prune_and_delete(
    settings: Settings, corpus_path: Path, tmp_path: Path
) -> None:
    assistant = Assistant.from_settings(settings)
    lexical = assistant.ingestor.indexes[0]
    assert isinstance(lexical, LexicalIndex)
    feed = tmp_path / "feed.json"
    records = _records(corpus_path, 3)
    _write(feed, records)
    assistant.ingest([feed])
    assert lexical.ids() == _chroma_ids(assistant) and lexical.count() > 3

    # update: one article's text changes, another disappears from the file (pruned)
    changed = dict(records[0], body=records[0]["body"] + "\n\nZanzibarquux announced a late correction.")
    _write(feed, [changed, records[1]])
    summary = assistant.ingest([feed])
    assert summary.updated >= 1
    assert lexical.ids() == _chroma_ids(assistant)
    assert [h.article.title for h in lexical.search("Zanzibarquux", 5)][:1] == [records[0]["title"]]
    assert all(h.article.title != records[2]["title"] for h in lexical.search(records[2]["title"], 50))
    old_ids = {h.article.id for h in lexical.search(records[0]["title"], 50)}
    assert len(old_ids & {a.id for a in assistant.articles()}) == len(old_ids)  # no orphan article

    # delete through the API
    victim = next(a for a in assistant.articles() if a.title == records[1]["title"])
    assistant.delete_article(victim.id)
    assert lexical.ids() == _chroma_ids(assistant)
    assert all(h.article.id != victim.id for h in lexical.search(records[1]["title"], 50))


def test_store_without_index_is_rebuilt_from_chroma(
    settings: Settings, corpus_path: Path, tmp_path: Path
) -> None:
    feed = tmp_path / "feed.json"
    _write(feed, _records(corpus_path, 2))
    first = Assistant.from_settings(settings)
    first.ingest([feed])
    expected = _chroma_ids(first)
    lexical = first.ingestor.indexes[0]
    assert isinstance(lexical, LexicalIndex)
    lexical.clear()  # as if the store predates the lexical index
    lexical.add([_chunk("stale", "x", "left over")], {"x": ArticleMeta("x", "gone")})

    reopened = Assistant.from_settings(settings)
    rebuilt = reopened.ingestor.indexes[0]
    assert isinstance(rebuilt, LexicalIndex)
    assert rebuilt.ids() == expected
    hit = rebuilt.search(_records(corpus_path, 1)[0]["title"], 1)
    assert hit and hit[0].article.title == _records(corpus_path, 1)[0]["title"] and hit[0].chunk.header


def test_an_added_article_is_searchable_at_once_while_the_index_is_rebuilt(tmp_path: Path) -> None:
    lex = LexicalIndex(tmp_path / "lex.sqlite", ranker="bm25s")
    meta = {"a1": ArticleMeta("a1", "FTX trial", "TechCrunch", published_at="2023-10-07")}
    lex.add([_chunk("c1", "a1", "Bankman-Fried is accused of fraud for personal gain.")], meta)
    first = lex.memory()  # the first index is built before the first search
    assert [h.chunk.id for h in lex.search("fraud", 5)] == ["c1"]
    lex.add(
        [_chunk("c9", "a9", "Hanwha will build howitzers in Poland.")],
        {"a9": ArticleMeta("a9", "Howitzers", "Reuters", published_at="2023-11-01")},
    )
    # the old index is stale: a rebuild (held here, as a slow one at 100,000 chunks would be) runs in
    # the background and FTS5 answers meanwhile; a search that waited for the rebuild would hang here
    found: list[list[str]] = []
    with lex._build_lock:
        asker = threading.Thread(
            target=lambda: found.append([h.chunk.id for h in lex.search("howitzers", 5)])
        )
        asker.start()
        asker.join(10)
        assert found == [["c9"]]
        assert lex.document_frequency("howitzers") == 1
    for _ in range(200):  # the background rebuild takes milliseconds here
        if lex._memory is not None and lex._memory[1] is not first and not lex._rebuilding:
            break
        threading.Event().wait(0.05)
    rebuilt = lex._fresh_memory()
    assert rebuilt is not None and rebuilt is not first and len(rebuilt) == 2
    assert [h.chunk.id for h in lex.search("howitzers Poland", 5)] == ["c9"]
