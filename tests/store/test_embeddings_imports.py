"""The embedding modules import each other in one direction only (issue #18: no import cycle)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
MODULES = ("store.embedder_base", "store.batching", "store.embeddings", "store.onnx_backend")


def module_level_imports(module: str) -> set[str]:
    """``store.*`` modules that ``module`` imports when it is imported (not inside functions, not
    under ``if TYPE_CHECKING``)."""
    tree = ast.parse((REPO / (module.replace(".", "/") + ".py")).read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return {name for name in found if name.startswith("store.")}


def test_no_cycle_among_the_embedding_modules() -> None:
    graph = {module: module_level_imports(module) for module in MODULES}
    assert "store.embeddings" not in graph["store.onnx_backend"]
    assert "store.onnx_backend" not in graph["store.embeddings"]

    def reaches(start: str, target: str, seen: set[str]) -> bool:
        for name in graph.get(start, set()):
            if name == target or (name not in seen and reaches(name, target, seen | {name})):
                return True
        return False

    assert not [m for m in MODULES if reaches(m, m, set())]


@pytest.mark.parametrize("module", MODULES)
def test_each_module_imports_alone_with_its_public_names(module: str) -> None:
    names = {
        "store.embeddings": "Embedder, Vectors, resolve_model_path, shared_embedder, QueryRoutedEmbedder",
        "store.onnx_backend": "OnnxEmbedder, export_onnx",
    }.get(module, "__doc__")
    code = f"from {module} import {names}; import sys; assert 'sentence_transformers' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True, timeout=120)
