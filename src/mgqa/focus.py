"""What a question is about, and whether a passage addresses it: the question's focus terms, weighted by how
rare they are among the passages, looked for in each passage (with its title and headings).

This replaces "is the subject mentioned anywhere in the collection", which stops working once many documents
name many subjects: here the passage that would be quoted has to name what the question asks about.
"""

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Callable, Mapping, Set
from dataclasses import dataclass
from functools import lru_cache

from mgqa.lexical import STOP_WORDS, stem, terms
from mgqa.text import words
from mgqa.vocabulary import HEALTH_TERMS, NUMBERED_VITAMIN, SYNONYMS, vitamins

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
    # rare words no document uses, nor a word spelt or formed like them: what the question may be about that
    # the collection never names ("benfotiamine", "gastroparesis")
    unknown: tuple[str, ...] = ()

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

    def __init__(self, frequency: Mapping[str, int], size: int, pieces: Callable[[str], int] | None = None) -> None:
        self.size = max(size, 1)
        self.frequency = frequency  # term -> passages that hold it (LexicalIndex.document_frequency)
        self.pieces = pieces  # a word's word pieces in the encoder's vocabulary: rare words take several
        self._rare: dict[str, bool] = {}  # word -> counted as unknown (questions share words)
        self._spelling: dict[str, str | None] = {}  # word -> the collection's word it misspells, if any
        self._sorted: list[str] | None = None  # the collection's terms in order, for "begins like"

    def idf(self, term: str) -> float:
        return math.log(1 + self.size / (1 + self.frequency.get(term, 0)))

    def focus(self, question: str) -> Focus:
        asked = [t for t in dict.fromkeys(terms(question)) if t not in FRAMING]
        weights = {t: self.idf(t) for t in asked if t in self.frequency}
        # a vitamin named by its letter and number ("b12", "d3") is a nutrient an answer must name as any other; by
        # its letter alone ("vitamin d") too, though no term holds the letter
        numbered = {t for t in weights if NUMBERED_VITAMIN.fullmatch(t)}
        required = frozenset(t for t in weights if _is_health_term(t)) | numbered | _lettered(question)
        alternatives = {t: frozenset(_lettered(f"vitamin {t}")) for t in numbered}  # D3 is vitamin D (_lettered)
        for key_terms, value_terms in _SYNONYM_TERMS:
            # a numbered vitamin's synonym only adds "vitamin": a page under "Vitamins and minerals" doesn't name B12
            for term in (key_terms & set(asked)) - numbered:
                alternatives[term] = alternatives.get(term, frozenset()) | frozenset(value_terms)
        topic = len(asked) <= 2 and not _QUESTION_FORM.search(question)
        return Focus(weights, required, alternatives, topic, self.unknown(question, alternatives))

    def unknown(self, question: str, alternatives: Mapping[str, frozenset[str]] = {}) -> tuple[str, ...]:
        """The question's rare words that no document uses: it may be about something the collection never
        names, which the focus can't weigh (it only knows the collection's terms). Rare in general English: the
        encoder's vocabulary holds common words whole, so a word of RARE_PIECES word pieces or more is rare. Not
        counted: a word with a digit; a misspelling (one letter off a word the collection uses, or a stop word);
        a form of a word the collection uses (a long shared beginning: "naturopath" when it says "naturopathic");
        a lay word whose clinical synonym it uses."""
        if self.pieces is None:
            return ()
        found = []
        for word in dict.fromkeys(words(question)):
            word = word.removesuffix("'s")
            if word in STOP_WORDS or len(word) < 3 or any(c.isdigit() for c in word):
                continue
            base = stem(word)
            if base in self.frequency or alternatives.get(base, frozenset()) & self.frequency.keys():
                continue
            rare = self._rare.get(word)
            if rare is None:
                # the spelling checks only for a rare word: a common one counts for nothing anyway
                rare = self.pieces(word) >= RARE_PIECES and not self._near_spelling(word) and not self._formed(base)
                if len(self._rare) >= _WORDS_KEPT:
                    self._rare.clear()
                self._rare[word] = rare
            if rare:
                found.append(word)
        return tuple(found)

    def spelled(self, question: str) -> str:
        """The question with its misspellings of the collection's words put right, for everything that reads it
        (the encoder, BM25, the focus); it is shown as typed. A misspelling: a word rare in general English
        (RARE_PIECES word pieces or more: a common word such as "ginger" is never changed into "finger") that no
        document uses, and that a letter left out or two letters swapped make of a word a document uses, in fewer
        word pieces (more familiar English: not "rinsing" -> "rinseing") or as that word itself; the most familiar,
        then the most used, such word replaces it ("side efects" -> "effects", "nueropathy" -> "neuropathy"). A
        letter too many or a wrong one is not put right: "shingles" would become "singles", "hives" "gives"."""
        if self.pieces is None:
            return question
        for word in dict.fromkeys(words(question)):
            right = self._right_spelling(word)
            if right is not None:
                question = re.sub(rf"\b{re.escape(word)}\b", right, question, flags=re.IGNORECASE)
        return question

    def _right_spelling(self, word: str) -> str | None:
        if len(word) < SPELLING_LETTERS or not word.isalpha() or word in STOP_WORDS or stem(word) in self.frequency:
            return None
        if word not in self._spelling:
            right = None
            pieces = self.pieces(word)
            if pieces >= RARE_PIECES:
                # put right, a word reads as more familiar English (fewer word pieces), or is the collection's
                # word itself, as many pieces as the misspelling ("nueropathy" -> "neuropathy")
                known = [(self.pieces(w), -self.frequency[stem(w)], w) for w in _left_out_or_swapped(word)
                         if stem(w) in self.frequency]
                fits = [k for k in known if k[0] < pieces or (k[0] == pieces and stem(k[2]) == k[2])]
                right = min(fits)[2] if fits else None
            if len(self._spelling) >= _WORDS_KEPT:
                self._spelling.clear()
            self._spelling[word] = right
        return self._spelling[word]

    def _formed(self, base: str) -> bool:
        """Whether a term of the collection begins like a word's stem `base`, all but its last four letters (at
        least five): another form of a word the collection uses."""
        head = base[:max(5, len(base) - 4)]
        if self._sorted is None:
            self._sorted = sorted(self.frequency)
        at = bisect.bisect_left(self._sorted, head)
        return at < len(self._sorted) and self._sorted[at].startswith(head)

    def _near_spelling(self, word: str) -> bool:
        """Whether one deletion, insertion, swap or change of a letter makes a word the collection uses (or a
        stop word): "nueropathy", "omeprazol", "brocoli" are misspellings, not new subjects. Only a word ending
        like a suffix the stemmer strips is stemmed (most of the ~50 candidates a letter aren't)."""
        known = self.frequency
        return any(w in known or w in STOP_WORDS or (w[-1:] in _SUFFIX_ENDS and stem(w) in known)
                   for w in _one_letter_off(word))


_LETTERS = "abcdefghijklmnopqrstuvwxyz"
_SUFFIX_ENDS = frozenset("sgdy")  # the last letters of the suffixes lexical.stem strips
_WORDS_KEPT = 65536
SPELLING_LETTERS = 5  # shorter words are never put right
RARE_PIECES = 3  # word pieces from which a word is rare in general English ("benfotiamine" 4, "husband" 1)


def _left_out_or_swapped(word: str) -> set[str]:
    """The word with a letter put in anywhere, or two neighbours swapped."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    return ({a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
            | {a + c + b for a, b in splits for c in _LETTERS})


def _one_letter_off(word: str) -> set[str]:
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    return ({a + b[1:] for a, b in splits if b} | {a + c + b[1:] for a, b in splits if b for c in _LETTERS}
            | _left_out_or_swapped(word))


@lru_cache(maxsize=4096)
def passage_terms(*texts: str) -> frozenset[str]:
    """The terms of a passage (with its title and headings), and the vitamins it names by letter ("vitamin d",
    `_lettered`). Kept for the next asker: ranking, the answering check and the calibrated score each look at the
    same 40 candidates, and questions share candidates."""
    return frozenset(t for text in texts for t in terms(text)) | frozenset(v for text in texts for v in _lettered(text))


def _lettered(text: str) -> set[str]:
    """The vitamins a text names by a letter alone, as "vitamin d" (a number's form too: D3 is vitamin D); not B,
    whose numbers are different vitamins. The terms drop a lone letter, so "vitamin D" and "vitamin B12" would both
    be only "vitamin"."""
    return {f"vitamin {name[0]}" for name in vitamins(text) if name[0] != "b"}


def _is_health_term(term: str) -> bool:
    return term in HEALTH_TERMS or any(stem(w) == term for w in _HEALTH_WORDS.get(term[:3], ()))


_HEALTH_WORDS: dict[str, list[str]] = {}
for _word in HEALTH_TERMS:
    _HEALTH_WORDS.setdefault(_word[:3], []).append(_word)
