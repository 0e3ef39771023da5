"""What the workspace shows, without a server: answer HTML, the sources panel, filters, uploads, streaming."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from rag.errors import InputError
from rag.types import Answer, Article, ArticleMeta, Chunk, Citation, Filters, Hit
from web import render, service

TEXT = "Intro sentence here. The <b>DAPA</b> confirmed talks at IQDEX 2025. Closing words follow."
QUOTE = "The <b>DAPA</b> confirmed talks at IQDEX 2025."
START = TEXT.index(QUOTE)


def citation(n: int = 1, chunk_id: str = "c1") -> Citation:
    return Citation(
        n=n,
        article_id="a1",
        title="Arms & <Exports>",
        source="OSINTSights",
        published_at="2025-04-23T10:00:00",
        url="https://example.org/a?x=1&y=2",
        quote=QUOTE,
        start=START,
        end=START + len(QUOTE),
        chunk_id=chunk_id,
    )


def answer(**changes: Any) -> Answer:
    chunk = Chunk("c1", "a1", TEXT[5:80], 5, 80, 20)
    hit = Hit(chunk, ArticleMeta("a1", "Arms & <Exports>", "OSINTSights", published_at="2025-04-23"))
    base = Answer(question="Q?", text=f"{QUOTE} [1] Also [7].", citations=[citation()], hits=[hit])
    for key, value in changes.items():
        setattr(base, key, value)
    return base


def test_answer_markers_link_to_their_citation_and_text_is_escaped() -> None:
    html = render.answer_markdown(answer(), turn=3)
    assert '<a class="cite-ref" href="#cite-3-1" data-n="1">[1]</a>' in html
    assert "[7]" in html and "cite-3-7" not in html  # no citation 7: left as plain text
    assert "<b>" not in html and "&lt;b&gt;DAPA" in html


def test_unsupported_sentences_and_abstention_are_shown_plainly() -> None:
    flagged = render.answer_markdown(
        answer(text="Claim one. [1] Made-up claim.", unsupported=["Made-up claim."]), 1
    )
    assert '<span class="unsupported"' in flagged and "1 sentence not supported" in flagged
    abstained = render.answer_markdown(answer(text="The articles do not answer this.", abstained=True), 1)
    assert "No answer in the ingested articles" in abstained
    panel = render.sources_turn_html(answer(abstained=True, citations=[]), 1, lambda _: None)
    assert (
        "No ingested article answers" in panel
        and "Closest articles" in panel
        and "Arms &amp; &lt;Exports&gt;" in panel
    )
    nearest = answer(abstained=True, citations=[], closest=[ArticleMeta("z9", "Nearby story", "Wire")])
    panel = render.sources_turn_html(nearest, 1, lambda _: None)
    assert "Nearby story" in panel and "Arms &amp;" not in panel  # Answer.closest wins over the hits


def test_quote_is_marked_inside_the_chunk_it_came_from() -> None:
    passage, start, end = render.citation_passage(citation(), answer(), lambda _: None)
    assert passage == TEXT[5:80] and passage[start:end] == QUOTE
    html = render.sources_turn_html(answer(), 2, lambda _: None)
    assert (
        'id="cite-2-1"' in html and f"<mark>{QUOTE.replace('<', '&lt;').replace('>', '&gt;')}</mark>" in html
    )
    assert "OSINTSights · 2025-04-23" in html and 'href="https://example.org/a?x=1&amp;y=2"' in html


def test_passage_falls_back_to_the_article_then_to_the_quote() -> None:
    no_chunk = answer(hits=[])
    passage, start, end = render.citation_passage(citation(), no_chunk, lambda _: TEXT)
    assert passage[start:end] == QUOTE and passage.startswith("Intro")
    long_text = "word " * 200 + QUOTE + " tail" * 200
    cited = citation()
    cited.start = long_text.index(QUOTE)
    cited.end = cited.start + len(QUOTE)
    passage, start, end = render.citation_passage(cited, no_chunk, lambda _: long_text)
    assert passage.startswith("… ") and passage.endswith(" …") and passage[start:end] == QUOTE
    assert len(passage) < 2 * render.PASSAGE_CONTEXT + len(QUOTE) + 10
    assert render.citation_passage(citation(), no_chunk, lambda _: None) == (QUOTE, 0, len(QUOTE))


def test_sources_panel_shows_only_the_newest_answer() -> None:
    turns = [render.sources_turn_html(answer(), n, lambda _: None) for n in (1, 2)]
    panel = render.sources_panel(turns)
    assert panel.count('class="turn current"') == 1 and panel.index('data-turn="1"') < panel.index("current")
    assert "click a [n]" in render.sources_panel([])
    filtered = answer(filters=Filters(sources=["OSINTSights"], date_from="2025-01-01"))
    assert "Filters: outlets OSINTSights; dates from 2025-01-01" in render.sources_turn_html(
        filtered, 1, lambda _: None
    )


def test_article_rows_search_title_outlet_and_id() -> None:
    articles = [
        Article("a1", "Arms to Iraq", "t", "OSINTSights", published_at="2025-04-23"),
        Article("b2", "Cranes", "t", "Gazette"),
    ]
    rows = render.article_rows(articles, {"a1": 4}, "")
    assert rows == [
        ["a1", "Arms to Iraq", "OSINTSights", "2025-04-23", 4],
        ["b2", "Cranes", "Gazette", "", 0],
    ]
    assert [r[0] for r in render.article_rows(articles, {}, "gazette")] == ["b2"]
    assert [r[0] for r in render.article_rows(articles, {}, "A1")] == ["a1"]


def test_filters_urls_and_uploads_are_validated(tmp_path: Path) -> None:
    filters = service.make_filters(["OSINTSights", ""], " 2025-04-01 ", "2025-04-30", [])
    assert filters == Filters(sources=["OSINTSights"], date_from="2025-04-01", date_to="2025-04-30")
    assert service.make_filters().is_empty()
    for bad in ("2025-4-1x", "April"):
        with pytest.raises(InputError, match="YYYY-MM-DD"):
            service.make_filters(date_from=bad)
    with pytest.raises(InputError, match="empty"):
        service.make_filters(date_from="2025-05-01", date_to="2025-04-01")
    assert service.parse_urls(" https://a.org/x \nhttp://b.org/feed.xml https://a.org/x") == [
        "https://a.org/x",
        "http://b.org/feed.xml",
    ]
    with pytest.raises(InputError, match="file:///etc"):
        service.parse_urls(["file:///etc/passwd"])
    saved = service.save_upload(tmp_path, "../../etc/My Article.md", io.BytesIO(b"# hi"), 100)
    assert saved.parent.parent == tmp_path and saved.name == "My_Article.md" and saved.read_bytes() == b"# hi"
    assert service.save_upload(tmp_path, "other.md", io.BytesIO(b"# hi"), 100).parent == saved.parent
    with pytest.raises(InputError, match="larger"):
        service.save_upload(tmp_path, "big.md", io.BytesIO(b"x" * 101), 100)
    with pytest.raises(InputError, match="empty"):
        service.save_upload(tmp_path, "empty.md", io.BytesIO(b""), 100)


@dataclass
class Event:
    delta: str = ""
    answer: Answer | None = None


class Streaming:
    """Stands in for an assistant's ``stream``: deltas, then the verified answer."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def stream(self, question: str, filters: Filters | None = None, history: Any = None) -> Iterator[Event]:
        self.calls.append({"question": question, "history": history})
        yield Event("Draft ")
        yield Event("text.")
        yield Event(answer=Answer(question=question, text="Verified text. [1]"))


def test_stream_uses_the_assistant_stream_and_passes_history() -> None:
    fake = Streaming()
    history = [{"role": "user", "content": "earlier"}, {"role": "assistant", "content": "reply"}]
    events = list(service.stream(fake, "Q?", None, history))  # type: ignore[arg-type]
    assert [text for text, _ in events] == ["Draft ", "Draft text.", "Verified text. [1]"]
    assert events[-1][1] is not None and all(a is None for _, a in events[:-1])
    assert fake.calls == [{"question": "Q?", "history": history}]


def test_quote_is_marked_inside_an_excerpt_of_separate_pieces() -> None:
    intro, closing = TEXT.index("Intro"), TEXT.index("Closing")
    spans = ((intro, intro + len("Intro sentence here.")), (closing, len(TEXT)))
    text = " … ".join(TEXT[a:b] for a, b in spans)
    chunk = Chunk("c1@x", "a1", text, spans[0][0], spans[1][1], 10, spans=spans)
    cited = citation(chunk_id="c1@x")
    cited.quote, cited.start, cited.end = "Closing words follow.", closing, len(TEXT)
    hit = Hit(chunk, ArticleMeta("a1", "Arms", "OSINTSights"))
    passage, start, end = render.citation_passage(cited, answer(hits=[hit]), lambda _: None)
    assert passage == text and passage[start:end] == "Closing words follow."
    cited.quote, cited.start, cited.end = QUOTE, START, START + len(QUOTE)  # between the pieces
    passage, start, end = render.citation_passage(cited, answer(hits=[hit]), lambda _: TEXT)
    assert passage[start:end] == QUOTE and passage != text  # shown from the article instead
