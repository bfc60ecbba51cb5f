"""The knowledge base a person asks: load an index once, answer questions, never raise to the caller."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from mgqa import safety, triage, vocabulary
from mgqa.answer import Answer, build_quotes
from mgqa.embedding import Embedder, load_embedder
from mgqa.records import Document
from mgqa.retrieval import Passage, Retriever
from mgqa.settings import Settings
from mgqa.store import IndexData, StoreError, load_index

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Coverage:
    """Thresholds that decide whether the documents answer a question at all (see README: Abstention)."""

    min_sentence: float = 0.42  # cosine of the best sentence: below this nothing answers
    min_supporting: float = 0.30  # a 2nd or 3rd quote must still be at least this close


class KnowledgeBase:
    """An index in memory plus the embedder that reads questions the same way the passages were read."""

    def __init__(self, data: IndexData, embedder: Embedder, mode: str = "hybrid",
                 coverage: Coverage = Coverage(), top_k: int = 3) -> None:
        self.data = data
        self.top_k = top_k  # quotes in an answer, at most
        self.embedder = embedder
        self.retriever = Retriever(data, mode)
        self.coverage = coverage
        self.triage = triage.load_for(embedder.model_id)  # None for a model the heads weren't trained on: rules only
        self._corpus_text = "\n".join(d.text for d in data.documents.values())

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
    def documents(self) -> dict[str, Document]:
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
        return self._search(vocabulary.expand(question), k)

    def _search(self, widened: str, k: int = 8, vector=None) -> list[Passage]:
        vector = self.embedder.encode([widened])[0] if vector is None else vector
        return self.retriever.search(widened, vector, k)

    def _ask(self, question: object) -> Answer:
        cleaned, problem = safety.clean_question(question)
        if problem:
            shown = question if isinstance(question, str) else ""
            return Answer(question=shown[:safety.MAX_QUESTION_CHARS], status="invalid",
                          caution=safety.caution_note([], strong=False), notice=problem)
        rule = safety.triage(cleaned)
        strong = safety.needs_strong_caution(cleaned)
        widened = vocabulary.expand(cleaned)
        vector = self.embedder.encode([widened])[0]  # one embedding for retrieval and triage
        passages = self._search(widened, vector=vector)
        assessment = self._assess(cleaned, vector)
        if (rule and rule.kind == "crisis") or (assessment and assessment.crisis):
            reason = rule.reason if rule else f"self-harm score {assessment.self_harm:.2f}"
            return Answer(cleaned, "urgent", safety.caution_note([], strong), (), safety.CRISIS_NOTICE, reason)
        if rule and assessment and assessment.calm:
            rule = None  # the whole message reads as calm (past, hypothetical, a topic): the wording alone isn't enough
        covered, reason, missing = self.covers(cleaned, widened, passages)
        quotes = build_quotes(self._supported(passages), self.documents, self.top_k) if covered else []
        if rule or (assessment and assessment.urgent):
            # after an emergency notice, only what can't harm: no dose, no product, no advert
            quotes = [q for q in quotes if not safety.harmful_when_urgent(q)]
            reason = rule.reason if rule else f"emergency score {max(assessment.emergency, assessment.clause):.2f}"
            return Answer(cleaned, "urgent", self._caution(quotes, strong), tuple(quotes), safety.EMERGENCY_NOTICE,
                          reason)
        quotes, missing_amount = safety.amounts_about_the_subject(cleaned, quotes)
        missing += missing_amount
        lines = []
        if assessment and assessment.grey:
            lines.append(safety.GREY_ZONE_LINE)
        if safety.asks_about_overdose(cleaned):
            lines.append(safety.POISON_LINE)
        if not quotes:
            notice = " ".join(lines + [safety.not_found_message(missing)])
            return Answer(cleaned, "not_found", self._caution([], strong), (), notice, reason)
        return Answer(cleaned, "answered", self._caution(quotes, strong), tuple(quotes), " ".join(lines) or None,
                      reason)

    def _caution(self, quotes: list, strong: bool) -> str:
        sources = [(q.title, self.documents[q.doc_id].publisher, self.documents[q.doc_id].commercial) for q in quotes]
        return safety.caution_note(sources, strong)

    def _assess(self, question: str, vector) -> triage.Assessment | None:
        if self.triage is None:
            return None

        def clause_vectors():
            parts = [vocabulary.expand(c) for c in triage.clauses(question)]
            return self.embedder.encode(parts) if parts else []

        return self.triage.assess(vector, clause_vectors)

    def covers(self, question: str, widened: str, passages: list[Passage]) -> tuple[bool, str, list[str]]:
        """Whether the best passage really answers: close enough in meaning, and no key term missing.

        `widened` is the question as `vocabulary.expand` widened it. Returns the verdict, the reason, and
        what the question names that the documents never mention.
        """
        if not passages:
            return False, "the index is empty", []
        if not vocabulary.shares_words(widened, self.retriever.lexical.vocabulary):
            return False, "no word of the question (nor a synonym) is in the documents", []
        missing = vocabulary.missing_subjects(question, self.retriever.lexical.vocabulary, self._corpus_text)
        if missing:
            return False, f"not in the documents: {', '.join(missing)}", missing
        best = max(p.sentence for p in passages)
        if best < self.coverage.min_sentence:
            return False, f"best sentence similarity {best:.2f} < {self.coverage.min_sentence}", []
        return True, f"best sentence similarity {best:.2f}", []

    def _supported(self, passages: list[Passage]) -> list[Passage]:
        """The best passage, then only those close enough to the question to be worth a second look."""
        return passages[:1] + [p for p in passages[1:] if p.sentence >= self.coverage.min_supporting]
