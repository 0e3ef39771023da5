"""Each format through its loader, on files the tests build (no model, no store)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingest.clean import clean_text
from ingest.loaders import RawInput, detect_format, load
from rag.errors import InputError
from rag.types import Article, IngestFailure
from tests.ingest import fixtures


def articles(raw: RawInput) -> list[Article]:
    return [a for a in load(raw) if isinstance(a, Article)]


def test_text_file_in_cp1252_is_decoded() -> None:
    text = "Café owners in Köln reported “record” sales on 5 October 2023.\nSecond line."
    [article] = articles(RawInput("/x/cafe.txt", text.encode("cp1252")))
    assert "Café owners in Köln" in article.text and "“record”" in article.text
    assert article.title.startswith("Café owners")
    assert (article.published_at, article.date_provenance) == ("2023-10-05", "page")


def test_markdown_front_matter_gives_metadata(seed_path: Path) -> None:
    [article] = articles(RawInput(str(seed_path), seed_path.read_bytes()))
    assert article.source == "OSINTSights"
    assert (article.published_at, article.date_provenance) == ("2025-04-23", "metadata")
    assert article.url.startswith("https://osintsights.com/2025/04/23/")
    assert article.title.startswith("South Korea")


def test_html_main_text_without_boilerplate_and_metadata() -> None:
    raw = RawInput("/x/page.htm", fixtures.html_page().encode())
    [article] = articles(raw)
    text = clean_text(article.text)
    assert "radar systems were delivered" in text
    for junk in ("Subscribe now", "cookies", "All rights reserved", "Home"):
        assert junk not in text
    assert article.title == "Radar deliveries confirmed"
    assert (article.source, article.author) == ("Defense Wire", "Jane Analyst")
    assert article.url == "https://defensewire.example/news/radar-deliveries"
    assert (article.published_at, article.date_provenance) == ("2023-10-05", "metadata")


def test_html_date_from_url_when_page_has_none() -> None:
    html = (
        "<html><body><article>"
        + "<p>Plain story text without any date at all here.</p>" * 5
        + "</article></body></html>"
    )
    [article] = articles(
        RawInput(
            "https://news.example/2023/11/14/story",
            html.encode(),
            url="https://news.example/2023/11/14/story",
        )
    )
    assert (article.published_at, article.date_provenance) == ("2023-11-14", "url")


def test_page_with_no_article_text_is_refused() -> None:
    html = "<html><body><nav><a href='/'>Home</a></nav></body></html>"
    with pytest.raises(InputError, match="no article text"):
        articles(RawInput("/x/empty.html", html.encode()))


def test_pdf_keeps_page_offsets() -> None:
    pages = [
        "First page says the convoy left Kherson at dawn.",
        "Second page says it reached Odesa by night.",
    ]
    [article] = articles(RawInput("/x/brief.pdf", fixtures.pdf_bytes(pages)))
    assert [p for _, p in article.pages] == [1, 2]
    second = article.pages[1][0]
    assert article.text[second:].startswith("Second page says")
    assert article.text[: second - 1] == "First page says the convoy left Kherson at dawn."
    assert article.title == "Quarterly Brief" and article.author == "Brief Team"
    assert article.published_at.startswith("2023-11-05") and article.date_provenance == "metadata"


def test_corrupt_pdf_is_refused() -> None:
    with pytest.raises(InputError, match=r"corrupt|unreadable|no extractable"):
        articles(RawInput("/x/bad.pdf", b"%PDF-1.4\n1 0 obj garbage\n%%EOF"))


def test_docx(tmp_path: Path) -> None:
    path = fixtures.write_docx(
        tmp_path / "memo.docx", "Border memo", ["Troops moved east.", "Supply lines held."]
    )
    [article] = articles(RawInput(str(path), path.read_bytes()))
    assert article.title == "Border memo" and article.author == "Desk Officer"
    assert "Troops moved east." in article.text and "Supply lines held." in article.text
    assert article.published_at.startswith("2023-11-02")


def test_json_multihop_and_generic_shapes_with_bad_records() -> None:
    multihop = [
        {
            "title": "A",
            "author": None,
            "source": "Wire",
            "published_at": "2023-10-01T10:00:00+00:00",
            "category": "world",
            "url": "https://w.example/a",
            "body": "Body A.",
        },
        "not an object",
        {"title": "no text"},
    ]
    loaded = list(load(RawInput("/x/c.json", json.dumps(multihop).encode())))
    assert isinstance(loaded[0], Article) and loaded[0].source == "Wire" and loaded[0].author == ""
    assert loaded[0].published_at == "2023-10-01T10:00:00+00:00"
    assert [f.path for f in loaded if isinstance(f, IngestFailure)] == ["/x/c.json#1", "/x/c.json#2"]
    generic = {
        "title": "G",
        "text": "Generic text.",
        "outlet": "Daily",
        "authors": ["X", "Y"],
        "date": "Nov 3, 2023",
        "link": "https://d.example/g",
        "tags": ["politics"],
    }
    lines = json.dumps(generic) + "\n{broken\n"
    loaded = list(load(RawInput("/x/g.jsonl", lines.encode())))
    article = loaded[0]
    assert isinstance(article, Article)
    assert (article.source, article.author, article.category, article.url) == (
        "Daily",
        "X, Y",
        "politics",
        "https://d.example/g",
    )
    assert article.published_at == "2023-11-03"
    assert isinstance(loaded[1], IngestFailure) and "malformed JSON" in loaded[1].reason


def test_malformed_json_file_is_refused() -> None:
    with pytest.raises(InputError, match="malformed JSON"):
        list(load(RawInput("/x/bad.json", b'[{"title": "x", ')))


def test_feeds_recognised_by_content_with_broken_entries() -> None:
    feed = fixtures.rss(
        [
            {
                "title": "One",
                "link": "https://f.example/1",
                "author": "ann@f.example (Ann)",
                "date": "Tue, 03 Oct 2023 10:00:00 GMT",
                "text": "<p>Entry one text.</p>",
            },
            {"title": "Empty", "link": "https://f.example/2"},
        ]
    )
    for name in ("/x/feed.xml", "/x/feed.txt", "/x/feed"):
        raw = RawInput(name, feed.encode())
        assert detect_format(raw) == "feed"
        loaded = list(load(raw))
        [article] = [a for a in loaded if isinstance(a, Article)]
        assert (article.url, article.source, article.published_at) == (
            "https://f.example/1",
            "Wire Feed",
            "2023-10-03T10:00:00+00:00",
        )
        assert article.author and article.text == "Entry one text."
        assert [f.path for f in loaded if isinstance(f, IngestFailure)] == [f"{name}#1"]
    atom = fixtures.atom(
        "Atom Wire", "Atom story", "Atom body text.", "https://a.example/s", "2023-12-01T08:00:00Z"
    )
    [article] = articles(RawInput("/x/a.atom", atom.encode()))
    assert (article.author, article.url, article.published_at[:10]) == (
        "Atom Author",
        "https://a.example/s",
        "2023-12-01",
    )


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("/x/empty.txt", b"", "empty"),
        ("/x/blob.txt", bytes(range(256)) * 8, "binary"),
        ("/x/notes.xml", b"<?xml version='1.0'?><config><a>1</a></config>", "not an RSS"),
        ("/x/image.png", b"\x89PNG\r\n\x1a\n....", "unsupported"),
        ("/x/fake.docx", b"just text", "not a valid DOCX"),
    ],
)
def test_bad_inputs_are_refused_with_a_reason(name: str, data: bytes, reason: str) -> None:
    with pytest.raises(InputError, match=reason):
        list(load(RawInput(name, data)))
