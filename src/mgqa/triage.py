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
a hit and scores above a floor: the calm context of the whole message vetoes a stray clause. A clause's self-harm
reading counts only when the whole message already leans that way (`self_harm_floor`): "does vitamin D stop
elderly people falling? my mom lives alone at home" got the crisis line from its last clause alone.
A rule's match is vetoed too when the whole message reads calm: an emergency rule's below `veto`, a crisis
rule's only when the self-harm head also reads calm (below `crisis_veto`, picked on dev so that no self-harm
message there is vetoed): a teacher asking for warning signs, an attempt years ago in recovery, a novel. Those
get the crisis line as a support line above an ordinary answer instead of the crisis alarm.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mgqa import layer

MODEL_PATH = Path(__file__).with_name("triage_model.npz")
HEADS = ("emergency", "self_harm")
# a keyword query is urgent only at even odds or above (an emergency rule's match still stands; README: Emergency
# triage); below that, at most the grey zone's "if this is happening now" line above an answer
KEYWORD_EMERGENCY = 0.5
KEYWORD_WORDS = 2
_CLAUSE_END = re.compile(r"[.?!;\n]+")


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
    calm_on_self_harm: bool = False  # calm, and the self-harm head too: enough to overrule a crisis rule


class TriageModel(layer.LayerModel):
    """The triage layer and its two heads (layer.LayerModel), and how a message is judged from them."""

    # int8 weights in its graph (per output channel): a third of the float run's time; on the triage development
    # sets one verdict of 826 changed, a false alarm gone (README: Emergency triage)
    INT8 = True

    def assess(self, states: np.ndarray, clause_states: Callable[[], Sequence[np.ndarray]],
               keyword: bool = False) -> Assessment:
        """Score one message from its states; `clause_states` is called only if clause scores could matter.
        A `keyword` query (one or two words: "sheep", "ALS") says nothing of time, person or context, so the
        recall-first threshold picked on messages would read noise as an emergency: it is urgent only when the
        emergency head leans that way (KEYWORD_EMERGENCY) and otherwise gets the grey zone's line at most."""
        t = self.thresholds
        if keyword:
            t = t | {key: max(t[key], KEYWORD_EMERGENCY) for key in ("emergency", "clause")}
        whole = self.probabilities([states])
        p, self_harm = float(whole["emergency"][0]), float(whole["self_harm"][0])
        clause = 0.0
        if t["floor"] <= p < t["emergency"]:
            parts = clause_states()
            if len(parts):
                scored = self.probabilities(parts)
                clause = float(scored["emergency"].max())
                if self_harm >= t.get("self_harm_floor", 0.0):  # a clause confirms a lean, never makes one
                    self_harm = max(self_harm, float(scored["self_harm"].max()))
        urgent = p >= t["emergency"] or clause >= t["clause"]
        # any self-harm signal gets the crisis line, even when nothing else reads as an emergency ("i've written
        # letters to everyone"); ordinary and off-topic questions in the training bank keep the head from straying
        crisis = self_harm >= t["self_harm"]
        grey = not (urgent or crisis) and p >= t["grey"]
        calm = p < t["veto"]
        # a model without the threshold never overrules a crisis rule
        calm_on_self_harm = calm and self_harm < t.get("crisis_veto", 0.0)
        return Assessment(p, clause, self_harm, urgent or crisis, crisis, grey, calm, calm_on_self_harm)


def load_for(model_id: str) -> TriageModel | None:
    """The shipped triage if it was trained on this embedding model; None otherwise (rules only)."""
    return layer.load_for(TriageModel, MODEL_PATH, model_id, HEADS)
