"""The triage: its thresholds and clauses (tests/test_layer.py checks its layer against torch and onnxruntime)."""

from __future__ import annotations

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
