"""The fast path for the bundled model: its exact ONNX export, run by onnxruntime without importing torch.

A cold `mgqa ask` spends nearly all its time importing torch; onnxruntime and tokenizers load in a
fraction of that. The export is made once (scripts/setup.sh, or on first use) from the bundled weights,
checked against torch, and cached outside the repository; the vectors are those of sentence-transformers:
same tokenizer, same truncation, mean pooling over the attention mask, L2 normalisation.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import time
import uuid
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger(__name__)

EXPORT_VERSION = 4  # bump when export() changes what it writes: older cached exports are then ignored
INPUTS = ("input_ids", "attention_mask", "token_type_ids")
PARALLEL_FROM = 8  # batches in one encode call from which a build-sized job runs whole batches side by side
GRAPH, WEIGHTS = "model.onnx", "model.onnx.data"  # the weights apart: onnxruntime maps them instead of parsing
# The vectors, then the states going into the last layer and into the last two (OUTPUTS[n]: the states a
# fine-tuned copy of the last n layers reads; the shipped ones copy one). A run asked for states only stops there.
OUTPUTS = ("sentence_embedding", "last_layer_input", "last_two_layers_input")


class Unavailable(Exception):
    """The fast path can't run here (no onnxruntime, no export); the caller falls back to sentence-transformers."""


def cache_root(configured: Path | None = None) -> Path:
    """Where exports are kept: the configured folder, else the user's cache folder (never the repository)."""
    if configured is not None:
        return configured
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "mgqa"


def export_dir(model_dir: Path, cache: Path) -> Path:
    """The cached export of the weights in model_dir: a new folder whenever the weights or the exporter change."""
    weights = model_dir / "model.safetensors"
    stat = weights.stat()
    key = f"{EXPORT_VERSION}|{model_dir.resolve()}|{stat.st_size}|{stat.st_mtime_ns}"
    return cache / "onnx" / f"{model_dir.name}-{hashlib.sha256(key.encode()).hexdigest()[:16]}"


class OnnxEmbedder:
    """Normalised embeddings of the bundled model from its ONNX export; same vectors as sentence-transformers."""

    def __init__(self, model_id: str, model_dir: Path, onnx_file: Path, batch_size: int = 32) -> None:
        try:
            # Imported here, not at the top: a machine without onnxruntime still runs on sentence-transformers.
            import onnxruntime  # noqa: F401 - only checked here; _open uses it
            from tokenizers import Tokenizer
        except ImportError as err:
            raise Unavailable(f"{err.name} is not installed") from None
        self.model_id = model_id
        self.batch_size = batch_size
        self.max_tokens = int(json.loads((model_dir / "sentence_bert_config.json").read_text())["max_seq_length"])
        self.workers = max(1, os.cpu_count() or 1)
        self._onnx_file = onnx_file
        self.cache = onnx_file.parents[2]  # <cache>/onnx/<export>/model.onnx: layer_onnx keeps its graphs in <cache>
        try:
            self._session = self._open(threads=0)  # 0: onnxruntime splits each run across the cores
        except Exception as err:  # onnxruntime raises its own untyped errors for a damaged file
            raise Unavailable(f"cannot load the cached export {onnx_file.parent} ({err})") from None
        # Two tokenizers, no shared mutable state between threads: one cuts at the model's limit like
        # sentence-transformers does, one counts every word piece for the chunker.
        self._tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(self.max_tokens)
        self._counter = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self._counter.no_padding()
        self._counter.no_truncation()
        self._dimension = int(self._session.get_outputs()[0].shape[-1])

    def _open(self, threads: int):
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3  # its notes about unused initialisers are noise to a person asking
        options.intra_op_num_threads = threads
        # Its threads otherwise spin for a while after each run, holding the cores the numpy work right after
        # it needs (the triage layer's products took 10x longer on 2 cores while they spun).
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        return onnxruntime.InferenceSession(str(self._onnx_file), options, providers=["CPUExecutionProvider"])

    @property
    def dimension(self) -> int:
        return self._dimension

    def encode(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        import numpy as np

        out = np.zeros((len(texts), self._dimension), dtype=np.float32)
        if not texts:
            return out
        encodings = self._tokenizer.encode_batch(list(texts))
        # Longest first, so each batch pads to a length close to its own texts.
        order = sorted(range(len(texts)), key=lambda i: -len(encodings[i].ids))
        batches = [order[start:start + self.batch_size] for start in range(0, len(order), self.batch_size)]
        if len(batches) < PARALLEL_FROM or self.workers == 1:  # a question: one run, split across the cores
            for rows in _bar(batches, progress):
                out[rows] = self._run(self._session, [encodings[i] for i in rows])[0]
            return out
        from concurrent.futures import ThreadPoolExecutor

        # A build: whole batches side by side, one thread each, on a session opened for this call (~0.05 s).
        # On a shared 2-core machine that encoded 10-45% faster than one batch at a time split across the
        # cores, but one question alone is ~1.4 ms slower that way, so questions keep the shared session.
        session = self._open(threads=1)
        # onnxruntime lets go of the GIL while it runs, so threads really do share the cores
        with ThreadPoolExecutor(self.workers) as pool:
            done = pool.map(lambda rows: self._run(session, [encodings[i] for i in rows])[0], batches)
            for rows, vectors in zip(batches, _bar(done, progress, len(batches))):
                out[rows] = vectors
        return out

    def encode_states(self, texts: Sequence[str]) -> tuple[np.ndarray, list[np.ndarray]]:
        """The vectors of a few texts (a question, its clauses) and each text's states going into the last
        layer ([tokens, dim]), from the same run: what the triage reads, at no extra encoder cost."""
        if not texts:
            return self.encode(texts), []
        encodings = self._tokenizer.encode_batch(list(texts))
        vectors, states = self._run(self._session, encodings, OUTPUTS[:2])
        return vectors, [states[row, :len(enc.ids)] for row, enc in enumerate(encodings)]

    def layer_states(self, texts: Sequence[str], layers: int) -> list[np.ndarray]:
        """Each text's states going into the encoder's last `layers` layers ([tokens, dim]); the run stops there
        (onnxruntime computes only what the requested output needs), so the answer check's pairs skip the
        layers its copy replaces and the pooled vector they never use."""
        if not texts:
            return []
        encodings = self._tokenizer.encode_batch(list(texts))
        (states,) = self._run(self._session, encodings, (OUTPUTS[layers],))
        return [states[row, :len(enc.ids)] for row, enc in enumerate(encodings)]

    @staticmethod
    def _run(session, encodings: list, outputs: Sequence[str] = OUTPUTS[:1]) -> list[np.ndarray]:
        import numpy as np

        width = max(len(e.ids) for e in encodings)
        feeds = {name: np.zeros((len(encodings), width), dtype=np.int64) for name in INPUTS}
        for row, enc in enumerate(encodings):
            n = len(enc.ids)
            feeds["input_ids"][row, :n] = enc.ids
            feeds["attention_mask"][row, :n] = enc.attention_mask
            feeds["token_type_ids"][row, :n] = enc.type_ids
        return session.run(list(outputs), feeds)

    def count_tokens(self, text: str) -> int:
        return len(self._counter.encode(text, add_special_tokens=False).ids)


def _bar(items, show: bool, total: int | None = None):
    if not show:
        return items
    try:
        from tqdm import tqdm  # already installed with sentence-transformers; optional all the same
    except ImportError:
        return items
    return tqdm(items, desc="Batches", unit="batch", total=total)


def ensure_export(model_dir: Path, cache: Path) -> Path:
    """The cached export of model_dir, made now if missing (imports torch once); raise Unavailable if it can't be."""
    target = export_dir(model_dir, cache)
    if (target / GRAPH).is_file():
        return target / GRAPH
    log.warning("exporting the embedding model to ONNX once (a few seconds): %s", target.name)
    _remove_abandoned(target.parent)
    try:
        export(model_dir, target)
    except Unavailable:
        raise
    except Exception as err:  # torch's exporter fails in many ways; any of them means: use the slow path
        raise Unavailable(f"the ONNX export failed ({type(err).__name__}: {err})") from None
    return target / GRAPH


def _remove_abandoned(folder: Path, age: float = 3600.0) -> None:
    """Staging folders of exports killed midway (an hour old: no live export takes that long)."""
    for path in folder.glob(".*.tmp") if folder.is_dir() else ():
        try:
            if time.time() - path.stat().st_mtime > age:
                shutil.rmtree(path, ignore_errors=True)
        except OSError:
            pass


def export(model_dir: Path, target: Path) -> None:
    """Export the transformer, mean pooling and normalisation into the folder target, checked against torch.

    The folder is staged beside its final name and renamed into place whole, so a killed or failed export
    leaves nothing a later run could mistake for a finished one.
    """
    from mgqa.store import fsync  # the one fsync helper; store is loaded by any ask anyway

    staging = target.with_name(f".{target.name}.{uuid.uuid4().hex[:6]}.tmp")
    staging.mkdir(parents=True)  # first: a cache folder that can't be written fails before torch loads
    try:
        _trace(model_dir, staging)
        for path in (staging / GRAPH, staging / WEIGHTS, staging):
            fsync(path)
        try:
            staging.rename(target)
        except OSError:
            if not (target / GRAPH).is_file():  # not another process's finished export: a real failure
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _trace(model_dir: Path, folder: Path) -> None:
    """Write GRAPH and WEIGHTS into folder; raise Unavailable when they don't reproduce torch's vectors."""
    try:
        # Imported here: only the one-off export needs torch, and torch is what the fast path exists to avoid.
        import onnx
        import torch
        from transformers import AutoModel
    except ImportError as err:
        raise Unavailable(f"cannot export without {err.name}") from None

    # Eager attention traces to plain matrix products; the fused kernel's Python-side shortcuts would be
    # frozen into the graph by the tracer.
    model = AutoModel.from_pretrained(str(model_dir), attn_implementation="eager").eval()
    wrapped = _Pooled(model).eval()  # eval throughout: the exporter restores the wrapper's mode to every layer
    # A padded row in the example batch keeps the attention-mask path in the traced graph.
    ids = torch.tensor([[101, 24983, 2005, 9113, 3255, 102], [101, 24983, 102, 0, 0, 0]])
    example = (ids, (ids != 0).long(), torch.zeros_like(ids))
    axes = {name: {0: "batch", 1: "tokens"} for name in INPUTS}
    traced = folder / "traced.onnx"
    # The tracer's notes (deprecation, Python booleans frozen) are checked for below, by comparing outputs.
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(wrapped, example, str(traced), input_names=list(INPUTS),
                          output_names=list(OUTPUTS), opset_version=17, dynamo=False,
                          dynamic_axes={**axes, OUTPUTS[0]: {0: "batch"},
                                        **{name: {0: "batch", 1: "tokens"} for name in OUTPUTS[1:]}})
        expected = [output.numpy() for output in wrapped(*example)]
    onnx.save_model(onnx.load_model(str(traced)), str(folder / GRAPH), save_as_external_data=True,
                    all_tensors_to_one_file=True, location=WEIGHTS, size_threshold=1024)
    traced.unlink()
    _check(folder / GRAPH, dict(zip(INPUTS, (t.numpy() for t in example))), expected)


def _check(onnx_file: Path, feeds: dict, expected: list[np.ndarray]) -> None:
    """Refuse an export whose vectors or states differ from torch's on the example batch."""
    import numpy as np
    import onnxruntime

    got = onnxruntime.InferenceSession(str(onnx_file), providers=["CPUExecutionProvider"]).run(list(OUTPUTS), feeds)
    # unit vectors to 1e-5; the states (values up to ~10) to the same relative precision
    for mine, theirs, atol in zip(got, expected, (1e-5, 1e-4, 1e-4), strict=True):
        if mine.shape != theirs.shape or not np.allclose(mine, theirs, atol=atol):
            raise Unavailable("the ONNX export does not reproduce the model's vectors")


def _Pooled(model):  # noqa: N802 - builds a torch module class, which only exists once torch is imported
    import torch

    class Pooled(torch.nn.Module):
        """The transformer, then sentence-transformers' mean pooling and L2 normalisation."""

        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask, token_type_ids):
            out = self.model(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids,
                             output_hidden_states=True)
            tokens = out.last_hidden_state
            weights = attention_mask.unsqueeze(-1).to(tokens.dtype)
            mean = (tokens * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(mean, p=2, dim=1), out.hidden_states[-2], out.hidden_states[-3]

    return Pooled()


def main() -> None:
    """`python -m mgqa.onnx_embedding`: make the export of the bundled model now (scripts/setup.sh runs this)."""
    from mgqa import layer_onnx, triage
    from mgqa.embedding import model_path
    from mgqa.settings import DEFAULT_MODEL, Settings

    settings = Settings.from_env()
    target = ensure_export(Path(model_path(DEFAULT_MODEL)), cache_root(settings.cache_dir))
    print(f"ONNX export of {DEFAULT_MODEL}: {target}")
    model = triage.load_for(DEFAULT_MODEL)
    if model is not None and layer_onnx.attach(model, cache_root(settings.cache_dir), triage.MODEL_PATH):
        print(f"triage graph: {layer_onnx.cached_path(triage.MODEL_PATH, cache_root(settings.cache_dir), model.INT8)}")


if __name__ == "__main__":
    main()
