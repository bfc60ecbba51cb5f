"""Whether the best passage answers the question: a calibrated score instead of rules about the collection's words.

A logistic model over a few features of the question and its best passages (trained by
`scripts/train_answerability.py` on the library question set and the NFCorpus dev split, threshold picked there
with false abstention at most 5 %): how close in meaning the best sentence and passage are, how much they stand
out of the candidates, how much of what the question is about (its focus terms, weighted by rarity) the passage
and its best sentence name, the rarest focus term nobody near the top names, whether an amount asked outright
("how much", "how long", "what dose") is stated in the passage that names the subject, and the answer check's
reading of the question and the sentence that would be quoted together (answer_check.py).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mgqa import disagreement
from mgqa.focus import Focus, TermStats, passage_terms
from mgqa.records import Document
from mgqa.retrieval import Passage

MODEL_PATH = Path(__file__).with_name("answerability_model.npz")
TOP = 5  # passages looked at for "does any close passage name it"
# a question that asks outright for an amount, a time or a share ("how much", "how long", "what dose")
_HOW_MUCH = re.compile(r"\bhow (?:much|many|long|soon|often|fast|quickly)\b"
                       r"|\bwhat (?:dose|dosage|amount|percent(?:age)?)\b", re.I)
NAMES = ("sentence", "quoted_sentence", "quoted_dense", "margin", "gap", "coverage", "sentence_coverage",
         "unaddressed", "amount_missing", "topic", "focus_terms", "quoted_rank", "check")
NEUTRAL_CHECK = 0.5  # the check's value when there is no answer check for this model
# below this the answer check is sure the sentence doesn't answer: a question put as a question is not answered
# with it, whatever the other features say (a keyword or title query, which no sentence answers word for word,
# is left to the calibrated score)
CHECK_FLOOR = 0.02
_QUESTION = re.compile(r"\?\s*$|^\W*(?:how|what|whats|what's|which|who|when|where|why|is|are|does|do|can|could|"
                       r"should|will|would|did|has|have)\b", re.I)
CHECK = NAMES.index("check")


def features(question: str, focus: Focus, passages: list[Passage], documents: dict[str, Document],
             stats: TermStats, check: Callable[[str], float] | None = None) -> np.ndarray:
    """The feature vector of a question and its ranked passages (best first), in NAMES order, with the answer
    check read (`check`: answer_check.AnswerCheck on the question and the sentence that would be quoted)."""
    x, sentence = features_and_sentence(question, focus, passages, documents, stats)
    if check is not None and sentence is not None:
        x[CHECK] = check(sentence)
    return x


def features_and_sentence(question: str, focus: Focus, passages: list[Passage], documents: dict[str, Document],
                          stats: TermStats) -> tuple[np.ndarray, str | None]:
    """The feature vector with the check at NEUTRAL_CHECK, and the sentence the check would read (None when no
    close passage names the subject: the check's value is then 0). The passage that would be quoted first is
    the best one naming every medicine, nutrient or condition the question names."""
    scores = np.array([p.sentence for p in passages], dtype=np.float32)
    named = [_named(p, documents) for p in passages]
    rank = next((i for i, n in enumerate(named) if not focus.missing(n)), None)
    top = float(scores.max())
    if rank is None:  # nothing close names the subject: the weakest evidence there is
        asks = float(bool(disagreement.asked(question) and _HOW_MUCH.search(question)))
        return np.array([top, 0.0, 0.0, 0.0, top, 0.0, 0.0, 1.0, asks, float(focus.topic),
                         math.log1p(len(focus.weights)), math.log1p(len(passages)), 0.0], dtype=np.float32), None
    quoted = passages[rank]
    doc = documents[quoted.chunk.doc_id]
    sentence_text = doc.text[slice(*quoted.best)]
    near = named[:TOP] + [named[rank]]
    unaddressed = [w for t, w in focus.weights.items() if not any(focus.addressed(t, n) for n in near)]
    wanted = disagreement.asked(question)
    amount_missing = 0.0
    if wanted and _HOW_MUCH.search(question):  # asked outright: a figure of that kind next to the asked subject
        about = disagreement.about_of(question, focus)
        amount_missing = 0.0 if _states_amount_of(quoted, doc, about, wanted[1]) else 1.0
    return np.array([
        top, quoted.sentence, quoted.dense, quoted.sentence - float(np.median(scores)), top - quoted.sentence,
        focus.coverage(named[rank]), focus.coverage(passage_terms(sentence_text)),
        max(unaddressed, default=0.0) / math.log(1 + stats.size), amount_missing, float(focus.topic),
        math.log1p(len(focus.weights)), math.log1p(rank), NEUTRAL_CHECK,
    ], dtype=np.float32), sentence_text


def put_as_question(text: str) -> bool:
    """Whether the text is put as a question (a question word first, or a question mark at the end)."""
    return bool(_QUESTION.search(text))


def _states_amount_of(p: Passage, doc: Document, about: disagreement.About, units: set[str]) -> bool:
    """Whether a sentence of the passage states a figure in those units about the question's subject (its
    medicines, nutrients and conditions, else its rarest focus term that doesn't ask for the amount itself):
    kale's magnesium is not spinach's. The sentence names the subject, or the one before it in the same
    paragraph does ("It is given as 2 doses, 2 to 6 months apart" after a sentence on the vaccine; a list item
    or a paragraph starts afresh); the page's title and headings may name the rest of it, never all of it (a
    heading on nerve health doesn't make a magnesium limit a safe amount of drink). An amount asked by weight may
    be stated by volume ("more than about 1 liter a day" of grapefruit juice)."""
    if units & disagreement.MASS:
        units = units | disagreement.VOLUME
    focus, subject = about
    page = passage_terms(doc.title or "", " ".join(p.chunk.section))
    previous, end = frozenset(), None  # the sentence before: its terms, where it ends
    for a, b in p.chunk.sentences:
        said = passage_terms(doc.text[a:b])
        near = said | (previous if end is not None and "\n" not in doc.text[end:a] else frozenset())
        if (disagreement.figures(doc.text[a:b], units) and focus.names_all(subject, near | page)
                and (not subject or any(focus.addressed(t, near) for t in subject))):
            return True
        previous, end = said, b
    return False


def _named(p: Passage, documents: dict[str, Document]) -> set[str]:
    doc = documents[p.chunk.doc_id]
    return passage_terms(doc.title or "", " ".join(p.chunk.section), p.chunk.text)


@dataclass(frozen=True)
class AnswerabilityModel:
    weights: np.ndarray
    bias: float
    mean: np.ndarray  # features are standardised with the training set's mean and scale
    scale: np.ndarray
    threshold: float  # below this probability the answer is withheld
    model_id: str  # the embedding model the scores came from
    trained_on: str = ""

    def probability(self, x: np.ndarray) -> float:
        z = float(((x - self.mean) / self.scale) @ self.weights + self.bias)
        return 1.0 / (1.0 + math.exp(-z))

    def settled_without_check(self, x: np.ndarray) -> bool | None:
        """The verdict if the answer check can't change it, else None. The score is monotone in the check's
        value, which lies in [0, 1]: when both ends fall on the same side of the threshold, the check's
        encoder run would be wasted (the verdict is exactly the one it would give)."""
        ends = []
        for value in (0.0, 1.0):
            y = x.copy()
            y[CHECK] = value
            ends.append(self.probability(y) >= self.threshold)
        return ends[0] if ends[0] == ends[1] else None

    def save(self, path: Path = MODEL_PATH) -> None:
        np.savez(path, weights=self.weights, bias=np.float32(self.bias), mean=self.mean, scale=self.scale,
                 threshold=np.float32(self.threshold), model_id=np.array(self.model_id),
                 trained_on=np.array(self.trained_on), names=np.array(NAMES))

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> AnswerabilityModel:
        with np.load(path, allow_pickle=False) as data:
            if tuple(str(n) for n in data["names"]) != NAMES:
                raise ValueError(f"{path} was trained on other features: retrain it")
            return cls(data["weights"], float(data["bias"]), data["mean"], data["scale"], float(data["threshold"]),
                       str(data["model_id"]), str(data["trained_on"]))


def load_for(model_id: str) -> AnswerabilityModel | None:
    """The shipped model if it was trained on scores of this embedding model; None otherwise (rules only)."""
    try:
        model = AnswerabilityModel.load()
    except (OSError, ValueError, KeyError):
        return None
    return model if model.model_id == model_id else None
