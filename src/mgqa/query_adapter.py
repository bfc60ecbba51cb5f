"""A question read for its answer: the question's vector through a fine-tuned copy of the encoder's last layer.

Passages and sentences are embedded as they are; a question is not a passage, and the bundled model puts "how
long til alpha lipoic acid kicks in" nearer the sentences that share its words (the page's introduction) than
"It may take 3 to 5 weeks to notice any change". The adapter is a copy of the model's last layer fine-tuned
(scripts/train_query_adapter.py) so that a question's pooled vector lands nearest the sentence that answers it
among the other sentences of its document; only questions go through it, so the index is unchanged. It runs on
the states the encoder hands over anyway (as the triage and the answer check do): one layer, no second model.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from mgqa import layer

MODEL_PATH = Path(__file__).with_name("query_adapter_model.npz")


class QueryAdapter(layer.LayerModel):
    """The fine-tuned layer, without heads: its output is the question's vector."""

    def adapt(self, states: np.ndarray) -> np.ndarray:
        """The question's vector from its states going into the last layer ([tokens, dim], no padding)."""
        if self.runner is not None:
            return self.runner([states])[0]
        with layer._one_blas_thread():
            return self.vector(states)


def load_for(model_id: str, path: Path = MODEL_PATH) -> QueryAdapter | None:
    """The shipped adapter if it is whole and was trained on this embedding model; None otherwise."""
    return layer.load_for(QueryAdapter, path, model_id, ())
