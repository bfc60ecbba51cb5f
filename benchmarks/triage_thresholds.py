"""The shipped triage at other emergency thresholds: dev recall and false alarms, and ordinary questions flagged.

    .venv/bin/python benchmarks/triage_thresholds.py [--model src/mgqa/triage_model.npz]

Ordinary questions are the non-emergency questions of the development question sets (eval/questions.jsonl,
eval/heldout.jsonl, eval/library_questions.jsonl), which users ask in their own words; the blind sets are not read.
The clause threshold is never below the message threshold, as scripts/train_triage.py picks them.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "scripts"))

import train_triage  # noqa: E402

from mgqa import safety, triage  # noqa: E402
from mgqa.embedding import load_embedder  # noqa: E402
from mgqa.settings import Settings  # noqa: E402

DEVELOPMENT_SETS = ("questions.jsonl", "heldout.jsonl", "library_questions.jsonl")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=triage.MODEL_PATH)
    args = parser.parse_args()
    embedder = load_embedder(Settings())
    model = triage.TriageModel.load(args.model, triage.HEADS)
    dev = [row for name in ("triage_dev.jsonl", "triage_dev2.jsonl") for row in train_triage.read(ROOT / "eval" / name)]
    ordinary = [row["question"] for name in DEVELOPMENT_SETS for row in train_triage.read(ROOT / "eval" / name)
                if row.get("kind") != "emergency"]

    def scored(texts: list[str]):
        states = train_triage.states_of(embedder, texts)
        p_msg, p_clause, _ = train_triage.scores(model, states, train_triage.clause_states(embedder, texts))
        rule = np.array([(r := safety.triage(t)) is not None and r.kind == "emergency" for t in texts])
        return p_msg, p_clause, rule

    dev_scores, ordinary_scores = scored([row["text"] for row in dev]), scored(ordinary)
    y = np.array([row["label"] == "emergency" for row in dev])
    shipped = dict(model.thresholds)
    print(f"{len(dev)} dev messages, {len(ordinary)} ordinary questions; shipped emergency threshold "
          f"{shipped['emergency']:.2f}, clause {shipped['clause']:.2f}")
    print("emergency  clause  dev recall  dev false alarms  ordinary flagged")
    for t in sorted({shipped["emergency"], 0.4, 0.5, 0.6, 0.7, 0.8, 0.9}):
        thresholds = shipped | {"emergency": t, "clause": max(t, shipped["clause"])}
        hit = train_triage.hits(thresholds, *dev_scores)
        flagged = train_triage.hits(thresholds, *ordinary_scores)
        print(f"{t:9.2f}  {thresholds['clause']:6.2f}  {hit[y].mean():10.3f}  {hit[~y].mean():16.3f}  "
              f"{flagged.sum():4d} ({flagged.mean():.3f})")


if __name__ == "__main__":
    main()
