"""The passage vector store: one small interface, and its faiss implementation (flat while small, HNSW past it).

Retrieval asks only `search` (candidate rows) and `vectors` (stored rows, to score exactly); a store kept by a
server could sit behind the same Protocol without retrieval changing.

On disk, in a segment folder (segments.py):
    chunks.npy      every passage vector, row = chunk order in chunks.jsonl (read by row: npy.RowFile)
    chunks.faiss    the faiss index over those rows: IndexFlatIP, or IndexHNSWFlat (inner product)
An index of several segments is searched as one (`Segmented`), rows laid end to end, retired rows left out.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from mgqa import npy

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


def write(folder: Path, vectors: np.ndarray, kind: str) -> None:
    """Save vectors and their faiss index of the kind into folder."""
    import faiss
    import numpy as np

    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    npy.save(folder / VECTORS_FILE, vectors)
    index = make_index(kind, vectors.shape[1])
    if len(vectors):
        index.add(vectors)
    faiss.write_index(index, str(folder / INDEX_FILE))


@dataclass(frozen=True)
class FaissStore:
    """A faiss index for search and the stored vectors for exact scores."""

    kind: str
    index: object
    stored: np.ndarray | npy.RowFile  # chunks.npy, in memory when small (npy.rows)
    live: int = -1  # rows search may return (-1: all)
    params: object = None  # faiss search parameters leaving retired rows out, with what they point to

    def __len__(self) -> int:
        return int(self.index.ntotal)

    def without(self, dead: np.ndarray | None) -> FaissStore:
        """The same store, its search never returning the rows `dead` marks (exactly, for flat and HNSW alike)."""
        import faiss
        import numpy as np

        if dead is None:
            return self
        bits = np.packbits(~dead, bitorder="little")
        selector = faiss.IDSelectorBitmap(len(dead), faiss.swig_ptr(bits))
        params = faiss.SearchParametersHNSW(efSearch=HNSW_EF_SEARCH) if self.kind == "hnsw" else \
            faiss.SearchParameters()
        params.sel = selector
        return replace(self, live=int((~dead).sum()), params=(params, selector, bits))

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        import numpy as np

        k = min(k, len(self) if self.live < 0 else self.live)
        if k <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        scores, rows = self.index.search(np.asarray(query, dtype=np.float32).reshape(1, -1), k,
                                         params=None if self.params is None else self.params[0])
        keep = rows[0] >= 0  # HNSW may find fewer than k
        return rows[0][keep].astype(np.int64), scores[0][keep]

    def vectors(self, rows: np.ndarray) -> np.ndarray:
        import numpy as np

        return np.asarray(self.stored[rows], dtype=np.float32)


def open_store(folder: Path, kind: str) -> FaissStore:
    """The store a build folder holds; raises OSError/RuntimeError/ValueError when damaged."""
    import faiss

    describe(kind)
    # memory-mapped, not copied: at 390,000 passages the HNSW graph's own copy of the vectors took 0.6 GB and
    # seconds to read at every load; pages are read as searches reach them
    index = faiss.read_index(str(folder / INDEX_FILE), getattr(faiss, "IO_FLAG_MMAP_IFC", 0))  # faiss >= 1.11
    if kind == "hnsw":
        index.hnsw.efSearch = HNSW_EF_SEARCH
    stored = npy.rows(folder / VECTORS_FILE)
    if len(stored) != index.ntotal:
        raise ValueError(f"{VECTORS_FILE} has {len(stored)} rows, {INDEX_FILE} {index.ntotal}")
    return FaissStore(kind, index, stored)


@dataclass(frozen=True)
class Segmented:
    """Several segments' stores searched as one: rows laid end to end, each store's retired rows left out."""

    stores: list[FaissStore]

    @property
    def kind(self) -> str:
        """The kind of the largest segment's index."""
        return max(self.stores, key=len).kind if self.stores else "flat"

    def __len__(self) -> int:
        return sum(len(store) for store in self.stores)

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        import numpy as np

        if len(self.stores) == 1:
            return self.stores[0].search(query, k)
        found = [store.search(query, k) for store in self.stores]
        offsets = np.cumsum([0] + [len(store) for store in self.stores])
        rows = np.concatenate([r + offset for (r, _), offset in zip(found, offsets, strict=False)])
        scores = np.concatenate([s for _, s in found])
        best = np.argsort(-scores, kind="stable")[:k]
        return rows[best], scores[best]

    def vectors(self, rows: np.ndarray) -> np.ndarray:
        import numpy as np

        return np.asarray(npy.Stacked([store.stored for store in self.stores])[rows], dtype=np.float32)
