"""``rag eval``: registered by rag.cli; the work happens in :mod:`evals.runner` and :mod:`evals.report`.

Two forms share the ``eval`` command::

    rag eval --corpus FILE_OR_DIR --queries FILE --out DIR [--limit N] [--types T ...]
    rag eval compare DIR_A DIR_B
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path
from typing import Any

from rag.errors import InputError
from rag.settings import Settings


def add_eval_parser(sub: Any) -> None:
    """Add ``eval`` (and its optional ``compare`` form) to the ``rag`` subcommands."""
    parser: argparse.ArgumentParser = sub.add_parser(
        "eval",
        help="score retrieval, answers and citations on a question set",
        description="Ingest a corpus into an eval store of its own (reused when unchanged), ask every "
        "question through rag.Assistant and write report.json, report.md and plots to --out. "
        "`rag eval compare A B` prints two reports side by side.",
    )
    parser.add_argument(
        "--corpus", action="append", default=[], help="corpus file or folder (repeat to combine)"
    )
    parser.add_argument(
        "--queries", action="append", default=[], help="MultiHop-RAG JSON or our JSONL (repeatable)"
    )
    parser.add_argument("--out", help="output folder for report.json, report.md, questions.jsonl, plots")
    parser.add_argument("--limit", type=_positive, help="run only the first N questions (after --types)")
    parser.add_argument("--types", nargs="+", default=[], metavar="TYPE", help="only these question types")
    parser.add_argument("--stores", help="folder of eval stores (default: <cache_dir>/eval-stores)")
    parser.add_argument(
        "--resume", action="store_true", help="keep the results a killed run left in --out, ask the rest"
    )
    parser.add_argument("--rebuild", action="store_true", help="rebuild the eval store even if it exists")
    parser.add_argument(
        "--seed-store", help="copy this store (same chunking/model) to start a new eval store, then top it up"
    )
    parser.add_argument("--no-plots", action="store_true", help="skip the PNG plots")
    parser.add_argument(
        "--nearmiss",
        nargs="+",
        default=[],
        metavar="KIND",
        choices=["seed", "corpus60", "corpus"],
        help="also ask the near-miss set on these store sizes: the nearmiss block of report.json",
    )
    forms = parser.add_subparsers(dest="eval_command", metavar="compare", required=False)
    compare = forms.add_parser("compare", help="compare two eval reports side by side")
    compare.add_argument("report_a", help="folder with report.json (the baseline)")
    compare.add_argument("report_b", help="folder with report.json (the candidate)")


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Entry point called by ``rag eval``: run an eval, or compare two reports."""
    if getattr(args, "eval_command", None) == "compare":
        return compare(args.report_a, args.report_b)
    missing = [f"--{name}" for name in ("corpus", "queries", "out") if not getattr(args, name)]
    if missing:
        raise InputError(f"rag eval needs {', '.join(missing)} (or use `rag eval compare DIR_A DIR_B`)")
    from evals.runner import EvalConfig, run_eval

    config = EvalConfig(
        corpus=[Path(p) for p in args.corpus],
        queries=[Path(p) for p in args.queries],
        out=Path(args.out),
        limit=args.limit,
        types=list(args.types),
        stores_root=Path(args.stores) if args.stores else None,
        rebuild=args.rebuild,
        resume=args.resume,
        seed_store=Path(args.seed_store) if args.seed_store else None,
        plots=not args.no_plots,
        nearmiss=list(args.nearmiss),
        command=" ".join(["rag", *(shlex.quote(a) for a in sys.argv[1:])]),
    )
    report = run_eval(config, settings)
    r, a = report["retrieval"], report["answers"]
    print(
        f"{a['n']} questions: hits@10 {_f(r['hits@10'])}, mrr@10 {_f(r['mrr@10'])}, "
        f"accuracy {_f(a['accuracy_lenient'])} lenient / {_f(a['accuracy_strict'])} strict, "
        f"citation precision {_f(a['citation_precision'])}, evidence coverage {_f(a['evidence_coverage'])}"
    )
    print(f"report: {config.out / 'report.md'}")
    return 0


def compare(folder_a: str, folder_b: str) -> int:
    """Print the side-by-side table of two reports with B - A deltas."""
    from evals.markdown import format_compare
    from evals.report import load_report

    print(
        format_compare(load_report(folder_a), load_report(folder_b), Path(folder_a).name, Path(folder_b).name)
    )
    return 0


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError("must be a positive integer")
    return number


def _f(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"
