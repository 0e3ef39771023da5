"""The same ingest and question against a real `chroma run` server, reached through RAG_CHROMA_URL."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from rag.assistant import Assistant
from rag.errors import BackendError
from rag.settings import load_settings
from tests.conftest import DATA_DIR, IQDEX
from tests.servers import free_port, wait_until_up

pytestmark = pytest.mark.slow  # a Chroma server


@pytest.fixture
def chroma_server(tmp_path: Path) -> Iterator[str]:
    exe = shutil.which("chroma", path=str(Path(sys.executable).parent)) or shutil.which("chroma")
    if exe is None:
        pytest.fail("the chroma CLI (from the chromadb package) is not installed")
    port = free_port()
    proc = subprocess.Popen(
        [exe, "run", "--host", "127.0.0.1", "--port", str(port), "--path", str(tmp_path / "server")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        try:
            wait_until_up(f"{url}/api/v2/heartbeat", 60, proc)
        except (RuntimeError, TimeoutError) as exc:
            pytest.fail(f"chroma server did not start: {exc}")
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_ingest_and_ask_through_a_chroma_server(
    chroma_server: str, seed_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RAG_CHROMA_URL", chroma_server)
    settings = load_settings(chroma_path=tmp_path / "local", data_dir=DATA_DIR)
    assert settings.chroma_url == chroma_server
    assistant = Assistant.from_settings(settings)
    summary = assistant.ingest([seed_path])
    assert summary.added == 1 and summary.chunks > 0
    assert not (tmp_path / "local" / "chroma").exists(), "vectors went to the server, not a local folder"
    answer = assistant.ask(IQDEX)
    assert "helicopters" in answer.text.lower() and answer.citations
    # a second client (another assistant) sees the same server-side collection
    again = Assistant.from_settings(settings)
    assert again.chunk_count() == summary.chunks


def test_unreachable_server_is_a_clear_error(tmp_path: Path) -> None:
    settings = load_settings(chroma_path=tmp_path, chroma_url=f"http://127.0.0.1:{free_port()}")
    with pytest.raises(BackendError, match="unreachable"):
        Assistant.from_settings(settings)
