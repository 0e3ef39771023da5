"""The skip rules of tests/conftest.py, run in a pytest of their own: a data skip passes when the shared
data is absent and fails the run when it is there; a missing chromium skips browser tests (and is no
data skip); browser tests are slow."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import REPO

INI = """
[pytest]
addopts = -p no:cacheprovider -p no:randomly -p no:schemathesis -p no:langsmith_plugin -rs --strict-markers
markers =
    slow: slow
    browser: browser
"""

CONFTEST = """
from pathlib import Path

import tests.conftest
from tests.conftest import *  # the hooks and fixtures under test

tests.conftest.CHROMIUM = Path("/nonexistent/chromium")  # as on a machine without it
"""

TESTS = """
import pytest

from tests.conftest import CORPUS, DATA_DIR, require


def test_passes() -> None:
    pass


def test_needs_the_corpus() -> None:
    require(CORPUS)


def test_forced_data_skip() -> None:
    require(DATA_DIR / "not-there.json")


@pytest.mark.browser
def test_in_a_browser() -> None:
    raise AssertionError("never runs without chromium")
"""


def run(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, data: Path, *args: str
) -> pytest.RunResult:
    monkeypatch.setenv("RAG_DATA_DIR", str(data))
    monkeypatch.setenv("PYTHONPATH", str(REPO))
    pytester.makeini(INI)
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_inner=TESTS)
    return pytester.runpytest_subprocess(*args)


def test_data_skips_pass_when_the_data_is_absent_and_browser_tests_are_slow(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = run(pytester, monkeypatch, pytester.path / "absent", "-m", "not slow")
    result.assert_outcomes(passed=1, skipped=2, deselected=1)
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(
        [
            "skipped: 2 (2 missing shared data, 0 missing chromium, 0 other)",
            "*SKIPPED ?2? *conftest.py:*: shared data not found under *absent: set RAG_DATA_DIR to the data*",
        ]
    )


def test_a_data_skip_fails_the_run_when_the_data_is_there_and_chromium_skips_are_apart(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = pytester.mkdir("data")
    (data / "multihop_rag").mkdir()
    (data / "multihop_rag" / "corpus.json").write_text("[]", encoding="utf-8")
    result = run(pytester, monkeypatch, data)
    result.assert_outcomes(passed=2, skipped=2)  # the corpus test passes; the forced and the browser skip
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [
            "skipped: 2 (1 missing shared data, 1 missing chromium, 0 other)",
            "FAILED: 1 tests skipped for missing shared data although *corpus.json exists"
            " (missing: *not-there.json); first: test_inner.py::test_forced_data_skip",
            "*SKIPPED ?1? test_inner.py:*: chromium not found at /usr/bin/chromium: `make browser`*",
        ]
    )
