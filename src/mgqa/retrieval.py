"""Question -> ranked passages: dense (faiss), BM25, or both fused; then the best sentences inside each."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mgqa import chunking
from mgqa.lexical import LexicalIndex
from mgqa.records import Chunk
from mgqa.store import IndexData

MODES = ("hybrid", "dense", "bm25")
# Weight of BM25 (scaled to the best passage's score) next to the two cosines:
# `benchmarks/retrieval_sweep.py --weights 0.1,0.2,0.3` measures it (0.2 ranked best on the own set).
LEXICAL_WEIGHT = 0.2


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk with the evidence for it."""

    chunk: Chunk
    score: float  # fused ranking score (comparable within one question only)
    dense: float  # cosine of the question with the passage
    sentence: float  # cosine of the question with the passage's best sentence
    lexical: float  # BM25 score
    best: tuple[int, int]  # span of the best sentence (document offsets)
    sentence_scores: tuple[float, ...]  # per sentence of chunk.sentences


class Retriever:
    """Holds the vectors and the BM25 index of one built index; `search` is cheap after the query embedding."""

    def __init__(self, data: IndexData, mode: str = "hybrid") -> None:
        if mode not in MODES:
            raise ValueError(f"unknown retrieval mode {mode!r}; choose one of {', '.join(MODES)}")
        self.mode = mode
        self.chunks = data.chunks
        self.chunk_vectors = data.chunk_vectors()
        self.sentence_vectors = data.sentence_vectors
        row_of = {span: row for row, span in enumerate(data.sentence_spans)}
        # every chunk's sentence rows laid end to end, so one reduceat finds each chunk's best sentence
        self.rows = np.array([row_of[(c.doc_id, a, b)] for c in self.chunks for a, b in c.sentences], dtype=np.int64)
        self.starts = np.cumsum([0] + [len(c.sentences) for c in self.chunks[:-1]]).astype(np.int64)
        self.lexical = LexicalIndex([chunking.embedding_text(c) for c in self.chunks])

    def search(self, question: str, query_vector: np.ndarray, k: int = 8) -> list[Passage]:
        """The k best passages for a question, best first."""
        if not self.chunks:
            return []
        dense = self.chunk_vectors @ query_vector
        per_sentence = (self.sentence_vectors @ query_vector)[self.rows]
        best_sentence = np.maximum.reduceat(per_sentence, self.starts)
        semantic = dense + best_sentence  # the whole passage and its best sentence both count
        lexical = self.lexical.scores(question)
        if self.mode == "dense":
            ranking = semantic
        elif self.mode == "bm25":
            ranking = lexical + 1e-3 * semantic  # ties (no shared words) fall back to meaning
        else:
            ranking = semantic + LEXICAL_WEIGHT * lexical / max(float(lexical.max()), 1e-9)
        order = np.argsort(-ranking, kind="stable")[:k]
        out = []
        for i in order:
            chunk = self.chunks[i]
            scores = per_sentence[self.starts[i]:self.starts[i] + len(chunk.sentences)]
            out.append(Passage(chunk, float(ranking[i]), float(dense[i]), float(best_sentence[i]), float(lexical[i]),
                               chunk.sentences[int(np.argmax(scores))], tuple(float(s) for s in scores)))
        return out

