"""Fine-tuning a copy of the bundled model's last layer or last few layers with logistic heads
(mgqa.layer.LayerModel), with torch.

Shared by scripts/train_triage.py, scripts/train_answer_check.py and scripts/train_query_adapter.py. The
encoder's first layers stay frozen: each text's states going into the copied layers are computed once, by the
path `mgqa ask` uses, and only the copies and the heads learn.
"""

from __future__ import annotations

import copy
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from mgqa import layer  # noqa: E402
from mgqa.embedding import model_path  # noqa: E402
from mgqa.settings import Settings  # noqa: E402

LAYERS = 6  # MiniLM-L6's transformer layers


def states_of(embedder, texts: list[str], batch: int = 64, layers: int = 1) -> list[np.ndarray]:
    """Each text's states going into the last `layers` layers, in batches of similar length."""
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    out: list[np.ndarray] = [np.zeros(0)] * len(texts)
    for start in range(0, len(order), batch):
        rows = order[start:start + batch]
        for row, state in zip(rows, embedder.layer_states([texts[i] for i in rows], layers)):
            out[row] = state
    return out


def padded(batch: list[np.ndarray]):
    """Texts' states as one zero-padded torch tensor [texts, tokens, dim], with the mask of real tokens."""
    import torch

    width = max(len(s) for s in batch)
    x = torch.zeros(len(batch), width, batch[0].shape[1])
    mask = torch.zeros(len(batch), width)
    for i, s in enumerate(batch):
        x[i, :len(s)] = torch.from_numpy(s)
        mask[i, :len(s)] = 1
    return x, mask


class Trainer:
    """The last `depth` layers (tanh GELU, as numpy runs them) and a head of `heads` outputs, trained with torch."""

    def __init__(self, seed: int, heads: int, depth: int = 1) -> None:
        import torch
        from transformers import AutoModel

        torch.manual_seed(seed)
        base = AutoModel.from_pretrained(model_path(Settings().model), attn_implementation="eager")
        self.layers = torch.nn.ModuleList(copy.deepcopy(base.encoder.layer[k]).train()
                                          for k in range(LAYERS - depth, LAYERS))
        for one in self.layers:
            one.intermediate.intermediate_act_fn = torch.nn.GELU(approximate="tanh")
        self.head = torch.nn.Linear(base.config.hidden_size, heads)
        self.torch = torch

    def pooled(self, batch: list[np.ndarray]):
        """Each text's vector from its states: the layers, mean pooling over its tokens, normalised."""
        torch = self.torch
        x, mask = padded(batch)
        for one in self.layers:
            out = one(x, attention_mask=(1.0 - mask[:, None, None, :]) * -1e9)
            x = out[0] if isinstance(out, tuple) else out
        pooled = (x * mask.unsqueeze(-1)).sum(1) / mask.sum(1, keepdim=True)
        return torch.nn.functional.normalize(pooled, dim=1)

    def logits(self, batch: list[np.ndarray]):
        return self.head(self.pooled(batch))

    def optimiser(self, lr: float):
        """AdamW; the head, new and small, learns 600x faster than the pretrained layer."""
        return self.torch.optim.AdamW([{"params": self.layers.parameters(), "lr": lr},
                                       {"params": self.head.parameters(), "lr": lr * 600}], weight_decay=0.01)

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

    def model(self, cls: type[layer.LayerModel], model_id: str, digest: str, heads: Sequence[str]):
        """The trained weights as the shipped model holds them (float16 round trip included)."""
        weights = {layer.weight_name(k, len(self.layers), name): value.detach().numpy()
                   for k, one in enumerate(self.layers) for name, value in one.state_dict().items()
                   if name in layer.PARAMETERS}
        weights["head.weight"] = self.head.weight.detach().numpy()
        weights["head.bias"] = self.head.bias.detach().numpy()
        weights = {name: value.astype(np.float16).astype(np.float32) for name, value in weights.items()}
        return cls(weights, {}, model_id, digest, heads)


def shown(path: Path) -> str:
    """A written file as a report names it: repo-relative when it is inside the repository."""
    resolved = path.resolve()
    return str(resolved.relative_to(ROOT)) if resolved.is_relative_to(ROOT) else str(path)
