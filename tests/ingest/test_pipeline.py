"""Ingest end to end through the Python API and the CLI: real model, real Chroma in a temp dir."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rag.assistant import Assistant
from rag.cli import main
from rag.settings import Settings
from tests.ingest import fixtures

STORY = (
    "The port authority said three cargo ships were inspected in Constanța on Monday. "
    "Inspectors found undeclared drone components in two containers. "
    "The shipments were bound for a logistics company registered in Dubai. "
    "Romanian prosecutors opened an investigation into the freight forwarder. "
    "A spokesperson declined to name the manufacturer of the components."
)


def write_corpus(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "notes.txt").write_text(
        "Field notes 2023-10-02\nThe bridge at Zatoka was struck again overnight."
    )
    (folder / "story.md").write_text(
        "---\ntitle: Drone parts seized\nsource: Black Sea Monitor\ndate: 2023-10-09\n"
        "url: https://bsm.example/2023/10/09/drones\n---\n" + STORY
    )
    (folder / "page.html").write_text(fixtures.html_page())
    (folder / "brief.pdf").write_bytes(
        fixtures.pdf_bytes(
            [
                "Page one: the brigade rotated to Kupiansk in October.",
                "Page two: artillery duels continued near Svatove.",
            ]
        )
    )
    fixtures.write_docx(
        folder / "memo.docx",
        "Border memo",
        ["Troops moved east of the river.", "Supply lines held overnight."],
    )
    records = [
        {
            "title": "Wire report",
            "source": "Wire",
            "published_at": "2023-11-01T00:00:00+00:00",
            "url": "https://wire.example/r",
            "body": "Ceasefire talks resumed in Doha on Wednesday.",
        }
    ]
    (folder / "sub").mkdir(exist_ok=True)
    (folder / "sub" / "records.json").write_text(json.dumps(records))
    (folder / "sub" / "feed.xml").write_text(
        fixtures.rss(
            [
                {
                    "title": "Feed &#039;story&#039; &amp; more",  # entities, as exports carry them
                    "link": "https://f.example/1",
                    "date": "Tue, 03 Oct 2023 10:00:00 GMT",
                    "text": "Grain exports through the corridor rose in September.",
                }
            ]
        )
    )
    (folder / "drafts").mkdir(exist_ok=True)
    (folder / "drafts" / "draft.md").write_text("# Draft\nNot for ingest.")
    return folder


def test_every_format_through_the_python_api(assistant: Assistant, tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "in")
    summary = assistant.ingest([corpus], exclude=["drafts/*"])
    assert summary.failed == []
    assert (summary.added, summary.files) == (7, 7)
    assert summary.chunks == assistant.chunk_count() > 0 and summary.embedded == summary.chunks
    by_title = {a.title: a for a in assistant.articles()}
    assert "Draft" not in by_title
    assert by_title["Drone parts seized"].date_provenance == "metadata"
    assert by_title["Radar deliveries confirmed"].source == "Defense Wire"
    assert by_title["Feed 'story' & more"].url == "https://f.example/1"  # entities read, not shown
    pdf = by_title["Quarterly Brief"]
    assert [p for _, p in pdf.pages] == [1, 2]
    chunk_ids = assistant.article_store.chunk_ids(pdf.id)
    pages = {h.chunk.page for h in assistant.vectors.get(chunk_ids)}
    assert pages == {1}  # one small chunk starting on page 1
    only = assistant.ingest([corpus], include=["*.pdf"])
    assert (only.files, only.unchanged, only.added) == (1, 1, 0)


def test_bad_input_never_loses_good_input(
    settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "good.md").write_text("---\ntitle: Good\nsource: S\n---\n" + STORY)
    (folder / "empty.txt").write_bytes(b"")
    (folder / "binary.txt").write_bytes(bytes(range(256)) * 20)
    (folder / "corrupt.pdf").write_bytes(b"%PDF-1.7\n1 0 obj <<< broken")
    (folder / "huge.txt").write_text("word " * 30_000)
    (folder / "bad.json").write_text('[{"title": "x", "body": ')
    (folder / "nav.html").write_text(
        "<html><body><nav><a href='/'>Home</a> | <a href='/a'>About</a></nav></body></html>"
    )
    (folder / "feed.xml").write_text(
        fixtures.rss(
            [
                {"title": "Ok", "link": "https://f.example/ok", "text": "Feed text survives."},
                {"title": "Broken"},
            ]
        )
    )
    store = str(tmp_path / "store")
    args = ["--store", store, "ingest", "--json", str(folder), "http://127.0.0.1:9/unreachable"]
    env = {
        "RAG_MAX_FILE_MB": "0.1",
        "RAG_CACHE_DIR": str(settings.cache_dir),
        "RAG_FETCH_TIMEOUT_S": "3",
        "RAG_FETCH_ALLOW_PRIVATE": '["127.0.0.0/8"]',  # else refused before it is found unreachable
    }
    with pytest.MonkeyPatch.context() as mp:
        for key, value in env.items():
            mp.setenv(key, value)
        assert main(args) == 0
        summary = json.loads(capsys.readouterr().out)
        assert main([*args[:3], "--strict", *args[3:]]) == 1
    assert summary["added"] == 2
    reasons = {Path(f["path"]).name: f["reason"] for f in summary["failed"]}
    expected = {
        "empty.txt": "empty",
        "binary.txt": "binary",
        "corrupt.pdf": "PDF",
        "huge.txt": "cap",
        "bad.json": "malformed JSON",
        "nav.html": "no article text",
        "feed.xml#1": "no text",
        "unreachable": "unreachable",
    }
    assert set(reasons) == set(expected)
    for name, word in expected.items():
        assert word in reasons[name], (name, reasons[name])


def test_changed_input_replaces_its_chunks_and_reuses_cached_embeddings(
    assistant: Assistant, tmp_path: Path
) -> None:
    path = tmp_path / "story.md"
    long_story = "\n".join(f"{STORY} Paragraph {i} adds detail number {i}." for i in range(12))
    path.write_text("---\ntitle: Seizure\nsource: Monitor\n---\n" + long_story)
    first = assistant.ingest([path])
    old_chunks = set(assistant.article_store.chunk_ids(first.article_ids[0]))
    path.write_text(
        "---\ntitle: Seizure\nsource: Monitor\n---\n" + long_story + "\nAn update was added at the end."
    )
    second = assistant.ingest([path])
    assert (second.added, second.updated) == (0, 1)
    [article] = assistant.articles()
    assert article.text.endswith("An update was added at the end.")
    new_chunks = set(assistant.article_store.chunk_ids(article.id))
    assert not old_chunks & new_chunks
    assert assistant.chunk_count() == len(new_chunks)
    assert 0 < second.embedded < second.chunks  # unchanged passages came from the embedding cache


def test_prune_deletes_articles_whose_source_is_gone(assistant: Assistant, tmp_path: Path) -> None:
    folder = tmp_path / "f"
    folder.mkdir()
    (folder / "a.md").write_text("# A\n" + STORY)
    (folder / "b.txt").write_text("B notes\nGrain exports through the corridor rose in September.")
    assistant.ingest([folder])
    (folder / "b.txt").unlink()
    kept = assistant.ingest([folder])
    assert (kept.removed, len(assistant.articles())) == (0, 2)
    pruned = assistant.ingest([folder], prune=True)
    assert pruned.removed == 1
    assert [a.title for a in assistant.articles()] == ["A"]
    assert assistant.chunk_count() == len(assistant.article_store.chunk_ids(assistant.articles()[0].id))


def test_near_duplicate_is_grouped_under_the_first_copy(assistant: Assistant, tmp_path: Path) -> None:
    body = "\n".join(f"{STORY} Detail {i} of the report." for i in range(6))
    (tmp_path / "a.md").write_text(
        f"---\ntitle: Seizure\nsource: Outlet A\ndate: 2023-10-09\nurl: https://a.example/s\n---\n{body}"
    )
    (tmp_path / "b.md").write_text(
        f"---\ntitle: Seizure (syndicated)\nsource: Outlet B\ndate: 2023-10-10\nurl: https://b.example/s\n---\n"
        f"Reporting by our correspondent.\n{body}\nFollow Outlet B for more."
    )
    (tmp_path / "c.md").write_text(
        "---\ntitle: Other\nsource: Outlet C\n---\n" + STORY.replace("drone", "rifle") + " Unrelated ending."
    )
    first = assistant.ingest([tmp_path / "a.md", tmp_path / "c.md"])
    assert first.added == 2
    summary = assistant.ingest([tmp_path / "b.md"])
    assert (summary.added, summary.duplicates) == (0, 1)
    canonical = next(a for a in assistant.articles() if a.source == "Outlet A")
    assert [(r.source, r.url, r.published_at) for r in canonical.also_reported_by] == [
        ("Outlet B", "https://b.example/s", "2023-10-10")
    ]
    assert len(assistant.articles()) == 2
    again = assistant.ingest([tmp_path / "b.md"])
    assert (again.unchanged, again.duplicates) == (1, 0)
