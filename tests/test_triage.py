"""The triage: its thresholds and clauses (tests/test_layer.py checks its layer against torch and onnxruntime)."""

from __future__ import annotations

import numpy as np

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


class _Scored(triage.TriageModel):
    """The triage's decisions on fixed head scores (the layer itself is tested in tests/test_layer.py)."""

    def __init__(self, emergency: float):
        self.emergency = emergency
        self.thresholds = {"emergency": 0.27, "clause": 0.38, "floor": 0.1, "veto": 0.1, "self_harm": 0.5,
                           "grey": 0.09, "crisis_veto": 0.1}

    def probabilities(self, states):
        return {"emergency": np.full(len(states), self.emergency), "self_harm": np.zeros(len(states))}


def test_a_keyword_query_is_urgent_only_when_the_classifier_leans_that_way():
    unsure = _Scored(0.38)  # above the recall-first threshold, below even odds: "sheep" scored this much
    assert unsure.assess(np.zeros(3), lambda: []).urgent  # a message: recall first
    keyword = unsure.assess(np.zeros(3), lambda: [], keyword=True)
    assert not keyword.urgent and keyword.grey  # a keyword: the "if this is happening now" line, and an answer
    assert _Scored(0.85).assess(np.zeros(3), lambda: [], keyword=True).urgent  # "bleeding"


class _Clauses(triage.TriageModel):
    """Fixed scores: the whole message first, then each clause (rows of the states passed in)."""

    def __init__(self, whole_self_harm: float, clause_self_harm: float):
        self.scores = {"whole": whole_self_harm, "clause": clause_self_harm}
        self.thresholds = {"emergency": 0.56, "clause": 0.78, "floor": 0.05, "veto": 0.1, "self_harm": 0.89,
                           "grey": 0.19, "crisis_veto": 0.1, "self_harm_floor": 0.5}

    def probabilities(self, states):
        which = "clause" if len(states) > 1 else "whole"
        return {"emergency": np.full(len(states), 0.3), "self_harm": np.full(len(states), self.scores[which])}


def test_a_clause_confirms_a_message_leaning_to_self_harm_but_does_not_make_one():
    # "does vitamin D stop elderly people falling? my mom lives alone at home": the whole message 0.22, its last
    # clause 0.998; the crisis line withheld every quote
    two = lambda: [np.zeros(3), np.zeros(3)]  # noqa: E731
    assert not _Clauses(0.22, 0.998).assess(np.zeros(3), two).crisis
    assert _Clauses(0.6, 0.998).assess(np.zeros(3), two).crisis
    assert _Clauses(0.95, 0.0).assess(np.zeros(3), two).crisis  # the whole message alone is enough
    from mgqa.embedding import DEFAULT_MODEL

    assert triage.load_for(DEFAULT_MODEL).thresholds["self_harm_floor"] > 0.22  # the shipped triage says so too
