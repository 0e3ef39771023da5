"""Item 6, damaged stores: a truncated, corrupt or rolled-back SQLite file.

A corrupt or truncated file is one line naming the file and the fix (`rag repair`, or delete the
cache) from the Python API and the CLI, and JSON from the HTTP API; a truncated article store never
looks like an empty one. Articles lost from the article store (a damaged WAL rolls it back) are
never cited, /api/health says the parts disagree, and `rag doctor` / `rag repair` find and rebuild
them from Chroma.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from rag.assistant import Assistant
from rag.errors import StoreDamagedError
from rag.settings import Settings, load_settings
from store.sqlite import sidecars
from tests.conftest import DATA_DIR, IQDEX, REPO
from tests.security.conftest import ServeApp
from tests.web.conftest import ThreadServer

pytestmark = pytest.mark.slow  # the served app and CLI runs on damaged stores

OTHER = """---
title: Border talks resume in Geneva
source: Alpine Wire
published_at: 2025-05-10
---
Negotiators from both delegations met in Geneva on Saturday to resume border talks. The mediators
said the next round would address prisoner exchanges and the reopening of two crossings.
"""


def copy_store(seeded_store: Path, tmp_path: Path) -> Settings:
    store = tmp_path / "store"
    shutil.copytree(seeded_store, store)
    for path in store.glob("*.sqlite"):  # everything into the main files, as after a clean shutdown
        db = sqlite3.connect(path)
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.close()
    return load_settings(
        chroma_path=store, cache_dir=tmp_path / "cache", data_dir=DATA_DIR, warm_sentences=False
    )


def damage(path: Path, how: str) -> None:
    for extra in sidecars(path)[1:]:
        extra.unlink(missing_ok=True)
    size = path.stat().st_size
    if how == "empty":
        path.write_bytes(b"")
    elif how == "half":
        os.truncate(path, size // 2)
    else:
        path.write_bytes(os.urandom(size))


def rag(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "RAG_CACHE_DIR": str(settings.cache_dir), "HF_HUB_OFFLINE": "1"}
    cmd = [sys.executable, "-m", "rag.cli", "--store", str(settings.chroma_path), *args]
    return subprocess.run(cmd, env=env, cwd=REPO, capture_output=True, text=True, timeout=300, check=False)


@pytest.mark.parametrize(
    ("name", "how", "fix"),
    [
        ("articles.sqlite", "empty", "rag repair"),
        ("articles.sqlite", "half", "rag repair"),
        ("articles.lexical.sqlite", "half", "rag repair"),
        ("embedding-cache.sqlite", "garbage", "delete that file"),
    ],
)
def test_a_truncated_or_corrupt_file_is_one_line_naming_it_and_the_fix(
    seeded_store: Path, tmp_path: Path, name: str, how: str, fix: str
) -> None:
    settings = copy_store(seeded_store, tmp_path)
    path = Path(settings.chroma_path) / name
    damage(path, how)
    with pytest.raises(StoreDamagedError) as raised:
        Assistant.from_settings(settings)
    message = str(raised.value)
    assert str(path) in message and fix in message and "\n" not in message, message


@pytest.mark.parametrize("name", ["articles.sqlite", "embedding-cache.sqlite"])
def test_rag_ask_on_a_corrupt_file_prints_one_line_and_fails(
    seeded_store: Path, tmp_path: Path, name: str
) -> None:
    settings = copy_store(seeded_store, tmp_path)
    path = Path(settings.chroma_path) / name
    damage(path, "garbage")
    done = rag(settings, "ask", IQDEX)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and str(path) in errors[0] and "is damaged" in errors[0], done.stderr


def test_the_api_reports_a_file_damaged_while_serving_as_json(serve_app: ServeApp) -> None:
    with serve_app() as (base, assistant):
        cache = assistant.store_files.cache
        db = sqlite3.connect(cache)
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.close()
        with cache.open("r+b") as file:  # keep the header and schema page, scramble the rows
            file.seek(4096)
            file.write(os.urandom(cache.stat().st_size - 4096))
        response = httpx.post(f"{base}/api/ask", json={"question": IQDEX}, timeout=60)
        assert response.status_code == 500, response.text
        body = response.json()
        assert body["error"] == "StoreDamagedError" and cache.name in body["detail"], body
        assert "delete that file" in body["detail"]


def test_lost_articles_are_never_cited_until_repair_rebuilds_them(seeded_store: Path, tmp_path: Path) -> None:
    from app import build_app

    settings = copy_store(seeded_store, tmp_path)
    other = tmp_path / "in" / "geneva.md"
    other.parent.mkdir()
    other.write_text(OTHER)
    assistant = Assistant.from_settings(settings)
    assert assistant.ingest([other]).added == 1
    (seed,) = [a for a in assistant.articles() if "IQDEX" in a.text]
    del assistant
    lose_article(Path(settings.chroma_path) / "articles.sqlite", seed.id)  # as a rolled-back WAL would

    assistant = Assistant.from_settings(settings)
    assert not assistant.consistency.consistent
    with ThreadServer(build_app(assistant)) as server:
        health = httpx.get(f"{server.base}/api/health").json()
        assert health["store"]["consistent"] is False, health
        assert any("belong to no stored article" in p for p in health["store"]["problems"]), health
        body = {"question": IQDEX, "include_hits": True}
        answer = httpx.post(f"{server.base}/api/ask", json=body, timeout=60).json()
        shown = {c["article_id"] for c in answer["citations"]} | {h["article"]["id"] for h in answer["hits"]}
        assert seed.id not in shown, answer
        for article_id in shown:
            assert httpx.get(f"{server.base}/api/articles/{article_id}").status_code == 200
    del assistant

    doctor = rag(settings, "doctor")
    assert doctor.returncode == 1 and "belong to no stored article" in doctor.stdout, doctor.stdout
    repair = rag(settings, "repair")
    assert repair.returncode == 0 and "rebuilt 1 articles" in repair.stdout, repair.stdout + repair.stderr
    assert rag(settings, "doctor").returncode == 0

    assistant = Assistant.from_settings(settings)
    rebuilt = assistant.article(seed.id)
    assert (rebuilt.title, rebuilt.source, rebuilt.url) == (seed.title, seed.source, seed.url)
    assert " ".join(rebuilt.text.split()) == " ".join(seed.text.split())
    answer = assistant.ask(IQDEX)
    assert seed.id in {c.article_id for c in answer.citations}
    for citation in answer.citations:
        assert assistant.article(citation.article_id).text[citation.start : citation.end] == citation.quote


def test_repair_rebuilds_an_article_store_lost_to_truncation(seeded_store: Path, tmp_path: Path) -> None:
    settings = copy_store(seeded_store, tmp_path)
    path = Path(settings.chroma_path) / "articles.sqlite"
    db = sqlite3.connect(path)  # not through an assistant: its open connection would outlive the damage
    seed_id, seed_text = db.execute("SELECT id, text FROM articles").fetchone()
    db.close()
    damage(path, "empty")
    assert rag(settings, "articles").returncode == 2, "an emptied article store must not list 0 articles"
    repair = rag(settings, "repair")
    assert repair.returncode == 0, repair.stdout + repair.stderr
    (rebuilt,) = Assistant.from_settings(settings).articles()
    assert rebuilt.id == seed_id and " ".join(rebuilt.text.split()) == " ".join(seed_text.split())


def lose_article(path: Path, article_id: str) -> None:
    db = sqlite3.connect(path)
    with db:
        for table, column in (("articles", "id"), ("chunks", "article_id"), ("minhash", "article_id")):
            db.execute(f"DELETE FROM {table} WHERE {column} = ?", (article_id,))
        origins = [
            r[0] for r in db.execute("SELECT origin FROM source_articles WHERE article_id = ?", (article_id,))
        ]
        for origin in origins:
            db.execute("DELETE FROM sources WHERE origin = ?", (origin,))
            db.execute("DELETE FROM source_articles WHERE origin = ?", (origin,))
    db.close()
