"""Ask benchmark: warm `ask` latency next to the bare query embedding, time to first answer, peak memory.

    .venv/bin/python benchmarks/bench_ask.py [--rounds 3]

The warm ask and the bare embedding of the same question are timed alternately in one process,
so their ratio is measured under the same conditions. Time to first answer is a fresh
`mgqa ask` process (imports, model and index load, one answer).
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    from mgqa.evaluation import load_cases
    from mgqa.kb import KnowledgeBase

    questions = [c.question for c in load_cases(ROOT / "eval" / "questions.jsonl")]
    starts = []
    for _ in range(3):
        began = time.perf_counter()
        subprocess.run([sys.executable, "-m", "mgqa", "ask", "--json", questions[0]], check=True,
                       capture_output=True, cwd=ROOT)
        starts.append(time.perf_counter() - began)
    child_peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024

    kb = KnowledgeBase.load(ROOT / "index")
    for question in questions[:10]:  # warm-up: first calls allocate
        kb.ask(question)
    asks, embeds = [], []
    for _ in range(args.rounds):
        for question in questions:
            began = time.perf_counter()
            kb.embedder.encode([question])
            embeds.append(time.perf_counter() - began)
            began = time.perf_counter()
            kb.ask(question)
            asks.append(time.perf_counter() - began)
    ms = 1000
    result = {
        "questions": len(questions) * args.rounds,
        "ask_ms": {"median": round(statistics.median(asks) * ms, 2), "p95": round(percentile(asks, 0.95) * ms, 2)},
        "embed_ms": {"median": round(statistics.median(embeds) * ms, 2),
                     "p95": round(percentile(embeds, 0.95) * ms, 2)},
        "first_answer_s": round(statistics.median(starts), 2),
        "peak_rss_mb": {"ask_process": round(child_peak_mb),
                        "this_process": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)},
    }
    result["ask_over_embed"] = round(result["ask_ms"]["median"] / result["embed_ms"]["median"], 2)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
