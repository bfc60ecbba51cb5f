"""Word-level matching: stop words, a light stemmer, and BM25 over passages kept as postings, one set a segment.

A segment's postings (`bm25/` in its folder) hold raw counts, not scores: which passages hold each term and how
often, and each passage's length. Scores are worked out per question from the statistics of the live passages of
every segment together (Lucene's BM25, k1 1.5, b 0.75, the sums bm25s makes, float for float), so adding a
segment or retiring a document changes no file already written.
"""

from __future__ import annotations

import functools
import json
import math
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mgqa import npy
from mgqa import text as textlib

STOP_WORDS = frozenset("""
a about above after again against all also am an and any are aren't as at be because been before being below
between both but by can can't cannot could couldn't did didn't do does doesn't doing don't down during each few
for from further get gets getting got had hadn't has hasn't have haven't having he he'd he'll he's her here
here's hers herself him himself his how how's i i'd i'll i'm i've if in into is isn't it it's its itself just
know let's like lot lots may me might more most much must mustn't my myself need no nor not now of off on once
only or other ought our ours ourselves out over own really same say says shan't she she'd she'll she's should
shouldn't so some such than that that's the their theirs them themselves then there there's these they they'd
they'll they're they've thing things this those through to too under until up us very was wasn't we we'd we'll
we're we've were weren't what what's when when's where where's which while who who's whom why why's will with
won't would wouldn't you you'd you'll you're you've your yours yourself yourselves im ive dont doesnt cant isnt
whats hi hello please thanks thank anyone anybody someone something tell want wanted wondering wonder think
ok okay yes yeah actually even still ever re ll ve d s t
""".split())


@functools.lru_cache(maxsize=262_144)  # a library has far fewer distinct words than word occurrences
def stem(word: str) -> str:
    """A deliberately light suffix stripper: plurals, -ing, -ed, -ly; enough to match "nerves" to "nerve"."""
    if len(word) <= 3:
        return word
    for suffix, keep in (("'s", ""), ("ies", "y"), ("sses", "ss"), ("ness", ""), ("ing", ""), ("edly", ""),
                         ("ed", ""), ("ly", ""), ("es", "e"), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            if suffix == "s" and word.endswith(("ss", "us", "is")):
                return word
            if suffix == "es" and not word.endswith(("ches", "shes", "xes", "oes")):
                return word[:-1]
            return word[: len(word) - len(suffix)] + keep
    return word


def terms(text: str) -> list[str]:
    """Content terms of a text: words minus stop words, stemmed."""
    return [stem(w) for w in textlib.words(text) if _is_content(w)]


def _is_content(word: str) -> bool:
    """Not a stop word; numbers count only from two digits up ("400" mg, not the "1" of a list)."""
    if word.isdigit():
        return len(word) >= 2
    return word not in STOP_WORDS


BM25_K1, BM25_B = 1.5, 0.75
TERMS_FILE = "terms.json"


def write_postings(folder: Path, passages: list[str]) -> None:
    """Each term's passages and counts (columns sorted by term, rows by passage), and every passage's length."""
    folder.mkdir()
    counted = [Counter(terms(p)) for p in passages]
    vocabulary = sorted({t for c in counted for t in c})
    column = {t: i for i, t in enumerate(vocabulary)}
    cols = np.fromiter((column[t] for c in counted for t in c), dtype=np.int64)
    rows = np.repeat(np.arange(len(counted), dtype=np.int32), [len(c) for c in counted])
    counts = np.fromiter((n for c in counted for n in c.values()), dtype=np.uint16)
    order = np.lexsort((rows, cols))
    indptr = np.zeros(len(vocabulary) + 1, dtype=np.int64)
    np.cumsum(np.bincount(cols, minlength=len(vocabulary)), out=indptr[1:])
    lengths = np.fromiter((c.total() for c in counted), dtype=np.int32, count=len(counted))
    for name, array in (("indptr", indptr), ("rows", rows[order]), ("counts", counts[order]), ("lengths", lengths)):
        npy.save(folder / f"{name}.npy", array)
    (folder / TERMS_FILE).write_text(json.dumps(vocabulary, ensure_ascii=False), encoding="utf-8")


@dataclass(frozen=True)
class Postings:
    """One segment's postings, memory-mapped: nothing is tokenised at load."""

    column: dict[str, int]
    indptr: np.ndarray
    rows: np.ndarray
    counts: np.ndarray
    lengths: np.ndarray

    @classmethod
    def open(cls, folder: Path) -> Postings:
        vocabulary = json.loads((folder / TERMS_FILE).read_text(encoding="utf-8"))
        arrays = {name: npy.mapped(folder / f"{name}.npy") for name in ("indptr", "rows", "counts", "lengths")}
        if len(arrays["indptr"]) != len(vocabulary) + 1 or len(arrays["rows"]) != int(arrays["indptr"][-1]):
            raise ValueError("the BM25 postings don't match their vocabulary")
        return cls({t: i for i, t in enumerate(vocabulary)}, **arrays)

    def passages(self, term: str) -> tuple[np.ndarray, np.ndarray]:
        """(passage rows, counts) of a term in this segment."""
        i = self.column.get(term)
        if i is None:
            return self.rows[:0], self.counts[:0]
        return self.rows[self.indptr[i]:self.indptr[i + 1]], self.counts[self.indptr[i]:self.indptr[i + 1]]

    def frequencies(self, dead: np.ndarray | None) -> np.ndarray:
        """How many live passages hold each term (a column a term): `dead` marks retired passages, or None."""
        df = np.diff(self.indptr)
        if dead is not None and dead.any() and len(self.rows):
            df = df - np.add.reduceat(dead[self.rows].astype(np.int64), self.indptr[:-1]) * (df > 0)
        return df


class LexicalIndex:
    """BM25 over the live passages of several segments (rows laid end to end), plus their vocabulary (to spot
    subjects the documents never mention)."""

    def __init__(self, segments: list[Postings], dead: list[np.ndarray | None]) -> None:
        self._segments = segments
        self._dead = dead
        self._offsets = np.cumsum([0] + [len(p.lengths) for p in segments])
        self.size = int(self._offsets[-1])  # rows, dead ones included: scores have one per row
        live = [p.lengths if d is None else p.lengths[~d] for p, d in zip(segments, dead, strict=True)]
        lengths = np.concatenate(live) if live else np.zeros(0, dtype=np.int32)
        self.live = len(lengths)
        self._average = lengths.mean() if len(lengths) else 1.0  # numpy's mean, as bm25s takes it
        self._df: dict[str, int] = {}
        for postings, gone in zip(segments, dead, strict=True):
            for term, count in zip(postings.column, postings.frequencies(gone).tolist(), strict=True):
                if count:
                    self._df[term] = self._df.get(term, 0) + count
        self.vocabulary = frozenset(self._df)
        # common terms come back question after question, and working them out is most of BM25's cost per question
        self._term_scores = functools.lru_cache(maxsize=512)(self._work_out)

    @classmethod
    def build(cls, passages: list[str], folder: Path) -> LexicalIndex:
        """Postings for the passages written into folder, and the index over them alone."""
        write_postings(folder, passages)
        return cls([Postings.open(folder)], [None])

    def document_frequency(self) -> dict[str, int]:
        """How many live passages hold each term."""
        return dict(self._df)

    def scores(self, query: str) -> np.ndarray:
        """BM25 of every row for the query's terms (0 for dead rows), summed term by term in the query's order."""
        scores = np.zeros(self.size, dtype=np.float32)
        for term in (t for t in terms(query) if t in self.vocabulary):
            rows, values = self._term_scores(term)
            np.add.at(scores, rows, values)
        return scores

    def _work_out(self, term: str) -> tuple[np.ndarray, np.ndarray]:
        """A term's live rows and their BM25 shares (float32, as bm25s stores them)."""
        df = self._df[term]
        idf = np.float64(np.float32(math.log(1 + (self.live - df + 0.5) / (df + 0.5))))
        found_rows, found_values = [], []
        for offset, postings, dead in zip(self._offsets, self._segments, self._dead, strict=False):
            rows, counts = postings.passages(term)
            if dead is not None and len(rows):
                keep = ~dead[rows]
                rows, counts = rows[keep], counts[keep]
            tf = counts.astype(np.float64)
            norm = BM25_K1 * ((1 - BM25_B) + BM25_B * postings.lengths[rows] / self._average)
            found_rows.append(offset + rows.astype(np.int64))
            found_values.append((idf * (tf / (norm + tf))).astype(np.float32))
        return np.concatenate(found_rows), np.concatenate(found_values)
