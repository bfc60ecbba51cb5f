"""Emergency triage by meaning: a fine-tuned last transformer layer on states retrieval computes anyway.

The bundled MiniLM has six transformer layers. Retrieval runs all six to embed the question; the triage
takes the states going into the sixth, runs its own fine-tuned copy of that layer (one layer, in numpy,
well under a millisecond for a question), mean-pools and normalises like the encoder does, and scores
two heads:
- emergency: something happening now that needs emergency care (any of ~20 kinds);
- self_harm: suicidal or self-harm talk, direct or indirect, about oneself or someone else.
Fine-tuning the layer (scripts/train_triage.py, on a labelled bank of worried people's messages and their
calm look-alikes) lets the triage read what frozen sentence vectors blur: "took 20 pills an hour ago" and
"took 20 pills years ago" embed close together for retrieval, but not after the triage layer.
A message of several clauses is also scored clause by clause ("he collapsed and won't wake. can magnesium
help?" would otherwise read as the supplement question), but only when the whole message is not already
a hit and scores above a floor: the calm context of the whole message vetoes a stray clause.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

MODEL_PATH = Path(__file__).with_name("triage_model.npz")
HEADS = ("emergency", "self_harm")
_CLAUSE_END = re.compile(r"[.?!;\n]+")
# One transformer layer's weights, as the encoder names them under encoder.layer.N.
LAYER_WEIGHTS = ("attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense",
                 "intermediate.dense", "output.dense")
LAYER_NORMS = ("attention.output.LayerNorm", "output.LayerNorm")
ATTENTION_HEADS = 12


def clauses(text: str) -> list[str]:
    """The clauses of a message split at sentence ends; [] when it has only one (the message is enough)."""
    parts = [part.strip() for part in _CLAUSE_END.split(text)]
    parts = [part for part in parts if len(part.split()) >= 2]
    return parts if len(parts) > 1 else []


@dataclass(frozen=True)
class Assessment:
    emergency: float  # the whole message's probability of an emergency now
    clause: float  # the highest clause probability (0 when not scored)
    self_harm: float
    urgent: bool
    crisis: bool
    grey: bool  # not urgent, but not sure enough to say nothing
    calm: bool  # the whole message scores below the veto: calm enough to overrule a rule's match


def gelu(x: np.ndarray) -> np.ndarray:
    """The tanh form of GELU; the layer is fine-tuned with this form, so numpy and torch agree."""
    return 0.5 * x * (1.0 + np.tanh(0.7978845608028654 * (x + 0.044715 * x * x * x)))  # x*x*x: ** is 300x slower


def layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float = 1e-12) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * weight + bias


class TriageModel:
    """The triage layer and its heads; `weights` maps the encoder's parameter names to float32 arrays."""

    def __init__(self, weights: dict[str, np.ndarray], thresholds: dict[str, float], model_id: str,
                 trained_on: str = "") -> None:
        self.weights = {name: np.asarray(value, dtype=np.float32) for name, value in weights.items()}
        # the products' matrices laid out once as the products read them
        self._dense = {name[:-7]: (np.ascontiguousarray(value.T), self.weights[f"{name[:-7]}.bias"])
                       for name, value in self.weights.items()
                       if name.endswith(".weight") and value.ndim == 2}
        self.thresholds = thresholds
        self.runner: Callable[[Sequence[np.ndarray]], np.ndarray] | None = None  # see triage_onnx.attach
        self.model_id = model_id
        self.trained_on = trained_on

    def vector(self, states: np.ndarray) -> np.ndarray:
        """One text's triage vector from its states going into the last layer ([tokens, dim], no padding)."""
        w = self.weights
        x = np.asarray(states, dtype=np.float32)
        n, dim = x.shape
        size = dim // ATTENTION_HEADS

        def dense(name: str, value: np.ndarray) -> np.ndarray:
            matrix, bias = self._dense[name]
            return value @ matrix + bias

        q, k, v = (dense(f"attention.self.{part}", x).reshape(n, ATTENTION_HEADS, size).transpose(1, 0, 2)
                   for part in ("query", "key", "value"))
        scores = q @ k.transpose(0, 2, 1) / np.sqrt(size)
        scores = np.exp(scores - scores.max(-1, keepdims=True))
        context = (scores / scores.sum(-1, keepdims=True)) @ v
        context = context.transpose(1, 0, 2).reshape(n, dim)
        x = layer_norm(x + dense("attention.output.dense", context), w["attention.output.LayerNorm.weight"],
                       w["attention.output.LayerNorm.bias"])
        x = layer_norm(x + dense("output.dense", gelu(dense("intermediate.dense", x))), w["output.LayerNorm.weight"],
                       w["output.LayerNorm.bias"])
        pooled = x.mean(0)
        return pooled / max(float(np.linalg.norm(pooled)), 1e-12)

    def probabilities(self, states: Sequence[np.ndarray]) -> dict[str, np.ndarray]:
        """Each head's probability for each text (through onnxruntime when triage_onnx attached a runner)."""
        p = self.runner(states) if self.runner else self.numpy_probabilities(states)
        return {name: p[:, i] for i, name in enumerate(HEADS)}

    def numpy_probabilities(self, states: Sequence[np.ndarray]) -> np.ndarray:
        """[texts, heads] probabilities computed in numpy: the reference the ONNX graph is checked against."""
        with _one_blas_thread():
            head, bias = self._dense["head"]
            vectors = np.stack([self.vector(s) for s in states]) if len(states) else np.zeros((0, len(head)),
                                                                                                np.float32)
            logits = vectors @ head + bias
        return 1.0 / (1.0 + np.exp(-logits))

    def assess(self, states: np.ndarray, clause_states: Callable[[], Sequence[np.ndarray]]) -> Assessment:
        """Score one message from its states; `clause_states` is called only if clause scores could matter."""
        t = self.thresholds
        whole = self.probabilities([states])
        p, self_harm = float(whole["emergency"][0]), float(whole["self_harm"][0])
        clause = 0.0
        if t["floor"] <= p < t["emergency"]:
            parts = clause_states()
            if len(parts):
                scored = self.probabilities(parts)
                clause = float(scored["emergency"].max())
                self_harm = max(self_harm, float(scored["self_harm"].max()))
        urgent = p >= t["emergency"] or clause >= t["clause"]
        # any self-harm signal gets the crisis line, even when nothing else reads as an emergency ("i've written
        # letters to everyone"); ordinary and off-topic questions in the training bank keep the head from straying
        crisis = self_harm >= t["self_harm"]
        grey = not (urgent or crisis) and p >= t["grey"]
        return Assessment(p, clause, self_harm, urgent or crisis, crisis, grey, calm=p < t["veto"])

    def save(self, path: Path) -> None:
        """Weights as float16 (half the size in the repository); thresholds are picked on the saved model."""
        arrays = {f"w:{name}": value.astype(np.float16) for name, value in self.weights.items()}
        arrays |= {f"t:{name}": np.float32(value) for name, value in self.thresholds.items()}
        with path.open("wb") as handle:
            np.savez_compressed(handle, model_id=np.array(self.model_id), trained_on=np.array(self.trained_on),
                                **arrays)

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> TriageModel:
        with np.load(path, allow_pickle=False) as data:
            weights = {key[2:]: data[key] for key in data.files if key.startswith("w:")}
            thresholds = {key[2:]: float(data[key]) for key in data.files if key.startswith("t:")}
            return cls(weights, thresholds, str(data["model_id"]), str(data["trained_on"]))


@cache
def _blas_controller():
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:
        return None
    return ThreadpoolController()


def _one_blas_thread():
    """One BLAS thread for the layer's small products: split across busy cores (the encoder's threads, other
    asks) they waited on each other and took 30x longer. Without threadpoolctl, BLAS keeps its own setting."""
    controller = _blas_controller()
    return controller.limit(limits=1, user_api="blas") if controller else nullcontext()


def load_for(model_id: str) -> TriageModel | None:
    """The shipped triage if it was trained on this embedding model; None otherwise (rules only)."""
    try:
        model = TriageModel.load()
    except (OSError, ValueError, KeyError):
        return None
    needed = {f"{name}.{part}" for name in LAYER_WEIGHTS + LAYER_NORMS for part in ("weight", "bias")}
    if model.model_id != model_id or not needed <= model.weights.keys() or "head.weight" not in model.weights:
        return None
    return model
