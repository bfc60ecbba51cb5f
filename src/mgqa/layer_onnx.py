"""A fine-tuned layer (layer.LayerModel: the triage, the answer check) as a small ONNX graph, so onnxruntime runs
it the way it runs the encoder.

numpy runs the layer correctly (layer.LayerModel.vector is the reference), but a dozen small products and
their Python overhead cost about as much as the whole six-layer encoder run in onnxruntime. The graph is
written once from the shipped weights with onnx's helper API (no torch), checked against numpy, and only then
cached beside the encoder's export, under a name that follows the weights.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from pathlib import Path

import numpy as np

from mgqa import layer

log = logging.getLogger(__name__)

GRAPH_VERSION = 2  # bump when build() changes what it writes


# int8 weights (onnxruntime's dynamic quantization, a scale per output channel; activations quantized each run)
# against the float layer: the largest difference in a head's probability allowed (random states: 0.019; the
# triage's development messages stay within it too, tests/test_layer.py)
QUANTIZED_ATOL = 0.05


def cached_path(model_file: Path, cache: Path, int8: bool = False) -> Path:
    """Where the graph of the weights in `model_file` is kept: its name follows the weights (and int8 or not)."""
    digest = hashlib.sha256(model_file.read_bytes()).hexdigest()[:16]
    return cache / "layers" / f"{model_file.stem}-v{GRAPH_VERSION}-{digest}{'-int8' if int8 else ''}.onnx"


def build(model: layer.LayerModel, target: Path) -> None:
    """Write the layers, pooling, normalisation and heads of `model` as one graph: states [tokens, dim] in,
    probabilities [1, heads] out; a model without heads (the query adapter) gives its vector [1, dim]. For a
    model with INT8 set, the graph's matrix products then take int8 weights (about three times faster on this
    layer)."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    w = model.weights
    dim = w[layer.weight_name(0, model.depth, "attention.output.dense.weight")].shape[0]
    size = dim // layer.ATTENTION_HEADS
    nodes, inits = [], []

    def const(name: str, value) -> str:
        inits.append(numpy_helper.from_array(np.asarray(value), name))
        return name

    def node(op: str, inputs: list[str], **attrs) -> str:
        out = f"{op.lower()}_{len(nodes)}"
        nodes.append(helper.make_node(op, inputs, [out], **attrs))
        return out

    def dense(name: str, x: str) -> str:
        matrix = const(f"{name}.T", np.ascontiguousarray(w[f"{name}.weight"].T))
        return node("Add", [node("MatMul", [x, matrix]), const(f"{name}.bias", w[f"{name}.bias"])])

    def heads(x: str, perm: list[int]) -> str:
        split = node("Reshape", [x, const(f"shape_{len(inits)}", np.array([-1, layer.ATTENTION_HEADS, size]))])
        return node("Transpose", [split], perm=perm)

    def norm(x: str, name: str) -> str:
        return node("LayerNormalization", [x, const(f"{name}.weight", w[f"{name}.weight"]),
                                           const(f"{name}.bias", w[f"{name}.bias"])], axis=-1, epsilon=1e-12)

    def one_layer(x: str, k: int) -> str:
        def named(name: str) -> str:
            return layer.weight_name(k, model.depth, name)

        q = heads(dense(named("attention.self.query"), x), [1, 0, 2])
        key = heads(dense(named("attention.self.key"), x), [1, 2, 0])
        v = heads(dense(named("attention.self.value"), x), [1, 0, 2])
        scores = node("Mul", [node("MatMul", [q, key]), const(f"scale_{k}", np.float32(1 / np.sqrt(size)))])
        context = node("MatMul", [node("Softmax", [scores], axis=-1), v])
        context = node("Reshape", [node("Transpose", [context], perm=[1, 0, 2]),
                                   const(f"flat_{k}", np.array([-1, dim]))])
        x = norm(node("Add", [x, dense(named("attention.output.dense"), context)]),
                 named("attention.output.LayerNorm"))
        h = dense(named("intermediate.dense"), x)
        cube = node("Mul", [node("Mul", [h, h]), h])
        inner = node("Mul", [node("Add", [h, node("Mul", [cube, const(f"c1_{k}", np.float32(0.044715))])]),
                             const(f"c2_{k}", np.float32(0.7978845608028654))])
        gelu = node("Mul", [node("Mul", [h, const(f"half_{k}", np.float32(0.5))]),
                            node("Add", [node("Tanh", [inner]), const(f"one_{k}", np.float32(1.0))])])
        return norm(node("Add", [x, dense(named("output.dense"), gelu)]), named("output.LayerNorm"))

    x = "states"
    for k in range(model.depth):
        x = one_layer(x, k)
    pooled = node("ReduceMean", [x], axes=[0], keepdims=1)
    unit = node("Div", [pooled, node("ReduceL2", [pooled], axes=[1], keepdims=1)])
    if model.heads:
        nodes.append(helper.make_node("Sigmoid", [dense("head", unit)], ["probabilities"]))
        output = helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, [1, len(model.heads)])
    else:
        nodes.append(helper.make_node("Identity", [unit], ["vector"]))
        output = helper.make_tensor_value_info("vector", TensorProto.FLOAT, [1, dim])
    graph = helper.make_graph(nodes, "mgqa-layer", [helper.make_tensor_value_info("states", TensorProto.FLOAT,
                                                                                    ["tokens", dim])],
                              [output], inits)
    onnx_model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.checker.check_model(onnx_model)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.with_name(f".{target.name}.{uuid.uuid4().hex[:6]}.tmp")
    try:
        onnx.save_model(onnx_model, str(staging))
        probe = [np.random.default_rng(0).standard_normal((n, dim)).astype(np.float32) for n in (3, 17)]
        expected = model.numpy_probabilities(probe) if model.heads else np.stack([model.vector(s) for s in probe])
        if not np.allclose(OnnxLayer(staging, len(expected[0]))(probe), expected, atol=1e-4):
            raise ValueError("the layer graph disagrees with the numpy layer")  # never cached, so never used
        if model.INT8:
            from onnxruntime.quantization import QuantType, quantize_dynamic

            quantized = staging.with_name(f"{staging.name}.int8")
            logging.disable(logging.WARNING)  # its advice to pre-process the graph, on the root logger
            try:
                quantize_dynamic(str(staging), str(quantized), weight_type=QuantType.QInt8, per_channel=True)
            finally:
                logging.disable(logging.NOTSET)
            quantized.replace(staging)
            if not np.allclose(OnnxLayer(staging, len(expected[0]))(probe), expected, atol=QUANTIZED_ATOL):
                raise ValueError("the int8 layer graph strays from the numpy layer")
        staging.replace(target)  # whole or not at all: a killed build leaves only a staging file
    finally:
        staging.unlink(missing_ok=True)
        staging.with_name(f"{staging.name}.int8").unlink(missing_ok=True)


class OnnxLayer:
    """Runs the cached graph: each text's states -> its head probabilities, like LayerModel.numpy_probabilities
    (or its vector, for a model without heads); `width`: the outputs a text gets."""

    def __init__(self, path: Path, width: int) -> None:
        self.width = width
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3
        options.intra_op_num_threads = 1  # one small layer: threads would cost more than they give
        self._session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

    def __call__(self, states) -> np.ndarray:
        rows = [self._session.run(None, {"states": np.asarray(s, dtype=np.float32)})[0][0] for s in states]
        return np.stack(rows) if rows else np.zeros((0, self.width), np.float32)


def attach(model: layer.LayerModel, cache: Path, model_file: Path) -> bool:
    """Let `model` score through onnxruntime when the graph is cached or can be built (a graph is cached only
    once it agrees with numpy, and its name follows the weights); leave it on numpy otherwise. Returns whether
    it was attached."""
    try:
        path = cached_path(model_file, cache, model.INT8)
        if not path.is_file():
            build(model, path)
        width = len(model.heads) or model.weights[layer.weight_name(0, model.depth, "output.dense.weight")].shape[0]
        runner = OnnxLayer(path, width)
    except Exception as err:  # noqa: BLE001 - onnx and onnxruntime raise their own untyped errors; numpy still works
        log.warning("%s graph unavailable (%s); using numpy", model_file.stem, err)
        return False
    model.runner = runner
    return True
