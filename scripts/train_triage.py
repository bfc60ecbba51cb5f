"""Fine-tune the triage layer on the labelled bank and pick its thresholds on the development set.

    .venv/bin/python scripts/train_triage.py            # writes src/mgqa/triage_model.npz (~10-20 min, 2 cores)

Offline: the bundled model gives each message's states going into its last layer (data/triage_bank.jsonl
for training, eval/triage_dev.jsonl for choosing the epoch and the thresholds); eval/triage_blind.jsonl is
never read here. A copy of the model's last layer and two logistic heads (emergency, self-harm) are trained
together with torch; the saved weights are then scored the way `mgqa ask` scores them (numpy, float16
weights), and the thresholds are picked on those scores. Thresholds are recall-first: the best dev recall with
false alarms at most MAX_FALSE_ALARMS, then the fewest false alarms. Seeded; torch's CPU kernels can still
differ in the last bits between machines, so a rerun elsewhere can move a figure by a message or two.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from mgqa import safety, triage, vocabulary  # noqa: E402
from mgqa.embedding import load_embedder, model_path  # noqa: E402
from mgqa.settings import Settings  # noqa: E402

MAX_FALSE_ALARMS = 0.05  # on the development set's calm look-alikes
LAST_LAYER = 5  # MiniLM-L6's sixth and last transformer layer


def read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def states_of(embedder, texts: list[str], batch: int = 64) -> list[np.ndarray]:
    """Each text's states going into the last layer, as `mgqa ask` computes them (texts widened the same way)."""
    widened = [vocabulary.expand(t) for t in texts]
    order = sorted(range(len(widened)), key=lambda i: len(widened[i]))
    out: list[np.ndarray] = [np.zeros(0)] * len(widened)
    for start in range(0, len(order), batch):
        rows = order[start:start + batch]
        for row, state in zip(rows, embedder.encode_states([widened[i] for i in rows])[1]):
            out[row] = state
    return out


def clause_states(embedder, texts: list[str]) -> list[list[np.ndarray]]:
    parts = [triage.clauses(text) for text in texts]
    flat = states_of(embedder, [c for cs in parts for c in cs])
    out, at = [], 0
    for cs in parts:
        out.append(flat[at:at + len(cs)])
        at += len(cs)
    return out


class Trainer:
    """The last layer (tanh GELU, as numpy runs it) and a two-output head, trained with torch."""

    def __init__(self, seed: int) -> None:
        import torch
        from transformers import AutoModel

        torch.manual_seed(seed)
        base = AutoModel.from_pretrained(model_path(Settings().model), attn_implementation="eager")
        self.layer = copy.deepcopy(base.encoder.layer[LAST_LAYER]).train()
        self.layer.intermediate.intermediate_act_fn = torch.nn.GELU(approximate="tanh")
        self.head = torch.nn.Linear(base.config.hidden_size, len(triage.HEADS))
        self.torch = torch

    def logits(self, batch: list[np.ndarray]):
        torch = self.torch
        width = max(len(s) for s in batch)
        x = torch.zeros(len(batch), width, batch[0].shape[1])
        mask = torch.zeros(len(batch), width)
        for i, s in enumerate(batch):
            x[i, :len(s)] = torch.from_numpy(s)
            mask[i, :len(s)] = 1
        out = self.layer(x, attention_mask=(1.0 - mask[:, None, None, :]) * -1e9)
        x = out[0] if isinstance(out, tuple) else out
        pooled = (x * mask.unsqueeze(-1)).sum(1) / mask.sum(1, keepdim=True)
        return self.head(torch.nn.functional.normalize(pooled, dim=1))

    def fit_epoch(self, states: list[np.ndarray], labels: np.ndarray, optimiser, loss, rng) -> float:
        torch = self.torch
        # batches of similar length (little padding), in random order
        order = sorted(rng.permutation(len(states)), key=lambda i: len(states[i]) // 8)
        batches = [order[i:i + 32] for i in range(0, len(order), 32)]
        total = 0.0
        for b in rng.permutation(len(batches)):
            rows = batches[b]
            value = loss(self.logits([states[i] for i in rows]), torch.from_numpy(labels[rows]))
            optimiser.zero_grad()
            value.backward()
            optimiser.step()
            total += float(value.detach())
        return total

    def model(self, model_id: str, digest: str) -> triage.TriageModel:
        """The trained weights as the shipped model holds them (float16 round trip included)."""
        prefix = {f"{name}.{part}" for name in triage.LAYER_WEIGHTS + triage.LAYER_NORMS for part in ("weight", "bias")}
        weights = {name: value.detach().numpy() for name, value in self.layer.state_dict().items() if name in prefix}
        weights["head.weight"] = self.head.weight.detach().numpy()
        weights["head.bias"] = self.head.bias.detach().numpy()
        weights = {name: value.astype(np.float16).astype(np.float32) for name, value in weights.items()}
        return triage.TriageModel(weights, {}, model_id, digest)


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


def train(args, embedder, bank: list[dict], dev_states, dev_clauses, rule, y_dev):
    """Fine-tune for up to args.epochs; the epoch with the best dev recall (then fewest false alarms) wins."""
    import torch

    states = states_of(embedder, [row["text"] for row in bank])
    labels = np.array([[row["label"] == "emergency", row["label"] == "emergency" and row["kind"] == "self_harm"]
                       for row in bank], dtype=np.float32)
    trainer = Trainer(args.seed)
    digest = hashlib.sha256(args.bank.read_bytes()).hexdigest()[:12]
    positive = labels.mean(0)
    loss = torch.nn.BCEWithLogitsLoss(pos_weight=torch.from_numpy((1 - positive) / positive))
    optimiser = torch.optim.AdamW([{"params": trainer.layer.parameters(), "lr": args.lr},
                                   {"params": trainer.head.parameters(), "lr": args.lr * 600}], weight_decay=0.01)
    rng = np.random.default_rng(args.seed)
    best = None
    for epoch in range(1, args.epochs + 1):
        total = trainer.fit_epoch(states, labels, optimiser, loss, rng)
        model = trainer.model(embedder.model_id, digest)
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
    parser.add_argument("--bank", type=Path, default=ROOT / "data" / "triage_bank.jsonl")
    parser.add_argument("--dev", type=Path, default=ROOT / "eval" / "triage_dev.jsonl")
    parser.add_argument("--out", type=Path, default=triage.MODEL_PATH)
    parser.add_argument("--epochs", type=int, default=6, help="at most; the epoch with the best dev score is kept")
    parser.add_argument("--lr", type=float, default=5e-5, help="learning rate of the layer (the head's is 600x)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--thresholds-only", action="store_true",
                        help="keep the trained weights in --out and pick its thresholds again (seconds, no torch)")
    args = parser.parse_args()

    bank, dev = read(args.bank), read(args.dev)
    embedder = load_embedder(Settings())  # the bundled model, on the path `mgqa ask` uses
    dev_states = states_of(embedder, [row["text"] for row in dev])
    dev_clauses = clause_states(embedder, [row["text"] for row in dev])
    y_dev = np.array([row["label"] == "emergency" for row in dev], dtype=int)
    # the rules' emergency matches (a crisis match always stands, so it is not the classifier's to veto)
    rule = np.array([(r := safety.triage(row["text"])) is not None and r.kind == "emergency" for row in dev])

    if args.thresholds_only:
        model = triage.TriageModel.load(args.out)
        p_msg, p_clause, p_sh = scores(model, dev_states, dev_clauses)
        thresholds = pick_thresholds(p_msg, p_clause, rule, y_dev)
        hit = hits(thresholds, p_msg, p_clause, rule)
        best = ((float(hit[y_dev == 1].mean()), -float(hit[y_dev == 0].mean())), 0, model, p_sh, thresholds)
    else:
        best = train(args, embedder, bank, dev_states, dev_clauses, rule, y_dev)
    (recall, false), epoch, model, p_sh, thresholds = best
    sh_dev = np.array([row["label"] == "emergency" and row["kind"] == "self_harm" for row in dev], dtype=int)
    # every self-harm message of the dev set gets the crisis line, unless that would put it on more than
    # MAX_FALSE_ALARMS of the other dev messages (the emergency head still catches those as urgent)
    others = np.sort(p_sh[sh_dev == 0])
    t_sh = float(max(min(0.5, p_sh[sh_dev == 1].min()), others[int(len(others) * (1 - MAX_FALSE_ALARMS))]))
    model.thresholds = thresholds | {"self_harm": t_sh, "grey": round(thresholds["emergency"] / 3, 4)}
    model.save(args.out)
    print(json.dumps({"bank": len(bank), "dev": len(dev), "epoch": epoch, "thresholds": model.thresholds,
                      "dev_recall": round(recall, 3), "dev_false_alarms": round(-false, 3),
                      "wrote": _shown(args.out)}, indent=2))


def _shown(path: Path) -> str:
    """A written file as the report names it: repo-relative when it is inside the repository."""
    resolved = path.resolve()
    return str(resolved.relative_to(ROOT)) if resolved.is_relative_to(ROOT) else str(path)


if __name__ == "__main__":
    main()
