"""mgqa: verbatim, linked answers to health questions from a small document collection.

The public API is re-exported here lazily (PEP 562), so `mgqa --help` doesn't pay for numpy and
faiss imports it never uses.
"""

from __future__ import annotations

from importlib import import_module

_EXPORTS = {
    "Answer": "mgqa.answer", "Quote": "mgqa.answer", "BuildError": "mgqa.build", "BuildReport": "mgqa.build",
    "Chunk": "mgqa.records", "Document": "mgqa.records", "DocumentError": "mgqa.documents",
    "load_documents": "mgqa.documents", "KnowledgeBase": "mgqa.kb", "ModelError": "mgqa.embedding",
    "load_embedder": "mgqa.embedding", "OnnxEmbedder": "mgqa.onnx_embedding",
    "SentenceTransformerEmbedder": "mgqa.embedding", "Settings": "mgqa.settings", "StoreError": "mgqa.store",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> object:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'mgqa' has no attribute {name!r}")
    return getattr(import_module(_EXPORTS[name]), name)
