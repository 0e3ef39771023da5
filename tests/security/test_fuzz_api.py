"""Fuzz the HTTP API from its own OpenAPI schema (schemathesis), over real HTTP: no input gives a 5xx.

Bounded: a fixed number of generated requests per operation, derandomised so a failure reproduces.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode

from app import build_app
from rag.assistant import Assistant
from rag.settings import load_settings
from tests.conftest import DATA_DIR
from tests.web.conftest import ThreadServer, copy_store

pytestmark = pytest.mark.slow  # fuzzes the served app

EXAMPLES = 30  # per operation


@pytest.fixture(scope="module")
def api_schema(seeded_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    root = tmp_path_factory.mktemp("fuzz")
    store = copy_store(seeded_store, root / "store")
    config = load_settings(
        chroma_path=store, cache_dir=root / "cache", data_dir=DATA_DIR, warm_sentences=False
    )
    with ThreadServer(build_app(Assistant.from_settings(config))) as server:
        yield schemathesis.openapi.from_url(f"{server.base}/openapi.json")


def fuzz(operation: Any, mode: GenerationMode, calls: dict[str, int]) -> None:
    """Send up to EXAMPLES generated requests for one operation; each must be answered without a 5xx,
    and every error in the documented ``{"error", "detail"}`` shape."""

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
    def call(case: Any) -> None:
        response = case.call(timeout=60)
        calls[mode.value] = calls.get(mode.value, 0) + 1
        case.validate_response(response, checks=[not_a_server_error])
        if response.status_code >= 400:
            assert {"error", "detail"} <= set(response.json()), (case.method, case.path, response.text)

    try:
        call()
    except Unsatisfiable:  # no invalid request exists for an operation without parameters
        assert mode is GenerationMode.NEGATIVE and not operation.definition.raw.get("parameters")


def test_no_request_the_schema_allows_gives_a_server_error(api_schema: Any) -> None:
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 6, [op.label for op in operations]
    calls: dict[str, int] = {}
    for operation, mode in itertools.product(operations, GenerationMode):
        fuzz(operation, mode, calls)
    assert calls["positive"] >= 4 * EXAMPLES and calls["negative"] >= 2 * EXAMPLES, calls
