"""Item 6, crash leftovers: an ingest SIGKILLed right after its Chroma write leaves chunks whose
article never committed. Opening the store (not only the next ingest) must drop them, so no answer
cites an article that GET /api/articles/{id} calls 404."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
from pathlib import Path

import httpx

from rag.assistant import Assistant
from rag.components import adopt_store_embedding, document_embedder
from rag.settings import load_settings
from store.ingest_lock import IngestLock
from store.vectors import ChromaStore
from tests.conftest import DATA_DIR, REPO
from tests.ingest.crashing import rag_command
from tests.ingest.fixtures import KSTOVO_QUESTION, KSTOVO_REPORT
from tests.web.conftest import ThreadServer

REPORT, QUESTION = KSTOVO_REPORT, KSTOVO_QUESTION


def killed_ingest(store: Path, cache: Path, folder: Path, crash_at: str) -> int:
    env = {**os.environ, "RAG_CACHE_DIR": str(cache), "HF_HUB_OFFLINE": "1"}
    cmd = rag_command(crash_at, "--store", str(store), "ingest", str(folder))
    return subprocess.run(cmd, env=env, cwd=REPO, capture_output=True, timeout=300, check=False).returncode


def chunk_rows(store: Path) -> int:
    db = sqlite3.connect(store / "articles.sqlite")
    try:
        return int(db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0])
    finally:
        db.close()


def test_a_killed_ingest_leaves_nothing_to_cite_once_the_store_opens(
    seeded_store: Path, tmp_path: Path
) -> None:
    from app import build_app

    store, cache, inputs = tmp_path / "store", tmp_path / "cache", tmp_path / "in"
    shutil.copytree(seeded_store, store)
    inputs.mkdir()
    (inputs / "kstovo.md").write_text(REPORT)
    assert killed_ingest(store, cache, inputs, "upserted:1") == -signal.SIGKILL
    settings = load_settings(chroma_path=store, cache_dir=cache, data_dir=DATA_DIR, warm_sentences=False)
    embedder = document_embedder(adopt_store_embedding(settings))  # the model the store was built with
    left = ChromaStore(embedder, path=store / "chroma").count() - chunk_rows(store)
    assert left > 0, "the kill should leave uncommitted chunks in Chroma"

    with IngestLock(store).try_held() as held:  # as if another process were ingesting right now
        assert held
        running = Assistant.from_settings(settings)
        assert running.vectors.count() == chunk_rows(store) + left, "a running ingest's chunks are kept"
        assert running.consistency.consistent and running.consistency.pending == left
    del running

    assistant = Assistant.from_settings(settings)  # no ingest: opening alone recovers
    assert assistant.vectors.count() == chunk_rows(store)
    assert assistant.consistency.consistent, assistant.consistency.problems
    with ThreadServer(build_app(assistant)) as server:
        body = {"question": QUESTION, "include_hits": True}
        answer = httpx.post(f"{server.base}/api/ask", json=body, timeout=60).json()
        cited = {c["article_id"] for c in answer["citations"]} | {h["article"]["id"] for h in answer["hits"]}
        cited |= {a["id"] for a in answer["closest"]}
        assert cited, answer
        for article_id in cited:
            assert httpx.get(f"{server.base}/api/articles/{article_id}").status_code == 200, article_id
        quoted = " ".join(c["quote"] for c in answer["citations"])
        assert "Kstovo" not in quoted, "the uncommitted article was answered from"
        assert answer["abstained"] or "Kstovo" not in answer["text"]  # an abstention may name what is missing
        health = httpx.get(f"{server.base}/api/health").json()
        assert health["store"]["consistent"] is True, health
