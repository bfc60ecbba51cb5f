"""The knowledge base as a person meets it: every question gets an answer object, never an exception."""

from __future__ import annotations

import json

import pytest

from fakes import BrokenEmbedder, FakeEmbedder, RefusingEmbedder, write
from mgqa import safety
from mgqa.build import BuildError, build
from mgqa.kb import Coverage, KnowledgeBase
from mgqa.store import StoreError, load_index

ANSWER_KEYS = {"question", "status", "quotes", "caution", "notice", "disagreements"}
QUOTE_KEYS = {"text", "highlight", "doc_id", "title", "section", "link", "score",
                             "promotional", "publisher", "publisher_type", "also_in"}


def check_quotes(kb: KnowledgeBase, answer) -> None:
    starts = {}
    for quote in answer.quotes:
        doc = kb.documents[quote.doc_id]
        assert quote.text == doc.text[quote.start:quote.end]
        assert quote.highlight in quote.text
        assert quote.link and quote.title == doc.title
        starts.setdefault(quote.doc_id, []).append((quote.start, quote.end))
    for spans in starts.values():
        spans.sort()
        assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:])), "quotes overlap"


@pytest.mark.parametrize("question, words", [
    ("How much magnesium do adults take each day?", "310 to 420 mg"),
    ("Which foods are rich in magnesium?", "pumpkin seeds"),
    ("Does magnesium help people sleep?", "sleep"),
])
def test_a_covered_question_is_answered_with_verbatim_quotes(kb, question, words):
    answer = kb.ask(question)
    assert answer.status == "answered" and answer.notice is None
    assert 1 <= len(answer.quotes) <= 3
    assert words in answer.quotes[0].text
    check_quotes(kb, answer)
    assert "not medical advice" in answer.caution


def test_the_json_form_has_exactly_the_api_keys(kb):
    as_dict = kb.ask("Which foods are rich in magnesium?").to_dict()
    assert set(as_dict) == ANSWER_KEYS
    assert as_dict["quotes"] and all(set(q) == QUOTE_KEYS for q in as_dict["quotes"])
    json.dumps(as_dict)  # plain JSON types only


def test_web_quotes_link_to_the_page_and_local_ones_to_the_source_view(kb):
    answer = kb.ask("Which foods are rich in magnesium? Spinach, pumpkin seeds and almonds")
    links = {q.doc_id: q.link for q in answer.quotes}
    assert links["foods"].startswith("https://example.org/magnesium-foods#:~:text=")
    for doc_id, link in links.items():
        if doc_id != "foods":
            assert link.startswith(f"/source/{doc_id}?start=")


def test_a_question_about_something_absent_is_not_answered(kb):
    answer = kb.ask("Does zinc help with shingles?")
    assert answer.status == "not_found" and answer.quotes == ()
    assert "never mention zinc or shingles" in answer.notice and "not medical advice" in answer.caution


def test_a_question_with_nothing_in_common_with_the_documents_is_not_answered(kb):
    answer = kb.ask("what's a good banana bread recipe")
    assert answer.status == "not_found" and answer.quotes == ()
    assert "no word" in answer.reason and answer.notice == safety.NOT_FOUND_MESSAGE


def test_below_the_similarity_threshold_nothing_is_quoted(built, embedder):
    strict = KnowledgeBase(load_index(built.index_dir), embedder, coverage=Coverage(min_sentence=1.01))
    answer = strict.ask("How much magnesium do adults take each day?")
    assert answer.status == "not_found" and not answer.quotes


def test_an_emergency_is_urgent_with_the_emergency_notice(kb):
    answer = kb.ask("My father's face is drooping and his speech is slurred")
    assert answer.status == "urgent" and answer.notice == safety.EMERGENCY_NOTICE
    check_quotes(kb, answer)


def test_self_harm_gets_the_crisis_notice(kb):
    answer = kb.ask("I want to kill myself, the nerve pain never stops")
    assert answer.status == "urgent" and answer.notice == safety.CRISIS_NOTICE


def test_a_dose_question_gets_the_stronger_caution(kb):
    assert "before you start, change or stop" in kb.ask("How much magnesium should adults take each day?").caution
    assert "before you start, change or stop" not in kb.ask("Which foods are rich in magnesium?").caution


def test_a_commercial_source_is_named_in_the_caution(built, embedder):
    write(built.docs_dir, "nerves.md.meta.yaml", "publisher: Supplement Shop\ncommercial: true\n"
                                                 "promotes: [Nerve Plus]\n")
    build(built, embedder)
    kb = KnowledgeBase.load(settings=built, embedder=embedder)
    answer = kb.ask("How much magnesium do adults take each day?")
    assert answer.quotes[0].doc_id == "nerves"
    assert "Supplement Shop" in answer.caution and "sells supplements" in answer.caution


@pytest.mark.parametrize("question", ["", "   \n ", "!!!", "a" * 2001, None, 42, {"q": "dose"}])
def test_unusable_input_is_invalid_and_embeds_nothing(built, question):
    kb = KnowledgeBase(load_index(built.index_dir), RefusingEmbedder())
    answer = kb.ask(question)
    assert answer.status == "invalid" and answer.notice and answer.quotes == ()
    assert "not medical advice" in answer.caution
    assert len(answer.question) <= safety.MAX_QUESTION_CHARS
    json.dumps(answer.to_dict())


def test_control_characters_are_cleaned_from_the_question(kb):
    answer = kb.ask("Which foods\x00 are rich\x1b in   magnesium?\n")
    assert answer.question == "Which foods are rich in magnesium?"


def test_a_broken_model_gives_a_message_not_an_exception(built, caplog):
    kb = KnowledgeBase(load_index(built.index_dir), BrokenEmbedder())
    answer = kb.ask("How much magnesium do adults take each day?")
    assert answer.status == "invalid" and "went wrong" in answer.notice
    assert set(answer.to_dict()) == ANSWER_KEYS
    assert "model exploded" in caplog.text  # logged for whoever runs the app


def test_loading_an_index_of_another_model_says_to_rebuild(built):
    class OtherModel(FakeEmbedder):
        model_id = "another-model"

    with pytest.raises(StoreError, match="mgqa build"):
        KnowledgeBase.load(settings=built, embedder=OtherModel())


def test_loading_a_missing_index_says_to_build(settings, embedder):
    with pytest.raises(StoreError, match="mgqa build"):
        KnowledgeBase.load(settings=settings, embedder=embedder)


def test_an_explicit_index_folder_wins_over_settings(built, embedder):
    kb = KnowledgeBase.load(built.index_dir, settings=None, embedder=embedder)
    assert sorted(kb.documents) == ["foods", "nerves", "sleep"] and kb.manifest["model"] == "fake-hash"


def test_a_folder_with_nothing_to_quote_is_refused_and_no_index_is_written(settings, embedder):
    for path in settings.docs_dir.iterdir():
        path.unlink()
    write(settings.docs_dir, "stub.txt", "Magnesium Notes\n")
    with pytest.raises(BuildError, match="text to quote"):
        build(settings, embedder)
    with pytest.raises(StoreError, match="mgqa build"):
        KnowledgeBase.load(settings=settings, embedder=embedder)


class _StatesEmbedder(FakeEmbedder):
    """The fake embedder with the encoder states a fine-tuned layer reads (zeros: the stub triage ignores them)."""

    def encode_states(self, texts):
        import numpy as np

        return self.encode(texts), [np.zeros((3, self.dimension), np.float32) for _ in texts]

    def layer_states(self, texts, layers):
        return self.encode_states(texts)[1]


class _StubTriage:
    """A triage that reads every message the same way: calm on self-harm, or not."""

    def __init__(self, calm: bool) -> None:
        self.calm = calm

    def assess(self, states, clause_states, keyword=False):
        from mgqa.triage import Assessment

        return Assessment(0.0, 0.0, 0.0 if self.calm else 0.9, urgent=not self.calm, crisis=not self.calm,
                          grey=False, calm=self.calm, calm_on_self_harm=self.calm)


def test_the_words_of_a_crisis_read_calm_get_the_support_line_and_no_dose(built):
    kb = KnowledgeBase.load(settings=built, embedder=_StatesEmbedder())
    question = "I self-harmed years ago and I'm well now. How much magnesium do adults take each day?"
    kb.triage = _StubTriage(calm=True)
    answer = kb.ask(question)
    assert answer.status != "urgent" and safety.SUPPORT_LINE in answer.notice
    assert not any(safety.names_a_dose(q.text) or q.promotional for q in answer.quotes)
    kb.triage = _StubTriage(calm=False)  # read as a live signal: the crisis notice, no quotes
    answer = kb.ask(question)
    assert answer.status == "urgent" and answer.notice == safety.CRISIS_NOTICE and answer.quotes == ()
