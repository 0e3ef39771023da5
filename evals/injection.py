"""How well the injection detector (rag/injection.py) tells text addressed to an AI from news.

``python -m evals.injection`` scores the labelled set ``evals/gold/injection.jsonl`` (precision and
recall of :func:`rag.injection.looks_like_injection` on its dev and test splits, with every false
positive and false negative), then runs the detector over every sentence of the MultiHop-RAG corpus
(split with :func:`rag.text.sentence_texts`) and lists what it flags there. It prints the report and
writes it to ``evals/results/injection.md``.

The labelled set: one sentence a line, ``{"id", "split": "dev"|"test", "label": "injection"|"ordinary",
"kind", "text"}`` and, for sentences taken from the MultiHop-RAG corpus (ODC-BY 1.0), ``"source"``:
the URL of the article it comes from. The rules were tuned on the dev split only.
"""

from __future__ import annotations

import argparse
import json
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from rag.injection import injection_signals, looks_like_injection
from rag.settings import load_settings
from rag.text import sentence_texts

EVALS_DIR = Path(__file__).resolve().parent
GOLD = EVALS_DIR / "gold" / "injection.jsonl"
REPORT = EVALS_DIR / "results" / "injection.md"
SPLITS = ("dev", "test")
HISTORY = (
    "How far the rules carry to phrasings they were not tuned on: the test split is the third held-out",
    "set. Each earlier one was written before it was scored, measured once, then folded into dev and",
    "tuned on. Held-out figures on first sight, before any tuning on them: 74 injected sentences,",
    "recall 0.784; 78, recall 0.667; 61 (the current test split), recall 0.705; precision 1.000 each",
    "time. So expect about 70-80% of new phrasings of planted instructions to be caught, and almost no",
    "news sentence to be lost.",
)


@dataclass(frozen=True)
class Example:
    """One labelled sentence of the gold set."""

    id: str
    split: str
    injected: bool
    kind: str
    text: str


@dataclass
class Scores:
    """Detector outcome on one split: counts, and the sentences it got wrong."""

    true_positives: int = 0
    false_positives: int = 0
    false_negatives: int = 0
    true_negatives: int = 0
    wrong: tuple[list[Example], list[Example]] = ([], [])  # (false positives, false negatives)

    @property
    def precision(self) -> float:
        flagged = self.true_positives + self.false_positives
        return self.true_positives / flagged if flagged else 1.0

    @property
    def recall(self) -> float:
        injected = self.true_positives + self.false_negatives
        return self.true_positives / injected if injected else 1.0


def load_gold(path: Path = GOLD) -> list[Example]:
    """The labelled sentences of ``path`` (see the module doc for the format)."""
    examples = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            injected = row["label"] == "injection"
            examples.append(Example(row["id"], row["split"], injected, row["kind"], row["text"]))
    return examples


def score(examples: Iterable[Example]) -> Scores:
    """Precision/recall counts of the detector on ``examples``."""
    scores = Scores(wrong=([], []))
    for example in examples:
        flagged = looks_like_injection(example.text)
        if flagged and example.injected:
            scores.true_positives += 1
        elif flagged:
            scores.false_positives += 1
            scores.wrong[0].append(example)
        elif example.injected:
            scores.false_negatives += 1
            scores.wrong[1].append(example)
        else:
            scores.true_negatives += 1
    return scores


def scan_corpus(corpus: Path) -> tuple[int, list[tuple[str, str]]]:
    """Sentences of every corpus article, and the (article title, sentence) pairs flagged."""
    articles = json.loads(corpus.read_text(encoding="utf-8"))
    total, flagged = 0, []
    for article in articles:
        for sentence in sentence_texts(article.get("body") or ""):
            total += 1
            if looks_like_injection(sentence):
                flagged.append((article.get("title") or "(untitled)", sentence))
    return total, flagged


def _why(text: str) -> str:
    return ", ".join(f"{s.kind} {s.weight:.2f} «{s.text[:40]}»" for s in injection_signals(text)) or "none"


def _cell(text: str) -> str:
    """``text`` on one line, invisible characters (zero-width, tags, direction marks) spelled out."""
    visible = "".join(
        c if unicodedata.category(c) not in ("Cf", "Cc", "Cn", "Co") else c.encode("unicode_escape").decode()
        for c in text.replace("\n", " ")
    )
    return visible.replace("|", "\\|")


def render(scores: dict[str, Scores], corpus: tuple[int, list[tuple[str, str]]] | None) -> str:
    """The Markdown report."""
    lines = [
        "# Injection detector: precision and recall",
        "",
        "Made with `python -m evals.injection` over `evals/gold/injection.jsonl` (rules tuned on dev only).",
        "",
        *HISTORY,
        "",
        "| split | injected | ordinary | precision | recall | false positives | false negatives |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for split, s in scores.items():
        injected, ordinary = s.true_positives + s.false_negatives, s.false_positives + s.true_negatives
        lines.append(
            f"| {split} | {injected} | {ordinary} | {s.precision:.3f} | {s.recall:.3f} "
            f"| {s.false_positives} | {s.false_negatives} |"
        )
    for split, s in scores.items():
        for title, wrong in (("False positives", s.wrong[0]), ("False negatives", s.wrong[1])):
            lines += ["", f"## {title} ({split})", ""]
            lines += [f"- `{e.id}` ({e.kind}): {_cell(e.text)} — signals: {_why(e.text)}" for e in wrong]
            if not wrong:
                lines.append("None.")
    if corpus is not None:
        total, flagged = corpus
        lines += [
            "",
            "## The whole MultiHop-RAG corpus",
            "",
            f"{len(flagged)} of {total} sentences (split with `rag.text.sentence_texts`) flagged:",
            "",
        ]
        lines += [
            f"- {_cell(title)}: {_cell(sentence)} — signals: {_why(sentence)}" for title, sentence in flagged
        ] or ["None."]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.injection", description=__doc__.split("\n")[0])
    parser.add_argument("--gold", type=Path, default=GOLD)
    parser.add_argument(
        "--corpus", type=Path, default=None, help="default: the settings' MultiHop-RAG corpus"
    )
    parser.add_argument("--out", type=Path, default=REPORT)
    args = parser.parse_args(argv)
    examples = load_gold(args.gold)
    scores = {split: score(e for e in examples if e.split == split) for split in SPLITS}
    corpus_path: Path = args.corpus or load_settings().multihop_corpus
    corpus = scan_corpus(corpus_path) if corpus_path.exists() else None
    report = render(scores, corpus)
    print(report)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(report, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
