"""What the answer check's reading of the sides does to "Sources disagree": disputes said, and the cost of a warm ask.

    .venv/bin/python benchmarks/bench_disputes.py --library ../shared/library/docs \\
        --sources tests/fixtures/library_sources.yaml [--rounds 4]

Builds the library with the seed in a temporary folder, then asks the library's development questions
(eval/library_questions.jsonl and data/library_train_questions.jsonl) with the sides read by the answer check and
without (every figure of a quote a side, as before), alternating, in one process. Prints how many answers say
sources disagree each way, the questions whose dispute changed, and the median warm ask.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from mgqa import disagreement, evaluation  # noqa: E402
from mgqa.build import build_from_folders  # noqa: E402
from mgqa.kb import KnowledgeBase  # noqa: E402
from mgqa.settings import Settings  # noqa: E402

SETS = (ROOT / "eval" / "library_questions.jsonl", ROOT / "data" / "library_train_questions.jsonl")


def said(answer) -> str:
    return "; ".join(f"{d.quantity}: " + " / ".join(f"{c.value} ({c.doc_id})" for c in d.claims)
                     for d in answer.disagreements)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--library", type=Path, required=True)
    parser.add_argument("--sources", type=Path, required=True)
    parser.add_argument("--rounds", type=int, default=4)
    args = parser.parse_args()
    checked = disagreement.with_both_sides

    def unchecked(*positional, **named):  # the sides as before: no answer check (the question's subject kept)
        named["reads"] = None
        if len(positional) > 7:
            named["focus"] = positional[7]
        return checked(*positional[:6], **named)

    ways = {"with": checked, "without": unchecked}
    with tempfile.TemporaryDirectory(prefix="mgqa-disputes-") as tmp:
        settings = Settings.from_env(index_dir=Path(tmp) / "index")
        build_from_folders((args.library, ROOT / "seeds"), Path(tmp) / "docs", settings, args.sources)
        kb = KnowledgeBase.load(settings=settings)
        asked = [case.question for path in SETS for case in evaluation.load_cases(path)]
        disputes = {}
        for label, way in ways.items():
            disagreement.with_both_sides = way
            disputes[label] = [said(kb.ask(q)) for q in asked]
        timings = {label: [] for label in ways}
        for round_ in range(args.rounds):
            for label in (list(ways) if round_ % 2 == 0 else list(ways)[::-1]):
                disagreement.with_both_sides = ways[label]
                began = time.perf_counter()
                for question in asked:
                    kb.ask(question)
                timings[label].append(1000 * (time.perf_counter() - began) / len(asked))
        disagreement.with_both_sides = checked
    for question, now, before in zip(asked, disputes["with"], disputes["without"]):
        if now != before:
            print(f"{question}\n    with the check: {now or '-'}\n    without: {before or '-'}")
    ms = {label: statistics.median(values) for label, values in timings.items()}
    print(json.dumps({"questions": len(asked), "disputes_with_check": sum(map(bool, disputes["with"])),
                      "disputes_without": sum(map(bool, disputes["without"])), "rounds": args.rounds,
                      "ask_ms_with": round(ms["with"], 2), "ask_ms_without": round(ms["without"], 2),
                      "ratio": round(ms["with"] / ms["without"], 3)}))


if __name__ == "__main__":
    main()
