"""What a fine-tuned layer adds to a warm ask: the same questions with and without it, alternating.

    .venv/bin/python benchmarks/bench_layer_cost.py [--rounds 5] [--layer triage|answer_check|adapter]

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
    timings = {"with": [], "without": []}
    for _ in range(args.rounds):
        for label, model in (("with", heads), ("without", None)):
            setattr(kb, args.layer, model)
            began = time.perf_counter()
            for text in asked:
                kb.ask(text)
            timings[label].append(1000 * (time.perf_counter() - began) / len(asked))
    setattr(kb, args.layer, heads)
    with_ms, without_ms = statistics.median(timings["with"]), statistics.median(timings["without"])
    print(json.dumps({"layer": args.layer, "questions": len(asked), "rounds": args.rounds,
                      "ask_ms_with": round(with_ms, 2), "ask_ms_without": round(without_ms, 2),
                      "ratio": round(with_ms / without_ms, 3)}))


if __name__ == "__main__":
    main()
