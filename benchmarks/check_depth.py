"""How much the answer check gains from fine-tuning more of the encoder's last layers: held-out AUC by epoch.

    .venv/bin/python benchmarks/check_depth.py --library ../shared/library/docs \\
        --nfcorpus ../shared/benchmarks/nfcorpus/nfcorpus.zip --depth 2 [--epochs 8]

The shipped check (scripts/train_answer_check.py) fine-tunes a copy of the last of MiniLM's six layers on the
states going into it. This trains a copy of the last `--depth` layers instead, on the same pairs with the same
recipe (learning rate, batches, seed, the same fifth of the documents held out), from states computed by the
torch model, and prints the held-out AUC after each epoch; `--depth 1` reproduces the shipped recipe's curve
(within torch-versus-onnxruntime rounding). An experiment: nothing here is shipped or written.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "scripts"))

import train_answer_check as recipe  # noqa: E402
from finetune import padded  # noqa: E402

from mgqa import answer_check  # noqa: E402
from mgqa.documents import SUPPORTED  # noqa: E402
from mgqa.embedding import load_embedder, model_path  # noqa: E402
from mgqa.settings import Settings  # noqa: E402

LAYERS = 6  # MiniLM-L6
BATCH = 32


def states_into(base, tokenizer, texts: list[str], first: int) -> list[np.ndarray]:
    """Each text's states going into layer `first` (0-based), without padding."""
    import torch

    out: list[np.ndarray] = [np.zeros(0)] * len(texts)
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    with torch.no_grad():
        for start in range(0, len(order), 64):
            rows = order[start:start + 64]
            encoded = tokenizer([texts[i] for i in rows], padding=True, truncation=True, max_length=256,
                                return_tensors="pt")
            hidden = base(**encoded, output_hidden_states=True).hidden_states[first]
            for j, i in enumerate(rows):
                out[i] = hidden[j, :int(encoded["attention_mask"][j].sum())].numpy().copy()
    return out


def main() -> None:
    import torch
    from transformers import AutoModel, AutoTokenizer

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--library", type=Path, required=True)
    parser.add_argument("--nfcorpus", type=Path, required=True)
    parser.add_argument("--depth", type=int, default=2, help="how many of the last layers learn (1-6)")
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--lr", type=float, default=5e-5)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.manual_seed(args.seed)

    pairs = [p for p in recipe.read(recipe.PAIRS) if p["id"].split("-")[0] in recipe.CHECK_BATCHES]
    seeds = {path.name for path in (ROOT / "seeds").iterdir() if path.suffix in SUPPORTED}
    sentences = recipe.document_sentences(args.library, args.nfcorpus, {p["doc"] for p in pairs} | seeds)
    rows = recipe.examples(load_embedder(Settings()), pairs, sentences)
    y = np.array([r[2] for r in rows])
    held = np.array([int(hashlib.sha256(r[3].encode()).hexdigest(), 16) % recipe.HELD_OUT == 0 for r in rows])

    path = model_path(Settings().model)
    base = AutoModel.from_pretrained(path, attn_implementation="eager").eval()
    first = LAYERS - args.depth
    began = time.time()
    states = states_into(base, AutoTokenizer.from_pretrained(path),
                         [answer_check.pair_text(q, s) for q, s, _, _ in rows], first)
    layers = torch.nn.ModuleList(copy.deepcopy(base.encoder.layer[k]).train() for k in range(first, LAYERS))
    for one in layers:  # the tanh GELU numpy runs (mgqa.layer)
        one.intermediate.intermediate_act_fn = torch.nn.GELU(approximate="tanh")
    head = torch.nn.Linear(base.config.hidden_size, 1)

    def logits(batch: list[np.ndarray]):
        x, mask = padded(batch)
        for one in layers:
            out = one(x, attention_mask=(1.0 - mask[:, None, None, :]) * -1e9)
            x = out[0] if isinstance(out, tuple) else out
        pooled = (x * mask.unsqueeze(-1)).sum(1) / mask.sum(1, keepdim=True)
        return head(torch.nn.functional.normalize(pooled, dim=1))

    train, test = np.flatnonzero(~held), np.flatnonzero(held)
    share = y[train].mean()
    loss = torch.nn.BCEWithLogitsLoss(pos_weight=torch.tensor([(1 - share) / share], dtype=torch.float32))
    optimiser = torch.optim.AdamW([{"params": layers.parameters(), "lr": args.lr},
                                   {"params": head.parameters(), "lr": args.lr * 600}], weight_decay=0.01)
    rng = np.random.default_rng(args.seed)
    print(f"{len(rows)} pairs, {len(test)} held out; depth {args.depth}", flush=True)
    for epoch in range(1, args.epochs + 1):
        layers.train()
        order = sorted(rng.permutation(train), key=lambda i: len(states[i]) // 8)
        batches = [order[i:i + BATCH] for i in range(0, len(order), BATCH)]
        for b in rng.permutation(len(batches)):
            chosen = batches[b]
            value = loss(logits([states[i] for i in chosen]), torch.from_numpy(y[chosen][:, None].astype(np.float32)))
            optimiser.zero_grad()
            value.backward()
            optimiser.step()
        layers.eval()
        with torch.no_grad():
            p = np.concatenate([torch.sigmoid(logits([states[i] for i in test[k:k + 64]]))[:, 0].numpy()
                                for k in range(0, len(test), 64)])
        print(f"depth {args.depth} epoch {epoch}: held-out AUC {recipe.auc(p, y[test]):.3f} "
              f"({time.time() - began:.0f} s)", flush=True)


if __name__ == "__main__":
    main()
