"""The passage vector store: one small interface, and its faiss implementation (flat while small, HNSW past it).

Retrieval asks only `search` (candidate rows) and `vectors` (stored rows, to score exactly); a store kept by a
server could sit behind the same Protocol without retrieval changing.

On disk, in a build folder:
    chunks.npy      every passage vector, row = chunk order in chunks.jsonl (memory-mapped at load)
    chunks.faiss    the faiss index over those rows: IndexFlatIP, or IndexHNSWFlat (inner product)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import numpy as np

KINDS = ("flat", "hnsw")
# Passages from which a build makes an HNSW graph instead of a flat index. benchmarks/bench_scale.py measured one
# exact (flat) top-200 search at 0.6 ms for 10k vectors, 2.9 ms for 50k, 7.2 ms for 100k and 33 ms for 250k on
# a quiet 2-core machine (whole questions at 10k documents, 39k passages: p95 30 ms flat, 8.5 ms HNSW), while
# HNSW's top-200 kept 0.91 of the exact neighbours on real vectors: exact search is kept up to 100k passages.
HNSW_FROM = 100_000
HNSW_M = 32  # graph neighbours per node
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 128  # candidates explored per query: recall@100 vs flat on the real vectors, see bench_scale
VECTORS_FILE, INDEX_FILE = "chunks.npy", "chunks.faiss"


class VectorStore(Protocol):
    """Passage vectors by row, and nearest rows by inner product (the vectors are normalised: cosine)."""

    kind: str

    def __len__(self) -> int: ...

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Up to k (rows, scores), best first."""
        ...

    def vectors(self, rows: np.ndarray) -> np.ndarray:
        """The stored vectors of the given rows, in that order."""
        ...


def kind_for(count: int) -> str:
    """The index kind a build of `count` passages gets."""
    return "hnsw" if count >= HNSW_FROM else "flat"


def describe(kind: str) -> dict:
    """What the manifest records about the vector index."""
    if kind not in KINDS:
        raise ValueError(f"unknown vector index kind {kind!r}; choose one of {', '.join(KINDS)}")
    if kind == "flat":
        return {"kind": "flat"}
    return {"kind": "hnsw", "m": HNSW_M, "ef_construction": HNSW_EF_CONSTRUCTION, "ef_search": HNSW_EF_SEARCH}


def make_index(kind: str, dimension: int):
    """An empty faiss index of the kind, ready for `add`."""
    import faiss  # imported here: only builds and loaded knowledge bases need it

    if kind == "hnsw":
        index = faiss.IndexHNSWFlat(dimension, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        index.hnsw.efSearch = HNSW_EF_SEARCH
        return index
    describe(kind)  # raises for an unknown kind
    return faiss.IndexFlatIP(dimension)


def write(folder: Path, vectors: np.ndarray, kind: str, base: Path | None = None) -> None:
    """Save vectors and their faiss index of the kind into folder.

    With `base` (a build folder whose rows are the first rows of `vectors`, same kind), its faiss index is
    read and only the new rows are added: adding a document to a large HNSW graph doesn't rebuild it.
    """
    import faiss
    import numpy as np

    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    with open(folder / VECTORS_FILE, "wb") as handle:
        np.save(handle, vectors)
    if base is not None:
        index = faiss.read_index(str(base / INDEX_FILE))
        if index.ntotal > len(vectors):
            raise ValueError("the base index holds more rows than the vectors to write")
        new = vectors[index.ntotal:]
    else:
        index, new = make_index(kind, vectors.shape[1]), vectors
    if len(new):
        index.add(new)
    faiss.write_index(index, str(folder / INDEX_FILE))


@dataclass(frozen=True)
class FaissStore:
    """A faiss index for search and the memory-mapped vectors for exact scores."""

    kind: str
    index: object
    stored: np.ndarray  # memory-mapped chunks.npy

    def __len__(self) -> int:
        return int(self.index.ntotal)

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        import numpy as np

        k = min(k, len(self))
        if k <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        scores, rows = self.index.search(np.asarray(query, dtype=np.float32).reshape(1, -1), k)
        keep = rows[0] >= 0  # HNSW may find fewer than k
        return rows[0][keep].astype(np.int64), scores[0][keep]

    def vectors(self, rows: np.ndarray) -> np.ndarray:
        import numpy as np

        return np.asarray(self.stored[rows], dtype=np.float32)


def open_store(folder: Path, kind: str) -> FaissStore:
    """The store a build folder holds; raises OSError/RuntimeError/ValueError when damaged."""
    import faiss
    import numpy as np

    describe(kind)
    index = faiss.read_index(str(folder / INDEX_FILE))
    if kind == "hnsw":
        index.hnsw.efSearch = HNSW_EF_SEARCH
    stored = np.load(folder / VECTORS_FILE, mmap_mode="r" if index.ntotal else None)  # numpy can't map 0 bytes
    if len(stored) != index.ntotal:
        raise ValueError(f"{VECTORS_FILE} has {len(stored)} rows, {INDEX_FILE} {index.ntotal}")
    return FaissStore(kind, index, stored)
