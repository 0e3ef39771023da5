"""Shared fixtures: offline environment, the real embedding model, temp stores, the shared data.

Outbound network is blocked by pytest-socket (see addopts in pyproject: only loopback is allowed).

Tiers: ``pytest -m "not slow"`` (``make test-fast``) is the fast tier; ``slow`` marks tests that serve the
app, drive a browser, use the full corpus, start a Chroma server, an LLM or other processes, or took over
~2 s in ``pytest --durations=0`` (``pytestmark``/``@pytest.mark.slow`` in the test files, and
:data:`SLOW_PATHS` here for files edited elsewhere or without ``import pytest``). ``browser`` and ``llm``
tests are ``slow`` too.

Skips: a test that needs the shared data calls :func:`require` (directly or through the ``seed_path``,
``corpus_path``, ``dev_queries_path`` and ``seeded_store`` fixtures), which skips with the one reason
:data:`DATA_MISSING`. When the data is there (``corpus.json`` exists) such a skip fails the run. Browser
tests skip with :data:`BROWSER_MISSING` when Debian's chromium is absent (``make browser`` installs it).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# Before anything imports chromadb, gradio or transformers.
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from rag.offline import configure
from rag.settings import Settings, load_settings

pytest_plugins = ["pytester"]  # tests/test_skips.py runs these hooks in a pytest of its own

REPO = Path(__file__).resolve().parents[1]
DATA_DIR = Path(os.environ.get("RAG_DATA_DIR", REPO.parent / "shared" / "data"))
SEED = DATA_DIR / "seed" / "south-korea-arms-exports-iraq.md"
CORPUS = DATA_DIR / "multihop_rag" / "corpus.json"
DEV_QUERIES = DATA_DIR / "multihop_rag" / "dev_queries.json"
IQDEX = "Which systems were discussed at IQDEX?"
DATA_MISSING = f"shared data not found under {DATA_DIR}: set RAG_DATA_DIR to the data folder"
CHROMIUM = Path("/usr/bin/chromium")  # the one tests/web/browsing.py drives
BROWSER_MISSING = f"chromium not found at {CHROMIUM}: `make browser` installs Debian's chromium"
# Slow tests marked here by node id: a folder (ending in /), a file, or one test (all its parameters).
# The rest carry ``pytestmark = pytest.mark.slow`` or ``@pytest.mark.slow`` in their files.
SLOW_PATHS = (
    "tests/bench/",  # bench/scale.py runs, seconds each
    "tests/web/test_api.py",  # `rag serve` processes and the served app
    "tests/web/test_library.py",  # the served app; a failed ingest logged by `rag serve`
    "tests/security/test_crash_recovery.py",  # kills an ingest process
    "tests/security/test_ingest_jobs.py",  # the served app, drip-fed URLs
    "tests/security/test_ingest_lock.py",  # an ingest stuck on a drip-fed URL
    "tests/security/test_injection_served.py",  # the served app
    "tests/security/test_ui_file_read.py",  # the served app
    "tests/ingest/test_crash.py",  # kills ingest processes
    "tests/ingest/test_crash_counts.py",  # kills an ingest process
    "tests/evals/test_run.py::test_eval_on_the_seed_article",  # a whole eval run
)
_missing: set[Path] = set()  # what require() found missing, for the failure message
_data_skips: list[str] = []  # node ids skipped with DATA_MISSING
_skips: dict[str, int] = {"data": 0, "browser": 0, "other": 0}


@pytest.fixture(scope="session", autouse=True)
def offline_env(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return configure(tmp_path_factory.mktemp("cache"))


def require(path: Path) -> Path:
    """``path`` under the shared data, or skip with :data:`DATA_MISSING` (every data skip comes here)."""
    if not path.exists():
        _missing.add(path)
        pytest.skip(DATA_MISSING)
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


# Tiers and skips.


def _listed(nodeid: str, entries: tuple[str, ...]) -> bool:
    return any(
        nodeid.startswith(entry)
        if entry.endswith("/")
        else nodeid == entry or nodeid.startswith((entry + "::", entry + "["))
        for entry in entries
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        browser = item.get_closest_marker("browser") is not None
        if browser or item.get_closest_marker("llm") or _listed(item.nodeid, SLOW_PATHS):
            item.add_marker(pytest.mark.slow)
        if browser and not CHROMIUM.exists():
            item.add_marker(pytest.mark.skip(reason=BROWSER_MISSING))


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if not report.skipped or report.when == "teardown":
        return
    reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
    kind = "data" if DATA_MISSING in reason else "browser" if BROWSER_MISSING in reason else "other"
    _skips[kind] += 1
    if kind == "data":
        _data_skips.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _data_skips and CORPUS.exists() and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    tr = terminalreporter
    total = sum(_skips.values())
    tr.write_line(
        f"skipped: {total} ({_skips['data']} missing shared data, {_skips['browser']} missing chromium, "
        f"{_skips['other']} other)"
    )
    if _data_skips and CORPUS.exists():
        missing = ", ".join(sorted(str(p) for p in _missing)) or "?"
        tr.write_line(
            f"FAILED: {len(_data_skips)} tests skipped for missing shared data although {CORPUS} exists "
            f"(missing: {missing}); first: {_data_skips[0]}",
            red=True,
            bold=True,
        )
