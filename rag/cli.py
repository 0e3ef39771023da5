"""The ``rag`` command: ingest, ask, articles, delete, serve, doctor, repair (and eval, see evals/).

User errors (:class:`rag.errors.RagError`) are turned into one line on stderr and exit code 2,
here and only here.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from rag.errors import RagError
from rag.settings import Settings, load_settings
from rag.types import Answer, Filters, IngestSummary

if TYPE_CHECKING:
    from rag.assistant import Assistant

Command = Callable[[argparse.Namespace, Settings], int]
_COMMANDS: dict[str, Command] = {}


def command(name: str) -> Callable[[Command], Command]:
    def register(fn: Command) -> Command:
        _COMMANDS[name] = fn
        return fn

    return register


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rag", description="Grounded, cited answers from news articles.")
    parser.add_argument("--store", help="store folder (RAG_CHROMA_PATH)")
    parser.add_argument("--settings", help="TOML settings file (RAG_SETTINGS_FILE)")
    sub = parser.add_subparsers(dest="command", required=True)

    ingest = sub.add_parser("ingest", help="ingest files, folders (recursively) or URLs")
    ingest.add_argument("paths", nargs="+")
    ingest.add_argument("--json", action="store_true", help="print the summary as JSON")
    ingest.add_argument("--strict", action="store_true", help="exit non-zero when any input fails")
    ingest.add_argument("--prune", action="store_true", help="delete articles whose source file is gone")
    ingest.add_argument("--include", action="append", default=[], help="glob of files to take from folders")
    ingest.add_argument("--exclude", action="append", default=[], help="glob of files to skip in folders")
    ingest.add_argument(
        "--shard",
        metavar="I/N",
        help="ingest only shard I of N (0-based) of the inputs' articles: N machines, each with its own "
        "I, fill one Chroma server (RAG_CHROMA_URL) with disjoint parts",
    )
    ingest.add_argument(
        "--sentences",
        action="store_true",
        help="also embed every sentence now (excerpts use them; otherwise the first questions do it)",
    )
    ingest.add_argument(
        "--device",
        help="embed on this torch device, e.g. cuda or cuda:1 (RAG_EMBEDDING_DEVICE; default cpu): large "
        "length-bucketed fp16 batches on a GPU",
    )

    ask = sub.add_parser("ask", help="ask a question")
    ask.add_argument("question")
    ask.add_argument("--json", action="store_true", help="print the whole answer as JSON")
    ask.add_argument("--stream", action="store_true", help="print the draft as written, then the answer")
    add_filter_args(ask)

    articles = sub.add_parser("articles", help="list ingested articles")
    articles.add_argument("--json", action="store_true")
    delete = sub.add_parser("delete", help="delete an article by id")
    delete.add_argument("article_id")

    serve = sub.add_parser("serve", help="serve the UI and HTTP API")
    serve.add_argument("--store", default=argparse.SUPPRESS, help="store folder (RAG_CHROMA_PATH)")
    serve.add_argument("--host", help="address to listen on (default 127.0.0.1, RAG_HOST)")
    serve.add_argument("--port", type=int, help="port (default 7860, RAG_PORT)")
    serve.add_argument(
        "--ingest",
        nargs="+",
        default=[],
        metavar="PATH",
        help="once listening, ingest these files, folders or URLs in the background, one job each, in "
        "order; what the store holds already is skipped (progress: /api/health)",
    )

    doctor = sub.add_parser("doctor", help="check the store: files, counts, and whether its parts agree")
    doctor.add_argument("--json", action="store_true", help="print the report as JSON")
    repair = sub.add_parser("repair", help="repair the store (rebuild what it can from Chroma)")
    repair.add_argument("--json", action="store_true", help="print what was done as JSON")
    for on_store in (doctor, repair):
        on_store.add_argument("--store", default=argparse.SUPPRESS, help="store folder (RAG_CHROMA_PATH)")

    sub.add_parser(
        "prepare",
        help="build the embedding model's runtime files now (the ONNX export, ~30 s once per cache folder; "
        "`make install` runs it), so the first ingest or question does not wait for them",
    )

    from evals.cli import add_eval_parser

    add_eval_parser(sub)
    return parser


def add_filter_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--source", action="append", default=[], help="only this outlet (repeatable)")
    parser.add_argument("--category", action="append", default=[], help="only this category (repeatable)")
    parser.add_argument("--from", dest="date_from", help="published on or after (YYYY-MM-DD)")
    parser.add_argument("--to", dest="date_to", help="published on or before (YYYY-MM-DD)")


def filters_from_args(args: argparse.Namespace) -> Filters:
    return Filters(
        sources=args.source, categories=args.category, date_from=args.date_from, date_to=args.date_to
    )


def assistant_for(settings: Settings) -> Assistant:
    from rag.assistant import Assistant

    return Assistant.from_settings(settings)


@command("ingest")
def _ingest(args: argparse.Namespace, settings: Settings) -> int:
    from ingest.produce import Shard

    shard = Shard.parse(args.shard) if args.shard is not None else None
    assistant = assistant_for(settings)
    assistant.ingestor.shard = shard
    progress = sys.stderr.isatty() and not args.json
    summary = assistant.ingest(
        args.paths, progress=progress, include=args.include, exclude=args.exclude, prune=args.prune
    )
    print(json.dumps(summary.to_dict(), indent=2) if args.json else format_summary(summary))
    if args.sentences:
        started = time.perf_counter()
        embedded = assistant.embed_sentences(summary.article_ids, progress=progress)
        print(f"sentences: {embedded} embedded in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    ingested = summary.added or summary.updated or summary.unchanged or summary.duplicates
    if summary.failed and (args.strict or not ingested):
        return 1
    return 0


@command("ask")
def _ask(args: argparse.Namespace, settings: Settings) -> int:
    assistant = assistant_for(settings)
    if args.stream and not args.json:
        answer = None
        for event in assistant.stream(args.question, filters_from_args(args)):
            if event.delta:
                print(event.delta, end="", flush=True)
            answer = event.answer or answer
        print("\n\nverified:")
    else:
        answer = assistant.ask(args.question, filters_from_args(args))
    assert answer is not None
    print(json.dumps(answer.to_dict(), indent=2, ensure_ascii=False) if args.json else format_answer(answer))
    return 0


@command("articles")
def _articles(args: argparse.Namespace, settings: Settings) -> int:
    articles = assistant_for(settings).articles()
    if args.json:
        rows = [{k: v for k, v in vars(a).items() if k != "text"} for a in articles]
        print(json.dumps(rows, indent=2, default=str, ensure_ascii=False))
    else:
        for a in articles:
            print(f"{a.id}  {a.published_at[:10]:10}  {a.source[:24]:24}  {a.title[:80]}")
        print(f"{len(articles)} articles")
    return 0


@command("delete")
def _delete(args: argparse.Namespace, settings: Settings) -> int:
    assistant_for(settings).delete_article(args.article_id)
    print(f"deleted {args.article_id}")
    return 0


@command("doctor")
def _doctor(args: argparse.Namespace, settings: Settings) -> int:
    from rag.doctor import examine_store, format_examination

    found = examine_store(settings)
    print(json.dumps(found.to_dict(), indent=2) if args.json else format_examination(found, settings))
    return 0 if found.healthy else 1


@command("repair")
def _repair(args: argparse.Namespace, settings: Settings) -> int:
    from rag.doctor import format_repair, repair_store

    repaired = repair_store(settings)
    if repaired is None:
        print(
            f"error: an ingest is running on {settings.chroma_path}: let it finish, then repair",
            file=sys.stderr,
        )
        return 2
    report, after = repaired
    if args.json:
        print(json.dumps({**report.to_dict(), "after": after.to_dict()}, indent=2))
    else:
        print(format_repair(report, after))
    return 0 if after.healthy else 1


@command("prepare")
def _prepare(args: argparse.Namespace, settings: Settings) -> int:
    from rag.components import document_embedder, route_queries
    from rag.offline import configure

    configure(settings.cache_dir)
    started = time.perf_counter()
    embedder = route_queries(document_embedder(settings), settings)
    embedder.embed(["ready"])
    embedder.embed_query("ready?")
    print(f"{embedder.model_id} ready in {time.perf_counter() - started:.1f} s (cache: {settings.cache_dir})")
    return 0


@command("eval")
def _eval(args: argparse.Namespace, settings: Settings) -> int:
    from evals.cli import run

    return run(args, settings)


@command("serve")
def _serve(args: argparse.Namespace, settings: Settings) -> int:
    from app import serve

    serve(settings, host=args.host, port=args.port, ingest=args.ingest)
    return 0


def format_summary(summary: IngestSummary) -> str:
    lines = [
        f"added {summary.added}, updated {summary.updated}, unchanged {summary.unchanged}, "
        f"duplicates {summary.duplicates}, removed {summary.removed}, failed {len(summary.failed)}",
        f"{summary.files} inputs, {summary.chunks} chunks ({summary.embedded} embedded, the rest cached) "
        f"in {summary.seconds:.1f}s ({summary.chunks_per_second:.1f} chunks/s)",
    ]
    lines += [f"  failed: {f.path}: {f.reason}" for f in summary.failed]
    return "\n".join(lines)


def format_answer(answer: Answer) -> str:
    lines = [answer.text, ""]
    for c in answer.citations:
        lines.append(f"[{c.n}] {c.title} — {c.source}, {c.published_at[:10]}  {c.url}")
        lines.append(f"    “{c.quote}” (chars {c.start}-{c.end})")
    if answer.unsupported:
        lines.append("Not supported by any source (no citation):")
        lines += [f"  - {sentence}" for sentence in answer.unsupported]
    return "\n".join(lines).rstrip()


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        overrides: dict[str, Any] = {"chroma_path": args.store} if args.store else {}
        if getattr(args, "device", None):
            overrides["embedding_device"] = args.device
        settings = load_settings(args.settings, **overrides)
        return _COMMANDS[args.command](args, settings)
    except RagError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
