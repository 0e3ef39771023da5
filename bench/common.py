"""What the query benchmarks share: the store they open, the dev questions, the report they write."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from rag.assistant import Assistant
from rag.calibration import Calibration
from rag.settings import Settings, load_settings
from store.lexical import LexicalIndex

REPO = Path(__file__).resolve().parents[1]
DEV_QUERIES = str(REPO.parent / "shared/data/multihop_rag/dev_queries.json")


def arguments(doc: str) -> argparse.ArgumentParser:
    """The options every query benchmark takes: ``--store``, ``--queries``, ``--out``."""
    parser = argparse.ArgumentParser(description=doc.split("\n")[0])
    parser.add_argument("--store", required=True, help="a copy of a store (the benchmark reads it)")
    parser.add_argument("--queries", default=DEV_QUERIES)
    parser.add_argument("--out", help="write the Markdown report here too")
    return parser


def open_store(path: str) -> tuple[Settings, Assistant, LexicalIndex]:
    """Default settings on the store at ``path``, its assistant, and its lexical index."""
    settings = load_settings(chroma_path=Path(path))
    assistant = Assistant.from_settings(settings)
    return settings, assistant, assistant.components.lexical


def split_values(values: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """``values`` (``--set key=value``) split into (settings, calibrated values) by name."""
    calibrated = set(Calibration.__dataclass_fields__)
    return (
        {k: v for k, v in values.items() if k not in calibrated},
        {k: v for k, v in values.items() if k in calibrated},
    )


def dev_questions(path: str) -> list[str]:
    """The questions of a MultiHop-RAG query file that have gold evidence, in file order."""
    records = json.loads(Path(path).read_text(encoding="utf-8"))
    return [r["query"] for r in records if r.get("evidence_list")]


def command(script: str) -> str:
    """The command line that made a report, as its second line shows it."""
    return f"`{' '.join([f'nice .venv/bin/python bench/{script}', *sys.argv[1:]])}`"


def publish(lines: list[str], out: str | None) -> None:
    """Print the report and write it to ``out`` when given."""
    print("\n".join(lines))
    if out:
        Path(out).write_text("\n".join(lines), encoding="utf-8")
