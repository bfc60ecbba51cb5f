"""Which passage size and which ranking retrieve best: builds the seed at several chunk sizes.

    .venv/bin/python benchmarks/retrieval_sweep.py [--sizes 64,96,128,192] [--weights 0.2] [--set FILE]

Prints R@1 / R@3 / MRR for dense, BM25 and hybrid ranking at each size, and for hybrid ranking at
each BM25 weight given (abstention rules on).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from mgqa import build, evaluation, retrieval  # noqa: E402
from mgqa.embedding import SentenceTransformerEmbedder  # noqa: E402
from mgqa.kb import KnowledgeBase  # noqa: E402
from mgqa.retrieval import MODES  # noqa: E402
from mgqa.settings import Settings  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="64,96,128,192")
    parser.add_argument("--weights", default=str(retrieval.LEXICAL_WEIGHT), help="BM25 weights to try (hybrid)")
    parser.add_argument("--set", default=str(ROOT / "eval" / "questions.jsonl"))
    args = parser.parse_args()
    cases = evaluation.load_cases(Path(args.set))
    embedder = SentenceTransformerEmbedder()
    print(f"{'tokens':>6} {'chunks':>6} {'mode':>11}   R@1    R@3    MRR")
    with tempfile.TemporaryDirectory() as tmp:
        for size in (int(s) for s in args.sizes.split(",")):
            settings = Settings.from_env(docs_dir=ROOT / "seeds", index_dir=Path(tmp) / f"index-{size}",
                                         chunk_tokens=size)
            report = build.build(settings, embedder=embedder)
            runs = [(mode, retrieval.LEXICAL_WEIGHT) for mode in MODES if mode != "hybrid"]
            runs += [("hybrid", float(w)) for w in args.weights.split(",")]
            for mode, weight in runs:
                retrieval.LEXICAL_WEIGHT = weight  # read at search time
                kb = KnowledgeBase.load(settings=settings, embedder=embedder, mode=mode)
                metrics = evaluation.evaluate(kb, cases)["metrics"]
                label = f"{mode}@{weight:g}" if mode == "hybrid" else mode
                print(f"{size:>6} {report.chunks:>6} {label:>11}  {metrics['R@1']:.3f}  {metrics['R@3']:.3f}  "
                      f"{metrics['MRR']:.3f}", flush=True)


if __name__ == "__main__":
    main()
