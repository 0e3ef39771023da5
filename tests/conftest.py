"""Shared fixtures: offline environment, the real embedding model, temp stores, the shared data.

Outbound network is blocked by pytest-socket (see addopts in pyproject: only loopback is allowed).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

# Before anything imports chromadb, gradio or transformers.
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from rag.offline import configure
from rag.settings import Settings, load_settings

REPO = Path(__file__).resolve().parents[1]
DATA_DIR = Path(os.environ.get("RAG_DATA_DIR", REPO.parent / "shared" / "data"))
SEED = DATA_DIR / "seed" / "south-korea-arms-exports-iraq.md"
CORPUS = DATA_DIR / "multihop_rag" / "corpus.json"
DEV_QUERIES = DATA_DIR / "multihop_rag" / "dev_queries.json"
IQDEX = "Which systems were discussed at IQDEX?"


@pytest.fixture(scope="session", autouse=True)
def offline_env(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return configure(tmp_path_factory.mktemp("cache"))


def require(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"shared data not found at {path}: set RAG_DATA_DIR to the data folder")
    return path


@pytest.fixture
def seed_path() -> Path:
    return require(SEED)


@pytest.fixture
def corpus_path() -> Path:
    return require(CORPUS)


@pytest.fixture
def dev_queries_path() -> Path:
    return require(DEV_QUERIES)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings(chroma_path=tmp_path / "store", cache_dir=tmp_path / "cache", data_dir=DATA_DIR)


@pytest.fixture
def assistant(settings: Settings) -> Iterator[object]:
    from rag.assistant import Assistant

    yield Assistant.from_settings(settings)


@pytest.fixture(scope="session")
def seeded_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store holding the seed article, built once per session (read-only for tests)."""
    from rag.assistant import Assistant

    store = tmp_path_factory.mktemp("seeded") / "store"
    Assistant.from_settings(load_settings(chroma_path=store, data_dir=DATA_DIR)).ingest([require(SEED)])
    return store
