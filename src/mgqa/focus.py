"""What a question is about, and whether a passage addresses it: the question's focus terms, weighted by how
rare they are among the passages, looked for in each passage (with its title and headings).

This replaces "is the subject mentioned anywhere in the collection", which stops working once many documents
name many subjects: here the passage that would be quoted has to name what the question asks about.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Set
from dataclasses import dataclass
from functools import lru_cache

from mgqa.lexical import stem, terms
from mgqa.vocabulary import HEALTH_TERMS, SYNONYMS

# words that frame a question rather than name its subject ("is it safe to take ... every day")
FRAMING = frozenset(stem(w) for w in """
good bad best better worse safe safely okay take taking took use using used work works working help helps helped
cause causes caused effect effects side long often much many day days daily normal way ways type types kind kinds
risk risks real actual actually need needs needed get getting enough too high low lot start stop right wrong
true false legit worth happen happens mean means make makes should would could common usual usually possible
year years week weeks month months time times""".split())
_QUESTION_FORM = re.compile(r"\?|^\s*(?:what|how|why|when|where|which|who|is|are|can|could|does|do|did|should|will|"
                            r"would|has|have)\b", re.I)
_SYNONYM_TERMS = [(set(terms(key)), set(terms(value))) for key, value in SYNONYMS.items()]


@dataclass(frozen=True)
class Focus:
    """The terms a question is about, each with its weight, and the ones a passage must name."""

    weights: dict[str, float]  # stemmed term -> idf among the passages
    required: frozenset[str]  # health terms (medicines, conditions, nutrients): an answer must name them
    alternatives: dict[str, frozenset[str]]  # a lay term -> the clinical terms that also address it
    topic: bool  # one or two words, no question form: "magnesium", "lard", "fish oil"

    def coverage(self, passage_terms: Set[str]) -> float:
        """Share of the question's weight a passage addresses (1.0 for a question with no focus term)."""
        total = sum(self.weights.values())
        if not total:
            return 1.0
        return sum(w for t, w in self.weights.items() if self.addressed(t, passage_terms)) / total

    def missing(self, passage_terms: Set[str]) -> list[str]:
        return [t for t in sorted(self.required) if not self.addressed(t, passage_terms)]

    def addressed(self, term: str, passage_terms: Set[str]) -> bool:
        return term in passage_terms or bool(self.alternatives.get(term, frozenset()) & passage_terms)

    def subject(self, asking: Set[str] = frozenset()) -> frozenset[str]:
        """What an amount asked for is an amount of: the question's medicines, nutrients and conditions, else its
        rarest focus term outside `asking` (the terms that ask for the amount itself: "max", "how soon")."""
        if self.required:
            return self.required
        rest = {t: w for t, w in self.weights.items() if t not in asking}
        return frozenset({max(rest, key=rest.get)}) if rest else frozenset()

    def names_all(self, terms: Set[str], passage_terms: Set[str]) -> bool:
        return all(self.addressed(t, passage_terms) for t in terms)


class TermStats:
    """How many passages hold each term: rarer terms say more about what a question is after."""

    def __init__(self, frequency: Mapping[str, int], size: int) -> None:
        self.size = max(size, 1)
        self.frequency = frequency  # term -> passages that hold it (LexicalIndex.document_frequency)

    def idf(self, term: str) -> float:
        return math.log(1 + self.size / (1 + self.frequency.get(term, 0)))

    def focus(self, question: str) -> Focus:
        asked = [t for t in dict.fromkeys(terms(question)) if t not in FRAMING]
        weights = {t: self.idf(t) for t in asked if t in self.frequency}
        required = frozenset(t for t in weights if _is_health_term(t))
        alternatives = {}
        for key_terms, value_terms in _SYNONYM_TERMS:
            for term in key_terms & set(asked):
                alternatives[term] = alternatives.get(term, frozenset()) | frozenset(value_terms)
        topic = len(asked) <= 2 and not _QUESTION_FORM.search(question)
        return Focus(weights, required, alternatives, topic)


@lru_cache(maxsize=4096)
def passage_terms(*texts: str) -> frozenset[str]:
    """The terms of a passage (with its title and headings). Kept for the next asker: ranking, the answering
    check and the calibrated score each look at the same 40 candidates, and questions share candidates."""
    return frozenset(t for text in texts for t in terms(text))


def _is_health_term(term: str) -> bool:
    return term in HEALTH_TERMS or any(stem(w) == term for w in _HEALTH_WORDS.get(term[:3], ()))


_HEALTH_WORDS: dict[str, list[str]] = {}
for _word in HEALTH_TERMS:
    _HEALTH_WORDS.setdefault(_word[:3], []).append(_word)
