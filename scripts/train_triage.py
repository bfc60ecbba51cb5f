"""Train the emergency triage heads on the labelled bank and pick their thresholds on the development set.

    .venv/bin/python scripts/train_triage.py            # writes src/mgqa/triage_model.npz

Offline and deterministic: the bundled model embeds data/triage_bank.jsonl (training) and
eval/triage_dev.jsonl (thresholds); eval/triage_blind.jsonl is never read here. Heads are logistic
regressions on the normalised question embedding that retrieval computes anyway, so triage costs no
second model. Thresholds are recall-first: the lowest false-alarm rate that keeps dev recall at its best
reachable level with false alarms at most MAX_FALSE_ALARMS.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from mgqa import triage, vocabulary  # noqa: E402
from mgqa.embedding import load_embedder  # noqa: E402
from mgqa.settings import Settings  # noqa: E402

MAX_FALSE_ALARMS = 0.05  # on the development set's calm look-alikes


def read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def fit(x: np.ndarray, y: np.ndarray, c: float) -> tuple[np.ndarray, float]:
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=c, class_weight="balanced", max_iter=5000)
    model.fit(x, y)
    return model.coef_[0].astype(np.float32), float(model.intercept_[0])


def clause_vectors(embedder, texts: list[str]) -> list[np.ndarray]:
    """The clause vectors of each text (empty where the text is one clause), encoded in one batch."""
    clauses = [[vocabulary.expand(c) for c in triage.clauses(text)] for text in texts]
    flat = [c for cs in clauses for c in cs]
    vectors = embedder.encode(flat) if flat else np.zeros((0, 384), dtype=np.float32)
    out, at = [], 0
    for cs in clauses:
        out.append(vectors[at:at + len(cs)])
        at += len(cs)
    return out


def pick_thresholds(p_msg: np.ndarray, p_clause: np.ndarray, y: np.ndarray) -> tuple[float, float, float]:
    """(message, clause, floor) thresholds: best dev recall with false alarms <= MAX_FALSE_ALARMS, then fewest
    false alarms. A clause hit counts only when the whole message scores at least `floor`."""
    best = None
    grid = np.round(np.arange(0.05, 0.96, 0.025), 3)
    for t_msg in grid:
        for t_clause in grid[grid >= t_msg]:
            for floor in (0.01, 0.03, 0.05, 0.1, 0.2):
                hit = (p_msg >= t_msg) | ((p_clause >= t_clause) & (p_msg >= floor))
                recall, false = hit[y == 1].mean(), hit[y == 0].mean()
                if false > MAX_FALSE_ALARMS:
                    continue
                key = (recall, -false, t_msg)
                if best is None or key > best[0]:
                    best = (key, (float(t_msg), float(t_clause), float(floor)))
    return best[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bank", type=Path, default=ROOT / "data" / "triage_bank.jsonl")
    parser.add_argument("--dev", type=Path, default=ROOT / "eval" / "triage_dev.jsonl")
    parser.add_argument("--out", type=Path, default=triage.MODEL_PATH)
    parser.add_argument("--c", type=float, nargs="+", default=[0.5, 1.0, 2.0, 4.0, 8.0, 16.0],
                        help="inverse regularisation values to try; the one with the best dev recall is kept")
    args = parser.parse_args()

    bank, dev = read(args.bank), read(args.dev)
    embedder = load_embedder(Settings())  # the bundled model, on the path `mgqa ask` uses
    x = embedder.encode([vocabulary.expand(row["text"]) for row in bank])  # the text retrieval embeds
    emergency = np.array([row["label"] == "emergency" for row in bank], dtype=int)
    self_harm = np.array([row["label"] == "emergency" and row["kind"] == "self_harm" for row in bank], dtype=int)
    dev_x = embedder.encode([vocabulary.expand(row["text"]) for row in dev])
    dev_clauses = clause_vectors(embedder, [row["text"] for row in dev])
    y_dev = np.array([row["label"] == "emergency" for row in dev], dtype=int)

    best = None
    for c in args.c:  # regularisation chosen on the development set, like the thresholds
        heads = {name: fit(x, y, c) for name, y in (("emergency", emergency), ("self_harm", self_harm))}
        model = triage.TriageModel(heads, {}, embedder.model_id)
        p_msg = model.probability("emergency", dev_x)
        p_clause = np.array([model.probability("emergency", v).max() if len(v) else 0.0 for v in dev_clauses])
        t_msg, t_clause, floor = pick_thresholds(p_msg, p_clause, y_dev)
        hit = (p_msg >= t_msg) | ((p_clause >= t_clause) & (p_msg >= floor))
        key = (hit[y_dev == 1].mean(), -hit[y_dev == 0].mean())
        print(f"C={c}: dev recall {key[0]:.3f}, false alarms {-key[1]:.3f}", file=sys.stderr)
        if best is None or key > best[0]:
            best = (key, c, heads, model, p_msg, p_clause, (t_msg, t_clause, floor))
    _, c, heads, model, p_msg, p_clause, (t_msg, t_clause, floor) = best
    sh_dev = np.array([row["label"] == "emergency" and row["kind"] == "self_harm" for row in dev], dtype=int)
    p_sh = model.probability("self_harm", dev_x)
    # every self-harm message of the dev set gets the crisis line, unless that would put it on more than
    # MAX_FALSE_ALARMS of the other dev messages (the emergency head still catches those as urgent)
    others = np.sort(p_sh[sh_dev == 0])
    t_sh = float(max(min(0.5, p_sh[sh_dev == 1].min()), others[int(len(others) * (1 - MAX_FALSE_ALARMS))]))
    thresholds = {"emergency": t_msg, "clause": t_clause, "floor": floor, "self_harm": t_sh,
                  "grey": round(t_msg / 3, 4)}
    digest = hashlib.sha256(args.bank.read_bytes()).hexdigest()[:12]
    triage.TriageModel(heads, thresholds, embedder.model_id, digest).save(args.out)
    hit = (p_msg >= t_msg) | ((p_clause >= t_clause) & (p_msg >= floor))
    print(json.dumps({"bank": len(bank), "dev": len(dev), "C": c, "thresholds": thresholds,
                      "dev_recall": round(float(hit[y_dev == 1].mean()), 3),
                      "dev_false_alarms": round(float(hit[y_dev == 0].mean()), 3),
                      "wrote": str(args.out.relative_to(ROOT))}, indent=2))


if __name__ == "__main__":
    main()
