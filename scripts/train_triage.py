"""Fine-tune the triage layer on the labelled bank and pick its thresholds on the development set.

    .venv/bin/python scripts/train_triage.py            # writes src/mgqa/triage_model.npz (~10-20 min, 2 cores)

Offline: the bundled model gives each message's states going into its last layer (data/triage_bank.jsonl
for training, eval/triage_dev.jsonl and eval/triage_dev2.jsonl for choosing the epoch and the thresholds, and
the development question sets' ordinary questions for the self-harm threshold); eval/triage_blind.jsonl is
never read here. A copy of the model's last layer and two logistic heads (emergency, self-harm) are trained
together with torch; the saved weights are then scored the way `mgqa ask` scores them (numpy, float16
weights), and the thresholds are picked on those scores. Thresholds are recall-first: the best dev recall with
false alarms at most MAX_FALSE_ALARMS, then the fewest false alarms; the self-harm head's, the lowest that
gives every dev self-harm message the crisis line, at most 0.5, and not so low that more than
MAX_CRISIS_ON_CALM of the calm look-alikes or MAX_CRISIS_ON_ORDINARY of the ordinary questions would get it.
Seeded; torch's CPU kernels can still differ in the last bits between machines, so a rerun elsewhere can move
a figure by a message or two.
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
sys.path.insert(0, str(ROOT / "scripts"))

from finetune import Trainer, shown  # noqa: E402
from finetune import states_of as raw_states  # noqa: E402

from mgqa import safety, triage, vocabulary  # noqa: E402
from mgqa.embedding import load_embedder  # noqa: E402
from mgqa.settings import Settings  # noqa: E402

MAX_FALSE_ALARMS = 0.05  # on the development set's calm look-alikes
MAX_CRISIS_ON_CALM = 0.02  # of the dev set's calm look-alikes, at most this share may read as self-harm
MAX_CRISIS_ON_ORDINARY = 0.002  # and of the development question sets' questions (not messages of a crisis)
# the development question sets: ordinary questions people ask of the documents, none of them a crisis
ORDINARY = tuple(ROOT / name for name in ("eval/questions.jsonl", "eval/heldout.jsonl", "eval/nearmiss.jsonl",
                                          "eval/library_questions.jsonl", "data/library_train_questions.jsonl"))
CRISIS_VETOES = (0.1, 0.05, 0.02, 0.01)  # at most 0.1: a crisis rule is overruled only by a clearly calm reading
# how far the whole message must lean to self-harm before one of its clauses can give it the crisis line; at most
# even odds: a clause may confirm a lean, a lone context clause ("my mom lives alone at home") may not make one
SELF_HARM_FLOORS = (0.5, 0.3, 0.1, 0.03, 0.01, 0.0)


def read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def states_of(embedder, texts: list[str]) -> list[np.ndarray]:
    """Each text's states going into the last layer, as `mgqa ask` computes them (texts widened the same way)."""
    return raw_states(embedder, [vocabulary.expand(t) for t in texts])


def clause_states(embedder, texts: list[str]) -> list[list[np.ndarray]]:
    parts = [triage.clauses(text) for text in texts]
    flat = states_of(embedder, [c for cs in parts for c in cs])
    out, at = [], 0
    for cs in parts:
        out.append(flat[at:at + len(cs)])
        at += len(cs)
    return out


def scores(model: triage.TriageModel, states: list[np.ndarray], clauses: list[list[np.ndarray]]):
    whole = model.probabilities(states)
    p_clause = np.zeros(len(states))
    sh_clause = np.zeros(len(states))
    for i, parts in enumerate(clauses):
        if parts:
            scored = model.probabilities(parts)
            p_clause[i], sh_clause[i] = scored["emergency"].max(), scored["self_harm"].max()
    return whole["emergency"], p_clause, np.maximum(whole["self_harm"], sh_clause)


def pick_thresholds(p_msg: np.ndarray, p_clause: np.ndarray, rule: np.ndarray, y: np.ndarray) -> dict[str, float]:
    """Thresholds for the whole system as `mgqa ask` runs it: best dev recall with false alarms at most
    MAX_FALSE_ALARMS, then the fewest false alarms. A clause hit counts only when the whole message scores at
    least `floor`; an emergency rule's match (`rule`) stands unless the whole message scores below `veto`."""
    best = None
    # evenly spaced in log-odds, from 0.02 to 0.9995: a fine-tuned layer puts many messages near 0 or 1
    grid = np.round(1 / (1 + np.exp(-np.linspace(-4, 7.5, 47))), 4)
    for veto in (0.0, 0.001, 0.003, 0.01, 0.03, 0.1):
        for t_msg in grid:
            for t_clause in grid[grid >= t_msg]:
                for floor in (0.01, 0.03, 0.05, 0.1, 0.2):
                    thresholds = {"emergency": float(t_msg), "clause": float(t_clause), "floor": float(floor),
                                  "veto": float(veto)}
                    hit = hits(thresholds, p_msg, p_clause, rule)
                    recall, false = hit[y == 1].mean(), hit[y == 0].mean()
                    if false > MAX_FALSE_ALARMS:
                        continue
                    key = (recall, -false, t_msg)
                    if best is None or key > best[0]:
                        best = (key, thresholds)
    return best[1] if best else {"emergency": float(grid[-1]), "clause": float(grid[-1]), "floor": 0.2, "veto": 0.1}


def hits(thresholds: dict[str, float], p_msg: np.ndarray, p_clause: np.ndarray, rule: np.ndarray) -> np.ndarray:
    t = thresholds
    return ((rule & (p_msg >= t["veto"])) | (p_msg >= t["emergency"])
            | ((p_clause >= t["clause"]) & (p_msg >= t["floor"])))


def quantile_above(scores: np.ndarray, share: float) -> float:
    """The lowest threshold that at most `share` of the scores exceed."""
    ordered = np.sort(scores)
    return float(ordered[min(len(ordered) - 1, int(len(ordered) * (1 - share)))])


def ordinary_self_harm(model: triage.TriageModel, embedder) -> np.ndarray:
    """The self-harm head's reading of the development question sets' questions."""
    from mgqa import evaluation

    asked = [case.question for path in ORDINARY for case in evaluation.load_cases(path)
             if case.kind in ("in_scope", "out_of_scope", "disagreement")]
    return scores(model, states_of(embedder, asked), clause_states(embedder, asked))[2]


def pick_self_harm_floor(model: triage.TriageModel, states, clauses, t_msg: dict[str, float], t_sh: float,
                         sh_dev: np.ndarray) -> float:
    """The highest floor at which every dev self-harm message that gets the crisis line still gets it."""
    whole = model.probabilities(states)
    p_msg, sh_whole = whole["emergency"], whole["self_harm"]
    sh_clause = np.zeros(len(states))
    for i, parts in enumerate(clauses):
        if parts and t_msg["floor"] <= p_msg[i] < t_msg["emergency"]:
            sh_clause[i] = model.probabilities(parts)["self_harm"].max()
    crisis = np.maximum(sh_whole, sh_clause) >= t_sh
    for floor in SELF_HARM_FLOORS:
        kept = np.where(sh_whole >= floor, np.maximum(sh_whole, sh_clause), sh_whole) >= t_sh
        if not (crisis & ~kept & (sh_dev == 1)).any():
            return floor
    return 0.0


def pick_crisis_veto(p_msg: np.ndarray, p_sh: np.ndarray, crisis_rule: np.ndarray, y: np.ndarray,
                     veto: float) -> float:
    """How calm the self-harm head must read for a crisis rule's match to be overruled (with the whole message
    below `veto` too): the largest value at which no emergency of the dev set would be; 0 (never) if none is."""
    for crisis_veto in CRISIS_VETOES:
        overruled = crisis_rule & (p_msg < veto) & (p_sh < crisis_veto)
        if not (overruled & (y == 1)).any():
            return crisis_veto
    return 0.0


def train(args, embedder, bank: list[dict], dev_states, dev_clauses, rule, y_dev):
    """Fine-tune for up to args.epochs; the epoch with the best dev recall (then fewest false alarms) wins."""
    import torch

    states = states_of(embedder, [row["text"] for row in bank])
    labels = np.array([[row["label"] == "emergency", row["label"] == "emergency" and row["kind"] == "self_harm"]
                       for row in bank], dtype=np.float32)
    trainer = Trainer(args.seed, len(triage.HEADS))
    digest = hashlib.sha256(b"".join(path.read_bytes() for path in args.bank)).hexdigest()[:12]
    positive = labels.mean(0)
    loss = torch.nn.BCEWithLogitsLoss(pos_weight=torch.from_numpy((1 - positive) / positive))
    optimiser = trainer.optimiser(args.lr)
    rng = np.random.default_rng(args.seed)
    best = None
    for epoch in range(1, args.epochs + 1):
        total = trainer.fit_epoch(states, labels, optimiser, loss, rng)
        model = trainer.model(triage.TriageModel, embedder.model_id, digest, triage.HEADS)
        p_msg, p_clause, p_sh = scores(model, dev_states, dev_clauses)
        thresholds = pick_thresholds(p_msg, p_clause, rule, y_dev)
        hit = hits(thresholds, p_msg, p_clause, rule)
        key = (float(hit[y_dev == 1].mean()), -float(hit[y_dev == 0].mean()))
        print(f"epoch {epoch}: loss {total:.1f}, dev recall {key[0]:.3f}, false alarms {-key[1]:.3f}",
              file=sys.stderr, flush=True)
        if best is None or key > best[0]:
            best = (key, epoch, model, p_sh, thresholds)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bank", type=Path, nargs="+", default=[ROOT / "data" / "triage_bank.jsonl"],
                        help="the labelled messages to train on (several files are read as one bank)")
    parser.add_argument("--dev", type=Path, nargs="+",
                        default=[ROOT / "eval" / "triage_dev.jsonl", ROOT / "eval" / "triage_dev2.jsonl"])
    parser.add_argument("--out", type=Path, default=triage.MODEL_PATH)
    parser.add_argument("--epochs", type=int, default=6, help="at most; the epoch with the best dev score is kept")
    parser.add_argument("--lr", type=float, default=5e-5, help="learning rate of the layer (the head's is 600x)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--thresholds-only", action="store_true",
                        help="keep the trained weights in --out and pick its thresholds again (seconds, no torch)")
    args = parser.parse_args()

    bank, dev = [row for path in args.bank for row in read(path)], [row for path in args.dev for row in read(path)]
    embedder = load_embedder(Settings())  # the bundled model, on the path `mgqa ask` uses
    dev_states = states_of(embedder, [row["text"] for row in dev])
    dev_clauses = clause_states(embedder, [row["text"] for row in dev])
    y_dev = np.array([row["label"] == "emergency" for row in dev], dtype=int)
    # the rules' emergency matches (a crisis match always stands, so it is not the classifier's to veto)
    rule = np.array([(r := safety.triage(row["text"])) is not None and r.kind == "emergency" for row in dev])

    if args.thresholds_only:
        model = triage.TriageModel.load(args.out, triage.HEADS)
        p_msg, p_clause, p_sh = scores(model, dev_states, dev_clauses)
        thresholds = pick_thresholds(p_msg, p_clause, rule, y_dev)
        hit = hits(thresholds, p_msg, p_clause, rule)
        best = ((float(hit[y_dev == 1].mean()), -float(hit[y_dev == 0].mean())), 0, model, p_sh, thresholds)
    else:
        best = train(args, embedder, bank, dev_states, dev_clauses, rule, y_dev)
    (recall, false), epoch, model, p_sh, thresholds = best
    sh_dev = np.array([row["label"] == "emergency" and row["kind"] == "self_harm" for row in dev], dtype=int)
    # every self-harm message of the dev set gets the crisis line, unless that would put it on more than
    # MAX_CRISIS_ON_CALM of the dev set's calm look-alikes or MAX_CRISIS_ON_ORDINARY of the ordinary questions
    # (the crisis line withholds every quote; the emergency head still catches a missed message as urgent)
    calm = np.array([row["label"] == "calm" for row in dev])
    ordinary = ordinary_self_harm(model, embedder)
    t_sh = float(max(min(0.5, p_sh[sh_dev == 1].min()), quantile_above(p_sh[calm], MAX_CRISIS_ON_CALM),
                     quantile_above(ordinary, MAX_CRISIS_ON_ORDINARY)))
    crisis_rule = np.array([(r := safety.triage(row["text"])) is not None and r.kind == "crisis" for row in dev])
    p_msg = scores(model, dev_states, dev_clauses)[0]
    crisis_veto = pick_crisis_veto(p_msg, p_sh, crisis_rule, y_dev, thresholds["veto"])
    model.thresholds = thresholds | {"self_harm": t_sh, "grey": round(thresholds["emergency"] / 3, 4),
                                     "crisis_veto": crisis_veto,
                                     "self_harm_floor": pick_self_harm_floor(model, dev_states, dev_clauses,
                                                                             thresholds, t_sh, sh_dev)}
    model.save(args.out)
    print(json.dumps({"bank": len(bank), "dev": len(dev), "epoch": epoch, "thresholds": model.thresholds,
                      "dev_recall": round(recall, 3), "dev_false_alarms": round(-false, 3),
                      "wrote": shown(args.out)}, indent=2))


if __name__ == "__main__":
    main()
