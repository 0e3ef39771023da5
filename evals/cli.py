"""``rag eval``: registered by rag.cli; the implementation lives in evals.runner."""

from __future__ import annotations

import argparse
from typing import Any


def add_eval_parser(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser("eval", help="score retrieval and answers")
    parser.add_argument("--corpus", help="corpus file or folder")
    parser.add_argument("--queries", help="queries file (MultiHop-RAG JSON or our JSONL)")
    parser.add_argument("--out", help="output folder for report.json, report.md and plots")


def run(args: argparse.Namespace, settings: Any) -> int:
    from rag.errors import ConfigError

    raise ConfigError("rag eval is not implemented yet")
