"""The fine-tuned layers (the triage, the answer check, the query adapter): numpy runs each exactly as torch trained
it, onnxruntime as numpy does, and a damaged or disagreeing graph never replaces numpy."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from mgqa import answer_check, layer, layer_onnx, query_adapter, triage
from mgqa.embedding import DEFAULT_MODEL

MODELS = {"triage": (triage.load_for, triage.MODEL_PATH), "answer_check": (answer_check.load_for,
                                                                           answer_check.MODEL_PATH)}


@pytest.fixture(params=sorted(MODELS))
def shipped(request):
    load_for, path = MODELS[request.param]
    model = load_for(DEFAULT_MODEL)
    assert model is not None, f"the shipped {request.param} model does not load for the bundled model"
    return model, path


def test_each_shipped_layer_is_for_the_bundled_model_only():
    for load_for, _ in MODELS.values():
        assert load_for("some/other-model") is None


def test_a_saved_layer_keeps_its_heads_and_refuses_other_heads(shipped, tmp_path):
    model, _ = shipped
    model.save(tmp_path / "m.npz")
    assert layer.LayerModel.load(tmp_path / "m.npz").heads == model.heads
    assert layer.load_for(layer.LayerModel, tmp_path / "m.npz", model.model_id, ("other",)) is None


@pytest.mark.model
def test_numpy_runs_the_layer_as_torch_does(shipped, real_embedder):
    torch = pytest.importorskip("torch")
    model, _ = shipped
    torch_layer = _torch_layer(torch, model)
    states = real_embedder.layer_states(["my dad is grey and sweaty, clutching his chest", "magnesium"],
                                        model.depth)
    for state in states:
        out = torch_layer(torch.from_numpy(state)[None])[0].mean(0)
        expected = torch.nn.functional.normalize(out, dim=0).detach().numpy()
        assert np.allclose(model.vector(state), expected, atol=1e-5)
    probabilities = model.probabilities(states)
    assert all(((p > 0) & (p < 1)).all() for p in probabilities.values())


def _torch_layer(torch, model: layer.LayerModel):
    """The encoder's own last `model.depth` layers in torch, loaded with the model's weights: [1, tokens, dim] in,
    the states they give out."""
    from transformers import AutoModel

    from mgqa.embedding import model_path

    base = AutoModel.from_pretrained(model_path(model.model_id), attn_implementation="eager")
    stack = []
    for k in range(model.depth):
        copied = copy.deepcopy(base.encoder.layer[6 - model.depth + k]).eval()
        copied.intermediate.intermediate_act_fn = torch.nn.GELU(approximate="tanh")
        own = {name: torch.from_numpy(model.weights[layer.weight_name(k, model.depth, name)])
               for name in copied.state_dict()}
        copied.load_state_dict(own)
        stack.append(copied)

    def run(x):
        for one in stack:
            out = one(x)
            x = out[0] if isinstance(out, tuple) else out
        return x

    return run


def test_onnxruntime_runs_the_layer_as_numpy_does(shipped, tmp_path):
    model, path = shipped
    assert layer_onnx.attach(model, tmp_path, path) and model.runner is not None
    assert list((tmp_path / "layers").glob("*.onnx")) == [layer_onnx.cached_path(path, tmp_path, model.INT8)]
    rng = np.random.default_rng(1)
    states = [rng.standard_normal((n, 384)).astype(np.float32) for n in (1, 5, 40)]
    tolerance = layer_onnx.QUANTIZED_ATOL if model.INT8 else 1e-5  # int8 weights: the triage's graph only
    assert np.allclose(model.runner(states), model.numpy_probabilities(states), atol=tolerance)


@pytest.mark.model
def test_the_int8_triage_reads_real_messages_as_the_float_layer_does(tmp_path):
    import json
    from pathlib import Path

    from mgqa.embedding import load_embedder
    from mgqa.settings import Settings

    model = triage.load_for(DEFAULT_MODEL)
    assert model.INT8  # the answer check and the query adapter keep float weights
    rows = Path(__file__).resolve().parents[1].joinpath("eval", "triage_dev.jsonl").read_text().splitlines()[:80]
    messages = [json.loads(line)["text"] for line in rows]
    _, states = load_embedder(Settings()).encode_states(messages)
    float_p = model.numpy_probabilities(states)
    assert layer_onnx.attach(model, tmp_path, triage.MODEL_PATH)
    assert np.abs(model.runner(states) - float_p).max() <= layer_onnx.QUANTIZED_ATOL


def test_the_two_layers_are_cached_apart(tmp_path):
    assert layer_onnx.cached_path(triage.MODEL_PATH, tmp_path) != layer_onnx.cached_path(answer_check.MODEL_PATH,
                                                                                          tmp_path)


def test_a_broken_graph_leaves_the_layer_on_numpy(shipped, tmp_path):
    model, path = shipped
    cached = layer_onnx.cached_path(path, tmp_path, model.INT8)
    cached.parent.mkdir(parents=True)
    cached.write_bytes(b"not a graph")  # a damaged cache file
    assert not layer_onnx.attach(model, tmp_path, path) and model.runner is None
    assert model.probabilities([np.ones((3, 384), np.float32)])[model.heads[0]].shape == (1,)


def test_a_graph_that_disagrees_with_numpy_is_never_cached(shipped, tmp_path, monkeypatch):
    model, path = shipped
    heads = len(model.heads)
    monkeypatch.setattr(model, "numpy_probabilities", lambda states: np.full((len(states), heads), 0.5, np.float32))
    assert not layer_onnx.attach(model, tmp_path, path) and model.runner is None
    assert not list((tmp_path / "layers").iterdir())  # no graph, and no staging file left behind


def test_the_query_adapter_is_for_the_bundled_model_only():
    assert query_adapter.load_for(DEFAULT_MODEL) is not None
    assert query_adapter.load_for("some/other-model") is None


def test_onnxruntime_reads_a_question_as_the_numpy_adapter_does(tmp_path):
    model = query_adapter.load_for(DEFAULT_MODEL)
    rng = np.random.default_rng(2)
    states = [rng.standard_normal((n, 384)).astype(np.float32) for n in (1, 5, 40)]
    expected = [model.adapt(s) for s in states]  # numpy: no runner yet
    assert layer_onnx.attach(model, tmp_path, query_adapter.MODEL_PATH) and model.runner is not None
    for state, vector in zip(states, expected, strict=True):
        assert np.allclose(model.adapt(state), vector, atol=1e-5)
        assert np.linalg.norm(model.adapt(state)) == pytest.approx(1.0, abs=1e-5)


@pytest.mark.model
def test_numpy_runs_the_query_adapter_as_torch_does(real_embedder):
    torch = pytest.importorskip("torch")
    model = query_adapter.load_for(DEFAULT_MODEL)
    torch_layer = _torch_layer(torch, model)
    own, states = real_embedder.encode_states(["how long til alpha lipoic acid kicks in"])
    out = torch_layer(torch.from_numpy(states[0])[None])[0].mean(0)
    expected = torch.nn.functional.normalize(out, dim=0).detach().numpy()
    assert np.allclose(model.vector(states[0]), expected, atol=1e-5)
    assert 0.5 < float(model.vector(states[0]) @ own[0]) < 0.9999  # moved, but still near the model's own
