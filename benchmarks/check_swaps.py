"""Does the answer check notice a question about something else? Scored on pairs no shipped check learned from.

    .venv/bin/python benchmarks/check_swaps.py [CHECK.npz ...]   # default: the shipped src/mgqa/answer_check_model.npz

The pairs of data/answer_pairs.jsonl's batches F-H (written for the query adapter; the check trains on A-E):
their answering pairs, their near misses, and each answering pair with its subject swapped for a word of the same
kind the sentence doesn't use ("does spironolactone affect magnesium" -> "does pregabalin affect magnesium",
scripts/train_answer_check.py's `swapped`). Prints, per check, the chance that an answering pair outscores a near
miss and a swapped one (AUC), and the share of each the check reads as answering (0.5 or more).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from train_answer_check import PAIRS, auc, read, swapped  # noqa: E402

from mgqa import answer_check  # noqa: E402
from mgqa.embedding import load_embedder  # noqa: E402
from mgqa.settings import Settings  # noqa: E402

UNSEEN_BATCHES = ("F", "G", "H")


def main(paths: list[Path]) -> None:
    embedder = load_embedder(Settings())
    pairs = [p for p in read(PAIRS) if p["id"].split("-")[0] in UNSEEN_BATCHES]
    rows = [(p["question"], p["sentence"], int(p["label"] == "answers"), p["doc"]) for p in pairs]
    rows += swapped(embedder, rows, seed=0)
    kinds = np.array(["answers" if r[2] else "near miss" for r in rows[:len(pairs)]]
                     + ["swapped"] * (len(rows) - len(pairs)))
    print(f"{len(pairs)} pairs of batches {'-'.join(UNSEEN_BATCHES[::2])}, {int((kinds == 'swapped').sum())} swapped")
    for path in paths:
        check = answer_check.AnswerCheck.load(path, answer_check.HEADS)
        scores = np.array([check.scores(embedder, q, [s])[0] for q, s, _, _ in rows])
        result = {"check": str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else path.name}
        answering = kinds == "answers"
        for kind in ("near miss", "swapped"):
            both = answering | (kinds == kind)
            result[f"AUC answers/{kind}"] = round(auc(scores[both], answering[both].astype(int)), 3)
        for kind in ("answers", "near miss", "swapped"):
            read_as_answering = scores[kinds == kind] >= answer_check.ANSWERS
            result[f"read as answering: {kind}"] = round(float(read_as_answering.mean()), 3)
        print(json.dumps(result))


if __name__ == "__main__":
    main([Path(p).resolve() for p in sys.argv[1:]] or [answer_check.MODEL_PATH])
