"""The knowledge base a person asks: load an index once, answer questions, never raise to the caller."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mgqa import (
    amounts,
    answer_check,
    answerability,
    disagreement,
    layer,
    query_adapter,
    ranking,
    safety,
    triage,
    vocabulary,
)
from mgqa.answer import MAX_QUOTES, Answer, build_quotes
from mgqa.embedding import Embedder, load_embedder
from mgqa.focus import Focus, TermStats, passage_terms
from mgqa.records import Document
from mgqa.retrieval import Passage, Retriever
from mgqa.settings import Settings
from mgqa.store import IndexData, StoreError, load_index

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Query:
    """A question as the encoder read it."""

    vector: np.ndarray  # the model's own vector of the question
    states: np.ndarray | None  # its states going into the last layer (None: no fine-tuned layer reads them)
    read: np.ndarray | None  # read for its answer by the query adapter (None: no adapter for this model)


@dataclass(frozen=True)
class Coverage:
    """Thresholds that decide whether the documents answer a question at all (see README: Abstention)."""

    min_sentence: float = 0.42  # cosine of the best sentence: below this nothing answers
    min_topic_sentence: float = 0.25  # the same for a one- or two-word topic ("magnesium", "lard")
    min_supporting: float = 0.30  # a 2nd or 3rd quote must still be at least this close
    min_focus: float = 0.0  # share of the question's focus a quoted passage must name (0.3 and 0.5 cost recall: README)
    candidates: int = 40  # passages the retriever hands over for ranking across documents


class KnowledgeBase:
    """An index in memory plus the embedder that reads questions the same way the passages were read."""

    def __init__(self, data: IndexData, embedder: Embedder, mode: str = "hybrid",
                 coverage: Coverage = Coverage(), top_k: int = 3) -> None:
        self.data = data
        self.top_k = top_k  # quotes in an answer, at most
        self.embedder = embedder
        self.retriever = Retriever(data, mode)
        self.coverage = coverage
        # None (rules only) for a model the triage wasn't trained on, or an embedder that can't give its states
        self.triage = self._fine_tuned(triage.load_for, triage.MODEL_PATH)
        self.answer_check = self._fine_tuned(answer_check.load_for, answer_check.MODEL_PATH)
        # a question's vector read for its answer (None: the model's own vector, as for any other model)
        self.adapter = self._fine_tuned(query_adapter.load_for, query_adapter.MODEL_PATH)
        self.terms = TermStats(self.retriever.lexical.document_frequency(), len(data.live_rows),
                               embedder.count_tokens)
        self.titles = ranking.Titles({d: e.get("title") for d, e in data.manifest["documents"].items()}, embedder)
        # None for a model the scores weren't trained on: the rules alone decide (scripts/train_answerability.py)
        self.answerability = answerability.load_for(embedder.model_id)

    def _fine_tuned(self, load_for, path: Path) -> layer.LayerModel | None:
        """A shipped fine-tuned layer for this embedder (None if it was trained on another model, or the embedder
        can't give the states it reads); on the fast path its layer runs on onnxruntime too."""
        reads_states = hasattr(self.embedder, "encode_states") and hasattr(self.embedder, "layer_states")
        model = load_for(self.embedder.model_id) if reads_states else None
        if model is not None and getattr(self.embedder, "cache", None):
            from mgqa import layer_onnx

            layer_onnx.attach(model, self.embedder.cache, path)
        return model

    @classmethod
    def load(cls, index_dir: str | Path | None = None, settings: Settings | None = None,
             embedder: Embedder | None = None, mode: str = "hybrid") -> KnowledgeBase:
        """Load an index; raise StoreError (with what to do) if it is missing or was built with another model."""
        settings = settings or Settings.from_env()
        index_dir = Path(index_dir) if index_dir is not None else settings.index_dir
        data = load_index(index_dir)
        embedder = embedder or load_embedder(settings)
        built_with = data.manifest.get("model")
        if built_with != embedder.model_id:
            raise StoreError(f"{index_dir} was built with model {built_with!r} but {embedder.model_id!r} is "
                             f"configured: run `mgqa build --index {index_dir}` to rebuild it with this model")
        return cls(data, embedder, mode, top_k=settings.top_k)

    @property
    def documents(self) -> Mapping[str, Document]:
        return self.data.documents

    @property
    def manifest(self) -> dict:
        return self.data.manifest

    def ask(self, question: object) -> Answer:
        """Answer one question; any failure becomes an answer with a message, never an exception."""
        try:
            return self._ask(question)
        except Exception:  # the caller is a person at a web page or a terminal: log, don't crash
            log.exception("failed to answer %r", question)
            return Answer(question=str(question)[:safety.MAX_QUESTION_CHARS], status="invalid",
                          caution=safety.caution_note([], strong=False),
                          notice="Something went wrong while answering. Please try again, or rephrase the question.")

    def passages(self, question: str, k: int = 8) -> list[Passage]:
        """Ranked passages without any abstention: for evaluation and debugging."""
        question = self.terms.spelled(question)
        widened = vocabulary.expand(question)
        return self._search(widened, self._read(widened), self.terms.focus(question))[:k]

    def answerability_features(self, question: str):
        """The calibrated abstention's features for a question (what scripts/train_answerability.py learns from)."""
        cleaned = self.terms.spelled(safety.clean_question(question)[0])
        widened = vocabulary.expand(cleaned)
        focus = self.terms.focus(cleaned)
        passages = self._search(widened, self._read(widened), focus)
        return answerability.features(cleaned, focus, passages, self.documents, self.terms, self._check(cleaned))

    def _read(self, widened: str) -> Query:
        """The question through the encoder: its vector, and its states going into the last layer when a
        fine-tuned layer reads them (one encoder run for retrieval, the adapter and the triage)."""
        if self.triage is None and self.adapter is None:
            return Query(self.embedder.encode([widened])[0], None, None)
        vectors, states = self.embedder.encode_states([widened])
        vector, states = vectors[0], states[0]
        return Query(vector, states, self.adapter.adapt(states) if self.adapter is not None else None)

    def _search(self, widened: str, query: Query, focus: Focus) -> list[Passage]:
        """The retriever's candidates ranked across documents (titles, headings, the question's focus)."""
        vector = query.vector
        candidates = self.retriever.search(widened, vector, self.coverage.candidates, query.read)
        if self.retriever.mode != "hybrid":  # dense and bm25 stay pure, as baselines
            return candidates
        return ranking.rerank(candidates, focus, self.titles.similarity(vector), self.documents)

    def _ask(self, question: object) -> Answer:
        typed, problem = safety.clean_question(question)
        if problem:
            shown = question if isinstance(question, str) else ""
            return Answer(question=shown[:safety.MAX_QUESTION_CHARS], status="invalid",
                          caution=safety.caution_note([], strong=False), notice=problem)
        cleaned = self.terms.spelled(typed)  # what is read; the answer shows the question as typed
        rule = safety.triage(typed) or (safety.triage(cleaned) if cleaned != typed else None)
        strong = safety.needs_strong_caution(cleaned)
        widened = vocabulary.expand(cleaned)
        query = self._read(widened)
        assessment = self._assess(cleaned, query.states)
        support = bool(rule and rule.kind == "crisis" and assessment and assessment.calm_on_self_harm)
        if support:  # the words of a crisis, read calm (a teacher, an attempt years ago): a support line, no alarm
            rule = None
        if (rule and rule.kind == "crisis") or (assessment and assessment.crisis):  # no quotes: nothing to search
            reason = rule.reason if rule else f"self-harm score {assessment.self_harm:.2f}"
            return Answer(typed, "urgent", safety.caution_note([], strong), (), safety.CRISIS_NOTICE, reason)
        focus = self.terms.focus(cleaned)  # what the question is about: for ranking, coverage and the quotes
        passages = self._search(widened, query, focus)
        if rule and assessment and assessment.calm:
            rule = None  # the whole message reads as calm (past, hypothetical, a topic): the wording alone isn't enough
        covered, reason, missing = self.covers(cleaned, widened, passages, focus)
        unstated: list[str] = []  # what the closest passages don't state (the documents may, elsewhere)
        reads = self._reads(cleaned)  # the answer check, each sentence read once for this question
        if covered and self.answerability is not None:
            covered, reason = self._answerable(cleaned, focus, passages, reads)
            if not covered and not focus.topic:
                missing = list(focus.unknown)  # rare words no document uses: the notice names them
        answering = self._answering(focus, passages) if covered else []
        if covered and not answering:
            covered, unstated = False, self._unnamed(focus, passages)
            reason = f"no close passage names {', '.join(unstated) or 'what the question is about'}"
        quotes = build_quotes(self._supported(answering, focus), self.documents, self.top_k) if covered else []
        if rule or (assessment and assessment.urgent):
            # after an emergency notice, only what can't harm: no dose, no product, no advert
            quotes = [q for q in quotes if not safety.harmful_when_urgent(q)]
            reason = rule.reason if rule else f"emergency score {max(assessment.emergency, assessment.clause):.2f}"
            return Answer(typed, "urgent", self._caution(quotes, strong), tuple(quotes), safety.EMERGENCY_NOTICE,
                          reason)
        lines: list[str] = [safety.SUPPORT_LINE] if support else []
        quotes, missing_amount = amounts.about_the_subject(cleaned, quotes, focus.unknown)
        unstated += missing_amount
        if quotes:
            quotes, missing_amount = amounts.of_what_is_asked(cleaned, quotes)
            unstated += missing_amount
        asked = vocabulary.unstated_asks(cleaned, " ".join(q.text for q in quotes),
                                         "\n".join(f"{q.title}\n{q.section}" for q in quotes)) if quotes else []
        if asked:  # a price or a lab range the quotes don't state: not answered, however close they are
            quotes, unstated, reason = [], unstated + asked, f"the quotes don't state {', '.join(asked)}"
        if support:  # never a dose, a product or an advert next to talk of self-harm, nor sides of a dispute
            quotes, found = [q for q in quotes if not safety.harmful_near_self_harm(q)], []
        else:
            quotes, found = disagreement.with_both_sides(cleaned, quotes, answering, self.documents, strong,
                                                           self.top_k, reads, focus)
        if assessment and assessment.grey:
            lines.append(safety.GREY_ZONE_LINE)
        if safety.asks_about_overdose(cleaned):
            lines.append(safety.POISON_LINE)
        if found:  # said before the quotes: the reader sees both sides as sides, not as one answer
            lines.append(disagreement.notice(found))
        if not quotes:
            notice = " ".join(lines + [safety.not_found_message(missing, unstated)])
            return Answer(typed, "not_found", self._caution([], strong), (), notice, reason)
        return Answer(typed, "answered", self._caution(quotes, strong), tuple(quotes), " ".join(lines) or None,
                      reason, tuple(found))

    def _caution(self, quotes: list, strong: bool) -> str:
        return safety.caution_note([(q.publisher, q.publisher_type) for q in quotes], strong)

    def _assess(self, question: str, states) -> triage.Assessment | None:
        if self.triage is None:
            return None

        def clause_states():
            parts = [vocabulary.expand(c) for c in triage.clauses(question)]
            return self.embedder.encode_states(parts)[1] if parts else []

        return self.triage.assess(states, clause_states, keyword=len(question.split()) <= triage.KEYWORD_WORDS)

    def covers(self, question: str, widened: str, passages: list[Passage], focus: Focus
               ) -> tuple[bool, str, list[str]]:
        """Whether the best passage really answers: close enough in meaning, and no key term missing.

        `widened` is the question as `vocabulary.expand` widened it, `focus` what it is about. Returns the
        verdict, the reason, and what the question names that the documents never mention.
        """
        if not passages:
            return False, "the index is empty", []
        if not focus.topic:  # a one- or two-word topic gets the best passages; the calibrated score judges them
            if not vocabulary.shares_words(widened, self.retriever.lexical.vocabulary):
                return False, "no word of the question (nor a synonym) is in the documents", []
            missing = vocabulary.missing_subjects(question, self.retriever.lexical.vocabulary)
            if missing:
                return False, f"not in the documents: {', '.join(missing)}", missing
        best = max(p.sentence for p in passages)
        floor = self.coverage.min_topic_sentence if focus.topic else self.coverage.min_sentence
        if best < floor:
            return False, f"best sentence similarity {best:.2f} < {floor}", []
        return True, f"best sentence similarity {best:.2f}", []

    def _answerable(self, question: str, focus: Focus, passages: list[Passage], reads=None) -> tuple[bool, str]:
        """The calibrated verdict on whether the passage that would be quoted answers (README: Abstention);
        `reads`: the answer check over sentences (`_reads`)."""
        model = self.answerability
        x, sentence = answerability.features_and_sentence(question, focus, passages, self.documents, self.terms)
        if reads is not None and sentence is not None and focus.unknown and not focus.topic:
            # the question names a rare word no document uses: answered only if the check reads the quote as
            # answering it anyway (a brand the documents speak of by its kind)
            value = reads([sentence])[0]
            if value < answer_check.ANSWERS:
                return False, f"answer check {value:.2f} < {answer_check.ANSWERS} with {', '.join(focus.unknown)} " \
                              "in no document"
        if reads is not None and sentence is not None:
            settled = model.settled_without_check(x)
            asked = answerability.put_as_question(question)  # only a question can fall under the check's floor
            if settled is False or (settled and not asked):  # the check can't change the verdict: skip its run
                verdict = ">=" if settled else "<"
                return settled, f"answerability {verdict} {model.threshold:.2f} whatever the answer check"
            x[answerability.CHECK] = reads([sentence])[0]
            if x[answerability.CHECK] < answerability.CHECK_FLOOR and asked:
                # sure the first quote doesn't answer: refused unless the check reads another of the top passages
                # as answering
                others = [self.documents[p.chunk.doc_id].text[slice(*p.best)] for p in passages[:MAX_QUOTES]]
                best = max(reads([o for o in others if o != sentence]) or [0.0])
                if best < answer_check.ANSWERS:
                    return False, (f"answer check {x[answerability.CHECK]:.2f} < {answerability.CHECK_FLOOR}, "
                                   f"{best:.2f} at best for the next passages")
            if settled:
                return True, f"answerability >= {model.threshold:.2f} whatever the answer check"
        p = model.probability(x)
        verdict = "<" if p < model.threshold else ">="
        return p >= model.threshold, f"answerability {p:.2f} {verdict} {model.threshold:.2f}"

    def _check(self, question: str):
        """The answer check of one sentence against the question, or None without a check for this model."""
        reads = self._reads(question)
        return None if reads is None else (lambda sentence: float(reads([sentence])[0]))

    def _reads(self, question: str):
        """The answer check over several sentences at once (one encoder run for those not read yet), or None
        without a check."""
        if self.answer_check is None:
            return None
        seen: dict[str, float] = {}

        def reads(sentences):
            new = [s for s in dict.fromkeys(sentences) if s not in seen]
            if new:
                seen.update(zip(new, (float(v) for v in self.answer_check.scores(self.embedder, question, new))))
            return [seen[s] for s in sentences]

        return reads

    def _answering(self, focus: Focus, passages: list[Passage]) -> list[Passage]:
        """The passages that name what the question is about: every medicine, nutrient or condition it names,
        and most of the weight of its other focus terms (a passage on magnesium doses doesn't answer a
        question on magnesium for migraines, however close it sounds)."""
        kept = []
        for p in passages:
            named = self._named(p)
            if not focus.missing(named) and focus.coverage(named) >= self.coverage.min_focus:
                kept.append(p)
        return kept

    def _unnamed(self, focus: Focus, passages: list[Passage]) -> list[str]:
        named = self._named(passages[0]) if passages else set()
        return focus.missing(named)

    def _named(self, p: Passage) -> set[str]:
        doc = self.documents[p.chunk.doc_id]
        return passage_terms(doc.title or "", " ".join(p.chunk.section), p.chunk.text)

    def _supported(self, passages: list[Passage], focus: Focus) -> list[Passage]:
        """The best passage, then only those close enough to the question to be worth a second look."""
        floor = min(self.coverage.min_supporting, self.coverage.min_topic_sentence) if focus.topic \
            else self.coverage.min_supporting
        return passages[:1] + [p for p in passages[1:] if p.sentence >= floor]
