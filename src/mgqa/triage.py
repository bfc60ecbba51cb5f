"""Emergency triage by meaning: logistic heads on the question embedding that retrieval computes anyway.

Two heads, trained by `scripts/train_triage.py` on a labelled bank of worried people's messages and their
calm look-alikes, with thresholds picked on a separate development set:
- emergency: something happening now that needs emergency care (any of ~20 kinds);
- self_harm: suicidal or self-harm talk, direct or indirect, about oneself or someone else.
A message of several clauses is also scored clause by clause ("he collapsed and won't wake. can magnesium
help?" would otherwise drift toward the supplement question), but only when the whole message is not already
a hit and scores above a floor: the calm context of the whole message vetoes a stray clause.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

MODEL_PATH = Path(__file__).with_name("triage_model.npz")
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
    calm: bool  # the whole message, and every clause, scores below the floor: calm context


class TriageModel:
    def __init__(self, heads: dict[str, tuple[np.ndarray, float]], thresholds: dict[str, float], model_id: str,
                 trained_on: str = "") -> None:
        self.heads = heads
        self.thresholds = thresholds
        self.model_id = model_id
        self.trained_on = trained_on

    def probability(self, head: str, vectors: np.ndarray) -> np.ndarray:
        weights, bias = self.heads[head]
        vectors = np.atleast_2d(np.asarray(vectors, dtype=np.float32))
        return 1.0 / (1.0 + np.exp(-(vectors @ weights + bias)))

    def assess(self, vector: np.ndarray, encode_clauses: Callable[[], np.ndarray]) -> Assessment:
        """Score one message from its vector; `encode_clauses` is called only if clause scores could matter."""
        t = self.thresholds
        p = float(self.probability("emergency", vector)[0])
        self_harm = float(self.probability("self_harm", vector)[0])
        clause = 0.0
        if p < t["emergency"] and p >= t["floor"]:
            clause_vectors = encode_clauses()
            if len(clause_vectors):
                clause = float(self.probability("emergency", clause_vectors).max())
                self_harm = max(self_harm, float(self.probability("self_harm", clause_vectors).max()))
        urgent = p >= t["emergency"] or clause >= t["clause"]
        # any self-harm signal gets the crisis line, even when nothing else reads as an emergency ("i've written
        # letters to everyone"); ordinary and off-topic questions in the training bank keep the head from straying
        crisis = self_harm >= t["self_harm"]
        grey = not (urgent or crisis) and p >= t["grey"]
        return Assessment(p, clause, self_harm, urgent or crisis, crisis, grey, calm=p < t["floor"])

    def save(self, path: Path) -> None:
        arrays = {f"{name}_w": w for name, (w, _) in self.heads.items()}
        arrays |= {f"{name}_b": np.float32(b) for name, (_, b) in self.heads.items()}
        arrays |= {f"t_{name}": np.float32(value) for name, value in self.thresholds.items()}
        np.savez(path, model_id=np.array(self.model_id), trained_on=np.array(self.trained_on), **arrays)

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> TriageModel:
        with np.load(path, allow_pickle=False) as data:
            names = {key[:-2] for key in data.files if key.endswith("_w")}
            heads = {name: (data[f"{name}_w"], float(data[f"{name}_b"])) for name in names}
            thresholds = {key[2:]: float(data[key]) for key in data.files if key.startswith("t_")}
            return cls(heads, thresholds, str(data["model_id"]), str(data["trained_on"]))


def load_for(model_id: str) -> TriageModel | None:
    """The shipped triage heads if they were trained on this embedding model; None otherwise (rules only)."""
    try:
        model = TriageModel.load()
    except (OSError, ValueError, KeyError):
        return None
    return model if model.model_id == model_id else None
