"""What a fine-tuned layer adds to a warm ask: the same questions with and without it, alternating.

    .venv/bin/python benchmarks/bench_layer_cost.py [--rounds 5] [--layer triage|answer_check|adapter]

Each question is asked with the layer and without it back to back, the order swapped every round, and a
question's time is its median over the rounds; the figures are the sums over all questions of those medians
(per question) and, as before, the median over rounds of the whole set's mean (by round). Timing one question
both ways within a millisecond of each other keeps the machine's drift (other work, a busy minute) out of the
ratio, which the by-round figure, sets asked seconds apart, does not.

The triage reads states the question's embedding already computed: its own cost is one layer and, for a message
of several sentences that scores in between, one extra encoder run for its clauses (the run without it embeds
the question alone). The answer check costs one encoder run over the question and the sentence that would be
quoted, for each question the rules let through. The query adapter (`adapter`) is one layer on the states the
question's embedding computed anyway, and a second set of products over the candidates' vectors. The other
layers stay as shipped in both runs.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from mgqa.kb import KnowledgeBase  # noqa: E402


def questions() -> list[str]:
    rows = []
    for name in ("questions.jsonl", "heldout.jsonl", "blind.jsonl", "triage_dev.jsonl"):
        for line in (ROOT / "eval" / name).read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                rows.append(row.get("question") or row["text"])
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--layer", choices=("triage", "answer_check", "adapter"), default="triage")
    args = parser.parse_args()
    kb = KnowledgeBase.load(ROOT / "index")
    heads, asked = getattr(kb, args.layer), questions()
    for text in asked[:20]:
        kb.ask(text)
    labels = {"with": heads, "without": None}
    per_question = {label: [[] for _ in asked] for label in labels}
    by_round = {label: [] for label in labels}
    for round_ in range(args.rounds):
        order = list(labels) if round_ % 2 == 0 else list(labels)[::-1]
        spent = dict.fromkeys(labels, 0.0)
        for n, text in enumerate(asked):
            for label in order:
                setattr(kb, args.layer, labels[label])
                began = time.perf_counter()
                kb.ask(text)
                took = time.perf_counter() - began
                per_question[label][n].append(took)
                spent[label] += took
        for label in labels:
            by_round[label].append(1000 * spent[label] / len(asked))
    setattr(kb, args.layer, heads)
    summed = {label: 1000 * sum(map(statistics.median, per_question[label])) / len(asked) for label in labels}
    rounds = {label: statistics.median(by_round[label]) for label in labels}
    print(json.dumps({"layer": args.layer, "questions": len(asked), "rounds": args.rounds,
                      "ask_ms_with": round(summed["with"], 2), "ask_ms_without": round(summed["without"], 2),
                      "ratio": round(summed["with"] / summed["without"], 3),
                      "by_round": {"ask_ms_with": round(rounds["with"], 2),
                                   "ask_ms_without": round(rounds["without"], 2),
                                   "ratio": round(rounds["with"] / rounds["without"], 3)}}))


if __name__ == "__main__":
    main()
