"""Candidate passages -> one ranking across documents: the passage's meaning and words, its document's title,
and how much of what the question is about the passage names (weights: README, Ranking across documents)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

import numpy as np

from mgqa.focus import Focus, passage_terms
from mgqa.records import Document
from mgqa.retrieval import Passage


@dataclass(frozen=True)
class Weights:
    """Added to the retriever's semantic score (passage cosine + best-sentence cosine, so 0..2)."""

    lexical: float = 0.2  # BM25 of the passage, scaled to the best candidate's
    title: float = 0.0  # cosine of the question with the document's title
    focus: float = 0.0  # share of the question's focus (idf-weighted) the passage, its title and headings name


WEIGHTS = Weights()


class Titles:
    """One vector per document title, embedded once when the knowledge base loads."""

    def __init__(self, titles: dict[str, str | None], embedder) -> None:
        self.doc_ids = list(titles)
        self._titles = [titles[d] or "" for d in self.doc_ids]
        self._embedder = embedder
        self._vectors: np.ndarray | None = None

    def similarity(self, query_vector: np.ndarray) -> dict[str, float]:
        """Cosine of the question with each title; empty while the title weight is 0 (nothing is embedded)."""
        if not self.doc_ids or not WEIGHTS.title:
            return {}
        if self._vectors is None:  # embedded on first use, not at load: loading stays as fast as before
            self._vectors = np.asarray(self._embedder.encode(self._titles), dtype=np.float32)
        scores = self._vectors @ query_vector
        return {d: float(scores[i]) for i, d in enumerate(self.doc_ids)}


def rerank(passages: list[Passage], focus: Focus, title_similarity: dict[str, float],
           documents: Mapping[str, Document], weights: Weights | None = None) -> list[Passage]:
    """The candidates re-scored and sorted, best first; each passage's score is replaced by the fused one."""
    if not passages:
        return []
    weights = weights or WEIGHTS  # read at call time: benchmarks/fusion_sweep.py sets it
    top_lexical = max(max(p.lexical for p in passages), 1e-9)
    scored = []
    for p in passages:
        doc = documents[p.chunk.doc_id]
        named = passage_terms(doc.title or "", " ".join(p.chunk.section), p.chunk.text)
        score = (p.semantic + weights.lexical * p.lexical / top_lexical
                 + weights.title * title_similarity.get(doc.doc_id, 0.0) + weights.focus * focus.coverage(named))
        scored.append(replace(p, score=score))
    return sorted(scored, key=lambda p: -p.score)
