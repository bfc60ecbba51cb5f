"""Word-level matching: stop words, a light stemmer and a BM25 index over passages (bm25s), saved with the index."""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np

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


class LexicalIndex:
    """BM25 over passages, plus their vocabulary (to spot subjects the documents never mention)."""

    def __init__(self, bm25: object, size: int) -> None:
        self._bm25 = bm25
        self.size = size
        # every term of some passage; bm25s keeps "" for a passage with no term, which is no word
        self.vocabulary = frozenset(t for t in bm25.vocab_dict if t)

    @classmethod
    def build(cls, passages: list[str]) -> LexicalIndex:
        import bm25s  # imported here: only builds and the knowledge base need it, not the CLI's --help

        bm25 = bm25s.BM25()
        bm25.index([terms(p) for p in passages], show_progress=False)
        return cls(bm25, len(passages))

    def save(self, folder: Path) -> None:
        """The BM25 matrix and vocabulary as bm25s writes them (.npy arrays and JSON) into folder."""
        self._bm25.save(str(folder), show_progress=False)

    @classmethod
    def load(cls, folder: Path, size: int) -> LexicalIndex:
        """A saved index, its score matrix memory-mapped: nothing is re-tokenised at load."""
        import bm25s

        bm25 = bm25s.BM25.load(str(folder), mmap=True, show_progress=False)
        if len(bm25.vocab_dict) and int(bm25.scores["num_docs"]) != size:
            raise ValueError(f"the BM25 index holds {bm25.scores['num_docs']} passages, not {size}")
        return cls(bm25, size)

    def document_frequency(self) -> dict[str, int]:
        """How many passages hold each term, read off the saved score matrix (a column per term; a term that
        occurs always scores above zero) instead of tokenising every passage again."""
        if not self.vocabulary:
            return {}
        starts = np.asarray(self._bm25.scores["indptr"])
        return {term: int(starts[column + 1] - starts[column])
                for term, column in self._bm25.vocab_dict.items() if term}

    def scores(self, query: str) -> np.ndarray:
        tokens = [t for t in terms(query) if t in self.vocabulary]
        if not tokens:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._bm25.get_scores(tokens), dtype=np.float32)
