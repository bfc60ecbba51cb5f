"""Question -> ranked passages: dense (faiss), BM25, or both fused; then the best sentences inside each."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mgqa.records import Chunk
from mgqa.store import IndexData

MODES = ("hybrid", "dense", "bm25")
# Weight of BM25 (scaled to the best passage's score) next to the two cosines:
# `benchmarks/retrieval_sweep.py --weights 0.1,0.2,0.3` measures it (0.2 ranked best on the own set).
LEXICAL_WEIGHT = 0.2
# Passages the vector index proposes, and BM25 proposes, for exact scoring (sentences included): the cost of a
# question grows with this, not with the index.
CANDIDATES = 200


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
    semantic: float  # what ranks it by meaning: the two cosines above, as the question is read for its answer


class Retriever:
    """Ranks passages of one loaded index: candidates from the vector store and BM25, then exact scores on them.

    Only candidate passages have their sentences scored, so a question costs about the same at any index size;
    an index of at most CANDIDATES passages is scored whole, exactly as before there were candidates.
    """

    def __init__(self, data: IndexData, mode: str = "hybrid") -> None:
        if mode not in MODES:
            raise ValueError(f"unknown retrieval mode {mode!r}; choose one of {', '.join(MODES)}")
        self.mode = mode
        self.data = data
        self.vectors = data.vectors
        self.sentence_vectors = data.sentence_vectors
        self.passage_sentences = data.passage_sentences
        self.counts = data.chunk_sentences.astype(np.int64)
        self.starts = np.cumsum(self.counts) - self.counts  # where each chunk's rows begin in passage_sentences
        self.lexical = data.lexical

    def search(self, question: str, query_vector: np.ndarray, k: int = 8,
               read_vector: np.ndarray | None = None) -> list[Passage]:
        """The k best passages for a question, best first.

        `read_vector`: the question as the query adapter reads it for its answer; it finds and ranks the
        passages and picks each one's best sentence, while the cosines a passage reports (`dense`, `sentence`,
        `sentence_scores`) stay the model's own, the scale the abstention's floors and features were set on."""
        if not len(self.data.live_rows):
            return []
        read = query_vector if read_vector is None else read_vector
        every = self.lexical.scores(question)  # every passage (sparse, cheap): its maximum scales the fusion
        rows = self._candidates(read, every)
        stored = self.vectors.vectors(rows)
        dense = stored @ query_vector
        per_sentence, first, sentence_vectors = self._sentence_scores(rows, query_vector)
        if read_vector is None:
            read_dense, read_sentences = dense, per_sentence
        else:
            read_dense, read_sentences = stored @ read_vector, sentence_vectors @ read_vector
        semantic = read_dense + np.maximum.reduceat(read_sentences, first)  # the passage and its best sentence
        lexical = every[rows]
        if self.mode == "dense":
            ranking = semantic
        elif self.mode == "bm25":
            ranking = lexical + 1e-3 * semantic  # ties (no shared words) fall back to meaning
        else:
            ranking = semantic + LEXICAL_WEIGHT * lexical / max(float(every.max()), 1e-9)
        order = np.argsort(-ranking, kind="stable")[:k]  # candidates are in chunk order: ties as before
        out = []
        for i in order:
            chunk = self.data.chunk(rows[i])
            span = slice(first[i], first[i] + len(chunk.sentences))
            best = int(np.argmax(read_sentences[span]))
            scores = per_sentence[span]
            out.append(Passage(chunk, float(ranking[i]), float(dense[i]), float(scores[best]), float(lexical[i]),
                               chunk.sentences[best], tuple(float(s) for s in scores), float(semantic[i])))
        return out

    def _candidates(self, query_vector: np.ndarray, lexical: np.ndarray) -> np.ndarray:
        """Rows worth scoring exactly, in chunk order: the nearest by vector and the best by BM25."""
        if len(self.data.live_rows) <= CANDIDATES:
            return self.data.live_rows
        near, _ = self.vectors.search(query_vector, CANDIDATES)
        words = np.argpartition(-lexical, CANDIDATES)[:CANDIDATES]
        return np.unique(np.concatenate([near, words[lexical[words] > 0]]))

    def _sentence_scores(self, rows: np.ndarray, query_vector: np.ndarray
                         ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Cosines of the candidates' sentences, candidates end to end, where each candidate's begin, and the
        sentences' vectors."""
        counts = self.counts[rows]
        first = np.cumsum(counts) - counts
        picks = np.repeat(self.starts[rows] - first, counts) + np.arange(int(counts.sum()))
        sentence_rows = self.passage_sentences[picks]
        vectors = np.asarray(self.sentence_vectors[sentence_rows], dtype=np.float32)
        return vectors @ query_vector, first, vectors
