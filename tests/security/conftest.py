"""Fixtures for the attack tests: the real app served over real HTTP on 127.0.0.1.

``serve_app(**settings)`` copies the seeded store (the seed article), builds the assistant with the
given setting overrides and serves ``app.build_app`` with uvicorn in a thread; it yields the base URL
and the assistant. Each call gets its own store copy, so tests may ingest and delete freely.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import pytest

from rag.assistant import Assistant
from rag.settings import load_settings
from tests.conftest import DATA_DIR
from tests.web.conftest import ThreadServer

ServeApp = Callable[..., AbstractContextManager[tuple[str, Assistant]]]


@pytest.fixture
def serve_app(seeded_store: Path, tmp_path: Path) -> ServeApp:
    counter = iter(range(1_000))

    @contextmanager
    def serve(**overrides: Any) -> Iterator[tuple[str, Assistant]]:
        from app import build_app

        root = tmp_path / f"app{next(counter)}"
        store = root / "store"
        shutil.copytree(seeded_store, store)
        settings = load_settings(
            chroma_path=store, cache_dir=root / "cache", data_dir=DATA_DIR, warm_sentences=False, **overrides
        )
        assistant = Assistant.from_settings(settings)
        with ThreadServer(build_app(assistant)) as server:
            yield server.base, assistant

    return serve
