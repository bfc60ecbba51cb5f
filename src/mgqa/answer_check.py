"""Whether a sentence answers a question, judged by reading the two together.

Retrieval compares a question's vector with each sentence's vector, made apart: "how much vitamin D should I
take with magnesium" lands close to a sentence giving magnesium's daily amount, because both are about
supplement doses. The answer check reads question and sentence as one text ("question [SEP] sentence"), so
the encoder's attention runs across both, and a fine-tuned copy of the last layer (layer.LayerModel, trained
by scripts/train_answer_check.py on questions written for sentences that answer them and near misses that
only sound answered) scores whether the sentence answers. Its probability is one of the calibrated
abstention's features (answerability.py); it costs one encoder run over the pair, stopped before the last
layer (the pair's own vector is never needed), and the fine-tuned copy.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from mgqa import layer

MODEL_PATH = Path(__file__).with_name("answer_check_model.npz")
HEADS = ("answers",)
# The encoder's last layers the check copies. Two read held-out pairs better (AUC 0.918 against 0.877) but
# answered the development sets worse once the calibrated score was refit on them (README: Abstention).
DEPTH = 1
ANSWERS = 0.5  # at or above this, the check reads a sentence as answering the question
SEPARATOR = " [SEP] "  # the tokenizer reads it as its separator token
MAX_QUESTION_CHARS = 300  # a long question still leaves the sentence room in the encoder's 256 word pieces


def pair_text(question: str, sentence: str) -> str:
    return question[:MAX_QUESTION_CHARS] + SEPARATOR + sentence


class AnswerCheck(layer.LayerModel):
    """The answer check's layer and its one head."""

    def scores(self, embedder, question: str, sentences: Sequence[str]) -> np.ndarray:
        """The probability that each sentence answers the question (one encoder run for all of them)."""
        if not sentences:
            return np.zeros(0, dtype=np.float32)
        states = embedder.layer_states([pair_text(question, s) for s in sentences], self.depth)
        return self.probabilities(states)["answers"]


def load_for(model_id: str) -> AnswerCheck | None:
    """The shipped answer check if it was trained on this embedding model; None otherwise."""
    return layer.load_for(AnswerCheck, MODEL_PATH, model_id, HEADS)
