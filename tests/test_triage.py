"""The triage layer: numpy runs the fine-tuned last layer exactly as torch trained it, and the shipped model
loads only for the model it was trained on."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from mgqa import triage


def test_the_shipped_triage_is_for_the_bundled_model_only():
    from mgqa.embedding import DEFAULT_MODEL

    model = triage.load_for(DEFAULT_MODEL)
    assert model is not None and set(model.thresholds) >= {"emergency", "clause", "floor", "veto", "self_harm", "grey"}
    assert triage.load_for("some/other-model") is None


def test_a_message_is_cut_into_clauses_only_when_it_has_several():
    assert triage.clauses("chest pain") == []
    assert triage.clauses("he collapsed and won't wake. can magnesium help?") == [
        "he collapsed and won't wake", "can magnesium help"]


@pytest.mark.model
def test_numpy_runs_the_triage_layer_as_torch_does(real_embedder):
    torch = pytest.importorskip("torch")
    model = triage.load_for(real_embedder.model_id)
    layer = _torch_layer(torch, model)
    _, states = real_embedder.encode_states(["my dad is grey and sweaty, clutching his chest", "magnesium"])
    for state in states:
        out = layer(torch.from_numpy(state)[None])
        out = (out[0] if isinstance(out, tuple) else out)[0].mean(0)
        expected = torch.nn.functional.normalize(out, dim=0).detach().numpy()
        assert np.allclose(model.vector(state), expected, atol=1e-5)
    probabilities = model.probabilities(states)
    assert all(((p > 0) & (p < 1)).all() for p in probabilities.values())


def _torch_layer(torch, model: triage.TriageModel):
    from transformers import AutoModel

    from mgqa.embedding import model_path

    base = AutoModel.from_pretrained(model_path(model.model_id), attn_implementation="eager")
    layer = copy.deepcopy(base.encoder.layer[5]).eval()
    layer.intermediate.intermediate_act_fn = torch.nn.GELU(approximate="tanh")
    layer.load_state_dict({name: torch.from_numpy(value) for name, value in model.weights.items()
                           if not name.startswith("head.")})
    return layer


def test_onnxruntime_runs_the_triage_layer_as_numpy_does(tmp_path):
    from mgqa import triage_onnx
    from mgqa.embedding import DEFAULT_MODEL

    model = triage.load_for(DEFAULT_MODEL)
    assert triage_onnx.attach(model, tmp_path) and model.runner is not None
    assert list((tmp_path / "triage").glob("*.onnx")) == [triage_onnx.cached_path(triage.MODEL_PATH, tmp_path)]
    rng = np.random.default_rng(1)
    states = [rng.standard_normal((n, 384)).astype(np.float32) for n in (1, 5, 40)]
    assert np.allclose(model.runner(states), model.numpy_probabilities(states), atol=1e-5)


def test_a_broken_triage_graph_leaves_the_triage_on_numpy(tmp_path):
    from mgqa import triage_onnx
    from mgqa.embedding import DEFAULT_MODEL

    model = triage.load_for(DEFAULT_MODEL)
    path = triage_onnx.cached_path(triage.MODEL_PATH, tmp_path)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not a graph")  # a damaged cache file
    assert not triage_onnx.attach(model, tmp_path) and model.runner is None
    assert model.probabilities([np.ones((3, 384), np.float32)])["emergency"].shape == (1,)


def test_a_graph_that_disagrees_with_numpy_is_never_cached(tmp_path, monkeypatch):
    from mgqa import triage_onnx
    from mgqa.embedding import DEFAULT_MODEL

    model = triage.load_for(DEFAULT_MODEL)
    monkeypatch.setattr(model, "numpy_probabilities", lambda states: np.full((len(states), 2), 0.5, np.float32))
    assert not triage_onnx.attach(model, tmp_path) and model.runner is None
    assert not list((tmp_path / "triage").iterdir())  # no graph, and no staging file left behind
