"""A fine-tuned copy of the encoder's last transformer layer (or last few) with logistic heads, run in numpy.

The bundled MiniLM has six transformer layers. Its ONNX export also hands out the states going into the
sixth, so a model that needs to read a text differently from retrieval (the triage: "took 20 pills an hour
ago" against "years ago"; the query adapter; the answer check: does this sentence answer that question) runs its
own fine-tuned copy of that one layer on states the encoder computed anyway, then mean-pools and normalises like
the encoder does and scores its heads. A model may copy the last few layers instead (`depth`, read from its
weights' names); the export also gives the states going into the last two. Trained by scripts/finetune.py's
Trainer; numpy here is the reference that the torch training and the onnxruntime graph (layer_onnx.py) are
checked against.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import nullcontext
from functools import cache
from pathlib import Path

import numpy as np

# One transformer layer's weights, as the encoder names them under encoder.layer.N.
LAYER_WEIGHTS = ("attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense",
                 "intermediate.dense", "output.dense")
LAYER_NORMS = ("attention.output.LayerNorm", "output.LayerNorm")
ATTENTION_HEADS = 12
# One layer's parameters, as the encoder names them under encoder.layer.N
PARAMETERS = tuple(f"{name}.{part}" for name in LAYER_WEIGHTS + LAYER_NORMS for part in ("weight", "bias"))


def weight_name(k: int, depth: int, name: str) -> str:
    """How a model of `depth` copied layers names layer k's parameter `name`: one layer's as the encoder names
    them under encoder.layer.N (the triage's and the adapter's files), several under layer0., layer1., ..."""
    return name if depth == 1 else f"layer{k}.{name}"


def depth_of(weights: dict) -> int:
    """How many layers the weights copy (0 when they hold none)."""
    if "attention.self.query.weight" in weights:
        return 1
    k = 0
    while f"layer{k}.attention.self.query.weight" in weights:
        k += 1
    return k


def gelu(x: np.ndarray) -> np.ndarray:
    """The tanh form of GELU; the layer is fine-tuned with this form, so numpy and torch agree."""
    return 0.5 * x * (1.0 + np.tanh(0.7978845608028654 * (x + 0.044715 * x * x * x)))  # x*x*x: ** is 300x slower


def layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float = 1e-12) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * weight + bias


class LayerModel:
    """The layer and its heads; `weights` maps the encoder's parameter names (plus head.weight/head.bias) to
    float32 arrays, `heads` names the head outputs in order."""

    # whether its onnxruntime graph may hold int8 weights (layer_onnx.QUANTIZED_ATOL from the float layer): set by
    # a model whose verdicts were measured unchanged with them
    INT8 = False

    def __init__(self, weights: dict[str, np.ndarray], thresholds: dict[str, float], model_id: str,
                 trained_on: str = "", heads: Sequence[str] = ()) -> None:
        self.weights = {name: np.asarray(value, dtype=np.float32) for name, value in weights.items()}
        self.depth = depth_of(self.weights)
        # the products' matrices laid out once as the products read them
        self._dense = {name[:-7]: (np.ascontiguousarray(value.T), self.weights[f"{name[:-7]}.bias"])
                       for name, value in self.weights.items()
                       if name.endswith(".weight") and value.ndim == 2}
        self.thresholds = thresholds
        self.heads = tuple(heads)
        self.runner: Callable[[Sequence[np.ndarray]], np.ndarray] | None = None  # see layer_onnx.attach
        self.model_id = model_id
        self.trained_on = trained_on

    def vector(self, states: np.ndarray) -> np.ndarray:
        """One text's pooled vector from its states going into the copied layers ([tokens, dim], no padding)."""
        x = np.asarray(states, dtype=np.float32)
        for k in range(self.depth):
            x = self._layer(x, lambda name, k=k: weight_name(k, self.depth, name))
        pooled = x.mean(0)
        return pooled / max(float(np.linalg.norm(pooled)), 1e-12)

    def _layer(self, x: np.ndarray, named: Callable[[str], str]) -> np.ndarray:
        """One transformer layer on [tokens, dim]; `named` gives its parameters' names."""
        w = self.weights
        n, dim = x.shape
        size = dim // ATTENTION_HEADS

        def dense(name: str, value: np.ndarray) -> np.ndarray:
            matrix, bias = self._dense[named(name)]
            return value @ matrix + bias

        q, k, v = (dense(f"attention.self.{part}", x).reshape(n, ATTENTION_HEADS, size).transpose(1, 0, 2)
                   for part in ("query", "key", "value"))
        scores = q @ k.transpose(0, 2, 1) / np.sqrt(size)
        scores = np.exp(scores - scores.max(-1, keepdims=True))
        context = (scores / scores.sum(-1, keepdims=True)) @ v
        context = context.transpose(1, 0, 2).reshape(n, dim)
        x = layer_norm(x + dense("attention.output.dense", context), w[named("attention.output.LayerNorm.weight")],
                       w[named("attention.output.LayerNorm.bias")])
        return layer_norm(x + dense("output.dense", gelu(dense("intermediate.dense", x))),
                          w[named("output.LayerNorm.weight")], w[named("output.LayerNorm.bias")])

    def probabilities(self, states: Sequence[np.ndarray]) -> dict[str, np.ndarray]:
        """Each head's probability for each text (through onnxruntime when layer_onnx attached a runner)."""
        p = self.runner(states) if self.runner else self.numpy_probabilities(states)
        return {name: p[:, i] for i, name in enumerate(self.heads)}

    def numpy_probabilities(self, states: Sequence[np.ndarray]) -> np.ndarray:
        """[texts, heads] probabilities computed in numpy: the reference the ONNX graph is checked against."""
        with _one_blas_thread():
            head, bias = self._dense["head"]
            vectors = np.stack([self.vector(s) for s in states]) if len(states) else np.zeros((0, len(head)),
                                                                                                np.float32)
            logits = vectors @ head + bias
        return 1.0 / (1.0 + np.exp(-logits))

    def save(self, path: Path) -> None:
        """Weights as float16 (half the size in the repository); thresholds are picked on the saved model."""
        arrays = {f"w:{name}": value.astype(np.float16) for name, value in self.weights.items()}
        arrays |= {f"t:{name}": np.float32(value) for name, value in self.thresholds.items()}
        with path.open("wb") as handle:
            np.savez_compressed(handle, model_id=np.array(self.model_id), trained_on=np.array(self.trained_on),
                                heads=np.array(self.heads), **arrays)

    @classmethod
    def load(cls, path: Path, heads: Sequence[str] = ()) -> LayerModel:
        """The saved model; `heads` names its outputs when the file predates saving them."""
        with np.load(path, allow_pickle=False) as data:
            weights = {key[2:]: data[key] for key in data.files if key.startswith("w:")}
            thresholds = {key[2:]: float(data[key]) for key in data.files if key.startswith("t:")}
            saved = tuple(str(h) for h in data["heads"]) if "heads" in data.files else tuple(heads)
            return cls(weights, thresholds, str(data["model_id"]), str(data["trained_on"]), saved)


def load_for(cls: type[LayerModel], path: Path, model_id: str, heads: Sequence[str]) -> LayerModel | None:
    """The model saved at `path` if it is whole, has these heads and was trained on this embedding model; with
    no heads (the query adapter), the layer alone is whole."""
    try:
        model = cls.load(path, heads)
    except (OSError, ValueError, KeyError):
        return None
    needed = {weight_name(k, model.depth, name) for k in range(model.depth) for name in PARAMETERS}
    head = model.weights.get("head.weight")
    heads_whole = head is None if not heads else head is not None and head.shape[0] == len(heads)
    if model.model_id != model_id or not model.depth or not needed <= model.weights.keys() \
            or model.heads != tuple(heads) or not heads_whole:
        return None
    return model


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
