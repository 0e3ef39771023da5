from __future__ import annotations

from pathlib import Path

from ingest import dates
from ingest.clean import clean_pages, clean_text
from ingest.loaders.text import read_text


def test_unicode_whitespace_and_repeated_paragraphs(seed_path: Path) -> None:
    paragraphs = read_text(seed_path).split("\n")
    repeated = paragraphs[-3]
    assert len(repeated) > 40
    raw = "\n".join([*paragraphs[:-1], "  " + repeated.replace(" ", "  ") + " ", paragraphs[-1]])
    cleaned = clean_text(raw)
    assert cleaned.count(repeated) == 1
    assert cleaned == clean_text("\n".join(paragraphs))
    assert (
        clean_text("Cafe\u0301\u00a0 in\tKo\u0308ln\r\n\r\n\n  next\u00ad line ") == "Café in Köln\nnext line"
    )
    assert clean_text(cleaned) == cleaned


def test_clean_pages_offsets_point_at_each_page() -> None:
    text, starts = clean_pages(["  Page one text. ", "", "Page   three text."])
    assert text == "Page one text.\nPage three text."
    assert starts == [(0, 1), (15, 3)]
    assert clean_text(text) == text


def test_date_normalization_and_sources() -> None:
    assert dates.normalize_date("2023-10-05T10:00:00Z") == "2023-10-05T10:00:00+00:00"
    assert dates.normalize_date("October 5, 2023") == "2023-10-05"
    assert dates.normalize_date("not a date") == ""
    assert dates.date_from_url("https://x.example/2023/09/28/story-slug") == "2023-09-28"
    assert dates.date_from_url("https://x.example/2023/13/40/") == ""
    assert dates.resolve("", "", "https://x.example/2023-10-01-title") == ("2023-10-01", "url")
    assert dates.resolve("2023-01-02", "2023-03-04", "https://x.example/2023/05/06/") == (
        "2023-01-02",
        "metadata",
    )
    assert dates.resolve("", "2023-03-04", "") == ("2023-03-04", "page")
    page = "<html><body><p>Published 12 March 2022</p><p>text</p></body></html>"
    assert dates.date_from_html(page) == ("2022-03-12", "page")
