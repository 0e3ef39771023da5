"""The evals modules import each other without cycles (deferred and ``TYPE_CHECKING`` imports count).

Bottom up: metrics, datasets, stores, answer_metrics, support; scoring (one question's result);
markdown and plots; report; nearmiss; runner; cli, gate and calibrate. Each imports only modules
listed before it.
"""

from __future__ import annotations

import pytest

grimp = pytest.importorskip("grimp")  # installed with import-linter (the dev extra)


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in edges[node]:
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component: list[str] = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_cycle_finder_sees_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_evals_has_no_import_cycles() -> None:
    graph = grimp.build_graph("evals", cache_dir=None)
    modules = {m for m in graph.modules if m == "evals" or m.startswith("evals.")}
    edges = {m: set(graph.find_modules_directly_imported_by(m)) & modules for m in modules}
    assert _cycles(edges) == []


def test_scoring_is_the_bottom_layer() -> None:
    """Per-question scoring imports no module that aggregates, formats or drives a run."""
    graph = grimp.build_graph("evals", cache_dir=None)
    above = {"evals.report", "evals.markdown", "evals.plots", "evals.runner", "evals.nearmiss", "evals.cli"}
    assert not graph.find_upstream_modules("evals.scoring") & above
